"""Figures over a whole call, computed once per change of the data and kept in the shared cache.

A city's call holds tens of thousands of reviews; summarising them (calibration, the call and
editions dashboards, the coverage map, the review board's counts) takes hundreds of
milliseconds, and those pages are opened far more often than the data changes. So the
summaries are kept in `extensions.cache` (files under instance/cache, or Redis when configured,
shared by every instance) under a key made of the figure's name and its arguments, with the
stamp of the data it was computed from.

The stamp is the audit log's tail. Every committed change of state writes an audit entry
(tests/audit_watch.py fails a request that commits without one, and the log is append-only),
so any change gives a new stamp; a kept figure is never served for data it was not computed
from. A figure read at another stamp is computed again and replaces its entry, so the cache
holds one entry per figure however often the data changes (a deadline day changes it many times
a second, and each person's navigation counts are a figure: entries per stamp filled the file
cache until its pruning, which reads every file, ran at each write). The one change that writes no
entry of its own is a draft's autosave (`audit.service.covered_by`), and no kept figure counts
drafts. The stamp is the latest entry's id and the number of entries among the last `WINDOW`
ids: PostgreSQL hands ids out in order but transactions commit in any order, so an entry
committed late with a lower id changes the stamp too. A change made outside the app (SQL by
hand) is seen after the next audited change, or within the hour a kept figure lasts.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.models import AuditEntry
from gongyi.extensions import cache

T = TypeVar("T")
WINDOW = 1000
PREFIX = "kept:"
TIMEOUT = 3600  # seconds: a figure of a busy call's stamp is soon replaced; a quiet one's is remade hourly


_tail = select(AuditEntry.id, AuditEntry.at).order_by(AuditEntry.id.desc()).limit(1).subquery()
_STAMP = select(_tail.c.id, _tail.c.at, select(func.count()).select_from(AuditEntry)
                .where(AuditEntry.id > _tail.c.id - WINDOW).scalar_subquery())  # built once: every page reads it


def data_stamp(session: Session) -> str:
    """The audit log's tail: its latest entry's id and time and the entries among the last WINDOW
    ids (one statement, index lookups), read once per request; outside a request (a command, a
    script) each time, as it may have changed the data in between. The time tells apart two
    databases whose logs have the same length (one restored from a backup, a demo rebuilt)."""
    stamp = g.get("gongyi_data_stamp") if has_request_context() else None
    if stamp is None:
        row = session.execute(_STAMP).first()
        stamp = "empty" if row is None else f"{row[0]}.{row[1].isoformat()}.{row[2]}"
        if has_request_context():
            g.gongyi_data_stamp = stamp
    return stamp


def kept(session: Session, name: str, args: tuple, compute: Callable[[], T]) -> T:
    """`compute()` once per stamp of the data, then from the cache. Its value must be plain data
    (numbers, strings, tuples, dataclasses of them): it is pickled, and never holds a row."""
    if not _keeping():
        return compute()
    key, stamp = f"{PREFIX}{name}:{args!r}", data_stamp(session)
    found: Any = cache.get(key)
    if isinstance(found, tuple) and len(found) == 2 and found[0] == stamp:
        return found[1]
    value = compute()
    cache.set(key, (stamp, value), timeout=TIMEOUT)
    return value


def kept_for_good(name: str, args: tuple, compute: Callable[[], T]) -> T:
    """kept() for a figure of data that never changes once written (a results run's rows): its
    key is the data's own identity in `args`, with no stamp, so it outlives other changes."""
    return _kept(f"{PREFIX}{name}:{args!r}" if _keeping() else None, compute)


def _keeping() -> bool:
    """Outside the app (a script, a test of the figures) there is nothing to keep figures in."""
    return has_app_context() and current_app.config.get("KEPT_FIGURES", True)


def _kept(key: str | None, compute: Callable[[], T]) -> T:
    if key is None:
        return compute()
    value: Any = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TIMEOUT)
    return value

