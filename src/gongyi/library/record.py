"""What is known of a project after its award: the outcome of its final results, the years its
project has run, its execution status and its final evaluation.

This is the one place brand criteria, the entry rules and the organisation's record read a
project's after-the-award record. The evaluation is that of the execution records
(execution/evaluations.py): the final evaluation (结项评估) once its result is confirmed after its
publicity; until then nothing is known.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.execution.models import Evaluation, ExecutionRecord
from gongyi.library.eligibility import same_project
from gongyi.library.figures import final_runs
from gongyi.library.grants import library_fen
from gongyi.results.models import RunRow
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


@dataclass(frozen=True)
class FinalRow:
    """A submission with its row in its call's final results in force and what it got from library
    pools: the row's grant and what administrators granted it since (library/grants.py)."""

    submission: Submission
    row: RunRow
    call: Call
    library_fen: int

    @property
    def matching_fen(self) -> int:
        return self.row.matching_fen

    @property
    def funded(self) -> bool:
        return self.matching_fen > 0 or self.library_fen > 0


def final_rows(session: Session, organisation_id: int) -> list[FinalRow]:
    """Each submission of the organisation with its row in its call's final results in force, oldest
    call first: the one place the record, the entry rules and the organisation's page read them."""
    final_of = final_runs(session)
    if not final_of:
        return []
    rows = list(session.execute(
        select(Submission, RunRow, Call).join(RunRow, RunRow.submission_id == Submission.id)
        .join(Call, Call.id == Submission.call_id)
        .where(Submission.organisation_id == organisation_id, RunRow.run_id.in_(final_of.values()))
        .order_by(Call.opens_at)))
    money = library_fen(session, {s.id: row.library_grant_fen for s, row, _ in rows})
    return [FinalRow(s, row, call, money.get(s.id, 0)) for s, row, call in rows]


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
    own = next((f for f in rows if f.submission.id == submission.id), None)
    years = {f.call.id for f in rows if f.funded and same_project(f.submission.title, submission.title)}
    execution = session.scalar(select(ExecutionRecord.status).where(ExecutionRecord.submission_id == submission.id))
    return KnownRecord(own.row.outcome if own else None, own.matching_fen if own else 0,
                       own.library_fen if own else 0, len(years),
                       evaluations(session, [submission.id]).get(submission.id), execution)
