"""What an organisation member does, through the pages: start, order from the menu, fill in the
project over two sittings, autosave, funds raised, attachments, submit, withdraw; deadlines,
permissions per role, isolation between organisations; and, in a real browser, autosave and a
session timeout that loses nothing."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from gongyi.audit.models import AuditEntry
from gongyi.calls.service import add_late_entry
from gongyi.review.models import Review
from gongyi.submissions import service
from gongyi.submissions.models import Attachment, FundingLine, Submission
from tests.factories import PASSWORD, make_admin, make_call, make_org, make_published_result, make_reviewer, make_submission

JSON = {"Accept": "application/json"}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"

PROJECT = {
    "community_name": "莲花北社区", "community_street": "莲花街道", "community_district": "440304",
    "title": "长者食堂与探访", "summary": "为独居长者提供助餐和探访。", "problem": "社区独居长者 320 人。",
    "objectives": "一年内服务 120 名长者。", "activities": "2025年3月 需求评估", "beneficiary_group": "独居长者",
    "beneficiary_count": "120", "team": "社工 3 名",
    "items": ["02.01", "02.02", "02.03"], "need-02.01": "独居长者缺少照看", "need-02.02": "长者用餐困难",
    "need-02.03": "长者缺少社交",
    "budget-0-what": "人员费用", "budget-0-amount": "60000", "budget-1-what": "活动物料", "budget-1-amount": "12000.50",
}


@pytest.fixture
def world(db):
    admin = make_admin(db, "boss@example.org")
    call = make_call(db, admin, slug="shenzhen-2025", rules={"entry": {"max_per_org": 2, "min_items": 2, "max_items": 3}})
    member, org = make_org(db, admin, email="member@example.org", name="福田长者服务中心")
    db.commit()
    return admin, call, member, org


def _draft(db, call, member, **fields) -> Submission:
    s = service.create_submission(db, member, call, **fields)
    db.commit()
    return s


def _error(page: str, field_id: str) -> str:
    m = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">(.*?)</small>', page, re.S)
    assert m, f"no error beside {field_id}"
    return m.group(1)


# ---------------------------------------------------------------------------------------------
# The member's way through


def test_member_orders_fills_in_over_two_sittings_attaches_declares_funds_and_submits(client, auth, db, world):
    _, call, member, _ = world
    auth.login(member.email)
    page = client.get("/my/submissions").get_data(as_text=True)
    assert "我的申报" in page and "测试征集" in page and f"/calls/{call.slug}/apply" in page
    r = client.post(f"/calls/{call.slug}/apply")
    assert r.status_code == 302
    submission = db.scalar(select(Submission))
    assert submission.ref == "S0001" and r.location.endswith(f"/submissions/{submission.id}/edit")
    page = client.get(r.location).get_data(as_text=True)
    assert "S0001" in page and 'value="02.01"' in page and "长者" in page

    # First sitting: the order and the title, saved with the button; then log out.
    first = {k: v for k, v in PROJECT.items() if k.startswith(("community", "items", "need", "title"))}
    r = client.post(f"/submissions/{submission.id}/edit", data={**first, "action": "save"})
    assert r.status_code == 302 and r.location.endswith(f"/submissions/{submission.id}/edit")
    auth.logout()

    # Second sitting, from another device: everything is there; the rest autosaves.
    auth.login(member.email)
    page = client.get(f"/submissions/{submission.id}/edit").get_data(as_text=True)
    assert 'value="长者食堂与探访"' in page and "长者用餐困难" in page
    assert re.search(r'value="02.02" id="item-02.02" checked', page)
    r = client.post(f"/submissions/{submission.id}/save", data=PROJECT, headers=JSON)
    answer = r.get_json()
    assert r.status_code == 200 and answer["saved"] and answer["problems"] == {}
    assert re.fullmatch(r"\d\d:\d\d", answer["saved_at"]) and answer["requested"] == "72,000.50"
    assert set(answer["budget_ids"]) == {"0", "1"} and answer["submit_ready"] is True

    # A PDF and two funding lines.
    r = client.post(f"/submissions/{submission.id}/attachments",
                    data={"upload-file": (io.BytesIO(PDF), "项目申报书.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    for source, donor, amount, evidence in (("enterprise", "深圳市某科技有限公司", "50000", True),
                                            ("individual", "张先生", "2000.50", False)):
        data = {"fund-source": source, "fund-donor": donor, "fund-amount": amount, "fund-received_on": "2025-01-15"}
        if evidence:
            data["fund-evidence"] = (io.BytesIO(PDF), "捐赠票据.pdf")
        assert client.post(f"/submissions/{submission.id}/funds", data=data,
                           content_type="multipart/form-data").status_code == 302
    page = client.get(f"/submissions/{submission.id}/edit").get_data(as_text=True)
    assert "申报 ¥52,000.50 · 已核实 ¥0.00 · 待核实 ¥52,000.50" in page and "资金凭证：深圳市某科技有限公司" in page

    r = client.post(f"/submissions/{submission.id}/edit", data={**PROJECT, "action": "submit"})
    assert r.status_code == 302 and r.location.endswith(f"/submissions/{submission.id}")
    db.expire_all()
    assert submission.status == "submitted" and submission.requested_fen == 7_200_050
    assert [i.item_code for i in submission.items] == ["02.01", "02.02", "02.03"]
    assert sorted(a.filename for a in submission.attachments) == ["捐赠票据.pdf", "项目申报书.pdf"]
    page = client.get("/my/submissions").get_data(as_text=True)
    assert "已提交，等待形式审查" in page and "已核实 ¥0.00 / 申报 ¥52,000.50" in page
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "submission",
                                                         AuditEntry.object_id == str(submission.id))).all()
    assert actions == ["submission.create", "submission.save", "submission.submit"]  # the second save is within 15 minutes


def test_every_invalid_input_is_named_beside_its_field_and_nothing_stored_is_lost(client, auth, db, world):
    _, call, member, _ = world
    s = _draft(db, call, member, title="原来的标题", beneficiary_count="80",
               budget=[{"what": "人员费用", "amount": "5000"}])
    line_id = s.budget_lines[0].id
    auth.login(member.email)
    bad = {**PROJECT, "items": ["02.01", "02.02", "02.03", "02.04"], "need-02.04": "",
           "beneficiary_count": "abc", "summary": "",
           "budget-0-id": str(line_id), "budget-0-amount": "12.345", "budget-1-amount": "-5",
           "budget-2-what": "交通", "budget-2-amount": "", "action": "submit"}
    r = client.post(f"/submissions/{s.id}/edit", data=bad)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "尚未提交" in page
    assert _error(page, "beneficiary_count") == "受益人数须为正整数"
    assert _error(page, "budget-0-amount") == "金额最多保留两位小数"
    assert _error(page, "budget-1-amount") == "金额不能为负数"
    assert _error(page, "budget-2-amount") == "请填写金额，填写后这一行才能保存"
    assert _error(page, "summary") == "请填写此项"
    assert _error(page, "need-02.04") == "请写明该服务项目回应的社区需求"
    assert "最多选择 3 个服务项目（已选 4 个）" in page
    assert 'value="12.345"' in page and 'value="abc"' in page  # what was typed stays on the page
    db.expire_all()
    assert s.status == "draft" and s.beneficiary_count == 80  # the stored value was kept
    assert [(line.what, line.amount_fen) for line in s.budget_lines] == [("人员费用", 500_000)]
    assert s.title == "长者食堂与探访" and len(s.items) == 4  # what could be stored was stored

    # No budget at all, too few items.
    r = client.post(f"/submissions/{s.id}/edit", data={**PROJECT, "items": ["02.01"], "budget-0-id": str(line_id),
                                                       "budget-0-what": "", "budget-0-amount": "",
                                                       "budget-1-what": "", "budget-1-amount": "", "action": "submit"})
    page = r.get_data(as_text=True)
    assert "请至少填写一行预算" in page and "请至少选择 2 个服务项目（已选 1 个）" in page
    db.expire_all()
    assert s.status == "draft" and s.budget_lines == [] and s.requested_fen == 0


def test_autosave_reports_what_it_could_not_store_and_a_timeout_gets_a_json_401(client, auth, db, world):
    _, call, member, _ = world
    s = _draft(db, call, member)
    auth.login(member.email)
    r = client.post(f"/submissions/{s.id}/save", headers=JSON,
                    data={"title": "新标题", "beneficiary_count": "三十", "budget-0-what": "人员", "budget-0-amount": "100",
                          "budget-3-what": "物料", "budget-3-amount": "1.001"})
    answer = r.get_json()
    assert answer["saved"] and answer["problems"] == {"beneficiary_count": ["受益人数须为正整数"],
                                                      "budget-3-amount": ["金额最多保留两位小数"]}
    assert answer["budget_ids"] == {"0": s.budget_lines[0].id} and answer["requested"] == "100.00"
    db.expire_all()
    assert s.title == "新标题"
    r = client.post(f"/submissions/{s.id}/save", headers=JSON,  # crafted row names are ignored, never a crash
                    data={"title": "新标题", "budget-²-what": "x", "budget-٣-amount": "1", "budget-123456789-what": "y"})
    assert r.status_code == 200 and r.get_json()["saved"]
    auth.logout()
    r = client.post(f"/submissions/{s.id}/save", headers=JSON, data={"title": "丢了吗"})
    assert r.status_code == 401 and "重新登录" in r.get_json()["error"]
    r = client.get(f"/submissions/{s.id}/edit")
    assert r.status_code == 302 and "/auth/login" in r.location
    db.expire_all()
    assert s.title == "新标题"


def test_autosave_checks_the_csrf_token_after_the_login(app, client, auth, db, world):
    _, call, member, _ = world
    s = _draft(db, call, member)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token})
    page = client.get(f"/submissions/{s.id}/edit").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    url = f"/submissions/{s.id}/save"
    r = client.post(url, headers={**JSON, "X-CSRFToken": token}, data={"title": "有令牌"})
    assert r.status_code == 200 and r.get_json()["saved"]
    r = client.post(url, headers=JSON, data={"title": "没有令牌"})
    assert r.status_code == 400 and "刷新页面" in r.get_json()["error"]
    client.post("/auth/logout", data={"csrf_token": token})
    r = client.post(url, headers={**JSON, "X-CSRFToken": token}, data={"title": "已退出"})
    assert r.status_code == 401  # not a 400: the script must learn that the login is gone
    db.expire_all()
    assert s.title == "有令牌"


def test_a_submitted_project_stays_complete_when_edited(client, auth, db, world):
    _, call, member, _ = world
    s = _draft(db, call, member)
    auth.login(member.email)
    client.post(f"/submissions/{s.id}/edit", data={**PROJECT, "action": "submit"})
    db.expire_all()
    assert s.status == "submitted"
    r = client.post(f"/submissions/{s.id}/save", headers=JSON, data={**PROJECT, "title": ""})
    assert r.status_code == 422 and r.get_json()["problems"] == {"title": ["请填写此项"]}
    r = client.post(f"/submissions/{s.id}/edit", data={**PROJECT, "title": "", "action": "save"})
    assert r.status_code == 422 and _error(r.get_data(as_text=True), "title") == "请填写此项"
    db.expire_all()
    assert s.title == PROJECT["title"]
    r = client.post(f"/submissions/{s.id}/edit", data={**PROJECT, "title": "改后的名称", "action": "save"})
    db.expire_all()
    assert r.status_code == 302 and s.title == "改后的名称" and s.status == "submitted"


# ---------------------------------------------------------------------------------------------
# Entry limits and deadlines


def test_who_may_start_and_how_many(client, auth, db, world, make_user):
    admin, call, member, _ = world
    pending, _ = make_org(db, admin, email="pending@example.org", verified=False)
    db.commit()
    auth.login("pending@example.org")
    page = client.get(f"/calls/{call.slug}/apply").get_data(as_text=True)
    assert "只有已通过认证的社会组织的成员可以申报" in page
    assert client.post(f"/calls/{call.slug}/apply").status_code == 422
    assert "尚未通过认证" in client.get("/my/submissions").get_data(as_text=True)
    auth.login("boss@example.org")
    assert client.post(f"/calls/{call.slug}/apply").status_code == 422
    assert db.scalar(select(Submission)) is None

    auth.login(member.email)
    assert client.post(f"/calls/{call.slug}/apply").status_code == 302
    assert client.post(f"/calls/{call.slug}/apply").status_code == 302
    r = client.post(f"/calls/{call.slug}/apply")
    assert r.status_code == 422 and "最多申报 2 个项目" in r.get_data(as_text=True)
    assert "已达到本征集的申报数量上限" in client.get("/my/submissions").get_data(as_text=True)
    assert "已达到上限" in client.get(f"/calls/{call.slug}/apply").get_data(as_text=True)
    assert len(db.scalars(select(Submission)).all()) == 2


def test_after_the_deadline_nothing_is_edited_or_submitted_except_by_the_late_list(client, auth, db, world):
    admin, call, member, org = world
    s = _draft(db, call, member, title="草稿")
    call.closes_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.commit()
    auth.login(member.email)
    r = client.get(f"/submissions/{s.id}/edit")
    assert r.status_code == 302 and r.location.endswith(f"/submissions/{s.id}")
    assert "截止，不能再提交或修改" in client.get(r.location).get_data(as_text=True)
    r = client.post(f"/submissions/{s.id}/edit", data={**PROJECT, "action": "submit"})
    assert r.status_code == 302
    r = client.post(f"/submissions/{s.id}/save", headers=JSON, data={"title": "迟到"})
    assert r.status_code == 409 and "截止" in r.get_json()["error"]
    r = client.post(f"/submissions/{s.id}/attachments", data={"upload-file": (io.BytesIO(PDF), "a.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert client.post(f"/calls/{call.slug}/apply").status_code == 422
    db.expire_all()
    assert (s.status, s.title, s.attachments) == ("draft", "草稿", [])

    add_late_entry(db, admin, call, org.id, "社区停电，未能按时提交")
    db.commit()
    r = client.post(f"/submissions/{s.id}/edit", data={**PROJECT, "action": "submit"})
    assert r.status_code == 302
    db.expire_all()
    assert s.status == "submitted"


def test_submitted_projects_are_editable_until_the_editing_deadline(client, auth, db, world):
    _, call, member, _ = world
    s = _draft(db, call, member)
    auth.login(member.email)
    client.post(f"/submissions/{s.id}/edit", data={**PROJECT, "action": "submit"})
    now = datetime.now(timezone.utc)
    call.closes_at, call.edit_deadline = now - timedelta(hours=1), now + timedelta(hours=1)
    db.commit()
    assert client.get(f"/submissions/{s.id}/edit").status_code == 200
    assert client.post(f"/submissions/{s.id}/save", headers=JSON, data={**PROJECT, "title": "修改"}).status_code == 200
    call.edit_deadline = now - timedelta(minutes=1)
    db.commit()
    assert client.get(f"/submissions/{s.id}/edit").status_code == 302
    assert client.post(f"/submissions/{s.id}/save", headers=JSON, data={**PROJECT, "title": "太晚"}).status_code == 409
    db.expire_all()
    assert s.title == "修改"


# ---------------------------------------------------------------------------------------------
# Permissions and isolation


def test_other_organisations_get_404_on_every_submission_url(client, auth, db, world):
    admin, call, member, _ = world
    s = _draft(db, call, member, **{k: v for k, v in PROJECT.items() if k == "title"})
    file = service.add_attachment(db, member, s, service.Upload("申报书.pdf", PDF))
    line = service.add_funding_line(db, member, s, source="enterprise", donor="甲公司", amount="100")
    make_org(db, admin, email="other@example.org", name="南山青少年成长中心")
    db.commit()
    base = f"/submissions/{s.id}"
    gets = [base, f"{base}/edit", f"{base}/withdraw", f"{base}/attachments/{file.id}"]
    posts = [f"{base}/edit", f"{base}/save", f"{base}/funds", f"{base}/funds/{line.id}/delete", f"{base}/attachments",
             f"{base}/attachments/{file.id}/delete", f"{base}/withdraw"]
    auth.login("other@example.org")
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, data={"title": "篡改", "confirm": "y"}).status_code == 404, url
    assert "长者食堂" not in client.get("/my/submissions").get_data(as_text=True)
    auth.logout()
    for url in gets:
        r = client.get(url)
        assert r.status_code == 302 and "/auth/login" in r.location, url
    db.expire_all()
    assert s.title == "长者食堂与探访" and s.status == "draft" and len(s.attachments) == 1


def test_administrators_read_but_do_not_edit_and_reviewers_use_the_scoring_page(client, auth, db, world):
    """Reviewers, even assigned ones, never open the applicant's pages: those show the
    organisation and its files, which blind review must hide. They read the project on
    the scoring page instead."""
    admin, call, member, _ = world
    s = _draft(db, call, member, title="长者食堂与探访")
    file = service.add_attachment(db, member, s, service.Upload("申报书.pdf", PDF))
    assigned = make_reviewer(db, admin, email="assigned@example.org")
    make_reviewer(db, admin, email="unassigned@example.org")
    db.add(Review(submission_id=s.id, reviewer_id=assigned.id))
    db.commit()
    base = f"/submissions/{s.id}"
    for email, readable in (("boss@example.org", True), ("assigned@example.org", False), ("unassigned@example.org", False)):
        auth.login(email)
        assert client.get(base).status_code == (200 if readable else 404), email
        assert client.get(f"{base}/attachments/{file.id}").status_code == (200 if readable else 404), email
        assert client.get(f"{base}/edit").status_code == (403 if readable else 404), email
        r = client.post(f"{base}/save", headers=JSON, data={"title": "篡改"})
        assert r.status_code == (403 if readable else 404), email
    db.expire_all()
    assert s.title == "长者食堂与探访"


# ---------------------------------------------------------------------------------------------
# Attachments and funds through the page


def test_attachments_are_checked_by_content_size_limited_and_served_safely(app, client, auth, db, world):
    _, call, member, _ = world
    s = _draft(db, call, member)
    auth.login(member.email)
    url = f"/submissions/{s.id}/attachments"

    def upload(data: bytes, name: str):
        return client.post(url, data={"upload-file": (io.BytesIO(data), name)}, content_type="multipart/form-data")

    r = upload(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00PE\x00\x00", "申报书.pdf")
    assert r.status_code == 422 and "内容不是其中任何一种" in _error(r.get_data(as_text=True), "upload-file")
    r = upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 10, "照片.jpg")
    assert r.status_code == 422 and "它其实是 .png 文件" in r.get_data(as_text=True)
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    r = upload(PDF + b"0" * 2000, "大文件.pdf")
    assert r.status_code == 422 and "文件过大" in _error(r.get_data(as_text=True), "upload-file")
    r = upload(b"", "")
    assert r.status_code == 422 and "请选择要上传的文件" in r.get_data(as_text=True)
    assert db.scalar(select(Attachment)) is None
    assert upload(PDF, "申报书.pdf").status_code == 302
    assert upload(b"\xff\xd8\xff\xe0" + b"\0" * 10, "现场照片.JPG").status_code == 302
    file = db.scalar(select(Attachment).where(Attachment.filename == "申报书.pdf"))
    r = client.get(f"/submissions/{s.id}/attachments/{file.id}")
    assert r.status_code == 200 and r.data == PDF and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment;") and r.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in r.headers["Cache-Control"]
    assert client.post(f"/submissions/{s.id}/attachments/{file.id}/delete").status_code == 302
    db.expire_all()
    assert [a.filename for a in s.attachments] == ["现场照片.JPG"]


def test_funding_lines_refuse_bad_amounts_beside_the_field(client, auth, db, world):
    admin, call, member, _ = world
    s = _draft(db, call, member)
    auth.login(member.email)
    url = f"/submissions/{s.id}/funds"
    for amount, message in (("100.001", "金额最多保留两位小数"), ("-100", "金额不能为负数"), ("", "请填写金额")):
        r = client.post(url, data={"fund-source": "enterprise", "fund-donor": "甲公司", "fund-amount": amount})
        assert r.status_code == 422 and _error(r.get_data(as_text=True), "fund-amount") == message
    r = client.post(url, data={"fund-source": "", "fund-donor": "", "fund-amount": "1", "fund-received_on": "明天"})
    page = r.get_data(as_text=True)
    assert _error(page, "fund-source") == "请选择资金来源" and _error(page, "fund-donor") == "请填写捐赠方"
    assert "年-月-日" in _error(page, "fund-received_on")
    assert db.scalar(select(FundingLine)) is None
    client.post(url, data={"fund-source": "foundation", "fund-donor": "某基金会", "fund-amount": "8,000"})
    line = db.scalar(select(FundingLine))
    assert (line.status, line.amount_fen) == ("pending", 800_000)
    assert client.post(f"/submissions/{s.id}/funds/{line.id}/delete").status_code == 302
    assert db.scalar(select(FundingLine)) is None


# ---------------------------------------------------------------------------------------------
# Withdrawing and the dashboard


def test_withdraw_after_confirmation_frees_the_place(client, auth, db, world):
    _, call, member, _ = world
    s = _draft(db, call, member)
    auth.login(member.email)
    client.post(f"/submissions/{s.id}/edit", data={**PROJECT, "action": "submit"})
    assert "确认撤回" in client.get(f"/submissions/{s.id}/withdraw").get_data(as_text=True)
    r = client.post(f"/submissions/{s.id}/withdraw", data={"reason": "负责人离职"})
    assert r.status_code == 422 and _error(r.get_data(as_text=True), "confirm") == "请勾选确认后再撤回"
    db.expire_all()
    assert s.status == "submitted"
    r = client.post(f"/submissions/{s.id}/withdraw", data={"reason": "负责人离职", "confirm": "y"})
    assert r.status_code == 302
    db.expire_all()
    assert s.status == "withdrawn"
    assert "已撤回" in client.get("/my/submissions").get_data(as_text=True)
    assert client.get(f"/submissions/{s.id}/edit").status_code == 302
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "submission.withdraw"))
    assert entry.actor_id == member.id and entry.detail["reason"] == "负责人离职"
    assert service.entry_count(db, call, s.organisation_id) == 0


def test_dashboard_tracks_each_submission(client, auth, db, world):
    admin, call, member, org = world
    good = make_submission(db, call, org, title="合格的项目", eligibility="eligible")
    make_submission(db, call, org, title="不合格的项目", eligibility="ineligible", eligibility_reason="缺少年检报告")
    _draft(db, make_call(db, admin, slug="futian-2025"), member, title="还在写的项目")
    auth.login(member.email)
    page = client.get("/my/submissions").get_data(as_text=True)
    assert "形式审查合格" in page and "形式审查不合格" in page and "缺少年检报告" in page and "草稿（尚未提交）" in page
    call.status = "reviewing"
    db.commit()
    assert "评审中" in client.get("/my/submissions").get_data(as_text=True)
    call.status = "results"
    make_published_result(db, good, outcome="matched", matching_fen=2_000_000, published=None)
    db.commit()
    page = client.get("/my/submissions").get_data(as_text=True)
    assert "等待结果公布" in page and "获配套资金" not in page  # a run not yet published stays private
    make_published_result(db, good, outcome="matched", matching_fen=2_000_000, published="provisional")
    db.commit()
    page = client.get("/my/submissions").get_data(as_text=True)
    assert "结果已公布" in page and "获配套资金" in page and "配套资金 ¥20,000.00" in page and "公示结果" in page
    assert "获配套资金" in client.get(f"/submissions/{good.id}").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# In a real browser: autosave, and a session timeout that loses nothing


@pytest.mark.browser
def test_autosave_and_a_session_timeout_lose_nothing(live_server, live_session, browser):
    from playwright.sync_api import expect

    admin = make_admin(live_session, "boss@example.org")
    make_call(live_session, admin, slug="shenzhen-2025", rules={"entry": {"min_items": 1, "max_items": 3}})
    member, _ = make_org(live_session, admin, email="member@example.org")
    live_session.commit()
    page = browser.new_page()
    page.set_default_timeout(10000)
    base = live_server.url

    def login():
        page.get_by_label("电子邮箱").fill("member@example.org")
        page.locator("#password").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()

    def stored(submission_id: int) -> Submission:
        live_session.expire_all()
        return live_session.get(Submission, submission_id)

    page.goto(base + "/auth/login")
    login()
    page.get_by_role("link", name="我的申报").click()
    page.get_by_role("button", name="开始申报").click()  # the dashboard's link
    page.get_by_role("button", name="开始申报").click()  # the start page's confirmation
    page.wait_for_url("**/edit")
    submission_id = int(page.url.split("/")[-2])
    status = page.locator("#save-status")

    page.get_by_label("社区名称").fill("莲花北社区")
    page.locator("summary", has_text="02 ").click()
    page.locator("#item-02\\.01").check()
    expect(page.locator("#need-02\\.01")).to_be_visible()
    page.locator("#need-02\\.01").fill("独居长者缺少照看")
    page.locator("#budget-0-what").fill("人员费用")
    page.locator("#budget-0-amount").fill("1,000.5")
    page.get_by_role("button", name="添加一行").click()
    page.locator("#budget-1-what").fill("物料")
    page.locator("#budget-1-amount").fill("12.345")
    expect(page.locator("#budget-total")).to_have_text("1,000.50")
    expect(page.locator("#budget-1-amount-js-error")).to_have_text("金额最多保留两位小数")
    expect(status).to_contain_text("标出的内容未能保存")
    expect(page.locator("#items-count")).to_contain_text("已选 1 项")
    s = stored(submission_id)
    assert s.community_name == "莲花北社区" and s.requested_fen == 100_050
    assert [(i.item_code, i.need) for i in s.items] == [("02.01", "独居长者缺少照看")]

    page.locator("#budget-1-amount").fill("12.34")
    expect(status).to_have_text(re.compile(r"^已保存于 \d\d:\d\d$"))
    assert stored(submission_id).requested_fen == 101_284
    assert page.evaluate(f"localStorage.getItem('gongyi-submission-{submission_id}')") is None

    # The session ends (cookies gone); the member keeps typing.
    page.context.clear_cookies()
    page.get_by_label("项目名称").fill("长者食堂与探访")
    page.get_by_label("受益人数").fill("120")
    expect(status).to_contain_text("登录已过期")
    expect(status.get_by_role("link", name="重新登录")).to_be_visible()
    kept = page.evaluate(f"localStorage.getItem('gongyi-submission-{submission_id}')")
    assert "长者食堂与探访" in kept
    assert stored(submission_id).title == ""

    # Logging in again brings the member back to the form, which puts back and saves what was typed.
    page.goto(base + f"/auth/login?next=/submissions/{submission_id}/edit")
    login()
    page.wait_for_url("**/edit")
    expect(page.get_by_label("项目名称")).to_have_value("长者食堂与探访")
    expect(status).to_have_text(re.compile(r"^已保存于 \d\d:\d\d$"))
    s = stored(submission_id)
    assert (s.title, s.beneficiary_count, s.requested_fen) == ("长者食堂与探访", 120, 101_284)
    assert page.evaluate(f"localStorage.getItem('gongyi-submission-{submission_id}')") is None

    # The buttons post the form once the server has it: save, then submit (which names what is missing).
    page.get_by_label("项目目标").fill("一年内服务 120 名长者")
    page.locator(".savebar").get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_have_text("已保存。")
    assert stored(submission_id).objectives == "一年内服务 120 名长者"
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("#problems")).to_contain_text("执行团队")
    expect(page.locator(".flash-error").first).to_contain_text("尚未提交")
    assert stored(submission_id).status == "draft"
    page.close()


def test_the_menu_shows_each_item_picked_or_not_in_the_reader_s_language(client, auth, db, world):
    from gongyi.catalogue.models import Item

    _admin, call, member, _org = world
    s = _draft(db, call, member)
    auth.login("member@example.org")
    client.post(f"/submissions/{s.id}/edit", data={"items": ["02.01"], "need-02.01": "独居长者缺少照看", "action": "save"})
    other = db.get(Item, "02.02")
    for locale, name in (("zh_CN", other.name_zh), ("en", other.name_en), ("zh_CN", other.name_zh)):
        client.post("/language", data={"locale": locale})
        page = client.get(f"/submissions/{s.id}/edit").get_data(as_text=True)
        assert re.search(r'value="02.01" id="item-02.01" checked>', page)  # the project's own pick
        assert re.search(r'value="02.02" id="item-02.02">', page) and f"<code>02.02</code> {name}" in page
        assert page.count('name="items"') == db.scalar(select(func.count()).select_from(Item))


def test_the_menus_unpicked_categories_are_kept_yet_follow_the_catalogue_and_the_picks(client, auth, db, world):
    """A category with nothing picked is rendered once per process (submissions.menu_html); a
    renamed item, a pick or a problem beside a need still shows at once."""
    from gongyi.catalogue.models import Item

    admin, call, member, org = world
    s = _draft(db, call, member)
    auth.login("member@example.org")
    url = f"/submissions/{s.id}/edit"

    def category(page: str, code: str) -> str:
        return re.search(rf'<details class="menu-category"[^>]*>\s*<summary>{code} .*?</details>', page, re.S).group(0)

    first = client.get(url).get_data(as_text=True)
    assert "<details class=\"menu-category\">" in category(first, "02") and 'value="02.01"' in category(first, "02")
    item = db.get(Item, "02.01")
    item.name_zh = "助餐服务（新名称）"
    db.commit()
    assert "助餐服务（新名称）" in category(client.get(url).get_data(as_text=True), "02")  # kept under what it shows
    client.post(url, data={"items": ["02.01"], "need-02.01": "长者用餐困难", "action": "save"})
    picked = category(client.get(url).get_data(as_text=True), "02")
    assert picked.startswith('<details class="menu-category" open>') and "已选 1" in picked
    assert re.search(r'value="02.01" id="item-02.01" checked', picked) and "长者用餐困难</textarea>" in picked
    unpicked = category(client.get(url).get_data(as_text=True), "03")
    assert "checked" not in unpicked and "已选" not in unpicked
    r = client.post(url, data={"items": ["02.01", "03.01"], "need-02.01": "x", "need-03.01": "", "action": "submit"})
    assert r.status_code == 422
    problem = category(r.get_data(as_text=True), "03")
    assert 'id="need-03.01-error"' in problem  # the category with the problem is rendered with it
