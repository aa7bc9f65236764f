"""`flask mail send`: deliver the outbox (run it from cron, e.g. every few minutes); `flask mail
remind`: queue every reminder that is due (reviews, milestones, returned reports), e.g. hourly."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from gongyi.clock import china_date, utcnow
from gongyi.db import get_session
from gongyi.execution.reminders import queue_execution_reminders
from gongyi.mail.service import send_pending
from gongyi.review.service import queue_reminders, reminder_window

mail_cli = AppGroup("mail", help="The outbox of e-mail messages.")


@mail_cli.command("send")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most this many messages.")
def send(limit: int | None) -> None:
    """Send queued messages over SMTP (MAIL_SERVER), or log them when no server is set."""
    session = get_session()
    report = send_pending(session, current_app.config, limit)
    session.commit()
    how = "logged (MAIL_SERVER is not set)" if report.via == "log" else "sent over SMTP"
    click.echo(f"{report.sent} {how}, {report.failed} failed")
    if report.failed:
        raise SystemExit(1)


@mail_cli.command("remind")
def remind() -> None:
    """Queue every reminder that is due: reviews (as `flask review remind`), milestones due within
    REVIEW_REMINDER_DAYS or overdue without a report, and returned reports waiting to be revised.

    Each reminder is queued once, so running this often is safe; `flask mail send` sends them.
    """
    session = get_session()
    window = reminder_window(current_app.config)
    reviews = queue_reminders(session, None, before=window)
    execution = queue_execution_reminders(session, None, today=china_date(utcnow()), before=window)
    session.commit()
    click.echo(f"{reviews} review reminders, {execution} execution reminders queued")
