"""The administrator's view of the whole audit trail: entries filtered by object, actor, action
and period, a page at a time, and the same rows for export."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from gongyi.audit.labels import action_label
from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.clock import CHINA, china_time
from gongyi.pagination import Page, paginate

EXPORT_LIMIT = 100_000  # rows in one export; narrow the filters for more


@dataclass(frozen=True)
class TrailFilters:
    object_type: str = ""
    object_id: str = ""
    actor: str = ""  # e-mail or name, part of it
    action: str = ""  # an action code, or its prefix ("submission." for all of a kind)
    since: date | None = None  # Beijing days, both ends included
    until: date | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA)


def trail_query(filters: TrailFilters) -> Select:
    """Entries with their actor's name and e-mail, newest first."""
    stmt = select(AuditEntry, User.name, User.email).outerjoin(User, User.id == AuditEntry.actor_id)
    f = filters
    if f.object_type:
        stmt = stmt.where(AuditEntry.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEntry.object_id == f.object_id)
    if f.actor:
        stmt = stmt.where(or_(User.email.icontains(f.actor, autoescape=True), User.name.icontains(f.actor, autoescape=True)))
    if f.action:
        stmt = stmt.where(AuditEntry.action.startswith(f.action, autoescape=True) if f.action.endswith(".")
                          else AuditEntry.action == f.action)
    if f.since:
        stmt = stmt.where(AuditEntry.at >= _start_of(f.since))
    if f.until:
        stmt = stmt.where(AuditEntry.at < _start_of(f.until + timedelta(days=1)))
    return stmt.order_by(AuditEntry.id.desc())


def trail_page(session: Session, filters: TrailFilters, number: int, per_page: int = 100) -> Page:
    return paginate(session, trail_query(filters), number, per_page)


def object_types(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))


EXPORT_COLUMNS = ("id", "at", "actor", "actor_email", "action", "action_label", "object_type", "object_id", "detail")


def export_rows(session: Session, filters: TrailFilters) -> Iterator[list[Any]]:
    """The filtered entries as rows (times in Beijing time, the detail as JSON text)."""
    for entry, name, email in session.execute(trail_query(filters).limit(EXPORT_LIMIT)):
        yield [entry.id, china_time(entry.at).strftime("%Y-%m-%d %H:%M:%S"), name or "", email or "", entry.action,
               action_label(entry.action), entry.object_type, entry.object_id,
               json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)]
