"""rules version 2: funds, rounds and panels, holds

Every rules version (and every saved run) frozen under version 1 gets the version-2 settings
that mean the same: all five fund sources counted, no donor cap, no minimum donors, one round
`review` holding the call's rubric, one panel `expert` of weight 1. Reviews belong to a round
(existing ones to `review`), so one reviewer may review a submission once per round; reviewers
sit on a panel per call (`expert` unless a row says otherwise); holds on a submission's funding
keep their history; run rows say the submission's round, its donors and whether it was held.

Downgrading gives each rules version back its first round's rubric and drops what version 1
cannot say (the funds settings, later rounds, panels, holds); of several reviews by one
reviewer of one submission it keeps the first.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:04:58.577916
"""
from alembic import context, op
import sqlalchemy as sa
import gongyi.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

ALL_SOURCES = ["enterprise", "individual", "foundation", "government", "other"]
RULES_TABLES = ("rules_version", "run")


def rules_v2(rules: dict) -> dict:
    """Version-1 rules as the version-2 settings that reproduce them (frozen here on purpose:
    later changes to the app's defaults must not change what this migration wrote)."""
    if rules.get("version") == 2:
        return rules
    return {**rules, "version": 2,
            "funds": {"counted_sources": list(ALL_SOURCES), "donor_cap": None, "min_donors": 0},
            # the round takes the call's rubric, minimum reviews, aggregate and trim threshold
            "rounds": [{"code": "review", "name": "评审", "criteria": None, "min_reviews": None, "aggregate": None,
                        "trim_from": None, "advance": None, "advance_min_score": None,
                        "panels": [{"code": "expert", "weight": "1", "min_reviews": None}]}]}


def rules_v1(rules: dict) -> dict:
    if rules.get("version") != 2:
        return rules
    first = rules["rounds"][0]
    review = dict(rules["review"])
    for key in ("criteria", "min_reviews", "aggregate", "trim_from"):
        if first.get(key) is not None:
            review[key] = first[key]
    return {key: value for key, value in rules.items() if key not in ("version", "funds", "rounds")} | {"review": review}


def _convert(convert) -> None:
    bind = op.get_bind()
    for name in RULES_TABLES:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("rules", sa.JSON))
        for row_id, rules in bind.execute(sa.select(table.c.id, table.c.rules)).all():
            new = convert(rules)
            if new != rules:
                bind.execute(table.update().where(table.c.id == row_id).values(rules=new))


def _review_guard():
    """The review conflict triggers of the initial schema: SQLite drops them when batch mode
    rebuilds the review table, so they are dropped and created again around it."""
    return context.script.get_revision("0001").module


def upgrade() -> None:
    op.create_table('hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('held_by_id', sa.Integer(), nullable=True),
    sa.Column('held_at', gongyi.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', gongyi.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('release_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['held_by_id'], ['user.id'], name=op.f('fk_hold_held_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['released_by_id'], ['user.id'], name=op.f('fk_hold_released_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_hold_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hold'))
    )
    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.create_index('uq_hold_active_submission', ['submission_id'], unique=True, sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))

    op.create_table('reviewer_panel',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('panel', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_reviewer_panel_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reviewer_panel_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'user_id', name=op.f('pk_reviewer_panel'))
    )
    guard = _review_guard()
    guard.drop_review_conflict_guard()
    with op.batch_alter_table('review', schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column('round', sa.String(length=40), server_default='review', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_review_submission_id_reviewer_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_review_submission_id_reviewer_id_round'), ['submission_id', 'reviewer_id', 'round'])
    guard.create_review_conflict_guard()

    with op.batch_alter_table('run_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.String(length=40), server_default='review', nullable=False))
        batch_op.add_column(sa.Column('donors', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('held', sa.Boolean(), server_default=sa.false(), nullable=False))

    _convert(rules_v2)


def downgrade() -> None:
    _convert(rules_v1)
    with op.batch_alter_table('run_row', schema=None) as batch_op:
        batch_op.drop_column('held')
        batch_op.drop_column('donors')
        batch_op.drop_column('round')

    op.execute("DELETE FROM review WHERE id NOT IN (SELECT MIN(id) FROM review GROUP BY submission_id, reviewer_id)")
    guard = _review_guard()
    guard.drop_review_conflict_guard()
    with op.batch_alter_table('review', schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_review_submission_id_reviewer_id_round'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_review_submission_id_reviewer_id'), ['submission_id', 'reviewer_id'])
        batch_op.drop_column('round')
    guard.create_review_conflict_guard()

    op.drop_table('reviewer_panel')
    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.drop_index('uq_hold_active_submission', sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))

    op.drop_table('hold')
