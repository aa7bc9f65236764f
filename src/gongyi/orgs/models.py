from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongyi.db import Base, created_now, intpk
from gongyi.orgs.vocab import ORG_STATUSES, ORG_TYPES

if TYPE_CHECKING:
    from gongyi.auth.models import User



class Organisation(Base):
    """A social organisation (社会组织); only verified ones may submit projects."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(ORG_TYPES.check("org_type"), name="org_type"),
        CheckConstraint(ORG_STATUSES.check("status"), name="status"),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    org_type: Mapped[str] = mapped_column(String(30), default="other")
    district_code: Mapped[str | None] = mapped_column(String(6))
    contact_person: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_now]
    verified_at: Mapped[datetime | None]

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def is_verified(self) -> bool:
        return self.status == "verified"
