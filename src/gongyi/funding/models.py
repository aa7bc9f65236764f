from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String
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
