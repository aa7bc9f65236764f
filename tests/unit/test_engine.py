"""Whole-call results: ranking + matching + library -> rows, ledger and results.csv (sections 4 to 8)."""
from __future__ import annotations

import ast
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongyi.funding.allocate import LibraryRules, MatchingRules, Tier, floor_fen
from gongyi.results.engine import CSV_COLUMNS, Results, compute_results, results_csv_rows
from gongyi.results.rank import Entry, ReviewRules

SRC = Path(__file__).resolve().parents[2] / "src"
MODULES = ("gongyi/results/rank.py", "gongyi/funding/allocate.py", "gongyi/results/engine.py",
           "gongyi/funding/counted.py", "gongyi/funding/sources.py")
ENGINE = {"gongyi.results.rank", "gongyi.funding.allocate", "gongyi.funding.counted", "gongyi.funding.sources",
          "gongyi.errors", "gongyi.vocab"}
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def entry(ref: str, totals: tuple[int | str, ...], raised: int, requested: int, minutes: int = 0) -> Entry:
    return Entry(ref, tuple(F(t) for t in totals), raised, T0 + timedelta(minutes=minutes), requested)


# A hand-worked call with every outcome. Default review rules (3 reviews, trimmed mean from 5,
# line 60, raised_desc then submitted_asc). Matching: pool 9000.00, top 3, rank 1 at ratio 2
# (tier), otherwise 1, cap 6000.00, rank_order. Library: pool 3000.00, cap 2000.00, pro_rata.
#
#   ref  totals               A          R        requested  rank
#   A    90 88 92             90         4000.00  5000.00    1
#   B    85 85 85             85         3000.00  3000.00    2  (beats C on raised_desc)
#   C    85 85 85             85         1000.00  1200.00    3
#   G    77 77.125 77.25      77.125     0        1500.00    4  (shown 77.13)
#   D    70 70 71             211/3      5000.00  2500.00    5
#   E    50 55 59             164/3      900.00   100.00     6  (below 60)
#   F    95 95                95         100.00   100.00     -  (2 reviews: unranked)
#
# Matching candidates A, B, C: d = 2*4000 = 8000 -> D 6000; B d = D = 3000; C d = D = 1000.
# Sum D 10000 > 9000: rank_order: A 6000 (3000 left), B 3000 (0 left), C pool exhausted -> 0.
# Library: C (no matching), G, D: L = 1200, 1500, min(2500, 2000) = 2000; sum 4700 > 3000:
# pro_rata exact C 120000*300000/470000 = 76595 35/47, G 95744 32/47, D 127659 27/47 fen;
# floors 299998, 2 fen left -> C (35/47) and G (32/47): 76596, 95745, 127659.
ENTRIES = [
    entry("A", (90, 88, 92), 400_000, 500_000),
    entry("B", (85, 85, 85), 300_000, 300_000, minutes=5),
    entry("C", (85, 85, 85), 100_000, 120_000),
    entry("G", (77, "77.125", "77.25"), 0, 150_000),
    entry("D", (70, 70, 71), 500_000, 250_000),
    entry("E", (50, 55, 59), 90_000, 10_000),
    entry("F", (95, 95), 10_000, 10_000),
]
MATCHING = MatchingRules(pool_fen=900_000, award_top=3, ratio=F(1), tiers=(Tier(1, 1, F(2)),), cap_fen=600_000)
LIBRARY = LibraryRules(pool_fen=300_000, cap_fen=200_000, policy="pro_rata")


def test_hand_worked_call() -> None:
    results = compute_results(ENTRIES, ReviewRules(), MATCHING, LIBRARY)
    assert [(r.ref, r.rank, r.outcome, r.matching_fen, r.library_grant_fen) for r in results.rows] == [
        ("A", 1, "matched", 600_000, 0),
        ("B", 2, "matched", 300_000, 0),
        ("C", 3, "library", 0, 76_596),
        ("G", 4, "library", 0, 95_745),
        ("D", 5, "library", 0, 127_659),
        ("E", 6, "not_shortlisted", 0, 0),
        ("F", None, "unranked", 0, 0),
    ]
    assert (results.matching_pool_fen, results.matching_allocated_fen) == (900_000, 900_000)
    assert (results.library_pool_fen, results.library_allocated_fen) == (300_000, 300_000)


def test_hand_worked_ledger() -> None:
    rows = {r.ref: r for r in compute_results(ENTRIES, ReviewRules(), MATCHING, LIBRARY).rows}
    a = rows["A"].ledger
    assert a is not None and rows["A"].library_ledger is None
    assert (a.pool, a.ratio, a.demand_fen, a.cap_fen, a.capped_fen, a.total_capped_fen) == ("matching", 2, 800_000, 600_000, 600_000, 1_000_000)
    assert (a.policy, a.pool_binding, a.exact, a.amount_fen, a.step) == ("rank_order", True, 600_000, 600_000, "full")
    c, c_library = rows["C"].ledger, rows["C"].library_ledger
    assert c is not None and (c.amount_fen, c.step) == (0, "pool exhausted")
    assert c_library is not None
    assert (c_library.pool, c_library.ratio, c_library.demand_fen, c_library.capped_fen) == ("library", None, 120_000, 120_000)
    assert (c_library.exact, c_library.rounding_fen, c_library.amount_fen) == (F(3_600_000, 47), 1, 76_596)
    assert c_library.step == "share: D x 300000 / 470000; rounding +1 fen"
    d = rows["D"].library_ledger
    assert d is not None and (d.demand_fen, d.cap_fen, d.capped_fen, d.rounding_fen, d.amount_fen) == (250_000, 200_000, 200_000, 0, 127_659)
    assert rows["D"].ledger is None and rows["E"].ledger is None and rows["E"].library_ledger is None
    assert c_library.as_dict()["exact"] == "3600000/47"
    assert a.as_dict()["ratio"] == "2" and a.as_dict()["water_level"] is None


def test_hand_worked_csv() -> None:
    rows = results_csv_rows(compute_results(ENTRIES, ReviewRules(), MATCHING, LIBRARY))
    assert all(tuple(r) == CSV_COLUMNS for r in rows)
    assert [list(r.values()) for r in rows] == [
        ["A", "review", "3", "90.00", "1", "matched", "4000.00", "0", "6000.00", "0.00"],
        ["B", "review", "3", "85.00", "2", "matched", "3000.00", "0", "3000.00", "0.00"],
        ["C", "review", "3", "85.00", "3", "library", "1000.00", "0", "0.00", "765.96"],
        ["G", "review", "3", "77.13", "4", "library", "0.00", "0", "0.00", "957.45"],
        ["D", "review", "3", "70.33", "5", "library", "5000.00", "0", "0.00", "1276.59"],
        ["E", "review", "3", "54.67", "6", "not_shortlisted", "900.00", "0", "0.00", "0.00"],
        ["F", "review", "2", "95.00", "", "unranked", "100.00", "0", "0.00", "0.00"],
    ]


def test_csv_leaves_aggregate_empty_without_a_complete_review() -> None:
    rows = results_csv_rows(compute_results([entry("Z", (), 5, 0)], ReviewRules(), MatchingRules(), LibraryRules()))
    assert rows == [{"ref": "Z", "round": "review", "complete_reviews": "0", "aggregate": "", "rank": "",
                     "outcome": "unranked", "counted_raised": "0.05", "donors": "0", "matching": "0.00",
                     "library_grant": "0.00"}]


def test_third_ratio_water_fill_and_a_candidate_with_nothing_raised() -> None:
    # One review each counts (min_reviews 1). Ratio 1/3: P1 d = floor(1000/3) = 333, P2 R = 0 -> d = 0,
    # P3 d = floor(2000/3) = 666. award_top 10 > 3 shortlisted: all three are candidates.
    # Sum D = 999 > pool 500: water_fill k = 500/999: P1 333*500/999 = 166 2/3, P3 333 1/3;
    # floors 499, 1 fen -> P1: 167 + 333 = 500. P2 gets 0 -> library (pool 0: grant 0).
    entries = [
        entry("P1", (80,), 1000, 50),
        entry("P2", (70,), 0, 50),
        entry("P3", (65,), 2000, 50),
        entry("P4", (50,), 9999, 50),
    ]
    results = compute_results(
        entries,
        ReviewRules(min_reviews=1),
        MatchingRules(pool_fen=500, ratio=F(1, 3), policy="water_fill"),
        LibraryRules(pool_fen=0),
    )
    assert [(r.ref, r.outcome, r.matching_fen, r.library_grant_fen) for r in results.rows] == [
        ("P1", "matched", 167, 0),
        ("P2", "library", 0, 0),
        ("P3", "matched", 333, 0),
        ("P4", "not_shortlisted", 0, 0),
    ]
    p1 = results.rows[0].ledger
    assert p1 is not None
    assert (p1.demand_fen, p1.water_level, p1.exact, p1.rounding_fen) == (333, F(500, 999), F(500, 3), 1)
    assert p1.step == "water level k=500/999; rounding +1 fen"
    p2 = results.rows[1]
    assert p2.ledger is not None and p2.ledger.demand_fen == 0
    assert p2.library_ledger is not None and p2.library_ledger.amount_fen == 0


def test_unbinding_pool_candidate_with_zero_demand_goes_to_the_library() -> None:
    # Pool covers everything: A gets D = 100; B raised nothing so D = 0 -> library claim of 70.
    entries = [entry("A", (90,), 100, 0), entry("B", (80,), 0, 70)]
    results = compute_results(entries, ReviewRules(min_reviews=1), MatchingRules(pool_fen=10_000), LibraryRules(pool_fen=10_000))
    assert [(r.ref, r.outcome, r.matching_fen, r.library_grant_fen) for r in results.rows] == [
        ("A", "matched", 100, 0),
        ("B", "library", 0, 70),
    ]
    assert results.matching_allocated_fen == 100 and results.library_allocated_fen == 70
    assert results.rows[0].ledger is not None and not results.rows[0].ledger.pool_binding


def test_library_water_fill_uses_requested_as_d_and_library_cap_as_c() -> None:
    # award_top 0: everyone shortlisted is a library project. Requested 3000, 600, 400, cap 1000,
    # pool 1800: k = 0.8 after holding X at 1000 -> 1000, 480, 320 (see test_allocate).
    entries = [entry("X", (90,), 0, 3000), entry("Y", (80,), 0, 600), entry("Z", (70,), 0, 400)]
    results = compute_results(
        entries, ReviewRules(min_reviews=1), MatchingRules(award_top=0, pool_fen=99),
        LibraryRules(pool_fen=1800, cap_fen=1000, policy="water_fill"),
    )
    assert [(r.outcome, r.library_grant_fen) for r in results.rows] == [("library", 1000), ("library", 480), ("library", 320)]
    assert results.matching_allocated_fen == 0
    assert results.rows[0].library_ledger is not None and results.rows[0].library_ledger.water_level == F(4, 5)


def test_equal_ranks_share_the_last_slice_of_matching() -> None:
    # Q and R tie on A, raised and time (rank 2, 2). Pool 250: P full 100, the rank-2 group
    # (100 + 100) shares the last 150: 75 each.
    entries = [entry("P", (90,), 100, 0), entry("R", (80,), 100, 0), entry("Q", (80,), 100, 0)]
    results = compute_results(entries, ReviewRules(min_reviews=1), MatchingRules(pool_fen=250), LibraryRules())
    assert [(r.ref, r.rank, r.matching_fen) for r in results.rows] == [("P", 1, 100), ("Q", 2, 75), ("R", 2, 75)]


def test_duplicate_refs_are_refused() -> None:
    with pytest.raises(ValueError):
        compute_results([entry("A", (1,), 0, 0), entry("A", (2,), 0, 0)], ReviewRules(), MatchingRules(), LibraryRules())


# --- properties ------------------------------------------------------------------------------


@st.composite
def calls(draw: st.DrawFn) -> tuple[list[Entry], ReviewRules, MatchingRules, LibraryRules]:
    n = draw(st.integers(0, 10))
    entries = [
        entry(
            f"S{i:02d}",
            tuple(draw(st.lists(st.sampled_from([40, 60, 70, "72.5", 80, 95]), max_size=5))),
            draw(st.sampled_from([0, 1, 333, 100_000]) | st.integers(0, 500_000)),
            draw(st.integers(0, 300_000)),
            draw(st.integers(0, 2)),
        )
        for i in range(n)
    ]
    review = ReviewRules(
        min_reviews=draw(st.integers(1, 3)),
        aggregate=draw(st.sampled_from(["mean", "trimmed_mean", "median"])),
        trim_from=draw(st.integers(3, 5)),
        shortlist_min_score=draw(st.sampled_from([F(0), F(60), F(70)])),
        shortlist_size=draw(st.integers(0, 6)),
    )
    cap = st.none() | st.integers(0, 200_000)
    policies = st.sampled_from(["rank_order", "pro_rata", "water_fill"])
    tiers = st.lists(st.builds(lambda lo, span, r: Tier(lo, lo + span, r), st.integers(1, 4), st.integers(0, 3),
                               st.sampled_from([F(1, 3), F(1, 2), F(2)])), max_size=2).map(tuple)
    matching = MatchingRules(
        pool_fen=draw(st.integers(0, 1_000_000)), award_top=draw(st.integers(0, 12)),
        ratio=draw(st.sampled_from([F(1), F(1, 3), F(3, 2)])), tiers=draw(tiers), cap_fen=draw(cap), policy=draw(policies),
    )
    library = LibraryRules(pool_fen=draw(st.integers(0, 600_000)), cap_fen=draw(cap), policy=draw(policies))
    return entries, review, matching, library


@settings(max_examples=200, deadline=None)
@given(calls(), st.randoms(use_true_random=False))
def test_results_independent_of_input_order_and_repeatable(call: tuple[list[Entry], ReviewRules, MatchingRules, LibraryRules], rnd: random.Random) -> None:
    entries, review, matching, library = call
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    first = compute_results(entries, review, matching, library)
    assert compute_results(shuffled, review, matching, library) == first
    assert compute_results(entries, review, matching, library) == first


def _check_invariants(results: Results, entries: list[Entry], matching: MatchingRules) -> None:
    assert results.matching_allocated_fen == sum(r.matching_fen for r in results.rows) <= results.matching_pool_fen
    assert results.library_allocated_fen == sum(r.library_grant_fen for r in results.rows) <= results.library_pool_fen
    ranked = [r for r in results.rows if r.rank is not None]
    assert results.rows[: len(ranked)] == tuple(ranked)
    assert [(r.rank, r.ref) for r in ranked] == sorted((r.rank, r.ref) for r in ranked)
    unranked = [r.ref for r in results.rows[len(ranked):]]
    assert unranked == sorted(unranked)
    by_ref = {e.ref: e for e in entries}
    candidates = [r for r in ranked if r.shortlisted and r.rank is not None and r.rank <= matching.award_top]
    demand = 0
    for r in results.rows:
        assert r.outcome == (
            "unranked" if r.rank is None else "not_shortlisted" if not r.shortlisted else "matched" if r.matching_fen else "library"
        )
        assert (r.ledger is not None) == (r in candidates)
        assert (r.library_ledger is not None) == (r.outcome == "library")
        if r.library_grant_fen:
            assert r.outcome == "library"
        if r.ledger is not None:
            assert r.ledger.demand_fen == floor_fen(r.ledger.ratio * by_ref[r.ref].raised_fen)  # type: ignore[operator]
            assert 0 <= r.matching_fen <= r.ledger.capped_fen <= r.ledger.demand_fen
            demand += r.ledger.capped_fen
        if r.library_ledger is not None:
            assert r.library_ledger.demand_fen == r.requested_fen
            assert r.library_grant_fen <= r.library_ledger.capped_fen <= r.requested_fen
    assert results.matching_allocated_fen == min(demand, matching.pool_fen)


@settings(max_examples=200, deadline=None)
@given(calls())
def test_results_invariants(call: tuple[list[Entry], ReviewRules, MatchingRules, LibraryRules]) -> None:
    entries, review, matching, library = call
    results = compute_results(entries, review, matching, library)
    _check_invariants(results, entries, matching)
    assert [r["ref"] for r in results_csv_rows(results)] == [r.ref for r in results.rows]


# --- purity ----------------------------------------------------------------------------------


def test_engine_modules_import_only_the_stdlib_and_each_other() -> None:
    allowed = {"__future__", "dataclasses", "datetime", "decimal", "fractions", "itertools", "math", "typing", "enum",
               "unicodedata"}
    for module in MODULES:
        tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed or name in ENGINE, (module, name)


def test_engine_runs_without_flask_or_sqlalchemy_loaded() -> None:
    # A stand-in package, so that only the engine's own files are executed (tests/unit/test_structure.py
    # checks the real package); neither flask nor sqlalchemy may get imported.
    script = f"""
import sys, types
pkg = types.ModuleType("gongyi"); pkg.__path__ = [{str(SRC / "gongyi")!r}]
sys.modules["gongyi"] = pkg
import gongyi.results.engine
assert "flask" not in sys.modules and "sqlalchemy" not in sys.modules, sorted(sys.modules)
print("pure")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "pure"

