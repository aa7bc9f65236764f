"""The demo's library step: a finished edition two years back (demo-2024), through the same
services the pages use, so a newcomer sees library entries (one funded from the library pool,
two waiting and carried into demo-2025's library), a brand project (its final evaluation passed,
confirmed after publicity) with a replication in the open call, and a co-funder with a confirmed
and a pending pledge.

Called by gongyi.demo.load_demo once its own editions exist, with the demo's people (`cast`), its
builder of a project's fields, its password and its review rules.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.auth import service as accounts
from gongyi.calls.models import Call
from gongyi.calls.rules import rubric
from gongyi.calls.service import apply_transition, create_call, transition_call
from gongyi.execution import evaluations
from gongyi.execution.demo_edition import EVALUATOR
from gongyi.execution.models import ExecutionRecord
from gongyi.library import brands, cofunders, entries
from gongyi.results import publication
from gongyi.results.service import compute_call
from gongyi.review import service as review
from gongyi.review.models import Review
from gongyi.submissions import screening
from gongyi.submissions import service as submissions
from gongyi.submissions.models import Submission

CO_FUNDER = ("cofunder@demo.gongyi.cn", "共同资助方 吴芳", "深圳市鹏城慈善基金会")
RULES = {
    "entry": {"max_per_org": 2, "min_items": 1, "max_items": 5},
    "matching": {"pool": "80000.00", "award_top": 2, "ratio": "1", "cap": "50000.00", "policy": "rank_order"},
    "library": {"pool": "10000.00", "policy": "rank_order"},
}
# (organisation index, title, items with needs, budget, funds, each reviewer's score per criterion)
PROJECTS = [
    (0, "长者健康管家", {"02.01": "独居长者慢病管理无人跟进"}, [("健康管理服务", "50000.00")],
     [("enterprise", "深圳某医药公司", "40000.00")], "18"),
    (1, "家庭照顾者喘息驿站", {"14.02": "家庭照顾者长期缺少喘息"}, [("喘息服务", "40000.00")],
     [("foundation", "某公益基金会", "30000.00")], "17"),
    (2, "儿童阅读角", {"04.01": "困境儿童缺少课外陪伴"}, [("图书与活动", "30000.00")],
     [("individual", "爱心家长", "5000.00")], "16"),
    (3, "社区法律服务站", {"27.01": "居民法律咨询无门"}, [("律师值班", "25000.00")], [], "15"),
    (1, "社区防跌倒行动", {"31.05": "老旧楼栋长者居家跌倒风险高"}, [("评估与改造", "20000.00")], [], "14"),
]


def load_library_demo(session: Session, cast: Any, now, *, project_fields: Callable[..., dict], password: str,
                      review_rules: dict[str, Any]) -> Call:
    past = _past_edition(session, cast, now, project_fields, {**RULES, "review": review_rules})
    by_title = {s.title: s for s in session.scalars(select(Submission).where(Submission.call_id == past.id))}
    following = session.scalar(select(Call).where(Call.slug == "demo-2025"))
    autumn = session.scalar(select(Call).where(Call.slug == "demo-2027"))
    entries.carry_entries(session, cast.admin, past, following)  # the two waiting entries move on
    entries.update_settings(session, cast.admin, autumn, expires_after=2, failed_evaluation_editions=2,
                            no_second_funding=True, barred_list=True, mark_replications=True)
    origin = by_title["长者健康管家"]
    _final_evaluation(session, cast.admin, origin, past.closes_at + timedelta(days=330))
    brand = brands.designate_brand(
        session, cast.admin, origin, name="长者健康管家", what="社工与社区医生结对，为独居长者做慢病管理和定期探访。",
        for_whom="社区独居、高龄长者", results="一年服务 320 人次，长者满意度 96%，急诊就诊次数下降。",
        criteria=["evaluation_passed", "replicable"])
    draft = brands.replicate_brand(session, cast.members[2], brand, autumn)
    submissions.save_draft(session, cast.members[2], draft, {"community_id": str(cast.communities[2].id)})
    _pledges(session, cast, by_title, password)
    return past


def _past_edition(session: Session, cast: Any, now, project_fields: Callable[..., dict], rules: dict) -> Call:
    """An edition two years back, taken to final results (its funded projects go into execution)."""
    admin = cast.admin
    opens, closes = now - timedelta(days=800), now - timedelta(days=770)
    past = create_call(session, admin, slug="demo-2024", title="2024年社区公益创投大赛（演示，已结束）",
                       description="上一届：结果已确定，未获配套的入围项目进入项目库。", opens_at=opens, closes_at=closes,
                       review_deadline=closes + timedelta(days=20), rules=rules)
    transition_call(session, admin, past, "open")
    while_open = closes - timedelta(days=5)
    projects = []
    for index, (org_index, title, items, budget, funds, _) in enumerate(PROJECTS):
        member = cast.members[org_index]
        project = submissions.create_submission(session, member, past, now=while_open, **project_fields(
            cast.organisations[org_index], title, items, budget, cast.communities[org_index]))
        for source, donor, amount in funds:
            submissions.add_funding_line(session, member, project, source=source, donor=donor, amount=amount,
                                         received_on=(while_open - timedelta(days=10)).date(), now=while_open)
        submissions.submit_project(session, member, project, now=while_open + timedelta(minutes=index))
        projects.append(project)
    transition_call(session, admin, past, "close")
    for project in projects:
        screening.set_eligibility(session, admin, project, True)
        for line in project.funding_lines:
            screening.verify_funding_line(session, admin, line)
    transition_call(session, admin, past, "start_review")
    review.assign_reviewers(session, admin, past)
    criteria = [c["code"] for c in rubric(past.rules)]
    for project, (*_, score) in zip(projects, PROJECTS):
        for row in session.scalars(select(Review).where(Review.submission_id == project.id).order_by(Review.reviewer_id)):
            review.save_review(session, session.get(type(admin), row.reviewer_id), row,
                               scores={c: score for c in criteria}, comments={c: "" for c in criteria},
                               overall_comment="设计完整，执行可行。", submit=True)
    provisional = apply_transition(session, admin, past, "finish_review")  # computes the results
    publication.publish_results(session, admin, provisional, "provisional", working_days=5,
                                now=closes + timedelta(days=30))
    final = compute_call(session, admin, past, note="演示：公示期满")
    publication.publish_results(session, admin, final, "final", working_days=5, now=closes + timedelta(days=45))
    return past


def _final_evaluation(session: Session, admin: Any, submission: Submission, at) -> None:
    """The demo's evaluator passes the project's final evaluation; confirmed after its publicity."""
    rec = session.scalar(select(ExecutionRecord).where(ExecutionRecord.submission_id == submission.id))
    evaluator = accounts.find_user(session, EVALUATOR[0])
    evaluations.assign_evaluator(session, admin, rec, evaluator)
    criteria, _ = evaluations.rubric_of(session, submission.call)
    evaluation = evaluations.save_evaluation(
        session, evaluator, rec, "final", scores={c["code"]: str(int(c["max"]) * 9 // 10) for c in criteria},
        comment="目标全部达成，资金使用规范，可推广复制。", submit=True, now=at)
    evaluations.publish_evaluation(session, admin, evaluation, working_days=5, now=at)
    evaluations.confirm_evaluation(session, admin, evaluation, now=at + timedelta(days=10))


def _pledges(session: Session, cast: Any, by_title: dict[str, Submission], password: str) -> None:
    email, name, funder_name = CO_FUNDER
    funder_user = accounts.create_user(session, None, email=email, name=name, password=password, roles=())
    cofunders.add_co_funder(session, cast.admin, email=email, name=funder_name, kind="foundation")
    confirmed = cofunders.make_pledge(session, funder_user, by_title["社区法律服务站"], amount="10000.00",
                                      conditions="用于律师值班补贴，按季度报告服务量", message="支持社区法治建设")
    cofunders.confirm_pledge(session, cast.admin, confirmed)
    cofunders.make_pledge(session, funder_user, by_title["社区防跌倒行动"], amount="5000.00",
                          conditions="优先服务高龄独居长者", message="期待项目成效")
    cast.accounts.append((email, password, f"co_funder · {funder_name}"))
