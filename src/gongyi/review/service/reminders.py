"""Review reminders: queued in the outbox before the review deadline and once it has passed
(by `flask review remind` from cron, or the button on the review board)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.calls.workflow import ACTIVITIES
from gongyi.clock import utcnow
from gongyi.formatting import local_time
from gongyi.mail.service import queue_message
from gongyi.review.models import Review
from gongyi.submissions.models import Submission


def reminder_window(config: Mapping[str, Any]) -> timedelta:
    """How long before the deadline the first reminder goes (REVIEW_REMINDER_DAYS, default 3)."""
    return timedelta(days=int(config.get("REVIEW_REMINDER_DAYS", 3)))


def _message(kind: str, call: Call, user: User, count: int) -> tuple[str, str]:
    """The subject and body of a reminder, in the reviewer's language."""
    with force_locale(user.locale or "zh_CN"):
        when = local_time(call.review_deadline)
        if kind == "review_due":
            return (gettext("评审提醒：%(title)s", title=call.title),
                    gettext("%(name)s 您好：\n\n您在“%(title)s”中还有 %(n)s 份评审未提交，截止时间为 %(deadline)s（北京时间）。"
                            "\n请登录系统，在“我的评审”中完成。", name=user.name, title=call.title, n=count, deadline=when))
        return (gettext("评审已逾期：%(title)s", title=call.title),
                gettext("%(name)s 您好：\n\n“%(title)s”的评审已于 %(deadline)s（北京时间）截止，您还有 %(n)s 份评审未提交。"
                        "\n请尽快登录系统，在“我的评审”中完成。", name=user.name, title=call.title, n=count, deadline=when))


def queue_reminders(session: Session, actor: Any, *, now: datetime | None = None,
                    before: timedelta = timedelta(days=3)) -> int:
    """Queue a reminder to every reviewer with unsubmitted reviews in a call under review:
    once within `before` of the deadline, and once more when it has passed. Safe to run
    often (from cron or a button): each reminder is queued once per deadline."""
    now = now or utcnow()
    pending = session.execute(
        select(Call.id, Review.reviewer_id, func.count())
        .join(Submission, Submission.call_id == Call.id).join(Review, Review.submission_id == Submission.id)
        .where(Call.status.in_(ACTIVITIES["score"]), Call.review_deadline.is_not(None), Review.status != "submitted")
        .group_by(Call.id, Review.reviewer_id).order_by(Call.id, Review.reviewer_id)
    ).all()
    if not pending:
        return 0
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_({cid for cid, _, _ in pending})))}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({rid for _, rid, _ in pending})))}
    queued = 0
    for call_id, reviewer_id, count in pending:
        call, user = calls[call_id], users[reviewer_id]
        deadline = call.review_deadline
        if now >= deadline:
            kind = "review_overdue"
        elif now >= deadline - before:
            kind = "review_due"
        else:
            continue
        subject, body = _message(kind, call, user, count)
        key = f"{kind}:{call.id}:{user.id}:{deadline:%Y%m%d%H%M}"
        if queue_message(session, actor, to=user.email, subject=subject, body=body, kind=kind, dedupe_key=key,
                         user=user):
            queued += 1
    return queued
