"""everyday use: in-app messages, organisation members and invitations, organisation documents

Revision ID: 0035
Revises: 0033
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0035'
down_revision = '0033'
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
    op.create_table('organisation_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', gongyi.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('registration_certificate', 'annual_inspection')",
                           name=op.f('ck_organisation_document_kind')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_organisation_document_organisation_id_organisation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'],
                                name=op.f('fk_organisation_document_uploaded_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_document')),
    )
    op.create_index(op.f('ix_organisation_document_organisation_id'), 'organisation_document', ['organisation_id'],
                    unique=False)
    op.create_table('organisation_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', gongyi.db.UTCDateTime(), nullable=False),
        sa.Column('accepted_at', gongyi.db.UTCDateTime(), nullable=True),
        sa.Column('accepted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_organisation_invitation_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'],
                                name=op.f('fk_organisation_invitation_invited_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'],
                                name=op.f('fk_organisation_invitation_accepted_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_invitation')),
    )
    op.create_index(op.f('ix_organisation_invitation_organisation_id'), 'organisation_invitation',
                    ['organisation_id'], unique=False)
    # Messages queued before: the account with the address they went to.
    op.execute('UPDATE outbox_message SET user_id = (SELECT "user".id FROM "user" '
               'WHERE lower("user".email) = lower(outbox_message."to"))')


def downgrade() -> None:
    op.drop_index(op.f('ix_organisation_invitation_organisation_id'), table_name='organisation_invitation')
    op.drop_table('organisation_invitation')
    op.drop_index(op.f('ix_organisation_document_organisation_id'), table_name='organisation_document')
    op.drop_table('organisation_document')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_user_read')
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_user_id_user'), type_='foreignkey')
        batch_op.drop_column('read_at')
        batch_op.drop_column('user_id')
