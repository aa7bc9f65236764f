"""Typed scores to hundredths, and the calibration statistics, exactly."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongyi.review.scoring import ScoredReview, ScoreError, calibrate, centi_stats, parse_score, points, stats


@pytest.mark.parametrize("typed, centi", [
    ("16", 1600), ("16.5", 1650), ("16.25", 1625), (" 7 ", 700), ("０.５", 50), ("１８．２５", 1825), (".5", 50),
    ("20", 2000), ("0", 0), ("", None), ("  ", None), (None, None),
])
def test_accepted_scores(typed, centi) -> None:
    assert parse_score(typed, 20) == centi


@pytest.mark.parametrize("typed, message", [
    ("20.01", "满分"), ("100", "满分"), ("16.255", "两位小数"), ("0.001", "两位小数"), ("-1", "负数"), ("-0.5", "负数"),
    ("abc", "数字"), ("16,5", "数字"), ("1e1", "数字"), ("NaN", "数字"), ("Infinity", "数字"), ("十六", "数字"),
])
def test_refused_scores(typed, message) -> None:
    with pytest.raises(ScoreError, match=message):
        parse_score(typed, 20)


@given(st.integers(1, 200).flatmap(lambda m: st.tuples(st.just(m), st.integers(0, m * 100))))
def test_every_shown_score_reads_back_exactly(case) -> None:
    maximum, centi = case
    assert parse_score(str(points(centi)), maximum) == centi


def test_stats_are_exact() -> None:
    s = stats([Fraction(70), Fraction(80), Fraction(91)])
    assert s.mean == Fraction(241, 3)
    # population variance: ((-31/3)^2 + (-1/3)^2 + (32/3)^2) / 3 = (961 + 1 + 1024) / 27 = 662/9
    assert s.sd == (Decimal(662) / Decimal(9)).sqrt()
    assert stats([]).mean is None and stats([Fraction(5)]).sd == 0 and stats([Fraction(5)]).z(Fraction(5)) is None


def test_calibration_z_scores_need_five_reviews_and_disagreement_is_strictly_above_threshold() -> None:
    reviews = [ScoredReview(i, 1, i, centi) for i, centi in enumerate([5000, 6000, 7000, 8000, 9000], start=1)]
    reviews += [ScoredReview(10, 2, 1, 7000), ScoredReview(11, 2, 2, 8000)]
    result = calibrate(reviews, threshold=Fraction(20))
    assert set(result.z_scores) == {1, 2, 3, 4, 5}
    assert result.z_scores[3] == 0 and result.z_scores[1] == -result.z_scores[5]
    assert result.spreads == {1: Fraction(20), 2: Fraction(20)} and result.disagreements == frozenset()
    assert calibrate(reviews, threshold=Fraction("19.99")).disagreements == {1, 2}


@pytest.mark.parametrize("typed, kind", [
    ("1e1", "not_a_number"), ("1E1", "not_a_number"), ("NaN", "not_a_number"), ("-Infinity", "not_a_number"),
    ("1_0", "not_a_number"), ("+5", "not_a_number"), ("٣", "not_a_number"), ("16,5", "not_a_number"), (".", "not_a_number"),
    ("-0", "negative"), ("-0.00", "negative"), ("-1", "negative"), ("－１", "negative"),
    ("16.255", "decimals"), ("0." + "0" * 40 + "1", "decimals"), ("1.0000000000000000000000000000001", "decimals"),
    ("20.01", "above_maximum"), ("9" * 40, "above_maximum"),
])
def test_one_reading_of_a_score_for_the_form_and_the_package(typed, kind) -> None:
    """The scoring form and reviews.csv refuse the same texts for the same reason (the package
    reports `kind` in its own words); "1e1" and "-0" are refused by both."""
    with pytest.raises(ScoreError) as exc:
        parse_score(typed, 20)
    assert exc.value.kind == kind


@pytest.mark.parametrize("typed, centi", [("16.250", 1625), ("016", 1600), ("16.", 1600), ("0.00", 0), ("２０", 2000)])
def test_trailing_zeros_leading_zeros_and_full_width_digits_are_read_exactly(typed, centi) -> None:
    assert parse_score(typed, 20) == centi


@given(st.lists(st.integers(0, 10_000), max_size=40))
def test_stats_in_hundredths_are_the_stats_of_the_points(centis) -> None:
    fast, plain = centi_stats(centis), stats(Fraction(c, 100) for c in centis)
    assert (fast.n, fast.mean, fast.sd) == (plain.n, plain.mean, plain.sd)


@given(st.decimals(min_value=-1000, max_value=1000, allow_nan=False, places=6))
def test_a_decimal_rounds_to_two_places_as_its_exact_fraction_does(value) -> None:
    from gongyi.formatting import exact2
    from gongyi.results.rank import round_half_up_2

    assert exact2(value) == str(round_half_up_2(Fraction(value)))


@given(st.from_regex(r"\A[0-9]{1,4}(\.[0-9]{0,4})?\Z"))
def test_typed_digits_read_as_their_exact_decimal_value(text) -> None:
    exact = Fraction(Decimal(text)) * 100
    try:
        centi = parse_score(text, 100)
    except ScoreError as exc:
        assert exc.kind == ("decimals" if exact.denominator != 1 else "above_maximum")
        assert exact.denominator != 1 or exact > 10_000
    else:
        assert exact.denominator == 1 and centi == exact <= 10_000
