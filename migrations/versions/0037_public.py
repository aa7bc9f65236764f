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
    pass


def downgrade() -> None:
    pass
