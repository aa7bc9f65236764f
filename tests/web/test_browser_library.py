"""Tried as a new user would, in a real browser: the issue's journey through the library.

The hand-worked sample (tests/data/sample) with B's 30,000 from 某基金会 rejected (never received)
and the library pool amended to nothing: the final results put B, G and D in the library, all
three waiting. The administrator creates the next edition from this one and carries the three
into its library; a co-funder pledges to G, the administrator confirms, and the pledge shows as a
verified funding line of G; A (matched; its final evaluation, by the execution services, passed)
becomes a brand project, another
organisation replicates it into the open call, and A's brand page lists the replication; an
organisation on the barred list is refused with the rule's name."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.calls.service import transition_call, update_call
from gongyi.orgs.models import Organisation
from gongyi.results import publication
from gongyi.results.service import compute_call
from gongyi.submissions.models import FundingLine, Submission
from gongyi.submissions.screening import reject_funding_line
from tests.db.library_world import final_evaluation
from tests.factories import PASSWORD, make_admin, make_call
from tests.web.browser_actions import login, logout, person_page

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
CST = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 6, 1, 10, 0, tzinfo=CST)


def _final_results(db, admin) -> None:
    call = db.scalar(select(Call).where(Call.slug == "sz-2026"))
    rules = {**call.rules, "library": {**call.rules["library"], "pool": "0.00"}}
    update_call(db, admin, call, rules=rules, reason="项目库资金另行安排")
    line = db.scalar(select(FundingLine).where(FundingLine.donor == "某基金会"))
    reject_funding_line(db, admin, line, "未到账")
    transition_call(db, admin, call, "finish_review")
    publication.publish_results(db, admin, compute_call(db, admin, call), "provisional", working_days=5, now=MONDAY)
    publication.publish_results(db, admin, compute_call(db, admin, call), "final", working_days=5,
                                now=MONDAY + timedelta(days=8))


def _member(db, org_name: str, email: str, name: str):
    user = create_user(db, None, email=email, name=name, password=PASSWORD, roles=("member",))
    user.organisation_id = db.scalar(select(Organisation.id).where(Organisation.name == org_name))
    return user


def _rows(page) -> list[str]:
    return [t.strip() for t in page.locator("table tbody tr td:first-child").all_inner_texts()]


def test_library_editions_pledge_brand_replication_and_a_barred_organisation(live_server, live_session, browser):
    db = live_session
    assert live_server.app.test_cli_runner().invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    admin_user = make_admin(db, "boss@example.org")
    with live_server.app.test_request_context():
        _final_results(db, admin_user)
        final_evaluation(db, admin_user, db.scalar(select(Submission).where(Submission.ref == "A")))
    make_call(db, admin_user, slug="spring-2027").title = "2027 春季征集"
    create_user(db, None, email="fund@example.org", name="吴芳", password=PASSWORD, roles=())
    _member(db, "深圳市长者关爱协会", "wangfang@example.org", "王芳")
    _member(db, "深圳市益童基金会", "lilei@example.org", "李雷")
    db.commit()
    base = live_server.url

    # Anyone reads the library: the final results put three projects there.
    visitor = person_page(browser)
    visitor.goto(base + "/")
    visitor.get_by_role("link", name="项目库", exact=True).click()
    expect(visitor.locator("body")).to_contain_text("共 3 个项目")
    assert sorted(_rows(visitor)) == ["B", "D", "G"]

    # The administrator creates the next edition from this one and carries the entries.
    admin = person_page(browser)
    login(admin, base, "boss@example.org")
    admin.get_by_role("link", name="征集管理").first.click()
    admin.get_by_role("link", name="2026 深圳市公益创投大赛").click()
    admin.get_by_role("link", name="项目库与新一届").click()
    expect(admin.get_by_label("新一届的标识")).to_have_value("sz-2027")
    admin.get_by_role("button", name="创建新一届").click()
    expect(admin.locator("body")).to_contain_text("已从“2026 深圳市公益创投大赛”创建新一届：2027 深圳市公益创投大赛")
    expect(admin.locator("h1")).to_contain_text("2027 深圳市公益创投大赛")  # its draft, to adjust before opening
    admin.get_by_role("link", name="征集管理").first.click()
    admin.get_by_role("link", name="2026 深圳市公益创投大赛").click()
    admin.get_by_role("link", name="项目库与新一届").click()
    admin.get_by_label("转入哪一届").select_option(label="2027 深圳市公益创投大赛")
    admin.get_by_role("button", name="转入", exact=True).click()
    expect(admin.locator("body")).to_contain_text("已转入 3 个项目，0 个项目已到期。")
    expect(admin.locator("body")).to_contain_text("本届项目库（3 个项目）")
    expect(admin.locator("table").first).to_contain_text("已转入（第 2 届）")

    # The administrator makes an account a co-funder.
    admin.get_by_role("link", name="项目库管理").click()
    admin.get_by_role("link", name="共同资助方", exact=True).click()
    admin.get_by_label("账号邮箱").fill("fund@example.org")
    admin.get_by_label("共同资助方名称").fill("鹏城慈善基金会")
    admin.get_by_label("类型").select_option(label="基金会")
    admin.get_by_role("button", name="添加").click()
    expect(admin.locator("body")).to_contain_text("已添加共同资助方：鹏城慈善基金会")

    # The co-funder browses the library and pledges to G, within what G still needs.
    funder = person_page(browser)
    login(funder, base, "fund@example.org")
    funder.get_by_role("link", name="我们资助的项目").click()
    funder.get_by_role("link", name="浏览项目库").click()
    funder.locator("tr", has_text="心理健康").first.get_by_role("link", name="认捐").click()
    expect(funder.locator("body")).to_contain_text("¥20,000.00")
    funder.get_by_label("认捐金额（元）").fill("25000")
    funder.get_by_role("button", name="提交认捐").click()
    expect(funder.locator(".field-error")).to_contain_text("超出该项目尚需的金额 ¥20,000.00")
    funder.get_by_label("认捐金额（元）").fill("8000")
    funder.get_by_label("资助条件").fill("用于心理咨询")
    funder.get_by_role("button", name="提交认捐").click()
    expect(funder.locator("body")).to_contain_text("已认捐，等待管理员确认。")

    # The administrator confirms: G has a verified funding line from the co-funder.
    admin.get_by_role("link", name="项目库管理").click()
    admin.get_by_role("link", name="认捐确认").click()
    expect(admin.locator("body")).to_contain_text("项目尚需 ¥20,000.00")
    admin.get_by_role("button", name="确认认捐").click()
    expect(admin.locator("body")).to_contain_text("已确认认捐，已记为该项目已核实的资金来源。")
    admin.goto(base + "/admin/library/sz-2026")
    admin.get_by_role("link", name="心理健康").click()  # the library entry's page
    admin.get_by_role("link", name="项目详情").click()
    line = admin.locator("tr[id^=line-]", has_text="鹏城慈善基金会")
    expect(line).to_contain_text("8,000.00")
    expect(line).to_contain_text("已核实")
    funder.get_by_role("link", name="我们资助的项目").click()
    expect(funder.locator("section").first).to_contain_text("心理健康")

    # A, matched and its final evaluation passed, becomes a brand project, from its organisation's record.
    admin.get_by_role("link", name="组织认证").click()
    admin.get_by_role("link", name="已认证").click()
    admin.get_by_role("link", name="深圳市阳光社工服务中心").click()
    expect(admin.locator("#record tr", has_text="长者助餐")).to_contain_text("评估合格")
    admin.locator("#record tr", has_text="长者助餐").get_by_role("link", name="设为品牌项目").click()
    admin.get_by_label("做什么").fill("为独居长者提供助餐和探访")
    admin.get_by_label("服务对象").fill("社区独居长者")
    admin.get_by_label("成效").fill("每日供餐 80 份")
    expect(admin.locator(".checked-facts")).to_contain_text("✓ 结项评估合格")  # read from its execution record
    admin.get_by_label("管理员认定的标准").select_option(["replicable"])
    admin.get_by_role("button", name="设为品牌项目").click()
    expect(admin.locator("body")).to_contain_text("长者助餐 已成为品牌项目。")

    # Another organisation replicates it into the open call.
    member = person_page(browser)
    login(member, base, "wangfang@example.org")
    member.get_by_role("link", name="项目库", exact=True).click()
    member.get_by_role("link", name="品牌项目库").click()
    member.get_by_role("link", name="长者助餐").click()
    member.get_by_role("button", name="推广复制到我的社区").click()
    member.get_by_label("申报到哪一届征集").select_option(label="2027 春季征集")
    member.get_by_role("button", name="创建草稿").click()
    expect(member.locator("body")).to_contain_text("已从品牌项目创建草稿")
    expect(member.get_by_label("项目名称")).to_have_value("长者助餐")

    # The origin's page lists the replication.
    visitor.goto(base + "/brands/")
    visitor.get_by_role("link", name="长者助餐").click()
    tree = visitor.locator("section", has_text="推广复制谱系")
    expect(tree).to_contain_text("推广复制项目")  # a draft: where and which edition, not whose
    expect(tree).to_contain_text("2027 春季征集")
    expect(tree).not_to_contain_text("深圳市长者关爱协会")

    # An organisation on the barred list is refused with the rule's name.
    admin.get_by_role("link", name="组织认证").click()
    admin.get_by_role("link", name="已认证").click()
    admin.get_by_role("link", name="深圳市益童基金会").click()
    admin.get_by_label("限制理由").fill("虚报募集资金")
    admin.get_by_label("开始日期").fill("2026-01-01")
    admin.get_by_role("button", name="列入限制申报名单").click()
    expect(admin.locator("body")).to_contain_text("已将 深圳市益童基金会 列入限制申报名单。")
    barred = person_page(browser)
    login(barred, base, "lilei@example.org")
    barred.goto(base + "/calls/spring-2027/apply")
    expect(barred.get_by_role("alert")).to_contain_text("限制申报名单")
    expect(barred.get_by_role("alert")).to_contain_text("虚报募集资金")
    logout(barred, "李雷")
