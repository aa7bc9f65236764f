"""Dashboard tables and charts: cells shown and saved exactly, bars and columns drawn to scale."""
from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from xml.etree import ElementTree

import pytest
from hypothesis import given, strategies as st

from gongyi.dashboards import charts
from gongyi.dashboards.tables import Column, Table, display, money_decimal, ratio_decimal, sheet

TABLE = Table("t", "标题 %(n)s", (Column("名称"), Column("类别", "names"), Column("结果", "label"), Column("项目", "count"),
                                 Column("金额", "money"), Column("撬动比", "ratio"), Column("占比", "share")),
              [("甲", ("长者服务", "Older people"), "获配套资金", 12345, 1_234_567, Fraction(5, 3), Fraction(1, 8)),
               ("乙", ("长者服务", ""), "未入围", 0, 30, None, Fraction(-1, 4))], params={"n": 2})
UPPER = {"获配套资金": "MATCHED", "未入围": "NOT SHORTLISTED", "标题 %(n)s": "TITLE %(n)s", "名称": "NAME"}


def fake_gettext(msgid, **params):
    text = UPPER.get(msgid, msgid)
    return text % params if params else text


def test_cells_as_a_page_shows_them():
    assert display(TABLE, fake_gettext) == [
        ["甲", "长者服务", "MATCHED", "12,345", "12,345.67", "1.67", "12.5%"],
        ["乙", "长者服务", "NOT SHORTLISTED", "0", "0.30", "—", "-25.0%"]]
    assert display(TABLE, fake_gettext, english=True)[0][1] == "Older people"
    assert display(TABLE, fake_gettext, english=True)[1][1] == "长者服务"  # no English name: the Chinese one


def test_cells_as_a_sheet_keeps_numbers_exact():
    title, headings, rows = sheet(TABLE, fake_gettext)
    assert title == "TITLE 2" and headings[0] == "NAME" and headings[-1] == "占比 (%)"
    assert rows[0][3:] == [12345, Decimal("12345.67"), Decimal("1.67"), Decimal("12.5")]
    assert rows[1][4] == Decimal("0.30") and str(rows[1][4]) == "0.30" and rows[1][5] is None


@pytest.mark.parametrize("value, places, expected", [
    (Fraction(5, 3), 2, "1.67"), (Fraction(1, 8), 2, "0.13"), (Fraction(-1, 8), 2, "-0.13"), (Fraction(2), 2, "2.00"),
    (Fraction(1, 200), 2, "0.01"), (Fraction(1, 201), 2, "0.00"), (Fraction(125, 10), 1, "12.5")])
def test_ratios_round_half_up(value, places, expected):
    assert str(ratio_decimal(value, places)) == expected


@given(st.integers(min_value=0, max_value=10**15))
def test_money_cells_are_the_fen_exactly(fen):
    """Two places, and the number a spreadsheet stores (the shortest float text) reads back as the
    same amount, up to ¥10,000,000,000,000.00: no 0.30000000000000004."""
    value = money_decimal(fen)
    assert value.as_tuple().exponent == -2 and value * 100 == fen
    assert Decimal(repr(float(value))) == value


def _svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup)


NS = {"s": "http://www.w3.org/2000/svg"}


def test_bars_are_drawn_to_one_scale_and_never_vanish():
    svg = _svg(charts.bars([charts.Point("长者服务", (4000,), "4,000"), charts.Point("<b>&</b>", (1000,), "1,000", "gap-demand"),
                            charts.Point("社会救助", (0,), "0", "gap-supply"), charts.Point("极少", (1,), "1")], "cap"))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "cap"
    widths = [float(r.get("width")) for r in svg.iterfind(".//s:rect[@class='bar s0']", NS)]
    assert widths == [320.0, 80.0, 0.0, 1.0]  # the largest is the full width; a value above 0 keeps 1 unit
    labels = [t.text for t in svg.iterfind(".//s:text[@class='label']", NS)]
    assert labels[1] == "<b>&</b>"  # escaped in the markup, read back as text
    groups = svg.findall("s:g", NS)
    assert [g.get("class") for g in groups] == [None, "gap-demand", "gap-supply", None]


def test_two_series_get_a_legend_and_long_labels_are_cut():
    long = "Community development and governance services"
    svg = charts.bars([charts.Point(long, (3, 6), "3 · 6")], "c", ["demand", "supply"])
    tree = _svg(svg)
    assert [t.text for t in tree.iterfind(".//s:g[@class='legend']/s:text", NS)] == ["demand", "supply"]
    assert [float(r.get("width")) for r in tree.iterfind(".//s:rect[@class='bar s0']", NS)] == [160.0]
    assert [float(r.get("width")) for r in tree.iterfind(".//s:rect[@class='bar s1']", NS)] == [320.0]
    label = tree.find(".//s:text[@class='label']", NS).text
    assert label.endswith("…") and len(label) <= charts.LABEL_CHARS and long in tree.find(".//s:title", NS).text


def test_columns_of_a_histogram():
    points = [charts.Point(f"{10 * i}–{10 * i + 10}", (n,), str(n)) for i, n in enumerate([0, 2, 4, 1])]
    tree = _svg(charts.columns(points, "h"))
    heights = [float(r.get("height")) for r in tree.iterfind(".//s:rect", NS)]
    assert heights == [0.0, 60.0, 120.0, 30.0]
    assert not re.search(r'style=', charts.columns(points, "h"))  # no inline styles (CSP)
