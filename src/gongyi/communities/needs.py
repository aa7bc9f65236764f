"""A community's needs list (需求清单) for a year: catalogue items, each with a priority and a
short note, kept by the organisation running the community's service centre."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.catalogue.models import Item
from gongyi.clock import utcnow
from gongyi.communities.models import Community, CommunityNeed
from gongyi.communities.service import CommunityError, clean_name
from gongyi.communities.vocab import PRIORITIES
from gongyi.communities.years import editable_years
from gongyi.errors import N_, UserErrors

NOTE_LIMIT = 500


def keeper_refusal(actor: Any, community: Community) -> CommunityError | None:
    """Why `actor` may not write the community's needs list, or None: only members of the
    organisation keeping it, and not for a proposal an administrator did not take up."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_role("member")):
        return CommunityError(N_("只有负责该社区服务中心的组织可以填写需求清单"))
    if community.keeper_id is None or actor.organisation_id != community.keeper_id:
        return CommunityError(N_("只有负责该社区服务中心的组织可以填写需求清单"))
    if community.status == "rejected":
        return CommunityError(N_("该社区未被采纳，不能填写需求清单"))
    return None


def needs_of(session: Session, community_id: int, year: int) -> dict[str, CommunityNeed]:
    """The community's needs list for `year`, by item code."""
    return {n.item_code: n for n in session.scalars(select(CommunityNeed).where(
        CommunityNeed.community_id == community_id, CommunityNeed.year == year))}


def _read(session: Session, entries: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """item code -> (priority, note) as typed; a line with neither is not listed. Every problem at once."""
    known = set(session.scalars(select(Item.code).where(Item.code.in_(list(entries)))))
    listed, problems = {}, []
    for code, (priority, note) in entries.items():
        priority, note = (priority or "").strip(), clean_name(note)
        if not priority and not note:
            continue
        if code not in known:
            problems.append(CommunityError(N_("服务目录中没有 %(code)s"), "items", code=code))
        elif priority not in PRIORITIES:
            problems.append(CommunityError(N_("请选择优先级"), f"priority-{code}"))
        elif len(note) > NOTE_LIMIT:
            problems.append(CommunityError(N_("最多 %(n)s 个字符（现有 %(m)s 个）"), f"note-{code}", n=NOTE_LIMIT,
                                           m=len(note)))
        else:
            listed[code] = (priority, note)
    if problems:
        raise UserErrors(problems)
    return listed


def save_needs(session: Session, actor: Any, community: Community, year: int,
               entries: Mapping[str, tuple[str, str]], now: datetime | None = None) -> dict[str, list[str]]:
    """Replace the community's needs list for `year` with `entries` (item code -> (priority, note);
    lines left blank are not listed). Returns the codes added, changed and removed."""
    refusal = keeper_refusal(actor, community)
    if refusal is not None:
        raise refusal
    if year not in editable_years(now or utcnow()):
        raise CommunityError(N_("只能填写去年、今年和明年的需求清单"), "year")
    listed = _read(session, entries)
    stored = needs_of(session, community.id, year)
    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for code, need in stored.items():
        if code not in listed:
            session.delete(need)
            changes["removed"].append(code)
    for code, (priority, note) in sorted(listed.items()):
        need = stored.get(code)
        if need is None:
            session.add(CommunityNeed(community_id=community.id, year=year, item_code=code, priority=priority,
                                      note=note, recorded_by_id=actor.organisation_id))
            changes["added"].append(code)
        elif (need.priority, need.note) != (priority, note):
            need.priority, need.note, need.recorded_by_id = priority, note, actor.organisation_id
            changes["changed"].append(code)
    session.flush()
    if any(changes.values()):
        record(session, actor, "community.needs", community, year=year, listed=len(listed),
               **{k: v for k, v in changes.items() if v})
    return changes
