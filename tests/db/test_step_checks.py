"""The checks shown before ending the review, computing and publishing (results/checks.py), on
the hand-worked sample: award_top = 3, ranks A 1, B 2, C 3, G 4, D 5, E not shortlisted, F
unranked (two reviews); A declared a 10,000 line that is still pending."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.results.checks import NEAR_PLACES, step_checks
from gongyi.results.models import Objection, Run
from gongyi.review.models import Review
from gongyi.submissions.models import FundingLine, Submission
from gongyi.submissions.screening import verify_funding_line
from tests.factories import make_admin

SAMPLE = Path(__file__).parent.parent / "data" / "sample"


@pytest.fixture
def call(app, runner, db):
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "sz-2026"]).exit_code == 0
    db.rollback()
    return db.scalar(select(Call).where(Call.slug == "sz-2026"))


def submission(db, ref: str) -> Submission:
    return db.scalar(select(Submission).where(Submission.ref == ref))


def pending_line(db, ref: str, amount_fen: int) -> FundingLine:
    line = FundingLine(submission_id=submission(db, ref).id, source="individual", donor="李女士",
                       amount_fen=amount_fen, status="pending")
    db.add(line)
    db.flush()
    return line


def test_pending_funds_are_listed_for_projects_at_or_near_the_matching_places(db, call):
    assert NEAR_PLACES == 3  # so ranks 1..6 are "near" award_top = 3
    pending_line(db, "D", 500_000)  # rank 5: near the places
    pending_line(db, "F", 700_000)  # unranked: verifying it changes nothing now
    checks = step_checks(db, call)
    assert checks.award_top == 3
    assert [(p.ref, p.rank, p.lines, p.pending_fen) for p in checks.pending_funds] == [
        ("A", 1, 1, 1_000_000), ("D", 5, 1, 500_000)]
    assert not checks.clear


def test_a_verified_line_is_no_longer_a_warning(db, call):
    admin = make_admin(db)
    line = db.scalar(select(FundingLine).where(FundingLine.status == "pending"))
    verify_funding_line(db, admin, line)
    checks = step_checks(db, call)
    assert checks.pending_funds == () and checks.clear and checks.count == 0


def test_incomplete_reviews_and_open_objections_are_counted(db, call):
    reviewer = create_user(db, None, email="late@example.org", name="迟到", password="password123",
                           roles=("reviewer",))
    db.add(Review(submission_id=submission(db, "F").id, reviewer_id=reviewer.id, status="draft"))
    db.add(Review(submission_id=submission(db, "G").id, reviewer_id=reviewer.id, status="assigned"))
    run = db.scalar(select(Run).where(Run.call_id == call.id))
    base = dict(run_id=run.id, organisation_id=submission(db, "E").organisation_id, filed_by_id=reviewer.id,
                real_name="王五", contact="138", reason="评分有误")
    pending = Objection(submission_id=submission(db, "B").id, **base)
    answered = Objection(submission_id=submission(db, "C").id, status="dismissed", answer="已核对", **base)
    db.add_all([pending, answered])
    db.flush()
    checks = step_checks(db, call)
    assert (checks.incomplete_reviews, checks.incomplete_submissions) == (2, 2)
    assert checks.open_objections == ((pending.id, "B"),)
    assert checks.count == 1 + 1 + 1  # A's pending funds, the reviews as one item, B's objection
