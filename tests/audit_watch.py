"""Every state change a request commits is audited: a watch on the app's sessions that records
each commit, made while handling a request, which changed rows without adding an audit entry.

The web tests run under it (tests/web/conftest.py), so a new service that changes state and
writes no `audit.service.record` fails the test that drives it, naming the tables it changed.
"""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import event, inspect

from gongyi.audit.models import AuditEntry

# Tables whose rows change as a consequence of an audited action, or are not decisions at all.
EXEMPT = {
    "audit_entry",
    "outbox_message",  # mail queued by an audited action, and marked sent by the mailer
    "user",  # last sign-in and session token: signing in and out is not a state change of the competition
}


class AuditWatch:
    def __init__(self, sessionmaker):
        self.sessionmaker = sessionmaker
        self.violations: list[str] = []

    def _after_flush(self, session, _context) -> None:
        info = session.info.setdefault("audit_watch", {"tables": set(), "audited": False})
        for obj in [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]:
            table = getattr(obj, "__tablename__", None)
            if isinstance(obj, AuditEntry):
                info["audited"] = True
            elif table and table not in EXEMPT:
                changed = [a.key for a in inspect(obj).attrs if a.history.has_changes()] if obj in session.dirty else ["row"]
                info["tables"].add(f"{table}({', '.join(changed)})")

    def _after_commit(self, session) -> None:
        info = session.info.pop("audit_watch", None)
        covered = session.info.pop("audit_covered_by", None)  # audit.service.covered_by: recorded already
        if info and info["tables"] and not info["audited"] and covered is None and has_request_context():
            self.violations.append(f"{request.method} {request.path}: changed {sorted(info['tables'])} "
                                   "without an audit entry (call audit.service.record in the service)")

    def _after_rollback(self, session) -> None:
        session.info.pop("audit_watch", None)
        session.info.pop("audit_covered_by", None)

    def __enter__(self) -> "AuditWatch":
        event.listen(self.sessionmaker, "after_flush", self._after_flush)
        event.listen(self.sessionmaker, "after_commit", self._after_commit)
        event.listen(self.sessionmaker, "after_rollback", self._after_rollback)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.sessionmaker, "after_flush", self._after_flush)
        event.remove(self.sessionmaker, "after_commit", self._after_commit)
        event.remove(self.sessionmaker, "after_rollback", self._after_rollback)
