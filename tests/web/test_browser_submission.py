"""Tried as a new user would, in a real browser: an administrator creates and opens a call; a
member of a verified organisation orders three items from the menu, fills the project in two
sittings (logging out in between, coming back on another device), attaches a PDF, declares two
funding lines and submits; a member of a second organisation cannot see it; the administrator
screens it and verifies one line; the organisation's dashboard shows each step; after the deadline
editing is refused; the rules card shows what was frozen at opening, and an amendment appears
with its reason."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gongyi.calls.models import Call
from tests.factories import make_admin, make_org
from tests.web.browser_actions import login, logout, person_page

pytestmark = pytest.mark.browser

CST = timezone(timedelta(hours=8))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLE = "2026 南山区公益创投大赛"
SLUG = "ns-2026"
PROJECT = "长者关爱一条街"
AMEND_REASON = "区财政追加配套资金 20 万元"


def _nav(page, name: str) -> None:
    """Follow a link of the site's main navigation."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _local(value: datetime) -> str:
    """What a datetime-local input holds: Beijing time to the minute."""
    return value.astimezone(CST).strftime("%Y-%m-%dT%H:%M")


def _pick(page, code: str, need: str) -> None:
    """Tick a catalogue item on the menu and write the community need it answers."""
    page.locator(f'input[name="items"][value="{code}"]').check()
    page.locator(f'textarea[name="need-{code}"]').fill(need)


def _card_fact(page, term: str) -> str:
    """The value beside `term` in the rules card's facts."""
    return page.locator("#rules-card dl dt", has_text=term).locator("xpath=following-sibling::dd[1]").inner_text()


def test_call_submission_screening_deadline_and_amendment(live_server, live_session, browser, tmp_path):
    db = live_session
    admin_user = make_admin(db, "boss@example.org")
    member, _org = make_org(db, admin_user, email="lihua@example.org", name="深圳市南山区邻里社工服务中心")
    other, _other_org = make_org(db, admin_user, email="zhao@example.org", name="深圳市福田区阳光义工协会")
    member_name, other_name = member.name, other.name
    db.commit()
    base = live_server.url
    now = _minute(datetime.now(timezone.utc))

    # The administrator creates the call as a draft, with an entry rule and a matching pool of their own.
    admin = person_page(browser)
    login(admin, base, "boss@example.org")
    _nav(admin, "征集管理")
    admin.get_by_role("button", name="新建征集").click()
    admin.get_by_label("标题").fill(TITLE)
    admin.get_by_label("标识").fill(SLUG)
    admin.get_by_label("说明", exact=True).fill("面向南山区社区的长者服务项目征集。")
    admin.get_by_label("申报开始时间").fill(_local(now - timedelta(hours=1)))
    admin.get_by_label("申报截止时间").fill(_local(now + timedelta(minutes=30)))
    admin.get_by_label("最少点单项目数").fill("3")
    admin.get_by_label("配套资金池（元）").fill("300000")
    expect(admin.locator("#rubric-total")).to_have_text("100")  # the spec's default rubric, 5 × 20
    admin.get_by_role("button", name="保存草稿").click()
    expect(admin.locator("body")).to_contain_text(f"已创建征集草稿：{TITLE}")
    expect(admin.locator("#lifecycle li[aria-current=step]")).to_have_text("草稿")
    admin.get_by_role("button", name="开放征集").click()
    expect(admin.locator("body")).to_contain_text("征集状态已改为：征集中")
    assert admin.confirmations == ["确定要“开放征集”吗？征集将变为“征集中”。"]

    # First sitting: the member starts a submission and orders three items from the menu.
    first = person_page(browser)
    login(first, base, "lihua@example.org")
    _nav(first, "我的申报")
    open_calls = first.locator("#open-calls")
    assert TITLE in open_calls.inner_text() and "本组织已申报 0 个，最多 2 个" in open_calls.inner_text()
    open_calls.get_by_role("button", name="开始申报").click()
    expect(first.locator("dl.facts")).to_contain_text("每个项目选择 3–5 个服务项目")
    first.get_by_role("button", name="开始申报").click()
    expect(first.locator("body")).to_contain_text("已创建申报 S0001")
    submission_id = int(re.search(r"/submissions/(\d+)/edit$", first.url).group(1))
    edit_url = f"{base}/submissions/{submission_id}/edit"

    first.get_by_label("社区名称").fill("桃源街道长源社区")
    first.get_by_label("所属街道").fill("桃源街道")
    first.get_by_label("所在区").select_option("440305")
    first.locator("summary", has_text="02 长者服务").click()  # browse by category
    _pick(first, "02.01", "社区有 86 位独居老人，平日无人探访")
    _pick(first, "02.04", "高龄老人做饭困难，社区没有长者饭堂")
    first.get_by_placeholder("搜索服务项目（名称或代码）").fill("军属")  # or search the whole menu
    _pick(first, "07.03", "社区有 12 户烈属，节日慰问不成体系")
    expect(first.locator("#items-count")).to_have_text("已选 3 项（须选 3–5 项）")
    first.get_by_label("项目名称").fill(PROJECT)
    first.get_by_label("项目简介").fill("为长源社区的独居、高龄老人和烈属提供探访、助餐和慰问。")
    first.get_by_label("项目名称").press("Tab")  # leaving a changed field saves at once
    first.locator("#save-status").filter(has_text="已保存于").wait_for()

    # Logging out first makes sure the server has the form (the page saves before leaving).
    logout(first, member_name)
    expect(first.locator("body")).to_contain_text("您已退出登录。")
    first.context.close()

    # Second sitting, on another device (nothing kept in a browser): the draft is there as typed.
    page = person_page(browser)
    login(page, base, "lihua@example.org")
    _nav(page, "我的申报")
    card = page.locator(f"#submission-{submission_id}")
    assert "S0001" in card.inner_text() and PROJECT in card.inner_text()
    expect(card.locator("mark")).to_have_text("草稿（尚未提交）")
    card.get_by_role("button", name="继续填写").click()
    page.wait_for_url(edit_url)
    expect(page.get_by_role("heading", name=PROJECT)).to_be_visible()
    expect(page.get_by_label("社区名称")).to_have_value("桃源街道长源社区")
    expect(page.get_by_label("所在区")).to_have_value("440305")
    expect(page.get_by_label("项目简介")).to_have_value("为长源社区的独居、高龄老人和烈属提供探访、助餐和慰问。")
    checked = page.locator('input[name="items"]:checked')
    assert [checked.nth(i).get_attribute("value") for i in range(checked.count())] == ["02.01", "02.04", "07.03"]
    expect(page.locator('textarea[name="need-02.04"]')).to_have_value("高龄老人做饭困难，社区没有长者饭堂")
    expect(page.locator('textarea[name="need-07.03"]')).to_have_value("社区有 12 户烈属，节日慰问不成体系")
    expect(page.locator("#items-count")).to_have_text("已选 3 项（须选 3–5 项）")
    expect(page.locator("#submit")).to_contain_text("目前还有未完成的内容。")

    page.get_by_label("问题与需求依据").fill("2025 年入户走访 120 户，独居老人 86 位，其中 40 位每周无人探访。")
    page.get_by_label("项目目标").fill("一年内让 86 位独居老人每周至少被探访一次。")
    page.get_by_label("活动与时间安排").fill("2026年3月 建档评估\n2026年4月—12月 每周探访、每日助餐")
    page.get_by_label("受益对象").fill("社区独居、高龄老人及烈属")
    page.get_by_label("受益人数").fill("98")
    page.get_by_label("执行团队").fill("项目负责人李华，持证社工 3 名，长者义工队 20 人。")
    budget = page.locator("#budget-table")
    budget.get_by_label("用途").first.fill("探访社工劳务")
    budget.get_by_label("金额（元）").first.fill("60000")
    page.get_by_role("button", name="添加一行").click()
    budget.get_by_label("用途").nth(1).fill("助餐食材补贴")
    budget.get_by_label("金额（元）").nth(1).fill("25000.50")
    expect(page.locator("#budget-total")).to_have_text("85,000.50")

    # A PDF: uploading first saves the project form, then stores the file.
    proposal = tmp_path / "项目计划书.pdf"
    proposal.write_bytes(PDF)
    attachments = page.locator("#attachments")
    attachments.get_by_label("选择文件").set_input_files(proposal)
    attachments.get_by_role("button", name="上传").click()
    uploaded = page.locator("#attachments").get_by_role("link", name="项目计划书.pdf")
    uploaded.wait_for()  # the page saves the project form first, then posts the file
    expect(page.locator(".flash").first).to_contain_text("已上传：项目计划书.pdf")
    attachment_url = uploaded.get_attribute("href")
    expect(page.locator("#budget-total")).to_have_text("85,000.50")  # the budget was saved before the upload

    # Two funding lines; the first with a receipt as its evidence.
    receipt = tmp_path / "捐赠票据.pdf"
    receipt.write_bytes(PDF)
    today = datetime.now(CST).date()  # a date received may not be later than today
    funds = page.locator("#funds")
    for source, donor, amount, day, evidence in (
        ("enterprise", "深圳市腾飞科技有限公司", "30000", today - timedelta(days=40), receipt),
        ("individual", "王先生", "5000.25", today - timedelta(days=3), None),
    ):
        funds.get_by_role("button", name="登记一笔资金").click()
        funds.get_by_label("资金来源").select_option(source)
        funds.get_by_label("捐赠方").fill(donor)
        funds.get_by_label("金额（元）").fill(amount)
        funds.get_by_label("到账日期").fill(day.isoformat())
        if evidence is not None:
            funds.get_by_label("凭证（可选）").set_input_files(evidence)
        funds.get_by_role("button", name="登记", exact=True).click()
        funds.locator("tbody tr", has_text=donor).wait_for()
        expect(page.locator(".flash").first).to_contain_text("已登记这笔资金，等待管理员核实。")
    expect(funds).to_contain_text("申报 ¥35,000.25 · 已核实 ¥0.00 · 待核实 ¥35,000.25")
    expect(funds.locator("tbody tr", has_text="深圳市腾飞科技有限公司").get_by_role("link")).to_have_text("捐赠票据.pdf")
    expect(funds.locator("tbody tr", has_text="王先生").locator("mark")).to_have_text("待核实")

    page.get_by_role("button", name="提交申报").click()
    page.wait_for_url(f"{base}/submissions/{submission_id}")
    expect(page.locator("body")).to_contain_text("项目 S0001 已提交。截止前您仍可修改或撤回。")
    expect(page.locator("hgroup mark")).to_have_text("已提交，等待形式审查")
    assert page.locator("table").first.locator("tbody tr").count() == 3
    expect(page.locator("dl.facts")).to_contain_text("85,000.50")

    _nav(page, "我的申报")
    card = page.locator(f"#submission-{submission_id}")
    expect(card.locator("mark")).to_have_text("已提交，等待形式审查")
    expect(card).to_contain_text("申请金额 ¥85,000.50 · 募得资金：已核实 ¥0.00 / 申报 ¥35,000.25（待核实 ¥35,000.25）")
    expect(page.locator("#open-calls")).to_contain_text("本组织已申报 1 个，最多 2 个")

    # A member of another organisation finds nothing there, not even the file.
    stranger = person_page(browser)
    login(stranger, base, "zhao@example.org")
    assert stranger.goto(f"{base}/submissions/{submission_id}").status == 404
    expect(stranger.locator("body")).not_to_contain_text(PROJECT)
    assert stranger.goto(edit_url).status == 404
    assert stranger.request.get(base + attachment_url).status == 404
    _nav(stranger, "我的申报")
    expect(stranger.locator("#my-submissions")).to_contain_text("还没有申报记录。")
    logout(stranger, other_name)

    # The administrator screens it: eligible, and the enterprise's 30,000 verified.
    _nav(admin, "形式审查")
    admin.get_by_role("link", name="S0001", exact=True).click()
    expect(admin.locator("hgroup mark")).to_have_text("待审查")
    admin_funds = admin.locator("#funds")
    line = admin_funds.locator("tbody tr", has_text="深圳市腾飞科技有限公司")
    expect(line.get_by_role("link")).to_have_text("捐赠票据.pdf")
    line.get_by_role("button", name="核实").click()
    expect(admin.locator("body")).to_contain_text("“深圳市腾飞科技有限公司”的资金已更新为已核实")
    expect(admin.locator("#funds")).to_contain_text("申报 ¥35,000.25 · 已核实 ¥30,000.00 · 待核实 ¥5,000.25")
    admin.locator("#eligibility").get_by_label("审查意见").fill("材料齐全，符合申报条件。")
    admin.get_by_role("button", name="合格", exact=True).click()
    expect(admin.locator("body")).to_contain_text("S0001 已标记为合格")
    expect(admin.locator("hgroup mark")).to_have_text("合格")

    _nav(page, "我的申报")
    card = page.locator(f"#submission-{submission_id}")
    expect(card.locator("mark")).to_have_text("形式审查合格")
    expect(card).to_contain_text("募得资金：已核实 ¥30,000.00 / 申报 ¥35,000.25（待核实 ¥5,000.25）")
    card.get_by_role("button", name="修改").click()
    page.wait_for_url(edit_url)

    # The deadline passes while the member has the form open. We do not wait half an hour:
    # the call's closes_at is moved into the past on the live server's database, to the minute
    # as the call form stores it; the server then refuses by its own clock.
    call = db.scalar(select(Call).where(Call.slug == SLUG))
    call.closes_at = _minute(datetime.now(timezone.utc)) - timedelta(minutes=1)
    db.commit()
    deadline = call.closes_at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
    refused = f"申报已于北京时间 {deadline} 截止，不能再提交或修改"
    page.get_by_label("项目名称").fill(PROJECT + "（修改）")
    page.locator("#submit").get_by_role("button", name="保存修改").click()
    page.wait_for_url(f"{base}/submissions/{submission_id}")
    expect(page.locator(".flash").first).to_contain_text(refused)
    expect(page.get_by_role("heading", name=PROJECT, exact=True)).to_be_visible()  # nothing changed
    expect(page.locator("#actions")).to_contain_text(refused)
    assert page.locator("#actions").get_by_role("button", name="修改").count() == 0
    page.goto(edit_url)  # typing the address does not help
    page.wait_for_url(f"{base}/submissions/{submission_id}")
    expect(page.locator("body")).to_contain_text(refused)
    _nav(page, "我的申报")
    card = page.locator(f"#submission-{submission_id}")
    expect(card.locator("mark")).to_have_text("形式审查合格")  # the refused save did not reopen screening
    assert card.get_by_role("button", name="修改").count() == 0
    expect(page.locator("#open-calls")).to_contain_text("目前没有可以申报的征集。")

    # The call's page says the deadline has passed; its rules card shows the rules frozen at opening.
    _nav(page, "征集")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("dl.call-dates .countdown").first).to_have_text("已截止")
    expect(page.locator("#rules-card header")).to_contain_text("规则卡 · 第 1 版")
    assert _card_fact(page, "配套资金池") == "¥300,000.00"
    assert _card_fact(page, "点单项目数") == "3–5"
    assert page.locator("#rules-history").count() == 0

    # The administrator amends the pool: refused without a reason, published with one.
    _nav(admin, "征集管理")
    admin.get_by_role("link", name=TITLE).click()
    admin.get_by_role("link", name="编辑（修订须填写理由）").click()
    expect(admin.locator("body")).to_contain_text("规则的修改将作为第 2 版发布")
    expect(admin.get_by_label("配套资金池（元）")).to_have_value("300000.00")
    admin.get_by_label("配套资金池（元）").fill("500000")
    admin.get_by_role("button", name="保存修改").click()
    expect(admin.locator("#reason-error")).to_contain_text("征集开放后修改须填写修订理由")
    expect(admin.get_by_label("配套资金池（元）")).to_have_value("500000")  # nothing typed is lost
    admin.get_by_label("修订理由").fill(AMEND_REASON)
    admin.get_by_role("button", name="保存修改").click()
    expect(admin.locator("body")).to_contain_text("规则已修订为第 2 版，修订理由已公开显示")

    page.reload()
    expect(page.locator("#rules-card header")).to_contain_text("规则卡 · 第 2 版")
    assert _card_fact(page, "配套资金池") == "¥500,000.00"
    versions = page.locator("#rules-history li")
    assert versions.count() == 2
    latest, opening = versions.nth(0).inner_text(), versions.nth(1).inner_text()
    assert "第 2 版" in latest and f"修订理由：{AMEND_REASON}" in latest and "修改的设置：配套资金池（元）" in latest
    assert "第 1 版" in opening and "开放时的规则" in opening
    assert page.locator("#amendments").count() == 0  # the call's dates and texts were not changed
