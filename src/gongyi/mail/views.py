"""The outbox page: what was queued and what was sent (or only logged, without a mail server);
and each user's inbox of in-app messages, which are the outbox's messages to them."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.db import get_session
from gongyi.forms import ActionForm
from gongyi.mail import service
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


@bp.get("/messages")
@login_required
def inbox():
    """The user's in-app messages (站内消息): every message mailed to them, newest first."""
    page = paginate(get_session(), service.inbox(current_user), page_number())
    return render_template("mail/inbox.html", page=page, messages=[m for m, in page.rows], form=ActionForm())


@bp.get("/messages/<int:message_id>")
@login_required
def message(message_id: int):
    db = get_session()
    found = service.find_message(db, current_user, message_id) or abort(404)
    if found.read_at is None:
        with attempt():
            service.mark_read(db, current_user, found)
    return render_template("mail/message.html", message=found)


@bp.post("/messages/read")
@login_required
def read_all():
    with attempt(ActionForm()) as done:
        service.mark_all_read(get_session(), current_user)
        done.flash(_("全部消息已标为已读。"))
    return redirect(url_for("mail.inbox"))
