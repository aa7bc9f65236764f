"""Pages of a query: the rows of one page and the total, in two statements."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
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


def paginate(session: Session, stmt: Select, number: int, per_page: int = 50) -> Page:
    """One page of `stmt` (clamped to the pages there are) and the total, in two queries."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    number = min(max(number, 1), max(1, -(-total // per_page)))
    rows = list(session.execute(stmt.limit(per_page).offset((number - 1) * per_page)))
    return Page(rows, total, number, per_page)
