"""A reviewer who is a member of an organisation (User.organisation_id) never reviews that
organisation's projects, whatever their profile says: in the service checks, in assignment and
in the database triggers."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import IntegrityError

from gongyi.auth.service import grant_role
from gongyi.db import UTCDateTime
from gongyi.review import service
from gongyi.review.models import Review, ReviewerProfile
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 50}, {"code": "plan", "name": "方案", "max": 50}],
                    "reviewers_per_submission": 3}}

INSERT_REVIEW = text(
    "INSERT INTO review (submission_id, reviewer_id, status, overall_comment, version, assigned_at) "
    "VALUES (:s, :r, 'assigned', '', 1, :t)"
).bindparams(bindparam("t", type_=UTCDateTime()))


@pytest.fixture
def world(db):
    """A call under review with one project from the member's organisation and one from another."""
    admin = make_admin(db)
    call = make_call(db, admin, status="reviewing", rules=RULES)
    member, org = make_org(db, admin, name="福田长者服务中心")
    _, other = make_org(db, admin, name="南山青少年服务中心")
    own = make_submission(db, call, org, eligibility="eligible")
    foreign = make_submission(db, call, other, eligibility="eligible")
    db.commit()
    return admin, call, member, own, foreign


def _member_reviewer(db, admin, member, affiliation_id=None):
    """The confirmed case: a member made a reviewer with no affiliation on their profile."""
    grant_role(db, admin, member, "reviewer")
    service.update_reviewer(db, admin, member, name=member.name, affiliation_id=affiliation_id, expertise=[],
                            max_reviews=30)
    db.commit()
    assert db.get(ReviewerProfile, member.id).affiliation_id == affiliation_id
    return member


def test_membership_is_a_conflict_for_the_service_checks(db, world):
    admin, call, member, own, foreign = world
    _member_reviewer(db, admin, member)
    assert service.conflict_source(db, member.id, own) == "affiliation"
    assert service.conflict_source(db, member.id, foreign) is None
    assert (member.id, own.id) in service.conflicted_pairs(db, call)
    assert (member.id, foreign.id) not in service.conflicted_pairs(db, call)
    assert service.affiliation_conflicts(db, call, own.id) == [(member, own)]
    assert service.affiliation_conflicts(db, call, foreign.id) == []
    with pytest.raises(service.ReviewError, match="须回避"):
        service.add_reviewer(db, admin, own, member)
    review = service.add_reviewer(db, admin, foreign, member)
    other = make_reviewer(db, admin)
    on_own = service.add_reviewer(db, admin, own, other)
    with pytest.raises(service.ReviewError, match="须回避"):
        service.swap_reviewer(db, admin, on_own, member)
    assert review.submission_id == foreign.id


def test_membership_counts_even_when_the_profile_names_another_organisation_or_is_missing(db, world):
    admin, call, member, own, foreign = world
    _member_reviewer(db, admin, member, affiliation_id=foreign.organisation_id)
    assert service.conflict_source(db, member.id, own) == "affiliation"
    assert service.conflict_source(db, member.id, foreign) == "affiliation"
    assert {(member.id, own.id), (member.id, foreign.id)} <= service.conflicted_pairs(db, call)

    # a reviewer role without any profile (defaults apply)
    second, org = make_org(db, admin)
    grant_role(db, admin, second, "reviewer")
    theirs = make_submission(db, call, org, eligibility="eligible")
    db.commit()
    assert db.get(ReviewerProfile, second.id) is None
    assert service.conflict_source(db, second.id, theirs) == "affiliation"
    assert service.affiliation_conflicts(db, call, theirs.id) == [(second, theirs)]
    with pytest.raises(service.ReviewError, match="须回避"):
        service.add_reviewer(db, admin, theirs, second)


def test_members_who_are_not_reviewers_are_not_listed_as_conflicts(db, world):
    admin, call, member, own, foreign = world
    assert service.affiliation_conflicts(db, call) == []


def test_assignment_never_gives_members_their_own_organisations_project(db, world):
    admin, call, member, own, foreign = world
    _member_reviewer(db, admin, member)
    helpers = [make_reviewer(db, admin) for _ in range(3)]
    db.commit()
    report = service.assign_reviewers(db, admin, call)
    pairs = set(db.execute(select(Review.submission_id, Review.reviewer_id)).all())
    assert report.added == 6 and not report.shortfalls
    assert {r for s, r in pairs if s == own.id} == {h.id for h in helpers}  # never the member
    # the only reviewer left for an extra one on her own organisation's project is the member: none
    with pytest.raises(service.ReviewError, match="没有可增派"):
        service.add_extra_reviewer(db, admin, own)


def test_create_reviewer_takes_the_members_organisation_as_affiliation(db, world):
    admin, call, member, own, foreign = world
    user = service.create_reviewer(db, admin, email=member.email, name="", password="", affiliation_id=None,
                                   expertise=[], max_reviews=10)
    assert user.id == member.id and "reviewer" in user.roles
    assert db.get(ReviewerProfile, member.id).affiliation_id == own.organisation_id

    second, _ = make_org(db, admin)
    service.create_reviewer(db, admin, email=second.email, name="", password="",
                            affiliation_id=foreign.organisation_id, expertise=[], max_reviews=10)
    assert db.get(ReviewerProfile, second.id).affiliation_id == foreign.organisation_id  # a given one is kept


def test_database_refuses_a_review_by_a_member_of_the_submitting_organisation(db, world):
    admin, call, member, own, foreign = world
    grant_role(db, admin, member, "reviewer")  # no profile at all: only membership says "conflict"
    free = make_reviewer(db, admin)
    db.commit()
    now = datetime.now(timezone.utc)
    with pytest.raises(IntegrityError, match="review_conflict"):
        db.execute(INSERT_REVIEW, {"s": own.id, "r": member.id, "t": now})
    db.rollback()
    db.execute(INSERT_REVIEW, {"s": foreign.id, "r": member.id, "t": now})
    db.execute(INSERT_REVIEW, {"s": own.id, "r": free.id, "t": now})
    db.commit()
    with pytest.raises(IntegrityError, match="review_conflict"):
        db.execute(text("UPDATE review SET reviewer_id = :bad WHERE reviewer_id = :ok"), {"bad": member.id, "ok": free.id})
    db.rollback()
    with pytest.raises(IntegrityError, match="review_conflict"):
        db.execute(text("UPDATE review SET submission_id = :own WHERE reviewer_id = :m"), {"own": own.id, "m": member.id})
    db.rollback()
    assert set(db.execute(select(Review.submission_id, Review.reviewer_id)).all()) == {(foreign.id, member.id),
                                                                                       (own.id, free.id)}


def test_database_refuses_a_bulk_load_of_reviews_with_one_conflicted_among_them(db, world):
    """A package import loads its reviews in one statement (COPY on PostgreSQL): one conflicted
    review among many refuses them all, and the free ones load alone."""
    from gongyi.db import bulk_insert

    admin, call, member, own, foreign = world
    grant_role(db, admin, member, "reviewer")
    free = [make_reviewer(db, admin) for _ in range(3)]
    db.commit()
    now = datetime.now(timezone.utc)
    columns = ("submission_id", "reviewer_id", "status", "overall_comment", "version", "assigned_at", "round")
    good = [(sub.id, r.id, "assigned", "", 1, now, "review") for sub in (own, foreign) for r in free]
    with pytest.raises(Exception, match="review_conflict"):  # the driver's own error: bulk_insert bypasses the ORM
        bulk_insert(db, Review, columns, [*good[:3], (own.id, member.id, "assigned", "", 1, now, "review"), *good[3:]])
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Review)) == 0
    assert bulk_insert(db, Review, columns, good) == 6
    db.commit()
    assert db.scalar(select(func.count()).select_from(Review)) == 6
