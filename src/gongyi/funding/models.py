from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from gongyi.db import Base, fen, created_now, intpk
from gongyi.funding.vocab import POOLS


class Disbursement(Base):
    """A tranche paid out of a call's matching or library pool."""

    __tablename__ = "disbursement"
    __table_args__ = (
        CheckConstraint(POOLS.check("pool"), name="pool"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"))
    pool: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[fen]
    paid_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]


class Hold(Base):
    """A hold on a submission's funding (暂缓拨付, competition-rules.md section 4) while, say, a
    complaint of round-tripped donations is investigated. The submission keeps its rank but gets
    no matching and no library grant while the hold is active (not released). Rows are never
    deleted, so the history of every hold and release, with reasons, stays."""

    __tablename__ = "hold"
    __table_args__ = (
        # At most one active hold per submission.
        Index("uq_hold_active_submission", "submission_id", unique=True,
              sqlite_where=text("released_at IS NULL"), postgresql_where=text("released_at IS NULL")),
    )

    id: Mapped[intpk]
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    held_at: Mapped[created_now]
    released_at: Mapped[datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    release_reason: Mapped[str | None] = mapped_column(Text)
