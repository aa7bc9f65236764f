"""Dashboard and map figures against totals worked out by hand from tests/dashboard_world.py."""
from __future__ import annotations

from fractions import Fraction

import pytest

from gongyi.dashboards.coverage import coverage_map
from gongyi.dashboards.editions import call_dashboard, editions_dashboard
from gongyi.dashboards.focus import focus_areas
from gongyi.dashboards.public import public_figures
from gongyi.dashboards.scope import scope
from tests.dashboard_world import build


@pytest.fixture
def world(db, admin):
    w = build(db, admin)
    db.commit()
    return w


def by_key(table, key=0):
    return {row[key]: row for row in table.rows}


def tables(board):
    return {t.key: t for t in board.tables}


def test_coverage_map_of_one_call(db, world):
    found = coverage_map(db, scope(db, world.call_a))
    items = by_key(found.items)
    # code: (listed, answered, unanswered, ordered, funded, money)
    assert items["01.01"][3:9] == (1, 1, 0, 1, 1, 30_000)  # C1 listed it, S1 (C1) ordered it and was matched
    assert items["02.01"][3:9] == (2, 1, 1, 2, 1, 20_000)  # C1's need unanswered (S4 is a draft); S2, S3 ordered
    assert items["03.01"][3:9] == (1, 0, 1, 0, 0, 0)  # C2's need: nobody ordered it
    assert items["02.02"][3:9] == (0, 0, 0, 1, 1, 30_000)
    assert items["03.02"][3:9] == (0, 0, 0, 1, 0, 0)
    assert items["05.01"][3:9] == (0, 0, 0, 0, 0, 0)
    flags = dict(zip((r[0] for r in found.items.rows), found.items.flags))
    assert flags["03.01"] == "gap-demand gap-supply" and flags["02.01"] == "gap-demand" and flags["01.01"] == ""
    assert flags["05.01"] == "gap-supply" and items["05.01"][9] == "无人点单"
    categories = {row[0][0]: row[1:] for row in found.categories.rows}
    # (items, unordered, listed, unanswered, projects once per category, funded, money)
    assert categories["社会救助"] == (5, 4, 1, 0, 1, 1, 30_000)
    assert categories["长者服务"] == (6, 4, 2, 1, 3, 2, 50_000)  # S1 (02.02), S2, S3 (02.01)
    assert categories["儿童青少年服务"] == (6, 5, 1, 1, 1, 0, 0)  # S3 (03.02)
    summary = dict(found.summary.rows)
    assert summary == {"服务项目": 144, "无人点单的服务项目": 140, "列入需求清单的需求（社区·年度·服务项目）": 4,
                       "已回应的需求": 2, "无人回应的需求": 2, "点单的项目": 3, "获资助的项目": 2}
    # the needs nobody answered, most pressing first
    assert [(r[3], r[5], r[6]) for r in found.unanswered.rows] == [("荔林社区", "03.01", "high"),
                                                                   ("莲花北社区", "02.01", "medium")]


def test_coverage_map_of_one_district_and_a_filter(db, world):
    found = coverage_map(db, scope(db, world.call_a, "440305"))
    items = by_key(found.items)
    assert items["02.01"][3:9] == (1, 1, 0, 2, 1, 20_000)  # C2's need, answered by S2; S2 and S3 are in 440305
    assert items["01.01"][3:9] == (0, 0, 0, 0, 0, 0)  # S1 and C1 are in 440304
    assert items["03.01"][3:6] == (1, 0, 1)
    gaps = coverage_map(db, scope(db, world.call_a), show="unanswered")
    assert [r[0] for r in gaps.items.rows] == ["02.01", "03.01"]
    unordered = coverage_map(db, scope(db, world.call_a), show="unordered")
    assert len(unordered.items.rows) == 140 and "01.01" not in by_key(unordered.items)


def test_coverage_map_across_calls(db, world):
    found = coverage_map(db, scope(db))
    items = by_key(found.items)
    # last year's C1 01.01 is answered by S5 (call B, C1); S1 and S5 both ordered 01.01
    assert items["01.01"][3:9] == (2, 2, 0, 2, 2, 70_000)
    summary = dict(found.summary.rows)
    assert (summary["列入需求清单的需求（社区·年度·服务项目）"], summary["已回应的需求"], summary["点单的项目"]) == (5, 3, 4)


def test_call_dashboard(db, world):
    board = tables(call_dashboard(db, world.call_a))
    categories = {row[0][0]: row[1:] for row in board["by-category"].rows}
    assert categories["社会救助"] == (1, 80_000) and categories["长者服务"] == (3, 180_000)
    assert categories["儿童青少年服务"] == (1, 40_000) and categories["残障人士服务"] == (0, 0)
    assert [row[0] for row in board["by-item"].rows] == ["02.01", "01.01", "02.02", "03.02"]
    assert board["by-item"].rows[0][3:] == (2, 100_000)
    assert [(row[0][0], row[1], row[2]) for row in board["by-district"].rows] == [
        ("深圳市南山区", 2, 100_000), ("深圳市福田区", 1, 80_000)]
    # round: assigned in all, not started, draft, submitted, projects with a submitted review
    assert board["review-progress"].rows == [("评审", 5, 1, 1, 3, 2)]
    # 85 and 100 (the maximum goes in the top band) and 65.5; the draft does not count
    assert [n for _label, n in board["scores-review"].rows] == [0, 0, 0, 0, 0, 0, 1, 0, 1, 1]
    assert board["scores-review"].rows[6][0] == "60–70"
    outcomes = {row[0]: row[1:] for row in board["outcomes"].rows}
    assert outcomes["获配套资金"] == (1, 50_000, 30_000, 0)
    assert outcomes["进入福彩公益金项目库"] == (1, 10_000, 0, 20_000)
    assert outcomes["未入围"] == (1, 0, 0, 0) and outcomes["评审不足，未排名"] == (0, 0, 0, 0)
    leverage = board["leverage"].rows
    assert leverage[0][1:] == (50_000, 30_000, Fraction(5, 3))
    assert leverage[1][1:] == (60_000, 50_000, Fraction(6, 5))
    funds = {row[0]: row[1:] for row in board["funds"].rows}
    # lines, declared, pending, verified, rejected; the draft's line is not counted
    assert funds["企业"] == (1, 50_000, 0, 50_000, 0)
    assert funds["个人"] == (1, 5_000, 5_000, 0, 0)
    assert funds["政府"] == (1, 3_000, 0, 3_000, 0)
    assert funds["其他"] == (1, 2_000, 0, 0, 2_000)
    pools = {row[0]: row[1:] for row in board["pools"].rows}
    assert pools["配套资金池"] == (100_000, 30_000, 70_000, 0, 30_000)
    assert pools["福彩公益金项目库资金池"] == (50_000, 20_000, 30_000, 0, 20_000)


def test_editions_dashboard_year_on_year(db, world):
    board = editions_dashboard(db)
    assert [e.call.slug for e in board.editions] == ["world-b", "world-a"]
    t = tables(board)
    b, a = t["editions"].rows
    # title, year, projects, change, organisations, communities, requested, matching, change
    assert b[1:] == (str(world.year - 1), 1, None, 1, 1, 70_000, 40_000, None)
    assert a[1:] == (str(world.year), 3, Fraction(2), 2, 2, 180_000, 30_000, Fraction(-1, 4))
    assert [row[1:] for row in t["edition-money"].rows] == [(40_000, 40_000, 0), (60_000, 30_000, 20_000)]
    assert [row[3:] for row in t["edition-leverage"].rows] == [(Fraction(1), Fraction(1)), (Fraction(5, 3), Fraction(6, 5))]
    assert [row[1:] for row in t["edition-pools"].rows] == [(100_000, 40_000, 60_000, 50_000, 0, 50_000),
                                                           (100_000, 30_000, 70_000, 50_000, 20_000, 30_000)]
    categories = {row[0][0]: row[1:] for row in t["edition-categories"].rows}
    assert categories["社会救助"] == (1, 1) and categories["长者服务"] == (0, 3)
    outcomes = {row[0]: row[1:] for row in t["edition-outcomes"].rows}
    assert outcomes["获配套资金"] == (1, 1) and outcomes["未入围"] == (0, 1)


def test_public_figures_only_from_published_results(db, world):
    assert public_figures(db, world.call_a) is None  # its run is not published
    figures = public_figures(db, world.call_b)
    rows = {row[0]: row[1:] for row in figures.figures.rows}
    assert rows["申报项目"] == (1, None) and rows["获配套资金"] == (1, 40_000)
    assert rows["获福彩公益金项目库资助"] == (0, 0) and rows["获配套项目计入配套的募集资金"] == (None, 40_000)
    assert figures.leverage.per_matching == 1
    assert [(row[0][0], row[1], row[2]) for row in figures.categories.rows] == [("社会救助", 1, 1)]


def test_a_communitys_focus_areas(db, world):
    focus = focus_areas(db, world.c1, published_only=False)
    this_year, last_year = focus.years
    assert this_year.params == {"year": world.year} and last_year.params == {"year": world.year - 1}
    rows = {row[0]: row[2:] for row in this_year.rows}
    # priority, note, ordered, funded, money
    assert rows["01.01"] == ("急需", "困境家庭多", 1, 1, 30_000)
    assert rows["02.01"] == ("重要", "独居长者", 0, 0, 0)  # listed, nobody answered (S4 is a draft)
    assert rows["02.02"] == (None, None, 1, 1, 30_000)  # ordered without being listed
    assert list(rows) == ["01.01", "02.01", "02.02"] and this_year.flags == ["", "gap", ""]
    assert [row[2:] for row in last_year.rows] == [("急需", None, 1, 1, 40_000)]
    areas = {row[0][0]: row[1:] for row in focus.areas.rows}
    assert areas == {"社会救助": (2, 2, 2, 70_000), "长者服务": (1, 1, 1, 30_000)}
    public = focus_areas(db, world.c1, published_only=True)  # call A's results are not published
    assert {row[0]: row[5] for row in public.years[0].rows}["01.01"] == 0
