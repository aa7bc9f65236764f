from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gongyi.db import Base, created_now, intpk


class OutboxMessage(Base):
    """A message waiting to be sent by `flask mail send` (SMTP when configured, else logged).

    A message to a user's own address is also that user's in-app message (站内消息): the inbox
    lists the rows naming the user, and `read_at` says when they opened it.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_user_read", "user_id", "read_at"),)

    id: Mapped[intpk]
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[created_now]
    sent_at: Mapped[datetime | None]
    via: Mapped[str | None] = mapped_column(String(10))  # "smtp", or "log" when no mail server is configured
    error: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    read_at: Mapped[datetime | None]
