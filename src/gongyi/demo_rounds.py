"""The demo's edition judged in rounds (rules version 2), built through the services the UI uses.

An online review (网评) by the expert panel, then a roadshow final (路演) weighted experts 0.7 and
public 0.3; a donor cap of ¥50,000 that one large donor goes over, a government funding line
that does not count, round 1 closed and the final scored, results computed and one project's
funding held while a complaint is investigated.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.calls.rules import rubric
from gongyi.calls.service import apply_transition, create_call, transition_call
from gongyi.results.holds import hold_submission
from gongyi.review import service as review
from gongyi.review.models import Review
from gongyi.submissions import screening
from gongyi.submissions import service as submissions
from gongyi.submissions.models import Submission

FINAL_CRITERIA = [{"code": "pitch", "name": "路演表现", "max": 50, "guide": "陈述清楚，回答评委提问有据"},
                  {"code": "plan", "name": "实施方案", "max": 50, "guide": "方案可行，预算合理"}]
ROUNDS_RULES: dict[str, Any] = {
    "entry": {"max_per_org": 2, "min_items": 1, "max_items": 5},
    "review": {"min_reviews": 2, "reviewers_per_submission": 2},
    "funds": {"counted_sources": ["enterprise", "individual", "foundation", "other"], "donor_cap": "50000.00",
              "min_donors": 1},
    "rounds": [
        {"code": "online", "name": "网评", "advance": 4,
         "panels": [{"code": "expert", "weight": "1"}]},
        {"code": "final", "name": "路演", "criteria": FINAL_CRITERIA,
         "panels": [{"code": "expert", "weight": "0.7", "min_reviews": 2},
                    {"code": "public", "weight": "0.3", "min_reviews": 1}]},
    ],
    "matching": {"pool": "100000.00", "award_top": 3, "ratio": "1", "cap": "50000.00", "policy": "rank_order"},
    "library": {"pool": "40000.00", "policy": "pro_rata"},
}
# (organisation index, title, items with needs, budget, funds (source, donor, yuan))
PROJECTS = [
    (0, "社区长者健康管理", {"02.01": "独居长者慢病管理无人跟进"}, [("健康讲座与随访", "60000.00")],
     [("enterprise", "腾讯", "200000.00"), ("individual", "社区居民捐赠", "6000.00")]),  # over the donor cap
    (0, "青少年四点半学堂", {"03.01": "放学后无人看护"}, [("课程", "30000.00")],
     [("foundation", "某公益基金会", "25000.00")]),
    (1, "照顾者喘息驿站", {"14.01": "家庭照顾者缺少喘息"}, [("喘息服务", "50000.00")],
     [("enterprise", "南山某银行", "40000.00"), ("government", "街道办配套", "30000.00")]),  # government: not counted
    (1, "楼栋邻里议事会", {"19.01": "邻里陌生、议事无门"}, [("活动物资", "20000.00")],
     [("other", "业委会", "8000.00")]),
    (2, "困境儿童陪伴成长", {"04.01": "困境儿童缺乏陪伴"}, [("个案服务", "45000.00")],
     [("foundation", "龙岗某慈善会", "35000.00"), ("enterprise", "某制造企业", "15000.00")]),
    (2, "社区心理支持热线", {"12.02": "居民心理咨询需求增长"}, [("咨询师费用", "30000.00")],
     [("individual", "爱心人士", "5000.00")]),
]
HELD = ("社区长者健康管理", "收到实名投诉：反映大额捐赠疑似回流至申报组织（套捐），调查期间暂缓拨付")


def rounds_edition(session: Session, admin: User, members: list[User], organisations: list[Any],
                   communities: list[Any], public_reviewers: list[User], project_fields: Callable[..., dict],
                   now: datetime, rng: random.Random) -> Call:
    """Last autumn's edition, judged in two rounds, results computed, one project held."""
    opens, closes = now - timedelta(days=150), now - timedelta(days=120)
    call = create_call(session, admin, slug="demo-2025-rounds", title="2025年社区公益创投大赛·网评与路演（演示）",
                       description="分两轮评审：专家网评后，前 4 名进入路演，路演按专家 70%、大众评审 30% 计分；"
                                   "单个捐赠方最多计入 5 万元，政府资金不计入募集资金。",
                       opens_at=opens, closes_at=closes, rules=ROUNDS_RULES)
    transition_call(session, admin, call, "open")
    while_open = closes - timedelta(days=5)
    entries = []
    for index, (org_index, title, items, budget, funds) in enumerate(PROJECTS):
        member = members[org_index]
        project = submissions.create_submission(session, member, call, now=while_open,
                                                **project_fields(organisations[org_index], title, items, budget,
                                                                 communities[org_index]))
        for source, donor, amount in funds:
            submissions.add_funding_line(session, member, project, source=source, donor=donor, amount=amount,
                                         received_on=(while_open - timedelta(days=10)).date(), now=while_open)
        submissions.submit_project(session, member, project, now=while_open + timedelta(minutes=index))
        entries.append(project)
    transition_call(session, admin, call, "close")
    for project in entries:
        screening.set_eligibility(session, admin, project, True)
        for line in project.funding_lines:
            screening.verify_funding_line(session, admin, line)
    transition_call(session, admin, call, "start_review")
    review.set_reviewer_panels(session, admin, call, {r.id: "public" for r in public_reviewers})
    held = next(p for p in entries if p.title == HELD[0])
    review.assign_reviewers(session, admin, call)
    _score_round(session, call, "online", rng, held.id)
    review.close_round(session, admin, call, "online")
    review.open_next_round(session, admin, call)
    review.assign_reviewers(session, admin, call)
    _score_round(session, call, "final", rng, held.id)
    apply_transition(session, admin, call, "finish_review")  # computes the results
    hold_submission(session, admin, held, HELD[1])  # saves a new run
    return call


def _score_round(session: Session, call: Call, code: str, rng: random.Random, strong: int) -> None:
    """Every review of the round, submitted with scores of a project's own quality (`strong`: a
    project that does well, so that its hold shows)."""
    criteria = rubric(call.rules, code)
    rows = session.scalars(select(Review).join(Submission, Submission.id == Review.submission_id)
                           .where(Submission.call_id == call.id, Review.round == code)
                           .order_by(Submission.ref, Review.reviewer_id)).all()
    quality = {row.submission_id: 90 if row.submission_id == strong else rng.randint(55, 88) for row in rows}
    for row in rows:
        share = quality[row.submission_id] + rng.randint(-4, 4)
        scores = {c["code"]: str(min(int(c["max"]), max(0, round(int(c["max"]) * share / 100)))) for c in criteria}
        review.save_review(session, session.get(User, row.reviewer_id), row, scores=scores,
                           comments={c["code"]: "" for c in criteria}, overall_comment="", submit=True)
