"""everyday use: in-app messages, organisation members and invitations, organisation documents

Revision ID: 0035
Revises: 0034
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A message to a user's own address is also their in-app message.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('read_at', gongyi.db.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_user_id_user'), 'user', ['user_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index('ix_outbox_message_user_read', ['user_id', 'read_at'], unique=False)
    # Messages queued before: the account with the address they went to.
    op.execute('UPDATE outbox_message SET user_id = (SELECT "user".id FROM "user" '
               'WHERE lower("user".email) = lower(outbox_message."to"))')


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_user_read')
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_user_id_user'), type_='foreignkey')
        batch_op.drop_column('read_at')
        batch_op.drop_column('user_id')
