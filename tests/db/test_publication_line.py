"""Published runs form one line, in the database: at most one provisional run per call
(uq_run_provisional) and each publication replaced at most once (uq_run_replaces), so a call has at
most one current final run, whatever the code does. The locks of publish_results keep two
publications apart; with the locks taken out, two administrators publishing at once are still
published once, and the loser is told who published first (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gongyi.auth.models import User
from gongyi.calls import service as calls_service
from gongyi.calls.models import Call
from gongyi.calls.service import transition_call
from gongyi.results import publication
from gongyi.results.models import Run
from gongyi.results.service import compute_call
from tests.db.test_races import entries, race
from tests.factories import make_admin

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
CST = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 6, 1, 10, 0, tzinfo=CST)
AFTER = datetime(2026, 6, 8, 10, 0, tzinfo=CST)  # the five working days are over


@pytest.fixture
def results_call(app, runner, db):
    """The sample call computed twice, in "results"; two administrators."""
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "sz-2026"))
    admins = [make_admin(db, f"publisher{i}@example.org") for i in range(2)]
    compute_call(db, admins[0], call)
    compute_call(db, admins[0], call)
    transition_call(db, admins[0], call, "finish_review")
    db.commit()
    with app.test_request_context():
        yield call, admins


def _runs(db, call) -> list[Run]:
    return list(db.scalars(select(Run).where(Run.call_id == call.id).order_by(Run.number)))


def test_each_publication_replaces_the_one_before_it_once(db, results_call):
    call, (admin, _) = results_call
    first, second = _runs(db, call)
    provisional = publication.publish_results(db, admin, first, "provisional", working_days=5, now=MONDAY)
    assert provisional.replaces_id is None
    final = publication.publish_results(db, admin, second, "final", working_days=5, now=AFTER)
    assert final.replaces_id == provisional.id
    db.commit()
    third = compute_call(db, admin, call)
    db.commit()
    for kind, replaces in (("provisional", None), ("final", provisional.id)):  # a second provisional; a twin final
        third.published, third.published_at, third.replaces_id = kind, AFTER, replaces
        with pytest.raises(IntegrityError):
            db.flush()
        db.rollback()
    revised = publication.publish_results(db, admin, db.get(Run, third.id), "final", working_days=5, now=AFTER)
    assert revised.replaces_id == final.id  # a revision replaces the final results it revises
    db.commit()


@pytest.fixture
def unlocked(monkeypatch):
    """publish_results and transition_call without their row locks: only the database is left."""
    for module in (publication, calls_service):
        monkeypatch.setattr(module, "lock", lambda session, obj: obj)


def _publish_at_once(app, db, call, admins, runs, kind, now):
    def act(session, i):
        admin, run = session.get(User, admins[i].id), session.get(Run, runs[i])
        session.get(Call, call.id).status  # both read the state before either decides
        return lambda: publication.publish_results(session, admin, run, kind, working_days=5, now=now)

    return race(app, 2, act)


def test_two_provisional_publications_past_the_locks_publish_once(app, db, results_call, unlocked):
    call, admins = results_call
    runs = [r.id for r in _runs(db, call)]
    outcomes = _publish_at_once(app, db, call, admins, runs, "provisional", MONDAY)
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    loser = next(o for o in outcomes if o != "ok")
    winner = db.scalar(select(Run).where(Run.call_id == call.id, Run.published.is_not(None)))
    assert loser.startswith("公示结果已由 管理员 于 ") and loser.endswith(f"发布（第 {winner.number} 次计算）"), loser
    assert db.scalar(select(func.count()).select_from(Run).where(Run.published.is_not(None))) == 1
    assert entries(db, "run.publish") == 1 and entries(db, "call.publish_provisional") == 1


def test_two_final_publications_past_the_locks_publish_once(app, db, results_call, unlocked):
    call, admins = results_call
    provisional = publication.publish_results(db, admins[0], _runs(db, call)[0], "provisional", working_days=5,
                                              now=MONDAY)
    reruns = [compute_call(db, admins[0], call).id for _ in range(2)]
    db.commit()
    outcomes = _publish_at_once(app, db, call, admins, reruns, "final", AFTER)
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    loser = next(o for o in outcomes if o != "ok")
    db.expire_all()
    finals = list(db.scalars(select(Run).where(Run.call_id == call.id, Run.published == "final")))
    assert len(finals) == 1 and finals[0].replaces_id == provisional.id
    assert loser.startswith("最终结果已由 管理员 于 ") and loser.endswith(f"发布（第 {finals[0].number} 次计算）"), loser
    assert entries(db, "run.publish") == 2 and entries(db, "call.finalise") == 1
    assert db.get(Call, call.id).status == "final"
