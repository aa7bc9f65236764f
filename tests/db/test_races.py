"""Decisions taken once, under real concurrent connections (PostgreSQL): each thread has its
own session and connection, reads the state, waits at a barrier, then decides and commits.

Without the row locks every thread would pass its checks on the state it read and decide
again; with them the first commits and the others wait, reread and are refused with a message
naming who decided and when. No duplicate row, no duplicate audit entry, no lost update.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from gongyi.audit.models import AuditEntry
from gongyi.calls.models import Call
from gongyi.calls.service import amend_rules, transition_call
from gongyi.errors import UserError
from gongyi.results import publication
from gongyi.results.models import Run
from gongyi.results.service import compute_call
from gongyi.review import service as review_service
from gongyi.review.models import Review, ReviewVersion
from gongyi.submissions import screening
from gongyi.submissions import service as submissions
from gongyi.submissions.models import FundingLine, Submission
from gongyi.auth.models import User
from tests.db.test_submissions_service import COMPLETE
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

pytestmark = pytest.mark.skipif(not os.environ.get("GONGYI_TEST_DATABASE_URL"), reason="needs PostgreSQL")
POSTGRES = pytest.mark.parametrize("app", ["postgresql"], indirect=True)
SAMPLE = Path(__file__).parent.parent / "data" / "sample"


def race(app, n: int, act: Callable[[Any, int], Any]) -> list[str]:
    """Run `act(session, i)` in n threads at once, each committing; "ok" or each loser's message."""
    barrier = threading.Barrier(n, timeout=30)
    outcomes: list[str] = [""] * n

    def worker(i: int) -> None:
        session = app.extensions["gongyi.sessionmaker"]()
        try:
            with app.test_request_context():
                decide = act(session, i)  # reads the state (its checks would pass now)
                barrier.wait()
                try:
                    decide()
                    session.commit()
                    outcomes[i] = "ok"
                except UserError as exc:
                    session.rollback()
                    outcomes[i] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a crash is an outcome the test reports
            outcomes[i] = f"crash: {exc!r}"
        finally:
            session.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def entries(db, action: str, obj=None) -> int:
    stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    if obj is not None:
        stmt = stmt.where(AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id))
    return db.scalar(stmt)


@pytest.fixture
def results_call(runner, db):
    """The sample call computed twice (two publishable runs), in "results"; two administrators."""
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "sz-2026"))
    admins = [make_admin(db, f"publisher{i}@example.org") for i in range(2)]
    compute_call(db, admins[0], call)
    compute_call(db, admins[0], call)
    transition_call(db, admins[0], call, "finish_review")
    db.commit()
    return call, admins


@POSTGRES
def test_two_administrators_publishing_at_once_publish_once(app, db, results_call):
    call, admins = results_call
    runs = db.scalars(select(Run.id).where(Run.call_id == call.id).order_by(Run.number)).all()
    assert len(runs) >= 2

    def act(session, i):
        admin, run = session.get(User, admins[i].id), session.get(Run, runs[-1 - i])  # each its own run
        session.get(Call, call.id).status  # read the state before the barrier
        return lambda: publication.publish_results(session, admin, run, "provisional", working_days=5)

    outcomes = race(app, 2, act)
    db.expire_all()
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert "已由 管理员 于" in loser and "发布" in loser, loser
    assert db.scalar(select(func.count()).select_from(Run).where(Run.call_id == call.id, Run.published.is_not(None))) == 1
    assert entries(db, "run.publish") == 1 and entries(db, "call.publish_provisional") == 1


@POSTGRES
def test_publishing_the_same_run_twice_at_once(app, db, results_call):
    call, admins = results_call
    run_id = db.scalar(select(Run.id).where(Run.call_id == call.id).order_by(Run.number.desc()).limit(1))

    def act(session, i):
        admin, run = session.get(User, admins[i].id), session.get(Run, run_id)
        return lambda: publication.publish_results(session, admin, run, "provisional", working_days=5)

    outcomes = race(app, 2, act)
    assert outcomes.count("ok") == 1, outcomes
    assert entries(db, "run.publish") == 1 and entries(db, "call.publish_provisional") == 1


def _complete_draft(db):
    """A member's complete draft, committed: (member, draft)."""
    admin = make_admin(db)
    call = make_call(db, admin, rules={"entry": {"max_per_org": 2, "min_items": 2, "max_items": 3}})
    member, _org = make_org(db, admin)
    draft = submissions.create_submission(db, member, call, **COMPLETE)
    db.commit()
    return member, draft


def _submitted_once(db, outcomes, draft) -> Submission:
    assert outcomes.count("ok") == 1, outcomes
    assert all("该项目已由" in o and "提交" in o for o in outcomes if o != "ok"), outcomes
    db.expire_all()
    stored = db.get(Submission, draft.id)
    assert stored.status == "submitted" and entries(db, "submission.submit", draft) == 1
    return stored


@POSTGRES
def test_eight_submits_of_one_project_submit_it_once(app, db):
    member, draft = _complete_draft(db)

    def act(session, i):
        actor, submission = session.get(User, member.id), session.get(Submission, draft.id)
        assert submission.status == "draft"
        return lambda: submissions.submit_project(session, actor, submission)

    _submitted_once(db, race(app, 8, act), draft)


@POSTGRES
def test_eight_clicks_on_the_forms_submit_submit_once_and_never_deadlock(app, db):
    """The form's submit saves under submit's locks, taken first (the organisation, then the
    project): each click waits for the one before, saves its values as an edit of the submitted
    project, and is told who submitted it."""
    member, draft = _complete_draft(db)

    def act(session, i):
        actor, submission = session.get(User, member.id), session.get(Submission, draft.id)

        def decide():
            _problems, refused = submissions.save_and_submit(session, actor, submission, {"team": f"社工 {i + 1} 名"})
            if refused is not None:
                session.commit()  # as the form does: the save stands
                raise refused
        return decide

    stored = _submitted_once(db, race(app, 8, act), draft)
    assert stored.team.startswith("社工 ")
    assert entries(db, "submission.save", draft) == 1 and entries(db, "submission.edit", draft) == 7


@POSTGRES
def test_a_submit_waiting_for_an_autosave_checks_what_the_autosave_stored(app, db):
    """An autosave in another tab takes the project's row first and cuts the order below the
    call's minimum; the submit waits for it, then checks the order as stored, and refuses."""
    member, draft = _complete_draft(db)
    saved, outcome = threading.Event(), {}

    def autosave():
        with app.test_request_context():
            session = app.extensions["gongyi.sessionmaker"]()
            try:
                submission = submissions.load_submission(session, draft.id)
                submissions.save_draft(session, session.get(User, member.id), submission,
                                       {"items": {"02.01": "独居长者缺少照看"}})
                saved.set()
                time.sleep(1.0)  # the submit starts meanwhile and waits for the row
                session.commit()
            finally:
                session.close()

    def submit():
        with app.test_request_context():
            session = app.extensions["gongyi.sessionmaker"]()
            try:
                submission = submissions.load_submission(session, draft.id)
                assert saved.wait(10)
                outcome["refused"] = submissions.save_and_submit(session, session.get(User, member.id), submission,
                                                                 {"title": "长者食堂（二期）"})[1]
                session.commit()
            finally:
                session.close()

    threads = [threading.Thread(target=autosave), threading.Thread(target=submit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome["refused"] is not None and "至少选择 2 个" in outcome["refused"].translated(), outcome
    db.expire_all()
    stored = db.get(Submission, draft.id)
    assert stored.status == "draft" and [i.item_code for i in stored.items] == ["02.01"]
    assert stored.title == "长者食堂（二期）"  # the submit's save stands


@POSTGRES
def test_two_projects_submitted_at_once_keep_the_limit_per_organisation(app, db):
    admin = make_admin(db)
    call = make_call(db, admin, rules={"entry": {"max_per_org": 2, "min_items": 2, "max_items": 3}})
    member, org = make_org(db, admin)
    drafts = [submissions.create_submission(db, member, call, **COMPLETE) for _ in range(2)]
    amend_rules(db, admin, call, {**call.rules, "entry": {**call.rules["entry"], "max_per_org": 1}}, "名额调整")
    db.commit()

    def act(session, i):
        actor, submission = session.get(User, member.id), session.get(Submission, drafts[i].id)
        return lambda: submissions.submit_project(session, actor, submission)

    outcomes = race(app, 2, act)
    assert outcomes.count("ok") == 1, outcomes
    assert "最多申报 1 个项目" in next(o for o in outcomes if o != "ok")
    assert entries(db, "submission.submit") == 1


def _line(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="closed")
    _, org = make_org(db, admin)
    submission = make_submission(db, call, org, funds=[("enterprise", "甲公司", 500_000, "pending")])
    admins = [make_admin(db, f"checker{i}@example.org") for i in range(8)]
    db.commit()
    return submission.funding_lines[0], admins


@POSTGRES
def test_eight_verifications_of_one_funding_line_verify_it_once(app, db):
    line, admins = _line(db)

    def act(session, i):
        actor, target = session.get(User, admins[i].id), session.get(FundingLine, line.id)
        assert target.status == "pending" and target.submission.status == "submitted"
        return lambda: screening.verify_funding_line(session, actor, target)

    outcomes = race(app, 8, act)
    assert outcomes.count("ok") == 1, outcomes
    assert all("这笔资金已由 管理员 于" in o for o in outcomes if o != "ok"), outcomes
    assert entries(db, "funding_line.verify", line) == 1


@POSTGRES
def test_verify_and_reject_at_once_leave_the_line_as_its_last_audit_entry_says(app, db):
    line, admins = _line(db)

    def act(session, i):
        actor, target = session.get(User, admins[i].id), session.get(FundingLine, line.id)
        target.submission.status
        if i == 0:
            return lambda: screening.verify_funding_line(session, actor, target)
        return lambda: screening.reject_funding_line(session, actor, target, "凭证不符")

    outcomes = race(app, 2, act)
    assert "crash" not in "".join(outcomes), outcomes
    db.expire_all()
    stored = db.get(FundingLine, line.id)
    trail = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "funding_line",
                                                AuditEntry.object_id == str(line.id)).order_by(AuditEntry.id)).all()
    assert len(trail) == outcomes.count("ok")
    assert trail[-1].action == f"funding_line.{'verify' if stored.status == 'verified' else 'reject'}"
    status_after = {"funding_line.verify": "verified", "funding_line.reject": "rejected"}
    assert status_after[trail[-1].action] == stored.status
    # each decision read the state the one before it left: no lost update
    assert [e.detail["previous"] for e in trail] == ["pending"] + [status_after[e.action] for e in trail[:-1]]


@POSTGRES
def test_a_reviewers_double_submit_submits_once(app, db):
    admin = make_admin(db)
    rules = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 20}, {"code": "plan", "name": "方案", "max": 30}],
                        "reviewers_per_submission": 1}}
    call = make_call(db, admin, status="reviewing", rules=rules)
    _, org = make_org(db, admin)
    submission = make_submission(db, call, org, eligibility="eligible")
    reviewer = make_reviewer(db, admin)
    review = review_service.add_reviewer(db, admin, submission, reviewer)
    db.commit()

    def act(session, i):
        actor, target = session.get(User, reviewer.id), session.get(Review, review.id)
        assert target.status != "submitted"
        return lambda: review_service.save_review(session, actor, target, scores={"need": "18", "plan": "27"},
                                                  comments={}, overall_comment="", submit=True)

    outcomes = race(app, 2, act)
    assert outcomes.count("ok") == 1, outcomes
    assert "评审已提交" in next(o for o in outcomes if o != "ok")
    assert db.scalar(select(func.count()).select_from(ReviewVersion).where(ReviewVersion.review_id == review.id)) == 1
    assert entries(db, "review.submit", review) == 1

