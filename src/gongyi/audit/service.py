"""Writing the audit trail; every service that changes state calls `record`."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.models import AuditEntry


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
