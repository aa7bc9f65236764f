from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, false, text, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from gongyi.calls.rules import DEFAULT_ROUND_CODE
from gongyi.results.vocab import OBJECTION_STATUSES, PUBLICATIONS
from gongyi.db import Base, fen, created_now, intpk


class Run(Base):
    """One saved, immutable computation of a call's results, with the rules and inputs it read."""

    __tablename__ = "run"
    __table_args__ = (
        UniqueConstraint("call_id", "number"),
        CheckConstraint(PUBLICATIONS.check("published") + " OR published IS NULL", name="published"),
        # At most one provisional publication per call (final results may be revised, each a new run).
        Index("uq_run_provisional", "call_id", unique=True, sqlite_where=text("published = 'provisional'"),
              postgresql_where=text("published = 'provisional'")),
        # Each publication replaces at most once the one before it: provisional, final, revisions form
        # one line, so a call has at most one current final run (the one nothing replaces).
        Index("uq_run_replaces", "replaces_id", unique=True, sqlite_where=text("replaces_id IS NOT NULL"),
              postgresql_where=text("replaces_id IS NOT NULL")),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    number: Mapped[int]
    rules_version_id: Mapped[int] = mapped_column(ForeignKey("rules_version.id"))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    input_digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]
    matching_pool_fen: Mapped[fen]
    matching_allocated_fen: Mapped[fen]
    library_pool_fen: Mapped[fen]
    library_allocated_fen: Mapped[fen]
    published: Mapped[str | None] = mapped_column(String(20))
    published_at: Mapped[datetime | None]
    publicity_until: Mapped[datetime | None]
    # The published run this one's publication replaced (the provisional results, or the final ones it revises).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))

    rows: Mapped[list[RunRow]] = relationship(back_populates="run", order_by="RunRow.position", cascade="all, delete-orphan")


class RunRow(Base):
    """A submission's inputs and results in one run, in results.csv order (`position`).

    complete_reviews, aggregate and rank are those of the submission's round; `ledger` explains
    the amounts ("matching", "library"), the counted funds ("funds") and every round ("rounds").
    """

    __tablename__ = "run_row"
    __table_args__ = (
        UniqueConstraint("run_id", "submission_id"),
        Index("ix_run_row_run_position", "run_id", "position"),
    )

    id: Mapped[intpk]
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    position: Mapped[int]
    ref: Mapped[str] = mapped_column(String(40))
    totals: Mapped[list[str]] = mapped_column(JSON)
    requested_fen: Mapped[fen]
    submitted_at: Mapped[datetime | None]
    complete_reviews: Mapped[int]
    aggregate: Mapped[str | None] = mapped_column(String(60))  # exact, "num/den"
    aggregate_display: Mapped[str | None] = mapped_column(String(20))
    rank: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(20))
    # The counted raised amount R (competition-rules.md section 2); the name predates version 2.
    verified_raised_fen: Mapped[fen]
    # The submission's round, its donors count, and whether an active hold applied when the run was
    # computed; rows of runs from before version 2 read `review`, 0 and false.
    round: Mapped[str] = mapped_column(String(40), default=DEFAULT_ROUND_CODE, server_default=DEFAULT_ROUND_CODE)
    donors: Mapped[int] = mapped_column(default=0, server_default="0")
    held: Mapped[bool] = mapped_column(default=False, server_default=false())
    matching_fen: Mapped[fen]
    library_grant_fen: Mapped[fen]
    ledger: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    run: Mapped[Run] = relationship(back_populates="rows")


class Objection(Base):
    """An objection (异议) to a published result or evaluation, filed under real name during publicity."""

    __tablename__ = "objection"
    __table_args__ = (
        CheckConstraint(OBJECTION_STATUSES.check("status"), name="status"),
        # An objection is to a published run's result or to a published evaluation (execution/), never both.
        CheckConstraint("(run_id IS NULL) <> (evaluation_id IS NULL)", name="one_subject"),
    )

    id: Mapped[intpk]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    # indexed: the organisation's navigation counts its answered objections on every page
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    real_name: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_type: Mapped[str | None] = mapped_column(String(100))
    evidence: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[created_now]
