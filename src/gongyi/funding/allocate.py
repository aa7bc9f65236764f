"""Sharing a pool of whole fen among ranked claims (competition-rules.md sections 1, 5 and 6).

Pure and exact: every share is first an exact Fraction, then whole fen by floor plus
largest remainders, so a binding pool is spent to the fen and nobody gets more than
their capped demand. The result does not depend on the order of the claims. Stdlib only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import groupby
from typing import Sequence

POLICIES = ("rank_order", "pro_rata", "water_fill")


def floor_fen(x: Fraction) -> int:
    """The largest whole number of fen not above the exact value x (section 1)."""
    return math.floor(x)


def _check_fen(value: int | None, what: str) -> None:
    """Money is whole fen, never negative; a float or a bool is a bug upstream."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{what} must be a whole number of fen, at least 0")


def _check_ratio(value: Fraction, what: str) -> None:
    """Ratios are exact and not negative: a float ratio would leak float error into money."""
    if isinstance(value, (bool, float)) or not isinstance(value, (Fraction, int, Decimal)) or value < 0:
        raise ValueError(f"{what} must be an exact number (Fraction, int or Decimal), at least 0")


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, not {policy!r}")


@dataclass(frozen=True)
class Tier:
    """Ranks from_rank..to_rank (inclusive) use this ratio instead of the call's ratio."""

    from_rank: int
    to_rank: int
    ratio: Fraction

    def __post_init__(self) -> None:
        if self.from_rank < 1 or self.from_rank > self.to_rank:
            raise ValueError("a tier needs 1 <= from_rank <= to_rank")
        _check_ratio(self.ratio, "tier ratio")


@dataclass(frozen=True)
class MatchingRules:
    """The matching settings of a call (section 5), with the spec's defaults."""

    pool_fen: int = 0
    award_top: int = 10
    ratio: Fraction = Fraction(1)
    tiers: tuple[Tier, ...] = ()
    cap_fen: int | None = None
    policy: str = "rank_order"  # rank_order | pro_rata | water_fill

    def __post_init__(self) -> None:
        _check_fen(self.pool_fen, "matching pool")
        _check_fen(self.cap_fen, "matching cap")
        _check_ratio(self.ratio, "matching ratio")
        _check_policy(self.policy)
        if self.award_top < 0:
            raise ValueError("award_top must not be negative")


@dataclass(frozen=True)
class LibraryRules:
    """The library-pool settings of a call (section 6), with the spec's defaults."""

    pool_fen: int = 0
    cap_fen: int | None = None
    policy: str = "rank_order"

    def __post_init__(self) -> None:
        _check_fen(self.pool_fen, "library pool")
        _check_fen(self.cap_fen, "library cap")
        _check_policy(self.policy)


@dataclass(frozen=True)
class Claim:
    """A claim on a pool: demand d and capped demand D (for the library d = requested, D = L)."""

    ref: str
    rank: int
    demand_fen: int
    capped_fen: int


@dataclass(frozen=True)
class Share:
    """What one claim receives and why.

    exact: the exact share before fen rounding; amount_fen: whole fen received;
    rounding_fen: the +1 fen from the largest-remainder step (0 or 1); water_level: k
    for a binding water_fill; step: a short human explanation.
    """

    ref: str
    exact: Fraction
    amount_fen: int
    step: str
    rounding_fen: int = 0
    water_level: Fraction | None = None


def ratio_for_rank(rank: int, rules: MatchingRules) -> Fraction:
    """The ratio of the first tier, in the given order, covering rank; the call's ratio if none does.

    Overlapping tiers are therefore resolved by their order in the settings.
    """
    for tier in rules.tiers:
        if tier.from_rank <= rank <= tier.to_rank:
            return Fraction(tier.ratio)
    return Fraction(rules.ratio)


def _round(exacts: dict[str, Fraction], ranks: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Exact shares -> (fen, rounding +fen): floor each, then the leftover fen (their sum is whole)
    one each to the largest fractional parts; ties to the better rank, then the smaller ref."""
    total = sum(exacts.values(), Fraction(0))
    if total.denominator != 1:
        raise AssertionError("exact shares must add up to whole fen")
    floors = {ref: floor_fen(x) for ref, x in exacts.items()}
    leftover = int(total) - sum(floors.values())
    order = sorted(exacts, key=lambda ref: (-(exacts[ref] - floors[ref]), ranks[ref], ref))
    lucky = set(order[:leftover])
    return {ref: (floors[ref] + (ref in lucky), int(ref in lucky)) for ref in exacts}


def _water_level(claims: Sequence[Claim], pool_fen: int, cap_fen: int | None) -> Fraction:
    """The one k in [0, 1] with sum(min(k*d, C)) == pool, for a binding pool (sum D > pool).

    Claims reach the cap at k = C/d; walking those thresholds upwards, the first j capped
    claims hold C and the rest share what is left at k = (pool - j*C) / (sum of their d).
    """
    positive = sorted((c for c in claims if c.demand_fen > 0), key=lambda c: c.demand_fen, reverse=True)
    rest = sum(c.demand_fen for c in positive)
    for capped, claim in enumerate(positive):
        k = Fraction(pool_fen - capped * (cap_fen or 0), rest)
        if cap_fen is None or k * claim.demand_fen <= cap_fen:
            return k
        rest -= claim.demand_fen
    raise AssertionError("a binding pool always leaves some claim below the cap")


def _rank_order(claims: Sequence[Claim], pool_fen: int, shares: dict[str, Share], exacts: dict[str, Fraction],
                steps: dict[str, str]) -> None:
    """rank_order for a binding pool: full shares go into `shares`; the first uncovered group's
    exact shares (to be rounded) into `exacts`; every later group gets 0."""
    remaining, exhausted = pool_fen, False
    for _, members in groupby(claims, key=lambda c: c.rank):
        group = list(members)
        group_total = sum(c.capped_fen for c in group)
        if group_total <= remaining and not exhausted:
            remaining -= group_total
            shares.update((c.ref, Share(c.ref, Fraction(c.capped_fen), c.capped_fen, "full")) for c in group)
        elif exhausted or remaining == 0:
            shares.update((c.ref, Share(c.ref, Fraction(0), 0, "pool exhausted")) for c in group)
            exhausted = True
        else:
            for c in group:
                exacts[c.ref] = Fraction(c.capped_fen * remaining, group_total)
                steps[c.ref] = f"share of the last {remaining} fen: D x {remaining} / {group_total}"
            exhausted = True


def allocate_pool(claims: Sequence[Claim], pool_fen: int, policy: str, cap_fen: int | None) -> dict[str, Share]:
    """Share pool_fen among claims (section 5), keyed by ref in (rank, ref) order.

    If sum D <= pool everyone gets D ("full"). Otherwise, by policy:
    rank_order: groups of equal rank in rank order get D while the rest of the pool covers
    the group's total; the first uncovered group shares what remains in proportion to D;
    later groups get 0 ("pool exhausted"; so is an uncovered group when nothing remains,
    its share being 0 anyway). pro_rata: D * pool / sum D. water_fill:
    min(k*d, C) with the k that spends the pool exactly. Exact shares become fen by
    _round, over the sharing group (rank_order) or over all claims.
    """
    _check_fen(pool_fen, "pool")
    _check_fen(cap_fen, "cap")
    _check_policy(policy)
    claims = sorted(claims, key=lambda c: (c.rank, c.ref))
    if len({c.ref for c in claims}) != len(claims):
        raise ValueError("claim refs must be unique")
    for c in claims:
        _check_fen(c.demand_fen, f"{c.ref}: demand")
        if c.capped_fen != (c.demand_fen if cap_fen is None else min(c.demand_fen, cap_fen)):
            raise ValueError(f"{c.ref}: capped demand must be min(demand, cap)")
    ranks = {c.ref: c.rank for c in claims}
    total_capped = sum(c.capped_fen for c in claims)

    if total_capped <= pool_fen:
        return {c.ref: Share(c.ref, Fraction(c.capped_fen), c.capped_fen, "full") for c in claims}

    exacts: dict[str, Fraction] = {}
    steps: dict[str, str] = {}
    level: Fraction | None = None
    shares: dict[str, Share] = {}
    if policy == "rank_order":
        _rank_order(claims, pool_fen, shares, exacts, steps)
    elif policy == "pro_rata":
        for c in claims:
            exacts[c.ref] = Fraction(c.capped_fen * pool_fen, total_capped)
            steps[c.ref] = f"share: D x {pool_fen} / {total_capped}"
    else:
        level = _water_level(claims, pool_fen, cap_fen)
        for c in claims:
            exacts[c.ref] = min(level * c.demand_fen, Fraction(c.capped_fen))
            held = cap_fen is not None and level * c.demand_fen >= cap_fen and c.demand_fen > 0
            steps[c.ref] = f"water level k={level}" + (", held at cap" if held else "")

    for ref, (amount, plus) in _round(exacts, ranks).items():
        step = steps[ref] + ("; rounding +1 fen" if plus else "")
        shares[ref] = Share(ref, exacts[ref], amount, step, plus, level)
    return {c.ref: shares[c.ref] for c in claims}
