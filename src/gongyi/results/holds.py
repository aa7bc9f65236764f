"""Holding and releasing a submission's funding (competition-rules.md section 4, outcome `held`).

A hold keeps the submission's rank but gives it no matching and no library grant; a release
ends it. Both need a reason and are audited; the hold rows keep the whole history. When the call
already has results, each saves a new run (as a withdrawal does), so the others move up or back.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.calls.models import Call
from gongyi.db import lock, utcnow
from gongyi.errors import N_, UserError
from gongyi.funding.models import Hold
from gongyi.calls.workflow import allows
from gongyi.results.service import compute_call
from gongyi.submissions.models import Submission


class HoldError(UserError):
    pass


def active_hold(session: Session, submission: Submission) -> Hold | None:
    return session.scalar(select(Hold).where(Hold.submission_id == submission.id, Hold.released_at.is_(None)))


def active_holds(session: Session, submission_ids: list[int]) -> dict[int, Hold]:
    """Submission id -> its active hold, for the ones of `submission_ids` that have one (one query)."""
    if not submission_ids:
        return {}
    return {h.submission_id: h for h in session.scalars(
        select(Hold).where(Hold.submission_id.in_(submission_ids), Hold.released_at.is_(None)))}


def hold_history(session: Session, submission: Submission) -> list[Hold]:
    """Every hold of the submission, released or not, oldest first."""
    return list(session.scalars(select(Hold).where(Hold.submission_id == submission.id).order_by(Hold.id)))


def _recompute(session: Session, actor: Any, submission: Submission, note: str) -> None:
    call = session.get(Call, submission.call_id)
    if call is not None and allows(call, "withdraw_after_results"):
        compute_call(session, actor, call, note=note)


def hold_submission(session: Session, actor: Any, submission: Submission, reason: str) -> Hold:
    """Hold a submitted project's funding while something is investigated (a complaint of 套捐, say)."""
    reason = (reason or "").strip()
    if not reason:
        raise HoldError(N_("须填写理由"), "reason")
    submission = lock(session, submission)  # a double click holds once
    if submission.status != "submitted":
        raise HoldError(N_("只有已提交的项目可以暂缓拨付"), "reason")
    if active_hold(session, submission) is not None:
        raise HoldError(N_("该项目的资金已暂缓拨付"), "reason")
    hold = Hold(submission_id=submission.id, reason=reason, held_by_id=getattr(actor, "id", None), held_at=utcnow())
    session.add(hold)
    session.flush()
    record(session, actor, "submission.hold", submission, hold=hold.id, reason=reason)
    _recompute(session, actor, submission, f"{submission.ref} held: {reason}")
    return hold


def release_hold(session: Session, actor: Any, submission: Submission, reason: str) -> Hold:
    """End the submission's active hold, with the reason (the investigation found nothing, say)."""
    reason = (reason or "").strip()
    if not reason:
        raise HoldError(N_("须填写理由"), "reason")
    submission = lock(session, submission)
    hold = active_hold(session, submission)
    if hold is None:
        raise HoldError(N_("该项目没有暂缓拨付"), "reason")
    hold.released_at = utcnow()
    hold.released_by_id = getattr(actor, "id", None)
    hold.release_reason = reason
    session.flush()
    record(session, actor, "submission.release_hold", submission, hold=hold.id, reason=reason)
    _recompute(session, actor, submission, f"{submission.ref} released: {reason}")
    return hold


def call_holds(session: Session, call: Call) -> list[tuple[Hold, Submission]]:
    """Every hold of the call's submissions, active ones first, then the newest (one query)."""
    return [(hold, sub) for hold, sub in session.execute(
        select(Hold, Submission).join(Submission, Submission.id == Hold.submission_id)
        .where(Submission.call_id == call.id)
        .order_by(Hold.released_at.is_not(None), Hold.id.desc()))]


def find_submission(session: Session, call: Call, ref: str) -> Submission:
    """The call's submission with this ref, or a HoldError beside the ref field."""
    submission = session.scalar(select(Submission).where(Submission.call_id == call.id, Submission.ref == ref.strip()))
    if submission is None:
        raise HoldError(N_("本次征集没有编号为 %(ref)s 的项目"), "ref", ref=ref.strip())
    return submission
