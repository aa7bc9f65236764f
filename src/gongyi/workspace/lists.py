"""The rows behind each workspace: per call for administrators and reviewers, per project for
organisations. Each list is one grouped or limited query, so a workspace costs the same few
statements whatever the number of calls, projects or reviews."""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.calls.workflow import ACTIVITIES
from gongyi.execution.models import ExecutionRecord, ProgressReport
from gongyi.funding.models import Disbursement
from gongyi.results.models import Objection, Run
from gongyi.review.models import Review
from gongyi.submissions.models import FundingLine, Submission
from gongyi.workspace.tasks import overdue_milestones

LIMIT = 20  # rows per list; the full lists are one click away


def reviews_by_call(session: Session, reviewer_id: int | None = None) -> list[Any]:
    """Per call being scored: assigned, outstanding, the deadline and (for one reviewer) the next review."""
    outstanding = Review.status != "submitted"
    stmt = (select(Call.slug, Call.title, Call.review_deadline, func.count().label("assigned"),
                   func.count(case((outstanding, 1))).label("outstanding"),
                   func.min(case((outstanding, Review.id))).label("next_review_id"))
            .select_from(Review).join(Submission, Submission.id == Review.submission_id)
            .join(Call, Call.id == Submission.call_id).where(Call.status.in_(ACTIVITIES["score"]))
            .group_by(Call.id, Call.slug, Call.title, Call.review_deadline).order_by(Call.review_deadline, Call.id))
    if reviewer_id is not None:
        stmt = stmt.where(Review.reviewer_id == reviewer_id)
    return list(session.execute(stmt))


def objections_by_call(session: Session) -> list[Any]:
    """Per call: the objections waiting for an answer and the oldest of them."""
    stmt = (select(Call.slug, Call.title, func.count().label("pending"), func.min(Objection.id).label("first_id"))
            .select_from(Objection).join(Run, Run.id == Objection.run_id).join(Call, Call.id == Run.call_id)
            .where(Objection.status == "pending").group_by(Call.id, Call.slug, Call.title).order_by(Call.id))
    return list(session.execute(stmt))


def reports_by_call(session: Session) -> list[Any]:
    """Per call with projects in execution: progress reports to review and milestones overdue."""
    waiting = (select(func.count()).select_from(ProgressReport)
               .join(ExecutionRecord, ExecutionRecord.id == ProgressReport.execution_id)
               .where(ExecutionRecord.call_id == Call.id, ProgressReport.status == "submitted")
               .correlate(Call).scalar_subquery())
    overdue = overdue_milestones().where(ExecutionRecord.call_id == Call.id).correlate(Call).scalar_subquery()
    stmt = (select(Call.slug, Call.title, waiting.label("to_review"), overdue.label("overdue"))
            .where(Call.id.in_(select(ExecutionRecord.call_id))).order_by(Call.id.desc()).limit(LIMIT))
    return [row for row in session.execute(stmt) if row.to_review or row.overdue]


def drafts(session: Session, organisation_id: int) -> list[Any]:
    """The organisation's drafts in calls open for submission, nearest deadline first."""
    stmt = (select(Submission.id, Submission.ref, Submission.title, Call.title.label("call_title"), Call.closes_at)
            .join(Call, Call.id == Submission.call_id)
            .where(Submission.organisation_id == organisation_id, Submission.status == "draft",
                   Call.status.in_(ACTIVITIES["submit"]))
            .order_by(Call.closes_at, Submission.id).limit(LIMIT))
    return list(session.execute(stmt))


def rejected_funds(session: Session, organisation_id: int) -> list[Any]:
    stmt = (select(Submission.id, Submission.ref, FundingLine.donor, FundingLine.amount_fen, FundingLine.status_reason)
            .join(Submission, Submission.id == FundingLine.submission_id).join(Call, Call.id == Submission.call_id)
            .where(Submission.organisation_id == organisation_id, FundingLine.status == "rejected",
                   Submission.status != "withdrawn", Call.status.in_(ACTIVITIES["entries"]))
            .order_by(Submission.id, FundingLine.id).limit(LIMIT))
    return list(session.execute(stmt))


def answered_objections(session: Session, organisation_id: int) -> list[Any]:
    stmt = (select(Objection.id, Objection.status, Objection.answered_at, Submission.ref)
            .join(Submission, Submission.id == Objection.submission_id)
            .where(Objection.organisation_id == organisation_id, Objection.status != "pending")
            .order_by(Objection.answered_at.desc(), Objection.id.desc()).limit(LIMIT))
    return list(session.execute(stmt))


def payments(session: Session, organisation_id: int) -> list[Any]:
    """Tranches paid to the organisation's projects, latest first."""
    stmt = (select(Submission.id, Submission.ref, Submission.title, Disbursement.pool, Disbursement.amount_fen,
                   Disbursement.paid_on, Disbursement.reference)
            .join(Submission, Submission.id == Disbursement.submission_id)
            .where(Submission.organisation_id == organisation_id)
            .order_by(Disbursement.paid_on.desc(), Disbursement.id.desc()).limit(LIMIT))
    return list(session.execute(stmt))
