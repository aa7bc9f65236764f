"""Continuous editions: a new call created from a previous one (rules, rubric, rounds, catalogue
restrictions, entry rules and library settings, dates moved by a year), a draft for the
administrator to adjust before opening."""
from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.calls.models import Call
from gongyi.calls.service import create_call
from gongyi.library.entries import SETTING_FIELDS, settings_for
from gongyi.library.models import EditionSettings


def a_year_later(value: datetime | None) -> datetime | None:
    """The same moment a year later (29 February becomes 28 February)."""
    if value is None:
        return None
    try:
        return value.replace(year=value.year + 1)
    except ValueError:
        return value.replace(year=value.year + 1, day=28)


def _next_year_text(text: str) -> str:
    """Years named in a slug or title, each moved on by one ("demo-2026" -> "demo-2027")."""
    return re.sub(r"(?<!\d)(20\d\d)(?!\d)", lambda m: str(int(m.group(1)) + 1), text)


def suggested(call: Call) -> dict[str, str]:
    """The slug and title the form proposes for the edition after `call`."""
    slug = _next_year_text(call.slug)
    return {"slug": slug if slug != call.slug else f"{call.slug}-next", "title": _next_year_text(call.title)}


def new_edition(session: Session, actor: Any, previous: Call, *, slug: str, title: str) -> Call:
    """Create a draft call from `previous` through calls.service.create_call (which checks every
    field); the rules are the ones in force in `previous`, its dates a year later."""
    rules = copy.deepcopy(previous.rules)
    call = create_call(session, actor, slug=(slug or "").strip(), title=title, description=previous.description,
                       opens_at=a_year_later(previous.opens_at), closes_at=a_year_later(previous.closes_at),
                       edit_deadline=a_year_later(previous.edit_deadline),
                       review_deadline=a_year_later(previous.review_deadline), rules=rules)
    old = settings_for(session, previous)
    session.add(EditionSettings(call_id=call.id, **{f: getattr(old, f) for f in SETTING_FIELDS}))
    session.flush()
    session.expire(call, ["settings"])
    record(session, actor, "call.new_edition", call, previous=previous.slug)
    return call
