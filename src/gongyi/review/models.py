from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongyi.calls.rules import DEFAULT_PANEL_CODE, DEFAULT_ROUND_CODE
from gongyi.db import Base, created_now, intpk
from gongyi.errors import N_
from gongyi.vocab import Vocabulary

if TYPE_CHECKING:
    from gongyi.auth.models import User
    from gongyi.orgs.models import Organisation
    from gongyi.submissions.models import Submission

DEFAULT_MAX_REVIEWS = 30  # per call, for a reviewer without a profile too
REVIEW_STATUSES = Vocabulary({"assigned": N_("未开始"), "draft": N_("草稿"), "submitted": N_("已提交")})
# Why a reviewer must not review a submission: their organisation submitted it, they said so, or an administrator did.
CONFLICT_SOURCES = Vocabulary({"affiliation": N_("所属机构"), "reviewer": N_("专家本人声明"), "admin": N_("管理员登记")})


class ReviewerProfile(Base):
    """What assignment needs to know about a reviewer; a reviewer without one gets the defaults."""

    __tablename__ = "reviewer_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    affiliation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_reviews: Mapped[int] = mapped_column(default=DEFAULT_MAX_REVIEWS)

    affiliation: Mapped[Organisation | None] = relationship()


class ReviewerPanel(Base):
    """The panel a reviewer sits on in one call (competition-rules.md section 3); a reviewer
    without a row sits on the default panel, `expert`."""

    __tablename__ = "reviewer_panel"

    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    panel: Mapped[str] = mapped_column(String(40), default=DEFAULT_PANEL_CODE)


class Conflict(Base):
    """A declared reason why a reviewer must not review a submission (回避).

    The automatic conflict (the reviewer's affiliation submitted the project) is derived from
    the profile whenever needed, so it can never go stale; the database refuses both kinds
    (triggers in the migration).
    """

    __tablename__ = "conflict"
    __table_args__ = (
        UniqueConstraint("reviewer_id", "submission_id"),
        CheckConstraint(CONFLICT_SOURCES.check("source"), name="source"),
    )

    id: Mapped[intpk]
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_now]

    reviewer: Mapped[User] = relationship()
    submission: Mapped[Submission] = relationship()


class Review(Base):
    """A reviewer's assignment to a submission in one round and their scores; submitted reviews are locked.

    One reviewer may review a submission once per round (an online review, then the roadshow).
    """

    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("submission_id", "reviewer_id", "round"),
        Index("ix_review_reviewer", "reviewer_id"),
        CheckConstraint(REVIEW_STATUSES.check("status"), name="status"),
        # Ids are never reused (SQLite would reuse a deleted highest id), so audit history stays per review.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # A round code of the call's rules; rows from before rounds existed belong to `review`.
    round: Mapped[str] = mapped_column(String(40), default=DEFAULT_ROUND_CODE, server_default=DEFAULT_ROUND_CODE)
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    assigned_at: Mapped[created_now]
    submitted_at: Mapped[datetime | None]

    scores: Mapped[list[Score]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="Score.criterion"
    )
    versions: Mapped[list[ReviewVersion]] = relationship(
        cascade="all, delete-orphan", order_by="ReviewVersion.version", passive_deletes=True
    )
    reviewer: Mapped[User] = relationship()
    submission: Mapped[Submission] = relationship()


class Score(Base):
    """One criterion's score in hundredths of a point, so scores stay exact on every database."""

    __tablename__ = "score"
    __table_args__ = (CheckConstraint("points_centi >= 0", name="points_nonnegative"),)

    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), primary_key=True)
    criterion: Mapped[str] = mapped_column(String(40), primary_key=True)
    points_centi: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")


class ReviewVersion(Base):
    """A snapshot of a review as it was when submitted; reopening keeps every earlier version."""

    __tablename__ = "review_version"
    __table_args__ = (UniqueConstraint("review_id", "version"),)

    id: Mapped[intpk]
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    version: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[created_now]
