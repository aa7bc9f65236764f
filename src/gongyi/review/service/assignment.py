"""Reviewers and their assignment: the pool and profiles, one-click assignment (planned by the
pure review.assign module), and the manual changes, each with every check of a new assignment."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.auth.models import User, UserRole
from gongyi.auth.service import create_user, find_user, grant_role
from gongyi.calls.models import Call
from gongyi.calls.workflow import allows
from gongyi.catalogue.models import Category, Item
from gongyi.clock import utcnow
from gongyi.errors import N_
from gongyi.orgs.models import Organisation
from gongyi.review.assign import Paper, Reviewer, Shortfall, plan_assignment
from gongyi.review.models import DEFAULT_MAX_REVIEWS, Review, ReviewerProfile
from gongyi.review.service.conflicts import conflict_source, conflicted_pairs, review_of
from gongyi.review.service.panels import default_panel, panel_of, reviewer_panels, round_needs
from gongyi.review.service.rounds import round_participants, round_status
from gongyi.review.service.scoring import ReviewError, discard_review, scoring_round
from gongyi.submissions.models import Submission, SubmissionItem


def reviewers_per_submission(call: Call) -> int:
    return int(call.rules["review"].get("reviewers_per_submission", 5))


# A submission is reviewed when it is submitted and screened eligible: as SQL, and for one at hand.
def reviewed_submissions(call: Call | None = None):
    """The condition that selects the reviewed submissions of `call` (of every call when None)."""
    reviewed = and_(Submission.status == "submitted", Submission.eligibility == "eligible")
    return reviewed if call is None else and_(Submission.call_id == call.id, reviewed)


def is_reviewed(submission: Submission) -> bool:
    return submission.status == "submitted" and submission.eligibility == "eligible"


# --- reviewers -------------------------------------------------------------------------------


def reviewer_pool_query():
    """Active users with the reviewer role and their profiles (None: defaults apply), by id."""
    return (
        select(User, ReviewerProfile)
        .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == "reviewer"))
        .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
        .where(User.active.is_(True))
        .order_by(User.id)
    )


def reviewer_pool(session: Session) -> list[tuple[User, ReviewerProfile | None]]:
    return [(user, profile) for user, profile in session.execute(reviewer_pool_query()).all()]


def cap_of(profile: ReviewerProfile | None) -> int:
    """How many reviews a reviewer takes per call; without a profile, the default."""
    return profile.max_reviews if profile else DEFAULT_MAX_REVIEWS


def reviewer_settings(session: Session, user: User) -> dict[str, Any]:
    """A reviewer's name and profile as they stand; without a profile, what saving one would start from
    (the reviewer's own organisation as affiliation, as `create_reviewer` gives)."""
    profile = session.get(ReviewerProfile, user.id)
    return {
        "name": user.name,
        "affiliation_id": profile.affiliation_id if profile else user.organisation_id,
        "expertise": profile.expertise if profile else [],
        "max_reviews": cap_of(profile),
    }


def create_reviewer(session: Session, actor: Any, *, email: str, name: str, password: str,
                    affiliation_id: int | None, expertise: Iterable[str], max_reviews: int) -> User:
    """Make a reviewer: a new account with an initial password, or an existing account by e-mail.

    An existing member account given no affiliation gets its own organisation as affiliation,
    so the profile shows the conflict that membership causes anyway.
    """
    user = find_user(session, email)
    if user is None:
        if not name.strip():
            raise ReviewError(N_("请填写姓名"), "name")
        user = create_user(session, actor, email=email, name=name, password=password, roles=("reviewer",))
    elif "reviewer" in user.roles:
        raise ReviewError(N_("该账户已是评审专家"), "email")
    else:
        grant_role(session, actor, user, "reviewer")
    if affiliation_id is None:
        affiliation_id = user.organisation_id
    update_reviewer(session, actor, user, name=name or user.name, affiliation_id=affiliation_id,
                    expertise=expertise, max_reviews=max_reviews)
    return user


def _check_profile(session: Session, name: str, affiliation_id: int | None, codes: list[str], max_reviews: int) -> None:
    if not name:
        raise ReviewError(N_("请填写姓名"), "name")
    if isinstance(max_reviews, bool) or not isinstance(max_reviews, int) or max_reviews < 0:
        raise ReviewError(N_("评审上限须为不小于 0 的整数"), "max_reviews")
    known = set(session.scalars(select(Category.code).where(Category.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ReviewError(N_("未知的服务类别：%(codes)s"), "expertise", codes=", ".join(unknown))
    if affiliation_id is not None and session.get(Organisation, affiliation_id) is None:
        raise ReviewError(N_("所选机构不存在"), "affiliation_id")


def update_reviewer(session: Session, actor: Any, user: User, *, name: str, affiliation_id: int | None,
                    expertise: Iterable[str], max_reviews: int) -> int:
    """Change a reviewer's name and profile; returns how many unsubmitted reviews a new
    affiliation removed (they became conflicts of interest)."""
    name, codes = name.strip(), sorted(set(expertise))
    _check_profile(session, name, affiliation_id, codes, max_reviews)
    profile = session.get(ReviewerProfile, user.id)
    if profile is None:
        profile = ReviewerProfile(user_id=user.id, expertise=[], max_reviews=DEFAULT_MAX_REVIEWS)
        session.add(profile)
    removed = 0
    if affiliation_id is not None and affiliation_id != profile.affiliation_id:
        now_conflicted = list(session.scalars(
            select(Review).join(Submission, Submission.id == Review.submission_id)
            .where(Review.reviewer_id == user.id, Submission.organisation_id == affiliation_id)
        ))
        if any(r.status == "submitted" for r in now_conflicted):
            raise ReviewError(N_("该专家已提交过此机构项目的评分；请先在该项目的评审页面声明回避，再修改所属机构"),
                              "affiliation_id")
        for review in now_conflicted:
            discard_review(session, actor, review, why="affiliation")
        removed = len(now_conflicted)
    changed = sorted(
        field for field, old, new in (
            ("name", user.name, name), ("affiliation_id", profile.affiliation_id, affiliation_id),
            ("expertise", sorted(profile.expertise or []), codes), ("max_reviews", profile.max_reviews, max_reviews),
        ) if old != new
    )
    user.name = name
    profile.affiliation_id, profile.expertise, profile.max_reviews = affiliation_id, codes, max_reviews
    session.flush()
    record(session, actor, "reviewer.update", user, fields=changed, affiliation_id=affiliation_id,
           expertise=codes, max_reviews=max_reviews)
    return removed


# --- one-click assignment --------------------------------------------------------------------


def _check_assigning(call: Call) -> None:
    if not allows(call, "assign"):
        raise ReviewError(N_("只能在征集截止后、评审结束前分配评审"), "reviewer_id")
    if round_status(call, scoring_round(call)) != "open":
        raise ReviewError(N_("这一轮评审已结束；请先开始下一轮，再分配评审"), "reviewer_id")


def call_loads(session: Session, call: Call) -> dict[int, int]:
    """Reviews each reviewer holds in the call (any status): what their cap is measured against."""
    return {rid: n for rid, n in session.execute(
        select(Review.reviewer_id, func.count()).join(Submission, Submission.id == Review.submission_id)
        .where(Submission.call_id == call.id).group_by(Review.reviewer_id)
    ).all()}


def _planning_pool(session: Session, call: Call, panels: Iterable[str] | None = None) -> list[Reviewer]:
    """The reviewers to plan with: those on one of `panels` (every reviewer when None)."""
    loads = call_loads(session, call)
    seats, fallback = reviewer_panels(session, call), default_panel(call)
    return [
        Reviewer(user.id, cap=cap_of(profile), load=loads.get(user.id, 0),
                 expertise=frozenset(profile.expertise if profile else ()))
        for user, profile in reviewer_pool(session)
        if panels is None or seats.get(user.id, fallback) in panels
    ]


def _papers(session: Session, call: Call, submission_id: int | None = None,
            pool: Iterable[Reviewer] | None = None) -> list[Paper]:
    """The call's reviewed submissions taking part in the scoring round, with their catalogue
    categories and current reviewers in that round (only those of `pool`, when given)."""
    where = [reviewed_submissions(call)] + ([Submission.id == submission_id] if submission_id else [])
    taking_part = round_participants(session, call, scoring_round(call))
    ids = [sid for sid in session.scalars(select(Submission.id).where(*where)) if sid in taking_part]
    members = None if pool is None else {r.id for r in pool}
    categories: dict[int, set[str]] = {}
    for sid, code in session.execute(
        select(SubmissionItem.submission_id, Item.category_code).join(Item, Item.code == SubmissionItem.item_code)
        .join(Submission, Submission.id == SubmissionItem.submission_id).where(*where)
    ).all():
        categories.setdefault(sid, set()).add(code)
    reviewers: dict[int, set[int]] = {}
    for sid, rid in session.execute(
        select(Review.submission_id, Review.reviewer_id).join(Submission, Submission.id == Review.submission_id)
        .where(*where, Review.round == scoring_round(call))
    ).all():
        if members is None or rid in members:
            reviewers.setdefault(sid, set()).add(rid)
    return [Paper(sid, frozenset(categories.get(sid, ())), frozenset(reviewers.get(sid, ()))) for sid in ids]


@dataclass(frozen=True)
class AssignReport:
    added: int
    submissions: int
    per_submission: int
    shortfalls: tuple[Shortfall, ...]
    spread: int

    def notes(self) -> list[tuple[str, dict[str, Any]]]:
        """What could not be satisfied, plainly, as (message id, parameters) to translate."""
        notes: list[tuple[str, dict[str, Any]]] = []
        few: dict[int, int] = {}
        capped = 0
        for s in self.shortfalls:
            if s.eligible < self.per_submission:
                few[s.eligible] = few.get(s.eligible, 0) + 1
            else:
                capped += 1
        for eligible, count in sorted(few.items()):
            notes.append((N_("%(count)s 个项目只有 %(eligible)s 位无需回避的评审专家（每个项目需要 %(k)s 位）"),
                          {"count": count, "eligible": eligible, "k": self.per_submission}))
        if capped:
            notes.append((N_("%(count)s 个项目因评审专家已达评审上限而不足 %(k)s 位评审；可提高上限或增加专家后再分配"),
                          {"count": capped, "k": self.per_submission}))
        if self.spread > 1:
            notes.append((N_("评审量最多与最少相差 %(spread)s 份：受评审上限、回避或已有分配所限，无法更平均"),
                          {"spread": self.spread}))
        return notes


def assign_reviewers(session: Session, actor: Any, call: Call) -> AssignReport:
    """Give every reviewed submission taking part in the scoring round the reviewers each of the
    round's panels needs (review.assign module, panel by panel), keeping existing ones."""
    _check_assigning(call)
    if not reviewer_pool(session):
        raise ReviewError(N_("还没有评审专家：请先在“评审专家”页面添加"))
    code, conflicts = scoring_round(call), conflicted_pairs(session, call)
    added: list[tuple[int, int]] = []
    shortfalls: list[Shortfall] = []
    spread, papers = 0, []
    needs = round_needs(call, code)
    for panel, k in needs.items():
        pool = _planning_pool(session, call, {panel})
        papers = _papers(session, call, pool=pool)
        plan = plan_assignment(papers, pool, conflicts, k)
        if plan.added:
            now = utcnow()
            session.execute(insert(Review), [
                {"submission_id": sid, "reviewer_id": rid, "round": code, "status": "assigned", "overall_comment": "",
                 "version": 1, "assigned_at": now} for sid, rid in plan.added])
            session.flush()
        added += plan.added
        shortfalls += plan.shortfalls
        spread = max(spread, plan.spread)
    k = max(needs.values())
    record(session, actor, "review.auto_assign", call, added=len(added), per_submission=k, round=code, panels=needs,
           shortfalls=len(shortfalls), pairs=[list(pair) for pair in added])
    session.flush()
    return AssignReport(len(added), len(papers), k, tuple(shortfalls), spread)


# --- manual changes to one submission's reviewers ----------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A reviewer who may be added to a submission now."""

    user: User
    load: int
    cap: int
    expertise_matches: bool


def assignable_reviewers(session: Session, submission: Submission, pool: list[tuple[User, ReviewerProfile | None]],
                         conflicted: set[int]) -> list[Candidate]:
    """The reviewers of `pool` who pass every check of a new assignment to `submission` (see
    `_check_new_pair`), given the ids of those `conflicted` with it; for the page's choices."""
    call = submission.call
    loads = call_loads(session, call)
    assigned = set(session.scalars(select(Review.reviewer_id).where(Review.submission_id == submission.id,
                                                                    Review.round == scoring_round(call))))
    seats, fallback, panels = reviewer_panels(session, call), default_panel(call), round_needs(call)
    categories = {i.category_code for i in session.scalars(
        select(Item).where(Item.code.in_([si.item_code for si in submission.items])))}
    return [
        Candidate(user, loads.get(user.id, 0), cap_of(profile), bool(categories & set(profile.expertise if profile else ())))
        for user, profile in pool
        if user.id not in conflicted and user.id not in assigned and loads.get(user.id, 0) < cap_of(profile)
        and seats.get(user.id, fallback) in panels
    ]


def _check_new_pair(session: Session, submission: Submission, reviewer: User | None) -> None:
    """The checks every manual assignment passes: a reviewer, eligible, not yet on it, no conflict, under cap."""
    if reviewer is None or not reviewer.active or "reviewer" not in reviewer.roles:
        raise ReviewError(N_("请选择评审专家"), "reviewer_id")
    if not is_reviewed(submission):
        raise ReviewError(N_("只能为已提交且形式审查合格的项目分配评审"), "reviewer_id")
    call = submission.call
    code = scoring_round(call)
    if submission.id not in round_participants(session, call, code):
        raise ReviewError(N_("此项目没有进入本轮评审"), "reviewer_id")
    if panel_of(session, call, reviewer.id) not in round_needs(call, code):
        raise ReviewError(N_("%(name)s 所在的评审组不参加本轮评审"), "reviewer_id", name=reviewer.name)
    if review_of(session, submission, reviewer.id) is not None:
        raise ReviewError(N_("%(name)s 已在评审此项目"), "reviewer_id", name=reviewer.name)
    if conflict_source(session, reviewer.id, submission):
        raise ReviewError(N_("%(name)s 与此项目存在利益冲突，须回避"), "reviewer_id", name=reviewer.name)
    cap = cap_of(session.get(ReviewerProfile, reviewer.id))
    if call_loads(session, submission.call).get(reviewer.id, 0) >= cap:
        raise ReviewError(N_("%(name)s 在本次征集中已达评审上限（%(cap)s 份）"), "reviewer_id", name=reviewer.name, cap=cap)


def _insert_review(session: Session, actor: Any, submission: Submission, reviewer_id: int, how: str) -> Review:
    review = Review(submission_id=submission.id, reviewer_id=reviewer_id, round=scoring_round(submission.call),
                    status="assigned", overall_comment="", version=1)
    session.add(review)
    session.flush()
    record(session, actor, "review.assign", review, submission_id=submission.id, reviewer_id=reviewer_id, how=how)
    return review


def add_reviewer(session: Session, actor: Any, submission: Submission, reviewer: User | None) -> Review:
    _check_assigning(submission.call)
    _check_new_pair(session, submission, reviewer)
    return _insert_review(session, actor, submission, reviewer.id, "manual")  # type: ignore[union-attr]


def add_extra_reviewer(session: Session, actor: Any, submission: Submission) -> Review:
    """One more reviewer for a submission (e.g. when its reviewers disagree), chosen as the
    automatic assignment would: no conflict, under cap, least loaded, expertise first."""
    call = submission.call
    _check_assigning(call)
    pool = _planning_pool(session, call, set(round_needs(call)))
    papers = _papers(session, call, submission.id, pool)
    if not papers:
        raise ReviewError(N_("只能为本轮评审中已提交且形式审查合格的项目分配评审"), "reviewer_id")
    plan = plan_assignment(papers, pool, conflicted_pairs(session, call, submission.id), len(papers[0].reviewers) + 1)
    if not plan.added:
        raise ReviewError(N_("没有可增派的评审专家：其余专家须回避、已在评审此项目或已达评审上限"), "reviewer_id")
    return _insert_review(session, actor, submission, plan.added[0][1], "extra")


def remove_review(session: Session, actor: Any, review: Review) -> None:
    _check_assigning(review.submission.call)
    if review.status == "submitted":
        raise ReviewError(N_("已提交的评审不能移除；如存在利益冲突，请声明回避"), "reviewer_id")
    discard_review(session, actor, review, why="manual")


def swap_reviewer(session: Session, actor: Any, review: Review, reviewer: User | None) -> Review:
    """Replace a reviewer who has not submitted by another, with every check of a new assignment."""
    submission = review.submission
    _check_assigning(submission.call)
    if review.status == "submitted":
        raise ReviewError(N_("已提交的评审不能更换评审专家"), "reviewer_id")
    _check_new_pair(session, submission, reviewer)
    discard_review(session, actor, review, why="swap")
    return _insert_review(session, actor, submission, reviewer.id, "swap")  # type: ignore[union-attr]
