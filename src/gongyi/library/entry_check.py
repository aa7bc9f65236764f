"""The entry rules of a call applied to an organisation's record across editions, and the barred
list. submissions.service asks `entry_refusal` when a draft is started and when it is submitted;
each refusal names its rule."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.calls.models import Call
from gongyi.clock import china_date, utcnow
from gongyi.errors import N_, UserError
from gongyi.library.eligibility import Bar, PastProject, Refusal, Rules, entry_refusals
from gongyi.library.entries import settings_for
from gongyi.library.models import OrganisationBar, Replication
from gongyi.library.record import evaluations, final_rows
from gongyi.orgs.models import Organisation
from gongyi.submissions.project import SubmissionError

MESSAGES = {
    "barred": N_("不符合申报资格规则“限制申报名单”：本组织自 %(starts_on)s 起被限制申报%(until)s，理由：%(reason)s"),
    "failed_evaluation": N_("不符合申报资格规则“近届资助项目评估不合格”：本组织在%(call)s获资助的项目 %(ref)s "
                            "结项评估不合格（本届规则：近 %(n)s 届）"),
    "second_funding": N_("不符合申报资格规则“同一项目不重复资助”：该项目已在%(call)s获得资助（%(ref)s）；"
                         "推广复制的品牌项目不受此限"),
}


class EntryRefused(SubmissionError):
    """A refusal by one of the call's entry rules (`rule`), shown where the submission pages show refusals."""

    def __init__(self, refusal: Refusal, field: str | None = None):
        params = dict(refusal.params)
        if refusal.rule == "barred":
            params["until"] = f" {params.pop('ends_on')}" if params.get("ends_on") else ""
            params.pop("ends_on", None)
        super().__init__(MESSAGES[refusal.rule], field, **params)
        self.rule = refusal.rule


def _rules(session: Session, call: Call) -> Rules:
    s = settings_for(session, call)
    return Rules(s.failed_evaluation_editions, s.no_second_funding, s.barred_list)


def past_projects(session: Session, call: Call, organisation_id: int) -> list[PastProject]:
    """The organisation's projects in editions before `call`, with how many editions ago; funded by
    matching, by its results' library grant or by an administrator's grant from a library pool."""
    earlier = list(session.scalars(select(Call.id).where(Call.opens_at < call.opens_at).order_by(Call.opens_at.desc())))
    ago = {call_id: n for n, call_id in enumerate(earlier, 1)}
    rows = [f for f in final_rows(session, organisation_id) if f.call.id in ago]
    evaluated = evaluations(session, [f.submission.id for f in rows])
    return [PastProject(f.submission.ref, f.submission.title, f.call.title, ago[f.call.id], f.funded,
                        evaluated.get(f.submission.id)) for f in rows]


def bars_of(session: Session, organisation_id: int) -> list[OrganisationBar]:
    return list(session.scalars(select(OrganisationBar).where(OrganisationBar.organisation_id == organisation_id)
                                .order_by(OrganisationBar.starts_on.desc())))


def entry_refusal(session: Session, call: Call, organisation_id: int, *, title: str | None = None,
                  submission_id: int | None = None, day: date | None = None) -> EntryRefused | None:
    """The first rule of `call` that refuses the organisation's entry, as an error naming it. Only
    what the call's rules look at is read (a submit at the deadline asks this of every project)."""
    rules = _rules(session, call)
    bars = [Bar(b.reason, b.starts_on, b.ends_on) for b in bars_of(session, organisation_id)] if rules.barred_list else []
    second_funding = bool(rules.no_second_funding and title)
    past = past_projects(session, call, organisation_id) if rules.failed_evaluation_editions or second_funding else []
    replication = second_funding and submission_id is not None and session.scalar(
        select(Replication.id).where(Replication.submission_id == submission_id)) is not None
    refusals = entry_refusals(rules, day or china_date(utcnow()), bars, past, title=title, replication=replication)
    if not refusals:
        return None
    return EntryRefused(refusals[0], "title" if refusals[0].rule == "second_funding" else None)


def bar_organisation(session: Session, actor: Any, organisation: Organisation, *, reason: str, starts_on: date,
                     ends_on: date | None = None) -> OrganisationBar:
    """Put an organisation on the barred list, with the reason and the days it applies (audited)."""
    if not (reason or "").strip():
        raise UserError(N_("请填写限制理由"), "reason")
    if ends_on is not None and ends_on < starts_on:
        raise UserError(N_("结束日期不能早于开始日期"), "ends_on")
    bar = OrganisationBar(organisation_id=organisation.id, reason=reason.strip(), starts_on=starts_on, ends_on=ends_on,
                          created_by_id=getattr(actor, "id", None))
    session.add(bar)
    session.flush()
    record(session, actor, "organisation.bar", organisation, reason=bar.reason, starts_on=starts_on.isoformat(),
           ends_on=ends_on.isoformat() if ends_on else None)
    return bar


def lift_bar(session: Session, actor: Any, bar: OrganisationBar, day: date | None = None) -> OrganisationBar:
    """End a bar yesterday, so the organisation may enter from today (audited)."""
    today = day or china_date(utcnow())
    if bar.ends_on is not None and bar.ends_on < today:
        raise UserError(N_("该限制已经结束"), "reason")
    organisation = session.get(Organisation, bar.organisation_id)
    if bar.starts_on >= today:  # never applied: it goes
        session.delete(bar)
    else:
        bar.ends_on = today - timedelta(days=1)
    session.flush()
    record(session, actor, "organisation.lift_bar", organisation, bar=bar.id, reason=bar.reason)
    return bar
