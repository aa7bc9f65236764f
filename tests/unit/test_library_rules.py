"""The library's pure rules: carrying and expiry, pledge limits, entry rules across editions and
leverage, each with hand-worked examples and Hypothesis properties."""
from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from gongyi.library import carrying, eligibility, leverage, pledges
from gongyi.library.eligibility import Bar, PastProject, Rules
from gongyi.library.vocab import ENTRY_STATUSES, OPEN_STATUSES

# --- carrying and expiry ------------------------------------------------------------------------


@pytest.mark.parametrize("status, editions, expires_after, decision", [
    ("waiting", 1, 2, "carry"),  # first edition of a two-edition library: moves on
    ("waiting", 2, 2, "expire"),  # its second: spent
    ("waiting", 1, 1, "expire"),  # a one-edition library never carries
    ("waiting", 3, 5, "carry"),
    ("funded", 1, 2, "keep"),  # a library grant: not waiting any more
    ("adopted", 1, 2, "keep"),
    ("carried", 1, 2, "keep"),
    ("expired", 9, 2, "keep"),
])
def test_carry_decisions(status, editions, expires_after, decision):
    assert carrying.carry_decision(status, editions, expires_after) == decision


@given(st.integers(1, 10), st.integers(1, 10))
def test_a_waiting_entry_is_carried_exactly_expires_after_minus_one_times(expires_after, start):
    """Carried from its first edition on, an entry spends exactly `expires_after` editions in the library."""
    editions, carried = 1, 0
    while carrying.carry_decision("waiting", editions, expires_after) == carrying.CARRY:
        editions, carried = editions + 1, carried + 1
    assert carried == expires_after - 1 and editions == expires_after


@given(st.sampled_from(sorted(ENTRY_STATUSES)), st.integers(1, 10), st.integers(1, 10))
def test_only_waiting_entries_ever_move(status, editions, expires_after):
    decision = carrying.carry_decision(status, editions, expires_after)
    assert (decision != carrying.KEEP) == (status in OPEN_STATUSES)


def test_carry_decision_refuses_nonsense():
    with pytest.raises(ValueError):
        carrying.carry_decision("waiting", 0, 2)


@pytest.mark.parametrize("status, outcome, grant, withdrawn, after", [
    ("waiting", "matched", 0, False, "matched"),  # moved up when a matched project withdrew
    ("funded", "library", 0, False, "waiting"),  # a revised pool no longer reaches it
    ("waiting", "library", 500, False, "funded"),
    ("adopted", "library", 0, False, "adopted"),
    ("waiting", None, 0, False, "withdrawn"),
    ("funded", "library", 500, True, "withdrawn"),
])
def test_revised_final_results(status, outcome, grant, withdrawn, after):
    assert carrying.revised_status(status, outcome, grant, withdrawn) == after


@pytest.mark.parametrize("text, hundredths", [("87.50", 8750), ("61.5", 6150), ("60", 6000), (None, None), ("", None), ("6x", None), ("63.x", None), ("-1", None),
    ("６０", None)])
def test_score_hundredths(text, hundredths):
    assert carrying.score_hundredths(text) == hundredths


# --- pledge limits ------------------------------------------------------------------------------


def test_pledge_limits_hand_worked():
    # Requested 20,000.00; the library pool gave 13,333.33; a confirmed pledge 1,000.00: 5,666.67 left.
    need = pledges.Need(2_000_000, 1_333_333, 100_000)
    assert need.remaining_fen == 566_667
    assert pledges.pledge_problem(566_667, need) is None
    assert pledges.pledge_problem(566_668, need) == "over_need"
    assert pledges.pledge_problem(566_668, need, allow_over=True) is None
    assert pledges.pledge_problem(0, need, allow_over=True) == "not_positive"
    assert pledges.Need(1000, 800, 300).remaining_fen == 0 and pledges.Need(1000, 800, 300).covered


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.lists(st.integers(1, 10**8), max_size=20))
def test_pledges_accepted_one_by_one_never_exceed_the_need(requested, public, offers):
    confirmed = 0
    for amount in offers:
        need = pledges.Need(requested, public, confirmed)
        if pledges.pledge_problem(amount, need) is None:
            confirmed += amount
    assert confirmed <= max(0, requested - public)


# --- brand criteria the record checks ------------------------------------------------------------


@pytest.mark.parametrize("evaluation, years, checked", [
    ("passed", 1, {"evaluation_passed": True, "years_running": False}),
    ("failed", 2, {"evaluation_passed": False, "years_running": True}),
    (None, 3, {"evaluation_passed": False, "years_running": True}),
    (None, 0, {"evaluation_passed": False, "years_running": False}),
])
def test_checked_brand_criteria(evaluation, years, checked):
    from gongyi.library.brands import checked_criteria, criteria_problem
    from gongyi.library.record import KnownRecord

    known = KnownRecord("matched", 100, 0, years, evaluation, "completed")
    assert checked_criteria(known) == checked
    # A checked criterion may be chosen only when the record meets it.
    for code, met in checked.items():
        assert (criteria_problem([code], known) is None) == met, code


@pytest.mark.parametrize("criteria, own", [
    ([], []),
    (["evaluation_passed", "years_running"], []),
    (["replicable"], ["replicable"]),
    (["evaluation_passed", "replicable", "years_running", "indicators_reached"], ["replicable", "indicators_reached"]),
    (["indicators_reached", "evaluation_passed", "replicable"], ["indicators_reached", "replicable"]),
])
def test_own_criteria_are_the_chosen_ones_the_record_does_not_check(criteria, own):
    from gongyi.library.brands import own_criteria

    assert own_criteria(criteria) == own


# --- grants from an edition's library pool ------------------------------------------------------


def test_pool_grant_limits_hand_worked():
    # Requested 25,000.00, a confirmed pledge 15,000.00 (10,000.00 still needed), 5,000.00 left in the pool.
    assert carrying.pool_grant_problem(500_000, 2_500_000, 1_500_000, 500_000) is None
    assert carrying.pool_grant_problem(500_001, 2_500_000, 1_500_000, 500_000) == "over_pool"
    assert carrying.pool_grant_problem(1_000_001, 2_500_000, 1_500_000, 5_000_000) == "over_need"
    assert carrying.pool_grant_problem(2_500_001, 2_500_000, 0, 5_000_000) == "over_request"
    assert carrying.pool_grant_problem(0, 2_500_000, 0, 5_000_000) == "not_positive"
    assert carrying.pool_grant_problem(1, 2_500_000, 0, -100) == "over_pool"  # revised results overspent it


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(-10**6, 10**9), st.integers(-10, 10**9))
def test_a_pool_grant_that_fits_never_exceeds_the_request_the_need_or_the_pool(requested, covered, left, amount):
    if carrying.pool_grant_problem(amount, requested, covered, left) is None:
        assert 0 < amount <= min(requested, requested - covered, left)


# --- entry rules --------------------------------------------------------------------------------

TODAY = date(2027, 3, 10)


def past(ago: int, *, funded=True, evaluation=None, title="长者助餐", ref="A") -> PastProject:
    return PastProject(ref, title, f"{2027 - ago} 大赛", ago, funded, evaluation)


def rules_of(refusals) -> list[str]:
    return [r.rule for r in refusals]


def test_barred_organisations_are_refused_between_the_dates_with_the_reason():
    bar = Bar("挪用资金", date(2027, 1, 1), date(2027, 12, 31))
    assert rules_of(eligibility.entry_refusals(Rules(), TODAY, [bar], [])) == ["barred"]
    refusal = eligibility.entry_refusals(Rules(), TODAY, [bar], [])[0]
    assert refusal.params == {"reason": "挪用资金", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    assert eligibility.entry_refusals(Rules(), date(2028, 1, 1), [bar], []) == []
    assert eligibility.entry_refusals(Rules(), date(2026, 12, 31), [bar], []) == []
    assert eligibility.entry_refusals(Rules(barred_list=False), TODAY, [bar], []) == []
    assert rules_of(eligibility.entry_refusals(Rules(), TODAY, [Bar("x", TODAY, None)], [])) == ["barred"]


def test_a_failed_final_evaluation_refuses_for_the_set_number_of_editions():
    failed = [past(2, evaluation="failed")]
    assert rules_of(eligibility.entry_refusals(Rules(failed_evaluation_editions=2), TODAY, [], failed)) == [
        "failed_evaluation"]
    assert eligibility.entry_refusals(Rules(failed_evaluation_editions=1), TODAY, [], failed) == []  # too long ago
    assert eligibility.entry_refusals(Rules(failed_evaluation_editions=0), TODAY, [], failed) == []  # rule off
    unfunded = [past(1, funded=False, evaluation="failed")]
    assert eligibility.entry_refusals(Rules(failed_evaluation_editions=3), TODAY, [], unfunded) == []
    unknown = [past(1, evaluation=None)]  # no evaluation recorded: the rule finds nothing
    assert eligibility.entry_refusals(Rules(failed_evaluation_editions=3), TODAY, [], unknown) == []


def test_the_same_project_is_not_funded_twice_but_a_replication_is_not_the_same_project():
    on = Rules(no_second_funding=True)
    funded = [past(1, title="长者 助餐")]
    assert rules_of(eligibility.entry_refusals(on, TODAY, [], funded, title="长者助餐")) == ["second_funding"]
    assert eligibility.entry_refusals(on, TODAY, [], funded, title="长者助餐", replication=True) == []
    assert eligibility.entry_refusals(on, TODAY, [], funded, title="四点半课堂") == []
    assert eligibility.entry_refusals(on, TODAY, [], funded, title=None) == []  # no title yet
    assert eligibility.entry_refusals(Rules(), TODAY, [], funded, title="长者助餐") == []  # off by default
    assert eligibility.entry_refusals(on, TODAY, [], [past(1, funded=False)], title="长者助餐") == []


def test_every_rule_that_refuses_is_named_in_order():
    found = eligibility.entry_refusals(Rules(failed_evaluation_editions=1, no_second_funding=True), TODAY,
                                       [Bar("x", TODAY, None)], [past(1, evaluation="failed")], title="长者助餐")
    assert rules_of(found) == ["barred", "failed_evaluation", "second_funding"]


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(0, 400), st.integers(0, 400))
def test_a_bar_applies_exactly_on_its_days(start, length, offset):
    bar = Bar("r", start, start + timedelta(days=length))
    day = start + timedelta(days=offset)
    assert bar.active(day) == (offset <= length)


@given(st.text(max_size=20), st.text(alphabet=" \t", max_size=3))
def test_same_project_ignores_whitespace_and_case(title, space):
    if "".join(title.split()):
        assert eligibility.same_project(title, space + title.upper() + space) == eligibility.same_project(title, title)


# --- leverage -----------------------------------------------------------------------------------


def project(call_id, sid, *, sources=None, counted=0, matching=0, library=0, pledged=0):
    return leverage.ProjectFunds(call_id, sid, sources or {}, counted, matching, library, pledged)


def test_leverage_hand_worked():
    """Call 1: A raised 60,000 (counted 60,000), matched 50,000; B raised 30,000, matched 30,000;
    G library grant 13,333.33 with nothing raised and a 5,000 pledge; E not funded but raised 10,000.
    Public money 93,333.33; counted R of funded projects 90,000 -> 0.96 (90,000 / 93,333.33 =
    0.964...); with the pledge 95,000 / 93,333.33 = 1.0178..."""
    totals = leverage.call_funds([
        project(1, 1, sources={"enterprise": 6_000_000}, counted=6_000_000, matching=5_000_000),
        project(1, 2, sources={"individual": 3_000_000}, counted=3_000_000, matching=3_000_000),
        project(1, 3, library=1_333_333, pledged=500_000),
        project(1, 4, sources={"enterprise": 1_000_000}, counted=1_000_000),
        project(2, 5, sources={"government": 100_000}),
    ])
    one = totals[1]
    assert (one.projects, one.matching_fen, one.library_fen, one.pledged_fen, one.counted_fen) == (
        4, 8_000_000, 1_333_333, 500_000, 9_000_000)
    assert one.by_source == {"enterprise": 7_000_000, "individual": 3_000_000}
    assert one.public_fen == 9_333_333
    assert one.leverage == Fraction(9_000_000, 9_333_333)
    assert one.leverage_with_pledges == Fraction(9_500_000, 9_333_333)
    assert round(float(one.leverage), 4) == 0.9643 and round(float(one.leverage_with_pledges), 4) == 1.0179
    assert totals[2].leverage is None and totals[2].by_source == {"government": 100_000}


@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 10**7), st.integers(0, 10**7), st.integers(0, 10**7),
                          st.integers(0, 10**7)), max_size=30))
def test_call_totals_add_up_their_projects(rows):
    projects = [project(c, i, counted=r, matching=m, library=l, pledged=p) for i, (c, r, m, l, p) in enumerate(rows)]
    totals = leverage.call_funds(projects)
    for call_id, t in totals.items():
        mine = [p for p in projects if p.call_id == call_id]
        assert t.public_fen == sum(p.matching_fen + p.library_fen for p in mine)
        assert t.counted_fen == sum(p.counted_fen for p in mine if p.public_fen)
        if t.public_fen:
            assert t.leverage_with_pledges >= t.leverage
