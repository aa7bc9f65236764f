from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongyi.clock import utcnow
from gongyi.communities.vocab import COMMUNITY_STATUSES, PRIORITIES
from gongyi.db import Base, created_now, intpk

if TYPE_CHECKING:
    from gongyi.orgs.models import Organisation

FIRST_YEAR, LAST_YEAR = 2000, 2100


class Community(Base):
    """A community (社区) of a street (街道) in a district: a record that projects name, so that
    its needs and the projects answering them can be counted together.

    `keeper` is the organisation running the community's service centre (社区服务中心), which
    keeps its needs list; a community an organisation proposes is kept by that organisation.
    """

    __tablename__ = "community"
    __table_args__ = (
        UniqueConstraint("district_code", "street", "name"),
        CheckConstraint(COMMUNITY_STATUSES.check("status"), name="status"),
        Index("ix_community_status_district", "status", "district_code"),
    )

    id: Mapped[intpk]
    district_code: Mapped[str] = mapped_column(String(6))
    street: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    status_reason: Mapped[str | None] = mapped_column(Text)
    keeper_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]
    confirmed_at: Mapped[datetime | None]

    keeper: Mapped[Organisation | None] = relationship(foreign_keys=[keeper_id])
    proposed_by: Mapped[Organisation | None] = relationship(foreign_keys=[proposed_by_id])

    @property
    def is_confirmed(self) -> bool:
        return self.status == "confirmed"


class CommunityNeed(Base):
    """One line of a community's needs list (需求清单) for a year: a catalogue item, how pressing
    it is, and a short note on what the community needs of it."""

    __tablename__ = "community_need"
    __table_args__ = (
        UniqueConstraint("community_id", "year", "item_code"),
        CheckConstraint(PRIORITIES.check("priority"), name="priority"),
        CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year"),
        Index("ix_community_need_year_item", "year", "item_code"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    year: Mapped[int]
    item_code: Mapped[str] = mapped_column(ForeignKey("item.code"))
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SubmissionCommunity(Base):
    """The community record a submission serves, picked on the project form (点单). The
    submission's community_name, community_street and community_district copy the record, so a
    submission without one (a community not on the list) keeps the free text it was given."""

    __tablename__ = "submission_community"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
