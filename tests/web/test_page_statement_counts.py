"""Pages that list rows run a fixed number of SQL statements, however many rows there are: the
administrators' call list, the organisation's dashboard and the page managing one submission's
reviewers. Each test renders a page, adds rows, and renders it again."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gongyi.calls.service import add_late_entry, update_call
from gongyi.review import service as review
from tests.conftest import StatementRecorder
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

ADMIN = "boss@example.org"
RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 50}, {"code": "plan", "name": "方案", "max": 50}],
                    "reviewers_per_submission": 8}}


def statements(app, client, url: str) -> int:
    """How many statements rendering `url` runs (after a first request has warmed up login and caches)."""
    assert client.get(url).status_code == 200
    with StatementRecorder(app.extensions["gongyi.engine"]) as recorder:
        assert client.get(url).status_code == 200
    return len(recorder)


def test_admin_call_list(app, client, auth, db):
    admin = make_admin(db, ADMIN)
    call = make_call(db, admin, status="open")
    db.commit()
    auth.login(ADMIN)
    one = statements(app, client, "/admin/calls")
    for i in range(4):
        other = make_call(db, admin, status="open")
        update_call(db, admin, other, rules={"matching": {"pool": str(100_000 + i)}}, reason="追加资金")
    make_call(db, admin, status="draft")
    update_call(db, admin, call, rules={"matching": {"pool": "300000"}}, reason="追加资金")
    db.commit()
    assert statements(app, client, "/admin/calls") == one
    assert ">2</td>" in client.get("/admin/calls").get_data(as_text=True)  # the latest rules version is shown


def test_organisation_dashboard(app, client, auth, db):
    admin = make_admin(db)
    member, org = make_org(db, admin, email="m@example.org")
    now = datetime.now(timezone.utc)

    def add_calls():
        """An open call with a draft, and a closed call with a submitted project and the organisation
        on its late list (so both the dashboard rows and the open calls consult the late list)."""
        open_call = make_call(db, admin, status="open")
        make_submission(db, open_call, org, status="draft")
        closed = make_call(db, admin, status="closed", closes_at=now - timedelta(hours=1),
                           opens_at=now - timedelta(days=3))
        make_submission(db, closed, org)
        add_late_entry(db, admin, closed, org.id, "系统故障", until=now + timedelta(days=1))
        db.commit()

    add_calls()
    auth.login("m@example.org")
    one = statements(app, client, "/my/submissions")
    for _ in range(3):
        add_calls()
    assert statements(app, client, "/my/submissions") == one
    page = client.get("/my/submissions").get_data(as_text=True)
    assert page.count("开始申报") == 8 and page.count(">修改</a>") == 4  # late list applies to calls and rows


def test_submission_reviewers_page(app, client, auth, db):
    admin = make_admin(db, ADMIN)
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin)
    submission = make_submission(db, call, org, eligibility="eligible")
    db.commit()

    def add_reviewers(n: int):
        """n more reviewers: one affiliated with the organisation, the others assigned and scoring."""
        make_reviewer(db, admin, affiliation=org)
        for _ in range(n - 1):
            reviewer = make_reviewer(db, admin, expertise=["01"])
            assignment = review.add_reviewer(db, admin, submission, reviewer)
            review.save_review(db, reviewer, assignment, scores={"need": "30", "plan": "40"}, comments={},
                               overall_comment="", submit=True)
        make_reviewer(db, admin)  # in the pool, not assigned
        db.commit()

    add_reviewers(2)
    auth.login(ADMIN)
    url = f"/admin/review/submissions/{submission.id}"
    one = statements(app, client, url)
    add_reviewers(4)
    assert statements(app, client, url) == one
    page = client.get(url).get_data(as_text=True)
    assert page.count("自动回避") == 2 and page.count(">70.00</td>") == 4
