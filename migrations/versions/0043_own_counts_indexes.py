"""indexes a member's navigation counts read by on every page: reports due and objections by organisation

Revision ID: 0043
Revises: 0042
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_execution_record_organisation_id'), 'execution_record', ['organisation_id'])
    op.create_index(op.f('ix_objection_organisation_id'), 'objection', ['organisation_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_objection_organisation_id'), table_name='objection')
    op.drop_index(op.f('ix_execution_record_organisation_id'), table_name='execution_record')
