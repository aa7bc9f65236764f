"""Tried as a new user would, in a real browser: an administrator builds a two-round call with
0.7/0.3 panels in the editor (the weights' sum kept live), puts a reviewer on the public panel,
reviewers score round 1, the administrator closes it and sees who advanced, round 2 is scored,
results are computed, one project is held and released, and the ledger explains a capped donor
and a government line that does not count."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gongyi.calls.models import Call
from gongyi.calls.service import transition_call
from tests.factories import make_admin, make_org, make_reviewer, make_submission
from tests.web.browser_actions import login, person_page

pytestmark = pytest.mark.browser


def build_call(page, base: str) -> None:
    page.goto(base + "/admin/calls/new")
    page.get_by_label("标题").fill("2026 网评路演大赛")
    page.get_by_label("标识").fill("rounds-2026")
    page.get_by_label("申报开始时间").fill("2026-01-01T09:00")
    page.get_by_label("申报截止时间").fill("2099-12-31T17:00")
    page.get_by_label("单个捐赠方计入上限（元，留空为不设上限）").fill("50000")
    page.get_by_role("button", name="添加一轮").click()  # the server shows the form again with round 2
    first, second = page.locator("#round-1"), page.locator("#round-2")
    expect(second).to_be_visible()
    first.get_by_label("轮次代码").fill("online")
    first.get_by_label("轮次名称").fill("网评")
    first.get_by_label("参与排名所需最少评审份数").fill("1")
    first.get_by_label("晋级名额（0 为不限）").fill("2")
    row = first.locator("#round-1-criteria tbody tr").first
    row.get_by_label("代码").fill("plan")
    row.get_by_label("评分项").fill("方案")
    row.get_by_label("满分").fill("100")
    second.get_by_label("轮次代码").fill("final")
    second.get_by_label("轮次名称").fill("路演")
    second.get_by_label("参与排名所需最少评审份数").fill("1")
    row = second.locator("#round-2-criteria tbody tr").first
    row.get_by_label("代码").fill("show")
    row.get_by_label("评分项").fill("路演表现")
    row.get_by_label("满分").fill("100")
    panels = second.locator("#round-2-panels")
    panels.locator("tbody tr").first.get_by_label("权重").fill("0.7")
    second.get_by_role("button", name="添加评审组").click()
    public = panels.locator("tbody tr").last
    public.get_by_label("评审组代码").fill("public")
    public.get_by_label("权重").fill("0.2")
    expect(panels.locator("[data-weight-sum]")).to_have_text("0.9")
    expect(panels.locator("[data-weight-note]")).to_be_visible()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#round-2")).to_contain_text("各评审组权重之和须正好为 1（现为 0.9）")  # refused beside the panels
    page.locator("#round-2-panels input[value='0.2']").fill("0.3")  # the row typed before, as the server shows it
    expect(page.locator("#round-2-panels [data-weight-sum]")).to_have_text("1")
    expect(page.locator("#round-2-panels [data-weight-note]")).to_be_hidden()
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/admin/calls/rounds-2026")
    card = page.locator("#rules-card")
    expect(card).to_contain_text("规则版本：2")
    expect(card).to_contain_text("第 2 轮：路演")
    expect(card).to_contain_text("权重 0.7")
    expect(card).to_contain_text("权重 0.3")


def score(page, base: str, ref: str, label: str, value: str) -> None:
    page.goto(base + "/review/")
    page.get_by_role("row", name=ref).get_by_role("link").first.click()
    page.get_by_label(label).fill(value)
    page.get_by_role("button", name="提交评审").click()
    page.wait_for_url(base + "/review/")


def test_a_two_round_call_from_the_editor_to_a_held_project(live_server, live_session, browser):
    db = live_session
    admin = make_admin(db, "boss@example.org")
    experts = [make_reviewer(db, admin, email=f"e{i}@example.org", name=f"专家{i}") for i in (1, 2)]
    make_reviewer(db, admin, email="p1@example.org", name="大众评审1")
    _, org_a = make_org(db, admin, name="深圳市甲社工服务中心")
    _, org_b = make_org(db, admin, name="深圳市乙社工服务中心")
    db.commit()
    base = live_server.url
    boss = person_page(browser)
    login(boss, base, "boss@example.org")
    build_call(boss, base)

    call = db.scalar(select(Call).where(Call.slug == "rounds-2026"))
    transition_call(db, admin, call, "open")
    make_submission(db, call, org_a, ref="A", title="长者助餐", eligibility="eligible", funds=[
        ("enterprise", "腾讯", 20_000_000, "verified"), ("government", "区民政局", 3_000_000, "verified")])
    make_submission(db, call, org_a, ref="B", title="四点半课堂", eligibility="eligible",
                    funds=[("foundation", "某基金会", 2_000_000, "verified")])
    make_submission(db, call, org_b, ref="C", title="邻里互助", eligibility="eligible",
                    funds=[("individual", "张先生", 1_000_000, "verified")])
    transition_call(db, admin, call, "close")
    transition_call(db, admin, call, "start_review")
    db.commit()

    # The public reviewer is put on the public panel; round 1 is the experts' only.
    boss.goto(base + "/admin/review/rounds-2026")
    boss.get_by_label("大众评审1 的评审组").select_option("public")
    boss.get_by_role("button", name="保存评审组").click()
    expect(boss.locator("body")).to_contain_text("已调整 1 位评审专家的评审组")
    boss.get_by_role("button", name="一键分配").click()
    expect(boss.locator("body")).to_contain_text("已新增 6 项评审分配")

    e1 = person_page(browser)
    login(e1, base, "e1@example.org")
    for ref, value in (("A", "90"), ("B", "80"), ("C", "70")):
        score(e1, base, ref, "方案", value)

    boss.goto(base + "/admin/review/rounds-2026")
    boss.get_by_role("link", name="查看本轮排名与晋级").click()
    expect(boss.locator("#close-round")).to_contain_text("本轮还有 3 份评审没有提交")
    boss.get_by_role("button", name="结束本轮评审").click()
    expect(boss.locator("#advanced")).to_contain_text("2 个项目晋级下一轮")
    expect(boss.get_by_role("row", name="C")).to_contain_text("名次在晋级名额（前 2 名）之外")
    assert any("结束本轮评审" in text for text in boss.confirmations)
    boss.get_by_role("button", name="确认晋级名单，开始路演评分").click()
    expect(boss.locator("#rounds")).to_contain_text("路演")
    boss.get_by_role("button", name="一键分配").click()
    expect(boss.locator("body")).to_contain_text("已新增 6 项评审分配")  # A and B: two experts, one public each

    # Round 1 is locked for the reviewer; round 2 shows its own rubric only.
    e1.goto(base + "/review/")
    expect(e1.get_by_role("row", name="C")).to_have_count(0)
    for ref, value in (("A", "80"), ("B", "90")):
        score(e1, base, ref, "路演表现", value)
    p1 = person_page(browser)
    login(p1, base, "p1@example.org")
    for ref, value in (("A", "100"), ("B", "40")):
        score(p1, base, ref, "路演表现", value)

    boss.goto(base + "/admin/calls/rounds-2026")
    boss.get_by_role("button", name="结束评审").click()
    expect(boss.locator(".flash").first).to_contain_text("结果已计算")
    boss.goto(base + "/admin/calls/rounds-2026/results")
    # A: 0.7 x 80 + 0.3 x 100 = 86; B: 0.7 x 90 + 0.3 x 40 = 75
    expect(boss.get_by_role("row", name="A").first).to_contain_text("86.00")
    expect(boss.get_by_role("row", name="B").first).to_contain_text("75.00")
    expect(boss.get_by_role("row", name="C").first).to_contain_text("online")

    boss.get_by_role("link", name="暂缓拨付").first.click()
    hold = boss.locator("#hold")
    hold.get_by_label("项目编号").fill("A")
    hold.get_by_role("button", name="暂缓拨付").click()
    expect(boss.locator("#reason-error")).to_contain_text("须填写理由")
    boss.locator("#hold").get_by_label("理由").fill("投诉：疑似套捐，调查中")
    boss.locator("#hold").get_by_role("button", name="暂缓拨付").click()
    boss.wait_for_url("**/results/compare**")
    expect(boss.locator("body")).to_contain_text("暂缓拨付")
    boss.goto(base + "/admin/calls/rounds-2026/results/holds")
    release = boss.locator("#release")
    release.get_by_label("项目编号").fill("A")
    release.get_by_label("理由").fill("调查结束，投诉不成立")
    release.get_by_role("button", name="解除暂缓").click()
    boss.wait_for_url("**/results/compare**")
    boss.goto(base + "/admin/calls/rounds-2026/results/holds")
    expect(boss.locator("#holds")).to_contain_text("已解除")

    boss.goto(base + "/results/rounds-2026/projects/A?run=3")
    ledger = boss.locator(".ledger-funds")
    expect(ledger).to_contain_text("¥200,000.00 来自腾讯，按捐赠方上限计入 ¥50,000.00")
    expect(ledger).to_contain_text("¥30,000.00 来自区民政局，不计入：该资金来源不计入募集资金（如政府资金）")
    expect(ledger).to_contain_text("R = ¥50,000.00，捐赠方 1 个。")
    assert experts  # both experts were assigned in each round
