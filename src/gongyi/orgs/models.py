from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from gongyi.db import Base, created_now, intpk
from gongyi.orgs.vocab import DOCUMENT_KINDS, ORG_STATUSES, ORG_TYPES

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

    members: Mapped[list[User]] = relationship(back_populates="organisation", order_by="User.id")
    documents: Mapped[list[OrganisationDocument]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationDocument.id")

    @property
    def is_verified(self) -> bool:
        return self.status == "verified"


class OrganisationDocument(Base):
    """A paper the administrator verifies the organisation against: its registration certificate
    (登记证书) or annual inspection (年检). Stored and served like a submission's attachments."""

    __tablename__ = "organisation_document"
    __table_args__ = (CheckConstraint(DOCUMENT_KINDS.check("kind"), name="kind"),)

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    year: Mapped[int | None]
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[created_now]

    organisation: Mapped[Organisation] = relationship(back_populates="documents")


class Invitation(Base):
    """A member invited a colleague by e-mail; the link mailed works once (`accepted_at`)."""

    __tablename__ = "organisation_invitation"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
