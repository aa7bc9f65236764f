"""the public face: notices (通知公告) and the application guide

Revision ID: 0037
Revises: 0036
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_notice_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    op.create_index(op.f('ix_notice_published_at'), 'notice', ['published_at'], unique=False)
    op.create_table('site_page',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_site_page_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_page'))
    )


def downgrade() -> None:
    op.drop_table('site_page')
    op.drop_index(op.f('ix_notice_published_at'), table_name='notice')
    op.drop_table('notice')
