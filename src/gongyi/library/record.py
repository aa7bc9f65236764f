"""What is known of a project after its award: the outcome of its final results, the years its
project has run, its execution status and its final evaluation.

This is the one place brand criteria, the entry rules and the organisation's record read a
project's after-the-award record. The evaluation is that of the execution records
(execution/evaluations.py): the final evaluation (结项评估) once its result is confirmed after its
publicity; until then nothing is known.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.execution.models import Evaluation, ExecutionRecord
from gongyi.library.eligibility import same_project
from gongyi.library.models import LibraryEntry
from gongyi.results.models import Run, RunRow
from gongyi.submissions.models import Submission


@dataclass(frozen=True)
class KnownRecord:
    outcome: str | None  # of the final results in force
    matching_fen: int
    library_fen: int  # its library grant there, and what administrators granted it since from a library pool
    years_running: int  # editions in which the organisation's project of this title was funded
    evaluation: str | None  # of the confirmed final evaluation: "passed", "failed" or None
    execution: str | None  # the execution record's status ("active", "stopped", "completed") or None

    @property
    def funded(self) -> bool:
        return self.matching_fen > 0 or self.library_fen > 0


def final_rows(session: Session, organisation_id: int) -> list[tuple[Submission, RunRow, Call]]:
    """Each submission of the organisation with its row in its call's final results in force."""
    latest = (select(Run.call_id, Run.id).where(Run.published == "final")
              .order_by(Run.call_id, Run.number.desc()))
    final_of: dict[int, int] = {}
    for call_id, run_id in session.execute(latest):
        final_of.setdefault(call_id, run_id)
    if not final_of:
        return []
    return list(session.execute(
        select(Submission, RunRow, Call).join(RunRow, RunRow.submission_id == Submission.id)
        .join(Call, Call.id == Submission.call_id)
        .where(Submission.organisation_id == organisation_id, RunRow.run_id.in_(final_of.values()))
        .order_by(Call.opens_at)))


def evaluations(session: Session, submission_ids: list[int]) -> dict[int, str]:
    """Submission id -> "passed" or "failed": its final evaluation, once confirmed."""
    if not submission_ids:
        return {}
    rows = session.execute(select(ExecutionRecord.submission_id, Evaluation.passed)
                           .join(Evaluation, Evaluation.execution_id == ExecutionRecord.id)
                           .where(ExecutionRecord.submission_id.in_(submission_ids), Evaluation.kind == "final",
                                  Evaluation.status == "confirmed", Evaluation.passed.is_not(None)))
    return {sid: "passed" if passed else "failed" for sid, passed in rows}


def known_record(session: Session, submission: Submission) -> KnownRecord:
    rows = final_rows(session, submission.organisation_id)
    own = next((row for s, row, _ in rows if s.id == submission.id), None)
    years = {call.id for s, row, call in rows if (row.matching_fen or row.library_grant_fen)
             and same_project(s.title, submission.title)}
    execution = session.scalar(select(ExecutionRecord.status).where(ExecutionRecord.submission_id == submission.id))
    granted = session.scalar(select(func.coalesce(func.sum(LibraryEntry.library_grant_fen), 0)).where(
        LibraryEntry.submission_id == submission.id, LibraryEntry.pool_granted_at.is_not(None)))
    return KnownRecord(own.outcome if own else None, own.matching_fen if own else 0,
                       (own.library_grant_fen if own else 0) + int(granted or 0), len(years),
                       evaluations(session, [submission.id]).get(submission.id), execution)
