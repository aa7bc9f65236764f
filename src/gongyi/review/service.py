"""Review: reviewer profiles, conflicts of interest (回避), assignment, scoring and reopening.

Who sees what: a reviewer sees only their own review of a submission, before and after
submitting it. Other reviewers' scores and comments stay hidden from them for good, not just
until they submit: a reviewer whose review an administrator reopens must not be able to
anchor on the panel. Administrators see everything.

Conflicts: a declared conflict is a row; the automatic one (the submitting organisation is the
reviewer's profile affiliation or the organisation the reviewer's own account belongs to,
User.organisation_id) is derived whenever it is needed. Both are checked here and refused again
by database triggers (see the migration) for any path that writes a review row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, Iterable, Mapping

from sqlalchemy import and_, case, func, insert, or_, select
from sqlalchemy.orm import Session, joinedload

from gongyi.audit.models import AuditEntry
from gongyi.audit.service import record
from gongyi.auth.models import User, UserRole
from gongyi.auth.service import create_user, find_user, grant_role
from gongyi.calls.models import Call
from gongyi.calls.rules import find_round, rubric
from gongyi.catalogue.models import Category, Item
from gongyi.db import utcnow
from gongyi.errors import N_, UserError
from gongyi.orgs.models import Organisation
from gongyi.review.assign import Paper, Reviewer, Shortfall, plan_assignment
from gongyi.review.models import DEFAULT_MAX_REVIEWS, Conflict, Review, ReviewerProfile, ReviewVersion, Score
from gongyi.review.scoring import Calibration, ScoredReview, ScoreError, calibrate, parse_score
from gongyi.submissions.models import Submission, SubmissionItem

ASSIGNING_STATES = ("closed", "reviewing")  # after the call closes, before review ends
SCORING_STATE = "reviewing"


class ReviewError(UserError):
    pass


# --- a call's review settings ----------------------------------------------------------------


def scoring_round(call: Call) -> str:
    """The code of the round whose reviews are assigned and scored. For now always the first
    round: closing a round and opening the next for scoring is still to be built."""
    return find_round(call.rules)["code"]


def criteria(call: Call, round_code: str | None = None) -> list[dict[str, Any]]:
    """A round's rubric: the scoring round's unless another round is named."""
    return rubric(call.rules, round_code or scoring_round(call))


def review_criteria(review: Review) -> list[dict[str, Any]]:
    """The rubric of the review's own round."""
    return criteria(review.submission.call, review.round)


def reviewers_per_submission(call: Call) -> int:
    return int(call.rules["review"].get("reviewers_per_submission", 5))


def is_blind(call: Call) -> bool:
    return bool(call.rules["review"].get("blind", False))


def disagreement_threshold(call: Call) -> Fraction:
    return Fraction(call.rules["review"].get("disagreement_threshold", "20"))


def _eligible(call: Call):
    """Submissions that are reviewed: submitted and screened eligible."""
    return and_(Submission.call_id == call.id, Submission.status == "submitted", Submission.eligibility == "eligible")


# --- reviewers -------------------------------------------------------------------------------


def reviewer_pool(session: Session) -> list[tuple[User, ReviewerProfile | None]]:
    """Active users with the reviewer role and their profiles (None: defaults apply), by id."""
    stmt = (
        select(User, ReviewerProfile)
        .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == "reviewer"))
        .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
        .where(User.active.is_(True))
        .order_by(User.id)
    )
    return [(user, profile) for user, profile in session.execute(stmt).all()]


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


def update_reviewer(session: Session, actor: Any, user: User, *, name: str, affiliation_id: int | None,
                    expertise: Iterable[str], max_reviews: int) -> int:
    """Change a reviewer's name and profile; returns how many unsubmitted reviews a new
    affiliation removed (they became conflicts of interest)."""
    name = name.strip()
    if not name:
        raise ReviewError(N_("请填写姓名"), "name")
    if isinstance(max_reviews, bool) or not isinstance(max_reviews, int) or max_reviews < 0:
        raise ReviewError(N_("评审上限须为不小于 0 的整数"), "max_reviews")
    codes = sorted(set(expertise))
    known = set(session.scalars(select(Category.code).where(Category.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ReviewError(N_("未知的服务类别：%(codes)s"), "expertise", codes=", ".join(unknown))
    if affiliation_id is not None and session.get(Organisation, affiliation_id) is None:
        raise ReviewError(N_("所选机构不存在"), "affiliation_id")
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
            _delete_review(session, actor, review, why="affiliation")
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


# --- conflicts of interest -------------------------------------------------------------------


def _in_call(call: Call, submission_id: int | None) -> list[Any]:
    return [Submission.call_id == call.id] + ([Submission.id == submission_id] if submission_id else [])


def _automatic_conflicts(*columns: Any):
    """SELECT of `columns` over the automatic conflicts: reviewers (by role or profile) whose profile
    affiliation or own organisation (User.organisation_id) is the submitting organisation."""
    is_reviewer = or_(ReviewerProfile.user_id.is_not(None),
                      User.id.in_(select(UserRole.user_id).where(UserRole.role == "reviewer")))
    return (select(*columns).select_from(User)
            .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
            .join(Submission, or_(Submission.organisation_id == ReviewerProfile.affiliation_id,
                                  Submission.organisation_id == User.organisation_id))
            .where(is_reviewer))


def conflicted_pairs(session: Session, call: Call, submission_id: int | None = None) -> set[tuple[int, int]]:
    """(reviewer_id, submission_id) pairs of the call that must never be assigned, declared or automatic."""
    in_call = _in_call(call, submission_id)
    declared = (select(Conflict.reviewer_id, Conflict.submission_id)
                .join(Submission, Submission.id == Conflict.submission_id).where(*in_call))
    affiliated = _automatic_conflicts(User.id, Submission.id).where(*in_call)
    return {(r, s) for r, s in session.execute(declared).all()} | {(r, s) for r, s in session.execute(affiliated).all()}


def conflict_source(session: Session, reviewer_id: int, submission: Submission) -> str | None:
    """'affiliation', 'reviewer' or 'admin' when the pair is conflicted, else None.

    'affiliation' covers the reviewer's own organisation (User.organisation_id) as well as the
    profile's affiliation.
    """
    profile = session.get(ReviewerProfile, reviewer_id)
    user = session.get(User, reviewer_id)
    if submission.organisation_id in {profile.affiliation_id if profile else None,
                                      user.organisation_id if user else None}:
        return "affiliation"
    return session.scalar(select(Conflict.source).where(Conflict.reviewer_id == reviewer_id,
                                                         Conflict.submission_id == submission.id))


def affiliation_conflicts(session: Session, call: Call, submission_id: int | None = None) -> list[tuple[User, Submission]]:
    """The automatic conflicts of the call's submissions (or of one of them), for listing."""
    return [(u, s) for u, s in session.execute(
        _automatic_conflicts(User, Submission).where(*_in_call(call, submission_id)).order_by(Submission.ref, User.id)
    ).all()]


def declare_conflict(session: Session, actor: Any, submission: Submission, reviewer: User, reason: str) -> Conflict:
    """Record that `reviewer` must not review `submission` and remove the assignment.

    A reviewer declares for themself on a review not yet submitted; an administrator may
    declare for anyone, and a review already submitted is then removed too (its content is
    kept in the audit trail), because a conflicted score must not count.
    """
    reason = reason.strip()
    if not reason:
        raise ReviewError(N_("请说明回避理由"), "reason")
    by_reviewer = getattr(actor, "id", None) == reviewer.id
    review = _review_of(session, submission, reviewer.id)
    if by_reviewer:
        if review is None:
            raise ReviewError(N_("您没有被分配评审此项目"), "reason")
        if review.status == "submitted":
            raise ReviewError(N_("评审已提交，不能再声明回避；如有利益冲突请联系管理员"), "reason")
    if session.scalar(select(Conflict.id).where(Conflict.reviewer_id == reviewer.id,
                                                Conflict.submission_id == submission.id)):
        raise ReviewError(N_("%(name)s 已声明回避此项目"), "reviewer_id", name=reviewer.name)
    conflict = Conflict(reviewer_id=reviewer.id, submission_id=submission.id,
                        source="reviewer" if by_reviewer else "admin", reason=reason)
    session.add(conflict)
    session.flush()
    record(session, actor, "conflict.declare", conflict, reviewer_id=reviewer.id, submission_id=submission.id,
           source=conflict.source, reason=reason)
    for held in session.scalars(select(Review).where(Review.submission_id == submission.id,
                                                     Review.reviewer_id == reviewer.id).order_by(Review.id)):
        _delete_review(session, actor, held, why="conflict")  # every round's: a conflicted score never counts
    return conflict


def withdraw_conflict(session: Session, actor: Any, conflict: Conflict) -> None:
    """Undo a mistaken declaration; the pair may be assigned again."""
    record(session, actor, "conflict.withdraw", conflict, reviewer_id=conflict.reviewer_id,
           submission_id=conflict.submission_id, reason=conflict.reason)
    session.delete(conflict)
    session.flush()


# --- assignment ------------------------------------------------------------------------------


def _check_assigning(call: Call) -> None:
    if call.status not in ASSIGNING_STATES:
        raise ReviewError(N_("只能在征集截止后、评审结束前分配评审"), "reviewer_id")


def call_loads(session: Session, call: Call) -> dict[int, int]:
    """Reviews each reviewer holds in the call (any status): what their cap is measured against."""
    return {rid: n for rid, n in session.execute(
        select(Review.reviewer_id, func.count()).join(Submission, Submission.id == Review.submission_id)
        .where(Submission.call_id == call.id).group_by(Review.reviewer_id)
    ).all()}


def _planning_pool(session: Session, call: Call) -> list[Reviewer]:
    loads = call_loads(session, call)
    return [
        Reviewer(user.id, cap=profile.max_reviews if profile else DEFAULT_MAX_REVIEWS, load=loads.get(user.id, 0),
                 expertise=frozenset(profile.expertise if profile else ()))
        for user, profile in reviewer_pool(session)
    ]


def _papers(session: Session, call: Call, submission_id: int | None = None) -> list[Paper]:
    """The call's eligible submissions with their catalogue categories and current reviewers."""
    where = [_eligible(call)] + ([Submission.id == submission_id] if submission_id else [])
    ids = list(session.scalars(select(Submission.id).where(*where)))
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
    """Give every eligible submission its reviewers (review.assign module), keeping existing ones."""
    _check_assigning(call)
    pool = _planning_pool(session, call)
    if not pool:
        raise ReviewError(N_("还没有评审专家：请先在“评审专家”页面添加"))
    papers = _papers(session, call)
    k = reviewers_per_submission(call)
    plan = plan_assignment(papers, pool, conflicted_pairs(session, call), k)
    if plan.added:
        now = utcnow()
        session.execute(insert(Review), [
            {"submission_id": sid, "reviewer_id": rid, "status": "assigned", "overall_comment": "", "version": 1,
             "assigned_at": now}
            for sid, rid in plan.added
        ])
    record(session, actor, "review.auto_assign", call, added=len(plan.added), per_submission=k,
           shortfalls=len(plan.shortfalls), pairs=[list(pair) for pair in plan.added])
    session.flush()
    return AssignReport(len(plan.added), len(papers), k, plan.shortfalls, plan.spread)


def _review_of(session: Session, submission: Submission, reviewer_id: int) -> Review | None:
    """The reviewer's review of the submission in the scoring round, if any."""
    return session.scalar(select(Review).where(Review.submission_id == submission.id, Review.reviewer_id == reviewer_id,
                                               Review.round == scoring_round(submission.call)))


def _check_new_pair(session: Session, submission: Submission, reviewer: User | None) -> None:
    """The checks every manual assignment passes: a reviewer, eligible, not yet on it, no conflict, under cap."""
    if reviewer is None or not reviewer.active or "reviewer" not in reviewer.roles:
        raise ReviewError(N_("请选择评审专家"), "reviewer_id")
    if submission.status != "submitted" or submission.eligibility != "eligible":
        raise ReviewError(N_("只能为已提交且形式审查合格的项目分配评审"), "reviewer_id")
    if _review_of(session, submission, reviewer.id) is not None:
        raise ReviewError(N_("%(name)s 已在评审此项目"), "reviewer_id", name=reviewer.name)
    if conflict_source(session, reviewer.id, submission):
        raise ReviewError(N_("%(name)s 与此项目存在利益冲突，须回避"), "reviewer_id", name=reviewer.name)
    profile = session.get(ReviewerProfile, reviewer.id)
    cap = profile.max_reviews if profile else DEFAULT_MAX_REVIEWS
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
    papers = _papers(session, call, submission.id)
    if not papers:
        raise ReviewError(N_("只能为已提交且形式审查合格的项目分配评审"), "reviewer_id")
    plan = plan_assignment(papers, _planning_pool(session, call), conflicted_pairs(session, call, submission.id),
                           len(papers[0].reviewers) + 1)
    if not plan.added:
        raise ReviewError(N_("没有可增派的评审专家：其余专家须回避、已在评审此项目或已达评审上限"), "reviewer_id")
    return _insert_review(session, actor, submission, plan.added[0][1], "extra")


def remove_review(session: Session, actor: Any, review: Review) -> None:
    _check_assigning(review.submission.call)
    if review.status == "submitted":
        raise ReviewError(N_("已提交的评审不能移除；如存在利益冲突，请声明回避"), "reviewer_id")
    _delete_review(session, actor, review, why="manual")


def swap_reviewer(session: Session, actor: Any, review: Review, reviewer: User | None) -> Review:
    """Replace a reviewer who has not submitted by another, with every check of a new assignment."""
    submission = review.submission
    _check_assigning(submission.call)
    if review.status == "submitted":
        raise ReviewError(N_("已提交的评审不能更换评审专家"), "reviewer_id")
    _check_new_pair(session, submission, reviewer)
    _delete_review(session, actor, review, why="swap")
    return _insert_review(session, actor, submission, reviewer.id, "swap")  # type: ignore[union-attr]


def _delete_review(session: Session, actor: Any, review: Review, why: str) -> None:
    """Remove an assignment; whatever it held is kept in the audit entry."""
    record(session, actor, "review.remove", review, why=why, submission_id=review.submission_id,
           reviewer_id=review.reviewer_id, status=review.status, content=_snapshot(review),
           versions=[v.snapshot for v in review.versions])
    session.delete(review)
    session.flush()


# --- scoring ---------------------------------------------------------------------------------


def _snapshot(review: Review) -> dict[str, Any]:
    """What a version of a review says, with the rubric it was scored against."""
    return {
        "version": review.version,
        "status": review.status,
        "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None,
        "round": review.round,
        "criteria": [{"code": c["code"], "name": c["name"], "max": c["max"]} for c in review_criteria(review)],
        "scores": {s.criterion: s.points_centi for s in review.scores},
        "comments": {s.criterion: s.comment for s in review.scores if s.comment},
        "overall_comment": review.overall_comment,
    }


def review_total(review: Review) -> int | None:
    """The total in hundredths when every criterion of the review's round is scored, else None."""
    codes = [c["code"] for c in review_criteria(review)]
    scored = {s.criterion: s.points_centi for s in review.scores}
    return sum(scored[c] for c in codes) if all(c in scored for c in codes) else None


def save_review(session: Session, actor: Any, review: Review, *, scores: Mapping[str, str | None],
                comments: Mapping[str, str], overall_comment: str, submit: bool) -> None:
    """Save the reviewer's draft, or submit it (which locks it and keeps a version).

    Scores are typed text; everything is checked before anything changes, so a refused save
    leaves the stored review exactly as it was.
    """
    if getattr(actor, "id", None) != review.reviewer_id:
        raise ReviewError(N_("只能填写自己的评审"))
    if review.status == "submitted":
        raise ReviewError(N_("评审已提交，不能修改"))
    if review.submission.call.status != SCORING_STATE:
        raise ReviewError(N_("当前不在评审阶段，不能保存评分"))
    round_rubric = review_criteria(review)
    parsed: dict[str, int | None] = {}
    for c in round_rubric:
        try:
            parsed[c["code"]] = parse_score(scores.get(c["code"]), int(c["max"]))
        except ScoreError as exc:
            exc.field = c["code"]
            raise
        if parsed[c["code"]] is None and (comments.get(c["code"]) or "").strip():
            raise ReviewError(N_("写了评语的评分项也请打分（可先打暂定分）"), c["code"])
        if submit and parsed[c["code"]] is None:
            raise ReviewError(N_("提交前请为每一项打分"), c["code"])
    existing = {s.criterion: s for s in review.scores}
    for c in round_rubric:
        code, value = c["code"], parsed[c["code"]]
        if value is None:
            if code in existing:
                review.scores.remove(existing[code])
        elif code in existing:
            existing[code].points_centi, existing[code].comment = value, (comments.get(code) or "").strip()
        else:
            review.scores.append(Score(criterion=code, points_centi=value, comment=(comments.get(code) or "").strip()))
    review.overall_comment = overall_comment.strip()
    if submit:
        review.status, review.submitted_at = "submitted", utcnow()
        session.flush()
        session.add(ReviewVersion(review_id=review.id, version=review.version, snapshot=_snapshot(review)))
        session.flush()
        record(session, actor, "review.submit", review, version=review.version, total_centi=review_total(review))
    else:
        review.status = "draft"
        session.flush()
        record(session, actor, "review.save_draft", review)


def reopen_review(session: Session, actor: Any, review: Review, reason: str) -> None:
    """Unlock a submitted review for its reviewer; the submitted version stays on record."""
    reason = reason.strip()
    if review.status != "submitted":
        raise ReviewError(N_("只有已提交的评审可以重新开放"), "reason")
    if not reason:
        raise ReviewError(N_("请填写重新开放的理由"), "reason")
    if review.submission.call.status != SCORING_STATE:
        raise ReviewError(N_("只能在评审阶段重新开放评审"), "reason")
    if not any(v.version == review.version for v in review.versions):
        # e.g. a review that came in with a call package: keep what it said before it changes
        review.versions.append(ReviewVersion(version=review.version, snapshot=_snapshot(review)))
    review.version += 1
    review.status, review.submitted_at = "draft", None
    session.flush()
    record(session, actor, "review.reopen", review, reason=reason, version=review.version)


def reopen_reason(session: Session, review: Review) -> str | None:
    """Why an administrator last reopened this review (shown to its reviewer)."""
    detail = session.scalar(
        select(AuditEntry.detail).where(AuditEntry.object_type == "review", AuditEntry.object_id == str(review.id),
                                        AuditEntry.action == "review.reopen").order_by(AuditEntry.id.desc()).limit(1)
    )
    return detail.get("reason") if detail else None


# --- progress and calibration ----------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionProgress:
    submission: Submission
    assigned: int
    submitted: int
    overdue: bool


@dataclass(frozen=True)
class ReviewerProgress:
    reviewer: User
    assigned: int
    submitted: int
    cap: int
    overdue: bool


def _overdue(call: Call, now: datetime) -> bool:
    return call.review_deadline is not None and now >= call.review_deadline


def submission_progress(session: Session, call: Call, now: datetime | None = None) -> list[SubmissionProgress]:
    """Eligible submissions and any other holding reviews, with reviews assigned and submitted (one query)."""
    counts = (
        select(Review.submission_id, func.count().label("assigned"),
               func.count(case((Review.status == "submitted", 1))).label("submitted"))
        .group_by(Review.submission_id).subquery()
    )
    late = _overdue(call, now or utcnow())
    rows = session.execute(
        select(Submission, counts.c.assigned, counts.c.submitted)
        .outerjoin(counts, counts.c.submission_id == Submission.id)
        .where(Submission.call_id == call.id, or_(_eligible(call), counts.c.assigned.is_not(None)))
        .options(joinedload(Submission.organisation)).order_by(Submission.ref)
    ).all()
    return [SubmissionProgress(s, assigned or 0, submitted or 0, late and (submitted or 0) < (assigned or 0))
            for s, assigned, submitted in rows]


def reviewer_progress(session: Session, call: Call, now: datetime | None = None) -> list[ReviewerProgress]:
    """Every reviewer of the pool and anyone else holding reviews in the call (three queries)."""
    late = _overdue(call, now or utcnow())
    counts = {rid: (assigned, submitted) for rid, assigned, submitted in session.execute(
        select(Review.reviewer_id, func.count(), func.count(case((Review.status == "submitted", 1))))
        .join(Submission, Submission.id == Review.submission_id).where(Submission.call_id == call.id)
        .group_by(Review.reviewer_id)
    ).all()}
    pool = reviewer_pool(session)
    in_pool = {user.id for user, _ in pool}
    others = [rid for rid in counts if rid not in in_pool]
    if others:
        profiles = {p.user_id: p for p in session.scalars(select(ReviewerProfile).where(ReviewerProfile.user_id.in_(others)))}
        pool += [(u, profiles.get(u.id)) for u in session.scalars(select(User).where(User.id.in_(others)).order_by(User.id))]
    result = []
    for user, profile in pool:
        assigned, submitted = counts.get(user.id, (0, 0))
        result.append(ReviewerProgress(user, assigned, submitted, profile.max_reviews if profile else DEFAULT_MAX_REVIEWS,
                                       late and submitted < assigned))
    return result


def scored_reviews(session: Session, call: Call) -> list[ScoredReview]:
    """Submitted reviews of the scoring round with every criterion of its rubric scored, and
    their totals (one query)."""
    codes = [c["code"] for c in criteria(call)]
    rows = session.execute(
        select(Review.id, Review.reviewer_id, Review.submission_id, func.sum(Score.points_centi))
        .join(Score, Score.review_id == Review.id).join(Submission, Submission.id == Review.submission_id)
        .where(Submission.call_id == call.id, Review.status == "submitted", Review.round == scoring_round(call),
               Score.criterion.in_(codes))
        .group_by(Review.id, Review.reviewer_id, Review.submission_id)
        .having(func.count(Score.criterion) == len(codes))
    ).all()
    return [ScoredReview(rid, reviewer, sid, int(total)) for rid, reviewer, sid, total in rows]


def calibration(session: Session, call: Call) -> tuple[Calibration, list[ScoredReview]]:
    reviews = scored_reviews(session, call)
    return calibrate(reviews, disagreement_threshold(call)), reviews


# --- reminders -------------------------------------------------------------------------------


def queue_reminders(session: Session, actor: Any, *, now: datetime | None = None,
                    before: timedelta = timedelta(days=3)) -> int:
    """Queue a reminder to every reviewer with unsubmitted reviews in a call under review:
    once within `before` of the deadline, and once more when it has passed. Safe to run
    often (from cron or a button): each reminder is queued once per deadline."""
    from flask_babel import force_locale, gettext

    from gongyi.mail.service import queue_message
    from gongyi.web import local_time

    now = now or utcnow()
    pending = session.execute(
        select(Call.id, Review.reviewer_id, func.count())
        .join(Submission, Submission.call_id == Call.id).join(Review, Review.submission_id == Submission.id)
        .where(Call.status == SCORING_STATE, Call.review_deadline.is_not(None), Review.status != "submitted")
        .group_by(Call.id, Review.reviewer_id).order_by(Call.id, Review.reviewer_id)
    ).all()
    if not pending:
        return 0
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_({cid for cid, _, _ in pending})))}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({rid for _, rid, _ in pending})))}
    queued = 0
    for call_id, reviewer_id, count in pending:
        call, user = calls[call_id], users[reviewer_id]
        deadline = call.review_deadline
        if now >= deadline:
            kind = "review_overdue"
        elif now >= deadline - before:
            kind = "review_due"
        else:
            continue
        with force_locale(user.locale or "zh_CN"):
            when = local_time(deadline)
            if kind == "review_due":
                subject = gettext("评审提醒：%(title)s", title=call.title)
                body = gettext("%(name)s 您好：\n\n您在“%(title)s”中还有 %(n)s 份评审未提交，截止时间为 %(deadline)s（北京时间）。"
                               "\n请登录系统，在“我的评审”中完成。", name=user.name, title=call.title, n=count, deadline=when)
            else:
                subject = gettext("评审已逾期：%(title)s", title=call.title)
                body = gettext("%(name)s 您好：\n\n“%(title)s”的评审已于 %(deadline)s（北京时间）截止，您还有 %(n)s 份评审未提交。"
                               "\n请尽快登录系统，在“我的评审”中完成。", name=user.name, title=call.title, n=count, deadline=when)
        key = f"{kind}:{call.id}:{user.id}:{deadline:%Y%m%d%H%M}"
        if queue_message(session, actor, to=user.email, subject=subject, body=body, kind=kind, dedupe_key=key):
            queued += 1
    return queued
