"""published runs form one line: each publication replaces at most one before it

Revision ID: 0039
Revises: 0038
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None

REPLACES = sa.text("replaces_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_run_replaces_id_run'), 'run', ['replaces_id'], ['id'], ondelete='SET NULL')
    # Each published run replaced the call's published run numbered just before it.
    op.execute("UPDATE run SET replaces_id = (SELECT earlier.id FROM run AS earlier WHERE earlier.call_id = run.call_id "
               "AND earlier.published IS NOT NULL AND earlier.number < run.number ORDER BY earlier.number DESC LIMIT 1) "
               "WHERE published IS NOT NULL")
    op.create_index('uq_run_replaces', 'run', ['replaces_id'], unique=True,
                    sqlite_where=REPLACES, postgresql_where=REPLACES)


def downgrade() -> None:
    op.drop_index('uq_run_replaces', table_name='run', sqlite_where=REPLACES, postgresql_where=REPLACES)
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_run_replaces_id_run'), type_='foreignkey')
        batch_op.drop_column('replaces_id')
