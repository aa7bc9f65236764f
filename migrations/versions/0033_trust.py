"""serialized decisions: unique partial indexes and the append-only audit trail

Revision ID: 0033
Revises: 0032
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

ONCE = sa.text("action IN ('submission.submit', 'run.publish', 'objection.answer')")
PROVISIONAL = sa.text("published = 'provisional'")
MESSAGE = "audit_entry is append-only"
TRIGGERS = {
    "sqlite": [
        f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ],
    "postgresql": [
        f"CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    ],
}
DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_entry_no_update", "DROP TRIGGER IF EXISTS audit_entry_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
                   "DROP FUNCTION IF EXISTS audit_entry_append_only()"],
}


def upgrade() -> None:
    # Earlier duplicates of decisions taken once (two publications of one run, two submits of
    # one submission written by simultaneous requests) would stop the unique index: keep the first.
    # Runs: a second provisional publication of a call is impossible to keep apart from the first
    # by data alone, so the migration refuses rather than guess (the index creation fails).
    op.execute("DELETE FROM audit_entry WHERE action IN ('submission.submit', 'run.publish', 'objection.answer') "
               "AND id NOT IN (SELECT MIN(id) FROM audit_entry WHERE action IN "
               "('submission.submit', 'run.publish', 'objection.answer') GROUP BY object_type, object_id, action)")
    op.create_index("uq_audit_entry_once", "audit_entry", ["object_type", "object_id", "action"], unique=True,
                    sqlite_where=ONCE, postgresql_where=ONCE)
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_actor_id", "audit_entry", ["actor_id"])
    op.create_index("uq_run_provisional", "run", ["call_id"], unique=True,
                    sqlite_where=PROVISIONAL, postgresql_where=PROVISIONAL)
    for statement in TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_index("uq_run_provisional", table_name="run")
    op.drop_index("ix_audit_entry_actor_id", table_name="audit_entry")
    op.drop_index("ix_audit_entry_at", table_name="audit_entry")
    op.drop_index("uq_audit_entry_once", table_name="audit_entry")
