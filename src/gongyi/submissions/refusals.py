"""Why an organisation may not act on a submission now, and who may at all: membership, the call's
window (deadlines and the late list), the per-organisation limit, and what a verified funding
line protects. Each *_refusal returns the reason (a SubmissionError to raise or show) or None;
the services raise it, the pages show it beside the action it stops.

Deadlines are the server's, in China Standard Time: calls.service.submissions_open_for decides.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call, LateEntry
from gongyi.calls.service import submissions_open_for
from gongyi.calls.workflow import allows
from gongyi.clock import CHINA, utcnow
from gongyi.errors import N_
from gongyi.library.entry_check import entry_refusal
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Attachment, FundingLine, Submission
from gongyi.submissions.project import SubmissionError

ENTRY_STATUSES = ("draft", "submitted")  # what counts towards max_per_org


def _cst(value: datetime) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def check_member(actor: Any, submission: Submission) -> None:
    if getattr(actor, "organisation_id", None) != submission.organisation_id:
        raise SubmissionError(N_("只有申报组织的成员可以操作此项目"))


def actor_organisation(session: Session, actor: Any) -> Organisation:
    org_id = getattr(actor, "organisation_id", None)
    org = session.get(Organisation, org_id) if org_id is not None else None
    if org is None:
        raise SubmissionError(N_("请先登记您的社会组织"))
    if not org.is_verified:
        raise SubmissionError(N_("您的组织尚未通过认证，认证后才能申报"))
    return org


def window_refusal(session: Session, call: Call, organisation_id: int, now: datetime | None = None,
                   editing: bool = False, late: Mapping[int, LateEntry] | None = None) -> SubmissionError | None:
    """Why the organisation cannot submit (or, editing=True, edit a submitted project) in `call` now.

    `late`: the organisation's late-list entries (calls.service.organisation_late_entries), when loaded.
    """
    now = now or utcnow()
    if submissions_open_for(session, call, organisation_id, now, editing=editing, late=late):
        return None
    if call.status == "draft" or (call.status == "open" and now < call.opens_at):
        return SubmissionError(N_("该征集尚未开始接受申报（开始时间：北京时间 %(t)s）"), t=_cst(call.opens_at))
    if editing and call.edit_deadline is not None:
        return SubmissionError(N_("修改截止时间（北京时间 %(t)s）已过，不能再修改"), t=_cst(call.edit_deadline))
    return SubmissionError(N_("申报已于北京时间 %(t)s 截止，不能再提交或修改"), t=_cst(call.closes_at))


def edit_refusal(session: Session, submission: Submission, now: datetime | None = None,
                 late: Mapping[int, LateEntry] | None = None) -> SubmissionError | None:
    """Why the organisation cannot change this submission now (None when it can).

    A draft follows the submission window; a submitted project may be edited until the call's
    editing deadline (or, without one, the submission deadline); the late list extends both.
    A page listing many submissions passes the organisation's late-list entries as `late`.
    """
    if submission.status == "withdrawn":
        return SubmissionError(N_("该项目已撤回，不能再修改"))
    if not submission.organisation.is_verified:
        return SubmissionError(N_("您的组织尚未通过认证，认证后才能申报"))
    return window_refusal(session, submission.call, submission.organisation_id, now,
                          editing=submission.status == "submitted", late=late)


def check_editable(session: Session, actor: Any, submission: Submission, now: datetime | None = None,
                   also: SubmissionError | None = None) -> None:
    """Raise unless the actor's organisation may change the submission now; then raise `also`,
    the refusal of the change itself (e.g. funding_line_removal_refusal), when there is one."""
    check_member(actor, submission)
    refusal = edit_refusal(session, submission, now) or also
    if refusal is not None:
        raise refusal


def max_per_org(call: Call) -> int:
    return call.rules["entry"]["max_per_org"]


def entry_count(session: Session, call: Call, organisation_id: int, statuses: Iterable[str] = ENTRY_STATUSES) -> int:
    """How many of the organisation's submissions in the call count towards max_per_org (withdrawn ones do not)."""
    return session.scalar(
        select(func.count()).select_from(Submission)
        .where(Submission.call_id == call.id, Submission.organisation_id == organisation_id,
               Submission.status.in_(tuple(statuses)))
    ) or 0


def over_limit(call: Call) -> SubmissionError:
    return SubmissionError(N_("每个组织在本征集中最多申报 %(n)s 个项目（已撤回的不计）"), n=max_per_org(call))


def start_refusal(session: Session, call: Call, organisation_id: int, now: datetime | None = None) -> SubmissionError | None:
    """Why the organisation cannot start a submission in `call` now: the window, then the limit."""
    refusal = window_refusal(session, call, organisation_id, now)
    if refusal is not None:
        return refusal
    count = entry_count(session, call, organisation_id)
    if count >= max_per_org(call):
        return SubmissionError(N_("本组织在本征集中已申报 %(n)s 个项目，已达到上限（已撤回的不计）。"), n=count)
    return entry_refusal(session, call, organisation_id)  # the call's entry rules (library/entry_check.py)


def withdraw_refusal(submission: Submission) -> SubmissionError | None:
    """Why the organisation cannot withdraw this submission (None when it can)."""
    if submission.status == "withdrawn":
        return SubmissionError(N_("该项目已撤回"))
    if not allows(submission.call, "withdraw"):  # afterwards: results.service.withdraw_after_results
        return SubmissionError(N_("评审结果已经产生，如需撤回请联系管理员"))
    return None


def attachment_removal_refusal(attachment: Attachment) -> SubmissionError | None:
    """Why the attachment cannot be removed (None when it can): a verified line's evidence stays."""
    if any(line.evidence_id == attachment.id and line.status == "verified" for line in attachment.submission.funding_lines):
        return SubmissionError(N_("这是已核实资金的凭证，不能删除"))
    return None


def funding_line_removal_refusal(line: FundingLine) -> SubmissionError | None:
    """Why the organisation cannot take back a declared line (None when it can): a verified one is what was checked."""
    if line.status == "verified":
        return SubmissionError(N_("已核实的资金不能删除；如有错误请联系管理员"))
    return None
