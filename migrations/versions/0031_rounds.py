"""running rounds: each call round's state (open for scoring, or closed with who advanced)

Revision ID: 0031
Revises: 0030
"""
from alembic import op
import sqlalchemy as sa
import gongyi.db


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('advanced', sa.JSON(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_call_round_status')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_round_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_call_round_closed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_call_round_opened_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_round')),
    sa.UniqueConstraint('call_id', 'code', name=op.f('uq_call_round_call_id_code'))
    )


def downgrade() -> None:
    op.drop_table('call_round')
