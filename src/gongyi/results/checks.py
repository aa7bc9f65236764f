"""What would still change a call's results, shown before the irreversible steps: ending the
review, computing and publishing (provisional or final).

Three checks, each over the data as it is now:
- funds waiting for verification of projects at or near the matching places: a matching amount
  is a ratio of the *verified* funds, so a project ranked inside the places with its funds still
  pending gets nothing for them (ranks from a computation of the current inputs, not saved);
- reviews assigned but not submitted: a project's aggregate reads only its complete reviews;
- objections not yet answered.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.results.inputs import calculate, competing_submissions, load_inputs
from gongyi.results.models import Objection, Run
from gongyi.review.models import Review
from gongyi.submissions.models import FundingLine, Submission

NEAR_PLACES = 3  # ranks just below the matching places that count as "near" them


@dataclass(frozen=True)
class PendingFunds:
    submission_id: int
    ref: str
    title: str
    rank: int | None
    lines: int
    pending_fen: int


@dataclass(frozen=True)
class StepChecks:
    """The checks before an irreversible step; `clear` when none of them found anything."""

    award_top: int
    pending_funds: tuple[PendingFunds, ...] = ()
    incomplete_reviews: int = 0
    incomplete_submissions: int = 0
    open_objections: tuple[tuple[int, str], ...] = field(default=())  # (objection id, project ref)

    @property
    def clear(self) -> bool:
        return not (self.pending_funds or self.incomplete_reviews or self.open_objections)

    @property
    def count(self) -> int:
        return len(self.pending_funds) + (1 if self.incomplete_reviews else 0) + len(self.open_objections)


def _ranks_now(session: Session, call: Call) -> dict[int, int | None]:
    """Submission id -> its rank in the furthest round reached, computed from the current inputs."""
    rules = call.rules
    inputs = load_inputs(session, call, rules)
    rows = calculate(inputs, rules).rows
    order = {r["code"]: i for i, r in enumerate(rules["rounds"])}
    furthest = max((order.get(row.round, 0) for row in rows), default=0)  # ranks of earlier rounds are no places
    return {inputs.submission_ids[row.ref]: row.rank for row in rows if order.get(row.round, 0) == furthest}


def _pending_funds(session: Session, call: Call, ranks: dict[int, int | None], limit: int) -> tuple[PendingFunds, ...]:
    rows = session.execute(
        select(Submission.id, Submission.ref, Submission.title, func.count(FundingLine.id),
               func.sum(FundingLine.amount_fen))
        .join(FundingLine, FundingLine.submission_id == Submission.id)
        .where(competing_submissions(call), FundingLine.status == "pending")
        .group_by(Submission.id, Submission.ref, Submission.title)
    ).all()
    near = [PendingFunds(sid, ref, title or "", ranks.get(sid), lines, int(total or 0))
            for sid, ref, title, lines, total in rows
            if ranks.get(sid) is not None and ranks[sid] <= limit]
    return tuple(sorted(near, key=lambda p: (p.rank, p.ref)))


def _incomplete_reviews(session: Session, call: Call) -> tuple[int, int]:
    """(reviews not submitted, submissions they belong to) among the competing submissions."""
    reviews, submissions = session.execute(
        select(func.count(Review.id), func.count(func.distinct(Review.submission_id)))
        .join(Submission, Submission.id == Review.submission_id)
        .where(competing_submissions(call), Review.status != "submitted")
    ).one()
    return int(reviews or 0), int(submissions or 0)


def _open_objections(session: Session, call: Call) -> tuple[tuple[int, str], ...]:
    rows = session.execute(
        select(Objection.id, Submission.ref)
        .join(Run, Run.id == Objection.run_id).join(Submission, Submission.id == Objection.submission_id)
        .where(Run.call_id == call.id, Objection.status == "pending").order_by(Objection.created_at, Objection.id)
    ).all()
    return tuple((oid, ref) for oid, ref in rows)


def step_checks(session: Session, call: Call) -> StepChecks:
    """Everything that would still change the call's results if acted on before the step."""
    award_top = int(call.rules["matching"]["award_top"])
    ranks = _ranks_now(session, call)
    reviews, submissions = _incomplete_reviews(session, call)
    return StepChecks(
        award_top=award_top,
        pending_funds=_pending_funds(session, call, ranks, award_top + NEAR_PLACES),
        incomplete_reviews=reviews, incomplete_submissions=submissions,
        open_objections=_open_objections(session, call),
    )
