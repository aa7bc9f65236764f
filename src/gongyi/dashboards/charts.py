"""Charts drawn on the server as SVG, from the rows of a table. Pure.

Two shapes: horizontal bars (one row per table row: its label and value on a line, the bars
below, so long Chinese or English labels fit a phone's width) and columns (a histogram). The
drawing is 320 units wide and scales to its box; text is ordinary SVG text, colours come from
the page's stylesheet (classes, no inline styles, as the Content Security Policy wants), and
each chart is an image labelled by its caption, with the same numbers in the table beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence

WIDTH = 320
ROW = 30  # one bar row: the label line, then the bars
BAR = 9
LABEL_CHARS = 26  # half-width characters; a Chinese character counts two


@dataclass(frozen=True)
class Point:
    label: str
    values: tuple[int, ...]  # one per series, 0 or more
    text: str  # the values as the table shows them
    flag: str = ""  # a class that makes the row stand out


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    """The label cut to fit its line, with "…" when cut (the full text is in the table and the tooltip)."""
    if _width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        used += 2 if ord(ch) > 0x2E7F else 1
        if used > limit - 1:
            break
        out += ch
    return out + "…"


def _svg(height: int, labelledby: str, body: list[str], series: Sequence[str]) -> str:
    legend = ""
    if len(series) > 1:
        x, parts = 0, []
        for index, name in enumerate(series):
            parts.append(f'<rect class="s{index}" x="{x}" y="2" width="10" height="10"/>'
                         f'<text x="{x + 14}" y="11">{escape(name)}</text>')
            x += 22 + 7 * _width(name)
        legend = '<g class="legend">' + "".join(parts) + "</g>"
        body = [f'<g transform="translate(0,18)">{"".join(body)}</g>']
        height += 18
    return (f'<svg class="chart" role="img" aria-labelledby="{escape(labelledby)}" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            f'{legend}{"".join(body)}</svg>')


def bars(points: Sequence[Point], labelledby: str, series: Sequence[str] = ()) -> str:
    """Horizontal bars, one group per point; every series shares one scale."""
    top = max((v for p in points for v in p.values), default=0) or 1
    count = max((len(p.values) for p in points), default=1)
    height = ROW + (count - 1) * (BAR + 2)
    body = []
    for index, point in enumerate(points):
        y = index * height
        row = [f'<title>{escape(point.label)}: {escape(point.text)}</title>',
               f'<text class="label" x="0" y="{y + 11}">{escape(_short(point.label))}</text>',
               f'<text class="value" x="{WIDTH}" y="{y + 11}" text-anchor="end">{escape(point.text)}</text>',
               f'<rect class="track" x="0" y="{y + 15}" width="{WIDTH}" height="{BAR * len(point.values) + 2 * (len(point.values) - 1)}"/>']
        for s, value in enumerate(point.values):
            width = round(WIDTH * value / top, 1)
            if value and width < 1:
                width = 1  # a value above zero never disappears
            row.append(f'<rect class="bar s{s}" x="0" y="{y + 15 + s * (BAR + 2)}" width="{width}" height="{BAR}"/>')
        flag = f' class="{escape(point.flag)}"' if point.flag else ""
        body.append(f"<g{flag}>{''.join(row)}</g>")
    return _svg(max(1, len(points)) * height, labelledby, body, series)


def columns(points: Sequence[Point], labelledby: str) -> str:
    """Vertical columns (a histogram of the first series), labelled under each column."""
    top = max((p.values[0] for p in points if p.values), default=0) or 1
    n = max(1, len(points))
    plot, base = 120, 136
    # Labels that do not fit under their column are turned, so neighbours never overlap; the
    # first one then needs room on the left.
    turned = any(_width(p.label) * 6 > WIDTH / n for p in points)
    left, below = (24, 40) if turned else (0, 18)
    slot = (WIDTH - left) / n
    body = [f'<line class="axis" x1="0" y1="{base}" x2="{WIDTH}" y2="{base}"/>']
    for index, point in enumerate(points):
        value = point.values[0] if point.values else 0
        height = round(plot * value / top, 1)
        if value and height < 1:
            height = 1
        x = round(left + index * slot + slot * 0.1, 1)
        middle = round(left + index * slot + slot / 2, 1)
        flag = f' class="{escape(point.flag)}"' if point.flag else ""
        if turned:
            label = (f'<text class="label" x="{middle}" y="{base + 12}" text-anchor="end" '
                     f'transform="rotate(-40 {middle} {base + 12})">{escape(_short(point.label, 10))}</text>')
        else:
            label = f'<text class="label" x="{middle}" y="{base + 13}" text-anchor="middle">{escape(_short(point.label, 8))}</text>'
        body.append(
            f"<g{flag}><title>{escape(point.label)}: {escape(point.text)}</title>"
            f'<rect class="bar s0" x="{x}" y="{round(base - height, 1)}" width="{round(slot * 0.8, 1)}" height="{height}"/>'
            f'<text class="value" x="{middle}" y="{round(base - height - 3, 1)}" text-anchor="middle">{escape(point.text)}</text>'
            f"{label}</g>")
    return _svg(base + below, labelledby, body, ())
