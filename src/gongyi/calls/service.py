"""Calls: creating them, moving them through their lifecycle, amending their rules."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.calls.models import Call, LateEntry, RulesVersion
from gongyi.calls.rules import SLUG, rules_diff, validate_rules
from gongyi.calls.workflow import find_transition
from gongyi.db import utcnow
from gongyi.errors import N_, UserError

class CallError(UserError):
    pass


def find_call(session: Session, slug: str) -> Call | None:
    return session.scalar(select(Call).where(Call.slug == slug))


def _check_dates(opens_at: datetime, closes_at: datetime, edit_deadline: datetime | None) -> None:
    if closes_at <= opens_at:
        raise CallError(N_("截止时间必须晚于开始时间"), "closes_at")
    if edit_deadline is not None and edit_deadline < closes_at:
        raise CallError(N_("修改截止时间不能早于申报截止时间"), "edit_deadline")


def create_call(
    session: Session, actor: Any, *, slug: str, title: str, opens_at: datetime, closes_at: datetime,
    description: str = "", edit_deadline: datetime | None = None, review_deadline: datetime | None = None,
    rules: dict[str, Any] | None = None,
) -> Call:
    """Create a draft call with its first rules version (validated; defaults fill what is missing)."""
    if not SLUG.match(slug):
        raise CallError(N_("标识只能包含字母、数字、点、下划线和连字符（最多 80 个字符）"), "slug")
    if find_call(session, slug) is not None:
        raise CallError(N_("标识 %(slug)s 已被使用"), "slug", slug=slug)
    _check_dates(opens_at, closes_at, edit_deadline)
    normalised = validate_rules(rules or {})
    call = Call(slug=slug, title=title.strip(), description=description, opens_at=opens_at, closes_at=closes_at,
                edit_deadline=edit_deadline, review_deadline=review_deadline)
    call.rules_versions.append(RulesVersion(version=1, rules=normalised, reason="", created_by_id=getattr(actor, "id", None)))
    session.add(call)
    session.flush()
    record(session, actor, "call.create", call, slug=slug)
    return call


def update_call(session: Session, actor: Any, call: Call, *, rules: dict[str, Any] | None = None,
                reason: str = "", **fields: Any) -> Call:
    """Change a call. In draft everything may change; after opening, a rules change is an amendment."""
    allowed = {"title", "description", "opens_at", "closes_at", "edit_deadline", "review_deadline"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown call fields: {sorted(unknown)}")
    changed = {k for k, v in fields.items() if getattr(call, k) != v}
    if changed:
        _check_dates(fields.get("opens_at", call.opens_at), fields.get("closes_at", call.closes_at),
                     fields.get("edit_deadline", call.edit_deadline))
        for k in changed:
            setattr(call, k, fields[k])
        record(session, actor, "call.update", call, fields=sorted(changed))
    if rules is not None:
        normalised = validate_rules(rules)
        if call.status == "draft":
            if normalised != call.rules:
                call.rules_version.rules = normalised
                record(session, actor, "call.rules_edit", call, keys=rules_diff(call.rules, normalised))
        else:
            amend_rules(session, actor, call, normalised, reason)
    session.flush()
    return call


def amend_rules(session: Session, actor: Any, call: Call, rules: dict[str, Any], reason: str) -> RulesVersion | None:
    """A rules change after opening: a new version with a written reason; nothing changes silently."""
    normalised = validate_rules(rules)
    keys = rules_diff(call.rules, normalised)
    if not keys:
        return None
    if not reason.strip():
        raise CallError(N_("开放后修改规则须填写修订理由"), "reason")
    version = RulesVersion(version=call.rules_version.version + 1, rules=normalised, reason=reason.strip(),
                           created_by_id=getattr(actor, "id", None))
    call.rules_versions.append(version)
    session.flush()
    record(session, actor, "call.amend_rules", call, version=version.version, reason=reason.strip(), keys=keys)
    return version


def transition_call(session: Session, actor: Any, call: Call, name: str) -> None:
    """Take a transition of the lifecycle table; anything not in the table is refused."""
    transition = find_transition(call.status, name)
    if transition is None:
        raise CallError(N_("当前状态下不能执行此操作"), None)
    if transition.role not in getattr(actor, "roles", set()):
        raise CallError(N_("您没有权限执行此操作"), None)
    previous = call.status
    call.status = transition.target
    session.flush()
    record(session, actor, f"call.{name}", call, source=previous, target=transition.target)


def add_late_entry(session: Session, actor: Any, call: Call, organisation_id: int, reason: str,
                   until: datetime | None = None) -> LateEntry:
    """Allow one organisation to submit or edit after the deadline (audited, with the reason)."""
    if not reason.strip():
        raise CallError(N_("须填写理由"), "reason")
    entry = session.scalar(select(LateEntry).where(LateEntry.call_id == call.id, LateEntry.organisation_id == organisation_id))
    if entry is None:
        entry = LateEntry(call_id=call.id, organisation_id=organisation_id, reason=reason.strip(), until=until)
        session.add(entry)
    else:
        entry.reason, entry.until = reason.strip(), until
    session.flush()
    record(session, actor, "call.late_entry", call, organisation_id=organisation_id, reason=reason.strip())
    return entry


def remove_late_entry(session: Session, actor: Any, call: Call, organisation_id: int) -> None:
    entry = session.scalar(select(LateEntry).where(LateEntry.call_id == call.id, LateEntry.organisation_id == organisation_id))
    if entry is not None:
        session.delete(entry)
        record(session, actor, "call.late_entry_removed", call, organisation_id=organisation_id)


def submissions_open_for(session: Session, call: Call, organisation_id: int, now: datetime | None = None,
                         editing: bool = False) -> bool:
    """Whether an organisation may submit (or, with editing=True, edit) in this call right now.

    The window is [opens_at, closes_at) while the call is open; editing of a submitted project
    runs until the optional editing deadline. An organisation on the late list may act until its
    `until` (or while the call is open or closed, when no `until` is set).
    """
    now = now or utcnow()
    end = call.edit_deadline if editing and call.edit_deadline else call.closes_at
    if call.status == "open" and call.opens_at <= now < end:
        return True
    if call.status in ("open", "closed"):
        late = session.scalar(select(LateEntry).where(LateEntry.call_id == call.id, LateEntry.organisation_id == organisation_id))
        if late is not None and (late.until is None or now < late.until):
            return True
    return False
