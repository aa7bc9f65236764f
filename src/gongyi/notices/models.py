"""Notices (通知公告) and administrator-written pages (申报指南)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gongyi.db import Base, created_now, intpk


class Notice(Base):
    """A notice on the home page; visible to everyone once published (published_at set)."""

    __tablename__ = "notice"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created_now]
    updated_at: Mapped[datetime | None]


class SitePage(Base):
    """A page of the site written by administrators, by key (e.g. "guide", the application guide)."""

    __tablename__ = "site_page"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime | None]

    @property
    def id(self) -> str:  # the audit trail names objects by id
        return self.key
