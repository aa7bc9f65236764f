"""`flask review remind`: queue the review reminders that are due (run it from cron, e.g. hourly)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from gongyi.db import get_session
from gongyi.review.service import queue_reminders, reminder_window

review_cli = AppGroup("review", help="Reviews.")


@review_cli.command("remind")
def remind() -> None:
    """Queue reminders before the review deadline (REVIEW_REMINDER_DAYS, default 3) and when overdue.

    Each reminder is queued once per deadline, so running this often is safe; `flask mail send` sends them.
    """
    session = get_session()
    queued = queue_reminders(session, None, before=reminder_window(current_app.config))
    session.commit()
    click.echo(f"{queued} reminders queued")
