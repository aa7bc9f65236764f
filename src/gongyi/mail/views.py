"""The outbox page: what was queued and what was sent (or only logged, without a mail server)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.db import get_session
from gongyi.mail.models import OutboxMessage
from gongyi.mail.service import outbox_counts
from gongyi.pagination import paginate
from gongyi.webutil import page_number

bp = Blueprint("mail", __name__)


@bp.get("/admin/mail")
@login_required
def outbox():
    if not policy.can_manage_reviews(current_user):  # the outbox holds the review reminders
        abort(403)
    db = get_session()
    page = paginate(db, select(OutboxMessage).order_by(OutboxMessage.id.desc()), page_number())
    return render_template("mail/outbox.html", page=page, messages=[m for m, in page.rows], counts=outbox_counts(db),
                           smtp=bool(current_app.config.get("MAIL_SERVER")))
