"""Screening (形式审查) by an administrator: eligibility decisions and fund verification.

One decision and a bulk one go through the same checks. A bulk change is planned first (the
preview: each row with its current and new state and a token of what was shown), then applied
only if every row is still exactly as previewed: all or nothing.

The list queries are set-based (fund totals by SQL aggregates), so a page or an export costs
the same few statements whatever the number of rows.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from gongyi.audit.models import AuditEntry
from gongyi.audit.service import record
from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.catalogue.models import Item
from gongyi.errors import N_, UserError
from gongyi.funding.sources import FUND_SOURCE_LABELS, FUND_STATUS_LABELS  # noqa: F401  (re-exported for views)
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Attachment, FundingLine, Submission, SubmissionItem

PER_PAGE = 50
# Saved runs are snapshots of their inputs, so corrections stay possible until results are
# final: during results and publicity an upheld objection may need a funding line re-verified.
SCREENING_CALL_STATES = ("open", "closed", "reviewing", "results", "publicity")

SUBMISSION_STATUS_LABELS = {"draft": N_("草稿"), "submitted": N_("已提交"), "withdrawn": N_("已撤回")}
ELIGIBILITY_LABELS = {"pending": N_("待审查"), "eligible": N_("合格"), "ineligible": N_("不合格")}


class ScreeningError(UserError):
    pass


class StalePreviewError(ScreeningError):
    """Some previewed rows changed (or vanished) before the confirmation; nothing was applied."""

    def __init__(self, labels: Sequence[str]):
        super().__init__(N_("以下记录在预览之后已有变化，本次未作任何修改，请核对新的预览后再确认：%(rows)s"),
                         None, rows="、".join(labels))
        self.labels = list(labels)


# ---------------------------------------------------------------------------------------------
# Single decisions


def screening_refusal(submission: Submission) -> str | None:
    """Why this submission cannot be screened now (a msgid), or None when it can."""
    if submission.status != "submitted":
        return N_("只有已提交的项目可以审查")
    if submission.call.status not in SCREENING_CALL_STATES:
        return N_("该征集结果已确定，审查结论和资金核实不能再更改")
    return None


def _check_screenable(submission: Submission) -> None:
    refusal = screening_refusal(submission)
    if refusal is not None:
        raise ScreeningError(refusal)


def _eligibility_unchanged(submission: Submission, eligible: bool, reason: str) -> bool:
    return submission.eligibility == _eligibility(eligible) and (submission.eligibility_reason or "") == reason


def _eligibility(eligible: bool) -> str:
    return "eligible" if eligible else "ineligible"


def _check_eligibility_reason(eligible: bool, reason: str) -> None:
    if not eligible and not reason:
        raise ScreeningError(N_("判定不合格须填写理由（组织会看到）"), "reason")


def _apply_eligibility(session: Session, actor: Any, submission: Submission, eligible: bool, reason: str,
                       **detail: Any) -> None:
    previous = submission.eligibility
    submission.eligibility = _eligibility(eligible)
    submission.eligibility_reason = reason or None
    record(session, actor, f"submission.mark_{submission.eligibility}", submission, previous=previous,
           reason=reason or None, **detail)


def set_eligibility(session: Session, actor: Any, submission: Submission, eligible: bool, reason: str = "") -> None:
    """Mark a submitted project eligible or ineligible, with a reason the organisation sees.

    The reason is required for ineligible and optional for eligible.
    """
    reason = (reason or "").strip()
    _check_screenable(submission)
    _check_eligibility_reason(eligible, reason)
    if _eligibility_unchanged(submission, eligible, reason):
        raise ScreeningError(N_("审查结论没有变化"))
    _apply_eligibility(session, actor, submission, eligible, reason)
    session.flush()


def _funding_unchanged(line: FundingLine, verify: bool, reason: str) -> bool:
    if verify:
        return line.status == "verified"
    return line.status == "rejected" and (line.status_reason or "") == reason


def _apply_funding(session: Session, actor: Any, line: FundingLine, verify: bool, reason: str, **detail: Any) -> None:
    previous = line.status
    line.status = "verified" if verify else "rejected"
    line.status_reason = None if verify else reason
    record(session, actor, "funding_line.verify" if verify else "funding_line.reject", line,
           submission_id=line.submission_id, previous=previous, donor=line.donor, amount_fen=line.amount_fen,
           reason=None if verify else reason, **detail)


def verify_funding_line(session: Session, actor: Any, line: FundingLine) -> None:
    """Count a declared line as raised funds (only verified lines count towards matching)."""
    _check_screenable(line.submission)
    if _funding_unchanged(line, True, ""):
        raise ScreeningError(N_("这笔资金已核实"))
    _apply_funding(session, actor, line, True, "")
    session.flush()


def reject_funding_line(session: Session, actor: Any, line: FundingLine, reason: str) -> None:
    """Refuse a declared line, with the reason the organisation sees."""
    reason = (reason or "").strip()
    _check_screenable(line.submission)
    if not reason:
        raise ScreeningError(N_("驳回须填写理由（组织会看到）"), "reason")
    if _funding_unchanged(line, False, reason):
        raise ScreeningError(N_("这笔资金已按此理由驳回"))
    _apply_funding(session, actor, line, False, reason)
    session.flush()


# ---------------------------------------------------------------------------------------------
# Bulk decisions: plan (preview), then apply if nothing changed in between


@dataclass(frozen=True)
class PlannedRow:
    obj: Any  # the Submission or FundingLine, for display
    current: str
    new: str
    token: str  # fingerprint of what the preview showed
    note: str | None = None  # msgid: why the row is left alone; None = it will change

    @property
    def id(self) -> int:
        return self.obj.id


@dataclass(frozen=True)
class BulkPlan:
    rows: tuple[PlannedRow, ...]

    @property
    def changes(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.note is None]

    @property
    def skipped(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.note is not None]

    def expected(self) -> dict[int, str]:
        """What the confirmation must find: row id -> token, for the rows that will change."""
        return {r.id: r.token for r in self.changes}


def _fingerprint(*fields: Any) -> str:
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def submission_token(submission: Submission) -> str:
    return _fingerprint(submission.status, submission.eligibility, submission.eligibility_reason)


def funding_token(line: FundingLine) -> str:
    # Amount, donor and evidence are part of what the admin saw and decided on.
    return _fingerprint(line.status, line.status_reason, line.amount_fen, line.source, line.donor,
                        line.received_on, line.evidence_id)


def funding_label(line: FundingLine) -> str:
    return f"{line.submission.ref}·{line.donor}"


def _check_selection(ids: Iterable[int]) -> list[int]:
    ids = sorted(set(ids))
    if not ids:
        raise ScreeningError(N_("请至少选择一项"), "ids")
    return ids


def _load_submissions(session: Session, ids: Sequence[int], lock: bool = False) -> list[Submission]:
    stmt = (select(Submission).where(Submission.id.in_(ids))
            .options(joinedload(Submission.call, innerjoin=True), joinedload(Submission.organisation, innerjoin=True))
            .order_by(Submission.ref, Submission.id))
    if lock:
        stmt = stmt.with_for_update(of=Submission)
    return list(session.scalars(stmt))


def _load_lines(session: Session, ids: Sequence[int], lock: bool = False) -> list[FundingLine]:
    stmt = (select(FundingLine).where(FundingLine.id.in_(ids))
            .join(FundingLine.submission)
            .options(contains_eager(FundingLine.submission).joinedload(Submission.call, innerjoin=True),
                     contains_eager(FundingLine.submission).joinedload(Submission.organisation, innerjoin=True))
            .order_by(Submission.ref, FundingLine.id))
    if lock:
        stmt = stmt.with_for_update(of=FundingLine)
    return list(session.scalars(stmt).unique())


def _plan_eligibility_rows(submissions: Iterable[Submission], eligible: bool, reason: str) -> BulkPlan:
    rows = []
    for s in submissions:
        note = screening_refusal(s)
        if note is None and _eligibility_unchanged(s, eligible, reason):
            note = N_("结论没有变化")
        rows.append(PlannedRow(s, s.eligibility, _eligibility(eligible), submission_token(s), note))
    return BulkPlan(tuple(rows))


def plan_eligibility(session: Session, ids: Iterable[int], eligible: bool, reason: str) -> BulkPlan:
    """The preview of a bulk eligibility decision: what would change, and what is left alone and why."""
    reason = (reason or "").strip()
    ids = _check_selection(ids)
    _check_eligibility_reason(eligible, reason)
    return _plan_eligibility_rows(_load_submissions(session, ids), eligible, reason)


def _stale_rows(plan: BulkPlan, expected: Mapping[int, str], label) -> list[str]:
    found = {r.id: r for r in plan.rows}
    stale = [label(r.obj) for r in plan.rows if r.note is not None or r.token != expected[r.id]]
    missing = [f"#{i}" for i in expected if i not in found]  # deleted since the preview
    return stale + missing


def bulk_set_eligibility(session: Session, actor: Any, expected: Mapping[int, str], eligible: bool,
                         reason: str) -> int:
    """Apply a previewed eligibility decision to every row in `expected` (id -> token), or to none.

    Raises StalePreviewError naming the rows that are no longer as previewed.
    """
    reason = (reason or "").strip()
    ids = _check_selection(expected)
    _check_eligibility_reason(eligible, reason)
    plan = _plan_eligibility_rows(_load_submissions(session, ids, lock=True), eligible, reason)
    stale = _stale_rows(plan, expected, lambda s: s.ref)
    if stale:
        raise StalePreviewError(stale)
    for row in plan.rows:
        _apply_eligibility(session, actor, row.obj, eligible, reason, bulk=len(plan.rows))
    session.flush()
    return len(plan.rows)


def _check_funding_reason(verify: bool, reason: str) -> None:
    if not verify and not reason:
        raise ScreeningError(N_("驳回须填写理由（组织会看到）"), "reason")


def _plan_funding_rows(lines: Iterable[FundingLine], verify: bool, reason: str) -> BulkPlan:
    rows = []
    for line in lines:
        note = screening_refusal(line.submission)
        if note is None and _funding_unchanged(line, verify, reason):
            note = N_("状态没有变化")
        rows.append(PlannedRow(line, line.status, "verified" if verify else "rejected", funding_token(line), note))
    return BulkPlan(tuple(rows))


def plan_funding_review(session: Session, ids: Iterable[int], verify: bool, reason: str) -> BulkPlan:
    """The preview of verifying or rejecting several funding lines at once."""
    reason = (reason or "").strip()
    ids = _check_selection(ids)
    _check_funding_reason(verify, reason)
    return _plan_funding_rows(_load_lines(session, ids), verify, reason)


def bulk_review_funding(session: Session, actor: Any, expected: Mapping[int, str], verify: bool, reason: str) -> int:
    """Verify or reject every previewed line in `expected` (id -> token), or none of them."""
    reason = (reason or "").strip()
    ids = _check_selection(expected)
    _check_funding_reason(verify, reason)
    plan = _plan_funding_rows(_load_lines(session, ids, lock=True), verify, reason)
    stale = _stale_rows(plan, expected, funding_label)
    if stale:
        raise StalePreviewError(stale)
    for row in plan.rows:
        _apply_funding(session, actor, row.obj, verify, reason, bulk=len(plan.rows))
    session.flush()
    return len(plan.rows)


# ---------------------------------------------------------------------------------------------
# Lists and exports


@dataclass(frozen=True)
class SubmissionFilters:
    call_id: int | None = None
    status: str = ""  # "" = everything but drafts; "all" = drafts too; else one status
    eligibility: str = ""
    category: str = ""  # catalogue category code: submissions that ordered an item of it
    district: str = ""
    organisation: str = ""  # part of the name, or the whole credit code
    sort: str = "ref"  # a key of SUBMISSION_SORTS, "-" in front for descending


def _fund_totals():
    amount = FundingLine.amount_fen
    return (
        select(
            FundingLine.submission_id,
            func.sum(amount).label("declared"),
            func.sum(case((FundingLine.status == "verified", amount), else_=0)).label("verified"),
            func.sum(case((FundingLine.status == "pending", amount), else_=0)).label("pending"),
        )
        .group_by(FundingLine.submission_id)
        .subquery("fund_totals")
    )


def _organisation_matches(text: str):
    text = text.strip()
    return or_(Organisation.name.icontains(text, autoescape=True), Organisation.credit_code == text.upper())


def _where(stmt: Select, f: SubmissionFilters, *, with_status: bool = True) -> Select:
    if f.call_id is not None:
        stmt = stmt.where(Submission.call_id == f.call_id)
    if with_status:
        if f.status == "":
            stmt = stmt.where(Submission.status != "draft")
        elif f.status != "all":
            stmt = stmt.where(Submission.status == f.status)
    if f.eligibility:
        stmt = stmt.where(Submission.eligibility == f.eligibility)
    if f.category:
        ordered = (select(SubmissionItem.submission_id).join(Item, Item.code == SubmissionItem.item_code)
                   .where(Item.category_code == f.category))
        stmt = stmt.where(Submission.id.in_(ordered))
    if f.district:
        stmt = stmt.where(Submission.community_district == f.district)
    if f.organisation.strip():
        stmt = stmt.where(_organisation_matches(f.organisation))
    return stmt


SUBMISSION_SORTS = ("ref", "title", "organisation", "district", "requested", "declared", "verified", "pending",
                    "submitted", "eligibility")


def filtered_submissions(session: Session, filters: SubmissionFilters) -> Select:
    """The admin list's rows (one per submission, with fund totals), filtered and sorted.

    The page paginates it and the export reads all of it, so both show exactly the same rows.
    """
    totals = _fund_totals()
    declared = func.coalesce(totals.c.declared, 0).label("declared_fen")
    verified = func.coalesce(totals.c.verified, 0).label("verified_fen")
    pending = func.coalesce(totals.c.pending, 0).label("pending_fen")
    stmt = (
        select(Submission.id, Submission.ref, Submission.title, Submission.status, Submission.eligibility,
               Submission.eligibility_reason, Submission.community_name, Submission.community_district,
               Submission.requested_fen, Submission.submitted_at, Submission.call_id,
               Call.title.label("call_title"), Organisation.name.label("organisation_name"),
               Organisation.credit_code, declared, verified, pending)
        .join(Call, Call.id == Submission.call_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(totals, totals.c.submission_id == Submission.id)
    )
    stmt = _where(stmt, filters)
    columns = {
        "ref": Submission.ref, "title": Submission.title, "organisation": Organisation.name,
        "district": Submission.community_district, "requested": Submission.requested_fen, "declared": declared,
        "verified": verified, "pending": pending, "submitted": Submission.submitted_at,
        "eligibility": Submission.eligibility,
    }
    key = filters.sort.lstrip("-")
    if key not in columns:
        raise ValueError(f"unknown sort key: {filters.sort!r}")
    column = columns[key]
    order = column.desc() if filters.sort.startswith("-") else column.asc()
    return stmt.order_by(order.nulls_last(), Submission.ref, Submission.id)


def status_counts(session: Session, filters: SubmissionFilters) -> dict[str, int]:
    """How many submissions of each status match the other filters (for the status tabs)."""
    stmt = _where(
        select(Submission.status, func.count()).select_from(Submission)
        .join(Organisation, Organisation.id == Submission.organisation_id),
        filters, with_status=False,
    ).group_by(Submission.status)
    return {status: int(n) for status, n in session.execute(stmt)}


def items_by_submission(session: Session, stmt: Select) -> dict[int, list[str]]:
    """The catalogue item codes ordered by each submission of `stmt` (a filtered_submissions select), in one query."""
    ids = stmt.order_by(None).subquery()
    rows = session.execute(
        select(SubmissionItem.submission_id, SubmissionItem.item_code)
        .where(SubmissionItem.submission_id.in_(select(ids.c.id)))
        .order_by(SubmissionItem.submission_id, SubmissionItem.item_code)
    )
    items: dict[int, list[str]] = {}
    for submission_id, code in rows:
        items.setdefault(submission_id, []).append(code)
    return items


@dataclass(frozen=True)
class FundingFilters:
    call_id: int | None = None
    status: str = "pending"  # "" = every status
    source: str = ""
    organisation: str = ""


def filtered_funding_lines(session: Session, filters: FundingFilters) -> Select:
    """Funding lines of submitted projects, with their project, organisation and evidence file name."""
    stmt = (
        select(FundingLine.id, FundingLine.source, FundingLine.donor, FundingLine.amount_fen, FundingLine.received_on,
               FundingLine.status, FundingLine.status_reason, FundingLine.evidence_id,
               Attachment.filename.label("evidence_filename"), Submission.id.label("submission_id"),
               Submission.ref, Submission.title, Organisation.name.label("organisation_name"),
               Call.title.label("call_title"))
        .join(Submission, Submission.id == FundingLine.submission_id)
        .join(Call, Call.id == Submission.call_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(Attachment, Attachment.id == FundingLine.evidence_id)
        .where(Submission.status == "submitted")
    )
    if filters.call_id is not None:
        stmt = stmt.where(Submission.call_id == filters.call_id)
    if filters.status:
        stmt = stmt.where(FundingLine.status == filters.status)
    if filters.source:
        stmt = stmt.where(FundingLine.source == filters.source)
    if filters.organisation.strip():
        stmt = stmt.where(_organisation_matches(filters.organisation))
    return stmt.order_by(Submission.ref, FundingLine.id)


def screening_history(session: Session, submission: Submission) -> list[tuple[AuditEntry, str | None]]:
    """Audit entries of the submission and its funding lines, oldest first, with the actor's name."""
    line_ids = [str(line.id) for line in submission.funding_lines]
    stmt = (
        select(AuditEntry, User.name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(or_(
            (AuditEntry.object_type == "submission") & (AuditEntry.object_id == str(submission.id)),
            (AuditEntry.object_type == "funding_line") & AuditEntry.object_id.in_(line_ids),
        ))
        .order_by(AuditEntry.id)
    )
    return [(entry, name) for entry, name in session.execute(stmt)]
