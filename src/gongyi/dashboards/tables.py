"""The tables every dashboard and map is made of: shown as a table, drawn as a chart, saved as a
sheet of the dashboard's XLSX file, all from the one `Table`. Pure.

Cells hold plain values typed by their column: text, a label msgid (translated where it is
shown), a (Chinese, English) name pair, a count, money in whole fen, or an exact ratio or
share (a Fraction, None when there is nothing to divide by). `display` turns a table into the
strings a page shows; `sheet` into the cells of a spreadsheet, where money is an exact decimal
shown with two places (never a float that reads 0.30000000000000004).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable, Sequence

from gongyi.money import format_fen

KINDS = ("text", "label", "names", "count", "money", "ratio", "share")
NUMERIC = ("count", "money", "ratio", "share")
NOTHING = "—"


@dataclass(frozen=True)
class Column:
    label: str  # msgid
    kind: str = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: bars (horizontal, one per row) or columns (a histogram). `values`
    are the column indexes drawn, one series each; `limit` draws only the first rows."""

    label: int
    values: tuple[int, ...]
    shape: str = "bars"
    limit: int | None = None


@dataclass(frozen=True)
class Table:
    key: str  # the anchor on the page and the sheet's place in the workbook
    title: str  # msgid, with %(name)s parameters from `params`
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Any, ...]]
    flags: Sequence[str] = ()  # per row: "" or a reason the row stands out (a CSS class)
    chart: Chart | None = None
    note: str | None = None  # msgid shown under the table
    params: dict[str, Any] = field(default_factory=dict)

    def flag(self, index: int) -> str:
        return self.flags[index] if index < len(self.flags) else ""


def ratio_decimal(value: Fraction, places: int = 2) -> Decimal:
    """An exact ratio rounded half-up to `places` decimals."""
    scale = 10 ** places
    numerator, denominator = abs(value.numerator) * scale, value.denominator
    rounded = (2 * numerator + denominator) // (2 * denominator)
    return Decimal(-rounded if value < 0 else rounded).scaleb(-places)


def money_decimal(fen: int) -> Decimal:
    """Whole fen as yuan with exactly two decimals."""
    return Decimal(int(fen)).scaleb(-2)


def share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def ratio(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator else None


def _text(value: Any, kind: str, gettext: Callable[[str], str], english: bool) -> str:
    if value is None:
        return NOTHING
    if kind == "label":
        return gettext(value)
    if kind == "names":
        return value[1] if english and value[1] else value[0]
    if kind == "count":
        return f"{value:,}"
    if kind == "money":
        return format_fen(value)
    if kind == "ratio":
        return str(ratio_decimal(value))
    if kind == "share":
        return f"{ratio_decimal(value * 100, 1)}%"
    return str(value)


def display(table: Table, gettext: Callable[[str], str], english: bool = False) -> list[list[str]]:
    """The rows as the page shows them."""
    kinds = [c.kind for c in table.columns]
    return [[_text(v, k, gettext, english) for v, k in zip(row, kinds)] for row in table.rows]


def _cell(value: Any, kind: str, gettext: Callable[[str], str], english: bool) -> Any:
    if value is None:
        return None
    if kind == "money":
        return money_decimal(value)
    if kind == "ratio":
        return ratio_decimal(value)
    if kind == "share":
        return ratio_decimal(value * 100, 1)
    if kind == "count":
        return int(value)
    return _text(value, kind, gettext, english)


def sheet(table: Table, gettext: Callable[..., str], english: bool = False) -> tuple[str, list[str], list[list[Any]]]:
    """(title, column headings, rows) for `exports.write_xlsx`: numbers stay numbers."""
    kinds = [c.kind for c in table.columns]
    headings = [gettext(c.label) + (" (%)" if c.kind == "share" else "") for c in table.columns]
    rows = [[_cell(v, k, gettext, english) for v, k in zip(row, kinds)] for row in table.rows]
    return gettext(table.title, **table.params), headings, rows
