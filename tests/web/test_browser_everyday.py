"""In a real browser: each role signs in to its workspace and reaches its next task in one click;
an organisation edits its details, invites a colleague, uploads its registration certificate and
prints its application."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from gongyi.mail.models import OutboxMessage
from gongyi.review import service as review
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission
from tests.web.browser_actions import login, logout, person_page

pytestmark = pytest.mark.browser
RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 100}], "reviewers_per_submission": 8}}
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def test_each_role_finds_its_next_task_in_one_click(live_server, live_session, browser):
    db, base = live_session, live_server.url
    admin = make_admin(db, "boss@example.org")
    make_org(db, admin, verified=False, name="待认证的新组织")
    _, org = make_org(db, admin)
    reviewer = make_reviewer(db, admin, email="r@example.org", name="评审甲")
    call = make_call(db, admin, status="reviewing", rules=RULES)
    assignment = review.add_reviewer(db, admin, make_submission(db, call, org, eligibility="eligible",
                                                                title="长者食堂"), reviewer)
    db.commit()

    page = person_page(browser)
    login(page, base, "boss@example.org")
    expect(page).to_have_url(base + "/workspace")
    expect(page.get_by_role("link", name="工作台")).to_contain_text("2")  # one to verify, one review outstanding
    page.locator('[data-task="orgs_to_verify"]').click()
    expect(page.get_by_role("link", name="待认证的新组织")).to_be_visible()
    logout(page, "管理员")

    login(page, base, "r@example.org")
    expect(page).to_have_url(base + "/workspace")
    page.get_by_role("button", name="评审下一个项目").click()
    expect(page).to_have_url(base + f"/review/{assignment.id}")
    expect(page.locator("body")).to_contain_text("长者食堂")
    page.close()


def test_an_organisation_edits_invites_uploads_and_prints(live_server, live_session, browser, tmp_path):
    db, base = live_session, live_server.url
    admin = make_admin(db, "boss@example.org")
    member, org = make_org(db, admin, email="m@example.org", name="福田长者关爱中心")
    call = make_call(db, admin, status="open")
    submission = make_submission(db, call, org, title="社区长者食堂互助计划", requested_fen=88_000_00,
                                 funds=[("enterprise", "某科技公司", 20_000_00, "verified")])
    db.commit()

    page = person_page(browser)
    login(page, base, "m@example.org")
    expect(page).to_have_url(base + "/workspace")
    page.get_by_role("link", name="我的组织").click()

    page.get_by_role("button", name="修改组织信息").click()
    page.get_by_label("联系电话").fill("电话")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#phone-error")).to_contain_text("请输入有效的电话号码")
    page.get_by_label("联系电话").fill("0755-88889999")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("组织信息已保存")
    expect(page.locator("body")).to_contain_text("0755-88889999")

    page.get_by_label("同事的电子邮箱").fill("colleague@example.org")
    page.get_by_role("button", name="发送邀请").click()
    expect(page.locator(".flash-success")).to_contain_text("邀请已发到 colleague@example.org")
    expect(page.locator("#members")).to_contain_text("已邀请，尚未加入")
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.to == "colleague@example.org")) is not None

    certificate = tmp_path / "登记证书.pdf"
    certificate.write_bytes(PDF)
    page.get_by_label("材料类型").select_option("registration_certificate")
    page.get_by_label("选择文件").set_input_files(str(certificate))
    page.get_by_role("button", name="上传材料").click()
    expect(page.locator("#documents")).to_contain_text("登记证书.pdf")

    page.goto(base + f"/submissions/{submission.id}")
    with page.expect_download() as download:
        page.get_by_role("button", name="打印申报书（PDF）").click()
    data = Path(download.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    text = "".join(text.split()).replace("\x00", "")
    assert "社区长者食堂互助计划" in text and "88,000.00" in text and "0755-88889999" in text
    logout(page, member.name)

    login(page, base, "boss@example.org")
    page.goto(base + f"/admin/orgs/{org.id}")
    expect(page.locator("#documents")).to_contain_text("登记证书.pdf")
    page.close()
