"""Tried as a new user would, in a real browser: an organisation records its community's needs
list and orders from it on the project form; the administrator opens the coverage map and sees
the items nobody ordered and the needs nobody answered; the dashboards show the competition in
pictures with their tables and export to XLSX; the ranking and results exported from the web
match `flask calls export`."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from gongyi.communities import service as communities
from gongyi.communities.years import edition_year
from tests.factories import make_admin, make_call, make_org
from tests.web.browser_actions import login, person_page

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parent.parent / "data" / "sample-v2"


def _nav(page, name: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()


def _fill_project(page) -> None:
    page.get_by_label("项目名称").fill("长者助餐与探访")
    page.get_by_label("项目简介").fill("为莲花北社区的独居长者提供探访。")
    page.get_by_label("问题与需求依据").fill("社区独居长者 86 位。")
    page.get_by_label("项目目标").fill("每周探访一次。")
    page.get_by_label("活动与时间安排").fill("全年每周探访")
    page.get_by_label("受益对象").fill("独居长者")
    page.get_by_label("受益人数").fill("86")
    page.get_by_label("执行团队").fill("社工 3 名")
    budget = page.locator("#budget-table")
    budget.get_by_label("用途").first.fill("探访社工劳务")
    budget.get_by_label("金额（元）").first.fill("30000")


def test_needs_list_order_and_the_coverage_map(live_server, live_session, browser):
    db = live_session
    admin = make_admin(db, "boss@example.org")
    member, org = make_org(db, admin, email="lihua@example.org", name="深圳市福田区阳光社工服务中心")
    communities.create_community(db, admin, district_code="440304", street="莲花街道", name="莲花北社区", keeper_id=org.id)
    call = make_call(db, admin, slug="ft-2026", rules={"entry": {"min_items": 1, "max_items": 3}},
                     opens_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    year = edition_year(call.opens_at)
    db.commit()
    base = live_server.url

    # The organisation records its community's needs for the year.
    page = person_page(browser)
    login(page, base, "lihua@example.org")
    _nav(page, "我的社区")
    page.get_by_role("link", name=f"填写 {year} 年需求清单").click()
    page.locator("summary", has_text="02 长者服务").click()
    page.locator("#priority-02\\.01").select_option("high")
    page.get_by_label("02.01 的说明").fill("86 位独居长者无人探访")
    page.locator("summary", has_text="03 儿童青少年服务").click()
    page.locator("#priority-03\\.01").select_option("medium")
    page.get_by_label("03.01 的说明").fill("双职工家庭孩子放学后无人看护")
    page.get_by_role("button", name="保存需求清单").click()
    expect(page.locator(".flash").first).to_contain_text(f"已保存 莲花北社区 {year} 年的需求清单。")
    expect(page.locator("#needs-count")).to_have_text("已列入 2 项")

    # It orders from them: picking the community puts its needs first on the menu.
    _nav(page, "我的申报")
    page.locator("#open-calls").get_by_role("button", name="开始申报").click()
    page.get_by_role("button", name="开始申报").click()
    expect(page.locator("body")).to_contain_text("已创建申报 S0001")
    page.get_by_label("社区", exact=True).select_option(label="莲花街道 · 莲花北社区")
    listed = page.locator("#listed-needs")
    expect(listed).to_contain_text(f"本社区 {year} 年需求清单")
    expect(listed.locator(".pick").first).to_contain_text("02.01")  # the most pressing first
    expect(listed.locator(".pick").nth(1)).to_contain_text("03.01")
    expect(page.locator("#community-picked")).to_contain_text("深圳市福田区 · 莲花街道 · 莲花北社区")
    listed.locator('input[value="02.01"]').check()
    expect(page.locator('textarea[name="need-02.01"]')).to_have_value("86 位独居长者无人探访")  # the list's note
    _fill_project(page)
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("body")).to_contain_text("项目 S0001 已提交。")

    # The administrator sees what nobody ordered and which need nobody answered.
    boss = person_page(browser)
    login(boss, base, "boss@example.org")
    _nav(boss, "数据看板")
    boss.get_by_role("navigation", name="数据看板").get_by_role("link", name="需求覆盖图").click()
    boss.get_by_label("届次").select_option("ft-2026")
    boss.get_by_role("button", name="筛选").click()
    expect(boss.locator("#gaps")).to_contain_text("143 个服务项目无人点单")
    expect(boss.locator("#gaps")).to_contain_text("1 项需求无人回应")
    unanswered = boss.locator("#unanswered-table")
    expect(unanswered.locator("tbody tr")).to_have_count(1)
    expect(unanswered).to_contain_text("莲花北社区")
    expect(unanswered).to_contain_text("双职工家庭孩子放学后无人看护")
    items = boss.locator("#items-table")
    expect(items.locator("tr", has_text="03.01")).to_contain_text("无人点单，需求无人回应")
    expect(items.locator("tr", has_text="05.01")).to_contain_text("无人点单")
    expect(items.locator("tr", has_text="02.01")).not_to_contain_text("无人")
    expect(boss.locator("#categories svg.chart")).to_be_visible()
    boss.get_by_label("显示").select_option("unanswered")
    boss.get_by_role("button", name="筛选").click()
    expect(items.locator("tbody tr")).to_have_count(1)


def test_dashboards_in_pictures_and_exports_matching_the_cli(live_server, live_session, browser, tmp_path):
    db = live_session
    make_admin(db, "boss@example.org")
    db.commit()
    runner = live_server.app.test_cli_runner()
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "sz-2027"]).exit_code == 0
    cli = tmp_path / "results.csv"
    assert runner.invoke(args=["calls", "export", "sz-2027", "--out", str(cli)]).exit_code == 0
    base = live_server.url
    page = person_page(browser)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    login(page, base, "boss@example.org")

    page.goto(f"{base}/admin/calls/sz-2027/results")
    page.get_by_role("navigation", name="结果管理").get_by_role("link", name="数据看板").click()
    for key in ("by-category", "review-progress", "scores-online", "scores-final", "outcomes", "leverage", "funds", "pools"):
        panel = page.locator(f"#{key}")
        expect(panel.locator("table tbody tr").first).to_be_visible()
        if key != "leverage":
            expect(panel.locator("svg.chart")).to_be_visible()
            box = panel.locator("svg.chart").bounding_box()
            assert box["width"] <= 390  # the picture fits the phone's screen
    outcomes = page.locator("#outcomes-table")
    expect(outcomes.locator("tr", has_text="获配套资金")).to_contain_text("50,000.00")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 XLSX").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "申报项目：按类别" in workbook.sheetnames and "结果" in workbook.sheetnames
    sheet = workbook["结果"]
    assert [c.value for c in sheet[1]][:2] == ["结果", "项目"]

    # Exports from the ranking page: results.csv as the CLI writes it; a filtered ranking.
    page.goto(f"{base}/admin/calls/sz-2027/results")
    exports = page.locator("#exports")
    with page.expect_download() as download:
        exports.get_by_role("link", name="CSV").nth(1).click()  # the results
    assert Path(download.value.path()).read_bytes() == cli.read_bytes()
    page.get_by_label("结果", exact=True).select_option("library")
    page.get_by_role("button", name="筛选").click()
    shown = int(re.search(r"共 (\d+) 项", page.locator("main").inner_text()).group(1))
    with page.expect_download() as download:
        page.locator("#exports").get_by_role("link", name="XLSX").first.click()  # the ranking
    ranking = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(ranking.iter_rows(min_row=2, values_only=True))
    assert len(rows) == shown and {r[7] for r in rows} == {"进入福彩公益金项目库"}
