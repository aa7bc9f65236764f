"""The demo edition, built through the same services the UI uses.

Five calls: last year's edition, whose final results are published and whose funded projects
are in execution (execution/demo_edition.py); a micro-venture edition of the same year whose
provisional results were published and whose publicity window has ended (one objection,
answered), so the final results can be published; last spring's edition, closed and under
review (projects screened, funds verified, reviewers assigned and most reviews in, results
computed); an edition judged in two rounds with weighted panels, a donor cap and a held project
(demo_rounds.py); and this year's edition, open for submissions (one draft, one submitted
project).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.auth import service as accounts
from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.calls.rules import rubric
from gongyi.calls.service import apply_transition, create_call, transition_call
from gongyi.clock import utcnow
from gongyi.communities import needs as community_needs
from gongyi.communities import service as communities
from gongyi.communities.models import Community
from gongyi.library.demo import load_library_demo
from gongyi.communities.years import edition_year, editable_years
from gongyi.notices import service as notices
from gongyi.execution.demo_edition import load_execution_demo
from gongyi.demo_rounds import rounds_edition
from gongyi.orgs import service as orgs
from gongyi.orgs.creditcode import check_character
from gongyi.orgs.models import Organisation
from gongyi.results import publication
from gongyi.results.models import RunRow
from gongyi.results.service import compute_call
from gongyi.review import service as review
from gongyi.review.models import Review
from gongyi.submissions import screening
from gongyi.submissions import service as submissions
from gongyi.submissions.models import Submission

DEMO_PASSWORD = "gongyi-demo"

ADMIN = ("admin@demo.gongyi.cn", "管理员 王敏")
# (e-mail, name, index of the organisation the reviewer works for or None, expertise categories)
REVIEWERS = [
    ("reviewer1@demo.gongyi.cn", "评审 李华", None, ["02", "13", "14"]),
    ("reviewer2@demo.gongyi.cn", "评审 陈静", None, ["03", "04", "15"]),
    ("reviewer3@demo.gongyi.cn", "评审 张伟", 0, ["01", "19", "23"]),
    ("reviewer4@demo.gongyi.cn", "评审 刘洋", None, ["12", "18", "21"]),
    ("reviewer5@demo.gongyi.cn", "评审 黄蕾", None, ["05", "06", "25"]),
]
# (member e-mail, member name, organisation, credit code body (17 characters), type, district)
ORGANISATIONS = [
    ("org1@demo.gongyi.cn", "赵社工", "深圳市福田区阳光社工服务中心", "52440304MJL000019", "social_service", "440304"),
    ("org2@demo.gongyi.cn", "钱社工", "深圳市南山区长者关爱协会", "51440305MJL000028", "social_association", "440305"),
    ("org3@demo.gongyi.cn", "孙社工", "深圳市龙岗区益童基金会", "53440307MJL000037", "foundation", "440307"),
    ("org4@demo.gongyi.cn", "周社工", "宁波市海曙区邻里互助服务中心", "52330203MJL000046", "community_centre", "330203"),
]
# (organisation index, title, items with needs, budget lines, funds (source, donor, yuan))
PROJECTS = [
    (0, "长者助餐与探访计划", {"02.01": "社区独居长者多，午餐无人照应", "02.02": "高龄长者需要定期探访"},
     [("餐费补贴", "60000.00"), ("探访志愿者培训", "20000.00")],
     [("enterprise", "深圳某科技有限公司", "50000.00"), ("individual", "社区居民捐赠", "8000.00")]),
    (0, "四点半课堂", {"03.01": "双职工家庭孩子放学后无人看护"},
     [("课程与教材", "30000.00"), ("场地与保险", "10000.00")],
     [("foundation", "某公益基金会", "20000.00")]),
    (1, "认知症友好社区", {"02.03": "认知症长者家庭照顾压力大", "14.01": "照顾者缺少喘息服务"},
     [("照顾者培训", "35000.00"), ("喘息服务", "45000.00")],
     [("enterprise", "南山某银行", "60000.00")]),
    (1, "邻里守望互助队", {"19.01": "新建小区邻里陌生"},
     [("活动物资", "25000.00")],
     [("other", "业委会", "5000.00")]),
    (2, "困境儿童成长陪伴", {"04.01": "困境儿童缺乏陪伴和心理支持", "12.01": "儿童情绪问题需要早期干预"},
     [("个案服务", "50000.00"), ("小组活动", "30000.00")],
     [("foundation", "龙岗某慈善会", "40000.00"), ("enterprise", "某制造企业", "30000.00")]),
    (2, "社区心理健康驿站", {"12.02": "居民心理咨询需求增长"},
     [("咨询师费用", "40000.00")],
     [("individual", "爱心人士", "3000.00")]),
    (3, "老旧小区适老化改造", {"02.04": "老旧小区长者居家安全隐患多"},
     [("改造材料", "70000.00"), ("评估与施工管理", "20000.00")],
     [("government", "街道办配套", "30000.00"), ("enterprise", "宁波某建材公司", "20000.00")]),
    (3, "新市民融入计划", {"09.01": "外来务工家庭融入社区困难"},
     [("融入活动", "30000.00")],
     []),
]
RUBRIC_GUIDES = {
    "need": "需求是否真实、有数据或调研支撑",
    "results": "目标与成效是否明确、可衡量",
    "operation": "团队、预算与执行计划是否高效可行",
    "innovation": "是否有创新，是否体现社会责任",
    "sustainability": "项目结束后能否持续、能否复制推广",
}


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) == 0


def _project_fields(org, title: str, items: dict[str, str], budget: list[tuple[str, str]],
                    community: Community | None = None) -> dict:
    return {
        "community_id": str(community.id) if community is not None else "",
        "title": title,
        "summary": f"{title}：面向社区居民的专业社工服务项目。",
        "community_name": "莲花社区" if org.district_code.startswith("44") else "鼓楼社区",
        "community_street": "莲花街道" if org.district_code.startswith("44") else "鼓楼街道",
        "community_district": org.district_code,
        "problem": "社区走访和问卷显示需求集中且长期未被满足。",
        "objectives": "一年内服务不少于 200 人次，满意度不低于 90%。",
        "activities": "第 1–2 月需求调研；第 3–10 月开展服务；第 11–12 月评估总结。",
        "beneficiary_group": "社区居民",
        "beneficiary_count": 200,
        "team": "持证社工 3 名，志愿者 20 名。",
        "items": items,
        "budget": [{"what": what, "amount": amount} for what, amount in budget],
    }


@dataclass
class Cast:
    """The demo's people and organisations, and the (email, password, roles) rows to print."""

    admin: User
    members: list[User] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    reviewers: list[User] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)  # the community each organisation serves


def load_demo(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts, organisations and calls; returns (email, password, roles) rows to print."""
    now = utcnow()
    cast = _people(session)
    cast.communities = _communities(session, cast)
    _earlier_edition(session, cast, now, random.Random(2025))
    spring = _spring_edition(session, cast, now, random.Random(2026))
    autumn = _autumn_edition(session, cast, now)
    rounds_edition(session, cast.admin, cast.members, cast.organisations, cast.communities, cast.reviewers[3:],
                   _project_fields, now, random.Random(2025))
    _publicity_ended_edition(session, cast, now, random.Random(2025))
    _public_face(session, cast.admin)
    _needs_lists(session, cast, {edition_year(spring.opens_at), edition_year(autumn.opens_at)}, now)
    load_library_demo(session, cast, now, project_fields=_project_fields, password=DEMO_PASSWORD,
                      review_rules=DEMO_RULES["review"])
    session.flush()
    return cast.accounts


def _people(session: Session) -> Cast:
    admin = accounts.create_user(session, None, email=ADMIN[0], name=ADMIN[1], password=DEMO_PASSWORD, roles=("admin",))
    cast = Cast(admin, accounts=[(admin.email, DEMO_PASSWORD, "admin")])
    for email, name, org_name, body, org_type, district in ORGANISATIONS:
        member = accounts.create_user(session, None, email=email, name=name, password=DEMO_PASSWORD, roles=("member",))
        org = orgs.register_organisation(
            session, member, name=org_name, credit_code=body + check_character(body), org_type=org_type,
            district_code=district, contact_person=name, phone="0755-88880000",
            address="深圳市" if district.startswith("44") else "宁波市")
        orgs.verify_organisation(session, admin, org)
        cast.members.append(member)
        cast.organisations.append(org)
        cast.accounts.append((email, DEMO_PASSWORD, f"member · {org_name}"))
    for email, name, org_index, expertise in REVIEWERS:
        cast.reviewers.append(review.create_reviewer(
            session, admin, email=email, name=name, password=DEMO_PASSWORD,
            affiliation_id=None if org_index is None else cast.organisations[org_index].id,
            expertise=expertise, max_reviews=30))
        cast.accounts.append((email, DEMO_PASSWORD,
                              "reviewer" + ("" if org_index is None else f" · {ORGANISATIONS[org_index][2]}")))
    return cast


DEMO_RULES = {
    "entry": {"max_per_org": 2, "min_items": 1, "max_items": 5},
    "review": {"min_reviews": 3, "reviewers_per_submission": 3,
               "criteria": [{"code": c, "name": n, "max": 20, "guide": RUBRIC_GUIDES[c]} for c, n in (
                   ("need", "需求真实"), ("results", "成效明确"), ("operation", "高效运作"),
                   ("innovation", "创新责任"), ("sustainability", "持续发展"))]},
    "matching": {"pool": "150000.00", "award_top": 5, "ratio": "1", "cap": "50000.00", "policy": "rank_order"},
    "library": {"pool": "60000.00", "policy": "pro_rata"},
}


def _spring_edition(session: Session, cast: Cast, now, rng: random.Random) -> Call:
    """Last spring's edition: closed, screened, under review, results computed."""
    admin = cast.admin
    opens, closes = now - timedelta(days=60), now - timedelta(days=20)
    spring = create_call(session, admin, slug="demo-2026", title="2026年社区公益创投大赛（演示）",
                         description="面向深圳、宁波社区的年度公益创投大赛：公开征集、点单申报、公平评审、按募集资金配套。",
                         opens_at=opens, closes_at=closes, review_deadline=now + timedelta(days=7), rules=DEMO_RULES)
    transition_call(session, admin, spring, "open")
    submitted = _spring_entries(session, cast, spring, closes - timedelta(days=5))
    transition_call(session, admin, spring, "close")
    _screen(session, admin, submitted)
    transition_call(session, admin, spring, "start_review")
    review.assign_reviewers(session, admin, spring)
    _score(session, spring, submitted, rng)
    compute_call(session, admin, spring, note="演示：首次计算")
    return spring


def _earlier_edition(session: Session, cast: Cast, now, rng: random.Random) -> Call:
    """Last year's edition: reviewed, published, final; its funded projects are in execution."""
    admin = cast.admin
    opens, closes = now - timedelta(days=420), now - timedelta(days=380)
    call = create_call(session, admin, slug="demo-2025", title="2025年社区公益创投大赛（演示，项目执行中）",
                       description="上一届大赛：最终结果已发布，资助项目正在执行、评估和分期拨付。",
                       opens_at=opens, closes_at=closes, review_deadline=closes + timedelta(days=10), rules=DEMO_RULES)
    transition_call(session, admin, call, "open")
    submitted = _spring_entries(session, cast, call, closes - timedelta(days=5))
    transition_call(session, admin, call, "close")
    _screen(session, admin, submitted)
    transition_call(session, admin, call, "start_review")
    review.assign_reviewers(session, admin, call)
    _score(session, call, submitted, rng)
    provisional = apply_transition(session, admin, call, "finish_review")
    publication.publish_results(session, admin, provisional, "provisional", working_days=5,
                                now=closes + timedelta(days=15))
    final_at = closes + timedelta(days=25)
    publication.publish_results(session, admin, compute_call(session, admin, call), "final", working_days=5,
                                now=final_at)
    cast.accounts += load_execution_demo(session, admin, cast.members, cast.members[3], call.id, final_at,
                                         DEMO_PASSWORD)
    return call


def _publicity_ended_edition(session: Session, cast: Cast, now, rng: random.Random) -> Call:
    """The year before's edition: provisional results published 20 days ago, the window over, the
    one objection answered; what is left is recomputing and publishing the final results."""
    admin, published = cast.admin, now - timedelta(days=20)
    call = create_call(session, admin, slug="demo-2025-publicity",
                       title="2025年社区公益微创投（演示，公示期已结束）",
                       description="上一届微创投：公示期已经结束，管理员可以重新计算并发布最终结果。",
                       opens_at=now - timedelta(days=400), closes_at=now - timedelta(days=370),
                       review_deadline=now - timedelta(days=30), rules=DEMO_RULES)
    transition_call(session, admin, call, "open")
    submitted = _spring_entries(session, cast, call, now - timedelta(days=375))
    transition_call(session, admin, call, "close")
    _screen(session, admin, submitted)
    transition_call(session, admin, call, "start_review")
    review.assign_reviewers(session, admin, call)
    _score(session, call, submitted, rng, all_finished=True)
    transition_call(session, admin, call, "finish_review")
    run = compute_call(session, admin, call, note="演示：首次计算")
    publication.publish_results(session, admin, run, "provisional", working_days=5, now=published)
    contested = session.scalar(select(RunRow).where(RunRow.run_id == run.id, RunRow.outcome == "library")
                               .order_by(RunRow.position).limit(1))
    objector = next(m for m, o in zip(cast.members, cast.organisations)
                    if o.id == session.get(Submission, contested.submission_id).organisation_id)
    objection = publication.file_objection(
        session, objector, contested, real_name=objector.name, contact="0755-88880000",
        reason="本项目募集的资金已全部到账，请复核核实结果。", max_bytes=1, now=published + timedelta(days=1))
    publication.answer_objection(session, admin, objection, "dismissed",
                                 "经复核，未核实的资金缺少到账凭证，维持公示结果。", now=published + timedelta(days=3))
    return call


def _public_face(session: Session, admin: User) -> None:
    """A published notice on the home page and the application guide."""
    notice = notices.create_notice(session, admin, "2027年社区公益创投大赛开始征集",
                                   "2027年社区公益创投大赛现已开放申报。\n\n已认证的社会组织登录后点单申报；"
                                   "申报截止前可以修改或撤回。详见申报指南。")
    notices.publish_notice(session, admin, notice)
    notices.save_page(session, admin, "guide", "申报指南", "一、谁可以申报\n在本平台登记并通过认证的社会组织。\n\n"
                      "二、怎样申报\n从服务目录点单，写明每项服务回应的社区需求，填写预算，登记募集的社会资金并上传凭证。\n\n"
                      "三、评审与配套\n形式审查合格的项目由评审专家打分；名次在配套名额内的项目按已核实的募集资金获得配套资金，"
                      "其余入围项目进入福彩公益金资助项目库。")


def _spring_entries(session: Session, cast: Cast, call: Call, while_open) -> list[Submission]:
    submitted = []
    for index, (org_index, title, items, budget, funds) in enumerate(PROJECTS):
        member, org = cast.members[org_index], cast.organisations[org_index]
        project = submissions.create_submission(session, member, call, now=while_open, **_project_fields(
            org, title, items, budget, cast.communities[org_index]))
        for source, donor, amount in funds:
            submissions.add_funding_line(session, member, project, source=source, donor=donor, amount=amount,
                                         received_on=(while_open - timedelta(days=10)).date(), now=while_open)
        submissions.submit_project(session, member, project, now=while_open + timedelta(minutes=index))
        submitted.append(project)
    return submitted


def _screen(session: Session, admin: User, submitted: list[Submission]) -> None:
    for project in submitted:
        if project.title == "新市民融入计划":
            screening.set_eligibility(session, admin, project, False, "未提交机构年检材料")
            continue
        screening.set_eligibility(session, admin, project, True)
        for line in project.funding_lines:
            if line.donor == "业委会":
                screening.reject_funding_line(session, admin, line, "捐赠票据与到账记录不符")
            elif line.donor != "爱心人士":  # left pending, to show what waits for verification
                screening.verify_funding_line(session, admin, line)


def _score(session: Session, call: Call, submitted: list[Submission], rng: random.Random,
           all_finished: bool = False) -> None:
    criteria = [c["code"] for c in rubric(call.rules)]
    for project in submitted:
        rows = session.scalars(select(Review).where(Review.submission_id == project.id).order_by(Review.reviewer_id))
        for index, row in enumerate(rows.all()):
            reviewer = session.get(User, row.reviewer_id)
            quality = rng.randint(11, 19)
            halves = {c: min(40, max(0, 2 * (quality + rng.randint(-2, 2)) + rng.randint(0, 1))) for c in criteria}
            scores = {c: f"{h // 2}.{5 * (h % 2)}" for c, h in halves.items()}
            finished = all_finished or not (project.title == "邻里守望互助队" and index == 2)  # one still in draft
            review.save_review(session, reviewer, row, scores=scores, comments={c: "" for c in criteria},
                               overall_comment="项目设计完整，需求调研扎实。" if finished else "", submit=finished)


def _autumn_edition(session: Session, cast: Cast, now) -> Call:
    """This year's edition: open for submissions, one draft and one submitted project."""
    autumn = create_call(session, cast.admin, slug="demo-2027", title="2027年社区公益创投大赛（演示，征集中）",
                         description="正在征集：社会组织可登录后点单申报。", opens_at=now - timedelta(days=3),
                         closes_at=now + timedelta(days=30), rules=DEMO_RULES)
    transition_call(session, cast.admin, autumn, "open")
    members, organisations = cast.members, cast.organisations
    draft = submissions.create_submission(
        session, members[0], autumn, **_project_fields(organisations[0], "社区长者数字融入课堂",
                                                      {"20.01": "长者不会使用智能手机就医出行"}, [("课程", "20000.00")],
                                                      cast.communities[0]))
    submissions.save_draft(session, members[0], draft, {"summary": ""})  # a draft still being written
    ready = submissions.create_submission(
        session, members[1], autumn, **_project_fields(organisations[1], "家庭照顾者喘息服务",
                                                      {"14.01": "照顾者长期缺乏休息"}, [("喘息服务", "40000.00")],
                                                      cast.communities[1]))
    submissions.add_funding_line(session, members[1], ready, source="enterprise", donor="南山某企业", amount="15000.00",
                                 received_on=now.date())
    submissions.submit_project(session, members[1], ready)
    return autumn


# (district, street, community, index of the organisation keeping its service centre): the first
# four are the communities the four organisations' projects serve, one per organisation.
COMMUNITIES = [
    ("440304", "莲花街道", "莲花北社区", 0),
    ("440305", "南头街道", "荔林社区", 1),
    ("440307", "龙城街道", "爱联社区", 2),
    ("330203", "鼓楼街道", "中山社区", 3),  # proposed by its organisation, confirmed by the administrator
    ("440303", "东门街道", "湖贝社区", 0),  # listed needs, no project yet
]
PROPOSED = ("440304", "华富街道", "田面社区", 0)  # waits for the administrator's confirmation
# Each community's needs list, the same for every year of the demo's calls: item -> (priority, note).
NEEDS = [
    {"02.01": ("high", "独居长者多，午餐和日常照应缺人手"), "02.04": ("high", "高龄长者吃饭难"),
     "03.01": ("medium", "双职工家庭孩子放学后无人看护"), "20.01": ("medium", "长者不会用智能手机就医出行"),
     "31.05": ("low", "老旧楼栋长者居家跌倒风险高")},
    {"02.05": ("high", "认知症长者家庭照顾压力大"), "14.01": ("high", "家庭照顾者缺少照护技能"),
     "14.02": ("medium", "家庭照顾者长期缺少喘息"), "19.01": ("medium", "新建小区邻里陌生"),
     "05.01": ("low", "残疾人康复服务点太远")},
    {"04.01": ("high", "困境儿童缺乏陪伴和心理支持"), "12.01": ("medium", "居民心理咨询需求增长"),
     "03.02": ("low", "寒暑假孩子无人托管")},
    {"31.05": ("high", "老旧小区长者居家安全隐患多"), "09.01": ("medium", "外来务工家庭融入社区困难"),
     "27.01": ("low", "居民法律咨询无门")},
    {"02.01": ("high", "城中村独居长者缺少探访"), "25.01": ("medium", "邻里纠纷多")},
]
EARLIER_NEEDS = {"02.01": ("high", "独居长者缺少探访"), "03.01": ("high", "孩子放学后无人看护")}  # 莲花北, a year before


def _communities(session: Session, cast: Cast) -> list[Community]:
    """The community list: created by the administrator, one proposed by an organisation and
    confirmed, one proposal still waiting."""
    made = []
    for district, street, name, keeper in COMMUNITIES:
        if district.startswith("33"):  # the Ningbo centre proposes its own community
            community = communities.propose_community(session, cast.members[keeper], district_code=district,
                                                      street=street, name=name)
            communities.confirm_community(session, cast.admin, community)
        else:
            community = communities.create_community(session, cast.admin, district_code=district, street=street,
                                                     name=name, keeper_id=cast.organisations[keeper].id)
        made.append(community)
    district, street, name, keeper = PROPOSED
    communities.propose_community(session, cast.members[keeper], district_code=district, street=street, name=name)
    return made


def _needs_lists(session: Session, cast: Cast, years: set[int], now) -> None:
    """Each community's needs list for the years of the demo's calls, kept by its service centre's
    organisation; 莲花北社区 also has the year before's."""
    members = {org.id: member for member, org in zip(cast.members, cast.organisations)}
    for community, listed in zip(cast.communities, NEEDS):
        for year in sorted(years):
            community_needs.save_needs(session, members[community.keeper_id], community, year, listed, now=now)
    earlier = min(years) - 1
    if earlier in editable_years(now):
        first = cast.communities[0]
        community_needs.save_needs(session, members[first.keeper_id], first, earlier, EARLIER_NEEDS, now=now)
