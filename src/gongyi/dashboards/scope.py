"""What a dashboard or map counts: which editions (calls), the results in force for each, the
needs-list year each answers, and the district filter. Two queries, whatever the calls' size.

The results in force of a call are its latest published run; administrators, before anything
is published, see the latest computed run (their pages say which run it is).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from gongyi.calls.models import Call
from gongyi.catalogue.models import Category, Item
from gongyi.communities.years import edition_year
from gongyi.results.models import Run, RunRow
from gongyi.submissions.models import Submission


@dataclass(frozen=True)
class Edition:
    call: Call
    year: int
    run_id: int | None = None
    run_number: int | None = None
    published: str | None = None  # of the run in force; None: not published


@dataclass(frozen=True)
class Scope:
    editions: tuple[Edition, ...]
    district: str | None = None

    @property
    def call_ids(self) -> list[int]:
        return [e.call.id for e in self.editions]

    @property
    def run_ids(self) -> list[int]:
        return [e.run_id for e in self.editions if e.run_id is not None]

    @property
    def years(self) -> list[int]:
        return sorted({e.year for e in self.editions})

    def call_year(self) -> Any:
        """SQL: the needs-list year of a submission's call (by Submission.call_id)."""
        mapping = {e.call.id: e.year for e in self.editions}
        return case(mapping, value=Submission.call_id, else_=literal(0)) if mapping else literal(0)


def _runs_in_force(session: Session, calls: Iterable[Call], published_only: bool) -> dict[int, tuple[int, int, str | None]]:
    """call id -> (run id, number, published) of its results in force."""
    ids = [c.id for c in calls]
    if not ids:
        return {}
    chosen: dict[int, tuple[int, int, str | None]] = {}
    for run_id, call_id, number, published in session.execute(
            select(Run.id, Run.call_id, Run.number, Run.published).where(Run.call_id.in_(ids)).order_by(Run.number)):
        current = chosen.get(call_id)
        if published is not None:
            if current is None or current[2] is None or number > current[1]:
                chosen[call_id] = (run_id, number, published)
        elif not published_only and (current is None or current[2] is None):
            chosen[call_id] = (run_id, number, None)
    return chosen


def editions(session: Session, calls: list[Call] | None = None, *, published_only: bool = False) -> list[Edition]:
    """The given calls (default: every call but drafts, oldest first) with their results in force."""
    if calls is None:
        calls = list(session.scalars(select(Call).where(Call.status != "draft").options(selectinload(Call.rules_versions))
                                     .order_by(Call.opens_at, Call.id)))
    runs = _runs_in_force(session, calls, published_only)
    return [Edition(call, edition_year(call.opens_at), *runs.get(call.id, (None, None, None))) for call in calls]


def scope(session: Session, call: Call | None = None, district: str | None = None, *,
          published_only: bool = False) -> Scope:
    return Scope(tuple(editions(session, [call] if call is not None else None, published_only=published_only)),
                 district or None)


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    names: tuple[str, str]  # (Chinese, English)
    category: str
    category_names: tuple[str, str]


def catalogue(session: Session) -> list[CatalogueItem]:
    """Every catalogue item with its category, in code order (one query)."""
    rows = session.execute(select(Item.code, Item.name_zh, Item.name_en, Category.code, Category.name_zh,
                                  Category.name_en).join(Category, Category.code == Item.category_code)
                           .order_by(Item.code)).all()
    return [CatalogueItem(code, (zh, en), cat, (cat_zh, cat_en)) for code, zh, en, cat, cat_zh, cat_en in rows]


def categories(items: list[CatalogueItem]) -> list[tuple[str, tuple[str, str]]]:
    """The categories of `items`, in code order."""
    return list(dict.fromkeys((i.category, i.category_names) for i in items))


def results_of(stmt: Any, scope: Scope, submission_id: Any) -> Any:
    """`stmt` joined (outer) to each submission's row in its call's results in force."""
    return stmt.outerjoin(RunRow, and_(RunRow.submission_id == submission_id, RunRow.run_id.in_(scope.run_ids)))


def funded():
    """SQL: a result row with matching or a library grant."""
    return or_(RunRow.matching_fen > 0, RunRow.library_grant_fen > 0)


def public_money():
    """SQL: a result row's matching plus library grant, 0 without a row."""
    return func.coalesce(RunRow.matching_fen, 0) + func.coalesce(RunRow.library_grant_fen, 0)


def counted_submissions():
    """SQL: the submissions a dashboard counts: submitted (not drafts, not withdrawn)."""
    return Submission.status == "submitted"
