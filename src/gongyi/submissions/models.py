from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from gongyi.db import Base, fen, created_now, intpk
from gongyi.clock import utcnow
from gongyi.submissions.vocabularies import ELIGIBILITY, SUBMISSION_STATUSES
from gongyi.funding.sources import FUND_SOURCE_LABELS, FUND_SOURCES, FUND_STATUSES, FUND_STATUS_LABELS  # noqa: F401

if TYPE_CHECKING:
    from gongyi.calls.models import Call
    from gongyi.orgs.models import Organisation

class Submission(Base):
    """A project an organisation submits to a call, built around catalogue items it ordered."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("call_id", "ref"),
        Index("ix_submission_call_org", "call_id", "organisation_id"),
        Index("ix_submission_call_status", "call_id", "status"),  # the screening tabs count a call by status
        CheckConstraint(SUBMISSION_STATUSES.check("status"), name="status"),
        CheckConstraint(ELIGIBILITY.check("eligibility"), name="eligibility"),
        CheckConstraint("requested_fen >= 0", name="requested_nonnegative"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    ref: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    community_name: Mapped[str] = mapped_column(String(200), default="")
    community_street: Mapped[str] = mapped_column(String(200), default="")
    community_district: Mapped[str | None] = mapped_column(String(6))
    problem: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    activities: Mapped[str] = mapped_column(Text, default="")
    beneficiary_group: Mapped[str] = mapped_column(String(200), default="")
    beneficiary_count: Mapped[int | None]
    team: Mapped[str] = mapped_column(Text, default="")
    requested_fen: Mapped[fen] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    eligibility: Mapped[str] = mapped_column(String(20), default="pending")
    eligibility_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[created_now]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    call: Mapped[Call] = relationship()
    organisation: Mapped[Organisation] = relationship()
    items: Mapped[list[SubmissionItem]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionItem.item_code"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="BudgetLine.position"
    )
    funding_lines: Mapped[list[FundingLine]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="FundingLine.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Attachment.id"
    )


class SubmissionItem(Base):
    """A catalogue item ordered (点单) for the project, with the community need it answers."""

    __tablename__ = "submission_item"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("item.code"), primary_key=True)
    need: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(back_populates="items")


class BudgetLine(Base):
    __tablename__ = "budget_line"
    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_nonnegative"),)

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    what: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[fen]

    submission: Mapped[Submission] = relationship(back_populates="budget_lines")


class FundingLine(Base):
    """Funds raised for the project; only `verified` lines of the call's counted sources count
    towards matching, at most the call's donor cap per donor (competition-rules.md section 2)."""

    __tablename__ = "funding_line"
    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="amount_nonnegative"),
        CheckConstraint(FUND_SOURCE_LABELS.check("source"), name="source"),
        CheckConstraint(FUND_STATUS_LABELS.check("status"), name="status"),
        Index("ix_funding_line_submission_status", "submission_id", "status"),
    )

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    donor: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[fen]
    received_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    status_reason: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship(back_populates="funding_lines")


class Attachment(Base):
    """A file stored in the database; served only to those allowed to see the submission."""

    __tablename__ = "attachment"

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[created_now]

    submission: Mapped[Submission] = relationship(back_populates="attachments")
