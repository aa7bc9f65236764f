"""Screening (形式审查) by an administrator: eligibility decisions and fund verification.

One decision and a bulk one go through the same checks. A bulk change is planned first (the
preview: each row with its current and new state and a token of what was shown), then applied
only if every row is still exactly as previewed: all or nothing. The lists the decisions are
taken from are in `screening_lists`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload

from gongyi.audit.service import already, record
from gongyi.calls.workflow import allows
from gongyi.db import lock
from gongyi.errors import N_, UserError
from gongyi.submissions.models import FundingLine, Submission
from gongyi.funding.sources import FUND_SOURCE_LABELS, FUND_STATUS_LABELS  # noqa: F401  (re-exported for views)


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
    # Saved runs are snapshots of their inputs, so corrections stay possible until results are
    # final: during results and publicity an upheld objection may need a funding line re-verified.
    if not allows(submission.call, "screen"):
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


def _check_funding_reason(verify: bool, reason: str) -> None:
    if not verify and not reason:
        raise ScreeningError(N_("驳回须填写理由（组织会看到）"), "reason")


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
    submission = lock(session, submission)
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


def verifiable(line: FundingLine) -> bool:
    """Whether the line can still be verified (a verified one is verified once)."""
    return not _funding_unchanged(line, True, "")


def verify_funding_line(session: Session, actor: Any, line: FundingLine) -> None:
    """Count a declared line as raised funds (only verified lines count towards matching)."""
    line = lock(session, line)
    _check_screenable(line.submission)
    if not verifiable(line):
        raise already(ScreeningError, N_("这笔资金已由 %(name)s 于 %(at)s 核实"), N_("这笔资金已核实"),
                      session, line, "funding_line.verify")
    _apply_funding(session, actor, line, True, "")
    session.flush()


def reject_funding_line(session: Session, actor: Any, line: FundingLine, reason: str) -> None:
    """Refuse a declared line, with the reason the organisation sees."""
    reason = (reason or "").strip()
    line = lock(session, line)
    _check_screenable(line.submission)
    _check_funding_reason(False, reason)
    if _funding_unchanged(line, False, reason):
        raise already(ScreeningError, N_("这笔资金已由 %(name)s 于 %(at)s 按此理由驳回"), N_("这笔资金已按此理由驳回"),
                      session, line, "funding_line.reject")
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


def _apply_plan(session: Session, plan: BulkPlan, expected: Mapping[int, str], label: Callable[[Any], str],
                apply: Callable[[Any, int], None]) -> int:
    """Apply every row of `plan` (planned again under a lock) if each is still as previewed
    (`expected`: id -> token), or none: StalePreviewError names, by `label`, those that are not."""
    found = {r.id: r for r in plan.rows}
    stale = [label(r.obj) for r in plan.rows if r.note is not None or r.token != expected[r.id]]
    stale += [f"#{i}" for i in expected if i not in found]  # deleted since the preview
    if stale:
        raise StalePreviewError(stale)
    for row in plan.rows:
        apply(row.obj, len(plan.rows))
    session.flush()
    return len(plan.rows)


def bulk_set_eligibility(session: Session, actor: Any, expected: Mapping[int, str], eligible: bool,
                         reason: str) -> int:
    """Apply a previewed eligibility decision to every row in `expected` (id -> token), or to none.

    Raises StalePreviewError naming the rows that are no longer as previewed.
    """
    reason = (reason or "").strip()
    ids = _check_selection(expected)
    _check_eligibility_reason(eligible, reason)
    plan = _plan_eligibility_rows(_load_submissions(session, ids, lock=True), eligible, reason)
    return _apply_plan(session, plan, expected, lambda s: s.ref,
                       lambda s, n: _apply_eligibility(session, actor, s, eligible, reason, bulk=n))


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
    return _apply_plan(session, plan, expected, funding_label,
                       lambda line, n: _apply_funding(session, actor, line, verify, reason, bulk=n))
