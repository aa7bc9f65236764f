"""Scores as people type them <-> hundredths as stored, and the calibration statistics. Pure.

Scores are whole hundredths of a point (centi), so sums are exact. Statistics are exact
where they can be: means are Fractions; a standard deviation is a square root, computed as
a Decimal to 28 significant digits; pages round with results.rank.round_half_up_2. Standard
deviations are population ones: calibration describes the reviews a reviewer actually
wrote, not a sample of some larger set.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Iterable

from gongyi.errors import N_, UserError

class ScoreError(UserError):
    """Why a typed score is refused. `kind` names the rule it broke (not_a_number, negative,
    decimals, above_maximum), so a file import can say it in its own words."""

    def __init__(self, kind: str, message: str, **params: object) -> None:
        super().__init__(message, None, **params)
        self.kind = kind


# Plain digits with at most one decimal point, checked after NFKC (full-width digits become ASCII).
_NUMBER = re.compile(r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$")
_PLAIN = re.compile(r"^([0-9]+)(?:\.([0-9]{0,2}))?$")


def parse_score(text: str | None, maximum: int) -> int | None:
    """A score as typed on the scoring form or written in a package's reviews.csv, in
    hundredths; None when left blank. The one reading of a score in the app.

    Full-width digits are accepted (Chinese input methods type them). Refused: anything but
    plain digits and one decimal point (so "1e1", "NaN" and "16,5" are not numbers), a negative
    number (even "-0"), a third decimal that is not 0, and more than the criterion's maximum.
    """
    s = (text or "").strip()
    plain = _PLAIN.match(s) if s.isascii() else None
    if plain is not None:  # the common case, in integers: digits, and at most 2 decimals
        whole, decimals = plain.groups()
        centi = int(whole) * 100 + int((decimals or "").ljust(2, "0"))
        if centi > maximum * 100:
            raise ScoreError("above_maximum", N_("分数不能超过满分 %(max)s"), max=maximum)
        return centi
    s = unicodedata.normalize("NFKC", s).strip()
    if not s:
        return None
    if not _NUMBER.match(s):
        raise ScoreError("not_a_number", N_("请输入数字，例如 16 或 16.5"))
    if s.startswith("-"):
        raise ScoreError("negative", N_("分数不能为负数"))
    centi = Fraction(Decimal(s)) * 100  # exact, however many digits were typed
    if centi.denominator != 1:
        raise ScoreError("decimals", N_("分数最多保留两位小数"))
    if centi > maximum * 100:
        raise ScoreError("above_maximum", N_("分数不能超过满分 %(max)s"), max=maximum)
    return int(centi)


def points(centi: int) -> Decimal:
    """1650 -> Decimal("16.50"): exact, always 2 decimals."""
    return Decimal(centi).scaleb(-2)


@dataclass(frozen=True)
class Stats:
    """n totals (in points): their exact mean and population standard deviation."""

    n: int
    mean: Fraction | None
    sd: Decimal | None  # 28 significant digits

    def z(self, total: Fraction) -> Decimal | None:
        """How many standard deviations `total` lies from the mean (None when sd is 0 or unknown)."""
        if self.mean is None or not self.sd:
            return None
        difference = total - self.mean
        with localcontext() as ctx:
            ctx.prec = 28
            return Decimal(difference.numerator) / Decimal(difference.denominator) / self.sd


def _sd(variance: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()


def stats(totals: Iterable[Fraction]) -> Stats:
    values = list(totals)
    if not values:
        return Stats(0, None, None)
    mean = sum(values, Fraction(0)) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Fraction(0)) / len(values)
    return Stats(len(values), mean, _sd(variance))


def centi_stats(centis: list[int]) -> Stats:
    """stats() of totals given in hundredths, in integer arithmetic: the same exact mean and
    variance (n*sum(x^2) - sum(x)^2 over n^2), without a Fraction per value."""
    n = len(centis)
    if not n:
        return Stats(0, None, None)
    total = sum(centis)
    squares = sum(c * c for c in centis)
    return Stats(n, Fraction(total, 100 * n), _sd(Fraction(n * squares - total * total, 10_000 * n * n)))


@dataclass(frozen=True)
class ScoredReview:
    """A submitted, complete review as calibration sees it."""

    review_id: int
    reviewer_id: int
    submission_id: int
    total_centi: int

    @property
    def total(self) -> Fraction:
        return Fraction(self.total_centi, 100)


@dataclass(frozen=True)
class Calibration:
    panel: Stats
    reviewers: dict[int, Stats]  # reviewer id -> their stats
    z_scores: dict[int, Decimal]  # review id -> z within its reviewer's reviews (only reviewers with enough)
    spreads: dict[int, Fraction]  # submission id -> max - min of its totals (two or more reviews)
    disagreements: frozenset[int]  # submission ids whose spread exceeds the threshold


def calibrate(reviews: Iterable[ScoredReview], threshold: Fraction, min_reviews_for_z: int = 5) -> Calibration:
    """Each reviewer's mean and spread next to the panel's, z-scores for reviewers with at least
    `min_reviews_for_z` reviews (fewer say little), and submissions whose totals spread more
    than `threshold` points. Computed on the hundredths, in integers, until the square roots."""
    reviews = sorted(reviews, key=lambda r: r.review_id)
    by_reviewer: dict[int, list[ScoredReview]] = {}
    by_submission: dict[int, list[int]] = {}
    for r in reviews:
        by_reviewer.setdefault(r.reviewer_id, []).append(r)
        by_submission.setdefault(r.submission_id, []).append(r.total_centi)
    reviewer_stats = {rid: centi_stats([r.total_centi for r in rows]) for rid, rows in by_reviewer.items()}
    z_scores = {}
    for rid, rows in by_reviewer.items():
        s = reviewer_stats[rid]
        if len(rows) >= min_reviews_for_z and s.sd:
            total, scale = sum(r.total_centi for r in rows), 100 * len(rows)
            with localcontext() as ctx:
                ctx.prec = 28
                for r in rows:  # (total_centi/100 - mean) / sd, the difference exact over 100 n
                    z_scores[r.review_id] = Decimal(r.total_centi * len(rows) - total) / scale / s.sd
    limit = threshold * 100
    spreads = {sid: Fraction(max(c) - min(c), 100) for sid, c in by_submission.items() if len(c) >= 2}
    return Calibration(
        panel=centi_stats([r.total_centi for r in reviews]),
        reviewers=reviewer_stats,
        z_scores=z_scores,
        spreads=spreads,
        disagreements=frozenset(sid for sid, c in by_submission.items() if len(c) >= 2 and max(c) - min(c) > limit),
    )
