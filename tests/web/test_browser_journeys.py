"""The main journeys of every role on the demo edition, in Chromium on a laptop (1366x768) and a
phone (390x844), once in English: the public, an organisation, a reviewer and the administrator.
Every step is photographed (build/screenshots/<journey>/, kept when a test fails), checked with
axe-core (no serious or critical violation) and measured: nothing sideways on the page, no table
box scrolling on a laptop, the card tables within the phone's width."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gongyi.demo import DEMO_PASSWORD
from tests.web.browser_actions import LAPTOP, PHONE, Journey, login

pytestmark = pytest.mark.browser
SIZES = [pytest.param(LAPTOP, id="laptop"), pytest.param(PHONE, id="phone")]


@pytest.fixture
def demo(live_server):
    result = live_server.app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return live_server.url


@pytest.fixture
def journey(request, browser):
    made = []

    def start(name: str, size: dict, **kwargs) -> Journey:
        j = Journey(browser, f"{request.node.name}-{name}".replace("[", "-").replace("]", ""), size, **kwargs)
        made.append(j)
        return j

    yield start
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for j in made:
            j.failed()


@pytest.mark.parametrize("size", SIZES)
def test_public_visitor(demo, journey, size):
    j = journey("public", size)
    page = j.page
    page.goto(demo + "/")
    expect(page.locator("#open-calls")).to_contain_text("申报截止：北京时间")
    j.step("home")
    page.get_by_role("link", name="阅读申报指南").click()
    j.step("guide")
    page.goto(demo + "/calls/")
    j.step("calls")
    page.get_by_role("link", name="2027年社区公益创投大赛（演示，征集中）").first.click()
    expect(page.locator("#rules-card")).to_be_visible()
    j.step("open-call")
    page.goto(demo + "/results/demo-2025-publicity")
    expect(page.locator("#publicity")).to_contain_text("公示公告")
    j.step("provisional-results")
    outcome = page.locator("#results-table tbody tr").first.locator("td.card-key").first
    expect(outcome).to_be_visible()
    if j.phone:  # the outcome and the money are on the screen, not behind a sideways scroll
        box = outcome.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize("size", SIZES)
def test_organisation_member(demo, journey, size):
    j = journey("organisation", size)
    page = j.page
    login(page, demo, "org1@demo.gongyi.cn", DEMO_PASSWORD)
    page.goto(demo + "/my/submissions")
    expect(page.locator("#my-submissions")).to_contain_text("社区长者数字融入课堂")
    j.step("my-submissions")
    page.locator("#my-submissions article", has_text="社区长者数字融入课堂").get_by_role("button", name="继续填写").click()
    j.step("project-form")
    # A rejected funds entry opens at its problems, beside the funds section, with the focus there.
    funds = page.locator("#funds")
    funds.locator("summary").click()
    funds.get_by_label("资金来源").select_option("enterprise")
    funds.get_by_label("捐赠方").fill("某科技公司")
    funds.get_by_label("金额（元）").fill("-5")
    funds.get_by_role("button", name="登记", exact=True).click()
    summary = page.locator("#fund-problems")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("金额不能为负数")
    expect(summary).to_be_in_viewport()
    j.step("funds-rejected")
    funds.get_by_label("金额（元）").fill("5000")
    funds.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("body")).to_contain_text("已登记这笔资金，等待管理员核实。")
    expect(page.locator("#funds")).to_contain_text("5,000.00")
    j.step("funds-added")
    page.goto(demo + "/results/demo-2025")
    j.step("results")


@pytest.mark.parametrize("size", SIZES)
def test_reviewer(demo, journey, size):
    j = journey("reviewer", size)
    page = j.page
    login(page, demo, "reviewer1@demo.gongyi.cn", DEMO_PASSWORD)
    page.get_by_role("link", name="我的评审").click()
    j.step("queue")
    page.locator("table.cards tbody tr").first.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("需求真实")
    j.step("review")


@pytest.mark.parametrize("size", SIZES)
def test_administrator(demo, journey, size):
    j = journey("administrator", size)
    page = j.page
    login(page, demo, "admin@demo.gongyi.cn", DEMO_PASSWORD)
    page.get_by_role("link", name="形式审查").first.click()
    j.step("screening-list")
    page.get_by_role("link", name="家庭照顾者喘息服务").click()
    j.step("screening-project")
    page.get_by_role("button", name="合格", exact=True).click()
    expect(page.locator("body")).to_contain_text("已标记为合格")
    j.step("screened")
    page.goto(demo + "/admin/submissions/funds")
    j.step("funds-queue")
    page.goto(demo + "/admin/calls/demo-2026")
    expect(page.locator("#checks-finish-review")).to_contain_text("仍可能改变结果")
    j.step("before-ending-review")
    page.goto(demo + "/admin/calls/demo-2026/results")
    j.step("ranking")
    page.goto(demo + "/admin/review/demo-2026")
    j.step("review-board")
    page.goto(demo + "/admin/calls/demo-2026/dashboard")
    j.step("dashboard")
    # demo-2025: the publicity window is over; recompute, then publish the final results.
    page.goto(demo + "/admin/calls/demo-2025/publication")
    j.step("publication")
    page.get_by_role("button", name="按当前数据重新计算").click()
    expect(page.locator("body")).to_contain_text("已计算第 2 次结果。")
    page.get_by_role("button", name="发布最终结果").click()
    expect(page.locator("body")).to_contain_text("已发布最终结果（第 2 次计算）。")
    j.step("final-published")
    page.goto(demo + "/results/demo-2025")
    expect(page.locator("#objections-handled")).to_contain_text("公示期内共收到异议 1 件")
    j.step("final-results")
    page.goto(demo + "/admin/notices")
    page.get_by_role("button", name="新建通知").click()
    page.get_by_label("标题").fill("2025年大赛最终结果公告")
    page.get_by_label("正文").fill("最终结果已发布。")
    page.get_by_role("button", name="保存").click()
    page.locator("tr", has_text="2025年大赛最终结果公告").get_by_role("button", name="发布").click()
    expect(page.locator("body")).to_contain_text("已发布通知：2025年大赛最终结果公告")
    j.step("notices")


@pytest.mark.parametrize("size", SIZES)
def test_public_visitor_in_english(demo, journey, size):
    j = journey("english", size)
    page = j.page
    page.goto(demo + "/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Open calls")).to_be_visible()
    j.step("home")
    page.goto(demo + "/results/demo-2025")
    expect(page.locator("#publicity")).to_contain_text("Publicity notice")
    j.step("provisional-results")
    page.goto(demo + "/guide")
    j.step("guide")
