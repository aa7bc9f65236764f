"""the review conflict guard checks an insert's rows together (PostgreSQL)

A package import inserts 70,000 reviews in one COPY; the row trigger ran its three lookups once
per review. On PostgreSQL inserts are now checked by a statement trigger over the inserted rows
(a transition table), in three set-based queries, with the same refusal; updates that change a
review's pair are still checked row by row. SQLite keeps its row triggers.

Revision ID: 0041
Revises: 0040
"""
from alembic import context, op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import gongyi.db  # noqa: F401


revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None

ADDED_CONFLICT = """
    EXISTS (SELECT 1 FROM added JOIN conflict
            ON conflict.reviewer_id = added.reviewer_id AND conflict.submission_id = added.submission_id)
    OR EXISTS (SELECT 1 FROM added JOIN submission ON submission.id = added.submission_id
               JOIN reviewer_profile ON reviewer_profile.user_id = added.reviewer_id
                                    AND reviewer_profile.affiliation_id = submission.organisation_id)
    OR EXISTS (SELECT 1 FROM added JOIN submission ON submission.id = added.submission_id
               JOIN "user" ON "user".id = added.reviewer_id AND "user".organisation_id = submission.organisation_id)
"""


def _message() -> str:
    return context.script.get_revision("0001").module._REVIEW_CONFLICT_MESSAGE


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER trg_review_conflict ON review")
    op.execute("""
        CREATE TRIGGER trg_review_conflict BEFORE UPDATE OF reviewer_id, submission_id ON review
        FOR EACH ROW EXECUTE FUNCTION review_conflict_guard()
    """)
    op.execute(f"""
        CREATE FUNCTION review_conflict_guard_added() RETURNS trigger AS $$
        BEGIN
            IF {ADDED_CONFLICT} THEN
                RAISE EXCEPTION '{_message()}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER trg_review_conflict_added AFTER INSERT ON review
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION review_conflict_guard_added()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER trg_review_conflict_added ON review")
    op.execute("DROP FUNCTION review_conflict_guard_added()")
    op.execute("DROP TRIGGER trg_review_conflict ON review")
    op.execute("""
        CREATE TRIGGER trg_review_conflict BEFORE INSERT OR UPDATE OF reviewer_id, submission_id ON review
        FOR EACH ROW EXECUTE FUNCTION review_conflict_guard()
    """)
