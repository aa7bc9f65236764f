"""What is waiting for whom: the counts behind each role's workspace and the navigation.

Each `Task` is a count of things a role has to do, with the page that does them. A count is a
correlated scalar subquery, so all the counts a person sees (and their unread messages) come
back in one statement however many tasks, calls or rows there are (`counts`: a person's own
counts on every page, the city-wide ones of an administrator kept between changes of the data);
the navigation reads them once per page.

A new kind of work adds a `Task` to the role's tuple below: a label, the page, and the subquery
counting its rows (the progress reports of funded projects are counted this way).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any, Callable

from sqlalchemy import Date, Integer, ScalarSelect, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.calls.workflow import ACTIVITIES
from gongyi.clock import china_date, utcnow
from gongyi.errors import N_
from gongyi.execution.models import EvaluatorAssignment, ExecutionRecord, Milestone, ProgressReport
from gongyi.execution.reports import COUNTED
from gongyi.kept import kept
from gongyi.mail.models import OutboxMessage
from gongyi.orgs.models import Organisation
from gongyi.results.models import Objection, Run
from gongyi.review.models import Review
from gongyi.submissions.models import FundingLine, Submission


@dataclass(frozen=True)
class Task:
    key: str
    label: str  # a msgid (N_), translated where it is shown
    endpoint: str
    # user -> scalar subquery counting the rows waiting; it is built once for everyone, given a
    # stand-in whose `id` and `organisation_id` are bound parameters (read nothing else of it)
    count: Callable[[Any], ScalarSelect]
    args: dict[str, str] = field(default_factory=dict)
    # counts only the person's or their organisation's rows (index lookups): read on every page
    # with the unread messages; a city-wide count (the administrators') is kept between changes
    personal: bool = True


def _in_state(activity: str):
    return Call.status.in_(ACTIVITIES[activity])


def _orgs_to_verify(_user) -> ScalarSelect:
    return select(func.count()).select_from(Organisation).where(Organisation.status == "pending").scalar_subquery()


def _funds_to_verify(_user) -> ScalarSelect:
    return (select(func.count()).select_from(FundingLine)
            .join(Submission, Submission.id == FundingLine.submission_id).join(Call, Call.id == Submission.call_id)
            .where(FundingLine.status == "pending", Submission.status == "submitted", _in_state("screen"))
            .scalar_subquery())


def _entries_to_screen(_user) -> ScalarSelect:
    return (select(func.count()).select_from(Submission).join(Call, Call.id == Submission.call_id)
            .where(Submission.status == "submitted", Submission.eligibility == "pending", _in_state("screen"))
            .scalar_subquery())


def outstanding_reviews():
    """Reviews assigned in a call that is being scored and not yet submitted."""
    return (select(func.count()).select_from(Review).join(Submission, Submission.id == Review.submission_id)
            .join(Call, Call.id == Submission.call_id).where(Review.status != "submitted", _in_state("score")))


def _reviews_outstanding(_user) -> ScalarSelect:
    return outstanding_reviews().scalar_subquery()


def _objections_to_answer(_user) -> ScalarSelect:
    return select(func.count()).select_from(Objection).where(Objection.status == "pending").scalar_subquery()


def _my_reviews(user) -> ScalarSelect:
    return outstanding_reviews().where(Review.reviewer_id == user.id).scalar_subquery()


def _drafts(user) -> ScalarSelect:
    return (select(func.count()).select_from(Submission).join(Call, Call.id == Submission.call_id)
            .where(Submission.organisation_id == user.organisation_id, Submission.status == "draft",
                   _in_state("submit")).scalar_subquery())


def _rejected_funds(user) -> ScalarSelect:
    """Declared funds an administrator refused while the project can still be changed."""
    return (select(func.count()).select_from(FundingLine)
            .join(Submission, Submission.id == FundingLine.submission_id).join(Call, Call.id == Submission.call_id)
            .where(Submission.organisation_id == user.organisation_id, FundingLine.status == "rejected",
                   Submission.status != "withdrawn", _in_state("entries")).scalar_subquery())


def _answered_objections(user) -> ScalarSelect:
    return (select(func.count()).select_from(Objection).join(Run, Run.id == Objection.run_id)
            .where(and_(Objection.organisation_id == user.organisation_id, Objection.status != "pending"))
            .scalar_subquery())


def _reports_to_review(_user) -> ScalarSelect:
    return (select(func.count()).select_from(ProgressReport).where(ProgressReport.status == "submitted")
            .scalar_subquery())


TODAY = bindparam("today", type_=Date)  # in the counts statement: the day it is read on (Beijing)


def overdue_milestones(today: Any = None):
    """Milestones of projects in execution past their due date (Beijing, today unless `today`
    is given: a date or a bound parameter) without a submitted report."""
    reported = select(ProgressReport.milestone_id).where(ProgressReport.status.in_(COUNTED))
    return (select(func.count()).select_from(Milestone)
            .join(ExecutionRecord, ExecutionRecord.id == Milestone.execution_id)
            .where(ExecutionRecord.status == "active",
                   Milestone.due_on < (china_date(utcnow()) if today is None else today),
                   Milestone.id.not_in(reported)))


def _reports_due(user) -> ScalarSelect:
    return overdue_milestones(TODAY).where(ExecutionRecord.organisation_id == user.organisation_id).scalar_subquery()


def _reports_returned(user) -> ScalarSelect:
    return (select(func.count()).select_from(ProgressReport)
            .join(ExecutionRecord, ExecutionRecord.id == ProgressReport.execution_id)
            .where(ExecutionRecord.organisation_id == user.organisation_id, ExecutionRecord.status == "active",
                   ProgressReport.status == "returned").scalar_subquery())


def _evaluated_projects(user) -> ScalarSelect:
    return (select(func.count()).select_from(EvaluatorAssignment)
            .join(ExecutionRecord, ExecutionRecord.id == EvaluatorAssignment.execution_id)
            .where(EvaluatorAssignment.evaluator_id == user.id, ExecutionRecord.status == "active").scalar_subquery())


ADMIN_TASKS: tuple[Task, ...] = (
    Task("orgs_to_verify", N_("待认证的组织"), "orgs.admin_list", _orgs_to_verify, {"status": "pending"}, personal=False),
    Task("entries_to_screen", N_("待形式审查的项目"), "screening.index", _entries_to_screen,
         {"eligibility": "pending"}, personal=False),
    Task("funds_to_verify", N_("待核实的募集资金"), "screening.funds", _funds_to_verify, personal=False),
    Task("reviews_outstanding", N_("未完成的评审"), "review_admin.calls", _reviews_outstanding, personal=False),
    Task("objections_to_answer", N_("待答复的异议"), "workspace.home", _objections_to_answer,
         {"_anchor": "objections"}, personal=False),
    Task("reports_to_review", N_("待审核的进度报告"), "workspace.home", _reports_to_review, {"_anchor": "reports"},
         personal=False),
)
REVIEWER_TASKS: tuple[Task, ...] = (
    Task("my_reviews", N_("待完成的评审"), "review.queue", _my_reviews),
)
MEMBER_TASKS: tuple[Task, ...] = (
    Task("drafts", N_("未提交的草稿"), "submissions.mine", _drafts),
    Task("rejected_funds", N_("被驳回的募集资金"), "submissions.mine", _rejected_funds),
    Task("reports_due", N_("已到期未提交的进度报告"), "execution.mine", _reports_due),
    Task("reports_returned", N_("退回修改的进度报告"), "execution.mine", _reports_returned),
)
EVALUATOR_TASKS: tuple[Task, ...] = (
    Task("evaluated_projects", N_("评估中的项目"), "evaluation.queue", _evaluated_projects),
)
# Shown on the organisation's workspace but not counted as waiting: nothing to do about them.
MEMBER_NEWS: tuple[Task, ...] = (
    Task("answered_objections", N_("已答复的异议"), "public_results.my_objections", _answered_objections),
)


def tasks_for(user: Any) -> tuple[Task, ...]:
    roles = user.roles
    tasks: tuple[Task, ...] = ()
    if "admin" in roles:
        tasks += ADMIN_TASKS
    if "reviewer" in roles:
        tasks += REVIEWER_TASKS
    if "evaluator" in roles:
        tasks += EVALUATOR_TASKS
    if "member" in roles and user.organisation_id is not None:
        tasks += MEMBER_TASKS + MEMBER_NEWS
    return tasks


def unread_messages(user: Any) -> ScalarSelect:
    return (select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.user_id == user.id, OutboxMessage.read_at.is_(None)).scalar_subquery())


@dataclass(frozen=True)
class Counts:
    tasks: dict[str, int]
    unread: int
    waiting: int  # everything to do (news not included): the navigation's badge


# Stands for the user in the statements below, each built once.
_SOMEONE = SimpleNamespace(id=bindparam("user_id", type_=Integer), organisation_id=bindparam("organisation_id", type_=Integer))
_statements: dict[tuple[str, ...], Select] = {}  # the keys of a set of tasks -> its counts statement


def _counts_statement(tasks: tuple[Task, ...], unread: bool = False) -> Select:
    """One statement counting every task (and, with `unread`, the unread messages first), with
    the user, their organisation and the day as parameters, built once per set of tasks: a busy
    day changes the data many times a second, and building the statement anew for each
    person's navigation cost more than running it."""
    keys = ("unread",) * unread + tuple(t.key for t in tasks)
    if keys not in _statements:
        _statements[keys] = select(*([unread_messages(_SOMEONE)] if unread else []), *(t.count(_SOMEONE) for t in tasks))
    return _statements[keys]


def counts(session: Session, user: Any) -> Counts:
    """Every count the user sees. Their own (personal tasks) and their unread messages come in
    one statement on every page: index lookups on the person and their organisation, cheaper
    than a kept figure, which on a deadline day is computed anew after every change anywhere in
    the city and written to the cache. The city-wide counts of an administrator come in one more
    statement, kept between changes of the data (gongyi.kept, keyed by the tasks and the day, as
    overdue milestones are counted by the day; every administrator shares them)."""
    tasks = tasks_for(user)
    today: date = china_date(utcnow())
    params = {"user_id": user.id, "organisation_id": user.organisation_id, "today": today}
    personal = tuple(t for t in tasks if t.personal)
    city = tuple(t for t in tasks if not t.personal)
    unread, *own = session.execute(_counts_statement(personal, unread=True), params).one()
    by_key = dict(zip((t.key for t in personal), own))
    if city:
        def compute() -> dict[str, int]:
            return dict(zip((t.key for t in city), session.execute(_counts_statement(city), params).one()))

        by_key |= kept(session, "tasks", (tuple(t.key for t in city), today.isoformat()), compute)
    by_key = {t.key: int(by_key[t.key] or 0) for t in tasks}
    news = {t.key for t in MEMBER_NEWS + EVALUATOR_TASKS}  # shown, not counted as waiting
    return Counts(by_key, int(unread or 0), sum(n for k, n in by_key.items() if k not in news))
