"""Which raised funds count (competition-rules.md section 2): donor keys, the donor cap,
counted sources, R and the donors count, with the reason for every line."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongyi.funding.counted import (
    COUNTED_BY_DEFAULT,
    FundLine,
    FundsRules,
    LineCount,
    count_funds,
    donor_key,
)
from gongyi.funding.sources import FUND_SOURCES, FUND_STATUSES

ALL = FundsRules(counted_sources=frozenset(FUND_SOURCES))


def line(donor: str, yuan: int, source: str = "enterprise", status: str = "verified") -> FundLine:
    return FundLine(source, donor, yuan * 100, status)


# --- donor keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, key", [
    ("腾讯公益", "腾讯公益"),
    ("  腾讯公益\t", "腾讯公益"),  # trimmed
    ("　腾讯公益　", "腾讯公益"),  # the ideographic space is white space too (NFKC makes it a plain one)
    ("ＡＢＣ　Ｆｏｕｎｄａｔｉｏｎ", "abc foundation"),  # full-width letters and space -> half-width, then case-folded
    ("ABC  \u00a0 Foundation", "abc foundation"),  # a run of spaces (a no-break one too) is one space
    ("ABC\nFoundation", "abc foundation"),
    ("Straße", "strasse"),  # casefold, not lower: ß folds to ss
    ("ﬁre", "fire"),  # NFKC splits the ligature
    ("", ""), ("   ", ""), ("\u3000", ""),  # anonymous
])
def test_donor_key_normalises_in_the_spec_order(typed, key) -> None:
    assert donor_key(typed) == key


def test_normalisation_happens_before_collapsing_spaces() -> None:
    # U+2003 EM SPACE is white space; NFKC first makes it a plain space, then the run collapses.
    assert donor_key("张\u2003\u2003先生") == "张 先生"
    # zero-width space is not white space: it stays, so the keys differ
    assert donor_key("张\u200b先生") != donor_key("张先生")


# --- counting --------------------------------------------------------------------------------


def test_variants_of_one_donor_share_the_cap() -> None:
    # cap 50,000: 腾讯 gives 30,000 + 40,000 in two spellings -> counted 50,000 (30,000 in full,
    # then 20,000 of the 40,000: over the donor cap). 张先生 10,000. R = 60,000, 2 donors.
    rules = FundsRules(donor_cap_fen=50_000_00)
    counted = count_funds([line("腾讯", 30_000), line(" 腾讯 ", 40_000), line("张先生", 10_000, "individual")], rules)
    assert counted.raised_fen == 60_000_00 and counted.donors == 2
    assert counted.lines == (
        LineCount("腾讯", 30_000_00, 30_000_00, "counted"),
        LineCount("腾讯", 40_000_00, 20_000_00, "over_donor_cap"),
        LineCount("张先生", 10_000_00, 10_000_00, "counted"),
    )


def test_a_line_after_the_cap_is_used_up_counts_nothing() -> None:
    rules = FundsRules(donor_cap_fen=200_00)
    counted = count_funds([line("A", 200), line("a", 1), line("Ａ", 5)], rules)
    assert [(c.counted_fen, c.reason) for c in counted.lines] == [(200_00, "counted"), (0, "over_donor_cap"),
                                                                   (0, "over_donor_cap")]
    assert counted.raised_fen == 200_00 and counted.donors == 1


def test_one_big_line_is_cut_to_the_cap() -> None:
    # "¥200,000 from 腾讯 counted as ¥50,000: donor cap"
    counted = count_funds([line("腾讯", 200_000)], FundsRules(donor_cap_fen=50_000_00))
    assert counted.lines == (LineCount("腾讯", 200_000_00, 50_000_00, "over_donor_cap"),)
    assert counted.raised_fen == 50_000_00


def test_government_money_is_not_counted_by_default() -> None:
    counted = count_funds([line("区民政局", 80_000, "government"), line("某基金会", 5_000, "foundation")], FundsRules())
    assert counted.raised_fen == 5_000_00 and counted.donors == 1
    assert counted.lines[0] == LineCount("区民政局", 80_000_00, 0, "source_not_counted")
    assert "government" not in COUNTED_BY_DEFAULT
    assert count_funds([line("区民政局", 80_000, "government")], ALL).raised_fen == 80_000_00


def test_pending_and_rejected_lines_never_count_whatever_the_source() -> None:
    counted = count_funds([line("甲", 100, status="pending"), line("乙", 200, "government", "rejected"),
                           line("丙", 300, status="rejected")], ALL)
    assert counted.raised_fen == 0 and counted.donors == 0
    assert [c.reason for c in counted.lines] == ["pending", "rejected", "rejected"]


def test_anonymous_gifts_are_one_donor_and_zero_donors_are_not_counted() -> None:
    # "" and "   " are the same anonymous donor: capped together; a donor whose counted amount is 0
    # (a 0.00 line, or only pending lines) is not counted among the donors.
    counted = count_funds([line("", 300), line("   ", 300), line("李", 0), line("王", 50, status="pending")],
                          FundsRules(donor_cap_fen=500_00))
    assert counted.raised_fen == 500_00 and counted.donors == 1
    assert [c.donor_key for c in counted.lines] == ["", "", "李", "王"]


def test_a_cap_per_donor_does_not_limit_other_donors() -> None:
    counted = count_funds([line(f"捐赠方{i}", 100) for i in range(5)], FundsRules(donor_cap_fen=100_00))
    assert counted.raised_fen == 500_00 and counted.donors == 5


def test_only_the_counted_sources_count() -> None:
    rules = FundsRules(counted_sources=frozenset({"individual"}))
    counted = count_funds([line("甲", 10, "individual"), line("乙", 20, "enterprise"), line("丙", 30, "other")], rules)
    assert counted.raised_fen == 10_00 and [c.reason for c in counted.lines] == ["counted", "source_not_counted",
                                                                                  "source_not_counted"]


@pytest.mark.parametrize("make", [
    lambda: FundsRules(counted_sources=frozenset()),
    lambda: FundsRules(counted_sources=frozenset({"lottery"})),
    lambda: FundsRules(donor_cap_fen=0),
    lambda: FundsRules(donor_cap_fen=-1),
    lambda: FundsRules(donor_cap_fen=100.0),  # type: ignore[arg-type]
    lambda: FundsRules(donor_cap_fen=True),  # type: ignore[arg-type]
    lambda: FundsRules(min_donors=-1),
    lambda: FundsRules(min_donors=False),  # type: ignore[arg-type]
    lambda: FundLine("company", "甲", 100, "verified"),
    lambda: FundLine("enterprise", "甲", 100, "approved"),
    lambda: FundLine("enterprise", "甲", -1, "verified"),
    lambda: FundLine("enterprise", "甲", 1.5, "verified"),  # type: ignore[arg-type]
])
def test_bad_settings_and_lines_are_refused(make) -> None:
    with pytest.raises(ValueError):
        make()


def test_the_smallest_settings_are_accepted() -> None:
    assert FundsRules(counted_sources=frozenset({"other"}), donor_cap_fen=1, min_donors=0).donor_cap_fen == 1
    assert FundLine("other", "", 0, "pending").amount_fen == 0


# --- properties ------------------------------------------------------------------------------

donors = st.sampled_from(["腾讯", " 腾讯", "ＴＥＮＣＥＮＴ", "tencent", "", "  ", "张先生", "张 先生", "Straße", "STRASSE"])
lines_strategy = st.lists(st.builds(FundLine, st.sampled_from(FUND_SOURCES), donors, st.integers(0, 100_000),
                                    st.sampled_from(FUND_STATUSES)), max_size=12)
rules_strategy = st.builds(FundsRules, st.frozensets(st.sampled_from(FUND_SOURCES), min_size=1),
                           st.none() | st.integers(1, 150_000), st.integers(0, 3))


@settings(max_examples=150, deadline=None)
@given(lines_strategy, rules_strategy, st.randoms(use_true_random=False))
def test_r_and_donors_do_not_depend_on_the_order_of_lines(lines, rules, rnd: random.Random) -> None:
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    a, b = count_funds(lines, rules), count_funds(shuffled, rules)
    assert (a.raised_fen, a.donors) == (b.raised_fen, b.donors)


@settings(max_examples=150, deadline=None)
@given(lines_strategy, rules_strategy)
def test_counted_amounts_add_up_and_respect_the_cap(lines, rules) -> None:
    counted = count_funds(lines, rules)
    assert counted.raised_fen == sum(c.counted_fen for c in counted.lines)
    per_donor: dict[str, int] = {}
    for fund, c in zip(lines, counted.lines):
        assert 0 <= c.counted_fen <= fund.amount_fen
        assert c.donor_key == donor_key(fund.donor)
        assert (c.counted_fen > 0) <= (fund.status == "verified" and fund.source in rules.counted_sources)
        assert (c.reason == "counted") == (c.counted_fen == fund.amount_fen and fund.status == "verified"
                                           and fund.source in rules.counted_sources)
        per_donor[c.donor_key] = per_donor.get(c.donor_key, 0) + c.counted_fen
    if rules.donor_cap_fen is not None:
        assert all(v <= rules.donor_cap_fen for v in per_donor.values())
    assert counted.donors == sum(1 for v in per_donor.values() if v > 0)


@settings(max_examples=100, deadline=None)
@given(lines_strategy)
def test_all_sources_and_no_cap_is_the_sum_of_verified_lines(lines) -> None:
    """Version 1's R: every verified line counts in full."""
    assert count_funds(lines, ALL).raised_fen == sum(f.amount_fen for f in lines if f.status == "verified")
