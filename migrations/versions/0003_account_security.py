"""account security: a session token per user, e-mail confirmation

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import gongyi.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN, not a batch copy: on SQLite copying "user" would trip the review
# triggers that name it.
def upgrade() -> None:
    op.add_column('user', sa.Column('session_token', sa.String(length=64), server_default='', nullable=False))
    op.add_column('user', sa.Column('email_confirmed_at', gongyi.db.UTCDateTime(timezone=True), nullable=True))
    # Accounts that exist already were created by people who could sign in with them: confirmed.
    op.execute('UPDATE "user" SET email_confirmed_at = created_at')


def downgrade() -> None:
    for column in ('email_confirmed_at', 'session_token'):
        op.execute(f'ALTER TABLE "user" DROP COLUMN {column}')
