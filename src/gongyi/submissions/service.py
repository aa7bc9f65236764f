"""What an organisation member does with a submission: start one in a call, order from the menu
(点单), write the project and its budget, declare raised funds, attach files, submit, withdraw.

Every function takes (session, actor, ...), checks who may act and when, flushes and audits;
views commit. Deadlines are the server's, in China Standard Time: calls.service.submissions_open_for
decides, the late list included. A draft save stores every value that can be stored and names
those that cannot; submitting checks everything and names every problem. Each problem carries the
form field it belongs to:

- a project field by name ("title", "beneficiary_count", "community_district", ...);
- "items" (the order as a whole) and "need-<item code>" (the need one item answers);
- "budget" (the budget as a whole), "budget-<row>-what" and "budget-<row>-amount", where <row>
  is the row's index in the form, kept as BudgetLine.position so later problems find their row.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gongyi.audit.service import latest, record
from gongyi.calls.models import Call, LateEntry
from gongyi.calls.service import organisation_late_entries, submissions_open_for
from gongyi.catalogue.models import Item
from gongyi.clock import CHINA, utcnow
from gongyi.errors import N_, UserError, UserErrors
from gongyi.money import MoneyError, format_fen, parse_yuan
from gongyi.orgs.districts import DISTRICTS
from gongyi.orgs.models import Organisation
from gongyi.results.models import Run, RunRow
from gongyi.submissions.attachments import DEFAULT_MAX_BYTES, AttachmentError, Upload, check_upload
from gongyi.submissions.models import FUND_SOURCES, Attachment, BudgetLine, FundingLine, Submission, SubmissionItem

_DIGITS = re.compile(r"[0-9]+")

# Free-text project fields and their longest allowed length.
TEXT_LIMITS = {
    "title": 200, "summary": 2000, "community_name": 200, "community_street": 200, "problem": 10000,
    "objectives": 10000, "activities": 10000, "beneficiary_group": 200, "team": 10000,
}
PROJECT_FIELDS = (*TEXT_LIMITS, "community_district", "beneficiary_count")
REQUIRED_FIELDS = ("community_name", "community_street", "community_district", "title", "summary", "problem",
                   "objectives", "activities", "beneficiary_group", "beneficiary_count", "team")
NEED_LIMIT = 2000
WHAT_LIMIT = 200
MAX_BUDGET_LINES = 100
MAX_ATTACHMENTS = 30
MAX_LINE_FEN = 1_000_000_000  # ¥10,000,000 a line
MAX_TOTAL_FEN = 2_000_000_000  # ¥20,000,000 in all: the columns are 32-bit integers on PostgreSQL
MAX_BENEFICIARIES = 100_000_000
# The organisation may withdraw until results are computed; after that an administrator does it
# (results.service.withdraw_after_results), because it changes a saved ranking.
WITHDRAWABLE_CALL_STATES = ("open", "closed", "reviewing")

STAGE_LABELS = {
    "draft": N_("草稿（尚未提交）"),
    "withdrawn": N_("已撤回"),
    "submitted": N_("已提交，等待形式审查"),
    "eligible": N_("形式审查合格"),
    "ineligible": N_("形式审查不合格"),
    "reviewing": N_("评审中"),
    "awaiting_results": N_("评审已结束，等待结果公布"),
    "results": N_("结果已公布"),
}


class SubmissionError(UserError):
    pass


class SubmissionInvalid(UserErrors, SubmissionError):
    """Every problem at once, so a form can show each beside its field."""


# ---------------------------------------------------------------------------------------------
# Who and when


def _cst(value: datetime) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _check_member(actor: Any, submission: Submission) -> None:
    if getattr(actor, "organisation_id", None) != submission.organisation_id:
        raise SubmissionError(N_("只有申报组织的成员可以操作此项目"))


def _actor_organisation(session: Session, actor: Any) -> Organisation:
    org_id = getattr(actor, "organisation_id", None)
    org = session.get(Organisation, org_id) if org_id is not None else None
    if org is None:
        raise SubmissionError(N_("请先登记您的社会组织"))
    if not org.is_verified:
        raise SubmissionError(N_("您的组织尚未通过认证，认证后才能申报"))
    return org


def window_refusal(session: Session, call: Call, organisation_id: int, now: datetime | None = None,
                   editing: bool = False, late: Mapping[int, LateEntry] | None = None) -> SubmissionError | None:
    """Why the organisation cannot submit (or, editing=True, edit a submitted project) in `call` now.

    `late`: the organisation's late-list entries (calls.service.organisation_late_entries), when loaded.
    """
    now = now or utcnow()
    if submissions_open_for(session, call, organisation_id, now, editing=editing, late=late):
        return None
    if call.status == "draft" or (call.status == "open" and now < call.opens_at):
        return SubmissionError(N_("该征集尚未开始接受申报（开始时间：北京时间 %(t)s）"), t=_cst(call.opens_at))
    if editing and call.edit_deadline is not None:
        return SubmissionError(N_("修改截止时间（北京时间 %(t)s）已过，不能再修改"), t=_cst(call.edit_deadline))
    return SubmissionError(N_("申报已于北京时间 %(t)s 截止，不能再提交或修改"), t=_cst(call.closes_at))


def edit_refusal(session: Session, submission: Submission, now: datetime | None = None,
                 late: Mapping[int, LateEntry] | None = None) -> SubmissionError | None:
    """Why the organisation cannot change this submission now (None when it can).

    A draft follows the submission window; a submitted project may be edited until the call's
    editing deadline (or, without one, the submission deadline); the late list extends both.
    A page listing many submissions passes the organisation's late-list entries as `late`.
    """
    if submission.status == "withdrawn":
        return SubmissionError(N_("该项目已撤回，不能再修改"))
    if not submission.organisation.is_verified:
        return SubmissionError(N_("您的组织尚未通过认证，认证后才能申报"))
    return window_refusal(session, submission.call, submission.organisation_id, now,
                          editing=submission.status == "submitted", late=late)


def _check_editable(session: Session, actor: Any, submission: Submission, now: datetime | None) -> None:
    _check_member(actor, submission)
    refusal = edit_refusal(session, submission, now)
    if refusal is not None:
        raise refusal


ENTRY_STATUSES = ("draft", "submitted")  # what counts towards max_per_org


def entry_count(session: Session, call: Call, organisation_id: int, statuses: Iterable[str] = ENTRY_STATUSES) -> int:
    """How many of the organisation's submissions in the call count towards max_per_org (withdrawn ones do not)."""
    return session.scalar(
        select(func.count()).select_from(Submission)
        .where(Submission.call_id == call.id, Submission.organisation_id == organisation_id,
               Submission.status.in_(tuple(statuses)))
    ) or 0


def open_calls_for(session: Session, organisation_id: int, now: datetime | None = None,
                   late: Mapping[int, LateEntry] | None = None) -> list[tuple[Call, int]]:
    """Calls the organisation can start a submission in right now, each with its current entry count;
    a fixed number of queries however many calls there are."""
    calls = session.scalars(select(Call).where(Call.status.in_(("open", "closed")))
                            .options(selectinload(Call.rules_versions)).order_by(Call.closes_at)).all()
    if late is None:
        late = organisation_late_entries(session, organisation_id)
    counts = dict(session.execute(
        select(Submission.call_id, func.count()).where(Submission.organisation_id == organisation_id,
                                                      Submission.status.in_(ENTRY_STATUSES))
        .group_by(Submission.call_id)
    ).all())
    return [(c, counts.get(c.id, 0)) for c in calls if submissions_open_for(session, c, organisation_id, now, late=late)]


# ---------------------------------------------------------------------------------------------
# Reading what a person typed


def _text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").strip()


def _too_long(name: str, text: str, limit: int) -> SubmissionError:
    return SubmissionError(N_("最多 %(n)s 个字符（现有 %(m)s 个）"), name, n=limit, m=len(text))


def parse_count(value: Any) -> int | None:
    """A number of people: blank is None; full-width digits and thousands separators are accepted."""
    if value is None or isinstance(value, bool):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if not text:
        return None
    if not _DIGITS.fullmatch(text) or not text.strip("0"):
        raise SubmissionError(N_("受益人数须为正整数"), "beneficiary_count")
    if len(text.lstrip("0")) > 9 or int(text) > MAX_BENEFICIARIES:
        raise SubmissionError(N_("受益人数不能超过 %(n)s"), "beneficiary_count", n=MAX_BENEFICIARIES)
    return int(text)


def _amount(text: str, field_name: str) -> int:
    if len(text) > 20:  # far beyond any amount; also keeps huge digit strings away from int()
        raise SubmissionError(N_("单笔金额不能超过 %(max)s 元"), field_name, max="10,000,000.00")
    try:
        fen = parse_yuan(text)
    except MoneyError as exc:
        raise SubmissionError(exc.message, field_name, **exc.params) from None
    if fen > MAX_LINE_FEN:
        raise SubmissionError(N_("单笔金额不能超过 %(max)s 元"), field_name, max="10,000,000.00")
    return fen


@dataclass
class _BudgetRow:
    position: int
    line: BudgetLine | None  # the stored line this row edits, None for a new row
    what: str
    amount_fen: int


@dataclass
class _Changes:
    """What a save would store: only values that can be stored."""

    fields: dict[str, Any] = field(default_factory=dict)
    items: dict[str, str] | None = None  # item code -> need, None = leave the order alone
    budget: list[_BudgetRow] | None = None  # None = leave the budget alone


def _parse(session: Session, call: Call, submission: Submission | None,
           data: Mapping[str, Any]) -> tuple[_Changes, list[SubmissionError]]:
    unknown = set(data) - set(PROJECT_FIELDS) - {"items", "budget"}
    if unknown:
        raise ValueError(f"unknown submission fields: {sorted(unknown)}")
    changes, problems = _Changes(), []
    for name, limit in TEXT_LIMITS.items():
        if name in data:
            text = _text(data[name])
            if len(text) > limit:
                problems.append(_too_long(name, text, limit))
            else:
                changes.fields[name] = text
    if "community_district" in data:
        code = _text(data["community_district"])
        if code and code not in DISTRICTS:
            problems.append(SubmissionError(N_("请从列表中选择所在区"), "community_district"))
        else:
            changes.fields["community_district"] = code or None
    if "beneficiary_count" in data:
        try:
            changes.fields["beneficiary_count"] = parse_count(data["beneficiary_count"])
        except SubmissionError as exc:
            problems.append(exc)
    if "items" in data:
        changes.items = _parse_items(session, call, submission, data["items"], problems)
    if "budget" in data:
        changes.budget = _parse_budget(submission, data["budget"], problems)
    return changes, problems


def _parse_items(session: Session, call: Call, submission: Submission | None, raw: Any,
                 problems: list[SubmissionError]) -> dict[str, str]:
    pairs = [(_text(code), need) for code, need in (raw.items() if isinstance(raw, Mapping) else raw)]
    categories = dict(session.execute(select(Item.code, Item.category_code).where(Item.code.in_([c for c, _ in pairs]))).all())
    open_categories = set(call.rules["entry"]["categories"])
    old_needs = {i.item_code: i.need for i in submission.items} if submission is not None else {}
    chosen: dict[str, str] = {}
    for code, need in pairs:
        if code not in categories:
            problems.append(SubmissionError(N_("服务目录中没有 %(code)s"), "items", code=code))
        elif open_categories and categories[code] not in open_categories:
            problems.append(SubmissionError(N_("%(code)s 所属的类别不在本征集开放范围内"), "items", code=code))
        else:
            need = _text(need)
            if len(need) > NEED_LIMIT:
                problems.append(_too_long(f"need-{code}", need, NEED_LIMIT))
                need = old_needs.get(code, "")
            chosen[code] = need
    return chosen


def _parse_budget(submission: Submission | None, raw: Iterable[Mapping[str, Any]],
                  problems: list[SubmissionError]) -> list[_BudgetRow] | None:
    """Rows to store. A row editing a stored line (its "id") keeps the stored value of whatever it
    cannot store; a new row is stored once its amount can be; a blank row removes its line."""
    stored = {line.id: line for line in submission.budget_lines} if submission is not None else {}
    rows: list[_BudgetRow] = []
    found: list[SubmissionError] = []
    for index, row in enumerate(raw):
        position = int(row.get("position", index))
        what, amount_text = _text(row.get("what")), _text(row.get("amount"))
        try:
            line = stored.get(int(row.get("id") or 0))
        except (TypeError, ValueError):
            line = None
        if not what and not amount_text:
            continue
        what_name, amount_name = f"budget-{position}-what", f"budget-{position}-amount"
        if len(what) > WHAT_LIMIT:
            found.append(_too_long(what_name, what, WHAT_LIMIT))
            if line is None:
                continue
            what = line.what
        fen: int | None = None
        if not amount_text:
            found.append(SubmissionError(N_("请填写金额") if line is not None else N_("请填写金额，填写后这一行才能保存"),
                                         amount_name))
        else:
            try:
                fen = _amount(amount_text, amount_name)
            except SubmissionError as exc:
                found.append(exc)
        if fen is None:
            if line is None:
                continue
            fen = line.amount_fen
        rows.append(_BudgetRow(position, line, what, fen))
    problems += found
    if len(rows) > MAX_BUDGET_LINES:
        problems.append(SubmissionError(N_("预算最多 %(n)s 行"), "budget", n=MAX_BUDGET_LINES))
        return None
    if sum(r.amount_fen for r in rows) > MAX_TOTAL_FEN:
        problems.append(SubmissionError(N_("预算合计不能超过 %(max)s 元"), "budget", max="20,000,000.00"))
        return None
    return rows


def _apply(submission: Submission, changes: _Changes) -> list[str]:
    """Store the changes; return the names of what changed (for the audit trail)."""
    changed = []
    for name, value in changes.fields.items():
        if getattr(submission, name) != value:
            setattr(submission, name, value)
            changed.append(name)
    if changes.items is not None:
        current = {i.item_code: i for i in submission.items}
        if {c: i.need for c, i in current.items()} != changes.items:
            changed.append("items")
            for code, item in current.items():
                if code not in changes.items:
                    submission.items.remove(item)
            for code, need in changes.items.items():
                if code in current:
                    current[code].need = need
                else:
                    submission.items.append(SubmissionItem(item_code=code, need=need))
    if changes.budget is not None:
        before = [(line.position, line.what, line.amount_fen) for line in submission.budget_lines]
        kept = {id(r.line) for r in changes.budget if r.line is not None}
        for line in list(submission.budget_lines):
            if id(line) not in kept:
                submission.budget_lines.remove(line)
        for row in changes.budget:
            if row.line is None:
                submission.budget_lines.append(BudgetLine(position=row.position, what=row.what, amount_fen=row.amount_fen))
            else:
                row.line.position, row.line.what, row.line.amount_fen = row.position, row.what, row.amount_fen
        submission.budget_lines.sort(key=lambda line: line.position)
        if before != [(line.position, line.what, line.amount_fen) for line in submission.budget_lines]:
            changed.append("budget")
        submission.requested_fen = sum(line.amount_fen for line in submission.budget_lines)
    if changed:
        submission.updated_at = utcnow()
    return changed


# ---------------------------------------------------------------------------------------------
# Completeness: what submitting checks


def _completeness(session: Session, submission: Submission, values: Mapping[str, Any], items: Mapping[str, str],
                  budget: Sequence[tuple[int, str, int]]) -> list[SubmissionError]:
    """Every reason the project (as `values`, `items` and `budget` rows (position, what, fen)) cannot be submitted."""
    problems: list[SubmissionError] = []
    for name in REQUIRED_FIELDS:
        value = values.get(name)
        if value is None or value == "":
            message = N_("请填写受益人数（正整数）") if name == "beneficiary_count" else N_("请填写此项")
            problems.append(SubmissionError(message, name))
    entry = submission.call.rules["entry"]
    if len(items) < entry["min_items"]:
        problems.append(SubmissionError(N_("请至少选择 %(n)s 个服务项目（已选 %(m)s 个）"), "items", n=entry["min_items"], m=len(items)))
    if len(items) > entry["max_items"]:
        problems.append(SubmissionError(N_("最多选择 %(n)s 个服务项目（已选 %(m)s 个）"), "items", n=entry["max_items"], m=len(items)))
    if entry["categories"] and items:
        categories = dict(session.execute(select(Item.code, Item.category_code).where(Item.code.in_(list(items)))).all())
        for code in items:
            if categories.get(code) not in entry["categories"]:
                problems.append(SubmissionError(N_("%(code)s 所属的类别不在本征集开放范围内"), "items", code=code))
    for code, need in items.items():
        if not need:
            problems.append(SubmissionError(N_("请写明该服务项目回应的社区需求"), f"need-{code}"))
    if not budget:
        problems.append(SubmissionError(N_("请至少填写一行预算"), "budget"))
    for position, what, fen in budget:
        if not what:
            problems.append(SubmissionError(N_("请填写用途"), f"budget-{position}-what"))
        if fen <= 0:
            problems.append(SubmissionError(N_("金额须大于 0"), f"budget-{position}-amount"))
    total = sum(fen for _, _, fen in budget)
    if budget and total != values.get("requested_fen", total):
        problems.append(SubmissionError(N_("预算合计 %(total)s 元与申请金额 %(requested)s 元不一致"), "budget",
                                        total=format_fen(total), requested=format_fen(values["requested_fen"])))
    return problems


def submit_problems(session: Session, submission: Submission) -> list[SubmissionError]:
    """Every reason this submission, as stored, cannot be submitted (empty when it can)."""
    values = {name: getattr(submission, name) for name in PROJECT_FIELDS}
    values["requested_fen"] = submission.requested_fen
    return _completeness(session, submission, values, {i.item_code: i.need for i in submission.items},
                         [(line.position, line.what, line.amount_fen) for line in submission.budget_lines])


def _merged_problems(session: Session, submission: Submission, changes: _Changes) -> list[SubmissionError]:
    """submit_problems of the submission as it would be with `changes` stored (nothing is changed)."""
    values = {name: changes.fields.get(name, getattr(submission, name)) for name in PROJECT_FIELDS}
    items = changes.items if changes.items is not None else {i.item_code: i.need for i in submission.items}
    if changes.budget is not None:
        budget = [(r.position, r.what, r.amount_fen) for r in changes.budget]
    else:
        budget = [(line.position, line.what, line.amount_fen) for line in submission.budget_lines]
    return _completeness(session, submission, values, items, budget)


def _reopen_screening(submission: Submission) -> dict[str, Any]:
    """A changed submitted project goes back to screening: its earlier decision was about other content."""
    if submission.status != "submitted" or submission.eligibility == "pending":
        return {}
    detail = {"eligibility_reset": submission.eligibility, "eligibility_reason": submission.eligibility_reason}
    submission.eligibility, submission.eligibility_reason = "pending", None
    return detail


# ---------------------------------------------------------------------------------------------
# Services


def create_submission(session: Session, actor: Any, call: Call, *, now: datetime | None = None,
                      **fields: Any) -> Submission:
    """Start a draft in `call` for the actor's organisation; `fields` (as save_draft's data) fill it in.

    Only members of a verified organisation, only while submissions are open to it, and at most
    rules["entry"]["max_per_org"] non-withdrawn submissions per organisation. The ref is the call's
    next free number, "S0001", "S0002", ... Raises SubmissionError, or SubmissionInvalid when a
    given field cannot be stored; nothing is created then.
    """
    org = _actor_organisation(session, actor)
    refusal = window_refusal(session, call, org.id, now)
    if refusal is not None:
        raise refusal
    changes, problems = _parse(session, call, None, fields)
    if problems:
        raise SubmissionInvalid(problems)
    # One start at a time per call (a row lock on PostgreSQL), so the limit and the numbering hold.
    session.execute(select(Call.id).where(Call.id == call.id).with_for_update())
    limit = call.rules["entry"]["max_per_org"]
    if entry_count(session, call, org.id) >= limit:
        raise SubmissionError(N_("每个组织在本征集中最多申报 %(n)s 个项目（已撤回的不计）"), n=limit)
    submission = Submission(call=call, organisation=org, ref=_next_ref(session, call),
                            community_district=org.district_code)
    session.add(submission)
    session.flush()
    _apply(submission, changes)
    session.flush()
    record(session, actor, "submission.create", submission, call=call.slug, ref=submission.ref)
    return submission


def _next_ref(session: Session, call: Call) -> str:
    taken = set(session.scalars(select(Submission.ref).where(Submission.call_id == call.id)))
    n = len(taken) + 1
    while f"S{n:04d}" in taken:  # refs imported from a call package may use the same pattern
        n += 1
    return f"S{n:04d}"


def save_draft(session: Session, actor: Any, submission: Submission, data: Mapping[str, Any],
               now: datetime | None = None) -> list[SubmissionError]:
    """Store the submission's fields from `data`; return the problems of values that could not be stored.

    `data` keys: the PROJECT_FIELDS (text as typed; beneficiary_count as text or int), "items"
    (item code -> need, or (code, need) pairs: the whole order), "budget" (the whole budget: rows
    {"what", "amount" in yuan as text, optional "id" of the stored line the row edits, optional
    "position", the row's index in the form, which names its problems; default: its index here}).
    Absent keys are left alone.

    A draft stores every value it can, so nothing typed is lost because something else is wrong.
    A submitted project must stay complete: the change is stored only if the whole project still
    passes submit's checks, else SubmissionInvalid lists every problem and nothing changes; a
    stored change sends it back to screening. Raises SubmissionError when the deadline has passed.
    """
    _check_editable(session, actor, submission, now)
    changes, problems = _parse(session, submission.call, submission, data)
    if submission.status == "submitted":
        problems = problems + _merged_problems(session, submission, changes)
        if problems:
            raise SubmissionInvalid(problems)
    changed = _apply(submission, changes)
    session.flush()
    if changed:
        if submission.status != "draft":
            record(session, actor, "submission.edit", submission, fields=changed, **_reopen_screening(submission))
        elif not _draft_save_recorded_recently(session, actor, submission):
            record(session, actor, "submission.save", submission, fields=changed)
    return problems


# Autosave stores a draft every few seconds while someone types; its history keeps one line per
# person per quarter of an hour instead of one per keystroke pause.
DRAFT_SAVE_AUDIT_INTERVAL = timedelta(minutes=15)


def _draft_save_recorded_recently(session: Session, actor: Any, submission: Submission) -> bool:
    """Whether the submission's latest audit entry is this actor's draft save of less than
    DRAFT_SAVE_AUDIT_INTERVAL ago (audit times are the real clock, so not save_draft's `now`)."""
    entry = latest(session, submission)
    return (entry is not None and entry.action == "submission.save" and entry.actor_id == getattr(actor, "id", None)
            and utcnow() - entry.at < DRAFT_SAVE_AUDIT_INTERVAL)


def submit_project(session: Session, actor: Any, submission: Submission, now: datetime | None = None) -> None:
    """Submit a draft: everything is checked and SubmissionInvalid names every problem; nothing changes then."""
    _check_member(actor, submission)
    if submission.status == "submitted":
        raise SubmissionError(N_("该项目已提交"))
    _check_editable(session, actor, submission, now)
    problems = submit_problems(session, submission)
    if problems:
        raise SubmissionInvalid(problems)
    limit = submission.call.rules["entry"]["max_per_org"]
    if entry_count(session, submission.call, submission.organisation_id, ("submitted",)) >= limit:
        raise SubmissionError(N_("每个组织在本征集中最多申报 %(n)s 个项目（已撤回的不计）"), n=limit)
    submission.status = "submitted"
    submission.submitted_at = now or utcnow()
    session.flush()
    record(session, actor, "submission.submit", submission, ref=submission.ref, requested_fen=submission.requested_fen,
           items=[i.item_code for i in submission.items])


def withdraw_refusal(submission: Submission) -> SubmissionError | None:
    """Why the organisation cannot withdraw this submission (None when it can)."""
    if submission.status == "withdrawn":
        return SubmissionError(N_("该项目已撤回"))
    if submission.call.status not in WITHDRAWABLE_CALL_STATES:
        return SubmissionError(N_("评审结果已经产生，如需撤回请联系管理员"))
    return None


def withdraw_submission(session: Session, actor: Any, submission: Submission, reason: str = "") -> None:
    """The organisation withdraws its project (or discards a draft) before results are computed.

    A withdrawn submission no longer counts towards max_per_org, is not screened, reviewed or
    ranked, and cannot be changed again.
    """
    _check_member(actor, submission)
    refusal = withdraw_refusal(submission)
    if refusal is not None:
        raise refusal
    previous = submission.status
    submission.status = "withdrawn"
    session.flush()
    record(session, actor, "submission.withdraw", submission, previous=previous, reason=_text(reason) or None)


def _store_attachment(session: Session, submission: Submission, upload: Upload, max_bytes: int,
                      field_name: str = "file") -> tuple[Attachment, Any]:
    if len(submission.attachments) >= MAX_ATTACHMENTS:
        raise SubmissionError(N_("每个项目最多 %(n)s 个附件"), field_name, n=MAX_ATTACHMENTS)
    try:
        checked = check_upload(upload, max_bytes)
    except AttachmentError as exc:
        raise SubmissionError(exc.message, field_name, **exc.params) from None
    attachment = Attachment(filename=checked.filename, content_type=checked.content_type, size=len(upload.data),
                            data=upload.data)
    return attachment, checked


def add_attachment(session: Session, actor: Any, submission: Submission, upload: Upload,
                   max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None) -> Attachment:
    """Attach a file (PDF, PNG/JPEG, Word, Excel; type checked by content, at most `max_bytes`)."""
    _check_editable(session, actor, submission, now)
    attachment, _ = _store_attachment(session, submission, upload, max_bytes)
    submission.attachments.append(attachment)
    session.flush()
    reopened = _reopen_screening(submission)
    record(session, actor, "attachment.add", attachment, submission_id=submission.id, filename=attachment.filename,
           size=attachment.size, content_type=attachment.content_type, **reopened)
    return attachment


def remove_attachment(session: Session, actor: Any, attachment: Attachment, now: datetime | None = None) -> None:
    """Delete an attachment; the evidence of a verified funding line stays (it is what was verified)."""
    submission = attachment.submission
    _check_editable(session, actor, submission, now)
    users = [line for line in submission.funding_lines if line.evidence_id == attachment.id]
    if any(line.status == "verified" for line in users):
        raise SubmissionError(N_("这是已核实资金的凭证，不能删除"))
    for line in users:
        line.evidence_id = None
    record(session, actor, "attachment.remove", attachment, submission_id=submission.id, filename=attachment.filename,
           **_reopen_screening(submission))
    submission.attachments.remove(attachment)
    session.flush()


def add_funding_line(session: Session, actor: Any, submission: Submission, *, source: str, donor: str, amount: str,
                     received_on: date | str | None = None, evidence: Upload | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None) -> FundingLine:
    """Declare funds raised (募得社会资金): `amount` in yuan as text ("5000.00"), `received_on` a date
    or "YYYY-MM-DD" text, an optional evidence file.

    The line is `pending` until an administrator verifies or rejects it. SubmissionInvalid lists
    every problem (fields "source", "donor", "amount", "received_on", "evidence"); nothing is stored then.
    """
    _check_editable(session, actor, submission, now)
    problems: list[SubmissionError] = []
    if source not in FUND_SOURCES:
        problems.append(SubmissionError(N_("请选择资金来源"), "source"))
    donor = _text(donor)
    if not donor:
        problems.append(SubmissionError(N_("请填写捐赠方"), "donor"))
    elif len(donor) > 200:
        problems.append(_too_long("donor", donor, 200))
    fen = 0
    try:
        fen = _amount(_text(amount), "amount")
        if fen == 0:
            problems.append(SubmissionError(N_("金额须大于 0"), "amount"))
    except SubmissionError as exc:
        problems.append(exc)
    if isinstance(received_on, str):
        try:
            received_on = date.fromisoformat(received_on.strip()) if received_on.strip() else None
        except ValueError:
            problems.append(SubmissionError(N_("请按“年-月-日”填写日期，例如 2025-03-01"), "received_on"))
            received_on = None
    if received_on is not None and received_on > (now or utcnow()).astimezone(CHINA).date():
        problems.append(SubmissionError(N_("到账日期不能晚于今天"), "received_on"))
    attachment = None
    if evidence is not None:
        try:
            attachment, _ = _store_attachment(session, submission, evidence, max_bytes, "evidence")
        except SubmissionError as exc:
            problems.append(exc)
    if problems:
        raise SubmissionInvalid(problems)
    if attachment is not None:
        submission.attachments.append(attachment)
        session.flush()
    line = FundingLine(source=source, donor=donor, amount_fen=fen, received_on=received_on, status="pending",
                       evidence_id=attachment.id if attachment is not None else None)
    submission.funding_lines.append(line)
    session.flush()
    record(session, actor, "funding_line.declare", line, submission_id=submission.id, source=source, donor=donor,
           amount_fen=fen, evidence=attachment.filename if attachment is not None else None)
    return line


def remove_funding_line(session: Session, actor: Any, line: FundingLine, now: datetime | None = None) -> None:
    """Take back a declared line that is not verified (a verified one is what the administrator checked)."""
    submission = line.submission
    _check_editable(session, actor, submission, now)
    if line.status == "verified":
        raise SubmissionError(N_("已核实的资金不能删除；如有错误请联系管理员"))
    record(session, actor, "funding_line.remove", line, submission_id=submission.id, donor=line.donor,
           amount_fen=line.amount_fen, status=line.status)
    submission.funding_lines.remove(line)
    session.flush()


# ---------------------------------------------------------------------------------------------
# The organisation's dashboard


def organisation_submissions(session: Session, organisation_id: int) -> list[Submission]:
    return list(session.scalars(
        select(Submission).where(Submission.organisation_id == organisation_id)
        .options(selectinload(Submission.call), selectinload(Submission.funding_lines))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
    ))


def published_outcomes(session: Session, submission_ids: Iterable[int]) -> dict[int, tuple[RunRow, Run]]:
    """Results hook: each submission's row in the latest published run (provisional or final) of its call.

    Runs not yet published are the administrators' working results and never show here.
    """
    ids = list(submission_ids)
    if not ids:
        return {}
    stmt = (select(RunRow, Run).join(Run, Run.id == RunRow.run_id)
            .where(RunRow.submission_id.in_(ids), Run.published.is_not(None))
            .order_by(Run.number))
    return {row.submission_id: (row, run) for row, run in session.execute(stmt)}  # later runs win


def stage(submission: Submission, outcome: RunRow | None = None) -> str:
    """Where a submission is, for its organisation (a key of STAGE_LABELS)."""
    if submission.status in ("draft", "withdrawn"):
        return submission.status
    if submission.eligibility == "ineligible":
        return "ineligible"
    if outcome is not None:
        return "results"
    call_status = submission.call.status
    if call_status == "reviewing":
        return "reviewing"
    if call_status in ("results", "publicity", "final", "archived"):
        return "awaiting_results"
    return "eligible" if submission.eligibility == "eligible" else "submitted"
