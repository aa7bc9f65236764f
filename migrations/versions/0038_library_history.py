"""library entries funded by an administrator from their edition's library pool

Revision ID: 0038
Revises: 0037
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('library_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pool_granted_at', gongyi.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('library_entry', schema=None) as batch_op:
        batch_op.drop_column('pool_granted_at')
