"""Reviews belong to a round (rules version 2): one reviewer may review a submission once per
round, a review is scored against its own round's rubric, and a conflict removes them all."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gongyi.review import service
from gongyi.review.models import Review, Score
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

ROUNDS = {"rounds": [
    {"code": "online", "name": "网评", "advance": 5,
     "criteria": [{"code": "need", "name": "需求", "max": 20}, {"code": "plan", "name": "方案", "max": 30}]},
    {"code": "final", "name": "路演", "criteria": [{"code": "show", "name": "路演", "max": 100}],
     "panels": [{"code": "expert", "weight": "0.7"}, {"code": "public", "weight": "0.3"}]},
]}


@pytest.fixture
def world(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="reviewing", rules=ROUNDS)
    _, org = make_org(db, admin)
    submission = make_submission(db, call, org, eligibility="eligible")
    reviewer = make_reviewer(db, admin)
    db.commit()
    return admin, call, submission, reviewer


def test_new_reviews_are_in_the_scoring_round_and_scored_on_its_rubric(db, world):
    admin, call, submission, reviewer = world
    assert service.scoring_round(call) == "online"
    review = service.add_reviewer(db, admin, submission, reviewer)
    assert review.round == "online"
    assert [c["code"] for c in service.review_criteria(review)] == ["need", "plan"]
    service.save_review(db, reviewer, review, scores={"need": "18", "plan": "25.5"}, comments={}, overall_comment="",
                        submit=True)
    assert service.review_total(review) == 4350
    assert review.versions[0].snapshot["round"] == "online"


def test_a_final_review_is_complete_on_the_final_rubric(db, world):
    admin, call, submission, reviewer = world
    final = Review(submission_id=submission.id, reviewer_id=reviewer.id, round="final", status="submitted")
    final.scores.append(Score(criterion="show", points_centi=8800))
    db.add(final)
    db.flush()
    assert service.review_total(final) == 8800
    assert service.review_criteria(final) == ROUNDS["rounds"][1]["criteria"]


def test_one_review_per_reviewer_and_round(db, world):
    admin, call, submission, reviewer = world
    db.add_all([Review(submission_id=submission.id, reviewer_id=reviewer.id, round="online"),
                Review(submission_id=submission.id, reviewer_id=reviewer.id, round="final")])
    db.flush()  # two rounds: allowed
    db.add(Review(submission_id=submission.id, reviewer_id=reviewer.id, round="final"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_a_declared_conflict_removes_the_reviews_of_every_round(db, world):
    admin, call, submission, reviewer = world
    db.add_all([Review(submission_id=submission.id, reviewer_id=reviewer.id, round="online", status="submitted"),
                Review(submission_id=submission.id, reviewer_id=reviewer.id, round="final", status="submitted")])
    db.flush()
    service.declare_conflict(db, admin, submission, reviewer, "亲属在该机构任职")
    assert db.scalars(select(Review).where(Review.submission_id == submission.id)).all() == []
