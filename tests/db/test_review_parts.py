"""The review service's shared pieces: the one complete-review rule (in Python and in SQL), the
reviewed-submission rule, the choices of reviewers for one submission, the calls overview, the
default profile and the vocabularies behind the CHECK constraints."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint, select

from gongyi.review import service
from gongyi.review.models import CONFLICT_SOURCES, REVIEW_STATUSES, Conflict, Review, Score
from gongyi.submissions.models import Submission
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 20}, {"code": "plan", "name": "方案", "max": 30}],
                    "reviewers_per_submission": 2}}


@pytest.fixture
def world(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin, name="福田长者服务中心")
    db.commit()
    return admin, call, org


def test_total_when_scored_needs_every_criterion_and_ignores_others():
    assert service.total_when_scored({"need": 1500, "plan": 2050}, ["need", "plan"]) == 3550
    assert service.total_when_scored({"need": 1500}, ["need", "plan"]) is None
    assert service.total_when_scored({"need": 1500, "plan": 0, "old": 999}, ["need", "plan"]) == 1500
    assert service.snapshot_total({"criteria": [{"code": "need"}], "scores": {"need": 700}}) == 700


def test_complete_reviews_are_submitted_and_fully_scored_and_agree_with_review_total(db, world):
    admin, call, org = world
    submission = make_submission(db, call, org, eligibility="eligible")
    reviewers = [make_reviewer(db, admin) for _ in range(4)]
    complete, draft, partial, extra = (service.add_reviewer(db, admin, submission, r) for r in reviewers)
    service.save_review(db, reviewers[0], complete, scores={"need": "15", "plan": "20.5"}, comments={},
                        overall_comment="", submit=True)
    service.save_review(db, reviewers[1], draft, scores={"need": "15", "plan": "20"}, comments={},
                        overall_comment="", submit=False)
    # submitted with a criterion missing, and submitted with a score outside the rubric (e.g. from a package)
    for review, scores in ((partial, [("need", 1000)]), (extra, [("need", 1000), ("plan", 1000), ("old", 5000)])):
        review.status = "submitted"
        review.scores.extend(Score(criterion=code, points_centi=centi) for code, centi in scores)
    db.flush()
    rows = db.execute(service.complete_reviews(service.criterion_codes(call), Submission.call_id == call.id)).all()
    assert sorted((r.review_id, r.reviewer_id, r.submission_id, int(r.total_centi)) for r in rows) == [
        (complete.id, reviewers[0].id, submission.id, 3550), (extra.id, reviewers[3].id, submission.id, 2000)]
    # in Python: the same totals; a draft has its total too, but only submitted reviews count
    assert [service.review_total(r) for r in (complete, draft, partial, extra)] == [3550, 3500, None, 2000]
    assert db.execute(service.complete_reviews(["need", "plan"], Submission.call_id == call.id + 1)).all() == []
    assert sorted(s.review_id for s in service.scored_reviews(db, call)) == sorted([complete.id, extra.id])


def test_reviewed_submissions_are_submitted_and_screened_eligible(db, world):
    admin, call, org = world
    cases = [("submitted", "eligible", True), ("submitted", "pending", False), ("submitted", "ineligible", False),
             ("withdrawn", "eligible", False)]
    subs = [make_submission(db, call, org, status=status, eligibility=eligibility) for status, eligibility, _ in cases]
    db.flush()
    in_sql = set(db.scalars(select(Submission.id).where(service.reviewed_submissions(call))))
    assert in_sql == {s.id for s, (*_, reviewed) in zip(subs, cases) if reviewed}
    assert [service.is_reviewed(s) for s in subs] == [reviewed for *_, reviewed in cases]
    assert in_sql == set(db.scalars(select(Submission.id).where(service.reviewed_submissions())))


def test_assignable_reviewers_pass_every_check_of_a_new_assignment(db, world):
    admin, call, org = world
    submission = make_submission(db, call, org, eligibility="eligible", items=("01.01",))
    other = make_submission(db, call, make_org(db, admin)[1], eligibility="eligible")
    expert = make_reviewer(db, admin, name="专长", expertise=["01"])
    plain = make_reviewer(db, admin, name="普通")
    make_reviewer(db, admin, name="关联", affiliation=org)
    declared = make_reviewer(db, admin, name="声明")
    full = make_reviewer(db, admin, name="满额", max_reviews=1)
    assigned = make_reviewer(db, admin, name="已分配")
    service.add_reviewer(db, admin, submission, assigned)
    service.add_reviewer(db, admin, other, full)
    db.add(Conflict(reviewer_id=declared.id, submission_id=submission.id, source="admin", reason="亲属"))
    db.flush()
    conflicted = {r for r, _s in service.conflicted_pairs(db, call, submission.id)}
    candidates = service.assignable_reviewers(db, submission, service.reviewer_pool(db), conflicted)
    assert [(c.user.name, c.load, c.cap, c.expertise_matches) for c in candidates] == [
        ("专长", 0, 30, True), ("普通", 0, 30, False)]
    for candidate in candidates:  # and each of them is accepted by the service
        service.add_reviewer(db, admin, submission, candidate.user)
    assert {expert.id, plain.id} <= set(db.scalars(select(Review.reviewer_id).where(Review.submission_id == submission.id)))


def test_declaring_a_conflict_without_a_reviewer_is_refused_beside_the_choice(db, world):
    admin, call, org = world
    submission = make_submission(db, call, org, eligibility="eligible")
    with pytest.raises(service.ReviewError) as refused:
        service.declare_conflict(db, admin, submission, None, "理由")
    assert refused.value.field == "reviewer_id"


def test_calls_progress_counts_each_call_and_leaves_out_drafts(db, world):
    admin, call, org = world
    make_call(db, admin, status="draft", rules=RULES)
    empty = make_call(db, admin, status="closed", rules=RULES)
    reviewer, second = make_reviewer(db, admin), make_reviewer(db, admin)
    submission = make_submission(db, call, org, eligibility="eligible")
    make_submission(db, call, org, eligibility="pending")
    review = service.add_reviewer(db, admin, submission, reviewer)
    service.add_reviewer(db, admin, submission, second)
    service.save_review(db, reviewer, review, scores={"need": "1", "plan": "1"}, comments={}, overall_comment="",
                        submit=True)
    db.flush()
    rows = {p.call.id: (p.reviewed, p.assigned, p.submitted) for p in service.calls_progress(db)}
    assert rows == {call.id: (1, 2, 1), empty.id: (0, 0, 0)}


def test_a_reviewer_without_a_profile_starts_from_their_own_organisation(db, world):
    admin, call, org = world
    member, _org = make_org(db, admin, email="member@example.org")
    assert service.reviewer_settings(db, member) == {"name": member.name, "affiliation_id": member.organisation_id,
                                                     "expertise": [], "max_reviews": 30}
    reviewer = make_reviewer(db, admin, affiliation=org, expertise=["02"], max_reviews=4)
    assert service.reviewer_settings(db, reviewer) == {"name": reviewer.name, "affiliation_id": org.id,
                                                       "expertise": ["02"], "max_reviews": 4}


def test_check_constraints_are_the_vocabularies_as_the_migration_wrote_them():
    migration = (Path(__file__).parents[2] / "migrations/versions/0001_initial_schema.py").read_text(encoding="utf-8")
    for table, column, vocabulary in ((Review.__table__, "status", REVIEW_STATUSES),
                                      (Conflict.__table__, "source", CONFLICT_SOURCES)):
        checks = [str(c.sqltext) for c in table.constraints if isinstance(c, CheckConstraint)]
        assert vocabulary.check(column) in checks
        assert f'sa.CheckConstraint("{vocabulary.check(column)}", name=op.f(\'ck_{table.name}_{column}\'))' in migration
    assert REVIEW_STATUSES.values == ("assigned", "draft", "submitted")
    assert CONFLICT_SOURCES.label("admin") == "管理员登记"
