"""Tranche releases decided once under concurrency, with real PostgreSQL connections: two
administrators releasing the same tranche at the same instant, and a release racing a payment on
the pools page for more than is left of the allocation."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from gongyi.auth.models import User
from gongyi.errors import UserError
from gongyi.execution import evaluations, tranches
from gongyi.execution.models import ExecutionRecord, Tranche
from gongyi.funding.models import Disbursement
from gongyi.funding.service import record_disbursement
from gongyi.calls.models import Call
from gongyi.results.models import Run
from tests.db.execution_world import CST, finalise, import_sample, record_for, signed
from tests.factories import make_admin


@pytest.fixture
def world(app, runner, db):
    if app.extensions["gongyi.engine"].dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every writer")
    admin = make_admin(db)
    db.commit()
    call = import_sample(app, runner, db, admin)
    with app.test_request_context():
        finalise(db, admin, call)
        rec = record_for(db, call, "A")
        signed(db, admin, rec)
        db.commit()
    return app, admin.id, call.id, rec.id


def _race(app, *jobs):
    """Run each job(session) in its own thread and connection, all started at one barrier;
    returns what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, job):
        session = app.extensions["gongyi.sessionmaker"]()
        try:
            barrier.wait()
            outcomes[index] = job(session)
            session.commit()
        except UserError as exc:
            session.rollback()
            outcomes[index] = exc
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _paid(db, rec_id) -> int:
    rec = db.get(ExecutionRecord, rec_id)
    return int(db.scalar(select(func.coalesce(func.sum(Disbursement.amount_fen), 0))
                         .where(Disbursement.submission_id == rec.submission_id)))


def test_the_same_tranche_released_twice_at_once_is_paid_once(world, db):
    app, admin_id, _call_id, rec_id = world

    def release(session):
        rec = session.get(ExecutionRecord, rec_id)
        return tranches.release_tranche(session, session.get(User, admin_id), rec.tranches[0],
                                        paid_on="2026-06-10", reference="P-1").id

    outcomes = _race(app, release, release)
    errors = [o for o in outcomes if isinstance(o, UserError)]
    assert len(errors) == 1 and "已经拨付" in str(errors[0]), outcomes
    db.rollback()
    assert _paid(db, rec_id) == 2_500_000
    assert db.scalar(select(func.count()).select_from(Tranche).where(
        Tranche.execution_id == rec_id, Tranche.status == "released")) == 1


def test_a_release_and_a_pools_page_payment_never_exceed_the_allocation_together(world, db):
    app, admin_id, call_id, rec_id = world

    with app.test_request_context():
        admin = db.get(User, admin_id)
        rec = db.get(ExecutionRecord, rec_id)
        tranches.release_tranche(db, admin, rec.tranches[0], paid_on="2026-06-10", reference="P-1")  # 25,000 of 50,000
        evaluator = evaluations.create_evaluator(db, admin, email="e@example.org", name="评估", password="password123",
                                                 affiliation_id=None)
        evaluations.assign_evaluator(db, admin, rec, evaluator)
        ev = evaluations.save_evaluation(db, evaluator, rec, "midterm", comment="好", submit=True,
                                         scores={"plan": "25", "results": "30", "money": "15", "disclosure": "8"})
        evaluations.publish_evaluation(db, admin, ev, working_days=5, now=datetime(2026, 7, 1, 10, tzinfo=CST))
        evaluations.confirm_evaluation(db, admin, ev, now=datetime(2026, 7, 20, tzinfo=CST))
        db.commit()

    def release(session):  # 15,000.00
        rec = session.get(ExecutionRecord, rec_id)
        return tranches.release_tranche(session, session.get(User, admin_id), rec.tranches[1], paid_on="2026-07-21",
                                        reference="P-2").amount_fen

    def pay_by_hand(session):  # 20,000.00: with the release, 35,000 > the 25,000 left
        call = session.get(Call, call_id)
        run = session.get(Run, session.get(ExecutionRecord, rec_id).run_id)
        return record_disbursement(session, session.get(User, admin_id), call, run, pool="matching", ref="A",
                                   amount="20000", paid_on="2026-07-21", reference="手工").amount_fen

    outcomes = _race(app, release, pay_by_hand)
    assert sum(isinstance(o, UserError) for o in outcomes) == 1, outcomes
    db.rollback()
    paid = _paid(db, rec_id)
    assert paid in (2_500_000 + 1_500_000, 2_500_000 + 2_000_000) and paid <= 5_000_000
