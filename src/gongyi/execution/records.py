"""Execution records: opened from the final results, then the agreement and the implementation plan.

`open_execution_records` is called by results.publication when a run is published as the final
results (or revised final results): every row with matching or a library grant gets a record,
with the usual payment schedule (gates.DEFAULT_SCHEDULE) split in whole fen. A project carried
into a later edition's library gets one when an administrator grants it money from that edition's
pool (`open_for_grant`), stopped if the grant is given back (`stop_for_released_grant`).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.errors import N_, UserError, UserErrors
from gongyi.execution.gates import DEFAULT_SCHEDULE, parse_schedule, split_allocation
from gongyi.execution.models import ExecutionRecord, Indicator, Milestone, ProgressReport, Recovery, Tranche
from gongyi.funding.models import Disbursement
from gongyi.library.grants import library_fen
from gongyi.results.models import Run, RunRow
from gongyi.submissions.attachments import AttachmentError, Upload, check_upload
from gongyi.submissions.models import Submission

MAX_INDICATORS = 10


class ExecutionError(UserError):
    pass


def open_execution_records(session: Session, actor: Any, run: Run) -> list[ExecutionRecord]:
    """A record for every project the final run funds (matching, else library grant). A project
    that already has one (revised final results) keeps it: its allocation follows the new run
    while nothing has been paid yet, and is audited either way."""
    rows = session.execute(
        select(RunRow, Submission.organisation_id).join(Submission, Submission.id == RunRow.submission_id)
        .where(RunRow.run_id == run.id, (RunRow.matching_fen > 0) | (RunRow.library_grant_fen > 0))
        .order_by(RunRow.position)).all()
    ids = [row.submission_id for row, _ in rows]  # a project carried on and granted later has its record there
    existing = {r.submission_id: r for r in session.scalars(select(ExecutionRecord).where(
        (ExecutionRecord.call_id == run.call_id) | ExecutionRecord.submission_id.in_(ids)))}
    opened = []
    for row, organisation_id in rows:
        pool = "matching" if row.matching_fen > 0 else "library"
        allocated = row.matching_fen if pool == "matching" else row.library_grant_fen
        current = existing.get(row.submission_id)
        if current is not None:
            _follow_revision(session, actor, current, run, pool, allocated)
            continue
        rec = ExecutionRecord(call_id=run.call_id, submission_id=row.submission_id, organisation_id=organisation_id,
                              run_id=run.id, pool=pool, allocated_fen=allocated)
        session.add(rec)
        session.flush()
        _schedule(session, rec, list(DEFAULT_SCHEDULE))
        record(session, actor, "execution.open", rec, ref=row.ref, run=run.number, pool=pool, allocated_fen=allocated)
        opened.append(rec)
    # Projects carried in and granted from the call's library pool keep their records (they have no row).
    funded = {row.submission_id for row, _ in rows} | set(library_fen(session, {}, call_id=run.call_id))
    for rec in existing.values():
        if rec.submission_id not in funded and rec.status == "active":
            _defund(session, actor, rec, run.number)
    return opened


def open_for_grant(session: Session, actor: Any, call_id: int, run: Run, submission: Submission,
                   grant_fen: int) -> ExecutionRecord | None:
    """A record for a project carried into `call_id`'s library and granted `grant_fen` from its pool
    (library.entries.fund_from_pool), paid out of that call's final results `run`; a project that
    already has a record keeps it (audited)."""
    current = session.scalar(select(ExecutionRecord).where(ExecutionRecord.submission_id == submission.id))
    if current is not None:
        record(session, actor, "execution.grant_kept", current, ref=submission.ref, grant_fen=grant_fen)
        return None
    rec = ExecutionRecord(call_id=call_id, submission_id=submission.id, organisation_id=submission.organisation_id,
                          run_id=run.id, pool="library", allocated_fen=grant_fen)
    session.add(rec)
    session.flush()
    _schedule(session, rec, list(DEFAULT_SCHEDULE))
    record(session, actor, "execution.open", rec, ref=submission.ref, run=run.number, pool="library",
           allocated_fen=grant_fen, grant=True)
    return rec


def stop_for_released_grant(session: Session, actor: Any, call_id: int, submission_id: int) -> None:
    """A grant from `call_id`'s library pool given back (the entry left the library): its record,
    if still active there, pays nothing more."""
    rec = session.scalar(select(ExecutionRecord).where(ExecutionRecord.call_id == call_id,
                                                       ExecutionRecord.submission_id == submission_id))
    if rec is not None and rec.status == "active":
        _defund(session, actor, rec, None)


def _defund(session: Session, actor: Any, rec: ExecutionRecord, run_number: int | None) -> None:
    """Revised final results (of `run_number`) no longer fund the project (it withdrew, or a hold),
    or its library grant was given back (None): nothing more is paid."""
    reason = N_("修订后的最终结果不再资助该项目") if run_number is not None else N_("项目库资助已收回，不再资助该项目")
    for tranche in rec.tranches:
        if tranche.status == "scheduled":
            tranche.status, tranche.stopped_reason = "stopped", reason
    rec.status = "stopped"
    session.flush()
    record(session, actor, "execution.stop", rec, because="revision" if run_number is not None else "grant_released",
           run=run_number)


def _follow_revision(session: Session, actor: Any, rec: ExecutionRecord, run: Run, pool: str, allocated: int) -> None:
    if (rec.call_id, rec.pool, rec.allocated_fen) == (run.call_id, pool, allocated):
        rec.run_id = run.id
        return
    if paid_fen(session, rec) > 0:
        record(session, actor, "execution.revision_kept", rec, run=run.number, allocated_fen=rec.allocated_fen,
               revised_fen=allocated)
        return
    rec.call_id, rec.run_id, rec.pool, rec.allocated_fen = run.call_id, run.id, pool, allocated
    _schedule(session, rec, [(t.gate, t.share) for t in rec.tranches])
    record(session, actor, "execution.revise", rec, run=run.number, pool=pool, allocated_fen=allocated)


def _schedule(session: Session, rec: ExecutionRecord, schedule: list[tuple[str, int]]) -> None:
    for tranche in list(rec.tranches):
        rec.tranches.remove(tranche)
    session.flush()
    amounts = split_allocation(rec.allocated_fen, [share for _, share in schedule])
    for position, ((gate, share), amount) in enumerate(zip(schedule, amounts), start=1):
        rec.tranches.append(Tranche(position=position, gate=gate, share=share, amount_fen=amount))
    session.flush()


def set_schedule(session: Session, actor: Any, rec: ExecutionRecord, text: str) -> None:
    """Replace the payment schedule ("signing:50, midterm:30, final:20") while nothing is released."""
    schedule = parse_schedule(text)
    if any(t.status != "scheduled" for t in rec.tranches):
        raise ExecutionError(N_("已有拨付记录，不能再修改拨付计划"), "schedule")
    _schedule(session, rec, schedule)
    record(session, actor, "execution.schedule", rec, schedule=[f"{g}:{s}" for g, s in schedule])


def read_date(text: str | date | None, field: str, *, required: bool = True) -> date | None:
    """A date as typed (YYYY-MM-DD); the problem is reported beside `field`."""
    if isinstance(text, date):
        return text
    text = (text or "").strip()
    if not text:
        if required:
            raise ExecutionError(N_("请填写日期"), field)
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExecutionError(N_("日期格式应为 年-月-日，例如 2026-09-30"), field) from None


def set_agreement(session: Session, actor: Any, rec: ExecutionRecord, *, number: str, signed_on: str | date,
                  starts_on: str | date, ends_on: str | date, signed_file: Upload | None, max_bytes: int) -> None:
    """Record the agreement (number, signing date, term and the signed file); every problem at once."""
    problems: list[UserError] = []
    number = (number or "").strip()
    if not number:
        problems.append(ExecutionError(N_("请填写协议编号"), "number"))
    elif len(number) > 60:
        problems.append(ExecutionError(N_("协议编号最多 %(n)s 个字符"), "number", n=60))
    days = {}
    for field, value in (("signed_on", signed_on), ("starts_on", starts_on), ("ends_on", ends_on)):
        try:
            days[field] = read_date(value, field)
        except ExecutionError as exc:
            problems.append(exc)
    if days.get("starts_on") and days.get("ends_on") and days["ends_on"] < days["starts_on"]:
        problems.append(ExecutionError(N_("结束日期不能早于开始日期"), "ends_on"))
    checked = None
    if signed_file is not None:
        try:
            checked = check_upload(signed_file, max_bytes)
        except AttachmentError as exc:
            problems.append(AttachmentError(exc.message, "signed_file", **exc.params))
    elif rec.agreement_name is None:
        problems.append(ExecutionError(N_("请上传签署的协议文件"), "signed_file"))
    if problems:
        raise UserErrors(problems)
    rec.agreement_number, rec.signed_on, rec.starts_on, rec.ends_on = (
        number, days["signed_on"], days["starts_on"], days["ends_on"])
    if checked is not None:
        rec.agreement_name, rec.agreement_type, rec.agreement_file = checked.filename, checked.content_type, signed_file.data
    session.flush()
    record(session, actor, "execution.agreement", rec, number=number, signed_on=rec.signed_on.isoformat(),
           file=rec.agreement_name)


def parse_indicators(text: str) -> list[tuple[str, int, str]]:
    """Indicators as typed, one a line: "服务人次 | 200 | 人次" (name, target, unit; unit optional)."""
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        name, target = parts[0], parts[1] if len(parts) > 1 else ""
        unit = parts[2] if len(parts) > 2 else ""
        if not name or len(name) > 100:
            raise ExecutionError(N_("第 %(line)s 行：请写指标名称（最多 100 个字符）"), "indicators", line=number)
        if not (target.isascii() and target.isdigit()) or len(target) > 9:
            raise ExecutionError(N_("第 %(line)s 行：目标值须为非负整数"), "indicators", line=number)
        found.append((name, int(target), unit[:20]))
    if len(found) > MAX_INDICATORS:
        raise ExecutionError(N_("每个里程碑最多 %(n)s 个指标"), "indicators", n=MAX_INDICATORS)
    return found


def add_milestone(session: Session, actor: Any, rec: ExecutionRecord, *, what: str, due_on: str | date,
                  deliverable: str, indicators: str) -> Milestone:
    """Add a step to the implementation plan, with its indicators and their targets."""
    problems: list[UserError] = []
    what = (what or "").strip()
    if not what or len(what) > 200:
        problems.append(ExecutionError(N_("请填写里程碑内容（最多 200 个字符）"), "what"))
    day = None
    try:
        day = read_date(due_on, "due_on")
    except ExecutionError as exc:
        problems.append(exc)
    parsed = []
    try:
        parsed = parse_indicators(indicators)
    except ExecutionError as exc:
        problems.append(exc)
    if problems:
        raise UserErrors(problems)
    position = (session.scalar(select(func.max(Milestone.position)).where(Milestone.execution_id == rec.id)) or 0) + 1
    milestone = Milestone(execution_id=rec.id, position=position, what=what, due_on=day,
                          deliverable=(deliverable or "").strip()[:500])
    milestone.indicators = [Indicator(name=n, target=t, unit=u) for n, t, u in parsed]
    session.add(milestone)
    session.flush()
    record(session, actor, "milestone.add", milestone, execution=rec.id, what=what, due_on=day.isoformat(),
           indicators=[f"{n}:{t}{u}" for n, t, u in parsed])
    return milestone


def remove_milestone(session: Session, actor: Any, milestone: Milestone) -> None:
    """A milestone nobody has reported on yet may be taken out of the plan."""
    if session.scalar(select(ProgressReport.id).where(ProgressReport.milestone_id == milestone.id).limit(1)):
        raise ExecutionError(N_("该里程碑已有进展报告，不能删除"), "milestone")
    record(session, actor, "milestone.remove", milestone, execution=milestone.execution_id, what=milestone.what)
    session.delete(milestone)
    session.flush()


def paid_fen(session: Session, rec: ExecutionRecord) -> int:
    """What was paid to the project out of its pool (tranches released, and payments recorded on the pools page)."""
    return int(session.scalar(select(func.coalesce(func.sum(Disbursement.amount_fen), 0)).where(
        Disbursement.call_id == rec.call_id, Disbursement.submission_id == rec.submission_id,
        Disbursement.pool == rec.pool)) or 0)


def recovered_fen(session: Session, rec: ExecutionRecord) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(Recovery.amount_fen), 0))
                              .where(Recovery.execution_id == rec.id)) or 0)


def call_records(session: Session, call_id: int) -> list[tuple[ExecutionRecord, Submission]]:
    """The call's execution records with their projects, in the order of the projects' refs."""
    return list(session.execute(select(ExecutionRecord, Submission).join(
        Submission, Submission.id == ExecutionRecord.submission_id)
        .where(ExecutionRecord.call_id == call_id).order_by(Submission.ref)).all())


def organisation_records(session: Session, organisation_id: int) -> list[tuple[ExecutionRecord, Submission]]:
    return list(session.execute(select(ExecutionRecord, Submission).join(
        Submission, Submission.id == ExecutionRecord.submission_id)
        .where(ExecutionRecord.organisation_id == organisation_id)
        .order_by(ExecutionRecord.created_at.desc(), ExecutionRecord.id.desc())).all())


def record_of(session: Session, call_id: int, ref: str) -> ExecutionRecord | None:
    return session.scalar(select(ExecutionRecord).join(Submission, Submission.id == ExecutionRecord.submission_id)
                          .where(ExecutionRecord.call_id == call_id, Submission.ref == ref))
