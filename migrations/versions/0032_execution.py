"""execution records after the award: agreements, milestones, reports, evaluations, tranches

The evaluator role (第三方评估机构) joins the user_role CHECK constraint; an objection is to a run's
result or to a published evaluation, so objection.run_id becomes nullable beside evaluation_id.

Revision ID: 0032
Revises: 0031
"""
from alembic import op
import sqlalchemy as sa
import gongyi.db


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('member', 'reviewer', 'admin')"
ROLES_AFTER = "role IN ('member', 'reviewer', 'admin', 'evaluator')"


def _roles(check: str) -> None:
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_role_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_user_role_role'), check)


def _tables() -> None:
    op.create_table('execution_settings',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('funding_mark', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_execution_settings_call_id_call'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', name=op.f('pk_execution_settings'))
    )
    op.create_table('execution_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('pool', sa.String(length=20), nullable=False),
    sa.Column('allocated_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('agreement_number', sa.String(length=60), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('agreement_name', sa.String(length=255), nullable=True),
    sa.Column('agreement_type', sa.String(length=100), nullable=True),
    sa.Column('agreement_file', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("pool IN ('matching', 'library')", name=op.f('ck_execution_record_pool')),
    sa.CheckConstraint("status IN ('active', 'stopped', 'completed')", name=op.f('ck_execution_record_status')),
    sa.CheckConstraint('allocated_fen > 0', name=op.f('ck_execution_record_allocated_positive')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_execution_record_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_execution_record_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_execution_record_run_id_run')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_execution_record_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_record')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_execution_record_submission_id'))
    )
    with op.batch_alter_table('execution_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_execution_record_call_id'), ['call_id'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('total_centi', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('pass_mark', sa.Integer(), nullable=True),
    sa.Column('submitted_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('publicity_until', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('midterm', 'final')", name=op.f('ck_evaluation_kind')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'published', 'confirmed')", name=op.f('ck_evaluation_status')),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user.id'], name=op.f('fk_evaluation_evaluator_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['execution_id'], ['execution_record.id'], name=op.f('fk_evaluation_execution_id_execution_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('execution_id', 'kind', name=op.f('uq_evaluation_execution_id_kind'))
    )
    op.create_table('evaluator_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user.id'], name=op.f('fk_evaluator_assignment_evaluator_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['execution_id'], ['execution_record.id'], name=op.f('fk_evaluator_assignment_execution_id_execution_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluator_assignment')),
    sa.UniqueConstraint('execution_id', 'evaluator_id', name=op.f('uq_evaluator_assignment_execution_id_evaluator_id'))
    )
    with op.batch_alter_table('evaluator_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_assignment_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_assignment_execution_id'), ['execution_id'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('deliverable', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['execution_id'], ['execution_record.id'], name=op.f('fk_milestone_execution_id_execution_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_execution_id'), ['execution_id'], unique=False)

    op.create_table('recovery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recovered_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_recovery_amount_positive')),
    sa.ForeignKeyConstraint(['execution_id'], ['execution_record.id'], name=op.f('fk_recovery_execution_id_execution_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_recovery_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery'))
    )
    with op.batch_alter_table('recovery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_execution_id'), ['execution_id'], unique=False)

    op.create_table('tranche',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('gate', sa.String(length=20), nullable=False),
    sa.Column('share', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('disbursement_id', sa.Integer(), nullable=True),
    sa.Column('released_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('stopped_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("gate IN ('signing', 'midterm', 'final')", name=op.f('ck_tranche_gate')),
    sa.CheckConstraint("status IN ('scheduled', 'released', 'stopped')", name=op.f('ck_tranche_status')),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_tranche_amount_nonnegative')),
    sa.ForeignKeyConstraint(['disbursement_id'], ['disbursement.id'], name=op.f('fk_tranche_disbursement_id_disbursement'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['execution_id'], ['execution_record.id'], name=op.f('fk_tranche_execution_id_execution_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['released_by_id'], ['user.id'], name=op.f('fk_tranche_released_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranche')),
    sa.UniqueConstraint('execution_id', 'position', name=op.f('uq_tranche_execution_id_position'))
    )
    op.create_table('milestone_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.CheckConstraint('target >= 0', name=op.f('ck_milestone_indicator_target_nonnegative')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], name=op.f('fk_milestone_indicator_milestone_id_milestone'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_indicator'))
    )
    with op.batch_alter_table('milestone_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_indicator_milestone_id'), ['milestone_id'], unique=False)

    op.create_table('progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'accepted', 'returned')", name=op.f('ck_progress_report_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_progress_report_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['execution_id'], ['execution_record.id'], name=op.f('fk_progress_report_execution_id_execution_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], name=op.f('fk_progress_report_milestone_id_milestone'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_report'))
    )
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_report_execution_id'), ['execution_id'], unique=False)

    op.create_table('report_figure',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_report_figure_value_nonnegative')),
    sa.ForeignKeyConstraint(['indicator_id'], ['milestone_indicator.id'], name=op.f('fk_report_figure_indicator_id_milestone_indicator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['progress_report.id'], name=op.f('fk_report_figure_report_id_progress_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'indicator_id', name=op.f('pk_report_figure'))
    )
    op.create_table('report_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('receipt', 'photo', 'file')", name=op.f('ck_report_file_kind')),
    sa.ForeignKeyConstraint(['report_id'], ['progress_report.id'], name=op.f('fk_report_file_report_id_progress_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_file'))
    )
    with op.batch_alter_table('report_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_file_report_id'), ['report_id'], unique=False)

    op.create_table('report_spending',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('budget_line_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_report_spending_amount_nonnegative')),
    sa.ForeignKeyConstraint(['budget_line_id'], ['budget_line.id'], name=op.f('fk_report_spending_budget_line_id_budget_line'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['progress_report.id'], name=op.f('fk_report_spending_report_id_progress_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'budget_line_id', name=op.f('pk_report_spending'))
    )
    op.create_table('report_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['progress_report.id'], name=op.f('fk_report_version_report_id_progress_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_version')),
    sa.UniqueConstraint('report_id', 'version', name=op.f('uq_report_version_report_id_version'))
    )


def _objection() -> None:
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluation_id', sa.Integer(), nullable=True))
        batch_op.alter_column('run_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_objection_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_objection_evaluation_id_evaluation'), 'evaluation', ['evaluation_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_objection_one_subject'), '(run_id IS NULL) <> (evaluation_id IS NULL)')


def upgrade() -> None:
    _roles(ROLES_AFTER)
    _tables()
    _objection()


def downgrade() -> None:
    op.execute('DELETE FROM objection WHERE evaluation_id IS NOT NULL')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_objection_one_subject'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_objection_evaluation_id_evaluation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_objection_evaluation_id'))
        batch_op.alter_column('run_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('evaluation_id')

    op.drop_table('report_version')
    op.drop_table('report_spending')
    with op.batch_alter_table('report_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_file_report_id'))

    op.drop_table('report_file')
    op.drop_table('report_figure')
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_report_execution_id'))

    op.drop_table('progress_report')
    with op.batch_alter_table('milestone_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_indicator_milestone_id'))

    op.drop_table('milestone_indicator')
    op.drop_table('tranche')
    with op.batch_alter_table('recovery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_execution_id'))

    op.drop_table('recovery')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_execution_id'))

    op.drop_table('milestone')
    with op.batch_alter_table('evaluator_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_assignment_execution_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_assignment_evaluator_id'))

    op.drop_table('evaluator_assignment')
    op.drop_table('evaluation')
    with op.batch_alter_table('execution_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_record_call_id'))

    op.drop_table('execution_record')
    op.drop_table('execution_settings')
    op.execute("DELETE FROM user_role WHERE role = 'evaluator'")
    _roles(ROLES_BEFORE)
