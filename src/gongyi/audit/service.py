"""Writing the audit trail; every service that changes state calls `record`."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.clock import china_time
from gongyi.errors import UserError

E = TypeVar("E", bound=UserError)


def record(session: Session, actor: Any, action: str, obj: Any, **detail: Any) -> AuditEntry:
    """Add an audit entry for `obj` (a model instance with an id) done by `actor` (a user or None)."""
    if obj.id is None:
        session.flush()
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__,
        object_id=str(obj.id),
        detail={k: v for k, v in detail.items() if v is not None},
    )
    session.add(entry)
    return entry


def covered_by(session: Session, entry: AuditEntry) -> None:
    """Say that this transaction's change is recorded by an earlier `entry` (a draft's autosaves of a
    few minutes share one entry), so the trail's completeness checks know it was not forgotten."""
    session.info["audit_covered_by"] = entry.id


def latest(session: Session, obj: Any) -> AuditEntry | None:
    """The most recent audit entry for `obj`, if any."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def history(session: Session, obj: Any) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id))
        .order_by(AuditEntry.id)
    )
    return list(session.scalars(stmt))



def last_done(session: Session, obj: Any, *actions: str) -> dict[str, str] | None:
    """Who did the latest of `actions` to `obj`, and when (Beijing time), or None when nobody did."""
    row = session.execute(
        select(AuditEntry.at, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id),
               AuditEntry.action.in_(actions))
        .order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return {"name": row.name or "-", "at": china_time(row.at).strftime("%Y-%m-%d %H:%M:%S")}


def already(error: type[E], done: str, plain: str, session: Session, obj: Any, *actions: str,
            field: str | None = None, **params: Any) -> E:
    """The refusal of a decision taken already: `done` names who took it and when ("already
    published by %(name)s at %(at)s"), what the second of two concurrent requests is told;
    `plain` when the audit trail does not say (e.g. the state came in with an import)."""
    by = last_done(session, obj, *actions)
    return error(done, field, **params, **by) if by else error(plain, field, **params)
