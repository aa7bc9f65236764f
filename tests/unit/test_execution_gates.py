"""Tranche gates, whole-fen splits, release and recovery limits and the disclosure figures (pure)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongyi.execution.gates import (FAILED, PASSED, PENDING, GateError, GateState, check_recovery, check_release,
                                    disclose, over_budget, parse_schedule, split_allocation, tranche_verdict)


def test_split_of_the_usual_schedule_by_hand():
    # 33,333.33 yuan: 50% = 1,666,666.5 fen -> 1,666,666; 30% = 999,999.9 -> 999,999; the last gets 666,668.
    assert split_allocation(3_333_333, [50, 30, 20]) == [1_666_666, 999_999, 666_668]
    assert split_allocation(5_000_000, [50, 30, 20]) == [2_500_000, 1_500_000, 1_000_000]
    assert split_allocation(1, [50, 50]) == [0, 1]


@given(st.integers(min_value=0, max_value=10**12),
       st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=5).filter(lambda s: sum(s) <= 100))
def test_split_adds_up_to_the_allocation_in_whole_fen(allocated, shares):
    shares = shares[:-1] + [shares[-1] + 100 - sum(shares)]
    amounts = split_allocation(allocated, shares)
    assert sum(amounts) == allocated
    assert all(isinstance(a, int) and a >= 0 for a in amounts)
    for amount, share in zip(amounts[:-1], shares[:-1]):
        assert amount * 100 <= allocated * share < (amount + 1) * 100


@pytest.mark.parametrize("shares", [[50, 30], [60, 50, -10], [], [100, 0]])
def test_shares_must_be_positive_and_add_up_to_100(shares):
    with pytest.raises(GateError):
        split_allocation(100, shares)


def test_schedule_as_typed():
    assert parse_schedule("signing:50, midterm:30，final:20") == [("signing", 50), ("midterm", 30), ("final", 20)]
    assert parse_schedule("signing:100") == [("signing", 100)]
    for bad in ("signing:50,signing:50", "final:50,signing:50", "later:100", "signing:5x,final:95", "signing:50"):
        with pytest.raises(GateError) as caught:
            parse_schedule(bad)
        assert caught.value.field == "schedule"


def test_each_gate_waits_for_its_condition():
    unsigned, signed = GateState(False), GateState(True)
    assert not tranche_verdict("signing", unsigned).met
    assert tranche_verdict("signing", signed).met
    assert not tranche_verdict("midterm", signed).met
    assert not tranche_verdict("midterm", GateState(True, PENDING)).met
    assert not tranche_verdict("midterm", GateState(False, PASSED)).met  # no agreement, no money
    assert tranche_verdict("midterm", GateState(True, PASSED)).met
    assert not tranche_verdict("final", GateState(True, PASSED)).met
    assert not tranche_verdict("final", GateState(True, PASSED, PENDING)).met
    assert tranche_verdict("final", GateState(True, PASSED, PASSED)).met


def test_a_failed_evaluation_stops_its_tranche_and_every_later_one():
    failed_midterm = GateState(True, FAILED)
    assert tranche_verdict("signing", failed_midterm).met
    assert tranche_verdict("midterm", failed_midterm).stopped
    assert tranche_verdict("final", failed_midterm).stopped
    failed_final = GateState(True, PASSED, FAILED)
    assert tranche_verdict("midterm", failed_final).met
    final = tranche_verdict("final", failed_final)
    assert final.stopped and not final.met


@given(st.booleans(), st.sampled_from([None, PENDING, PASSED, FAILED]), st.sampled_from([None, PENDING, PASSED, FAILED]),
       st.sampled_from(["signing", "midterm", "final"]))
def test_a_tranche_is_never_both_releasable_and_stopped(signed, midterm, final, gate):
    verdict = tranche_verdict(gate, GateState(signed, midterm, final))
    assert not (verdict.met and verdict.stopped)
    if verdict.met:
        assert signed
        assert gate == "signing" or midterm != FAILED
        assert gate != "midterm" or midterm == PASSED
        assert gate != "final" or final == PASSED  # a schedule without a mid-term tranche needs no mid-term


def test_release_never_above_the_allocation():
    check_release(5_000_000, 2_500_000, 2_500_000)
    with pytest.raises(GateError):
        check_release(5_000_000, 2_500_000, 2_500_001)
    with pytest.raises(GateError):
        check_release(5_000_000, 0, 0)


@given(st.integers(min_value=1, max_value=10**10), st.lists(st.integers(min_value=-5, max_value=10**10), max_size=8))
def test_accepted_releases_never_sum_above_the_allocation(allocated, attempts):
    paid = 0
    for amount in attempts:
        try:
            check_release(allocated, paid, amount)
        except GateError:
            continue
        paid += amount
    assert 0 <= paid <= allocated


def test_recovery_at_most_what_was_paid_and_not_recovered():
    check_recovery(100, 40, 60)
    with pytest.raises(GateError):
        check_recovery(100, 40, 61)
    with pytest.raises(GateError):
        check_recovery(100, 0, 0)


def test_disclosure_figures_by_hand():
    # Allocated 50,000.00; paid 25,000.00 + 15,000.00; 2,000.00 recovered;
    # spent 18,000.00 + 6,500.50 on food and 3,000.00 on training (of 60,000.00 and 20,000.00 planned).
    figures = disclose(5_000_000, [2_500_000, 1_500_000], [200_000],
                       [("餐费补贴", 6_000_000, [1_800_000, 650_050]), ("探访志愿者培训", 2_000_000, [300_000])],
                       [("服务人次", "人次", 200, [80, 45]), ("探访次数", "次", 50, [])])
    assert (figures.paid_fen, figures.recovered_fen, figures.net_paid_fen) == (4_000_000, 200_000, 3_800_000)
    assert figures.spent_fen == 2_750_050
    assert figures.unspent_fen == 3_800_000 - 2_750_050 == 1_049_950
    assert figures.unpaid_fen == 1_000_000
    assert [(line.what, line.spent_fen) for line in figures.lines] == [("餐费补贴", 2_450_050), ("探访志愿者培训", 300_000)]
    assert [(i.name, i.reached) for i in figures.indicators] == [("服务人次", 125), ("探访次数", 0)]


def test_unspent_is_never_negative():
    assert disclose(100, [100], [], [("x", 50, [150])], []).unspent_fen == 0


def test_over_budget():
    assert not over_budget(1000, 400, 600)
    assert over_budget(1000, 400, 601)
