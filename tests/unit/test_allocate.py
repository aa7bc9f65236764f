"""Sharing a pool in whole fen (competition-rules.md sections 1, 5 and 6)."""
from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongyi.funding.allocate import (
    Claim,
    LibraryRules,
    MatchingRules,
    Share,
    Tier,
    allocate_pool,
    floor_fen,
    ratio_for_rank,
)


def claim(ref: str, rank: int, d: int, cap: int | None = None) -> Claim:
    return Claim(ref, rank, d, d if cap is None else min(d, cap))


def amounts(shares: dict[str, Share]) -> dict[str, int]:
    return {ref: s.amount_fen for ref, s in shares.items()}


def test_floor_fen() -> None:
    assert floor_fen(F(7, 3)) == 2
    assert floor_fen(F(5)) == 5
    assert floor_fen(F(999, 1000)) == 0


def test_ratio_for_rank_first_listed_tier_wins_when_tiers_overlap() -> None:
    rules = MatchingRules(ratio=F(1, 2), tiers=(Tier(1, 3, F(2)), Tier(2, 5, F(3, 2))))
    assert ratio_for_rank(1, rules) == 2
    assert ratio_for_rank(3, rules) == 2  # covered by both: the first listed wins
    assert ratio_for_rank(4, rules) == F(3, 2)
    assert ratio_for_rank(6, rules) == F(1, 2)  # no tier: the call's ratio
    swapped = MatchingRules(ratio=F(1, 2), tiers=(Tier(2, 5, F(3, 2)), Tier(1, 3, F(2))))
    assert ratio_for_rank(3, swapped) == F(3, 2)


def test_sum_of_capped_demands_within_pool_everyone_gets_d() -> None:
    claims = [claim("a", 1, 5000, cap=3000), claim("b", 2, 2000, cap=3000)]
    # D = 3000 + 2000 = 5000 == pool exactly: not binding, everyone full
    for policy in ("rank_order", "pro_rata", "water_fill"):
        shares = allocate_pool(claims, 5000, policy, 3000)
        assert amounts(shares) == {"a": 3000, "b": 2000}
        assert {s.step for s in shares.values()} == {"full"}
    # a larger pool stays partly unspent
    assert amounts(allocate_pool(claims, 10**9, "pro_rata", 3000)) == {"a": 3000, "b": 2000}


def test_pool_zero_gives_zero_to_everyone() -> None:
    claims = [claim("a", 1, 100), claim("b", 2, 0)]
    for policy in ("rank_order", "pro_rata", "water_fill"):
        assert amounts(allocate_pool(claims, 0, policy, None)) == {"a": 0, "b": 0}


def test_all_demands_zero() -> None:
    claims = [claim("a", 1, 0), claim("b", 1, 0)]
    for policy in ("rank_order", "pro_rata", "water_fill"):
        shares = allocate_pool(claims, 0, policy, None)
        assert amounts(shares) == {"a": 0, "b": 0}
        assert shares["a"].step == "full"


def test_no_claims() -> None:
    assert allocate_pool([], 1000, "water_fill", None) == {}


def test_rank_order_equal_ranks_share_the_last_slice() -> None:
    # pool 400: a (rank 1, D 300) full, leaving 100; rank-2 group b (200) + c (100) = 300 > 100:
    # b 200*100/300 = 66 2/3, c 100*100/300 = 33 1/3 -> floors 66 + 33 = 99, 1 fen left ->
    # largest fraction b -> b 67, c 33. d (rank 4) gets 0.
    claims = [claim("d", 4, 50), claim("c", 2, 100), claim("a", 1, 300), claim("b", 2, 200)]
    shares = allocate_pool(claims, 400, "rank_order", None)
    assert list(shares) == ["a", "b", "c", "d"]
    assert amounts(shares) == {"a": 300, "b": 67, "c": 33, "d": 0}
    assert shares["a"].step == "full"
    assert shares["b"].exact == F(200, 3) and shares["b"].rounding_fen == 1
    assert shares["b"].step == "share of the last 100 fen: D x 100 / 300; rounding +1 fen"
    assert shares["c"].exact == F(100, 3) and shares["c"].rounding_fen == 0
    assert shares["d"].step == "pool exhausted"


def test_rank_order_rounding_tie_goes_to_the_smaller_ref_at_equal_rank() -> None:
    # rank-2 group b, c each D 100 share 101 -> 50.5 each; the 1 leftover fen goes to b
    claims = [claim("a", 1, 100), claim("c", 2, 100), claim("b", 2, 100)]
    assert amounts(allocate_pool(claims, 201, "rank_order", None)) == {"a": 100, "b": 51, "c": 50}


def test_rank_order_group_exactly_covered_then_next_group_gets_nothing_left() -> None:
    # a takes 300 of 300 (covered exactly); b's group is uncovered with 0 left -> shares 0
    claims = [claim("a", 1, 300), claim("b", 2, 100), claim("c", 3, 0)]
    shares = allocate_pool(claims, 300, "rank_order", None)
    assert amounts(shares) == {"a": 300, "b": 0, "c": 0}
    assert shares["b"].step == shares["c"].step == "pool exhausted"


def test_rank_order_zero_demand_group_before_the_cut_is_covered() -> None:
    # rank 2 has D 0 (R = 0): covered (0 <= remaining), rank 3 then shares the rest
    claims = [claim("a", 1, 100), claim("b", 2, 0), claim("c", 3, 500)]
    shares = allocate_pool(claims, 150, "rank_order", None)
    assert amounts(shares) == {"a": 100, "b": 0, "c": 50}
    assert shares["b"].step == "full"


def test_pro_rata_with_largest_remainders() -> None:
    # D 100, 200, 400 share 500: 500/7 = 71 3/7, 1000/7 = 142 6/7, 2000/7 = 285 5/7;
    # floors 498, 2 fen left -> b (6/7) and c (5/7)
    claims = [claim("a", 1, 100), claim("b", 2, 200), claim("c", 3, 400)]
    shares = allocate_pool(claims, 500, "pro_rata", None)
    assert amounts(shares) == {"a": 71, "b": 143, "c": 286}
    assert [shares[r].exact for r in "abc"] == [F(500, 7), F(1000, 7), F(2000, 7)]
    assert shares["a"].step == "share: D x 500 / 700"


def test_pro_rata_rounding_tie_goes_to_the_better_rank() -> None:
    # three equal D 100 share 100: 33 1/3 each, 1 fen left -> the best rank (z, rank 1)
    claims = [claim("z", 1, 100), claim("a", 2, 100), claim("b", 3, 100)]
    assert amounts(allocate_pool(claims, 100, "pro_rata", None)) == {"z": 34, "a": 33, "b": 33}


def test_pro_rata_uses_capped_demand() -> None:
    # cap 300: D = 300, 200; pool 250 -> 150, 100
    claims = [claim("a", 1, 900, cap=300), claim("b", 2, 200, cap=300)]
    assert amounts(allocate_pool(claims, 250, "pro_rata", 300)) == {"a": 150, "b": 100}


def test_water_fill_with_a_capped_project() -> None:
    # cap 1000; d = 3000, 600, 400; D = 1000, 600, 400, sum 2000 > pool 1800.
    # Nobody capped: k = 1800/4000 = 0.45 -> a would get 1350 > 1000, so a is held at the cap.
    # a capped: k = (1800 - 1000) / (600 + 400) = 0.8 -> b 480, c 320 (both below the cap).
    # 1000 + 480 + 320 = 1800.
    claims = [claim("a", 1, 3000, cap=1000), claim("b", 2, 600, cap=1000), claim("c", 3, 400, cap=1000)]
    shares = allocate_pool(claims, 1800, "water_fill", 1000)
    assert amounts(shares) == {"a": 1000, "b": 480, "c": 320}
    assert {s.water_level for s in shares.values()} == {F(4, 5)}
    assert shares["a"].step == "water level k=4/5, held at cap"
    assert shares["b"].step == "water level k=4/5"


def test_water_fill_two_capped() -> None:
    # cap 500; d = 2000, 1000, 300, 0; D = 500, 500, 300, 0 (sum 1300) > pool 1100.
    # k = 1100/3300 = 1/3: a 666.7 > 500 capped; k = 600/1300: b 461.5 < 500 not capped.
    # So a held: b 1000*600/1300 = 461 7/13, c 300*600/1300 = 138 6/13, total 500+600 = 1100.
    # floors 500 + 461 + 138 = 1099, 1 fen -> b (7/13 > 6/13). d (d = 0) gets 0.
    claims = [claim("a", 1, 2000, 500), claim("b", 2, 1000, 500), claim("c", 3, 300, 500), claim("d", 4, 0, 500)]
    shares = allocate_pool(claims, 1100, "water_fill", 500)
    assert amounts(shares) == {"a": 500, "b": 462, "c": 138, "d": 0}
    assert shares["b"].water_level == F(6, 13)


def test_water_fill_without_cap_is_one_ratio_for_all() -> None:
    # k = 1000/1333; a = 1000000/1333 = 750 250/1333, b = 333000/1333 = 249 1083/1333;
    # floors 999, 1 fen -> b: 750 + 250
    claims = [claim("a", 1, 1000), claim("b", 2, 333)]
    shares = allocate_pool(claims, 1000, "water_fill", None)
    assert amounts(shares) == {"a": 750, "b": 250}
    assert shares["a"].water_level == F(1000, 1333)


def test_water_fill_differs_from_pro_rata_when_caps_bind() -> None:
    # pro_rata shares D (1000, 600, 400) by 1800/2000: 900, 540, 360 (a loses to its cap)
    claims = [claim("a", 1, 3000, cap=1000), claim("b", 2, 600, cap=1000), claim("c", 3, 400, cap=1000)]
    assert amounts(allocate_pool(claims, 1800, "pro_rata", 1000)) == {"a": 900, "b": 540, "c": 360}


def test_inconsistent_or_bad_claims_are_refused() -> None:
    with pytest.raises(ValueError):
        allocate_pool([Claim("a", 1, 500, 400)], 100, "pro_rata", None)  # D != d without cap
    with pytest.raises(ValueError):
        allocate_pool([Claim("a", 1, 500, 500)], 100, "pro_rata", 400)  # D != min(d, cap)
    with pytest.raises(ValueError):
        allocate_pool([claim("a", 1, 5), claim("a", 2, 5)], 100, "pro_rata", None)
    with pytest.raises(ValueError):
        allocate_pool([claim("a", 1, 5)], -1, "pro_rata", None)
    with pytest.raises(ValueError):
        allocate_pool([claim("a", 1, 5)], 1, "lottery", None)


def test_rules_refuse_floats_and_bad_settings() -> None:
    with pytest.raises(ValueError):
        MatchingRules(ratio=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Tier(1, 3, 0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Tier(3, 1, F(1))
    with pytest.raises(ValueError):
        MatchingRules(pool_fen=100.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        LibraryRules(policy="first_come")
    with pytest.raises(ValueError):
        MatchingRules(award_top=-1)


# --- properties ------------------------------------------------------------------------------

POLICIES = ("rank_order", "pro_rata", "water_fill")


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[Claim], int, str, int | None]:
    cap = draw(st.none() | st.integers(0, 5000))
    n = draw(st.integers(0, 8))
    claims = []
    for i in range(n):
        d = draw(st.sampled_from([0, 1, 3, 7]) | st.integers(0, 10000))
        claims.append(claim(f"p{i}", draw(st.integers(1, 5)), d, cap))
    total = sum(c.capped_fen for c in claims)
    pool = draw(st.integers(0, total + 10) | st.just(total) | st.just(max(total - 1, 0)))
    return claims, pool, draw(st.sampled_from(POLICIES)), cap


@settings(max_examples=400, deadline=None)
@given(pools())
def test_pool_spent_exactly_when_binding_and_nobody_above_d(case: tuple[list[Claim], int, str, int | None]) -> None:
    claims, pool, policy, cap = case
    shares = allocate_pool(claims, pool, policy, cap)
    assert set(shares) == {c.ref for c in claims}
    total_capped = sum(c.capped_fen for c in claims)
    for c in claims:
        share = shares[c.ref]
        assert 0 <= share.amount_fen <= c.capped_fen
        assert share.amount_fen == floor_fen(share.exact) + share.rounding_fen
        assert share.rounding_fen in (0, 1)
        if total_capped <= pool:
            assert share.amount_fen == c.capped_fen
    spent = sum(s.amount_fen for s in shares.values())
    assert spent == min(pool, total_capped)
    assert sum((s.exact for s in shares.values()), F(0)) == spent


@settings(max_examples=200, deadline=None)
@given(pools(), st.randoms(use_true_random=False))
def test_independent_of_claim_order_and_repeatable(case: tuple[list[Claim], int, str, int | None], rnd: random.Random) -> None:
    claims, pool, policy, cap = case
    shuffled = list(claims)
    rnd.shuffle(shuffled)
    first = allocate_pool(claims, pool, policy, cap)
    again = allocate_pool(shuffled, pool, policy, cap)
    assert first == again
    assert list(first) == list(again) == [c.ref for c in sorted(claims, key=lambda c: (c.rank, c.ref))]


@settings(max_examples=300, deadline=None)
@given(pools())
def test_rank_order_never_pays_a_worse_rank_before_a_better_one_is_full(case: tuple[list[Claim], int, str, int | None]) -> None:
    claims, pool, _, cap = case
    shares = allocate_pool(claims, pool, "rank_order", cap)
    for better in claims:
        for worse in claims:
            if better.rank < worse.rank and shares[worse.ref].amount_fen > 0:
                assert shares[better.ref].amount_fen == better.capped_fen


@settings(max_examples=300, deadline=None)
@given(pools())
def test_water_fill_gives_every_uncapped_claim_the_same_ratio_within_a_fen(case: tuple[list[Claim], int, str, int | None]) -> None:
    claims, pool, _, cap = case
    shares = allocate_pool(claims, pool, "water_fill", cap)
    if sum(c.capped_fen for c in claims) <= pool:
        return
    levels = {s.water_level for s in shares.values()}
    assert len(levels) == 1
    k = levels.pop()
    assert k is not None and 0 <= k <= 1
    assert sum((min(k * c.demand_fen, F(c.capped_fen)) for c in claims), F(0)) == pool
    for c in claims:
        target = k * c.demand_fen
        if cap is not None and target >= cap:
            assert shares[c.ref].amount_fen == cap
        else:
            assert abs(shares[c.ref].amount_fen - target) < 1


@settings(max_examples=200, deadline=None)
@given(pools())
def test_pro_rata_within_a_fen_of_the_exact_share(case: tuple[list[Claim], int, str, int | None]) -> None:
    claims, pool, _, cap = case
    total = sum(c.capped_fen for c in claims)
    shares = allocate_pool(claims, pool, "pro_rata", cap)
    if total > pool:
        for c in claims:
            assert abs(shares[c.ref].amount_fen - F(c.capped_fen * pool, total)) < 1


# --- input checks of the rule types ----------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda: MatchingRules(ratio=F(-1)),
    lambda: MatchingRules(ratio=-1),
    lambda: MatchingRules(ratio=True),  # type: ignore[arg-type]
    lambda: MatchingRules(ratio=F(3, 2) * 0.5),  # a float sneaking in through arithmetic
    lambda: Tier(1, 2, F(-1, 2)),
    lambda: Tier(1, 2, False),  # type: ignore[arg-type]
    lambda: Tier(0, 3, F(1)),
    lambda: Tier(-1, 3, F(1)),
    lambda: MatchingRules(pool_fen=-1),
    lambda: MatchingRules(cap_fen=-1),
    lambda: MatchingRules(pool_fen=True),  # type: ignore[arg-type]
    lambda: LibraryRules(pool_fen=-100),
    lambda: LibraryRules(cap_fen=-1),
    lambda: LibraryRules(pool_fen=10.0),  # type: ignore[arg-type]
    lambda: LibraryRules(cap_fen=5.5),  # type: ignore[arg-type]
    lambda: allocate_pool([claim("a", 1, 5)], 10.0, "pro_rata", None),  # type: ignore[arg-type]
    lambda: allocate_pool([Claim("a", 1, 5.0, 5.0)], 10, "pro_rata", None),  # type: ignore[arg-type]
    lambda: allocate_pool([claim("a", 1, 5)], 10, "pro_rata", -1),
])
def test_rule_types_refuse_negative_boolean_and_float_values(make) -> None:
    with pytest.raises(ValueError):
        make()


def test_the_boundaries_of_the_rule_types_are_accepted() -> None:
    """Zero is a valid ratio, pool and cap (nothing is paid); the first rank is 1."""
    assert MatchingRules(ratio=F(0), pool_fen=0, cap_fen=0).ratio == 0
    assert MatchingRules(ratio=0).ratio == 0 and MatchingRules(ratio=Decimal("0.7")).ratio == Decimal("0.7")
    assert Tier(1, 1, F(0)).from_rank == 1
    assert LibraryRules(pool_fen=0, cap_fen=0).cap_fen == 0
    assert amounts(allocate_pool([claim("a", 1, 500, cap=0)], 100, "water_fill", 0)) == {"a": 0}
