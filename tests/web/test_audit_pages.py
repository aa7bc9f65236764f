"""The administrator's audit trail: filters by object, actor, action and period, pages, exports;
and an object's own page shows its history."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.factories import make_admin, make_org


def _arrange(db):
    admin = make_admin(db, "boss@example.org")
    _, org = make_org(db, admin, name="莲花长者服务中心")
    _, other = make_org(db, admin, name="南山青少年中心", verified=False)
    db.commit()
    return admin, org, other


def test_only_administrators_see_the_trail(client, auth, db, make_user):
    _arrange(db)
    assert client.get("/admin/audit/").status_code == 302
    make_user("m@example.org")
    auth.login("m@example.org")
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_filters_pages_and_exports(client, auth, db):
    admin, org, other = _arrange(db)
    auth.login("boss@example.org")
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "<small>organisation.verify</small>" in page and "<small>organisation.register</small>" in page
    page = client.get(f"/admin/audit/?object_type=organisation&object_id={other.id}").get_data(as_text=True)
    assert "<small>organisation.register</small>" in page and "<small>organisation.verify</small>" not in page
    page = client.get("/admin/audit/?action=organisation.verify").get_data(as_text=True)
    assert "<small>organisation.verify</small>" in page and "<small>organisation.register</small>" not in page
    assert "<small>user.create</small>" not in client.get("/admin/audit/?action=organisation.").get_data(as_text=True)
    assert "没有符合条件的记录" in client.get("/admin/audit/?actor=nobody%25").get_data(as_text=True)
    assert "没有符合条件的记录" in client.get("/admin/audit/?since=2000-01-01&until=2000-01-02").get_data(as_text=True)
    r = client.get("/admin/audit/?since=not-a-date")
    assert r.status_code == 200

    csv = client.get(f"/admin/audit/export.csv?object_type=organisation&object_id={org.id}").get_data(as_text=True)
    lines = csv.strip().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("id,at,actor") and len(lines) == 3  # register, verify
    assert "boss@example.org" in csv
    book = load_workbook(io.BytesIO(client.get("/admin/audit/export.xlsx?action=organisation.verify").data))
    rows = list(book.active.values)
    assert rows[0][0] == "id" and {r[4] for r in rows[1:]} == {"organisation.verify"}
    assert client.get("/admin/audit/export.pdf").status_code == 404


def test_an_organisations_page_shows_its_history(client, auth, db):
    admin, org, _ = _arrange(db)
    auth.login("boss@example.org")
    page = client.get(f"/admin/orgs/{org.id}").get_data(as_text=True)
    assert "操作记录" in page and "组织认证通过" in page and "在操作日志中查看" in page


def _statements(app, client, url: str) -> tuple[int, str]:
    from tests.conftest import StatementRecorder

    assert client.get(url).status_code == 200
    with StatementRecorder(app.extensions["gongyi.engine"]) as recorder:
        response = client.get(url)
    assert response.status_code == 200
    return len(recorder), response.get_data(as_text=True)


def test_a_run_an_objection_and_a_reviewer_show_their_own_history(app, client, auth, db, runner):
    """The results page of a run, the objection's page and the reviewer's account page each show the
    object's history, in a fixed number of statements however long it is."""
    from datetime import datetime, timedelta, timezone
    from pathlib import Path

    from sqlalchemy import select

    from gongyi.audit.service import record
    from gongyi.calls.models import Call
    from gongyi.calls.service import transition_call
    from gongyi.results import publication
    from gongyi.results.models import RunRow
    from gongyi.results.service import compute_call
    from gongyi.review.service import update_reviewer
    from tests.db.test_publication import member_of
    from tests.factories import make_reviewer

    assert runner.invoke(args=["calls", "import", str(Path(__file__).parent.parent / "data" / "sample")]).exit_code == 0
    db.rollback()
    admin = make_admin(db, "boss@example.org")
    call = db.scalar(select(Call).where(Call.slug == "sz-2026"))
    reviewer = make_reviewer(db, admin, name="甲专家")
    now = datetime.now(timezone(timedelta(hours=8)))
    with app.test_request_context():
        run = compute_call(db, admin, call)
        transition_call(db, admin, call, "finish_review")
        publication.publish_results(db, admin, run, "provisional", working_days=5, now=now)
        member = member_of(db, "深圳市长者关爱协会", "m@example.org")
        row = db.scalar(select(RunRow).where(RunRow.run_id == run.id, RunRow.ref == "B"))
        objection = publication.file_objection(db, member, row, real_name="李四", contact="138", reason="捐赠未到账",
                                               max_bytes=2**20, now=now)
        publication.answer_objection(db, admin, objection, "dismissed", "捐赠已到账，有银行回单")
        update_reviewer(db, admin, reviewer, name="乙专家", affiliation_id=None, expertise=[], max_reviews=12)
        db.commit()
    auth.login("boss@example.org")
    urls = {run: f"/admin/calls/sz-2026/results?run={run.number}", objection: f"/admin/objections/{objection.id}",
            reviewer: f"/admin/reviewers/{reviewer.id}"}
    pages = {}
    for obj, url in urls.items():
        count, pages[obj] = _statements(app, client, url)
        assert "操作记录" in pages[obj] and "在操作日志中查看" in pages[obj], url
        for i in range(5):  # a longer history: the same statements
            record(db, admin, "reviewer.update", obj, reason=f"补记 {i}")
        db.commit()
        longer, page = _statements(app, client, url)
        assert longer == count and page.count("补记 ") == 5, (url, count, longer)
    assert "第 1 次计算的操作记录" in pages[run] and "公示结果（暂定）" in pages[run] and "计算结果" in pages[run]
    assert "答复：捐赠已到账，有银行回单" in pages[objection] and "提出异议" in pages[objection]
    assert "修改评审专家信息" in pages[reviewer]


def test_the_demos_objections_show_their_history(client, auth, db, runner):
    """Both kinds of objection in the demo edition (to a result, to an evaluation): filed and answered."""
    from sqlalchemy import select

    from gongyi.results.models import Objection

    assert runner.invoke(args=["demo"]).exit_code == 0
    db.rollback()
    auth.login("admin@demo.gongyi.cn", "gongyi-demo")
    objections = db.scalars(select(Objection)).all()
    assert {o.run_id is None for o in objections} == {True, False}
    for o in objections:
        url = f"/admin/{'evaluation-objections' if o.run_id is None else 'objections'}/{o.id}"
        page = client.get(url).get_data(as_text=True)
        assert "在操作日志中查看" in page and "提出异议" in page, url
