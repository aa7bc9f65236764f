"""the project library across editions, brand projects, replication and co-funders

Library entries, co-funders and their pledges, brand projects and replications, barred
organisations and each call's library and entry settings: new tables only.
The role "co_funder" joins the user_role CHECK constraint (beside "evaluator").

Revision ID: 0036
Revises: 0035
"""
from alembic import op
import sqlalchemy as sa
import gongyi.db


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

ROLES = ('member', 'reviewer', 'admin', 'evaluator', 'co_funder')
ROLES_BEFORE = ('member', 'reviewer', 'admin', 'evaluator')


def _roles(values: tuple[str, ...]) -> None:
    with op.batch_alter_table('user_role', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_role_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_user_role_role'),
                                         "role IN (" + ", ".join(repr(v) for v in values) + ")")


def upgrade() -> None:
    _roles(ROLES)
    op.create_table('edition_settings',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('expires_after', sa.Integer(), nullable=False),
    sa.Column('failed_evaluation_editions', sa.Integer(), nullable=False),
    sa.Column('no_second_funding', sa.Boolean(), nullable=False),
    sa.Column('barred_list', sa.Boolean(), nullable=False),
    sa.Column('mark_replications', sa.Boolean(), nullable=False),
    sa.CheckConstraint('expires_after BETWEEN 1 AND 10', name=op.f('ck_edition_settings_expires_after')),
    sa.CheckConstraint('failed_evaluation_editions BETWEEN 0 AND 10', name=op.f('ck_edition_settings_failed_evaluation_editions')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_edition_settings_call_id_call'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', name=op.f('pk_edition_settings'))
    )
    op.create_table('brand',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('for_whom', sa.Text(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('designated_by_id', sa.Integer(), nullable=True),
    sa.Column('designated_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['designated_by_id'], ['user.id'], name=op.f('fk_brand_designated_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_brand_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brand')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_brand_submission_id'))
    )
    op.create_table('co_funder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('enterprise', 'foundation', 'other')", name=op.f('ck_co_funder_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_co_funder_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_co_funder')),
    sa.UniqueConstraint('user_id', name=op.f('uq_co_funder_user_id'))
    )
    op.create_table('library_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('run_number', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('round', sa.String(length=40), nullable=False),
    sa.Column('aggregate_display', sa.String(length=20), nullable=True),
    sa.Column('score_hundredths', sa.Integer(), nullable=True),
    sa.Column('requested_fen', sa.BigInteger(), nullable=False),
    sa.Column('library_grant_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('editions', sa.Integer(), nullable=False),
    sa.Column('carried_from_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('waiting', 'funded', 'adopted', 'matched', 'carried', 'expired', 'withdrawn')", name=op.f('ck_library_entry_status')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_library_entry_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['carried_from_id'], ['library_entry.id'], name=op.f('fk_library_entry_carried_from_id_library_entry'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_library_entry_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_entry')),
    sa.UniqueConstraint('call_id', 'submission_id', name=op.f('uq_library_entry_call_id_submission_id'))
    )
    with op.batch_alter_table('library_entry', schema=None) as batch_op:
        batch_op.create_index('ix_library_entry_status', ['status', 'call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_library_entry_submission_id'), ['submission_id'], unique=False)

    op.create_table('organisation_bar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_organisation_bar_dates')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_organisation_bar_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_bar_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_bar'))
    )
    with op.batch_alter_table('organisation_bar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_bar_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('replication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brand.id'], name=op.f('fk_replication_brand_id_brand'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_replication_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_replication_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replication')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_replication_submission_id'))
    )
    with op.batch_alter_table('replication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replication_brand_id'), ['brand_id'], unique=False)

    op.create_table('pledge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('co_funder_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('over_need_allowed', sa.Boolean(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('funding_line_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'declined')", name=op.f('ck_pledge_status')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_pledge_amount_positive')),
    sa.ForeignKeyConstraint(['co_funder_id'], ['co_funder.id'], name=op.f('fk_pledge_co_funder_id_co_funder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_pledge_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['funding_line_id'], ['funding_line.id'], name=op.f('fk_pledge_funding_line_id_funding_line'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_pledge_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge'))
    )
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_co_funder_id'), ['co_funder_id'], unique=False)
        batch_op.create_index('ix_pledge_submission_status', ['submission_id', 'status'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM user_role WHERE role = 'co_funder'")
    _roles(ROLES_BEFORE)
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_index('ix_pledge_submission_status')
        batch_op.drop_index(batch_op.f('ix_pledge_co_funder_id'))

    op.drop_table('pledge')
    with op.batch_alter_table('replication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replication_brand_id'))

    op.drop_table('replication')
    with op.batch_alter_table('organisation_bar', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_bar_organisation_id'))

    op.drop_table('organisation_bar')
    with op.batch_alter_table('library_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_entry_submission_id'))
        batch_op.drop_index('ix_library_entry_status')

    op.drop_table('library_entry')
    op.drop_table('co_funder')
    op.drop_table('brand')
    op.drop_table('edition_settings')
