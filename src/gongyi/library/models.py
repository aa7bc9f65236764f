"""The library domain's tables: each edition's library settings and entry rules, library entries,
co-funders and their pledges, brand projects, replications and barred organisations.

New tables only: a column added to "submission" would, on SQLite, copy that table and trip the
review triggers that name it (see revision 0030).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongyi.db import Base, created_now, fen, intpk
from gongyi.library.vocab import ENTRY_STATUSES, FUNDER_KINDS, PLEDGE_STATUSES

if TYPE_CHECKING:
    from gongyi.calls.models import Call
    from gongyi.submissions.models import Submission

DEFAULT_EXPIRES_AFTER = 2


class EditionSettings(Base):
    """A call's library and entry settings; a call without a row reads the defaults."""

    __tablename__ = "edition_settings"
    __table_args__ = (
        CheckConstraint("expires_after BETWEEN 1 AND 10", name="expires_after"),
        CheckConstraint("failed_evaluation_editions BETWEEN 0 AND 10", name="failed_evaluation_editions"),
    )

    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), primary_key=True)
    # How many editions an entry stays in the library (its first included) before it expires.
    expires_after: Mapped[int] = mapped_column(default=DEFAULT_EXPIRES_AFTER)
    # Refuse organisations whose funded project failed its final evaluation in the last N editions (0: off).
    failed_evaluation_editions: Mapped[int] = mapped_column(default=0)
    no_second_funding: Mapped[bool] = mapped_column(default=False)
    barred_list: Mapped[bool] = mapped_column(default=True)
    # Show reviewers that a project is a replication of a brand project.
    mark_replications: Mapped[bool] = mapped_column(default=False)


class LibraryEntry(Base):
    """A project in one edition's library, with the scores, rank, round and request frozen from the
    final results that put it there (carried entries keep the ones they had)."""

    __tablename__ = "library_entry"
    __table_args__ = (
        UniqueConstraint("call_id", "submission_id"),
        CheckConstraint(ENTRY_STATUSES.check("status"), name="status"),
        Index("ix_library_entry_status", "status", "call_id"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))  # the library's edition
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    run_number: Mapped[int]  # of the results of the project's own call
    rank: Mapped[int | None]
    round: Mapped[str] = mapped_column(String(40))
    aggregate_display: Mapped[str | None] = mapped_column(String(20))
    score_hundredths: Mapped[int | None]  # the aggregate to 0.01, for searching
    requested_fen: Mapped[fen]
    library_grant_fen: Mapped[fen] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    status_reason: Mapped[str | None] = mapped_column(Text)
    editions: Mapped[int] = mapped_column(default=1)  # editions in the library so far, this one included
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("library_entry.id", ondelete="SET NULL"))
    # When an administrator funded the entry from its edition's library pool (what the edition's own
    # final results left of it); None for the results engine's grants.
    pool_granted_at: Mapped[datetime | None]
    created_at: Mapped[created_now]
    changed_at: Mapped[created_now]

    submission: Mapped[Submission] = relationship()
    call: Mapped[Call] = relationship()


class CoFunder(Base):
    """An enterprise, foundation or other organisation funding projects beside the public pools."""

    __tablename__ = "co_funder"
    __table_args__ = (CheckConstraint(FUNDER_KINDS.check("kind"), name="kind"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[created_now]


class Pledge(Base):
    """A co-funder's pledge to a project; once confirmed it is a verified funding line of the project."""

    __tablename__ = "pledge"
    __table_args__ = (
        CheckConstraint(PLEDGE_STATUSES.check("status"), name="status"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_pledge_submission_status", "submission_id", "status"),
    )

    id: Mapped[intpk]
    co_funder_id: Mapped[int] = mapped_column(ForeignKey("co_funder.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    amount_fen: Mapped[fen]
    conditions: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    over_need_allowed: Mapped[bool] = mapped_column(default=False)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    funding_line_id: Mapped[int | None] = mapped_column(ForeignKey("funding_line.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]

    co_funder: Mapped[CoFunder] = relationship()
    submission: Mapped[Submission] = relationship()


class Brand(Base):
    """A brand project (品牌项目): a completed or running project designated for the criteria it met,
    with a short public profile."""

    __tablename__ = "brand"

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text)
    for_whom: Mapped[str] = mapped_column(Text)
    results: Mapped[str] = mapped_column(Text)
    criteria: Mapped[list[str]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # what was known of the project when designated
    photo_ids: Mapped[list[int]] = mapped_column(JSON)  # the project's image attachments shown publicly
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    designated_at: Mapped[created_now]

    submission: Mapped[Submission] = relationship()


class Replication(Base):
    """A project created from a brand project for another community, linked to its origin."""

    __tablename__ = "replication"

    id: Mapped[intpk]
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]

    brand: Mapped[Brand] = relationship()
    submission: Mapped[Submission] = relationship()


class OrganisationBar(Base):
    """An organisation barred from entering calls, with the reason and the days it applies."""

    __tablename__ = "organisation_bar"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),)

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]
