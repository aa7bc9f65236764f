"""Holding and releasing a project's funding (section 4, outcome `held`), on the hand-worked
sample package (tests/db/test_call_package.py has its arithmetic).

In the sample, A (rank 1) gets 50,000 of the 100,000 matching pool, B 30,000 and C 20,000.
Holding A keeps its rank but frees its 50,000: B gets 30,000 and C its full 40,000 (pool
not binding any more: 70,000 of 100,000). Releasing A restores the first results.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from gongyi.audit.models import AuditEntry
from gongyi.calls.models import Call
from gongyi.funding.models import Hold
from gongyi.results.holds import HoldError, active_hold, hold_history, hold_submission, release_hold
from gongyi.results.models import Run, RunRow
from gongyi.results.service import compute_call
from gongyi.submissions.models import Submission
from tests.factories import make_admin

SAMPLE = Path(__file__).parent.parent / "data" / "sample"


@pytest.fixture
def world(runner, db):
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    db.rollback()
    admin = make_admin(db)
    db.commit()
    call = db.scalar(select(Call).where(Call.slug == "sz-2026"))
    a = db.scalar(select(Submission).where(Submission.ref == "A"))
    return admin, call, a


def _results(db, run: Run) -> dict[str, tuple]:
    return {r.ref: (r.rank, r.outcome, r.matching_fen, r.held) for r in
            db.scalars(select(RunRow).where(RunRow.run_id == run.id))}


def _runs(db, call) -> int:
    return db.scalar(select(func.count()).select_from(Run).where(Run.call_id == call.id))


def test_a_hold_during_review_is_used_by_the_next_computation(db, world):
    admin, call, a = world
    hold = hold_submission(db, admin, a, "  套捐投诉调查中  ")
    assert (hold.reason, hold.held_by_id, hold.released_at) == ("套捐投诉调查中", admin.id, None)
    assert _runs(db, call) == 0  # no results yet: nothing is recomputed
    run = compute_call(db, admin, call)
    results = _results(db, run)
    assert results["A"] == (1, "held", 0, True)
    assert results["B"][2:] == (30_000_00, False) and results["C"][2] == 40_000_00
    assert run.matching_allocated_fen == 70_000_00
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "submission.hold"))
    assert entry.actor_id == admin.id and entry.detail == {"hold": hold.id, "reason": "套捐投诉调查中"}


def test_after_results_a_hold_and_a_release_each_save_a_new_run(db, world):
    admin, call, a = world
    first = compute_call(db, admin, call)
    call.status = "results"
    db.flush()
    hold_submission(db, admin, a, "套捐投诉")
    held = db.scalar(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc()).limit(1))
    assert held.number == 2 and held.note == "A held: 套捐投诉"
    assert _results(db, held)["A"] == (1, "held", 0, True)
    release_hold(db, admin, a, "调查结束，未发现问题")
    released = db.scalar(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc()).limit(1))
    assert released.number == 3 and released.note == "A released: 调查结束，未发现问题"
    assert _results(db, released) == _results(db, first)
    assert released.input_digest == first.input_digest  # the same inputs as before the hold
    assert [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.object_type == "submission")
                                         .order_by(AuditEntry.id))] == ["submission.hold", "submission.release_hold"]


def test_the_history_of_holds_and_releases_is_kept(db, world):
    admin, call, a = world
    hold_submission(db, admin, a, "第一次投诉")
    release_hold(db, admin, a, "查无实据")
    hold_submission(db, admin, a, "第二次投诉")
    history = hold_history(db, a)
    assert [(h.reason, h.release_reason, h.released_at is not None) for h in history] == [
        ("第一次投诉", "查无实据", True), ("第二次投诉", None, False)]
    assert history[0].released_by_id == admin.id
    assert active_hold(db, a) is history[1]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_hold_or_release_needs_a_reason(db, world, reason):
    admin, call, a = world
    with pytest.raises(HoldError) as exc:
        hold_submission(db, admin, a, reason)
    assert exc.value.field == "reason"
    hold_submission(db, admin, a, "投诉")
    with pytest.raises(HoldError):
        release_hold(db, admin, a, reason)
    assert active_hold(db, a) is not None


def test_one_active_hold_at_a_time_and_only_an_active_one_is_released(db, world):
    admin, call, a = world
    with pytest.raises(HoldError):
        release_hold(db, admin, a, "没有暂缓")
    hold_submission(db, admin, a, "投诉")
    with pytest.raises(HoldError):
        hold_submission(db, admin, a, "再次投诉")
    assert db.scalar(select(func.count()).select_from(Hold)) == 1


def test_only_submitted_projects_are_held(db, world):
    admin, call, a = world
    a.status = "withdrawn"
    db.flush()
    with pytest.raises(HoldError):
        hold_submission(db, admin, a, "投诉")


def test_the_database_refuses_two_active_holds(db, world):
    from sqlalchemy.exc import IntegrityError

    admin, call, a = world
    db.add_all([Hold(submission_id=a.id, reason="一"), Hold(submission_id=a.id, reason="二")])
    with pytest.raises(IntegrityError):
        db.flush()
