"""`flask review remind`: queue the review reminders that are due (run it from cron, e.g. hourly)."""
from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from gongyi.db import get_session

review_cli = AppGroup("review", help="Reviews.")


@review_cli.command("remind")
def remind() -> None:
    """Queue reminders before the review deadline (REVIEW_REMINDER_DAYS, default 3) and when overdue.

    Each reminder is queued once per deadline, so running this often is safe; `flask mail send` sends them.
    """
    from gongyi.review.service import queue_reminders

    session = get_session()
    queued = queue_reminders(session, None, before=timedelta(days=int(current_app.config.get("REVIEW_REMINDER_DAYS", 3))))
    session.commit()
    click.echo(f"{queued} reminders queued")
