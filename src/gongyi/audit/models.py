from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from gongyi.db import Base, created_now, intpk

# Decisions taken once per object: a second entry is refused by the database, whatever the code does.
ONCE_ACTIONS = ("submission.submit", "run.publish", "objection.answer")
_ONCE = text("action IN ({})".format(", ".join(f"'{a}'" for a in ONCE_ACTIONS)))


class AuditEntry(Base):
    """One state change: who did what to which object, and when. Never updated, never deleted:
    triggers refuse UPDATE and DELETE (APPEND_ONLY, installed by migration 0033 and on create_all)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id"),
        Index("uq_audit_entry_once", "object_type", "object_id", "action", unique=True,
              sqlite_where=_ONCE, postgresql_where=_ONCE),
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_actor_id", "actor_id"),
    )

    id: Mapped[intpk]
    at: Mapped[created_now]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


APPEND_ONLY_MESSAGE = "audit_entry is append-only"
APPEND_ONLY = {
    "sqlite": [
        f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
        f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_entry_no_update", "DROP TRIGGER IF EXISTS audit_entry_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
                   "DROP FUNCTION IF EXISTS audit_entry_append_only()"],
}

for _dialect, _statements in APPEND_ONLY.items():
    for _sql in _statements:
        event.listen(AuditEntry.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect))
