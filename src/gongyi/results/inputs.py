"""What a computation of a call's results reads from the database, and its fingerprint.

Six set-based queries whatever the call's size: the competing submissions, their funding
lines, the call's reviewer panels, the totals of their complete reviews by round, their
active holds, and what administrators already granted from the call's library pool. The
rules (which lines count, which reviews are complete, which panels review in which round) are
applied by the pure modules or stated in the queries below, never hidden elsewhere.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.calls.rules import DEFAULT_PANEL_CODE, engine_rules, rubric
from gongyi.funding.counted import CountedFunds, FundLine, FundsRules, count_funds
from gongyi.funding.models import Hold
from gongyi.library.grants import committed_fen
from gongyi.library.models import Pledge
from gongyi.results.engine import Results, compute_results
from gongyi.results.rank import Entry, ReviewTotal
from gongyi.review.models import Review, ReviewerPanel, Score
from gongyi.submissions.models import FundingLine, Submission


@dataclass(frozen=True)
class Inputs:
    entries: tuple[Entry, ...]
    submission_ids: dict[str, int]
    funds: dict[str, CountedFunds] = field(default_factory=dict)  # ref -> how its funding lines counted
    line_ids: dict[str, tuple[int, ...]] = field(default_factory=dict)  # ref -> its funding line ids, in order
    # What administrators already granted from the call's library pool to entries carried in from
    # earlier editions (library/grants.py): committed, so the engine allocates only the rest.
    library_committed_fen: int = 0


def competing_submissions(call: Call):
    """Submissions that take part in the results: submitted and not screened out."""
    return and_(Submission.call_id == call.id, Submission.status == "submitted", Submission.eligibility != "ineligible")


def complete_totals(session: Session, call: Call, rules: dict[str, Any]) -> dict[int, list[ReviewTotal]]:
    """Submission id -> the totals of its complete reviews, each with its round and its reviewer's
    panel in the call (`expert` without a row). Complete: submitted, and every criterion of the
    review's own round scored (section 3); a review of a round the rules do not have never is.
    Two queries: the call's reviewer panels, and the totals grouped by review."""
    panels = dict(session.execute(
        select(ReviewerPanel.user_id, ReviewerPanel.panel).where(ReviewerPanel.call_id == call.id)).all())
    rubrics = {r["code"]: [c["code"] for c in rubric(rules, r["code"])] for r in rules["rounds"]}
    rows = session.execute(
        select(Review.submission_id, Review.round, Review.reviewer_id, func.sum(Score.points_centi))
        .join(Score, Score.review_id == Review.id)
        .join(Submission, Submission.id == Review.submission_id)
        .where(competing_submissions(call), Review.status == "submitted",
               or_(*(and_(Review.round == code, Score.criterion.in_(codes)) for code, codes in rubrics.items())))
        .group_by(Review.id)  # the review's other columns depend on its primary key
        .having(func.count(Score.criterion) == case({code: len(codes) for code, codes in rubrics.items()},
                                                    value=Review.round, else_=-1))
    ).all()
    totals: dict[int, list[ReviewTotal]] = {}
    points: dict[int, Fraction] = {}  # a call's totals repeat: one Fraction per distinct total
    for submission_id, code, reviewer_id, centi in rows:
        value = points.get(centi)
        if value is None:
            value = points[centi] = Fraction(int(centi), 100)
        totals.setdefault(submission_id, []).append(ReviewTotal(code, panels.get(reviewer_id, DEFAULT_PANEL_CODE), value))
    return totals


def funding_lines(session: Session, call: Call) -> dict[int, list[tuple[int, FundLine]]]:
    """Submission id -> its funding lines (id, line) in the order they were entered.

    Lines recording a co-funder's confirmed pledge (library/cofunders.py) are left out: they are
    money drawn after the results, not the social funds the organisation raised for matching.
    """
    pledged = select(Pledge.funding_line_id).where(Pledge.funding_line_id.is_not(None))
    lines: dict[int, list[tuple[int, FundLine]]] = {}
    for line_id, submission_id, source, donor, amount, status in session.execute(
        select(FundingLine.id, FundingLine.submission_id, FundingLine.source, FundingLine.donor,
               FundingLine.amount_fen, FundingLine.status)
        .join(Submission, Submission.id == FundingLine.submission_id)
        .where(competing_submissions(call), FundingLine.id.not_in(pledged)).order_by(FundingLine.id)
    ):
        lines.setdefault(submission_id, []).append((line_id, FundLine(source, donor, int(amount), status)))
    return lines


def held_submissions(session: Session, call: Call) -> set[int]:
    """Ids of the call's competing submissions whose funding is held now (an unreleased hold)."""
    return set(session.scalars(
        select(Hold.submission_id).join(Submission, Submission.id == Hold.submission_id)
        .where(competing_submissions(call), Hold.released_at.is_(None))))


def load_inputs(session: Session, call: Call, rules: dict[str, Any]) -> Inputs:
    """Requests, counted raised funds and donors, complete review totals, holds and the library
    pool's grants, in six queries."""
    funds_rules: FundsRules = engine_rules(rules)[3]
    subs = session.execute(
        select(Submission.id, Submission.ref, Submission.requested_fen, Submission.submitted_at)
        .where(competing_submissions(call))
    ).all()
    lines = funding_lines(session, call)
    totals = complete_totals(session, call, rules)
    held = held_submissions(session, call)
    entries, funds, line_ids = [], {}, {}
    for sid, ref, requested, submitted_at in subs:
        counted = count_funds((line for _, line in lines.get(sid, ())), funds_rules)
        funds[ref] = counted
        line_ids[ref] = tuple(line_id for line_id, _ in lines.get(sid, ()))
        entries.append(Entry(ref=ref, totals=(), raised_fen=counted.raised_fen, submitted_at=submitted_at,
                             requested_fen=int(requested), reviews=tuple(totals.get(sid, ())),
                             donors=counted.donors, held=sid in held))
    return Inputs(entries=tuple(entries), submission_ids={ref: sid for sid, ref, _, _ in subs}, funds=funds,
                  line_ids=line_ids, library_committed_fen=committed_fen(session, call.id))


def calculate(inputs: Inputs, rules: dict[str, Any]) -> Results:
    """The engine's results; its library pool is the rules' pool less what is already committed
    from it (the same pool for a call with no grants, as the contract's checker sees every call)."""
    review, matching, library, funds = engine_rules(rules)
    if inputs.library_committed_fen:
        library = dataclasses.replace(library, pool_fen=max(0, library.pool_fen - inputs.library_committed_fen))
    return compute_results(inputs.entries, review, matching, library, funds)


def input_digest(inputs: Inputs, rules: dict[str, Any]) -> str:
    """A fingerprint of everything a run read: equal digests mean a rerun gives the same result
    (and the same explanation of every funding line). Entries are written in ref order, each
    with its reviews sorted, so the order the database returns rows in does not matter."""
    digest = hashlib.sha256(json.dumps(rules, sort_keys=True, ensure_ascii=False).encode())
    if inputs.library_committed_fen:  # a call without grants keeps the digest it always had
        digest.update(f"library committed {inputs.library_committed_fen}".encode())
    for e in sorted(inputs.entries, key=lambda e: e.ref):
        funds = inputs.funds.get(e.ref)
        lines = tuple((line_id, c.donor_key, c.amount_fen, c.counted_fen, c.reason)
                      for line_id, c in zip(inputs.line_ids.get(e.ref, ()), funds.lines if funds else ()))
        reviews = sorted((r.round, r.panel, r.total.numerator, r.total.denominator) for r in e.reviews)
        totals = tuple((t.numerator, t.denominator) for t in e.totals)
        digest.update(repr((e.ref, reviews, totals, e.raised_fen, e.donors, e.held, e.requested_fen,
                            e.submitted_at.isoformat(), lines)).encode())
    return digest.hexdigest()
