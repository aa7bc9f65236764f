"""The outbox: messages are queued in the database and sent later by `flask mail send`.

Queueing inside the request's transaction means a message exists exactly when the change
that caused it was committed; a dedupe key makes a reminder go out once however often the
job that queues it runs. Sending uses SMTP when MAIL_SERVER is set and otherwise writes the
message to the log (development, demo), and records which it did.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Mapping

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.clock import utcnow
from gongyi.mail.models import OutboxMessage

log = logging.getLogger("gongyi.mail")


def queue_message(session: Session, actor: Any, *, to: str, subject: str, body: str, kind: str,
                  dedupe_key: str | None = None, user: Any = None) -> OutboxMessage | None:
    """Queue a message; returns None when one with the same dedupe key was queued before.

    `user`: the account the message is for; it is then also in that user's inbox. A message to
    an address nobody has proved yet (a new address being confirmed) names no user.
    """
    if dedupe_key is not None and session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboxMessage(to=to, subject=subject[:200], body=body, kind=kind, dedupe_key=dedupe_key,
                            user_id=user.id if user is not None else None)
    session.add(message)
    session.flush()
    record(session, actor, "mail.queue", message, kind=kind, to=to)
    return message


def outbox_counts(session: Session) -> dict[str, int]:
    """How many messages are 'queued', 'sent' (or logged) and 'failed' (waiting to be retried)."""
    state = case((OutboxMessage.sent_at.is_not(None), "sent"), (OutboxMessage.error.is_not(None), "failed"),
                 else_="queued")
    return {name: n for name, n in session.execute(select(state, func.count()).group_by(state)).all()}


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    via: str


def send_pending(session: Session, config: Mapping[str, Any], limit: int | None = None) -> SendReport:
    """Send every unsent message (failed ones are retried), oldest first, and mark each.

    Delivery is at least once: the marks are committed by the caller, so a crash before that
    commit would send those messages again on the next run rather than lose them.
    """
    stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
    messages = list(session.scalars(stmt.limit(limit) if limit else stmt))
    if not config.get("MAIL_SERVER"):
        for message in messages:
            log.info("mail (no MAIL_SERVER, logged only) to=%s subject=%s\n%s", message.to, message.subject, message.body)
            _mark_sent(session, message, "log")
        return SendReport(len(messages), 0, "log")
    if not messages:
        return SendReport(0, 0, "smtp")
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=30)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except (OSError, smtplib.SMTPException) as exc:
        for message in messages:
            message.error = f"SMTP {config['MAIL_SERVER']}: {exc}"
        session.flush()
        return SendReport(0, len(messages), "smtp")
    sent = failed = 0
    with smtp:
        for message in messages:
            email = EmailMessage()
            email["From"] = config.get("MAIL_FROM") or "gongyi@localhost"
            email["To"] = message.to
            email["Subject"] = message.subject
            email.set_content(message.body)
            try:
                smtp.send_message(email)
            except (OSError, smtplib.SMTPException) as exc:
                message.error = str(exc)
                failed += 1
            else:
                _mark_sent(session, message, "smtp")
                sent += 1
    session.flush()
    return SendReport(sent, failed, "smtp")


def _mark_sent(session: Session, message: OutboxMessage, via: str) -> None:
    message.sent_at, message.via, message.error = utcnow(), via, None
    session.flush()
    record(session, None, "mail.send", message, via=via)


def inbox(user: Any) -> Select:
    """The user's in-app messages, newest first."""
    return (select(OutboxMessage).where(OutboxMessage.user_id == user.id)
            .order_by(OutboxMessage.id.desc()))


def find_message(session: Session, user: Any, message_id: int) -> OutboxMessage | None:
    """One of the user's own messages, or None (another user's message does not exist for them)."""
    message = session.get(OutboxMessage, message_id)
    return message if message is not None and message.user_id == user.id else None


def mark_read(session: Session, user: Any, message: OutboxMessage) -> None:
    """The user opened the message (a reading mark, like a language choice: not audited)."""
    if message.user_id == user.id and message.read_at is None:
        message.read_at = utcnow()
        session.flush()


def mark_all_read(session: Session, user: Any) -> int:
    result = session.execute(update(OutboxMessage).where(OutboxMessage.user_id == user.id,
                                                         OutboxMessage.read_at.is_(None)).values(read_at=utcnow()))
    session.flush()
    return result.rowcount or 0
