"""Calls: creating them, moving them through their lifecycle, amending their rules, the late list."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.models import AuditEntry
from gongyi.audit.service import record
from gongyi.calls.models import Call, LateEntry, RulesVersion
from gongyi.calls.rules import SLUG, RulesError, edited_rules, rubrics, rules_diff, validate_rules
from gongyi.calls.workflow import allows, find_transition
from gongyi.catalogue.models import Category
from gongyi.clock import utcnow
from gongyi.db import lock
from gongyi.errors import N_, UserError, UserErrors
from gongyi.orgs.models import Organisation
from gongyi.results.models import Run
from gongyi.results.service import compute_call
from gongyi.review.models import Review, Score
from gongyi.submissions.models import Submission

CALL_FIELDS = ("slug", "title", "description", "opens_at", "closes_at", "edit_deadline", "review_deadline")
CALL_FIELD_LABELS = {
    "slug": N_("标识"), "title": N_("标题"), "description": N_("说明"), "opens_at": N_("申报开始时间"),
    "closes_at": N_("申报截止时间"), "edit_deadline": N_("修改截止时间"), "review_deadline": N_("评审截止时间"),
}
DATE_FIELDS = ("opens_at", "closes_at", "edit_deadline", "review_deadline")


class CallError(UserError):
    pass


class CallInvalid(UserErrors, CallError):
    """Every problem of a call's fields and rules at once, so a form can show each beside its field.

    Each error's `field` is a call field ("closes_at") or a dotted rules key ("matching.pool").
    """


def find_call(session: Session, slug: str) -> Call | None:
    return session.scalar(select(Call).where(Call.slug == slug))


def _check_fields(session: Session, call: Call | None, values: dict[str, Any]) -> list[UserError]:
    """Problems of the call's own fields (`values` holds all of them, merged over the stored call)."""
    errors: list[UserError] = []
    slug = values["slug"]
    if not SLUG.match(slug or ""):
        errors.append(CallError(N_("标识只能包含字母、数字、点、下划线和连字符（最多 80 个字符）"), "slug"))
    else:
        other = find_call(session, slug)
        if other is not None and other is not call:
            errors.append(CallError(N_("标识 %(slug)s 已被使用"), "slug", slug=slug))
    if not (values["title"] or "").strip():
        errors.append(CallError(N_("请填写标题"), "title"))
    elif len(values["title"]) > 200:
        errors.append(CallError(N_("标题最多 %(n)s 个字符"), "title", n=200))
    opens_at, closes_at = values["opens_at"], values["closes_at"]
    if opens_at is None:
        errors.append(CallError(N_("请填写开始时间"), "opens_at"))
    if closes_at is None:
        errors.append(CallError(N_("请填写截止时间"), "closes_at"))
    elif opens_at is not None and closes_at <= opens_at:
        errors.append(CallError(N_("截止时间必须晚于开始时间"), "closes_at"))
    if closes_at is not None:
        if values["edit_deadline"] is not None and values["edit_deadline"] < closes_at:
            errors.append(CallError(N_("修改截止时间不能早于申报截止时间"), "edit_deadline"))
        if values["review_deadline"] is not None and values["review_deadline"] < closes_at:
            errors.append(CallError(N_("评审截止时间不能早于申报截止时间"), "review_deadline"))
    return errors


def _check_rules(session: Session, call: Call | None, rules: dict[str, Any]) -> tuple[dict[str, Any] | None, list[UserError]]:
    """Validated rules (or None) and their problems, including categories the catalogue does not have.

    For an existing call, parts the edit leaves out (funds, rounds) keep their current settings
    (calls.rules.edited_rules); a new call starts from the defaults.
    """
    try:
        normalised = validate_rules(edited_rules(call.rules, rules) if call is not None else rules)
    except RulesError as exc:
        return None, list(exc.errors)
    codes = normalised["entry"]["categories"]
    if codes:
        known = set(session.scalars(select(Category.code).where(Category.code.in_(codes))))
        unknown = sorted(set(codes) - known)
        if unknown:
            return None, [CallError(N_("服务目录中没有这些类别：%(codes)s"), "entry.categories", codes=", ".join(unknown))]
        normalised["entry"]["categories"] = sorted(set(codes))
    return normalised, []


def _rubric_locked(session: Session, call: Call, rules: dict[str, Any]) -> CallError | None:
    """Why `rules` may not replace the call's rubric: once any score exists, changing a criterion's
    code or maximum would leave submitted reviews incomplete or above the new maximum."""
    if rubrics(call.rules) == rubrics(rules):
        return None
    scored = session.scalar(select(Score.review_id).join(Review, Review.id == Score.review_id)
                            .join(Submission, Submission.id == Review.submission_id)
                            .where(Submission.call_id == call.id).limit(1))
    if scored is None:
        return None
    field = "review.criteria" if "criteria" in call.rules["review"] else "rounds"
    return CallError(N_("已有评审专家打分，不能再修改评分项的代码或满分（名称和说明仍可修改）"), field)


class _Plan(NamedTuple):
    """What a create or update would change, once every check has passed."""

    fields: dict[str, Any]  # the call's fields after the change
    changed: list[str]  # fields whose value changes
    rules: dict[str, Any] | None  # normalised rules, when rules were given
    keys: list[str]  # rules keys that change
    amending: bool  # a change to a call that is no longer a draft


def _same_minute(stored: datetime | None, typed: datetime | None) -> bool:
    """Whether a time typed to the minute is the stored time shown to the minute."""
    return (stored is not None and typed is not None and typed.second == 0 and typed.microsecond == 0
            and stored.replace(second=0, microsecond=0) == typed)


def _plan(session: Session, call: Call | None, fields: dict[str, Any], rules: dict[str, Any] | None,
          reason: str) -> _Plan:
    """Check a create (call=None) or an update; raise CallInvalid listing every problem."""
    unknown = set(fields) - set(CALL_FIELDS)
    if unknown:
        raise ValueError(f"unknown call fields: {sorted(unknown)}")
    if call is not None and not allows(call, "edit_settings"):
        raise CallError(N_("征集已进入公示或之后的阶段，不能再修改"))
    fields = dict(fields)
    for name in ("title", "description"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    for name in DATE_FIELDS:
        if call is not None and name in fields and _same_minute(getattr(call, name), fields[name]):
            fields[name] = getattr(call, name)  # a form shows minutes: an untouched date keeps its seconds
    values = {k: fields[k] if k in fields else (getattr(call, k) if call is not None else None) for k in CALL_FIELDS}
    values["description"] = values["description"] or ""
    changed = sorted(k for k in fields if call is None or getattr(call, k) != fields[k])
    errors = _check_fields(session, call, values)
    if call is not None and "slug" in changed and call.status != "draft":
        errors.append(CallError(N_("征集开放后不能修改标识"), "slug"))
    normalised, keys = None, []
    if rules is not None:
        normalised, rule_errors = _check_rules(session, call, rules)
        errors += rule_errors
        if normalised is not None and call is not None:
            keys = rules_diff(call.rules, normalised)
            locked = _rubric_locked(session, call, normalised) if {"review.criteria", "rounds"} & set(keys) else None
            if locked is not None:
                errors.append(locked)
    amending = call is not None and call.status != "draft" and bool(changed or keys)
    if amending and not reason.strip():
        errors.append(CallError(N_("征集开放后修改须填写修订理由"), "reason"))
    if errors:
        raise CallInvalid(errors)
    return _Plan(values, changed, normalised, keys, amending)


def check_call(session: Session, call: Call | None, *, rules: dict[str, Any] | None = None, reason: str = "",
               **fields: Any) -> None:
    """Raise CallInvalid with every problem that create_call (call=None) or update_call would find.

    Changes nothing: a form whose own checks failed uses it to show the rest of the problems too.
    """
    _plan(session, call, fields, rules if rules is not None or call is not None else {}, reason)


def create_call(
    session: Session, actor: Any, *, slug: str, title: str, opens_at: datetime, closes_at: datetime,
    description: str = "", edit_deadline: datetime | None = None, review_deadline: datetime | None = None,
    rules: dict[str, Any] | None = None,
) -> Call:
    """Create a draft call with its first rules version (validated; defaults fill what is missing).

    Raises CallInvalid listing every problem; nothing is stored then.
    """
    plan = _plan(session, None, {"slug": slug, "title": title, "description": description, "opens_at": opens_at,
                                 "closes_at": closes_at, "edit_deadline": edit_deadline,
                                 "review_deadline": review_deadline}, rules or {}, "")
    call = Call(**plan.fields)
    call.rules_versions.append(RulesVersion(version=1, rules=plan.rules, reason="", created_by_id=getattr(actor, "id", None)))
    session.add(call)
    session.flush()
    record(session, actor, "call.create", call, slug=slug)
    return call


def update_call(session: Session, actor: Any, call: Call, *, rules: dict[str, Any] | None = None,
                reason: str = "", **fields: Any) -> Call:
    """Change a call. In draft everything may change freely; once open, any change needs a written
    reason, the slug stays (it is in published links), and a rules change is a new rules version.

    Raises CallInvalid listing every problem; nothing is changed then.
    """
    plan = _plan(session, call, fields, rules, reason)
    if plan.changed:
        dates = {k: [_iso(getattr(call, k)), _iso(plan.fields[k])] for k in plan.changed if k in DATE_FIELDS}
        for k in plan.changed:
            setattr(call, k, plan.fields[k])
        record(session, actor, "call.update", call, fields=plan.changed, changes=dates or None,
               reason=reason.strip() if plan.amending else None)
    if plan.keys:
        if call.status == "draft":
            call.rules_version.rules = plan.rules
            record(session, actor, "call.rules_edit", call, keys=plan.keys)
        else:
            amend_rules(session, actor, call, plan.rules, reason)
    session.flush()
    return call


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def amend_rules(session: Session, actor: Any, call: Call, rules: dict[str, Any], reason: str) -> RulesVersion | None:
    """A rules change after opening: a new version with a written reason; nothing changes silently."""
    normalised = validate_rules(edited_rules(call.rules, rules))
    keys = rules_diff(call.rules, normalised)
    if not keys:
        return None
    if not reason.strip():
        raise CallError(N_("征集开放后修改须填写修订理由"), "reason")
    locked = _rubric_locked(session, call, normalised) if {"review.criteria", "rounds"} & set(keys) else None
    if locked is not None:
        raise locked
    version = RulesVersion(version=call.rules_version.version + 1, rules=normalised, reason=reason.strip(),
                           created_by_id=getattr(actor, "id", None))
    call.rules_versions.append(version)
    session.flush()
    record(session, actor, "call.amend_rules", call, version=version.version, reason=reason.strip(), keys=keys)
    return version


def rules_history(call: Call) -> list[dict[str, Any]]:
    """Each rules version with its reason and the settings it changed from the version before."""
    history = []
    previous = None
    for v in call.rules_versions:
        keys = rules_diff(previous.rules, v.rules) if previous is not None else []
        history.append({"version": v.version, "created_at": v.created_at, "reason": v.reason, "keys": keys})
        previous = v
    return history


def call_amendments(session: Session, call: Call) -> list[AuditEntry]:
    """Changes to the call's own fields (dates, title, description) made after it opened, with their reasons."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_type == Call.__tablename__, AuditEntry.object_id == str(call.id),
               AuditEntry.action == "call.update")
        .order_by(AuditEntry.id)
    )
    return [e for e in session.scalars(stmt) if e.detail.get("reason")]


def transition_call(session: Session, actor: Any, call: Call, name: str, via: str | None = None) -> None:
    """Take a transition of the lifecycle table; anything not in the table is refused.

    A transition the table marks `via` (publishing results) is taken only by that action,
    which passes the same `via`.
    """
    call = lock(session, call)  # two administrators' clicks: the second sees the state the first left
    transition = find_transition(call.status, name)
    if transition is None:
        raise CallError(N_("当前状态下不能执行操作“%(name)s”；只能执行页面上列出的操作"), None, name=name)
    if transition.via != via:
        raise CallError(N_("此操作须在“公示与异议”页面通过发布结果完成"), None)
    if transition.role not in getattr(actor, "roles", set()):
        raise CallError(N_("您没有权限执行此操作"), None)
    previous = call.status
    call.status = transition.target
    session.flush()
    record(session, actor, f"call.{name}", call, source=previous, target=transition.target)


def apply_transition(session: Session, actor: Any, call: Call, name: str) -> Run | None:
    """A lifecycle button: the transition, then what comes with it. Ending review computes the
    results on the final reviews, so the results stage never starts without them."""
    transition_call(session, actor, call, name)
    if name == "finish_review":
        return compute_call(session, actor, call, note=N_("评审结束"))
    return None


def late_entries(session: Session, call: Call) -> list[tuple[LateEntry, Organisation]]:
    stmt = (
        select(LateEntry, Organisation)
        .join(Organisation, Organisation.id == LateEntry.organisation_id)
        .where(LateEntry.call_id == call.id)
        .order_by(Organisation.name)
    )
    return [(entry, org) for entry, org in session.execute(stmt)]


def add_late_entry(session: Session, actor: Any, call: Call, organisation_id: int, reason: str,
                   until: datetime | None = None) -> LateEntry:
    """Allow one verified organisation to submit or edit after the deadline (audited, with the reason).

    Adding an organisation already on the list updates its reason and `until`.
    """
    if not allows(call, "late_list"):
        raise CallError(N_("评审开始后不能再修改补交名单"))
    org = session.get(Organisation, organisation_id)
    if org is None or not org.is_verified:
        raise CallError(N_("请选择已认证的组织"), "organisation_id")
    if not reason.strip():
        raise CallError(N_("须填写理由"), "reason")
    if until is not None and until <= call.closes_at:
        raise CallError(N_("补交截止时间须晚于申报截止时间"), "until")
    entry = session.scalar(select(LateEntry).where(LateEntry.call_id == call.id, LateEntry.organisation_id == organisation_id))
    if entry is None:
        entry = LateEntry(call_id=call.id, organisation_id=organisation_id, reason=reason.strip(), until=until)
        session.add(entry)
    else:
        entry.reason, entry.until = reason.strip(), until
    session.flush()
    record(session, actor, "call.late_entry", call, organisation_id=organisation_id, organisation=org.name,
           reason=reason.strip(), until=_iso(until))
    return entry


def remove_late_entry(session: Session, actor: Any, call: Call, organisation_id: int) -> None:
    if not allows(call, "late_list"):
        raise CallError(N_("评审开始后不能再修改补交名单"))
    entry = session.scalar(select(LateEntry).where(LateEntry.call_id == call.id, LateEntry.organisation_id == organisation_id))
    if entry is None:
        raise CallError(N_("该组织不在补交名单中"))
    session.delete(entry)
    session.flush()
    record(session, actor, "call.late_entry_removed", call, organisation_id=organisation_id)


def organisation_late_entries(session: Session, organisation_id: int) -> dict[int, LateEntry]:
    """The organisation's late-list entries by call id, loaded once for a page that checks many calls."""
    return {e.call_id: e for e in session.scalars(select(LateEntry).where(LateEntry.organisation_id == organisation_id))}


def submissions_open_for(session: Session, call: Call, organisation_id: int, now: datetime | None = None,
                         editing: bool = False, late: Mapping[int, LateEntry] | None = None) -> bool:
    """Whether an organisation may submit (or, with editing=True, edit) in this call right now.

    Nothing is possible before `opens_at` or once review starts. New submissions: while the call
    is open, in [opens_at, closes_at). Editing a submitted project: until the editing deadline
    when there is one (also after the call was closed to new entries), else as submitting.
    An organisation on the late list may do both until its `until` (without one: until review starts).
    `late`: the organisation's organisation_late_entries, when already loaded.
    """
    now = now or utcnow()
    if not allows(call, "entries") or now < call.opens_at:
        return False
    if call.status == "open" and now < call.closes_at:
        return True
    if editing and call.edit_deadline is not None and now < call.edit_deadline:
        return True
    entry = late.get(call.id) if late is not None else session.scalar(
        select(LateEntry).where(LateEntry.call_id == call.id, LateEntry.organisation_id == organisation_id))
    return entry is not None and (entry.until is None or now < entry.until)
