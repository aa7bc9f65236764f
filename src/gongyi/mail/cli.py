"""`flask mail send`: deliver the outbox (run it from cron, e.g. every few minutes)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from gongyi.db import get_session
from gongyi.mail.service import send_pending

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
