"""Tried as a new user would, in a real browser: the administrator assigns a call's 20 submissions to 6
reviewers with one click (one of them affiliated with a submitting organisation); two reviewers score
the same project in parallel browsers, with the live total, and never see each other's scores; blind
mode hides the organisation; the board and the calibration page show the state."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gongyi.auth.models import User
from gongyi.calls.service import transition_call
from gongyi.review.models import Review
from gongyi.submissions.models import Submission
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission
from tests.web.browser_actions import login, person_page

pytestmark = pytest.mark.browser

RULES = {"review": {"criteria": [{"code": "need", "name": "需求真实", "max": 20, "guide": "是否有社区调研"},
                                 {"code": "plan", "name": "方案可行", "max": 30}],
                    "reviewers_per_submission": 5, "blind": True}}


def _login(browser, base: str, email: str):
    page = person_page(browser)  # accepts the confirmation before submitting a review
    login(page, base, email)
    return page


def test_assign_score_in_parallel_blind_board_and_calibration(live_server, live_session, browser):
    db = live_session
    admin = make_admin(db, "boss@example.org")
    call = make_call(db, admin, status="closed", rules=RULES)
    orgs = [make_org(db, admin, name=f"深圳市第{i}社工服务中心")[1] for i in range(4)]
    for i in range(20):
        make_submission(db, call, orgs[i % 4], eligibility="eligible", ref=f"SZ-{i:02d}", title=f"社区项目{i:02d}")
    affiliated = make_reviewer(db, admin, email="r0@example.org", name="关联专家", affiliation=orgs[0])
    for i in range(1, 6):
        make_reviewer(db, admin, email=f"r{i}@example.org", name=f"专家{i}")
    db.commit()
    base = live_server.url

    boss = _login(browser, base, "boss@example.org")
    boss.get_by_role("link", name="评审管理").click()
    boss.get_by_role("link", name="测试征集").click()
    boss.get_by_role("button", name="一键分配").click()
    expect(boss.locator("body")).to_contain_text("已新增 100 项评审分配")
    own_org = set(db.scalars(select(Submission.id).where(Submission.organisation_id == orgs[0].id)))
    held = set(db.scalars(select(Review.submission_id).where(Review.reviewer_id == affiliated.id)))
    assert len(held) == 15 and not held & own_org

    transition_call(db, admin, db.merge(call), "start_review")
    db.commit()
    shared = db.scalar(select(Submission).where(Submission.ref == "SZ-01"))
    emails = db.scalars(select(User.email).join(Review, Review.reviewer_id == User.id)
                        .where(Review.submission_id == shared.id).order_by(User.id).limit(2)).all()
    first, second = (_login(browser, base, email) for email in emails)
    ref, org_name = shared.ref, orgs[1].name

    for page in (first, second):
        page.get_by_role("link", name="我的评审").click()
        page.get_by_role("row", name=ref).get_by_role("link").click()
        expect(page.locator("body")).to_contain_text("盲评")
        assert org_name not in page.content()

    first.get_by_label("需求真实").fill("18.5")
    first.get_by_label("方案可行").fill("25")
    expect(first.locator("#score-total")).to_have_text("43.50")
    first.get_by_label("方案可行").fill("31")
    expect(first.locator("#score-total")).to_have_text("—")
    first.get_by_label("方案可行").fill("25.25")
    first.locator("#comment_0").fill("甲：调研扎实")
    first.get_by_role("button", name="保存草稿").click()
    expect(first.locator("body")).to_contain_text("草稿已保存")
    expect(first.locator("#score-total")).to_have_text("43.75")

    second.reload()
    assert "18.5" not in second.content() and "甲：调研扎实" not in second.content()
    first.get_by_role("button", name="提交评审").click()
    first.wait_for_url(base + "/review/")
    expect(first.locator("body")).to_contain_text("已提交")

    second.reload()
    assert "甲：调研扎实" not in second.content() and "43.75" not in second.content()
    second.get_by_label("需求真实").fill("3")
    second.get_by_label("方案可行").fill("7")
    second.get_by_role("button", name="提交评审").click()
    second.wait_for_url(base + "/review/")

    boss.goto(base + f"/admin/review/{call.slug}")
    row = boss.get_by_role("row", name=ref)
    expect(row.locator("td").nth(3)).to_have_text(re.compile(r"^\s*5"))
    expect(row.locator("td").nth(4)).to_have_text("2")
    boss.get_by_role("link", name="评分校准").first.click()
    expect(boss.locator("body")).to_contain_text("33.75")
    expect(boss.locator("body")).to_contain_text("分歧")  # 43.75 - 10 = 33.75 > the default 20
