"""The organisation's dashboard and the start page: the calls open to it, the menu to order from
(点单), its submissions and where each one is."""
from __future__ import annotations

from datetime import datetime
from typing import Collection, Iterable, Mapping, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gongyi.calls.models import Call, LateEntry
from gongyi.calls.service import organisation_late_entries, submissions_open_for
from gongyi.calls.workflow import ACTIVITIES
from gongyi.catalogue.models import Category
from gongyi.catalogue.service import MenuCategory, MenuItem, browse
from gongyi.results.models import Run, RunRow
from gongyi.submissions.models import Submission
from gongyi.submissions.project import category_open
from gongyi.submissions.refusals import ENTRY_STATUSES, max_per_org


class OpenCall(NamedTuple):
    call: Call
    count: int  # the organisation's submissions that count towards max_per_org
    full: bool  # max_per_org reached: no new submission


def open_calls_for(session: Session, organisation_id: int, now: datetime | None = None,
                   late: Mapping[int, LateEntry] | None = None) -> list[OpenCall]:
    """Calls the organisation may submit in right now, each with its entry count; a fixed number
    of queries however many calls there are."""
    # Open calls, and closed ones for an organisation on the late list (submissions_open_for decides).
    calls = session.scalars(select(Call).where(Call.status.in_(ACTIVITIES["entries"]))
                            .options(selectinload(Call.rules_versions)).order_by(Call.closes_at)).all()
    if late is None:
        late = organisation_late_entries(session, organisation_id)
    counts = dict(session.execute(
        select(Submission.call_id, func.count()).where(Submission.organisation_id == organisation_id,
                                                      Submission.status.in_(ENTRY_STATUSES))
        .group_by(Submission.call_id)
    ).all())
    return [OpenCall(c, counts.get(c.id, 0), counts.get(c.id, 0) >= max_per_org(c))
            for c in calls if submissions_open_for(session, c, organisation_id, now, late=late)]


def named_categories(session: Session, call: Call) -> list[Category]:
    """The catalogue categories the call opens by name (none: every category is open)."""
    return list(session.scalars(select(Category).where(Category.code.in_(call.rules["entry"]["categories"]))
                                .order_by(Category.code)))


class MenuGroup(NamedTuple):
    category: MenuCategory
    items: tuple[MenuItem, ...]
    open: bool  # the call opens the category; else it is listed only so picked items can be unpicked
    chosen: int  # how many of its items are picked


def order_menu(session: Session, call: Call, picked: Collection[str]) -> list[MenuGroup]:
    """The catalogue by category for ordering (点单): the call's open categories, plus any
    category a `picked` item belongs to."""
    groups = []
    for category, items in browse(session):
        is_open = category_open(category.code, call.rules["entry"]["categories"])
        chosen = sum(1 for i in items if i.code in picked)
        if is_open or chosen:
            groups.append(MenuGroup(category, items, is_open, chosen))
    return groups


def organisation_submissions(session: Session, organisation_id: int) -> list[Submission]:
    return list(session.scalars(
        select(Submission).where(Submission.organisation_id == organisation_id)
        .options(selectinload(Submission.call), selectinload(Submission.funding_lines))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
    ))


def published_outcomes(session: Session, submission_ids: Iterable[int]) -> dict[int, tuple[RunRow, Run]]:
    """Results hook: each submission's row in the latest published run (provisional or final) of its call.

    Runs not yet published are the administrators' working results and never show here.
    """
    ids = list(submission_ids)
    if not ids:
        return {}
    stmt = (select(RunRow, Run).join(Run, Run.id == RunRow.run_id)
            .where(RunRow.submission_id.in_(ids), Run.published.is_not(None))
            .order_by(Run.number))
    return {row.submission_id: (row, run) for row, run in session.execute(stmt)}  # later runs win


# Where a submitted, not ineligible project is while its call is in these states.
_CALL_STAGES = {"reviewing": "reviewing", "results": "awaiting_results", "publicity": "awaiting_results",
                "final": "awaiting_results", "archived": "awaiting_results"}


def stage(submission: Submission, outcome: RunRow | None = None) -> str:
    """Where a submission is, for its organisation (a value of vocabularies.STAGES)."""
    if submission.status in ("draft", "withdrawn"):
        return submission.status
    if submission.eligibility == "ineligible":
        return "ineligible"
    if outcome is not None:
        return "results"
    if submission.call.status in _CALL_STAGES:
        return _CALL_STAGES[submission.call.status]
    return "eligible" if submission.eligibility == "eligible" else "submitted"
