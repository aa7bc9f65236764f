"""Histories and the mail log name what happened in words, whoever did it: a member's saves and
declared funds, an administrator's decisions, reminders queued by a job."""
from __future__ import annotations

import re

from gongyi.mail.service import queue_message
from gongyi.review import service as review_service
from gongyi.submissions import service
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

COMPLETE = {
    "community_name": "莲花北社区", "community_street": "莲花街道", "community_district": "440304",
    "title": "长者食堂与探访", "summary": "为独居长者提供助餐和探访。", "problem": "独居长者 320 人。",
    "objectives": "服务 120 名长者。", "activities": "助餐与探访", "beneficiary_group": "独居长者",
    "beneficiary_count": "120", "team": "社工 3 名", "items": {"02.01": "独居长者缺少照看"},
}
RAW_CODE = re.compile(r"\b(?:submission|funding_line|review|call|attachment)\.[a-z_]+\b|review_due|objection_answer")


def _history(page: str, heading: str) -> str:
    """The part of the page from the history's heading on."""
    assert heading in page
    return page[page.index(heading):]


def test_member_and_administrator_actions_are_named_on_the_screening_page(client, auth, db):
    admin = make_admin(db, email="boss@example.org")
    call = make_call(db, admin)
    member, _ = make_org(db, admin)
    submission = service.create_submission(db, member, call)
    service.save_draft(db, member, submission, {**COMPLETE, "budget": [{"what": "人员费用", "amount": "60000"}]})
    service.add_funding_line(db, member, submission, source="enterprise", donor="甲公司", amount="3000")
    service.submit_project(db, member, submission)
    db.commit()
    auth.login("boss@example.org")
    client.post(f"/admin/submissions/{submission.id}/eligibility", data={"ineligible": "不合格", "reason": "缺少年检报告"})
    history = _history(client.get(f"/admin/submissions/{submission.id}").get_data(as_text=True), "处理记录")
    for label in ("创建申报", "保存草稿", "登记募得资金", "提交申报", "判定不合格"):
        assert label in history
    assert not RAW_CODE.search(history)


def test_review_history_and_mail_log_use_labels(client, auth, db):
    admin = make_admin(db, email="boss@example.org")
    call = make_call(db, admin, status="reviewing")
    _, org = make_org(db, admin)
    reviewer = make_reviewer(db, admin, email="r@example.org")
    review = review_service.add_reviewer(db, admin, make_submission(db, call, org, eligibility="eligible"), reviewer)
    for kind in ("review_due", "objection_answer"):
        queue_message(db, None, to="r@example.org", subject="主题", body="正文", kind=kind)
    db.commit()
    auth.login("boss@example.org")
    history = _history(client.get(f"/admin/reviews/{review.id}").get_data(as_text=True), "记录")
    assert "分配评审" in history and not RAW_CODE.search(history)
    page = client.get("/admin/mail").get_data(as_text=True)
    cells = re.findall(r"<td>([^<]*)</td>\s*<td>(?:<mark|待发送)", page)
    assert sorted(cells) == ["异议答复通知", "评审截止提醒"]

    client.post("/language", data={"locale": "en", "next": "/admin/mail"})
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "Review deadline reminder" in page and "review_due" not in page
