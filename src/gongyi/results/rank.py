"""Aggregate scores, ranking and the shortlist (competition-rules.md sections 3 and 4).

Pure and exact: scores are Fractions, never floats, and the result does not depend on
the order in which entries are given. Stdlib only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Sequence

AGGREGATES = ("mean", "trimmed_mean", "median")
TIE_BREAKERS = ("raised_desc", "raised_asc", "submitted_asc", "submitted_desc")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def exact(value: Fraction | int | Decimal, what: str) -> Fraction:
    """An exact Fraction from an exact number; floats are refused because they are not exact."""
    if isinstance(value, (bool, float)) or not isinstance(value, (Fraction, int, Decimal)):
        raise TypeError(f"{what} must be an exact number (Fraction, int or Decimal), not {type(value).__name__}")
    return Fraction(value)


@dataclass(frozen=True)
class ReviewRules:
    """The review settings of a call (section 3 and 4), with the spec's defaults."""

    min_reviews: int = 3
    aggregate: str = "trimmed_mean"  # "mean" | "trimmed_mean" | "median"
    trim_from: int = 5  # >= 3
    shortlist_min_score: Fraction = Fraction(60)
    shortlist_size: int = 0  # 0 = no limit
    tie_breakers: tuple[str, ...] = ("raised_desc", "submitted_asc")

    def __post_init__(self) -> None:
        """Refuse settings the spec does not define, so a typo cannot silently change a ranking."""
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}, not {self.aggregate!r}")
        if self.trim_from < 3:
            raise ValueError("trim_from must be at least 3")
        if self.min_reviews < 1:
            raise ValueError("min_reviews must be at least 1")
        if self.shortlist_size < 0:
            raise ValueError("shortlist_size must not be negative")
        for breaker in self.tie_breakers:
            if breaker not in TIE_BREAKERS:
                raise ValueError(f"tie breaker must be one of {', '.join(TIE_BREAKERS)}, not {breaker!r}")
        exact(self.shortlist_min_score, "shortlist_min_score")


@dataclass(frozen=True)
class Entry:
    """One submission as the engine sees it: complete review totals, verified raised R, time, request."""

    ref: str
    totals: tuple[Fraction, ...]  # totals of COMPLETE reviews only
    raised_fen: int  # verified raised amount R in fen
    submitted_at: datetime  # timezone-aware
    requested_fen: int = 0

    def __post_init__(self) -> None:
        """Tie breaking compares instants, which a naive datetime does not name; money is whole fen >= 0."""
        if self.submitted_at.tzinfo is None or self.submitted_at.utcoffset() is None:
            raise ValueError(f"{self.ref}: submitted_at must be timezone-aware")
        for name in ("raised_fen", "requested_fen"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{self.ref}: {name} must be a whole number of fen, at least 0")
        for total in self.totals:
            exact(total, f"{self.ref}: review total")


@dataclass(frozen=True)
class Ranked:
    """A submission's place: complete reviews n, exact aggregate A, shared rank, shortlist flag."""

    ref: str
    complete_reviews: int
    aggregate: Fraction | None
    rank: int | None
    shortlisted: bool


def aggregate_score(totals: Sequence[Fraction], rule: str, trim_from: int) -> Fraction | None:
    """The exact aggregate A of the complete totals; None without any (section 3).

    mean: arithmetic mean. trimmed_mean: from n >= trim_from on, drop one highest and one
    lowest total, then the mean; below it the plain mean. median: the middle total, or the
    mean of the two middle ones for an even count.
    """
    values = sorted(exact(t, "review total") for t in totals)
    n = len(values)
    if rule not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}, not {rule!r}")
    if rule == "trimmed_mean" and trim_from < 3:
        raise ValueError("trim_from must be at least 3")
    if n == 0:
        return None
    if rule == "median":
        middle = n // 2
        return values[middle] if n % 2 else (values[middle - 1] + values[middle]) / 2
    if rule == "trimmed_mean" and n >= trim_from:
        values = values[1:-1]
    return sum(values, Fraction(0)) / len(values)


def round_half_up_2(x: Fraction) -> Decimal:
    """A shown to 2 decimals, halves rounded away from zero (77.125 -> 77.13), computed exactly."""
    scaled = abs(exact(x, "value")) * 100
    hundredths = math.floor(scaled + Fraction(1, 2))
    return Decimal(-hundredths if x < 0 else hundredths).scaleb(-2)


def _instant(moment: datetime) -> int:
    """Microseconds since the epoch: an exact integer so that 'later first' is plain negation."""
    return (moment - _EPOCH) // _MICROSECOND


def _sort_key(entry: Entry, aggregate: Fraction, tie_breakers: tuple[str, ...]) -> tuple[Fraction | int, ...]:
    """The whole ranking key: smaller sorts first; A descending, then each tie breaker in order."""
    key: list[Fraction | int] = [-aggregate]
    for breaker in tie_breakers:
        if breaker == "raised_desc":
            key.append(-entry.raised_fen)
        elif breaker == "raised_asc":
            key.append(entry.raised_fen)
        elif breaker == "submitted_asc":
            key.append(_instant(entry.submitted_at))
        else:  # submitted_desc
            key.append(-_instant(entry.submitted_at))
    return tuple(key)


def rank_submissions(entries: Iterable[Entry], rules: ReviewRules) -> tuple[Ranked, ...]:
    """Rank and shortlist (section 4): ranked ones in rank order (ties by ref), then unranked by ref.

    Ranked: n >= min_reviews. Rank = 1 + the number of ranked submissions strictly ahead
    on the whole key, so equal keys share a rank ("1, 2, 2, 4"). Shortlisted: ranked,
    A >= shortlist_min_score and, when shortlist_size > 0, rank <= shortlist_size (which
    keeps every submission tied at the cut).
    """
    entries = tuple(entries)
    refs = [e.ref for e in entries]
    if len(set(refs)) != len(refs):
        raise ValueError("submission refs must be unique")

    ranked: list[tuple[tuple[Fraction | int, ...], Entry, Fraction]] = []
    unranked: list[Ranked] = []
    for entry in entries:
        aggregate = aggregate_score(entry.totals, rules.aggregate, rules.trim_from)
        if aggregate is not None and len(entry.totals) >= rules.min_reviews:
            ranked.append((_sort_key(entry, aggregate, rules.tie_breakers), entry, aggregate))
        else:
            unranked.append(Ranked(entry.ref, len(entry.totals), aggregate, None, False))
    ranked.sort(key=lambda item: (item[0], item[1].ref))

    line = exact(rules.shortlist_min_score, "shortlist_min_score")
    placed: list[Ranked] = []
    rank = 0
    for position, (key, entry, aggregate) in enumerate(ranked):
        if position == 0 or key != ranked[position - 1][0]:
            rank = position + 1
        shortlisted = aggregate >= line and (rules.shortlist_size == 0 or rank <= rules.shortlist_size)
        placed.append(Ranked(entry.ref, len(entry.totals), aggregate, rank, shortlisted))
    unranked.sort(key=lambda r: r.ref)
    return tuple(placed) + tuple(unranked)
