"""Each role's workspace: after signing in people land on it, each count links to its page, and
the counts (in the navigation too) cost the same statements however many rows there are."""
from __future__ import annotations

import re
from datetime import date

from gongyi.funding.models import Disbursement
from gongyi.results.models import Objection
from gongyi.review import service as review
from tests.factories import make_admin, make_call, make_org, make_published_result, make_reviewer, make_submission

RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 100}], "reviewers_per_submission": 8}}


def _count(page: str, key: str) -> int:
    """The count shown beside a task's link on the workspace."""
    match = re.search(rf'data-task="{key}">[^<]*</a>\s*<strong class="count">(\d+)</strong>', page)
    assert match, key
    return int(match.group(1))


def _statements(statements, client, url: str) -> int:
    """How many statements rendering `url` runs, once a first request has warmed up login and caches."""
    assert client.get(url).status_code == 200
    with statements:
        assert client.get(url).status_code == 200
    return len(statements)


def _objection(db, submission, member):
    run = make_published_result(db, submission, published="provisional")
    db.add(Objection(run_id=run.id, submission_id=submission.id, organisation_id=submission.organisation_id,
                     filed_by_id=member.id, real_name="张三", contact="13800000000", reason="分数有误"))
    db.flush()


def _admin_world(db, admin, reviewer):
    """One of each thing an administrator has to do: an organisation to verify, a project to screen
    with funds to verify, a review outstanding and an objection to answer."""
    make_org(db, admin, verified=False)
    member, org = make_org(db, admin)
    open_call = make_call(db, admin, status="open")
    make_submission(db, open_call, org, funds=[("enterprise", "甲公司", 100_00, "pending")])
    reviewing = make_call(db, admin, status="reviewing", rules=RULES)
    scored = make_submission(db, reviewing, org, eligibility="eligible")
    review.add_reviewer(db, admin, scored, reviewer)
    _objection(db, scored, member)
    db.commit()


def test_each_role_lands_on_its_workspace(client, auth, db):
    admin = make_admin(db, "boss@example.org")
    make_org(db, admin, email="m@example.org")
    make_reviewer(db, admin, email="r@example.org")
    db.commit()
    for email in ("boss@example.org", "m@example.org", "r@example.org"):
        response = auth.login(email)
        assert response.status_code == 302 and response.headers["Location"].endswith("/workspace")
        assert client.get("/workspace").status_code == 200
        auth.logout()


def test_workspace_needs_signing_in(client):
    response = client.get("/workspace")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_administrator_counts_and_links(app, client, auth, db):
    admin = make_admin(db, "boss@example.org")
    reviewer = make_reviewer(db, admin)
    db.commit()
    auth.login("boss@example.org")
    page = client.get("/workspace").get_data(as_text=True)
    assert all(_count(page, key) == 0 for key in ("orgs_to_verify", "entries_to_screen", "funds_to_verify",
                                                  "reviews_outstanding", "objections_to_answer"))
    _admin_world(db, admin, reviewer)
    page = client.get("/workspace").get_data(as_text=True)
    assert {key: _count(page, key) for key in ("orgs_to_verify", "entries_to_screen", "funds_to_verify",
                                               "reviews_outstanding", "objections_to_answer")} == {
        "orgs_to_verify": 1, "entries_to_screen": 1, "funds_to_verify": 1, "reviews_outstanding": 1,
        "objections_to_answer": 1}
    assert 'href="/admin/orgs?status=pending" data-task="orgs_to_verify"' in page
    assert 'href="/admin/submissions/?eligibility=pending" data-task="entries_to_screen"' in page
    assert "答复最早的一件" in page and "0 / 0" not in page and "1 / 1" in page  # per call
    assert '<span class="count-badge" aria-hidden="true">5</span><span class="visually-hidden">5 项待办</span>' in page


def test_administrator_workspace_statements_do_not_grow(statements, client, auth, db):
    admin = make_admin(db, "boss@example.org")
    reviewer = make_reviewer(db, admin)
    _admin_world(db, admin, reviewer)
    auth.login("boss@example.org")
    one, listing = _statements(statements, client, "/workspace"), _statements(statements, client, "/admin/orgs")
    for _ in range(3):
        _admin_world(db, admin, make_reviewer(db, admin))
    assert _statements(statements, client, "/workspace") == one
    assert _statements(statements, client, "/admin/orgs") == listing  # the navigation's counts on every page


def test_reviewer_finds_the_next_review_in_one_click(client, auth, db):
    admin = make_admin(db)
    reviewer = make_reviewer(db, admin, email="r@example.org")
    _, org = make_org(db, admin)
    call = make_call(db, admin, status="reviewing", rules=RULES)
    first, second = (make_submission(db, call, org, eligibility="eligible") for _ in range(2))
    reviews = [review.add_reviewer(db, admin, s, reviewer) for s in (first, second)]
    review.save_review(db, reviewer, reviews[0], scores={"need": "80"}, comments={}, overall_comment="", submit=True)
    db.commit()
    auth.login("r@example.org")
    page = client.get("/workspace").get_data(as_text=True)
    assert _count(page, "my_reviews") == 1 and "1 / 2" in page
    assert f'href="/review/{reviews[1].id}" role="button" data-task="next_review"' in page
    assert client.get(f"/review/{reviews[1].id}").status_code == 200


def test_reviewer_workspace_statements_do_not_grow(statements, client, auth, db):
    admin = make_admin(db)
    reviewer = make_reviewer(db, admin, email="r@example.org")
    _, org = make_org(db, admin)

    def add_call():
        call = make_call(db, admin, status="reviewing", rules=RULES)
        for _ in range(2):
            review.add_reviewer(db, admin, make_submission(db, call, org, eligibility="eligible"), reviewer)
        db.commit()

    add_call()
    auth.login("r@example.org")
    one = _statements(statements, client, "/workspace")
    add_call()
    add_call()
    assert _statements(statements, client, "/workspace") == one
    assert client.get("/workspace").get_data(as_text=True).count('data-task="next_review"') == 3


def _org_world(db, admin, org, member):
    """A draft, a rejected funds line, an answered objection and a payment."""
    open_call = make_call(db, admin, status="open")
    make_submission(db, open_call, org, status="draft", title="社区长者食堂")
    make_submission(db, open_call, org, funds=[("individual", "李四", 50_00, "rejected")])
    closed = make_call(db, admin, status="closed")
    paid = make_submission(db, closed, org, eligibility="eligible")
    _objection(db, paid, member)
    objection = db.query(Objection).filter_by(submission_id=paid.id).one()
    objection.status, objection.answer = "dismissed", "经复核无误"
    db.add(Disbursement(call_id=closed.id, submission_id=paid.id, pool="matching", amount_fen=1_234_56,
                        paid_on=date(2026, 3, 1), reference="PAY-001"))
    db.commit()


def test_organisation_workspace(client, auth, db):
    admin = make_admin(db)
    member, org = make_org(db, admin, email="m@example.org")
    db.commit()
    auth.login("m@example.org")
    page = client.get("/workspace").get_data(as_text=True)
    assert _count(page, "drafts") == 0 and "没有未提交的草稿" in page
    _org_world(db, admin, org, member)
    other_member, other = make_org(db, admin)
    _org_world(db, admin, other, other_member)  # another organisation's rows are not shown
    page = client.get("/workspace").get_data(as_text=True)
    assert _count(page, "drafts") == 1 and _count(page, "rejected_funds") == 1 and _count(page, "answered_objections") == 1
    assert page.count("社区长者食堂") == 1 and page.count("PAY-001") == 1 and "1,234.56" in page
    assert "凭证不符" in page and "驳回" in page


def test_organisation_workspace_statements_do_not_grow(statements, client, auth, db):
    admin = make_admin(db)
    member, org = make_org(db, admin, email="m@example.org")
    _org_world(db, admin, org, member)
    auth.login("m@example.org")
    one = _statements(statements, client, "/workspace")
    for _ in range(3):
        _org_world(db, admin, org, member)
    assert _statements(statements, client, "/workspace") == one


def test_pending_organisation_is_told_why_it_waits(client, auth, db):
    make_org(db, None, email="m@example.org", verified=False)
    db.commit()
    auth.login("m@example.org")
    assert "组织正在等待管理员认证" in client.get("/workspace").get_data(as_text=True)


def test_someone_without_an_organisation_is_sent_to_register_one(client, auth, make_user):
    make_user("new@example.org")
    auth.login("new@example.org")
    response = client.get("/workspace")
    assert response.status_code == 302 and response.headers["Location"].endswith("/orgs/register")


def _in_execution(db, admin, org, *, report_status: str | None):
    """A funded project in execution with one milestone long past due and, optionally, a report on it."""
    from datetime import date as day

    from gongyi.execution.models import ExecutionRecord, Milestone, ProgressReport

    call = make_call(db, admin, status="closed")
    submission = make_submission(db, call, org, eligibility="eligible")
    run = make_published_result(db, submission, published="final")
    rec = ExecutionRecord(call_id=call.id, submission_id=submission.id, organisation_id=org.id, run_id=run.id,
                          pool="matching", allocated_fen=100_00)
    db.add(rec)
    db.flush()
    milestone = Milestone(execution_id=rec.id, position=1, what="需求调研", due_on=day(2020, 1, 1))
    db.add(milestone)
    db.flush()
    if report_status:
        db.add(ProgressReport(execution_id=rec.id, milestone_id=milestone.id, status=report_status))
    db.commit()
    return call


def test_progress_reports_on_the_workspaces(client, auth, db):
    """Administrators count the reports to review (per call, with milestones overdue); organisations
    the reports overdue and the ones returned to them."""
    admin = make_admin(db, "boss@example.org")
    member, org = make_org(db, admin, email="m@example.org")
    overdue = _in_execution(db, admin, org, report_status=None)
    _in_execution(db, admin, org, report_status="submitted")
    _in_execution(db, admin, org, report_status="returned")
    _, other = make_org(db, admin)
    _in_execution(db, admin, other, report_status=None)  # another organisation's
    auth.login("boss@example.org")
    page = client.get("/workspace").get_data(as_text=True)
    assert _count(page, "reports_to_review") == 1
    assert f'href="/admin/calls/{overdue.slug}/execution"' in page
    auth.logout()
    auth.login("m@example.org")
    page = client.get("/workspace").get_data(as_text=True)
    assert _count(page, "reports_due") == 2 and _count(page, "reports_returned") == 1  # a returned one is not counted


def test_an_evaluator_has_a_workspace_too(client, auth, make_user):
    make_user("e@example.org", roles=("evaluator",))
    auth.login("e@example.org")
    page = client.get("/workspace")
    assert page.status_code == 200 and 'data-task="evaluated_projects"' in page.get_data(as_text=True)


def test_a_persons_own_counts_and_unread_messages_are_one_statement_and_the_city_counts_another(statements, db):
    from gongyi.auth.service import create_user
    from gongyi.workspace.tasks import counts

    admin = make_admin(db)
    reviewer = make_reviewer(db, admin)
    _admin_world(db, admin, reviewer)
    both = create_user(db, None, email="both@example.org", name="两者", password="password123",
                       roles=("admin", "reviewer", "evaluator"))
    member, _ = make_org(db, admin)
    db.commit()
    for user in (admin, both, member):
        with statements:
            result = counts(db, user)
        assert len(statements) == (1 if user is member else 2), user.email  # own counts with the unread; city counts
    assert result.tasks.keys() >= {"drafts", "rejected_funds", "reports_due", "answered_objections"}


def test_own_counts_are_read_on_every_page_and_the_city_counts_kept_for_every_administrator(app, db, statements):
    """A member's counts never wait for an audited change (nor cost a cache entry each), and the
    administrators' city-wide counts are computed once per change of the data for all of them."""
    from sqlalchemy import update

    from gongyi.audit.service import record
    from gongyi.orgs.models import Organisation
    from gongyi.submissions.models import Submission
    from gongyi.workspace.tasks import counts

    admin = make_admin(db)
    other = make_admin(db, "second@example.org")
    member, org = make_org(db, admin)
    draft = make_submission(db, make_call(db, admin, status="open"), org, status="draft")
    db.commit()

    def seen(user):
        with app.test_request_context():
            return counts(db, user).tasks

    assert seen(member)["drafts"] == 1 and seen(admin)["orgs_to_verify"] == 0
    db.execute(update(Submission).where(Submission.id == draft.id).values(status="submitted"))  # no audit entry
    db.execute(update(Organisation).where(Organisation.id == org.id).values(status="pending"))
    db.commit()
    assert seen(member)["drafts"] == 0  # read again: the member's own
    with statements:
        assert seen(other)["orgs_to_verify"] == 0  # kept at the last stamp, for the other administrator too
    assert len(statements) == 2  # the stamp and the own counts with the unread; no city-wide count
    record(db, None, "org.update", org)
    db.commit()
    assert seen(admin)["orgs_to_verify"] == 1  # any audited change is seen at once
