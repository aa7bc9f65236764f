"""Funding sources across calls: for each project and each call, verified funds by source, matching
and library money of the final results in force, and confirmed pledges; each call's leverage
(library/leverage.py). A fixed number of grouped queries whatever the number of projects.

Library money an administrator granted later from an edition's library pool (entries.fund_from_pool)
is that edition's public money: a project of the edition's own results gets it added to its row; a
project carried in from an earlier edition is a row of the granting edition with its counted funds
R and the grant (its sources and pledges stay with its own edition's row)."""
from __future__ import annotations

import dataclasses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.library.grants import GRANTED
from gongyi.library.leverage import CallFunds, ProjectFunds, call_funds
from gongyi.library.models import LibraryEntry, Pledge
from gongyi.results.models import Run, RunRow
from gongyi.submissions.models import FundingLine, Submission


def final_runs(session: Session) -> dict[int, int]:
    """call id -> id of its final results in force (the latest run published as final)."""
    found: dict[int, int] = {}
    for call_id, run_id in session.execute(select(Run.call_id, Run.id).where(Run.published == "final")
                                           .order_by(Run.call_id, Run.number.desc())):
        found.setdefault(call_id, run_id)
    return found


def project_funds(session: Session) -> list[ProjectFunds]:
    """Every project of the final results in force, with its funds."""
    runs = final_runs(session)
    if not runs:
        return []
    rows = session.execute(select(RunRow.submission_id, Run.call_id, RunRow.verified_raised_fen, RunRow.matching_fen,
                                  RunRow.library_grant_fen).join(Run, Run.id == RunRow.run_id)
                           .where(RunRow.run_id.in_(runs.values()))).all()
    ids = [r[0] for r in rows]
    pledged_lines = select(Pledge.funding_line_id).where(Pledge.funding_line_id.is_not(None))
    by_source: dict[int, dict[str, int]] = {}
    for sid, source, amount in session.execute(
            select(FundingLine.submission_id, FundingLine.source, func.sum(FundingLine.amount_fen))
            .where(FundingLine.submission_id.in_(ids), FundingLine.status == "verified",
                   FundingLine.id.not_in(pledged_lines))
            .group_by(FundingLine.submission_id, FundingLine.source)):
        by_source.setdefault(sid, {})[source] = int(amount or 0)
    pledged = dict(session.execute(select(Pledge.submission_id, func.sum(Pledge.amount_fen))
                                   .where(Pledge.submission_id.in_(ids), Pledge.status == "confirmed")
                                   .group_by(Pledge.submission_id)).all())
    found = {(call_id, sid): ProjectFunds(call_id, sid, by_source.get(sid, {}), int(raised), int(matching),
                                          int(library), int(pledged.get(sid, 0) or 0))
             for sid, call_id, raised, matching, library in rows}
    raised_of = {sid: int(raised) for sid, _call_id, raised, _m, _l in rows}
    for call_id, sid, grant in session.execute(
            select(LibraryEntry.call_id, LibraryEntry.submission_id, LibraryEntry.library_grant_fen)
            .where(GRANTED, LibraryEntry.call_id.in_(list(runs)))):
        own = found.get((call_id, sid))
        found[(call_id, sid)] = (dataclasses.replace(own, library_fen=own.library_fen + int(grant)) if own else
                                 ProjectFunds(call_id, sid, {}, raised_of.get(sid, 0), 0, int(grant), 0))
    return list(found.values())


def across_calls(session: Session) -> list[tuple[Call, CallFunds]]:
    """Each call with final results, oldest first, with its totals and leverage."""
    totals = call_funds(project_funds(session))
    calls = session.scalars(select(Call).where(Call.id.in_(list(totals))).order_by(Call.opens_at))
    return [(call, totals[call.id]) for call in calls]


def call_projects(session: Session, call: Call) -> list[tuple[str, str, ProjectFunds]]:
    """(ref, title, funds) of each project of the call's final results in force, in ref order."""
    funds = {p.submission_id: p for p in project_funds(session) if p.call_id == call.id}
    if not funds:
        return []
    names = session.execute(select(Submission.id, Submission.ref, Submission.title)
                            .where(Submission.id.in_(list(funds))).order_by(Submission.ref)).all()
    return [(ref, title, funds[sid]) for sid, ref, title in names]
