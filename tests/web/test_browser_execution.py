"""Tried as a new user would, in a real browser, after the final results of the hand-worked sample
(project A of 深圳市阳光社工服务中心 gets 50,000.00 of matching, paid 25,000 / 15,000 / 10,000): the
administrator records the agreement and two milestones and pays the first tranche; the
organisation files two progress reports; the administrator accepts one and returns one; an
evaluator scores the mid-term (78 of 100, pass mark 60); the result is published, another
organisation objects, the administrator answers; the window over, the result is confirmed and the
second tranche released; a failed final evaluation (45) stops the last tranche; the public
disclosure page shows the money trail: 40,000.00 paid, 12,000.00 spent, 10,000.00 never paid."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gongyi.auth.service import create_user
from gongyi.clock import utcnow
from gongyi.execution import evaluations
from gongyi.execution.models import Evaluation
from gongyi.orgs.models import Organisation
from tests.db.execution_world import PDF, finalise, import_sample
from tests.factories import PASSWORD, make_admin
from tests.web.browser_actions import login, logout, person_page

pytestmark = pytest.mark.browser


def _member(db, email: str, name: str, organisation: str):
    user = create_user(db, None, email=email, name=name, password=PASSWORD, roles=("member",))
    user.organisation_id = db.scalar(select(Organisation.id).where(Organisation.name == organisation))
    return user


def _window_over(db, kind: str) -> None:
    """The evaluation's publicity window has passed (confirming compares now with its end)."""
    db.expire_all()
    evaluation = db.scalar(select(Evaluation).where(Evaluation.kind == kind))
    evaluation.publicity_until = utcnow() - timedelta(minutes=1)
    db.commit()


def _project_page(page) -> None:
    page.get_by_role("link", name="征集管理").click()
    page.get_by_role("link", name="2026 深圳市公益创投大赛").click()
    page.get_by_role("link", name="排名与配套").first.click()
    page.get_by_role("link", name="项目执行").last.click()
    page.get_by_role("link", name="长者助餐").click()


def _report(page, milestone: str, narrative: str, figure_label: str, figure: str, spent: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目执行").click()
    page.get_by_role("link", name="长者助餐").click()
    page.locator("article", has_text=milestone).get_by_role("link", name="为此里程碑写进展报告").click()
    page.get_by_label("进展情况").fill(narrative)
    page.get_by_label(figure_label).fill(figure)
    page.get_by_label("餐费补贴（预算").fill(spent)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("body")).to_contain_text("已保存草稿。")
    page.get_by_role("button", name="提交报告").click()
    expect(page.locator("body")).to_contain_text("已提交进展报告，等待审核。")


def _score(page, kind: str, scores: list[str], comment: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的评估").click()
    page.locator("tr", has_text="长者助餐").get_by_role("link").nth(0 if kind == "midterm" else 1).click()
    for criterion, value in zip(("计划执行", "目标达成", "资金使用", "宣传与公开"), scores):
        page.get_by_label(criterion).fill(value)
    page.get_by_label("评估意见").fill(comment)
    page.get_by_role("button", name="提交评估").click()
    expect(page.locator("body")).to_contain_text("已提交评估，等待管理员公示。")


def test_after_the_award_reports_evaluations_tranches_and_disclosure(live_server, live_session, browser, tmp_path):
    db = live_session
    admin_user = make_admin(db, "boss@example.org")
    db.commit()
    call = import_sample(live_server.app, live_server.app.test_cli_runner(), db, admin_user)
    with live_server.app.test_request_context():
        finalise(db, admin_user, call)
    _member(db, "wangfang@example.org", "王芳", "深圳市阳光社工服务中心")
    _member(db, "lilei@example.org", "李雷", "深圳市长者关爱协会")
    evaluations.create_evaluator(db, admin_user, email="eval@example.org", name="评估中心", password=PASSWORD,
                                 affiliation_id=None)
    db.commit()
    agreement = tmp_path / "协议.pdf"
    agreement.write_bytes(PDF)
    base = live_server.url

    admin = person_page(browser)
    login(admin, base, "boss@example.org")
    _project_page(admin)
    admin.get_by_label("协议编号").fill("SZ-2026-A")
    admin.get_by_label("签订日期").fill("2026-06-09")
    admin.get_by_label("执行开始日期").fill("2026-06-10")
    admin.get_by_label("执行结束日期").fill("2027-06-09")
    admin.get_by_label("签署的协议文件").set_input_files(str(agreement))
    admin.get_by_role("button", name="保存协议").click()
    expect(admin.locator("body")).to_contain_text("已登记资助协议。")
    for what, due, indicator in (("助餐服务启动", "2026-08-31", "服务人次 | 200 | 人次"),
                                 ("探访服务", "2026-12-31", "探访次数 | 50 | 次")):
        admin.get_by_text("添加里程碑", exact=True).first.click()
        admin.get_by_label("里程碑", exact=True).fill(what)
        admin.get_by_label("完成期限").fill(due)
        admin.get_by_label("指标与目标值").fill(indicator)
        admin.get_by_role("button", name="添加里程碑").click()
        expect(admin.locator("body")).to_contain_text("已添加里程碑。")
    admin.get_by_label("拨付日期").fill("2026-06-10")
    admin.get_by_label("凭证号或说明").fill("FK-001")
    admin.get_by_role("button", name="拨付第 1 期").click()
    expect(admin.locator("body")).to_contain_text("已拨付第 1 期。")
    admin.get_by_role("combobox", name="第三方评估机构").select_option(label="评估中心（eval@example.org）")
    admin.get_by_role("button", name="分配", exact=True).click()
    expect(admin.locator("body")).to_contain_text("已分配第三方评估机构。")

    # The organisation files two progress reports.
    org = person_page(browser)
    login(org, base, "wangfang@example.org")
    _report(org, "助餐服务启动", "开展助餐 30 次，服务长者 120 人次。", "服务人次", "120", "12000")
    _report(org, "探访服务", "开展探访。", "探访次数", "10", "3000")

    # The administrator accepts the first and returns the second.
    admin.reload()
    first = admin.locator("article", has_text="开展助餐 30 次")
    first.get_by_role("button", name="通过此报告").click()
    expect(admin.locator("body")).to_contain_text("已通过进展报告。")
    second = admin.locator("article", has_text="开展探访。")
    second.get_by_role("button", name="退回修改").click()
    expect(second.locator(".field-error")).to_contain_text("请写明退回意见")
    admin.locator("article", has_text="开展探访。").get_by_label("退回意见").fill("请附探访记录。")
    admin.locator("article", has_text="开展探访。").get_by_role("button", name="退回修改").click()
    expect(admin.locator("body")).to_contain_text("已退回进展报告。")
    org.get_by_role("navigation", name="主导航").get_by_role("link", name="项目执行").click()
    org.get_by_role("link", name="长者助餐").click()
    expect(org.locator("#milestones")).to_contain_text("请附探访记录。")

    # The evaluator scores the mid-term: above a maximum is refused beside it, then 78 passes.
    evaluator = person_page(browser)
    login(evaluator, base, "eval@example.org")
    evaluator.get_by_role("navigation", name="主导航").get_by_role("link", name="我的评估").click()
    evaluator.locator("tr", has_text="长者助餐").get_by_role("link").first.click()
    evaluator.get_by_label("计划执行").fill("31")
    evaluator.get_by_role("button", name="保存草稿").click()
    expect(evaluator.locator("#score-form")).to_contain_text("分数不能超过满分 30")
    _score(evaluator, "midterm", ["25", "30", "15", "8"], "助餐服务规范，记录完整。")

    # Published; another organisation objects; the administrator answers.
    admin.reload()
    admin.get_by_role("button", name="公示评估结果").click()
    expect(admin.locator("body")).to_contain_text("已公示评估结果。")
    objector = person_page(browser)
    login(objector, base, "lilei@example.org")
    objector.goto(base + "/results/sz-2026")
    objector.get_by_role("link", name="资助项目信息公开").click()
    objector.get_by_role("link", name="长者助餐").click()
    objector.get_by_role("link", name="提出异议").click()
    objector.get_by_label("真实姓名").fill("李雷")
    objector.get_by_label("联系方式").fill("13800000000")
    objector.get_by_label("异议理由").fill("服务人次可能重复统计。")
    objector.get_by_role("button", name="提交异议").click()
    expect(objector.locator("body")).to_contain_text("已提交异议。")
    admin.reload()
    admin.locator("#evaluations").get_by_role("link", name="异议").first.click()
    admin.get_by_label("答复理由").fill("经核对签到表，人次属实。")
    admin.get_by_role("button", name="异议不成立").click()
    expect(admin.locator("body")).to_contain_text("已答复异议：异议不成立。")

    # The window over, the result is confirmed and the second tranche released.
    _window_over(db, "midterm")
    _project_page(admin)
    admin.get_by_role("button", name="确定评估结果").click()
    expect(admin.locator("body")).to_contain_text("已确定评估结果。")
    admin.get_by_label("拨付日期").fill("2026-12-01")
    admin.get_by_label("凭证号或说明").fill("FK-002")
    admin.get_by_role("button", name="拨付第 2 期").click()
    expect(admin.locator("body")).to_contain_text("已拨付第 2 期。")

    # A failed final evaluation stops the last tranche.
    _score(evaluator, "final", ["10", "20", "10", "5"], "目标未达成。")
    admin.reload()
    admin.get_by_role("button", name="公示评估结果").click()
    _window_over(db, "final")
    admin.reload()
    admin.get_by_role("button", name="确定评估结果").click()
    expect(admin.locator("#tranches")).to_contain_text("结项评估未通过，尾款拨付已停止")
    org.reload()
    expect(org.locator("#tranches")).to_contain_text("已停止")

    # The public disclosure page shows the money trail.
    public = person_page(browser)
    public.goto(base + "/results/sz-2026/projects/A/disclosure")
    money = public.locator("#money")
    expect(public.locator(".funding-mark")).to_have_text("本项目由福彩公益金资助")
    expect(money.locator("tr", has_text="已拨付").first).to_contain_text("40,000.00")
    expect(money.locator("tr", has_text="已支出（已通过的进展报告）")).to_contain_text("12,000.00")
    expect(money.locator("tr", has_text="已拨付未支出")).to_contain_text("28,000.00")
    expect(money.locator("tr", has_text="未拨付")).to_contain_text("10,000.00")
    expect(public.locator("#indicators")).to_contain_text("120")
    expect(public.locator("#evaluations")).to_contain_text("未通过")
    logout(org, "王芳")
