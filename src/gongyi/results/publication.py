"""Publishing results (公示, then final) and handling objections (异议) to them.

A run is published as provisional results when the call's results are ready; for a set number
of working days members of verified organisations may object to a result, under their real
name. The administrator answers each objection (upheld or dismissed, with a reason the objector
sees), corrects the data where an objection was upheld, computes a new run and publishes it as
the final results. Runs are never edited: publishing only stamps a run, and the final run is a
new one, so the provisional results stay exactly as they were shown.

Final results are published only once the publicity window has ended and no objection is
pending: ending the window early would cut off organisations still entitled to object. A later
change (a matched project withdrawing) is published the same way, as revised final results.
Publishing is Flask-free (the window's length comes in as an argument); answering an objection
queues an e-mail in the objector's language, as review reminders do.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from gongyi.audit.service import already, record
from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.calls.service import transition_call
from gongyi.calls.workflow import allows
from gongyi.clock import CHINA, utcnow
from gongyi.db import lock
from gongyi.errors import N_, UserError
from gongyi.execution.records import open_execution_records
from gongyi.library.entries import record_final_results
from gongyi.mail.service import queue_message
from gongyi.orgs.models import Organisation
from gongyi.results.models import Objection, Run, RunRow
from gongyi.results.service import COMPARED, RowChange, is_current, published_run
from gongyi.results.vocab import ANSWERS, OBJECTION_STATUSES, PUBLICATIONS
from gongyi.submissions.attachments import AttachmentError, Upload, check_upload
from gongyi.submissions.models import Submission

KINDS = PUBLICATIONS.values


class PublicationError(UserError):
    pass


def publicity_end(start: datetime, working_days: int) -> datetime:
    """The end of the `working_days`-th working day (Monday to Friday, Beijing time) from `start`, in UTC.

    The day of publication counts when it is a working day, as in notices that read
    "公示期：6月3日至6月7日". Public holidays and make-up working days are not known to the app:
    choose PUBLICITY_WORKING_DAYS with them in mind.
    """
    if working_days < 1:
        raise ValueError("the publicity window needs at least one working day")
    day, counted = start.astimezone(CHINA).date(), 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted == working_days:
                break
        day += timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA).astimezone(timezone.utc)


def last_publicity_day(run: Run) -> date | None:
    """The last day of the window in Beijing time (the window ends at midnight after it)."""
    if run.publicity_until is None:
        return None
    return (run.publicity_until - timedelta(microseconds=1)).astimezone(CHINA).date()


def publicity_open(run: Run, now: datetime | None = None) -> bool:
    """Whether objections to this run are accepted now."""
    return (run.published == "provisional" and run.publicity_until is not None
            and (now or utcnow()) < run.publicity_until)


def _check_current(session: Session, call: Call, run: Run) -> None:
    """Refuse to publish a run whose inputs (scores, verified funds, requests, rules) changed since."""
    if not is_current(session, call, run):
        raise PublicationError(N_("第 %(n)s 次计算之后评审、资金或规则已有变化，请重新计算后再发布"), "run", n=run.number)


def pending_objections(session: Session, call: Call) -> int:
    return session.scalar(select(func.count()).select_from(Objection).join(Run, Run.id == Objection.run_id)
                          .where(Run.call_id == call.id, Objection.status == "pending")) or 0


def publish_results(session: Session, actor: Any, run: Run, kind: str, *, working_days: int,
                    now: datetime | None = None) -> Run:
    """Publish `run` as provisional results (opening the publicity window) or as the final results.

    provisional: the call must be in "results"; the window lasts `working_days` working days.
    final: the call must be in publicity, the window over, no objection pending, and the run
    computed after the provisional one (a recomputation, identical when nothing was corrected).
    Once final, a later run (e.g. after a matched project withdrew) may be published as revised
    final results. Either way the run must reflect the current data. Audited; the call moves on
    in its lifecycle, and final results open the funded projects' execution records.
    """
    now = now or utcnow()
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    call = lock(session, session.get(Call, run.call_id))  # one publication of a call at a time
    run = lock(session, run)
    if run.published is not None:
        raise already(PublicationError, N_("第 %(n)s 次计算已由 %(name)s 于 %(at)s 发布"), N_("第 %(n)s 次计算已经发布过"),
                      session, run, "run.publish", field="run", n=run.number)
    previous = published_run(session, call)
    if kind == "provisional" and previous is not None and previous.published == "provisional":
        raise already(PublicationError, N_("公示结果已由 %(name)s 于 %(at)s 发布（第 %(n)s 次计算）"),
                      N_("公示结果已经发布（第 %(n)s 次计算）"), session, previous, "run.publish", field="run", n=previous.number)
    if kind == "provisional":
        if not allows(call, "publish_provisional"):
            raise PublicationError(N_("只有处于“结果已计算”阶段的征集才能发布公示结果"), "run")
        _check_current(session, call, run)
        transition_call(session, actor, call, "publish_provisional", via="publication")
        run.publicity_until = publicity_end(now, working_days)
    else:
        in_publicity = allows(call, "publish_final")
        if not (in_publicity or allows(call, "publish_revision")) or previous is None:
            raise PublicationError(N_("只有公示中或已有最终结果的征集才能发布最终结果"), "run")
        if in_publicity:
            if now < previous.publicity_until:
                raise PublicationError(N_("公示期至 %(day)s 结束，公示期结束后才能发布最终结果"), "run",
                                       day=last_publicity_day(previous).isoformat())
            pending = pending_objections(session, call)
            if pending:
                raise PublicationError(N_("还有 %(n)s 件异议未答复，全部答复后才能发布最终结果"), "run", n=pending)
        if run.number < previous.number:
            raise PublicationError(N_("只能发布第 %(n)s 次计算之后重新计算的结果（数据未更正时结果相同）"), "run",
                                   n=previous.number)
        _check_current(session, call, run)
        if in_publicity:
            transition_call(session, actor, call, "finalise", via="publication")
    _stamp(session, run, kind, previous, now)
    record(session, actor, "run.publish", run, call=call.slug, number=run.number, kind=kind,
           publicity_until=run.publicity_until.isoformat() if run.publicity_until else None,
           replaces=previous.number if previous else None,
           changed=len(changed_rows(session, previous, run)[0]) if previous else None)
    if kind == "final":  # the funded projects go into execution (专业运行); the library follows the results
        open_execution_records(session, actor, run)
        record_final_results(session, actor, run)
    return run


def _stamp(session: Session, run: Run, kind: str, previous: Run | None, now: datetime) -> None:
    """Stamp `run` published, replacing `previous`. The database refuses a second provisional run of
    a call and a second run replacing the same publication (uq_run_provisional, uq_run_replaces),
    should two publications ever pass the call's lock: the loser is told who published first."""
    bind, call_id, replaces = session.get_bind(), run.call_id, previous.id if previous is not None else None
    run.published, run.published_at, run.replaces_id = kind, now, replaces
    try:
        session.flush()
    except IntegrityError:
        with Session(bind) as fresh:  # this transaction is spoiled: read what was committed
            first = fresh.scalar(select(Run).where(Run.call_id == call_id, Run.published == "provisional")
                                 if replaces is None else select(Run).where(Run.replaces_id == replaces))
            if first is None:
                raise
            done, plain = ((N_("公示结果已由 %(name)s 于 %(at)s 发布（第 %(n)s 次计算）"), N_("公示结果已经发布（第 %(n)s 次计算）"))
                           if first.published == "provisional" else
                           (N_("最终结果已由 %(name)s 于 %(at)s 发布（第 %(n)s 次计算）"), N_("最终结果已经发布（第 %(n)s 次计算）")))
            raise already(PublicationError, done, plain, fresh, first, "run.publish", field="run", n=first.number) from None


@dataclass(frozen=True)
class ChangeList:
    """What changed between the results published before and these (only the rows that did)."""

    previous: Run
    changes: list[RowChange]
    titles: dict[int, str]

    @property
    def changed_ids(self) -> set[int]:
        return {c.submission_id for c in self.changes}


def changed_rows(session: Session, before: Run, after: Run) -> tuple[list[RowChange], dict[int, str]]:
    """The rows whose rank, outcome or amounts differ between two runs, with their project titles.

    The same answer as results.service.compare_runs restricted to changed rows, but found by the
    database (two statements) so that a public page of a 10,000-row call does not compare every row
    in Python: in the later run's order, then the rows the later run no longer has.
    """
    old, new = aliased(RunRow), aliased(RunRow)
    differs = or_(new.id.is_(None), *(getattr(old, f).is_distinct_from(getattr(new, f)) for f in COMPARED))
    kept_or_gone = session.execute(
        select(old, new, Submission.title)
        .join(new, and_(new.run_id == after.id, new.submission_id == old.submission_id), isouter=True)
        .join(Submission, Submission.id == old.submission_id)
        .where(old.run_id == before.id, differs)
    ).all()
    added = session.execute(
        select(new, Submission.title).join(Submission, Submission.id == new.submission_id)
        .where(new.run_id == after.id, ~select(old.id).where(old.run_id == before.id, old.submission_id == new.submission_id)
               .exists())
    ).all()
    pairs = [(a, b) for a, b, _ in kept_or_gone] + [(None, b) for b, _ in added]
    titles = {(a or b).submission_id: title for a, b, title in kept_or_gone} | {b.submission_id: t for b, t in added}
    changes = [
        RowChange((b or a).submission_id, (b or a).ref, a, b,
                  frozenset(COMPARED) if a is None or b is None else frozenset(f for f in COMPARED if getattr(a, f) != getattr(b, f)))
        for a, b in pairs
    ]
    changes.sort(key=lambda c: (c.after is None, c.after.position if c.after else c.before.position))
    return changes, titles


def changes_against_previous(session: Session, call: Call, run: Run) -> ChangeList | None:
    """For final results: every row whose rank, outcome or amounts changed against the results
    published before them (the provisional ones, or the final ones they revise)."""
    if run.published != "final":
        return None
    previous = session.scalar(select(Run).where(Run.call_id == call.id, Run.published.is_not(None),
                                                Run.number < run.number).order_by(Run.number.desc()).limit(1))
    if previous is None:
        return None
    changes, titles = changed_rows(session, previous, run)
    return ChangeList(previous, changes, titles)


# --- objections ---------------------------------------------------------------------------------


def objecting_organisation(user: Any) -> Organisation | None:
    """The organisation `user` objects for: only a member of a verified organisation may object
    (policy.can_file_objection adds the publicity window). None when the user may not object."""
    org = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    return org if org is not None and org.is_verified else None


def file_objection(session: Session, actor: Any, row: RunRow, *, real_name: str, contact: str, reason: str,
                   evidence: Upload | None = None, max_bytes: int, now: datetime | None = None) -> Objection:
    """File an objection to one result of provisional results, during the publicity window.

    Only a member of a verified organisation may object (see new_objection for the rest).
    """
    now = now or utcnow()
    org = objecting_organisation(actor)
    if org is None:
        raise PublicationError(N_("只有已认证社会组织的成员可以提出异议"), "reason")
    run = session.get(Run, row.run_id)
    if run.published != "provisional":
        raise PublicationError(N_("只能对公示中的结果提出异议"), "reason")
    if not publicity_open(run, now):
        raise PublicationError(N_("公示期已于 %(day)s 结束，不再受理异议"), "reason",
                               day=last_publicity_day(run).isoformat())
    return new_objection(session, actor, org, submission_id=row.submission_id, run_id=run.id, ref=row.ref,
                         real_name=real_name, contact=contact, reason=reason, evidence=evidence, max_bytes=max_bytes)


def new_objection(session: Session, actor: Any, org: Organisation, *, submission_id: int, ref: str,
                  run_id: int | None = None, evaluation_id: int | None = None, real_name: str, contact: str,
                  reason: str, evidence: Upload | None = None, max_bytes: int) -> Objection:
    """The objection itself, once its publicity window is known to be open: to a run's result
    (file_objection) or to a published evaluation (execution.evaluations). Never anonymous: real
    name and a contact are required, as is the reason; evidence (one file, checked by its content)
    is optional."""
    values = {"real_name": (real_name or "").strip(), "contact": (contact or "").strip(), "reason": (reason or "").strip()}
    if not values["real_name"]:
        raise PublicationError(N_("请填写真实姓名，不受理匿名异议"), "real_name")
    if len(values["real_name"]) > 80:
        raise PublicationError(N_("姓名最多 %(n)s 个字符"), "real_name", n=80)
    if not values["contact"]:
        raise PublicationError(N_("请填写联系方式"), "contact")
    if len(values["contact"]) > 120:
        raise PublicationError(N_("联系方式最多 %(n)s 个字符"), "contact", n=120)
    if not values["reason"]:
        raise PublicationError(N_("请填写异议理由"), "reason")
    # A double click files one objection: one filing per submission at a time, and a repeat returned.
    session.execute(select(Submission.id).where(Submission.id == submission_id).with_for_update())
    repeated = session.scalar(select(Objection).where(
        Objection.run_id.is_(None) if run_id is None else Objection.run_id == run_id,
        Objection.evaluation_id.is_(None) if evaluation_id is None else Objection.evaluation_id == evaluation_id,
        Objection.submission_id == submission_id, Objection.filed_by_id == actor.id,
        Objection.status == "pending", Objection.reason == values["reason"]).limit(1))
    if repeated is not None:
        return repeated
    objection = Objection(run_id=run_id, evaluation_id=evaluation_id, submission_id=submission_id,
                          organisation_id=org.id, filed_by_id=actor.id, **values)
    if evidence is not None:
        try:
            checked = check_upload(evidence, max_bytes)
        except AttachmentError as exc:  # named after this function's argument, so forms show it beside it
            raise AttachmentError(exc.message, "evidence", **exc.params) from None
        objection.evidence_name, objection.evidence_type, objection.evidence = (
            checked.filename, checked.content_type, evidence.data)
    session.add(objection)
    session.flush()
    record(session, actor, "objection.file", objection, ref=ref, evaluation=evaluation_id,
           run=session.scalar(select(Run.number).where(Run.id == run_id)) if run_id else None,
           organisation=org.name, evidence=objection.evidence_name)
    return objection


def answer_objection(session: Session, actor: Any, objection: Objection, decision: str, answer: str,
                     now: datetime | None = None) -> Objection:
    """Uphold or dismiss a pending objection, with a reason the objector sees; they are told by e-mail."""
    if decision not in ANSWERS:
        raise PublicationError(N_("请选择异议是否成立"), "answer")
    objection = lock(session, objection)
    if objection.status != "pending":
        raise already(PublicationError, N_("该异议已由 %(name)s 于 %(at)s 答复"), N_("该异议已经答复过"),
                      session, objection, "objection.answer", field="answer")
    if not (answer or "").strip():
        raise PublicationError(N_("请填写答复理由，异议人会看到它"), "answer")
    objection.status, objection.answer = decision, answer.strip()
    objection.answered_by_id, objection.answered_at = getattr(actor, "id", None), now or utcnow()
    session.flush()
    record(session, actor, "objection.answer", objection, decision=decision, answer=objection.answer)
    _tell_objector(session, actor, objection)
    return objection


def _tell_objector(session: Session, actor: Any, objection: Objection) -> None:
    user = session.get(User, objection.filed_by_id)
    ref, title = session.execute(select(Submission.ref, Submission.title)
                                 .where(Submission.id == objection.submission_id)).one()
    call = session.scalar(select(Call).join(Submission, Submission.call_id == Call.id)
                          .where(Submission.id == objection.submission_id))
    with force_locale(user.locale or "zh_CN"):
        subject = gettext("异议答复：%(title)s", title=call.title)
        body = gettext("%(name)s 您好：\n\n您对“%(call)s”中 %(ref)s %(project)s 的结果提出的异议已经答复：%(decision)s。"
                       "\n\n答复理由：%(answer)s\n\n请登录系统，在“我的异议”中查看。",
                       name=objection.real_name, call=call.title, ref=ref, project=title,
                       decision=gettext(OBJECTION_STATUSES[objection.status]), answer=objection.answer)
    queue_message(session, actor, to=user.email, subject=subject, body=body, kind="objection_answer",
                  dedupe_key=f"objection_answer:{objection.id}", user=user)


@dataclass(frozen=True)
class ObjectionView:
    """An objection with what a list shows beside it."""

    objection: Objection
    ref: str
    title: str
    organisation: str  # the objecting organisation
    run_number: int | None  # None: an objection to an evaluation (execution/)
    call_slug: str
    call_title: str


def _objection_views(session: Session, *conditions) -> list[ObjectionView]:
    rows = session.execute(
        select(Objection, Submission.ref, Submission.title, Organisation.name, Run.number, Call.slug, Call.title)
        .join(Submission, Submission.id == Objection.submission_id)
        .join(Organisation, Organisation.id == Objection.organisation_id)
        .outerjoin(Run, Run.id == Objection.run_id)  # none for an objection to an evaluation
        .join(Call, Call.id == Submission.call_id)
        .where(*conditions).order_by(Objection.created_at.desc(), Objection.id.desc())
    ).all()
    return [ObjectionView(*row) for row in rows]


def call_objections(session: Session, call: Call) -> list[ObjectionView]:
    """Every objection to the call's published results, newest first."""
    return _objection_views(session, Run.call_id == call.id)


def organisation_objections(session: Session, organisation_id: int) -> list[ObjectionView]:
    """The objections an organisation filed (its members see each other's), to results and to
    evaluations, newest first."""
    return _objection_views(session, Objection.organisation_id == organisation_id)
