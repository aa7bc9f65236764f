"""The public face: notices (通知公告) written, published and withdrawn by administrators, audited;
the application guide (申报指南); the host's details from the configuration; the open calls with
their deadlines on the home page; the formal publicity notice and the objections handled."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.notices.models import Notice
from tests.factories import make_admin, make_call

SAMPLE = Path(__file__).parent.parent / "data" / "sample"


@pytest.fixture
def admin(db, auth):
    user = make_admin(db, "boss@example.org")
    db.commit()
    auth.login(user.email)
    return user


def _actions(db) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).where(AuditEntry.object_type.in_(("notice", "site_page")))
                           .order_by(AuditEntry.id)))


def test_a_notice_is_written_published_and_withdrawn_with_each_step_audited(client, db, admin):
    r = client.post("/admin/notices/new", data={"title": " ", "body": "x"})
    assert r.status_code == 422 and 'id="notice-problems"' in r.get_data(as_text=True)
    assert "请填写标题" in r.get_data(as_text=True) and db.scalar(select(Notice)) is None
    client.post("/admin/notices/new", data={"title": "关于 2027 年大赛的通知", "body": "第一段\n\n第二段"})
    notice = db.scalar(select(Notice))
    assert notice.published_at is None
    assert "关于 2027 年大赛的通知" not in client.get("/").get_data(as_text=True)  # a draft is not public
    client.post(f"/admin/notices/{notice.id}/publish")
    home = client.get("/").get_data(as_text=True)
    assert f'href="/notices/{notice.id}">关于 2027 年大赛的通知</a>' in home
    client.post(f"/admin/notices/{notice.id}/edit", data={"title": "关于 2027 年大赛的补充通知", "body": "改"})
    client.post(f"/admin/notices/{notice.id}/unpublish")
    client.get("/admin/notices")  # shows the flashed message
    assert "补充通知" not in client.get("/").get_data(as_text=True)
    assert _actions(db) == ["notice.create", "notice.publish", "notice.update", "notice.unpublish"]
    r = client.post(f"/admin/notices/{notice.id}/unpublish")  # already withdrawn: said, nothing changed
    assert "这条通知尚未发布" in client.get(r.location).get_data(as_text=True)
    assert _actions(db)[-1] == "notice.unpublish" and len(_actions(db)) == 4


def test_unpublished_notices_are_not_found_and_admin_pages_are_for_administrators(client, db, auth, make_user):
    notice = Notice(title="草稿", body="")
    db.add(notice)
    db.commit()
    assert client.get(f"/notices/{notice.id}").status_code == 404
    make_user("m@example.org")
    auth.login("m@example.org")
    assert client.get("/admin/notices").status_code == 403
    assert client.post(f"/admin/notices/{notice.id}/publish").status_code == 403
    assert client.get("/admin/guide").status_code == 403


def test_the_guide_is_edited_by_administrators_and_shown_to_everyone(client, db, auth, admin):
    assert "申报指南正在编写中" in client.get("/guide").get_data(as_text=True)
    r = client.post("/admin/guide", data={"title": "2027 年申报指南", "body": "一、申报条件\n二、材料"})
    assert r.location.endswith("/guide")
    auth.logout()
    page = client.get("/guide").get_data(as_text=True)
    assert "<h1>2027 年申报指南</h1>" in page and "一、申报条件" in page
    assert _actions(db) == ["page.update"]


def test_home_shows_open_calls_with_deadlines_and_the_host_from_configuration(app, client, db):
    app.config.update(HOST_NAME="深圳市民政局", HOST_PHONE="0755-12345678", HOST_ADDRESS="深圳市福田区福中路")
    admin = make_admin(db)
    make_call(db, admin, slug="open-one")
    db.commit()
    home = client.get("/").get_data(as_text=True)
    section = home[home.index('id="open-calls"'):home.index('id="calls"') if 'id="calls"' in home else None]
    assert "测试征集" in section and "申报截止：北京时间" in section
    host = home[home.index('id="host"'):]
    assert "深圳市民政局" in host and "0755-12345678" in host and "深圳市福田区福中路" in host
    assert "主办单位：深圳市民政局" in home  # the footer


def _publish_sample(client, runner, make_user, auth):
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    admin = make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    client.post("/admin/calls/sz-2026/transition", data={"transition": "finish_review"})
    client.post("/admin/calls/sz-2026/publication/publish", data={"kind": "provisional", "run": "1"})
    return admin


def test_provisional_results_carry_a_formal_publicity_notice(app, client, runner, make_user, auth):
    app.config.update(HOST_NAME="深圳市民政局", HOST_PHONE="0755-12345678", HOST_ADDRESS="深圳市福田区福中路")
    _publish_sample(client, runner, make_user, auth)
    auth.logout()
    page = client.get("/results/sz-2026").get_data(as_text=True)
    notice = page[page.index('id="publicity"'):page.index("</article>", page.index('id="publicity"'))]
    assert "公示公告" in notice and "深圳市民政局现将评审和配套资金的计算结果（第 1 次计算）予以公示" in notice
    assert "<dt>发布单位</dt><dd>深圳市民政局</dd>" in notice
    assert "起至" in notice and "24:00 止（北京时间）" in notice
    assert "提出异议" in notice and "地址 深圳市福田区福中路 · 电话 0755-12345678" in notice


def test_final_results_summarise_the_objections_handled(client, db, runner, make_user, auth):
    from datetime import timedelta

    from gongyi.clock import utcnow
    from gongyi.results.models import Objection, Run
    from gongyi.submissions.models import Submission

    admin = _publish_sample(client, runner, make_user, auth)
    run = db.scalar(select(Run).where(Run.number == 1))
    sub = {s.ref: s for s in db.scalars(select(Submission))}
    for ref, status in (("C", "upheld"), ("D", "dismissed"), ("G", "dismissed")):
        db.add(Objection(run_id=run.id, submission_id=sub[ref].id, organisation_id=sub["E"].organisation_id,
                         filed_by_id=admin.id, real_name="王芳", contact="138", reason="理由",
                         status=status, answer="答复", answered_at=utcnow()))
    run.publicity_until = utcnow() - timedelta(minutes=1)
    db.commit()
    client.post("/admin/calls/sz-2026/publication/recompute", data={"note": "复核"})
    client.post("/admin/calls/sz-2026/publication/publish", data={"kind": "final", "run": "2"})
    page = client.get("/results/sz-2026").get_data(as_text=True)
    section = page[page.index('id="objections-handled"'):]
    assert "公示期内共收到异议 3 件：成立 1 件（已更正数据并重新计算），不成立 2 件。" in section
    assert "<code>C</code>" in section and 'id="publicity"' not in page
