"""Rounds, weighted panels, advancement, holds and minimum donors (competition-rules.md
sections 3 to 7, version 2), worked by hand, and the properties that tie them to version 1."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongyi.funding.allocate import LibraryRules, MatchingRules, Tier
from gongyi.funding.counted import FundLine, FundsRules, count_funds
from gongyi.funding.sources import FUND_SOURCES
from gongyi.results.engine import compute_results, results_csv_rows
from gongyi.results.rank import Entry, Panel, ReviewRules, ReviewTotal, Round, rank_submissions
from tests.unit.v1_reference import v1_results

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
MEAN_1 = dict(aggregate="mean", trim_from=5)


def sub(ref: str, reviews: dict[tuple[str, str], list[int | str]], raised: int = 0, requested: int = 0,
        minutes: int = 0, donors: int = 1, held: bool = False) -> Entry:
    totals = tuple(ReviewTotal(r, p, F(t)) for (r, p), values in reviews.items() for t in values)
    return Entry(ref, (), raised, T0 + timedelta(minutes=minutes), requested, totals, donors, held)


def places(result) -> list[tuple]:
    return [(r.ref, r.round, r.complete_reviews, r.aggregate, r.rank, r.shortlisted) for r in result]


EXPERT = (Panel("expert", F(1), 1),)
SEVEN_THREE = (Panel("expert", F("0.7"), 1), Panel("public", F("0.3"), 1))


# --- two rounds, a tie across the advance line -----------------------------------------------

# Round "online" (experts only, mean, one review needed, advance 2): A 90, B 80, C 80, D 70, E 60.
# No tie-breakers, so B and C share rank 2: both advance ("ties across the line advance together").
# Round "final" (expert 0.7, public 0.3, mean):
#   A: 0.7 x 80 + 0.3 x 60 = 56 + 18 = 74
#   B: 0.7 x 70 + 0.3 x 90 = 49 + 27 = 76
#   C: 0.7 x (70 + 80) / 2 + 0.3 x 70 = 52.5 + 21 = 73.5
# D did not advance: its final reviews (100, 100) are kept but do not count. Final ranks B 1, A 2, C 3.
TWO_ROUNDS = ReviewRules(shortlist_min_score=F(60), tie_breakers=(), rounds=(
    Round("online", panels=EXPERT, advance=2, **MEAN_1),
    Round("final", panels=SEVEN_THREE, **MEAN_1),
))
TWO_ROUND_ENTRIES = [
    sub("A", {("online", "expert"): [90], ("final", "expert"): [80], ("final", "public"): [60]}),
    sub("B", {("online", "expert"): [80], ("final", "expert"): [70], ("final", "public"): [90]}),
    sub("C", {("online", "expert"): [80], ("final", "expert"): [70, 80], ("final", "public"): [70]}),
    sub("D", {("online", "expert"): [70], ("final", "expert"): [100], ("final", "public"): [100]}),
    sub("E", {("online", "expert"): [60]}),
]


def test_two_rounds_with_a_tie_across_the_advance_line() -> None:
    result = rank_submissions(TWO_ROUND_ENTRIES, TWO_ROUNDS)
    assert places(result) == [
        ("B", "final", 2, F(76), 1, True),
        ("A", "final", 2, F(74), 2, True),
        ("C", "final", 3, F("73.5"), 3, True),
        ("D", "online", 1, F(70), 4, False),
        ("E", "online", 1, F(60), 5, False),
    ]
    c = next(r for r in result if r.ref == "C")
    assert [(p.round, p.rank, p.advanced) for p in c.rounds] == [("online", 2, True), ("final", 3, False)]
    assert [(p.panel, p.complete_reviews, p.aggregate) for p in c.rounds[1].panels] == [("expert", 2, 75), ("public", 1, 70)]
    d = next(r for r in result if r.ref == "D")
    assert [(p.round, p.rank, p.advanced) for p in d.rounds] == [("online", 4, False)]


def test_two_rounds_results_and_csv_order_last_round_first() -> None:
    results = compute_results(TWO_ROUND_ENTRIES, TWO_ROUNDS, MatchingRules(pool_fen=10**9), LibraryRules())
    rows = results_csv_rows(results)
    assert [(r["ref"], r["round"], r["rank"], r["aggregate"], r["outcome"]) for r in rows] == [
        ("B", "final", "1", "76.00", "library"),  # nothing raised: matching 0, so the library
        ("A", "final", "2", "74.00", "library"),
        ("C", "final", "3", "73.50", "library"),
        ("D", "online", "4", "70.00", "not_shortlisted"),
        ("E", "online", "5", "60.00", "not_shortlisted"),
    ]


def test_a_tie_breaker_decides_the_line_when_there_is_one() -> None:
    # raised_desc: C raised more than B, so C is 2nd and B 3rd: only A and C advance.
    rules = ReviewRules(tie_breakers=("raised_desc",), rounds=TWO_ROUNDS.rounds)
    entries = [e if e.ref != "C" else sub("C", {("online", "expert"): [80]}, raised=500) for e in TWO_ROUND_ENTRIES]
    result = {r.ref: r for r in rank_submissions(entries, rules)}
    assert (result["B"].round, result["B"].rank) == ("online", 3)
    assert result["C"].round == "final" and result["A"].round == "final"


def test_advance_min_score_and_the_advance_limit_together() -> None:
    # advance 3 and at least 75: A 90, B 80, C 80 pass both; D 70 has rank 4 and is below 75.
    rules = ReviewRules(tie_breakers=(), rounds=(Round("online", panels=EXPERT, advance=0, advance_min_score=F(80), **MEAN_1),
                                                 Round("final", panels=SEVEN_THREE, **MEAN_1)))
    result = {r.ref: r.round for r in rank_submissions(TWO_ROUND_ENTRIES, rules)}
    assert result == {"A": "final", "B": "final", "C": "final", "D": "online", "E": "online"}


def test_unranked_in_an_earlier_round_stays_there_as_unranked() -> None:
    entries = TWO_ROUND_ENTRIES + [sub("F", {("final", "expert"): [99], ("final", "public"): [99]})]
    results = compute_results(entries, TWO_ROUNDS, MatchingRules(), LibraryRules())
    f = next(r for r in results.rows if r.ref == "F")
    assert (f.round, f.complete_reviews, f.aggregate, f.rank, f.outcome) == ("online", 0, None, None, "unranked")
    assert results.rows[-1].ref == "F"  # unranked last in its round


# --- three rounds ----------------------------------------------------------------------------

# r1 (advance 4): A 90, B 85, C 80, D 70, E 70, F 60 -> ranks 1 2 3 4 4 6: A to E advance.
# r2 (advance 2): E 90, B 80, C 80, A 70, D 50 -> ranks 1 2 2 4 5: E, B, C advance.
# r3 (last, shortlist_size 1): B 75, C 75, E 70 -> B 1, C 1, E 3: B and C shortlisted (tie at the cut).
THREE_ROUNDS = ReviewRules(shortlist_min_score=F(0), shortlist_size=1, tie_breakers=(), rounds=(
    Round("r1", panels=EXPERT, advance=4, **MEAN_1),
    Round("r2", panels=EXPERT, advance=2, **MEAN_1),
    Round("r3", panels=EXPERT, **MEAN_1),
))


def test_three_rounds_with_ties_at_both_lines() -> None:
    scores = {"A": (90, 70, None), "B": (85, 80, 75), "C": (80, 80, 75), "D": (70, 50, None), "E": (70, 90, 70),
              "F": (60, None, None)}
    entries = [sub(ref, {(f"r{i + 1}", "expert"): [v] for i, v in enumerate(values) if v is not None})
               for ref, values in scores.items()]
    assert places(rank_submissions(entries, THREE_ROUNDS)) == [
        ("B", "r3", 1, F(75), 1, True),
        ("C", "r3", 1, F(75), 1, True),
        ("E", "r3", 1, F(70), 3, False),
        ("A", "r2", 1, F(70), 4, False),
        ("D", "r2", 1, F(50), 5, False),
        ("F", "r1", 1, F(60), 6, False),
    ]


# --- panels ----------------------------------------------------------------------------------


def test_panels_seven_three_with_a_trimmed_mean_in_one_panel() -> None:
    # trimmed_mean from 3 reviews on, per panel: experts 60 70 80 90 100 (n 5): drop 60 and 100 -> 80;
    # public 50 90 (n 2 < 3): plain mean 70. A = 0.7 x 80 + 0.3 x 70 = 77; n = 7.
    rules = ReviewRules(rounds=(Round("final", "trimmed_mean", 3, (Panel("expert", F("0.7"), 3), Panel("public", F("0.3"), 2))),))
    entry = sub("A", {("final", "expert"): [60, 70, 80, 90, 100], ("final", "public"): [50, 90]})
    (placed,) = rank_submissions([entry], rules)
    assert (placed.complete_reviews, placed.aggregate, placed.rank) == (7, F(77), 1)
    assert [(p.panel, p.complete_reviews, p.aggregate) for p in placed.rounds[0].panels] == [("expert", 5, 80), ("public", 2, 70)]


def test_a_panel_without_reviews_gives_no_aggregate_and_no_rank() -> None:
    rules = ReviewRules(rounds=(Round("final", panels=SEVEN_THREE, **MEAN_1),))
    (placed,) = rank_submissions([sub("A", {("final", "expert"): [90, 80, 70]})], rules)
    assert (placed.complete_reviews, placed.aggregate, placed.rank, placed.shortlisted) == (3, None, None, False)
    row = results_csv_rows(compute_results([sub("A", {("final", "expert"): [90, 80, 70]})], rules, MatchingRules(),
                                           LibraryRules()))[0]
    assert (row["complete_reviews"], row["aggregate"], row["rank"], row["outcome"]) == ("3", "", "", "unranked")


def test_a_panel_below_its_min_reviews_is_unranked_but_shows_its_aggregate() -> None:
    rules = ReviewRules(rounds=(Round("final", panels=(Panel("expert", F("0.7"), 3), Panel("public", F("0.3"), 1)), **MEAN_1),))
    (placed,) = rank_submissions([sub("A", {("final", "expert"): [90, 80], ("final", "public"): [70]})], rules)
    assert (placed.aggregate, placed.rank) == (F("0.7") * 85 + F("0.3") * 70, None)


def test_reviews_of_an_unknown_round_or_panel_are_ignored() -> None:
    rules = ReviewRules(rounds=(Round("final", panels=EXPERT, **MEAN_1),))
    entry = sub("A", {("final", "expert"): [80], ("final", "media"): [10], ("online", "expert"): [0]})
    (placed,) = rank_submissions([entry], rules)
    assert (placed.complete_reviews, placed.aggregate) == (1, 80)


def test_mean_never_trims_even_with_at_least_trim_from_reviews() -> None:
    # 10 20 30 40 100 (n 5 = trim_from): mean 40, not the trimmed 30.
    rules = ReviewRules(rounds=(Round("r", "mean", 5, (Panel("expert", F(1), 1),)),))
    (placed,) = rank_submissions([sub("A", {("r", "expert"): [10, 20, 30, 40, 100]})], rules)
    assert placed.aggregate == 40


# --- holds and minimum donors ----------------------------------------------------------------

# One round, experts, mean, one review; min_donors 2. Matching pool 1,000.00, ratio 1, award_top 4;
# library pool 500.00, rank_order.
#   P 90, R 300.00, 2 donors -> candidate: matched 300.00
#   Q 85, R 400.00, 2 donors, held -> ranked 2 as usual, no matching, no library grant
#   R 80, R 500.00, 3 donors -> candidate (rank 3: the held Q does not move it up): matched 500.00
#   S 75, R 900.00, 1 donor -> within award_top but below min_donors: not a candidate, so a
#     library project: L = requested 300.00, within the library pool.
HOLD_RULES = ReviewRules(min_reviews=1, aggregate="mean", shortlist_min_score=F(60), tie_breakers=())
HOLD_ENTRIES = [
    Entry("P", (F(90),), 30_000, T0, 20_000, donors=2),
    Entry("Q", (F(85),), 40_000, T0, 20_000, donors=2, held=True),
    Entry("R", (F(80),), 50_000, T0, 20_000, donors=3),
    Entry("S", (F(75),), 90_000, T0, 30_000, donors=1),
]


def test_holds_keep_the_rank_and_min_donors_sends_a_project_to_the_library() -> None:
    results = compute_results(HOLD_ENTRIES, HOLD_RULES, MatchingRules(pool_fen=100_000, award_top=4),
                              LibraryRules(pool_fen=50_000), FundsRules(min_donors=2))
    assert [(r.ref, r.rank, r.outcome, r.matching_fen, r.library_grant_fen, r.held) for r in results.rows] == [
        ("P", 1, "matched", 30_000, 0, False),
        ("Q", 2, "held", 0, 0, True),
        ("R", 3, "matched", 50_000, 0, False),
        ("S", 4, "library", 0, 30_000, False),
    ]
    rows = {r.ref: r for r in results.rows}
    assert rows["Q"].ledger is None and rows["Q"].library_ledger is None
    assert rows["S"].ledger is None and rows["S"].library_ledger is not None
    assert results.matching_allocated_fen == 80_000


def test_a_held_project_frees_its_matching_for_the_next_ones() -> None:
    # Pool 700.00, rank_order: without the hold P 300 + Q 400 use it all; with Q held, R gets 400 of its 500.
    matching = MatchingRules(pool_fen=70_000, award_top=3)
    free = [e if e.ref != "Q" else Entry("Q", (F(85),), 40_000, T0, 20_000, donors=2) for e in HOLD_ENTRIES]
    assert [r.matching_fen for r in compute_results(free, HOLD_RULES, matching, LibraryRules()).rows][:3] == [30_000, 40_000, 0]
    assert [r.matching_fen for r in compute_results(HOLD_ENTRIES, HOLD_RULES, matching, LibraryRules()).rows][:3] == [30_000, 0, 40_000]


def test_a_held_project_that_is_not_shortlisted_keeps_its_outcome() -> None:
    entry = Entry("Z", (F(10),), 0, T0, 0, held=True)
    (row,) = compute_results([entry], HOLD_RULES, MatchingRules(), LibraryRules()).rows
    assert (row.outcome, row.held) == ("not_shortlisted", True)


def test_library_pool_runs_out_under_rank_order_with_a_pool_above_zero() -> None:
    # award_top 0: all three are library projects; L 300, 300, 300 and pool 500.00:
    # rank 1 in full (300), rank 2 shares the last 200, rank 3 gets 0.
    entries = [Entry(ref, (F(score),), 0, T0, 30_000) for ref, score in (("A", 90), ("B", 80), ("C", 70))]
    results = compute_results(entries, HOLD_RULES, MatchingRules(award_top=0), LibraryRules(pool_fen=50_000))
    assert [(r.outcome, r.library_grant_fen) for r in results.rows] == [("library", 30_000), ("library", 20_000),
                                                                        ("library", 0)]
    assert results.rows[2].library_ledger is not None and results.rows[2].library_ledger.step == "pool exhausted"
    assert results.library_allocated_fen == 50_000


# --- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda: Panel("expert", F(0)),
    lambda: Panel("expert", F(-1, 2)),
    lambda: Panel("expert", 0.5),  # type: ignore[arg-type]
    lambda: Panel("expert", F(1), 0),
    lambda: Round("r", panels=(Panel("a", F("0.7")), Panel("b", F("0.2")))),  # weights sum to 0.9
    lambda: Round("r", panels=(Panel("a", F("0.5")), Panel("a", F("0.5")))),  # a panel twice
    lambda: Round("r", panels=()),
    lambda: Round("r", advance=-1),
    lambda: Round("r", trim_from=2),
    lambda: Round("r", aggregate="mode"),
    lambda: Round("r", advance_min_score=60.0),  # type: ignore[arg-type]
    lambda: ReviewRules(rounds=(Round("a"), Round("a"))),
    lambda: ReviewRules(rounds=(Round("a"), Round("b", advance=3))),  # the last round has no advancement
    lambda: ReviewRules(rounds=(Round("a", advance_min_score=F(50)),)),
    lambda: Entry("a", (), 0, T0, donors=-1),
    lambda: Entry("a", (), 0, T0, reviews=(ReviewTotal("r", "p", 1.5),)),  # type: ignore[arg-type]
])
def test_bad_round_settings_are_refused(make) -> None:
    with pytest.raises((ValueError, TypeError)):
        make()


def test_totals_without_a_round_need_a_one_round_one_panel_call() -> None:
    with pytest.raises(ValueError):
        rank_submissions([Entry("a", (F(1),), 0, T0)], TWO_ROUNDS)


# --- properties ------------------------------------------------------------------------------


@st.composite
def v1_calls(draw):
    """Entries with funding lines, and version-1 settings."""
    n = draw(st.integers(0, 10))
    subs = []
    for i in range(n):
        totals = tuple(F(t) for t in draw(st.lists(st.sampled_from([40, 60, 70, "72.5", 80, 95]), max_size=6)))
        lines = draw(st.lists(st.builds(FundLine, st.sampled_from(FUND_SOURCES), st.sampled_from(["甲", "乙", ""]),
                                        st.integers(0, 200_000), st.sampled_from(["verified", "pending", "rejected"])),
                              max_size=4))
        subs.append((f"S{i:02d}", totals, lines, T0 + timedelta(minutes=draw(st.integers(0, 2))), draw(st.integers(0, 300_000))))
    review = ReviewRules(min_reviews=draw(st.integers(1, 3)), aggregate=draw(st.sampled_from(["mean", "trimmed_mean", "median"])),
                         trim_from=draw(st.integers(3, 5)), shortlist_min_score=draw(st.sampled_from([F(0), F(60), F(70)])),
                         shortlist_size=draw(st.integers(0, 6)),
                         tie_breakers=tuple(draw(st.lists(st.sampled_from(["raised_desc", "raised_asc", "submitted_asc",
                                                                             "submitted_desc"]), unique=True, max_size=2))))
    policies = st.sampled_from(["rank_order", "pro_rata", "water_fill"])
    matching = MatchingRules(pool_fen=draw(st.integers(0, 1_000_000)), award_top=draw(st.integers(0, 12)),
                             ratio=draw(st.sampled_from([F(1), F(1, 3), F(3, 2)])), cap_fen=draw(st.none() | st.integers(0, 200_000)),
                             tiers=draw(st.sampled_from([(), (Tier(1, 2, F(2)),)])), policy=draw(policies))
    library = LibraryRules(pool_fen=draw(st.integers(0, 600_000)), cap_fen=draw(st.none() | st.integers(0, 200_000)),
                           policy=draw(policies))
    return subs, review, matching, library


@settings(max_examples=200, deadline=None)
@given(v1_calls())
def test_one_round_one_panel_all_sources_gives_exactly_the_version_1_results(call) -> None:
    subs, review, matching, library = call
    all_sources = FundsRules(counted_sources=frozenset(FUND_SOURCES), donor_cap_fen=None, min_donors=0)
    v1_entries = [(ref, totals, sum(f.amount_fen for f in lines if f.status == "verified"), at, requested)
                  for ref, totals, lines, at, requested in subs]
    entries = []
    for ref, totals, lines, at, requested in subs:
        counted = count_funds(lines, all_sources)
        entries.append(Entry(ref, (), counted.raised_fen, at, requested, tuple(ReviewTotal("review", "expert", t) for t in totals),
                             counted.donors))
    rules = ReviewRules(shortlist_min_score=review.shortlist_min_score, shortlist_size=review.shortlist_size,
                        tie_breakers=review.tie_breakers,
                        rounds=(Round("review", review.aggregate, review.trim_from, (Panel("expert", F(1), review.min_reviews),)),))
    results = compute_results(entries, rules, matching, library, all_sources)
    assert [(r.ref, r.complete_reviews, r.aggregate, r.rank, r.outcome, r.counted_raised_fen, r.matching_fen,
             r.library_grant_fen) for r in results.rows] == v1_results(v1_entries, review, matching, library)
    # and the shorthand (totals, no rounds) is the same call
    shorthand = [Entry(e.ref, tuple(t.total for t in e.reviews), e.raised_fen, e.submitted_at, e.requested_fen, donors=e.donors)
                 for e in entries]
    assert compute_results(shorthand, review, matching, library) == results


@st.composite
def round_calls(draw):
    """Calls of one to three rounds with one to two panels, and entries reviewed in them."""
    count = draw(st.integers(1, 3))
    rounds = []
    for k in range(count):
        weights = draw(st.sampled_from([[F(1)], [F(7, 10), F(3, 10)], [F(1, 2), F(1, 2)]]))
        panels = tuple(Panel(code, w, draw(st.integers(1, 2))) for code, w in zip(["expert", "public"], weights))
        last = k == count - 1
        rounds.append(Round(f"r{k}", draw(st.sampled_from(["mean", "trimmed_mean", "median"])), draw(st.integers(3, 4)), panels,
                            0 if last else draw(st.integers(0, 4)), F(0) if last else draw(st.sampled_from([F(0), F(70)]))))
    rules = ReviewRules(shortlist_min_score=draw(st.sampled_from([F(0), F(60)])), shortlist_size=draw(st.integers(0, 3)),
                        tie_breakers=tuple(draw(st.lists(st.sampled_from(["raised_desc", "submitted_asc"]), unique=True))),
                        rounds=tuple(rounds))
    entries = []
    for i in range(draw(st.integers(0, 9))):
        reviews = tuple(ReviewTotal(draw(st.sampled_from([r.code for r in rounds])), draw(st.sampled_from(["expert", "public"])),
                                    F(draw(st.sampled_from([50, 60, 70, 80, 90]))))
                        for _ in range(draw(st.integers(0, 8))))
        entries.append(Entry(f"S{i}", (), draw(st.sampled_from([0, 100, 500])), T0 + timedelta(minutes=draw(st.integers(0, 1))),
                             draw(st.integers(0, 1000)), reviews, draw(st.integers(0, 2)), draw(st.booleans())))
    return entries, rules


@settings(max_examples=150, deadline=None)
@given(round_calls(), st.randoms(use_true_random=False))
def test_rounds_are_independent_of_input_order(call, rnd: random.Random) -> None:
    entries, rules = call
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert rank_submissions(shuffled, rules) == rank_submissions(entries, rules)


@settings(max_examples=150, deadline=None)
@given(round_calls())
def test_rounds_invariants(call) -> None:
    entries, rules = call
    result = rank_submissions(entries, rules)
    codes = [r.code for r in rules.rounds]
    assert sorted(r.ref for r in result) == sorted(e.ref for e in entries)
    # results order: by round (last first), then rank (unranked last), then ref
    keys = [(-codes.index(r.round), r.rank is None, r.rank or 0, r.ref) for r in result]
    assert keys == sorted(keys)
    for r in result:
        history = [p.round for p in r.rounds]
        assert history == codes[:len(history)] and history[-1] == r.round  # the rounds taken part in, in order
        assert all(p.advanced for p in r.rounds[:-1]) and not r.rounds[-1].advanced
        assert (r.complete_reviews, r.aggregate, r.rank) == (r.rounds[-1].complete_reviews, r.rounds[-1].aggregate,
                                                             r.rounds[-1].rank)
        assert r.shortlisted <= (r.round == codes[-1] and r.rank is not None)
    for index, rnd in enumerate(rules.rounds[:-1]):
        taking_part = [r for r in result if len(r.rounds) > index]
        placed = [r.rounds[index] for r in taking_part]
        for p in placed:
            # advanced exactly when ranked, at or above the minimum score, and within the line
            assert p.advanced == (p.rank is not None and p.aggregate >= rnd.advance_min_score
                                  and (rnd.advance == 0 or p.rank <= rnd.advance))
            if p.rank is not None:
                # ties across the line go through together: nobody of an advancing rank is left out
                same = [q for q in placed if q.rank == p.rank]
                assert len({q.advanced for q in same}) == 1
