"""indexes the list pages count by: submissions of a call by status

Revision ID: 0040
Revises: 0039
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_submission_call_status', 'submission', ['call_id', 'status'])


def downgrade() -> None:
    op.drop_index('ix_submission_call_status', table_name='submission')
