"""Conflicts of interest (回避): who must never review which submission.

A declared conflict is a row; the automatic one (the submitting organisation is the reviewer's
profile affiliation or the organisation the reviewer's own account belongs to,
User.organisation_id) is derived whenever it is needed. Both are checked here and refused again
by database triggers (see the migration) for any path that writes a review row.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.auth.models import User, UserRole
from gongyi.calls.models import Call
from gongyi.errors import N_
from gongyi.review.models import Conflict, Review, ReviewerProfile
from gongyi.review.service.scoring import ReviewError, discard_review, scoring_round
from gongyi.submissions.models import Submission


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
    """'affiliation', 'reviewer' or 'admin' (CONFLICT_SOURCES) when the pair is conflicted, else None.

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


def review_of(session: Session, submission: Submission, reviewer_id: int) -> Review | None:
    """The reviewer's review of the submission in the scoring round, if any."""
    return session.scalar(select(Review).where(Review.submission_id == submission.id, Review.reviewer_id == reviewer_id,
                                               Review.round == scoring_round(submission.call)))


def declare_conflict(session: Session, actor: Any, submission: Submission, reviewer: User | None,
                     reason: str) -> Conflict:
    """Record that `reviewer` must not review `submission` and remove the assignment.

    A reviewer declares for themself on a review not yet submitted; an administrator may
    declare for anyone, and a review already submitted is then removed too (its content is
    kept in the audit trail), because a conflicted score must not count.
    """
    if reviewer is None:
        raise ReviewError(N_("请选择评审专家"), "reviewer_id")
    reason = reason.strip()
    if not reason:
        raise ReviewError(N_("请说明回避理由"), "reason")
    by_reviewer = getattr(actor, "id", None) == reviewer.id
    review = review_of(session, submission, reviewer.id)
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
        discard_review(session, actor, held, why="conflict")  # every round's: a conflicted score never counts
    return conflict


def withdraw_conflict(session: Session, actor: Any, conflict: Conflict) -> None:
    """Undo a mistaken declaration; the pair may be assigned again."""
    record(session, actor, "conflict.withdraw", conflict, reviewer_id=conflict.reviewer_id,
           submission_id=conflict.submission_id, reason=conflict.reason)
    session.delete(conflict)
    session.flush()
