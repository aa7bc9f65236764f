"""Running rounds: closing the current round settles who advances (ties across the line go
through together) and locks its scores; the next round opens on confirmation; assignment works
on the round's participants and panels; closing and opening are serialized on the call."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from gongyi.calls.models import Call, CallRound
from gongyi.review import service
from gongyi.review.models import Review
from tests.conftest import PG_URL
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

RULES = {
    "review": {"reviewers_per_submission": 2, "tie_breakers": []},
    "rounds": [
        {"code": "online", "name": "网评", "advance": 2, "min_reviews": 1,
         "criteria": [{"code": "plan", "name": "方案", "max": 100}]},
        {"code": "final", "name": "路演", "min_reviews": 1, "criteria": [{"code": "show", "name": "路演", "max": 100}],
         "panels": [{"code": "expert", "weight": "0.7"}, {"code": "public", "weight": "0.3"}]},
    ],
}


@pytest.fixture
def world(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin)
    subs = [make_submission(db, call, org, ref=f"P{i}", eligibility="eligible") for i in range(1, 5)]
    experts = [make_reviewer(db, admin) for _ in range(3)]
    public = [make_reviewer(db, admin) for _ in range(2)]
    service.set_reviewer_panels(db, admin, call, {r.id: "public" for r in public})
    db.commit()
    return admin, call, subs, experts, public


def score_online(db, call, subs, expert, points):
    """`expert` scores round 1 of each submission with the given points (submitted)."""
    admin = make_admin(db)
    for sub, value in zip(subs, points):
        review = service.review_of(db, sub, expert.id) or service.add_reviewer(db, admin, sub, expert)
        service.save_review(db, expert, review, scores={"plan": str(value)}, comments={}, overall_comment="", submit=True)


def test_closing_a_round_settles_who_advances_with_the_tie_at_the_line(db, world):
    admin, call, subs, experts, public = world
    score_online(db, call, subs, experts[0], [90, 80, 80, 70])  # P2 and P3 share rank 2: both advance
    summary = service.close_round(db, admin, call, "online")
    assert summary.advanced == ("P1", "P2", "P3")
    assert summary.tie_note[1] == {"rank": 2, "tied": 2, "advance": 2, "total": 3}
    out = {line.ref: line.why_out for line in summary.lines}
    assert out["P4"][1] == {"n": 2} and out["P1"] is None
    state = db.scalar(select(CallRound).where(CallRound.call_id == call.id))
    assert (state.code, state.status, state.advanced) == ("online", "closed", ["P1", "P2", "P3"])
    # Scores of the closed round are locked, and nothing is assigned before the next round opens.
    review = service.review_of(db, subs[3], experts[0].id)
    with pytest.raises(service.ReviewError):
        service.reopen_review(db, admin, review, "再看看")
    with pytest.raises(service.ReviewError):
        service.assign_reviewers(db, admin, call)
    assert service.scoring_round(call) == "online"


def test_the_next_round_opens_on_confirmation_and_assignment_follows_its_panels(db, world):
    admin, call, subs, experts, public = world
    score_online(db, call, subs, experts[0], [90, 80, 70, 60])
    service.close_round(db, admin, call, "online")
    service.open_next_round(db, admin, call)
    assert service.scoring_round(call) == "final"
    assert service.round_participants(db, call, "final") == {subs[0].id, subs[1].id}
    # k = 2: experts 0.7 -> ceil(1.4) = 2, public 0.3 -> max(1, ceil(0.6)) = 1
    assert service.round_needs(call) == {"expert": 2, "public": 1}
    report = service.assign_reviewers(db, admin, call)
    final = db.scalars(select(Review).where(Review.round == "final")).all()
    assert report.added == len(final) == 2 * 3
    assert {r.submission_id for r in final} == {subs[0].id, subs[1].id}
    panel = service.reviewer_panels(db, call)
    for sub in subs[:2]:
        seats = [panel.get(r.reviewer_id, "expert") for r in final if r.submission_id == sub.id]
        assert sorted(seats) == ["expert", "expert", "public"]
    # A submission out of the round cannot be given a reviewer in it.
    with pytest.raises(service.ReviewError) as refused:
        service.add_reviewer(db, admin, subs[3], experts[2])
    assert refused.value.message == "此项目没有进入本轮评审" 
    assert service.round_summary(db, call, "final").last


def test_a_reviewer_outside_the_rounds_panels_is_not_assigned(db, world):
    admin, call, subs, experts, public = world
    service.set_reviewer_panels(db, admin, call, {experts[2].id: "public"})
    # Round 1 has only the expert panel: the public reviewers are never given a round-1 review.
    service.assign_reviewers(db, admin, call)
    assigned = {r.reviewer_id for r in db.scalars(select(Review))}
    assert assigned == {experts[0].id, experts[1].id}
    with pytest.raises(service.ReviewError):
        service.add_reviewer(db, admin, subs[0], public[0])


def test_round_changes_that_do_not_fit_are_refused(db, world):
    admin, call, subs, experts, public = world
    with pytest.raises(service.ReviewError):
        service.open_next_round(db, admin, call)  # the first round is still open
    with pytest.raises(service.ReviewError):
        service.close_round(db, admin, call, "final")  # not the current round, and the last
    service.close_round(db, admin, call, "online")
    with pytest.raises(service.ReviewError):
        service.close_round(db, admin, call, "online")
    service.open_next_round(db, admin, call)
    with pytest.raises(service.ReviewError):
        service.open_next_round(db, admin, call)
    with pytest.raises(service.ReviewError):
        service.close_round(db, admin, call, "final")


def test_panels_take_known_codes_and_are_fixed_once_a_reviewer_has_scored(db, world):
    admin, call, subs, experts, public = world
    with pytest.raises(service.ReviewError):
        service.set_reviewer_panels(db, admin, call, {experts[0].id: "jury"})
    with pytest.raises(service.ReviewError):
        service.set_reviewer_panels(db, admin, call, {admin.id: "public"})  # not a reviewer
    score_online(db, call, subs[:1], experts[0], [90])
    with pytest.raises(service.ReviewError):
        service.set_reviewer_panels(db, admin, call, {experts[0].id: "public"})
    assert service.set_reviewer_panels(db, admin, call, {experts[1].id: "public"}) == [experts[1].id]


@pytest.mark.skipif(not PG_URL, reason="row locks are tested on PostgreSQL")
def test_two_administrators_closing_at_once_close_the_round_once(app, db, world):
    admin, call, subs, experts, public = world
    score_online(db, call, subs, experts[0], [90, 80, 70, 60])
    db.commit()
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    barrier, outcomes = threading.Barrier(2), []

    def close():
        session = app.extensions["gongyi.sessionmaker"]()
        try:
            mine = session.get(Call, call.id)
            barrier.wait()
            service.close_round(session, session.merge(admin), mine, "online")
            session.commit()
            outcomes.append("closed")
        except service.ReviewError:
            session.rollback()
            outcomes.append("refused")
        finally:
            session.close()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["closed", "refused"]
    db.rollback()
    assert len(db.scalars(select(CallRound).where(CallRound.call_id == call.id)).all()) == 1
