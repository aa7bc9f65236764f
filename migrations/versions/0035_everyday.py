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
    pass


def downgrade() -> None:
    pass
