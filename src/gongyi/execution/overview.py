"""What the execution lists show about each record: money, the next tranche, reports waiting,
overdue milestones and the evaluations; and the export of a call's execution status."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.execution.models import Evaluation, ExecutionRecord, Milestone, ProgressReport
from gongyi.execution.reports import overdue_milestones
from gongyi.execution.tranches import Schedule, schedule_of
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
        select(ExecutionRecord, Submission, Organisation.name)
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
    return [RecordRow(rec, sub, org, schedule_of(session, rec), counts.get((rec.id, "submitted"), 0),
                      counts.get((rec.id, "returned"), 0), milestones.get(rec.id, []), evaluations.get(rec.id, {}))
            for rec, sub, org in found]


def call_overview(session: Session, call_id: int, today: date) -> list[RecordRow]:
    return _rows(session, ExecutionRecord.call_id == call_id, today)


def organisation_overview(session: Session, organisation_id: int, today: date) -> list[RecordRow]:
    return _rows(session, ExecutionRecord.organisation_id == organisation_id, today)
