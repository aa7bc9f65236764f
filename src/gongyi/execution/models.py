"""Execution records and what hangs on them: milestones, reports, evaluations, tranches, recoveries."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from gongyi.clock import utcnow
from gongyi.db import Base, created_now, fen, intpk
from gongyi.execution.vocab import (EVALUATION_KINDS, EVALUATION_STATUSES, EXECUTION_STATUSES, REPORT_FILE_KINDS,
                                    REPORT_STATUSES, TRANCHE_GATES, TRANCHE_STATUSES)
from gongyi.funding.vocab import POOLS

if TYPE_CHECKING:
    from gongyi.submissions.models import Submission


class ExecutionRecord(Base):
    """A funded project taken on by its organisation after the final results (专业运行): the
    agreement, the plan (milestones; the submission's budget lines are the spending plan) and the
    allocation, from the final run's row (matching or library grant)."""

    __tablename__ = "execution_record"
    __table_args__ = (
        CheckConstraint(EXECUTION_STATUSES.check("status"), name="status"),
        CheckConstraint(POOLS.check("pool"), name="pool"),
        CheckConstraint("allocated_fen > 0", name="allocated_positive"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), unique=True)
    # indexed: the organisation's navigation counts its reports due on every page (workspace.tasks)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"))
    pool: Mapped[str] = mapped_column(String(20))
    allocated_fen: Mapped[fen]
    status: Mapped[str] = mapped_column(String(20), default="active")
    agreement_number: Mapped[str] = mapped_column(String(60), default="")
    signed_on: Mapped[date | None]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    agreement_name: Mapped[str | None] = mapped_column(String(255))
    agreement_type: Mapped[str | None] = mapped_column(String(100))
    agreement_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[created_now]

    submission: Mapped[Submission] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(cascade="all, delete-orphan", order_by="Milestone.position")
    tranches: Mapped[list[Tranche]] = relationship(cascade="all, delete-orphan", order_by="Tranche.position")


class Milestone(Base):
    """A step of the implementation plan: what, by when, the deliverable and its indicators."""

    __tablename__ = "milestone"

    id: Mapped[intpk]
    execution_id: Mapped[int] = mapped_column(ForeignKey("execution_record.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    what: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    deliverable: Mapped[str] = mapped_column(String(500), default="")

    indicators: Mapped[list[Indicator]] = relationship(cascade="all, delete-orphan", order_by="Indicator.id")


class Indicator(Base):
    """A measurable target of a milestone (people served, sessions held)."""

    __tablename__ = "milestone_indicator"
    __table_args__ = (CheckConstraint("target >= 0", name="target_nonnegative"),)

    id: Mapped[intpk]
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20), default="")
    target: Mapped[int]


class ProgressReport(Base):
    """A progress report against one milestone; returned reports are revised and resubmitted,
    each submitted version kept in ReportVersion."""

    __tablename__ = "progress_report"
    __table_args__ = (CheckConstraint(REPORT_STATUSES.check("status"), name="status"),)

    id: Mapped[intpk]
    execution_id: Mapped[int] = mapped_column(ForeignKey("execution_record.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(default=0)  # submitted versions so far
    narrative: Mapped[str] = mapped_column(Text, default="")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    figures: Mapped[list[ReportFigure]] = relationship(cascade="all, delete-orphan", order_by="ReportFigure.indicator_id")
    spending: Mapped[list[ReportSpending]] = relationship(cascade="all, delete-orphan",
                                                          order_by="ReportSpending.budget_line_id")
    files: Mapped[list[ReportFile]] = relationship(cascade="all, delete-orphan", order_by="ReportFile.id")
    versions: Mapped[list[ReportVersion]] = relationship(cascade="all, delete-orphan", order_by="ReportVersion.version")


class ReportFigure(Base):
    __tablename__ = "report_figure"
    __table_args__ = (CheckConstraint("value >= 0", name="value_nonnegative"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("milestone_indicator.id", ondelete="CASCADE"),
                                              primary_key=True)
    value: Mapped[int]


class ReportSpending(Base):
    """Spending reported against one budget line; above the line's plan only with an explanation."""

    __tablename__ = "report_spending"
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_nonnegative"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_line.id", ondelete="CASCADE"), primary_key=True)
    amount_fen: Mapped[fen]
    explanation: Mapped[str] = mapped_column(Text, default="")


class ReportFile(Base):
    """A receipt, photo or other file of a report, checked by its content."""

    __tablename__ = "report_file"
    __table_args__ = (CheckConstraint(REPORT_FILE_KINDS.check("kind"), name="kind"),)

    id: Mapped[intpk]
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[created_now]


class ReportVersion(Base):
    """A report as it was when submitted (narrative, figures, spending, comment it got)."""

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[intpk]
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"))
    version: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[created_now]


class ExecutionSettings(Base):
    """A call's settings for execution: the evaluation rubric (criteria with maxima,
    [{"code", "name", "max"}], and the pass mark) and its own funding mark (资助标识), if any."""

    __tablename__ = "execution_settings"

    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), primary_key=True)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pass_mark: Mapped[int]
    funding_mark: Mapped[str] = mapped_column(String(200), default="")


class EvaluatorAssignment(Base):
    """An evaluator (第三方评估机构) assigned to a funded project."""

    __tablename__ = "evaluator_assignment"
    __table_args__ = (UniqueConstraint("execution_id", "evaluator_id"),)

    id: Mapped[intpk]
    execution_id: Mapped[int] = mapped_column(ForeignKey("execution_record.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created_now]


class Evaluation(Base):
    """A mid-term or final evaluation of a project, scored by an assigned evaluator on the call's
    rubric; published with a publicity window for objections (the results' machinery)."""

    __tablename__ = "evaluation"
    __table_args__ = (
        UniqueConstraint("execution_id", "kind"),
        CheckConstraint(EVALUATION_KINDS.check("kind"), name="kind"),
        CheckConstraint(EVALUATION_STATUSES.check("status"), name="status"),
    )

    id: Mapped[intpk]
    execution_id: Mapped[int] = mapped_column(ForeignKey("execution_record.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # criterion code -> hundredths
    comment: Mapped[str] = mapped_column(Text, default="")
    total_centi: Mapped[int | None]
    passed: Mapped[bool | None]
    pass_mark: Mapped[int | None]
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    publicity_until: Mapped[datetime | None]
    created_at: Mapped[created_now]


class Tranche(Base):
    """One payment of the schedule, gated on a condition; a release records the disbursement."""

    __tablename__ = "tranche"
    __table_args__ = (
        UniqueConstraint("execution_id", "position"),
        CheckConstraint(TRANCHE_GATES.check("gate"), name="gate"),
        CheckConstraint(TRANCHE_STATUSES.check("status"), name="status"),
        CheckConstraint("amount_fen >= 0", name="amount_nonnegative"),
    )

    id: Mapped[intpk]
    execution_id: Mapped[int] = mapped_column(ForeignKey("execution_record.id", ondelete="CASCADE"))
    position: Mapped[int]
    gate: Mapped[str] = mapped_column(String(20))
    share: Mapped[int]  # percent of the allocation
    amount_fen: Mapped[fen]
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    disbursement_id: Mapped[int | None] = mapped_column(ForeignKey("disbursement.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    stopped_reason: Mapped[str | None] = mapped_column(Text)


class Recovery(Base):
    """Money already paid and recovered (追回), with the reason."""

    __tablename__ = "recovery"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[intpk]
    execution_id: Mapped[int] = mapped_column(ForeignKey("execution_record.id", ondelete="CASCADE"), index=True)
    amount_fen: Mapped[fen]
    reason: Mapped[str] = mapped_column(Text)
    recovered_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]
