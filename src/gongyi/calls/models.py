from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongyi.calls.workflow import CALL_STATES
from gongyi.db import Base, created_now, intpk
from gongyi.errors import N_
from gongyi.vocab import Vocabulary

if TYPE_CHECKING:
    from gongyi.library.models import EditionSettings

# A round of judging is open for scoring, or closed: its scores locked and who advanced settled.
ROUND_STATES = Vocabulary({"open": N_("评分中"), "closed": N_("已结束")})


class Call(Base):
    """One edition of the competition (公开征集)."""

    __tablename__ = "call"
    __table_args__ = (
        CheckConstraint(CALL_STATES.check("status"), name="status"),
    )

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    edit_deadline: Mapped[datetime | None]
    review_deadline: Mapped[datetime | None]
    created_at: Mapped[created_now]

    rules_versions: Mapped[list[RulesVersion]] = relationship(
        back_populates="call", order_by="RulesVersion.version", cascade="all, delete-orphan"
    )

    round_states: Mapped[list[CallRound]] = relationship(
        back_populates="call", order_by="CallRound.id", cascade="all, delete-orphan"
    )
    # The library and entry settings row, if any (library.entries.settings_for gives the defaults
    # without one); read-only here, so a project's statement can bring it along with the call.
    settings: Mapped[EditionSettings | None] = relationship(viewonly=True)

    @property
    def rules_version(self) -> RulesVersion:
        return self.rules_versions[-1]

    @property
    def rules(self) -> dict[str, Any]:
        return self.rules_version.rules


class RulesVersion(Base):
    """The call's rules as frozen at one moment; a change after opening is a new version with a reason."""

    __tablename__ = "rules_version"
    __table_args__ = (UniqueConstraint("call_id", "version"),)

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    version: Mapped[int]
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_now]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    call: Mapped[Call] = relationship(back_populates="rules_versions")


class LateEntry(Base):
    """An organisation allowed to submit or edit after the deadline, with the reason."""

    __tablename__ = "late_entry"
    __table_args__ = (UniqueConstraint("call_id", "organisation_id"),)

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[datetime | None]
    created_at: Mapped[created_now]


class CallRound(Base):
    """A round of the call's judging as it is run: opened for scoring, then closed by an
    administrator, who sees who advances. The first round is open from the start of review
    without a row; every later round opens only when an administrator confirms it."""

    __tablename__ = "call_round"
    __table_args__ = (
        UniqueConstraint("call_id", "code"),
        CheckConstraint(ROUND_STATES.check("status"), name="status"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[created_now]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # When closed: the refs that advanced to the next round, as computed at closing.
    advanced: Mapped[list[str]] = mapped_column(JSON, default=list)

    call: Mapped[Call] = relationship(back_populates="round_states")
