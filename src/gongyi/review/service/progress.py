"""Where a call's review stands: progress per submission and per reviewer, calibration of the
complete reviews, and every score for the export. Each in a fixed handful of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from gongyi.auth.models import User, UserRole
from gongyi.calls.models import Call
from gongyi.calls.workflow import ACTIVITIES
from gongyi.clock import utcnow
from gongyi.orgs.models import Organisation
from gongyi.pagination import Page, count_rows, paginate, paginate_keys
from gongyi.review.models import DEFAULT_MAX_REVIEWS, Review, ReviewerProfile, Score
from gongyi.kept import kept
from gongyi.review.scoring import Calibration, ScoredReview, Stats, calibrate
from gongyi.review.service.assignment import reviewed_submissions
from gongyi.review.service.rounds import round_participants
from gongyi.review.service.scoring import complete_reviews, criterion_codes, scoring_round
from gongyi.submissions.models import Submission


BOARD_PER_PAGE = 50


def disagreement_threshold(call: Call) -> Fraction:
    return Fraction(call.rules["review"].get("disagreement_threshold", "20"))


def _submitted_count():
    return func.count(case((Review.status == "submitted", 1)))


@dataclass(frozen=True)
class CallProgress:
    call: Call
    reviewed: int  # submissions that are reviewed (submitted, screened eligible)
    assigned: int  # reviews assigned, any status
    submitted: int  # reviews submitted


def calls_progress(session: Session) -> list[CallProgress]:
    """Every call with review pages (all but drafts), newest first, with its counts (three queries)."""
    counts = {cid: (n, done) for cid, n, done in session.execute(
        select(Submission.call_id, func.count(Review.id), _submitted_count())
        .join(Review, Review.submission_id == Submission.id).group_by(Submission.call_id)
    ).all()}
    reviewed = dict(session.execute(
        select(Submission.call_id, func.count()).where(reviewed_submissions()).group_by(Submission.call_id)
    ).all())
    calls = session.scalars(select(Call).where(Call.status.in_(ACTIVITIES["manage_review"]))
                            .order_by(Call.opens_at.desc())).all()
    return [CallProgress(c, reviewed.get(c.id, 0), *counts.get(c.id, (0, 0))) for c in calls]


class BoardSubmission(NamedTuple):
    """What the review board shows of a submission: a row's columns, not a loaded object (a page
    of 50 objects with their organisations cost more than the rest of the page)."""
    id: int
    ref: str
    title: str
    eligibility: str
    organisation_name: str


class BoardReviewer(NamedTuple):
    id: int
    name: str
    is_reviewer: bool  # holds the reviewer role (else only reviews left from before)


@dataclass(frozen=True)
class SubmissionProgress:
    submission: BoardSubmission
    assigned: int
    submitted: int
    overdue: bool


@dataclass(frozen=True)
class ReviewerProgress:
    reviewer: BoardReviewer
    assigned: int
    submitted: int
    cap: int
    overdue: bool


def _overdue(call: Call, now: datetime) -> bool:
    return call.review_deadline is not None and now >= call.review_deadline


def _progress_statement(session: Session, call: Call) -> Select:
    """Reviewed submissions taking part in the current round and any other holding reviews in it,
    with that round's reviews assigned and submitted (a later round: a query more to know who
    takes part). The counts are correlated to each row, so a page of rows counts only its own."""
    code = scoring_round(call)
    in_round = and_(Review.submission_id == Submission.id, Review.round == code)
    assigned = select(func.count()).where(in_round).correlate(Submission).scalar_subquery()
    submitted = select(func.count()).where(in_round, Review.status == "submitted").correlate(Submission).scalar_subquery()
    reviewed = reviewed_submissions(call)
    if code != call.rules["rounds"][0]["code"]:
        reviewed = and_(reviewed, Submission.id.in_(round_participants(session, call, code)))
    return (
        select(Submission.id, Submission.ref, Submission.title, Submission.eligibility, Organisation.name,
               assigned.label("assigned"), submitted.label("submitted"))
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(Submission.call_id == call.id, or_(reviewed, exists().where(in_round))).order_by(Submission.ref)
    )


def _progress_rows(rows, late: bool) -> list[SubmissionProgress]:
    return [SubmissionProgress(BoardSubmission(*row[:5]), row[5] or 0, row[6] or 0, late and (row[6] or 0) < (row[5] or 0))
            for row in rows]


def submission_progress(session: Session, call: Call, now: datetime | None = None) -> list[SubmissionProgress]:
    """Every submission of the board with its reviews assigned and submitted (one query)."""
    return _progress_rows(session.execute(_progress_statement(session, call)).all(), _overdue(call, now or utcnow()))


def submission_progress_page(session: Session, call: Call, number: int, now: datetime | None = None,
                             per_page: int = BOARD_PER_PAGE) -> Page:
    """One page of the board's submissions (two queries; the total is kept between changes of the
    data), its rows SubmissionProgress."""
    stmt = _progress_statement(session, call)
    total = kept(session, "board-total", (call.id, scoring_round(call)),
                 lambda: count_rows(session, stmt))
    page = paginate(session, stmt, number, per_page, total=total)
    return Page(_progress_rows(page.rows, _overdue(call, now or utcnow())), page.total, page.number, page.per_page)


def _review_counts(session: Session, call: Call) -> tuple[tuple[int, int], dict[int, tuple[int, int]]]:
    """Reviews assigned and submitted in the call, any round, in all and per reviewer (one query),
    kept between changes of the data (gongyi.kept)."""
    def compute() -> tuple[tuple[int, int], dict[int, tuple[int, int]]]:
        per_reviewer = {rid: (assigned, submitted) for rid, assigned, submitted in session.execute(
            select(Review.reviewer_id, func.count(), _submitted_count())
            .join(Submission, Submission.id == Review.submission_id).where(Submission.call_id == call.id)
            .group_by(Review.reviewer_id))}
        return (sum(a for a, _ in per_reviewer.values()), sum(s for _, s in per_reviewer.values())), per_reviewer

    return kept(session, "review-counts", (call.id,), compute)


def review_counts(session: Session, call: Call) -> tuple[int, int]:
    """Reviews assigned and submitted in the call, any round."""
    return _review_counts(session, call)[0]


def reviewer_progress(session: Session, call: Call, number: int = 1, now: datetime | None = None,
                      per_page: int = BOARD_PER_PAGE) -> Page:
    """A page of the reviewers: the active pool and anyone else holding reviews in the call, by id
    (three queries; the counts are kept between changes of the data), its rows ReviewerProgress."""
    late = _overdue(call, now or utcnow())
    counts = _review_counts(session, call)[1]
    in_pool = and_(User.active.is_(True), exists().where(UserRole.user_id == User.id, UserRole.role == "reviewer"))
    keys = select(User.id).where(or_(in_pool, User.id.in_(list(counts)))).order_by(User.id)

    def rows(ids):
        return (select(User.id, User.name, exists().where(UserRole.user_id == User.id, UserRole.role == "reviewer"),
                       ReviewerProfile.max_reviews).join(ids, ids.c.id == User.id)
                .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id).order_by(User.id))

    total = kept(session, "board-reviewers", (call.id,),
                 lambda: count_rows(session, keys))
    page = paginate_keys(session, keys, rows, number, per_page, total=total)
    result = []
    for user_id, name, is_reviewer, max_reviews in page.rows:
        assigned, submitted = counts.get(user_id, (0, 0))
        cap = DEFAULT_MAX_REVIEWS if max_reviews is None else max_reviews  # no profile: the default
        result.append(ReviewerProgress(BoardReviewer(user_id, name, bool(is_reviewer)), assigned, submitted, cap,
                                       late and submitted < assigned))
    return Page(result, page.total, page.number, page.per_page)


def scored_reviews(session: Session, call: Call) -> list[ScoredReview]:
    """The call's complete reviews of the scoring round and their totals (one query)."""
    rows = session.execute(complete_reviews(criterion_codes(call), Submission.call_id == call.id,
                                            Review.round == scoring_round(call))).all()
    return [ScoredReview(r.review_id, r.reviewer_id, r.submission_id, int(r.total_centi)) for r in rows]


def calibration(session: Session, call: Call) -> tuple[Calibration, list[ScoredReview]]:
    reviews = scored_reviews(session, call)
    return calibrate(reviews, disagreement_threshold(call)), reviews


@dataclass(frozen=True)
class CalibrationSummary:
    """What the calibration page shows, as plain data: kept between changes (gongyi.kept)."""

    panel: Stats
    reviewers: dict[int, Stats]
    flagged: list[tuple[int, Fraction, tuple[int, ...]]]  # (submission id, spread, its totals in hundredths), widest first
    compared: int  # submissions with two or more complete reviews


def calibration_summary(session: Session, call: Call) -> CalibrationSummary:
    """The calibration page's figures, computed once per change of the data (gongyi.kept)."""
    def compute() -> CalibrationSummary:
        result, reviews = calibration(session, call)
        totals: dict[int, list[int]] = {sid: [] for sid in result.disagreements}
        for r in reviews:
            if r.submission_id in totals:
                totals[r.submission_id].append(r.total_centi)
        flagged = sorted(result.disagreements, key=lambda sid: (-result.spreads[sid], sid))
        return CalibrationSummary(result.panel, result.reviewers,
                                  [(sid, result.spreads[sid], tuple(totals[sid])) for sid in flagged], len(result.spreads))

    return kept(session, "calibration", (call.id, disagreement_threshold(call)), compute)


@dataclass(frozen=True)
class CalibrationPage:
    """The calibration page's figures with one page of the flagged disagreements."""

    panel: Stats
    reviewers: dict[int, Stats]
    compared: int
    flagged: Page  # rows as in CalibrationSummary.flagged


def calibration_page(session: Session, call: Call, number: int, per_page: int) -> CalibrationPage:
    """calibration_summary() with the flagged rows of one page only, kept per page: a city's call
    flags thousands of projects, and reading them all back from the cache costs more than the page."""
    def compute() -> CalibrationPage:
        summary = calibration_summary(session, call)
        shown = min(number, max(1, -(-len(summary.flagged) // per_page)))
        rows = summary.flagged[(shown - 1) * per_page:shown * per_page]
        return CalibrationPage(summary.panel, summary.reviewers, summary.compared,
                               Page(rows, len(summary.flagged), shown, per_page))

    return kept(session, "calibration-page", (call.id, disagreement_threshold(call), number, per_page), compute)


@dataclass(frozen=True)
class ScoreSheetRow:
    review: Review
    ref: str
    title: str
    organisation: str
    reviewer: str
    email: str
    scores: dict[str, Score]  # by criterion code


def score_sheet(session: Session, call: Call) -> list[ScoreSheetRow]:
    """Every review of the call with its scores, by project and reviewer (two queries)."""
    rows = session.execute(
        select(Review, Submission.ref, Submission.title, Organisation.name, User.name, User.email)
        .join(Submission, Submission.id == Review.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .join(User, User.id == Review.reviewer_id)
        .where(Submission.call_id == call.id).order_by(Submission.ref, User.email)
    ).all()
    scores: dict[int, dict[str, Score]] = {}
    for s in session.scalars(select(Score).join(Review, Review.id == Score.review_id)
                             .join(Submission, Submission.id == Review.submission_id).where(Submission.call_id == call.id)):
        scores.setdefault(s.review_id, {})[s.criterion] = s
    return [ScoreSheetRow(review, *fields, scores.get(review.id, {})) for review, *fields in rows]
