"""What administrators granted from editions' library pools (library.entries.fund_from_pool).

The one place that reads the grants: the results engine counts those of a call as already
committed from its library pool (results/inputs.py), the pool's balance and the pools page count
them as allocated, and a project's record (library/record.py) adds them to its library money.
A grant is made only to an entry carried in from an earlier edition (a project's own edition funds
it through its results); it is released when the entry is withdrawn or its project matched.
Imports only the library's tables, so the results and funding modules may use it.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.library.models import LibraryEntry

GRANTED = LibraryEntry.pool_granted_at.is_not(None)


def committed_fen(session: Session, call_id: int) -> int:
    """What administrators granted from the call's library pool, not released since."""
    return int(session.scalar(select(func.coalesce(func.sum(LibraryEntry.library_grant_fen), 0))
                              .where(LibraryEntry.call_id == call_id, GRANTED)) or 0)


def library_fen(session: Session, row_grants: dict[int, int], *, call_id: int | None = None) -> dict[int, int]:
    """Submission id -> what the project got from library pools: `row_grants` (its row's library
    grant in final results in force) plus what administrators granted it. With `call_id`, from that
    call's pool only, every project granted there included (a carried one has no row in the call's
    results); without, for the projects of `row_grants` from any pool. One statement."""
    if call_id is None and not row_grants:
        return {}
    stmt = (select(LibraryEntry.submission_id, func.sum(LibraryEntry.library_grant_fen))
            .where(GRANTED).group_by(LibraryEntry.submission_id))
    stmt = (stmt.where(LibraryEntry.call_id == call_id) if call_id is not None
            else stmt.where(LibraryEntry.submission_id.in_(list(row_grants))))
    total = dict(row_grants)
    for submission_id, granted in session.execute(stmt):
        total[submission_id] = total.get(submission_id, 0) + int(granted or 0)
    return total
