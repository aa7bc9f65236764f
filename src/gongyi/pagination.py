"""Pages of a query: the rows of one page and the total, in two statements."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def count_rows(session: Session, stmt: Select) -> int:
    """How many rows `stmt` selects (its order left out)."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def paginate(session: Session, stmt: Select, number: int, per_page: int = 50, total: int | None = None) -> Page:
    """One page of `stmt` (clamped to the pages there are) and the total, in two queries; or in one
    when the caller knows the total (counted more cheaply than by wrapping the whole select)."""
    if total is None:
        total = count_rows(session, stmt)
    number = min(max(number, 1), max(1, -(-total // per_page)))
    rows = list(session.execute(stmt.limit(per_page).offset((number - 1) * per_page)))
    return Page(rows, total, number, per_page)


def paginate_keys(session: Session, keys: Select, rows: Callable[[Subquery], Select], number: int,
                  per_page: int = 50, total: int | None = None) -> Page:
    """paginate() for a query whose filter and order are on one table: `keys` selects that table's
    id under the filter, in the order. The total and the page's ids are taken from it alone (its
    index serves the order, whatever the planner believes of the join), and `rows(ids)` reads the
    whole rows of the page's ids only (a subquery with the column `id`), in the same order. A
    caller that knows the total passes it."""
    if total is None:
        total = count_rows(session, keys)
    number = min(max(number, 1), max(1, -(-total // per_page)))
    ids = keys.limit(per_page).offset((number - 1) * per_page).subquery()
    return Page(list(session.execute(rows(ids))), total, number, per_page)
