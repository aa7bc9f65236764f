"""Aggregate scores, rounds and panels, ranking, advancement and the shortlist
(competition-rules.md sections 3 and 4).

Pure and exact: scores are Fractions, never floats, and the result does not depend on the
order in which entries are given. Stdlib only.

Judging runs in rounds. Every submission takes part in the first round; in each round every
panel's aggregate A_p comes from that panel's complete totals by the round's rule, and the
round's aggregate A = sum(weight_p * A_p) exists only when every panel has a complete review.
A submission is ranked in a round when every panel has at least its min_reviews; ranked ones
that reach advance_min_score and the advance line (ties at the line go through together) take
part in the next round. Reviews of a round a submission does not take part in are ignored.
A submission's round is the last round it took part in; the shortlist is taken on the last round.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, NamedTuple, Sequence

AGGREGATES = ("mean", "trimmed_mean", "median")
TIE_BREAKERS = ("raised_desc", "raised_asc", "submitted_asc", "submitted_desc")
DEFAULT_ROUND = "review"
DEFAULT_PANEL = "expert"

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def exact(value: Fraction | int | Decimal, what: str) -> Fraction:
    """An exact Fraction from an exact number; floats are refused because they are not exact."""
    if type(value) is Fraction:
        return value  # immutable: the same number
    if isinstance(value, (bool, float)) or not isinstance(value, (Fraction, int, Decimal)):
        raise TypeError(f"{what} must be an exact number (Fraction, int or Decimal), not {type(value).__name__}")
    return Fraction(value)


def _whole(value: object, minimum: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be a whole number, at least {minimum}")


def _check_aggregate(rule: str, trim_from: int) -> None:
    if rule not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}, not {rule!r}")
    if trim_from < 3:
        raise ValueError("trim_from must be at least 3")


@dataclass(frozen=True)
class Panel:
    """A panel of a round: its exact weight in A and the complete reviews it needs for a rank."""

    code: str = DEFAULT_PANEL
    weight: Fraction = Fraction(1)
    min_reviews: int = 3

    def __post_init__(self) -> None:
        if exact(self.weight, f"panel {self.code}: weight") <= 0:
            raise ValueError(f"panel {self.code}: weight must be above 0")
        _whole(self.min_reviews, 1, f"panel {self.code}: min_reviews")


@dataclass(frozen=True)
class Round:
    """One round of judging (section 3); advance and advance_min_score apply to all but the last."""

    code: str = DEFAULT_ROUND
    aggregate: str = "trimmed_mean"
    trim_from: int = 5
    panels: tuple[Panel, ...] = (Panel(),)
    advance: int = 0  # 0 = no limit
    advance_min_score: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        _check_aggregate(self.aggregate, self.trim_from)
        if not self.panels or len({p.code for p in self.panels}) != len(self.panels):
            raise ValueError(f"round {self.code}: panels must be given, each code once")
        if sum((exact(p.weight, "weight") for p in self.panels), Fraction(0)) != 1:
            raise ValueError(f"round {self.code}: panel weights must sum to exactly 1")
        _whole(self.advance, 0, f"round {self.code}: advance")
        exact(self.advance_min_score, f"round {self.code}: advance_min_score")


@dataclass(frozen=True)
class ReviewRules:
    """The review settings of a call (sections 3 and 4), with the spec's defaults.

    Without `rounds`, the call has one round `review` with one panel `expert` of weight 1,
    taking min_reviews, aggregate and trim_from from here (version 1's shape). With `rounds`,
    those three are not used: each round carries its own (calls/rules.py resolves them).
    """

    min_reviews: int = 3
    aggregate: str = "trimmed_mean"  # "mean" | "trimmed_mean" | "median"
    trim_from: int = 5  # >= 3
    shortlist_min_score: Fraction = Fraction(60)
    shortlist_size: int = 0  # 0 = no limit
    tie_breakers: tuple[str, ...] = ("raised_desc", "submitted_asc")
    rounds: tuple[Round, ...] = ()

    def __post_init__(self) -> None:
        """Refuse settings the spec does not define, so a typo cannot silently change a ranking."""
        _check_aggregate(self.aggregate, self.trim_from)
        _whole(self.min_reviews, 1, "min_reviews")
        _whole(self.shortlist_size, 0, "shortlist_size")
        for breaker in self.tie_breakers:
            if breaker not in TIE_BREAKERS:
                raise ValueError(f"tie breaker must be one of {', '.join(TIE_BREAKERS)}, not {breaker!r}")
        exact(self.shortlist_min_score, "shortlist_min_score")
        if len({r.code for r in self.rounds}) != len(self.rounds):
            raise ValueError("round codes must be unique")
        if self.rounds and (self.rounds[-1].advance or self.rounds[-1].advance_min_score):
            raise ValueError("the last round has no advancement settings")

    def judged_rounds(self) -> tuple[Round, ...]:
        """The rounds in order; the single version-1 round when none are given."""
        if self.rounds:
            return self.rounds
        return (Round(DEFAULT_ROUND, self.aggregate, self.trim_from, (Panel(DEFAULT_PANEL, Fraction(1), self.min_reviews),)),)


class ReviewTotal(NamedTuple):
    """The total of one complete review, with the round it belongs to and its reviewer's panel."""

    round: str
    panel: str
    total: Fraction


@dataclass(frozen=True)
class Entry:
    """One submission as the engine sees it.

    totals: complete totals of a one-round, one-panel call (version 1's shape); reviews: complete
    totals by round and panel (any call). raised_fen: the counted raised amount R (section 2),
    donors: its donors count; held: its funding is held (section 4).
    """

    ref: str
    totals: tuple[Fraction, ...]  # totals of COMPLETE reviews only
    raised_fen: int  # counted raised amount R in fen
    submitted_at: datetime  # timezone-aware
    requested_fen: int = 0
    reviews: tuple[ReviewTotal, ...] = ()
    donors: int = 0
    held: bool = False

    def __post_init__(self) -> None:
        """Tie breaking compares instants, which a naive datetime does not name; money is whole fen >= 0."""
        if self.submitted_at.tzinfo is None or self.submitted_at.utcoffset() is None:
            raise ValueError(f"{self.ref}: submitted_at must be timezone-aware")
        for name in ("raised_fen", "requested_fen", "donors"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{self.ref}: {name} must be a whole number, at least 0")
        for total in self.totals:
            exact(total, f"{self.ref}: review total")
        for review in self.reviews:
            if type(review.total) is not Fraction:
                exact(review.total, f"{self.ref}: review total")
        if not isinstance(self.held, bool):
            raise ValueError(f"{self.ref}: held must be True or False")


@dataclass(frozen=True)
class PanelScore:
    panel: str
    complete_reviews: int  # n_p
    aggregate: Fraction | None  # A_p, exact; None without a complete review


@dataclass(frozen=True)
class RoundPlace:
    """A submission's result in one round it took part in."""

    round: str
    complete_reviews: int  # n, all panels together
    panels: tuple[PanelScore, ...]
    aggregate: Fraction | None  # A; None unless every panel has a complete review
    rank: int | None  # None: unranked in this round
    advanced: bool  # took part in the next round (always False in the last round)


@dataclass(frozen=True)
class Ranked:
    """A submission's place: its round (the last it took part in) with that round's n, A and
    rank, the shortlist flag, and its place in every round it took part in."""

    ref: str
    complete_reviews: int
    aggregate: Fraction | None
    rank: int | None
    shortlisted: bool
    round: str = DEFAULT_ROUND
    rounds: tuple[RoundPlace, ...] = ()


def aggregate_score(totals: Sequence[Fraction], rule: str, trim_from: int) -> Fraction | None:
    """The exact aggregate of the complete totals; None without any (section 3).

    mean: arithmetic mean. trimmed_mean: from n >= trim_from on, drop one highest and one
    lowest total, then the mean; below it the plain mean. median: the middle total, or the
    mean of the two middle ones for an even count. Computed on whole multiples of 1/L (L the
    common denominator of the totals), which is exact and spares comparing fractions.
    """
    parts = _aggregate_parts(totals, rule, trim_from)
    return None if parts is None else Fraction(*parts)


def _aggregate_parts(totals: Sequence[Fraction], rule: str, trim_from: int) -> tuple[int, int] | None:
    """aggregate_score as (numerator, denominator), not yet reduced: a ranking builds one Fraction
    per submission and round from these instead of one per step."""
    values = [t if type(t) is Fraction else exact(t, "review total") for t in totals]
    n = len(values)
    _check_aggregate(rule, trim_from if rule == "trimmed_mean" else 3)
    if n == 0:
        return None
    common = math.lcm(*(v.denominator for v in values))
    scaled = [v.numerator * (common // v.denominator) for v in values]
    if rule == "median":
        scaled.sort()
        middle = n // 2
        return (scaled[middle], common) if n % 2 else (scaled[middle - 1] + scaled[middle], 2 * common)
    if rule == "trimmed_mean" and n >= trim_from:
        return sum(scaled) - min(scaled) - max(scaled), common * (n - 2)
    return sum(scaled), common * n


def round_half_up_2(x: Fraction) -> Decimal:
    """A shown to 2 decimals, halves rounded away from zero (77.125 -> 77.13), computed exactly."""
    x = exact(x, "value")
    # floor(|x| * 100 + 1/2) in integers: (200 * |num| + den) // (2 * den)
    hundredths = (200 * abs(x.numerator) + x.denominator) // (2 * x.denominator)
    return Decimal(-hundredths if x < 0 else hundredths).scaleb(-2)


def _instant(moment: datetime) -> int:
    """Microseconds since the epoch: an exact integer so that 'later first' is plain negation."""
    return (moment - _EPOCH) // _MICROSECOND


def _sort_key(entry: Entry, aggregate: Fraction | int, tie_breakers: tuple[str, ...]) -> tuple[Fraction | int, ...]:
    """The whole ranking key: smaller sorts first; A descending, then each tie breaker in order.
    `aggregate` may be A times a common positive scale (an integer): the order is the same."""
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


def _grouped(entry: Entry, rounds: tuple[Round, ...]) -> dict[tuple[str, str], list[Fraction]]:
    """The entry's complete totals by (round, panel); `totals` belong to the only round's only panel."""
    groups: dict[tuple[str, str], list[Fraction]] = {}
    for review in entry.reviews:
        groups.setdefault((review.round, review.panel), []).append(review.total)
    if entry.totals:
        if len(rounds) != 1 or len(rounds[0].panels) != 1:
            raise ValueError(f"{entry.ref}: totals without round and panel need a one-round, one-panel call")
        groups.setdefault((rounds[0].code, rounds[0].panels[0].code), []).extend(entry.totals)
    return groups


def _score_round(totals: dict[tuple[str, str], list[Fraction]], rnd: Round) -> tuple[int, tuple[PanelScore, ...], Fraction | None, bool]:
    """n, each panel's (n_p, A_p), A and whether the submission is ranked in the round.
    A = sum(weight_p * A_p) is summed as one unreduced fraction and reduced once."""
    panels = []
    numerator, denominator, every_panel = 0, 1, True
    for panel in rnd.panels:
        values = totals.get((rnd.code, panel.code), ())
        parts = _aggregate_parts(values, rnd.aggregate, rnd.trim_from)
        if parts is None:
            every_panel = False
            panels.append(PanelScore(panel.code, len(values), None))
            continue
        score = Fraction(*parts)
        panels.append(PanelScore(panel.code, len(values), score))
        weight = panel.weight if type(panel.weight) is Fraction else exact(panel.weight, "weight")
        numerator = numerator * weight.denominator * score.denominator + weight.numerator * score.numerator * denominator
        denominator *= weight.denominator * score.denominator
    n = sum(p.complete_reviews for p in panels)
    aggregate = None
    if every_panel:
        aggregate = panels[0].aggregate if len(panels) == 1 and rnd.panels[0].weight == 1 else Fraction(numerator, denominator)
    ranked = all(score.complete_reviews >= panel.min_reviews for panel, score in zip(rnd.panels, panels))
    return n, tuple(panels), aggregate, ranked


def place_round(entries: Sequence[Entry], totals: dict[str, dict[tuple[str, str], list[Fraction]]], rnd: Round,
                tie_breakers: tuple[str, ...], last: bool) -> dict[str, RoundPlace]:
    """Every participant's place in one round: rank = 1 + the number of ranked participants
    strictly ahead on the whole key (equal keys share a rank), then advancement."""
    scored = {e.ref: _score_round(totals[e.ref], rnd) for e in entries}
    # Aggregates as integers on one common scale (exact: the lcm of their denominators), so that
    # sorting compares integers rather than fractions.
    ranked = {ref: aggregate for ref, (_, _, aggregate, is_ranked) in scored.items() if is_ranked}
    scale = math.lcm(*(a.denominator for a in ranked.values()))  # type: ignore[union-attr]
    keys = {e.ref: _sort_key(e, ranked[e.ref].numerator * (scale // ranked[e.ref].denominator), tie_breakers)  # type: ignore[union-attr]
            for e in entries if e.ref in ranked}
    order = sorted(keys, key=lambda ref: (keys[ref], ref))
    ranks: dict[str, int] = {}
    for position, ref in enumerate(order):
        ranks[ref] = position + 1 if position == 0 or keys[ref] != keys[order[position - 1]] else ranks[order[position - 1]]
    places = {}
    for e in entries:
        n, panels, aggregate, _ = scored[e.ref]
        rank = ranks.get(e.ref)
        advanced = (not last and rank is not None and aggregate is not None and aggregate >= rnd.advance_min_score
                    and (rnd.advance == 0 or rank <= rnd.advance))
        places[e.ref] = RoundPlace(rnd.code, n, panels, aggregate, rank, advanced)
    return places


def rank_submissions(entries: Iterable[Entry], rules: ReviewRules) -> tuple[Ranked, ...]:
    """Rounds, ranks and the shortlist (section 4), in results.csv order: by round, the last
    round first; within a round ranked ones by rank (ties by ref), then unranked ones by ref.

    Shortlisted: ranked in the last round, A >= shortlist_min_score and, when shortlist_size > 0,
    rank <= shortlist_size (which keeps every submission tied at the cut).
    """
    entries = tuple(entries)
    refs = [e.ref for e in entries]
    if len(set(refs)) != len(refs):
        raise ValueError("submission refs must be unique")
    rounds = rules.judged_rounds()
    totals = {e.ref: _grouped(e, rounds) for e in entries}
    history: dict[str, list[RoundPlace]] = {ref: [] for ref in refs}
    taking_part = list(entries)
    for index, rnd in enumerate(rounds):
        places = place_round(taking_part, totals, rnd, rules.tie_breakers, index == len(rounds) - 1)
        for ref, place in places.items():
            history[ref].append(place)
        taking_part = [e for e in taking_part if places[e.ref].advanced]

    line = exact(rules.shortlist_min_score, "shortlist_min_score")
    last = rounds[-1].code
    placed = []
    for ref in refs:
        place = history[ref][-1]
        shortlisted = (place.round == last and place.rank is not None and place.aggregate is not None
                       and place.aggregate >= line and (rules.shortlist_size == 0 or place.rank <= rules.shortlist_size))
        placed.append(Ranked(ref, place.complete_reviews, place.aggregate, place.rank, shortlisted, place.round,
                             tuple(history[ref])))
    position = {r.code: i for i, r in enumerate(rounds)}
    placed.sort(key=lambda r: (-position[r.round], r.rank is None, r.rank or 0, r.ref))
    return tuple(placed)
