"""Aggregates, display rounding, ranking and the shortlist (competition-rules.md sections 3 and 4)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongyi.results.rank import Entry, ReviewRules, aggregate_score, rank_submissions, round_half_up_2

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def entry(ref: str, *totals: int | F, raised: int = 0, minutes: int = 0, requested: int = 0) -> Entry:
    return Entry(ref, tuple(F(t) for t in totals), raised, T0 + timedelta(minutes=minutes), requested)


def places(entries: list[Entry], rules: ReviewRules) -> list[tuple[str, int | None, bool]]:
    return [(r.ref, r.rank, r.shortlisted) for r in rank_submissions(entries, rules)]


# --- aggregate -------------------------------------------------------------------------------


def test_mean_is_exact() -> None:
    # (70 + 80 + 91) / 3 = 241/3 = 80.333..., kept exact
    assert aggregate_score([F(70), F(80), F(91)], "mean", 5) == F(241, 3)


def test_trimmed_mean_below_trim_from_is_plain_mean() -> None:
    # n = 4 < 5: (10 + 60 + 70 + 100) / 4 = 60
    assert aggregate_score([F(10), F(60), F(70), F(100)], "trimmed_mean", 5) == 60


def test_trimmed_mean_at_exactly_trim_from_drops_one_high_and_one_low() -> None:
    # n = 5 == trim_from: drop 10 and 100 -> (60 + 70 + 80) / 3 = 70
    assert aggregate_score([F(100), F(60), F(10), F(80), F(70)], "trimmed_mean", 5) == 70
    # trim_from = 3, n = 3: drop 10 and 90 -> 50
    assert aggregate_score([F(90), F(10), F(50)], "trimmed_mean", 3) == 50


def test_trimmed_mean_drops_only_one_of_equal_extremes() -> None:
    # sorted 50, 50, 60, 90, 90: drop one 50 and one 90 -> (50 + 60 + 90) / 3 = 200/3
    assert aggregate_score([F(90), F(50), F(90), F(60), F(50)], "trimmed_mean", 5) == F(200, 3)


def test_median_odd_and_even() -> None:
    assert aggregate_score([F(3), F(1), F(2)], "median", 5) == 2
    # even: sorted 1, 2, 3, 10 -> (2 + 3) / 2 = 5/2
    assert aggregate_score([F(10), F(1), F(3), F(2)], "median", 5) == F(5, 2)


def test_decimal_scores_are_exact() -> None:
    # 77.5 + 80.25 = 157.75, / 2 = 78.875
    assert aggregate_score([F("77.5"), F("80.25")], "mean", 5) == F("78.875")


def test_no_complete_review_has_no_aggregate() -> None:
    for rule in ("mean", "trimmed_mean", "median"):
        assert aggregate_score([], rule, 5) is None


def test_aggregate_refuses_floats_and_unknown_rules() -> None:
    with pytest.raises(TypeError):
        aggregate_score([0.1, F(1)], "mean", 5)  # type: ignore[list-item]
    with pytest.raises(ValueError):
        aggregate_score([F(1)], "mode", 5)
    with pytest.raises(ValueError):
        aggregate_score([F(1)], "trimmed_mean", 2)


# --- display rounding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (F("77.125"), "77.13"),  # the half goes up
        (F("77.115"), "77.12"),  # exact, no binary-float surprise
        (F("77.1249999"), "77.12"),
        (F(241, 3), "80.33"),
        (F(2, 3), "0.67"),
        (F(1, 200), "0.01"),
        (F(0), "0.00"),
        (F(100), "100.00"),
        (F(-77125, 1000), "-77.13"),
    ],
)
def test_round_half_up_2(value: F, shown: str) -> None:
    result = round_half_up_2(value)
    assert isinstance(result, Decimal)
    assert str(result) == shown


# --- ranking ---------------------------------------------------------------------------------


def test_equal_keys_share_a_rank_1_2_2_4() -> None:
    rules = ReviewRules(tie_breakers=(), min_reviews=1)
    entries = [entry("d", 70), entry("c", 80), entry("b", 80), entry("a", 90)]
    assert places(entries, rules) == [("a", 1, True), ("b", 2, True), ("c", 2, True), ("d", 4, True)]


def test_default_tie_breakers_raised_desc_then_submitted_asc() -> None:
    # All A = 80. x raised most -> 1; y and z raised the same, y submitted earlier -> 2, z -> 3;
    # w and v equal on A, R and time -> share rank 4 (listed by ref).
    entries = [
        entry("x", 80, 80, 80, raised=5000, minutes=30),
        entry("z", 80, 80, 80, raised=3000, minutes=20),
        entry("y", 80, 80, 80, raised=3000, minutes=10),
        entry("w", 80, 80, 80, raised=1000, minutes=0),
        entry("v", 80, 80, 80, raised=1000, minutes=0),
    ]
    assert places(entries, ReviewRules()) == [
        ("x", 1, True), ("y", 2, True), ("z", 3, True), ("v", 4, True), ("w", 4, True)
    ]


def test_other_tie_breakers_and_their_order() -> None:
    p = entry("p", 70, 70, 70, raised=100, minutes=5)
    q = entry("q", 70, 70, 70, raised=200, minutes=1)
    assert places([p, q], ReviewRules(tie_breakers=("raised_asc",))) == [("p", 1, True), ("q", 2, True)]
    assert places([p, q], ReviewRules(tie_breakers=("submitted_desc",))) == [("p", 1, True), ("q", 2, True)]
    assert places([p, q], ReviewRules(tie_breakers=("submitted_asc", "raised_asc"))) == [("q", 1, True), ("p", 2, True)]
    # the score always comes first: a higher A wins whatever the tie breakers say
    r = entry("r", 71, 71, 71, raised=0, minutes=99)
    assert places([p, q, r], ReviewRules())[0] == ("r", 1, True)


def test_same_instant_in_different_offsets_is_a_tie() -> None:
    utc = Entry("u", (F(70),) * 3, 0, datetime(2024, 3, 1, 1, 0, tzinfo=timezone.utc))
    cst = Entry("c", (F(70),) * 3, 0, T0)  # 09:00 +08:00 == 01:00 UTC
    assert places([utc, cst], ReviewRules()) == [("c", 1, True), ("u", 1, True)]


def test_comparisons_use_the_exact_aggregate() -> None:
    # 80.004 and 80.001 both show as 80.00 but are not tied
    rules = ReviewRules(min_reviews=1, tie_breakers=())
    assert places([entry("a", F("80.001")), entry("b", F("80.004"))], rules) == [("b", 1, True), ("a", 2, True)]


def test_unranked_below_min_reviews_still_get_an_aggregate_and_come_last_by_ref() -> None:
    entries = [entry("m", 95, 95), entry("k", 50, 60, 70), entry("a"), entry("b", 90, 90, 90)]
    result = rank_submissions(entries, ReviewRules())
    assert [(r.ref, r.complete_reviews, r.aggregate, r.rank, r.shortlisted) for r in result] == [
        ("b", 3, F(90), 1, True),
        ("k", 3, F(60), 2, True),  # exactly the line: shortlisted
        ("a", 0, None, None, False),
        ("m", 2, F(95), None, False),
    ]


def test_shortlist_min_score_is_inclusive() -> None:
    rules = ReviewRules(min_reviews=1, shortlist_min_score=F("60.5"))
    assert places([entry("a", F("60.5")), entry("b", F("60.49"))], rules) == [("a", 1, True), ("b", 2, False)]


def test_shortlist_size_cutting_through_a_tie_keeps_everyone_at_that_rank() -> None:
    entries = [entry("a", 90), entry("b", 80), entry("c", 80), entry("d", 70)]
    assert places(entries, ReviewRules(min_reviews=1, tie_breakers=(), shortlist_size=2)) == [
        ("a", 1, True), ("b", 2, True), ("c", 2, True), ("d", 4, False)
    ]
    assert places(entries, ReviewRules(min_reviews=1, tie_breakers=(), shortlist_size=3))[3] == ("d", 4, False)
    assert places(entries, ReviewRules(min_reviews=1, tie_breakers=(), shortlist_size=1))[1:] == [
        ("b", 2, False), ("c", 2, False), ("d", 4, False)
    ]


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        Entry("a", (), 0, datetime(2024, 1, 1))  # naive datetime
    with pytest.raises(TypeError):
        Entry("a", (80.5,), 0, T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Entry("a", (), -1, T0)
    with pytest.raises(ValueError):
        ReviewRules(tie_breakers=("alphabetical",))
    with pytest.raises(ValueError):
        ReviewRules(trim_from=2)
    with pytest.raises(ValueError):
        rank_submissions([entry("a", 1), entry("a", 2)], ReviewRules())


# --- properties ------------------------------------------------------------------------------

scores = st.integers(0, 10000).map(lambda n: F(n, 100))
entries_strategy = st.lists(
    st.builds(
        lambda totals, raised, minutes: (tuple(totals), raised, minutes),
        st.lists(st.sampled_from([F(60), F(70), F("75.5"), F(80)]) | scores, max_size=6),
        st.sampled_from([0, 100, 5000]),
        st.integers(0, 3),
    ),
    max_size=12,
).map(lambda items: [Entry(f"S{i:02d}", t, r, T0 + timedelta(minutes=m)) for i, (t, r, m) in enumerate(items)])
rules_strategy = st.builds(
    ReviewRules,
    min_reviews=st.integers(1, 4),
    aggregate=st.sampled_from(["mean", "trimmed_mean", "median"]),
    trim_from=st.integers(3, 6),
    shortlist_min_score=st.sampled_from([F(0), F(60), F("75.5")]),
    shortlist_size=st.integers(0, 5),
    tie_breakers=st.lists(st.sampled_from(["raised_desc", "raised_asc", "submitted_asc", "submitted_desc"]), max_size=2).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(entries_strategy, rules_strategy, st.randoms(use_true_random=False))
def test_ranking_is_independent_of_input_order(entries: list[Entry], rules: ReviewRules, rnd: random.Random) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert rank_submissions(shuffled, rules) == rank_submissions(entries, rules)


@settings(max_examples=150, deadline=None)
@given(entries_strategy, rules_strategy)
def test_ranking_invariants(entries: list[Entry], rules: ReviewRules) -> None:
    result = rank_submissions(entries, rules)
    assert sorted(r.ref for r in result) == sorted(e.ref for e in entries)
    ranked = [r for r in result if r.rank is not None]
    assert [r.complete_reviews >= rules.min_reviews for r in result] == [True] * len(ranked) + [False] * (len(result) - len(ranked))
    for position, r in enumerate(ranked):
        # the rank is 1 + the number strictly ahead: the position of the first of its group
        first = next(i for i, other in enumerate(ranked) if other.rank == r.rank)
        assert r.rank == first + 1
        assert r.rank <= position + 1
        if position:
            previous = ranked[position - 1]
            assert previous.aggregate is not None and r.aggregate is not None
            assert previous.aggregate >= r.aggregate
            assert (previous.rank, previous.ref) < (r.rank, r.ref)
        expected = r.aggregate is not None and r.aggregate >= rules.shortlist_min_score and (
            rules.shortlist_size == 0 or r.rank <= rules.shortlist_size
        )
        assert r.shortlisted == expected
    unranked = [r.ref for r in result if r.rank is None]
    assert unranked == sorted(unranked)


def test_mean_never_trims_even_from_trim_from_reviews_on() -> None:
    # n = 5 = trim_from: the mean of 10 20 30 40 100 is 40 (a trimmed mean would be 30)
    assert aggregate_score([F(10), F(20), F(30), F(40), F(100)], "mean", 5) == 40
    assert aggregate_score([F(10), F(20), F(30), F(40), F(100)], "mean", 3) == 40
    # median ignores trim_from too: the middle of five is 30
    assert aggregate_score([F(100), F(10), F(30), F(20), F(40)], "median", 3) == 30
