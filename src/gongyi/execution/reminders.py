"""Execution reminders, queued in the outbox (as review reminders are) for the undertaking
organisation's members: a milestone due soon or overdue without a submitted report, and a
returned report waiting to be revised. Each is queued once (a dedupe key per milestone and due
date, per report version), so `flask mail remind` may run as often as cron likes."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.auth.models import User, UserRole
from gongyi.execution.models import ExecutionRecord, Milestone, ProgressReport
from gongyi.execution.reports import COUNTED
from gongyi.mail.service import queue_message
from gongyi.submissions.models import Submission


def _members(session: Session, organisation_id: int) -> list[User]:
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.organisation_id == organisation_id, UserRole.role == "member", User.active.is_(True)).order_by(User.id)))


def _text(kind: str, user: User, title: str, what: str, day: date) -> tuple[str, str]:
    with force_locale(user.locale or "zh_CN"):
        if kind == "milestone_due":
            return (gettext("里程碑即将到期：%(title)s", title=title),
                    gettext("%(name)s 您好：\n\n“%(title)s”的里程碑“%(what)s”将于 %(day)s 到期，尚未提交进展报告。"
                            "\n请登录系统，在“项目执行”中提交。", name=user.name, title=title, what=what, day=day.isoformat()))
        if kind == "milestone_overdue":
            return (gettext("里程碑已逾期：%(title)s", title=title),
                    gettext("%(name)s 您好：\n\n“%(title)s”的里程碑“%(what)s”已于 %(day)s 到期，仍未提交进展报告。"
                            "\n请尽快登录系统，在“项目执行”中提交。", name=user.name, title=title, what=what, day=day.isoformat()))
        return (gettext("进展报告已退回：%(title)s", title=title),
                gettext("%(name)s 您好：\n\n“%(title)s”里程碑“%(what)s”的进展报告已退回修改（%(day)s）。"
                        "\n请登录系统，在“项目执行”中查看退回意见，修改后重新提交。",
                        name=user.name, title=title, what=what, day=day.isoformat()))


def queue_execution_reminders(session: Session, actor: Any, *, today: date, before: timedelta) -> int:
    """Queue the reminders due today; returns how many were queued."""
    return _milestone_reminders(session, actor, today, before) + _returned_reminders(session, actor)


def _milestone_reminders(session: Session, actor: Any, today: date, before: timedelta) -> int:
    reported = select(ProgressReport.milestone_id).where(ProgressReport.status.in_(COUNTED))
    due = session.execute(
        select(Milestone, ExecutionRecord.organisation_id, Submission.title)
        .join(ExecutionRecord, ExecutionRecord.id == Milestone.execution_id)
        .join(Submission, Submission.id == ExecutionRecord.submission_id)
        .where(ExecutionRecord.status == "active", Milestone.due_on <= today + before, Milestone.id.not_in(reported))
        .order_by(Milestone.due_on, Milestone.id)).all()
    queued = 0
    for milestone, organisation_id, title in due:
        kind = "milestone_due"
        if milestone.due_on < today:
            kind = "milestone_overdue"
        for user in _members(session, organisation_id):
            subject, body = _text(kind, user, title, milestone.what, milestone.due_on)
            key = f"{kind}:{milestone.id}:{milestone.due_on.isoformat()}:{user.id}"
            if queue_message(session, actor, to=user.email, subject=subject, body=body, kind=kind, dedupe_key=key,
                             user=user):
                queued += 1
    return queued


def _returned_reminders(session: Session, actor: Any) -> int:
    returned = session.execute(
        select(ProgressReport, Milestone.what, ExecutionRecord.organisation_id, Submission.title)
        .join(Milestone, Milestone.id == ProgressReport.milestone_id)
        .join(ExecutionRecord, ExecutionRecord.id == ProgressReport.execution_id)
        .join(Submission, Submission.id == ExecutionRecord.submission_id)
        .where(ProgressReport.status == "returned", ExecutionRecord.status == "active")
        .order_by(ProgressReport.id)).all()
    queued = 0
    kind = "report_returned"
    for report, what, organisation_id, title in returned:
        day = (report.decided_at or report.updated_at).date()
        for user in _members(session, organisation_id):
            subject, body = _text(kind, user, title, what, day)
            key = f"{kind}:{report.id}:{report.version}:{user.id}"
            if queue_message(session, actor, to=user.email, subject=subject, body=body, kind=kind, dedupe_key=key,
                             user=user):
                queued += 1
    return queued
