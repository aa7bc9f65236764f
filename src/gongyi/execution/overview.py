"""What the execution lists show about each record: money, the next tranche, reports waiting,
overdue milestones and the evaluations; and the export of a call's execution status."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gongyi.execution.models import Evaluation, ExecutionRecord, Milestone, ProgressReport, Recovery
from gongyi.execution.reports import overdue_milestones
from gongyi.execution.tranches import Schedule, schedule_from, state_of
from gongyi.funding.models import Disbursement
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Submission


@dataclass
class RecordRow:
    record: ExecutionRecord
    submission: Submission
    organisation: str
    schedule: Schedule
    awaiting: int  # reports submitted and waiting for the administrator
    returned: int  # reports returned and not submitted again
    overdue: list[Milestone] = field(default_factory=list)
    evaluations: dict[str, Evaluation] = field(default_factory=dict)


def _rows(session: Session, condition, today: date) -> list[RecordRow]:
    found = session.execute(
        select(ExecutionRecord, Submission, Organisation.name).options(selectinload(ExecutionRecord.tranches))
        .join(Submission, Submission.id == ExecutionRecord.submission_id)
        .join(Organisation, Organisation.id == ExecutionRecord.organisation_id)
        .where(condition).order_by(Submission.ref)).all()
    ids = [rec.id for rec, _, _ in found]
    counts = {(e, s): n for e, s, n in session.execute(
        select(ProgressReport.execution_id, ProgressReport.status, func.count())
        .where(ProgressReport.execution_id.in_(ids)).group_by(ProgressReport.execution_id, ProgressReport.status))}
    late = overdue_milestones(session, ids, today)
    milestones: dict[int, list[Milestone]] = {}
    for m in session.scalars(select(Milestone).where(Milestone.id.in_(late)).order_by(Milestone.due_on)):
        milestones.setdefault(m.execution_id, []).append(m)
    evaluations: dict[int, dict[str, Evaluation]] = {}
    for ev in session.scalars(select(Evaluation).where(Evaluation.execution_id.in_(ids))):
        evaluations.setdefault(ev.execution_id, {})[ev.kind] = ev
    paid, recovered = _money(session, [rec for rec, _, _ in found])
    return [RecordRow(rec, sub, org, schedule_from(rec, state_of(rec, evaluations.get(rec.id, {}).values()),
                                                   paid.get(rec.id, 0), recovered.get(rec.id, 0)),
                      counts.get((rec.id, "submitted"), 0), counts.get((rec.id, "returned"), 0),
                      milestones.get(rec.id, []), evaluations.get(rec.id, {}))
            for rec, sub, org in found]


def _money(session: Session, recs: list[ExecutionRecord]) -> tuple[dict[int, int], dict[int, int]]:
    """What was paid to and recovered from each record, in two grouped statements."""
    by_key = {(rec.call_id, rec.submission_id, rec.pool): rec.id for rec in recs}
    paid: dict[int, int] = {}
    if recs:
        rows = session.execute(
            select(Disbursement.call_id, Disbursement.submission_id, Disbursement.pool, func.sum(Disbursement.amount_fen))
            .where(Disbursement.submission_id.in_([rec.submission_id for rec in recs]))
            .group_by(Disbursement.call_id, Disbursement.submission_id, Disbursement.pool)).all()
        paid = {by_key[(c, s, p)]: int(total) for c, s, p, total in rows if (c, s, p) in by_key}
    recovered = {rid: int(total) for rid, total in session.execute(
        select(Recovery.execution_id, func.sum(Recovery.amount_fen))
        .where(Recovery.execution_id.in_([rec.id for rec in recs])).group_by(Recovery.execution_id)).all()}
    return paid, recovered


def call_overview(session: Session, call_id: int, today: date) -> list[RecordRow]:
    return _rows(session, ExecutionRecord.call_id == call_id, today)


def organisation_overview(session: Session, organisation_id: int, today: date) -> list[RecordRow]:
    return _rows(session, ExecutionRecord.organisation_id == organisation_id, today)
