"""Tables made ready for a page, in the reader's language: headings, cell texts, the chart drawn
from the same rows; and for a workbook, one sheet per table (dashboards/_panel.html shows them)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from flask import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from gongyi.dashboards import charts
from gongyi.dashboards.public import public_figures
from gongyi.dashboards.tables import NUMERIC, Table, display, ratio_decimal, sheet
from gongyi.exports import send_data, write_xlsx


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    headings: list[str]
    numeric: list[bool]  # per column: right-aligned figures
    rows: list[list[str]]
    flags: list[str]
    note: str | None
    svg: Markup | None


def _english() -> bool:
    return str(get_locale()).startswith("en")


def _svg(table: Table, texts: list[list[str]], headings: list[str]) -> Markup | None:
    chart = table.chart
    if chart is None or not table.rows:
        return None
    count = len(table.rows) if chart.limit is None else min(chart.limit, len(table.rows))
    points = [charts.Point(texts[i][chart.label], tuple(int(table.rows[i][v] or 0) for v in chart.values),
                           " · ".join(texts[i][v] for v in chart.values), table.flag(i)) for i in range(count)]
    caption = f"{table.key}-caption"
    if chart.shape == "columns":
        return Markup(charts.columns(points, caption))
    series = [headings[v] for v in chart.values] if len(chart.values) > 1 else []
    return Markup(charts.bars(points, caption, series))


def panel(table: Table) -> Panel:
    english = _english()
    texts = display(table, _, english)
    headings = [_(c.label) for c in table.columns]
    return Panel(table.key, _(table.title, **table.params), headings, [c.kind in NUMERIC for c in table.columns],
                 texts, [table.flag(i) for i in range(len(table.rows))], _(table.note) if table.note else None,
                 _svg(table, texts, headings))


def panels(tables: Sequence[Table]) -> list[Panel]:
    return [panel(t) for t in tables]


def send_workbook(tables: Sequence[Table], filename: str) -> Response:
    """Every table as a sheet of one XLSX download."""
    return send_data(write_xlsx([sheet(t, _, _english()) for t in tables]), "xlsx", filename)


def public_context(session, call) -> dict:
    """What a call's public page needs to show its published figures (nothing before publication)."""
    figures = public_figures(session, call)
    if figures is None:
        return {"figures": None}
    per_matching = figures.leverage.per_matching
    return {"figures": figures, "figure_panels": panels([figures.figures, figures.categories]),
            "figure_leverage": str(ratio_decimal(per_matching)) if per_matching is not None else None}
