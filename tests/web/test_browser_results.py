"""Tried as a new user would, in a real browser, on the hand-worked sample package (arithmetic in
tests/db/test_call_package.py): the administrator ends the review, computes results (C gets the
last 20,000.00 of the 100,000 pool), tries a pool of 200,000 in the what-if view (C would get
40,000.00; nothing is saved), publishes provisional results; anyone reads them without logging
in; a member of C's organisation reads C's ledger and files an objection under their real name
(B's 30,000 from 某基金会 was never received); the administrator upholds it, rejects that funding
line, recomputes and, once the publicity window is over, publishes final results whose public
page shows what changed against the provisional ones."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gongyi.auth.service import create_user
from gongyi.clock import utcnow
from gongyi.orgs.models import Organisation
from gongyi.results.models import Run
from tests.factories import PASSWORD, make_admin
from tests.web.browser_actions import login, logout, person_page

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
CALL_TITLE = "2026 深圳市公益创投大赛"


def _publication_page(page) -> None:
    """From the call's administration page, as an administrator finds it."""
    page.get_by_role("link", name="征集管理").click()
    page.get_by_role("link", name=CALL_TITLE).click()
    page.get_by_role("link", name="公示与异议").first.click()


def _cells(table, ref: str) -> list[str]:
    """The texts of the cells of the row for project `ref` in `table`."""
    row = table.locator("tbody tr").filter(has=table.page.locator("code").get_by_text(ref, exact=True))
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def test_compute_what_if_publicity_objection_and_final_results(live_server, live_session, browser):
    db = live_session
    result = live_server.app.test_cli_runner().invoke(args=["calls", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    make_admin(db, "boss@example.org")
    elders = db.scalar(select(Organisation).where(Organisation.name == "深圳市长者关爱协会"))  # owns C and D
    member = create_user(db, None, email="wangfang@example.org", name="王芳", password=PASSWORD, roles=("member",))
    member.organisation_id = elders.id
    db.commit()
    base = live_server.url

    # The administrator ends the review, which computes the results on the final reviews.
    admin = person_page(browser)
    login(admin, base, "boss@example.org")
    admin.get_by_role("link", name="征集管理").click()
    admin.get_by_role("link", name=CALL_TITLE).click()
    # Above the button: A, ranked first, still has 10,000 waiting for verification.
    expect(admin.locator("#checks-finish-review")).to_contain_text("¥10,000.00 待核实")
    admin.get_by_role("button", name="结束评审").click()
    expect(admin.locator("body")).to_contain_text("征集状态已改为：结果已计算")
    expect(admin.locator("body")).to_contain_text("已计算第 1 次结果。")
    assert admin.confirmations == ["确定要“结束评审”吗？征集将变为“结果已计算”。 上方列出的 1 项仍可能改变结果。"]
    admin.get_by_role("link", name="排名与配套").first.click()
    expect(admin.locator("body")).to_contain_text("第 1 次计算")
    ranking = admin.locator("table.striped")
    # rank, ref, title, organisation, complete reviews, score, outcome, verified raised, matching, library
    assert _cells(ranking, "A") == ["1", "A", "长者助餐", "深圳市阳光社工服务中心", "5", "85.00", "获配套资金",
                                    "60,000.00", "50,000.00", "0.00"]
    assert _cells(ranking, "B")[8] == "30,000.00"
    assert _cells(ranking, "C") == ["3", "C", "邻里互助", "深圳市长者关爱协会", "3", "71.00", "获配套资金",
                                    "40,000.00", "20,000.00", "0.00"]
    assert _cells(ranking, "D")[6:] == ["进入福彩公益金项目库", "0.00", "0.00", "16,666.67"]

    # What if the matching pool were 200,000? C would get its whole demand; nothing is saved.
    admin.get_by_role("link", name="模拟测算").click()
    matching = admin.get_by_role("group", name="配套资金")
    expect(matching.get_by_label("资金池（元）")).to_have_value("100000.00")
    matching.get_by_label("资金池（元）").fill("200000")
    admin.get_by_role("button", name="测算", exact=True).click()
    expect(admin.get_by_role("heading", name="测算结果")).to_be_visible()
    allocated = admin.locator("table").first.locator("tbody tr").first
    assert allocated.locator("td").all_inner_texts() == ["配套资金已分配", "100,000.00", "120,000.00"]
    expect(admin.get_by_role("heading", name="与当前结果相比有变化的项目（1）")).to_be_visible()
    diff = admin.locator("table").nth(1)
    assert _cells(diff, "C") == ["C", "3", "获配套资金", "20,000.00 → 40,000.00", "0.00"]
    admin.get_by_role("link", name="排名与配套").click()
    assert _cells(admin.locator("table.striped"), "C")[8] == "20,000.00"
    assert admin.locator("#runs tbody tr").count() == 1  # the trial saved nothing

    # Provisional results: published from the publication page, readable by anyone without logging in.
    admin.get_by_role("link", name="公示与异议").click()
    admin.get_by_role("button", name="发布公示结果").click()
    expect(admin.locator("body")).to_contain_text("已发布公示结果（第 1 次计算），公示期至")
    assert admin.confirmations[-1] == "确定发布第 1 次计算为公示结果吗？发布后规则不能再修改。 上方列出的 1 项仍可能改变结果。"
    logout(admin, "管理员")
    admin.get_by_role("link", name="征集", exact=True).click()
    admin.get_by_role("link", name=CALL_TITLE).click()
    admin.get_by_role("button", name="结果公示").click()
    expect(admin.locator("mark.badge-provisional")).to_have_text("公示结果（暂定）")
    public = admin.locator("#results-table")
    assert _cells(public, "C")[6:10] == ["获配套资金", "40,000.00", "20,000.00", "0.00"]
    expect(public).not_to_contain_text("计算明细")  # ledgers are for the project's organisation only

    # A member of C's organisation reads C's ledger and objects, under their real name.
    elder = person_page(browser)
    login(elder, base, "wangfang@example.org")
    elder.goto(base + "/results/sz-2026")
    elder.locator("#results-table tbody tr", has_text="邻里互助").get_by_role("link", name="计算明细").click()
    ledger = elder.locator("section.ledger").inner_text()
    assert "R = ¥40,000.00（只计已核实的资金，待核实和未通过的不计）。" in ledger
    assert "上限 C = ¥50,000.00，封顶后需求 D = min(d, C) = ¥40,000.00。" in ledger
    assert "资金池 ¥100,000.00 少于各项目需求 D 合计 ¥120,000.00，按名次从前往后依次足额分配。" in ledger
    assert ("轮到第 3 名时资金池只剩 ¥20,000.00，不够这一名次的项目（需求合计 ¥40,000.00）足额获得，"
            "按各自 D 的比例分享：¥40,000.00 × ¥20,000.00 ÷ ¥40,000.00 = ¥20,000.00。") in ledger
    elder.get_by_role("button", name="对此结果提出异议").click()
    elder.get_by_label("联系方式").fill("13800138000")
    elder.get_by_label("异议理由").fill("B 项目申报的某基金会 30,000 元并未到账，挤占了本项目的配套资金。")
    elder.get_by_role("button", name="提交异议").click()
    expect(elder.locator("#real_name-error")).to_contain_text("请填写真实姓名，不受理匿名异议")
    expect(elder.get_by_label("联系方式")).to_have_value("13800138000")  # nothing typed is lost
    elder.get_by_label("真实姓名").fill("王芳")
    elder.get_by_role("button", name="提交异议").click()
    elder.wait_for_url("**/objections/mine")
    expect(elder.locator("body")).to_contain_text("异议已提交，管理员答复后会通知您。")
    expect(elder.locator("article")).to_contain_text("等待管理员答复")

    # The administrator upholds the objection, rejects B's unreceived funds and recomputes.
    login(admin, base, "boss@example.org")
    _publication_page(admin)
    expect(admin.locator("body")).to_contain_text("还有 1 件待答复。")
    objections = admin.locator("#objections")
    assert _cells(objections, "C")[1:] == ["C 邻里互助", "深圳市长者关爱协会", "王芳", "待处理", "答复"]
    objections.get_by_role("link", name="答复").click()
    expect(admin.locator("body")).to_contain_text("B 项目申报的某基金会 30,000 元并未到账")
    expect(admin.locator("body")).to_contain_text("13800138000")
    admin.get_by_label("答复理由").fill("经向某基金会核实，该笔 30,000 元捐赠未到账，B 项目的该笔资金予以驳回。")
    admin.get_by_role("button", name="异议成立").click()
    expect(admin.locator("body")).to_contain_text("已答复异议：异议成立。")

    admin.get_by_role("link", name="形式审查").first.click()
    admin.get_by_role("link", name="B", exact=True).click()
    line = admin.locator("#funds tbody tr", has_text="某基金会")
    line.get_by_label("驳回理由").fill("捐赠方书面确认未到账（异议成立）")
    line.get_by_role("button", name="驳回").click()
    expect(admin.locator("body")).to_contain_text("“某基金会”的资金已更新为已驳回")

    _publication_page(admin)
    admin.get_by_label("重新计算的说明（可选）").fill("异议成立，已驳回 B 的某基金会资金")
    admin.get_by_role("button", name="按当前数据重新计算").click()
    expect(admin.locator("body")).to_contain_text("已计算第 2 次结果。")
    expect(admin.locator("body")).to_contain_text("公示期尚未结束。")
    assert admin.get_by_role("button", name="发布最终结果").is_disabled()
    expect(admin.locator("#publish-final-when")).to_contain_text("24:00（北京时间）结束后即可发布。")

    # Final results may only be published once the publicity window (5 working days) has ended:
    # publication.publish_results compares now with the provisional run's publicity_until, so we
    # let the window pass by moving that end into the past.
    db.expire_all()
    provisional = db.scalar(select(Run).where(Run.number == 1))
    provisional.publicity_until = utcnow() - timedelta(minutes=1)
    db.commit()
    admin.reload()
    expect(admin.locator("body")).not_to_contain_text("公示期尚未结束。")
    admin.get_by_role("button", name="发布最终结果").click()
    expect(admin.locator("body")).to_contain_text("已发布最终结果（第 2 次计算）。")
    assert admin.confirmations[-1] == "确定发布第 2 次计算为最终结果吗？ 上方列出的 1 项仍可能改变结果。"  # A's pending line

    # Anyone sees the final results and what changed against the provisional ones.
    logout(admin, "管理员")
    admin.goto(base + "/results/sz-2026")
    expect(admin.locator("mark.badge-final")).to_have_text("最终结果")
    changes = admin.locator("#changes")
    expect(changes.get_by_role("heading", name="与公示结果相比的变化")).to_be_visible()
    # ref, title, rank, outcome, score, verified raised, matching, library
    assert _cells(changes, "C")[6] == "20,000.00 → 40,000.00"
    assert changes.locator("tbody tr", has_text="邻里互助").locator("mark").all_inner_texts() == ["40,000.00"]
    # B keeps its rank but, with no verified funds, gets no matching and joins the library, whose
    # 30,000 pool is now shared pro rata by B (45,000), G (20,000) and D (25,000).
    assert _cells(changes, "B")[2:] == ["2", "获配套资金 → 进入福彩公益金项目库", "85.00", "30,000.00 → 0.00",
                                        "30,000.00 → 0.00", "0.00 → 15,000.00"]
    assert _cells(changes, "G")[7] == "13,333.33 → 6,666.67"
    assert _cells(changes, "D")[7] == "16,666.67 → 8,333.33"
    expect(changes).to_contain_text("以下 4 个项目的名次或金额有变化")
    assert _cells(changes, "A") == []  # unchanged rows are not listed
    final = admin.locator("#results-table")
    assert _cells(final, "C")[8] == "40,000.00"
    assert final.locator("tbody tr.changed code").all_inner_texts() == ["B", "C", "G", "D"]
    assert _cells(final, "A")[8] == "50,000.00"

    # The objector sees the answer, and C's ledger now explains the final amount.
    elder.reload()
    answered = elder.locator("article").inner_text()
    assert "异议成立" in answered and "该笔 30,000 元捐赠未到账" in answered
    elder.goto(base + "/results/sz-2026/projects/C")
    expect(elder.locator("mark.badge-final")).to_be_visible()
    expect(elder.locator(".ledger-matching header")).to_have_text("配套资金：¥40,000.00")
    assert ("资金池 ¥100,000.00，各项目需求 D 合计 ¥90,000.00，资金池足够，每个项目足额获得自己的 D，"
            "本项目得 ¥40,000.00。") in elder.locator("section.ledger").inner_text()
