"""The ledger explained in words: each step's numbers are the engine's, for every pool policy."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction as F
from types import SimpleNamespace

from gongyi.funding.allocate import LibraryRules, MatchingRules, Tier
from gongyi.results.engine import compute_results
from gongyi.results.explain import decimal_text, exact_yuan, explain_row
from gongyi.results.rank import Entry, ReviewRules

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
RULES = {"review": {"min_reviews": 3}, "matching": {"award_top": 3, "tiers": [{"from_rank": 1, "to_rank": 1, "ratio": "2"}]}}


def entry(ref: str, score: int, raised_fen: int, requested_fen: int = 0, reviews: int = 3) -> Entry:
    return Entry(ref, (F(score),) * reviews, raised_fen, T0, requested_fen)


def explained(entries, matching: MatchingRules, library: LibraryRules = LibraryRules(), rules=RULES) -> dict[str, list[str]]:
    """ref -> the lines a person reads (steps "label：text", or the note), both pools."""
    results = compute_results(entries, ReviewRules(), matching, library)
    out = {}
    for r in results.rows:
        ledger = {}
        if r.ledger:
            ledger["matching"] = r.ledger.as_dict()
        if r.library_ledger:
            ledger["library"] = r.library_ledger.as_dict()
        row = SimpleNamespace(ledger=ledger or None, outcome=r.outcome, rank=r.rank, complete_reviews=r.complete_reviews,
                              matching_fen=r.matching_fen, library_grant_fen=r.library_grant_fen)
        lines = []
        for section in explain_row(row, rules):
            lines += [f"{s.label}：{s.text % s.params}" for s in section.steps]
            if section.note:
                lines.append(section.note.text % section.note.params)
        out[r.ref] = lines
    return out


def test_numbers_as_people_read_them():
    assert decimal_text(F(3, 2)) == "1.5" and decimal_text(F(2)) == "2" and decimal_text(F(1, 3)) == "0.333333…"
    assert decimal_text(F(-1, 8)) == "-0.125"
    assert exact_yuan(F(123450)) == "1,234.50" and exact_yuan(F(5_000_000, 3)) == "16,666.6666…"
    assert exact_yuan(F(1, 2)) == "0.005"


def test_water_fill_with_a_project_held_at_the_cap():
    # d: A 1,000,000 (raised 10,000.00), B 200,000, C 100,000 fen; cap 300,000; pool 500,000.
    # k = 5/13 would give A more than the cap, so A is held at 300,000 and the others share
    # 200,000 at k = 2/3: B 133,333.33.. (floor 133,333), C 66,666.66.. (floor 66,666, +1 fen).
    lines = explained([entry("A", 90, 1_000_000), entry("B", 80, 200_000), entry("C", 70, 100_000)],
                      MatchingRules(pool_fen=500_000, award_top=3, cap_fen=300_000, policy="water_fill"),
                      rules={**RULES, "matching": {"award_top": 3, "tiers": []}})
    a, b, c = lines["A"], lines["B"], lines["C"]
    assert "已核实募集资金：R = ¥10,000.00（只计已核实的资金，待核实和未通过的不计）。" in a
    assert "配套需求 d：d = 1 × ¥10,000.00，向下取整到分 = ¥10,000.00。" in a
    assert "单个项目上限：上限 C = ¥3,000.00，封顶后需求 D = min(d, C) = ¥3,000.00。" in a
    assert any(line.startswith("资金池：资金池 ¥5,000.00 少于各项目需求 D 合计 ¥6,000.00") for line in a)
    assert "配套水位：k = 0.666666…；本项目 k × ¥10,000.00 达到上限，按上限得 ¥3,000.00。" in a
    assert "配套水位：k = 0.666666…；k × ¥2,000.00 = ¥1,333.3333…。" in b
    assert any("向下取整到分，得 ¥1,333.33（剩下的几分钱补给了小数部分更大的项目）" in line for line in b)
    assert any("向下取整到分为 ¥666.66" in line and "本项目补 1 分，得 ¥666.67" in line for line in c)


def test_rank_order_tiers_exhaustion_and_the_library():
    # Rank 1 at the tier ratio 2: d = 2 x 3,000.00 = 6,000.00; pool 6,000.00 is spent on it, so
    # rank 2 (D 1,000.00) gets 0 and goes to the library; rank 4 is outside award_top=3.
    lines = explained(
        [entry("A", 90, 300_000, 50_000), entry("B", 80, 100_000, 40_000), entry("C", 70, 0, 80_000),
         entry("D", 65, 50_000, 20_000), entry("E", 50, 10_000), entry("F", 99, 10_000, reviews=2)],
        MatchingRules(pool_fen=600_000, award_top=3, tiers=(Tier(1, 1, F(2)),)),
        LibraryRules(pool_fen=100_000, cap_fen=60_000, policy="pro_rata"))
    assert "配套比例：第 1 名，适用第 1–1 名的分段比例 1 : 2。" in lines["A"]
    assert "足额获得：轮到第 1 名时剩余资金足够，本项目足额得 ¥6,000.00。" in lines["A"]
    assert "已获配套资金，不再从项目库资金池获得资助。" in lines["A"]
    assert "配套比例：第 2 名，适用配套比例 1 : 1。" in lines["B"]
    assert "资金池已用完：轮到第 2 名时资金池已经分完，本项目得 0。" in lines["B"]
    # Library: B asks 400.00, C 800.00 capped at 600.00, D 200.00: 1,200.00 > 1,000.00 pro rata.
    assert "单个项目上限：申请金额 ¥800.00，上限 ¥600.00，需求 L = min(申请金额, 上限) = ¥600.00。" in lines["C"]
    assert "按比例计算：¥600.00 × ¥1,000.00 ÷ ¥1,200.00 = ¥500.00。" in lines["C"]
    assert not any(line.startswith("取整到分") for line in lines["C"])  # 500.00 exactly: nothing to round
    assert "第 4 名，在配套名额（前 3 名）之外，不参与配套。" in lines["D"]
    assert "第 5 名，未入围，不参与配套。" in lines["E"] and "未入围，不进入项目库。" in lines["E"]
    assert "完整评审 2 份，少于参与排名所需的 3 份，未排名，不参与配套。" in lines["F"]


def test_equal_ranks_share_the_last_slice_and_an_ample_pool_pays_in_full():
    # B and C tie (same score, raised and time) at rank 2 and share the 1,000.00 left after A.
    tie = [entry("A", 90, 200_000), entry("B", 80, 100_000), entry("C", 80, 100_000)]
    lines = explained(tie, MatchingRules(pool_fen=300_000, award_top=3))
    assert ("分享剩余资金：轮到第 2 名时资金池只剩 ¥1,000.00，不够这一名次的项目（需求合计 ¥2,000.00）足额获得，"
            "按各自 D 的比例分享：¥1,000.00 × ¥1,000.00 ÷ ¥2,000.00 = ¥500.00。") in lines["B"]
    ample = explained(tie, MatchingRules(pool_fen=1_000_000, award_top=3))
    assert ("资金池：资金池 ¥10,000.00，各项目需求 D 合计 ¥4,000.00，资金池足够，"
            "每个项目足额获得自己的 D，本项目得 ¥2,000.00。") in ample["A"]


def test_r_is_explained_with_what_cut_it_and_funds_line_by_line():
    from gongyi.results.explain import explain_funds

    row = SimpleNamespace(outcome="matched", rank=1, complete_reviews=3, matching_fen=50_000_00, library_grant_fen=0, ledger={
        "matching": {"pool": "matching", "ref": "A", "rank": 1, "verified_raised_fen": 50_000_00, "requested_fen": 0,
                     "ratio": "1", "demand_fen": 50_000_00, "cap_fen": None, "capped_fen": 50_000_00, "policy": "rank_order",
                     "pool_fen": 10**9, "total_capped_fen": 50_000_00, "pool_binding": False, "exact": "5000000",
                     "water_level": None, "rounding_fen": 0, "amount_fen": 50_000_00, "step": "full"},
        "funds": {"raised_fen": 50_000_00, "donors": 1, "lines": [
            {"line_id": 7, "donor_key": "腾讯", "amount_fen": 200_000_00, "counted_fen": 50_000_00, "reason": "over_donor_cap"},
            {"line_id": 8, "donor_key": "", "amount_fen": 10_00, "counted_fen": 0, "reason": "pending"}]}})
    matching, _ = explain_row(row, RULES)
    first = matching.steps[0]
    assert (first.label, first.text % first.params) == (
        "计入的募集资金", "R = ¥50,000.00（只计已核实且来源计入的资金，每个捐赠方最多计到捐赠方上限）。")
    lines = [s.text % s.params for s in explain_funds(row.ledger["funds"])]
    assert lines == ["¥200,000.00 来自腾讯，按捐赠方上限计入 ¥50,000.00", "¥10.00 来自匿名捐赠方，不计入：尚待核实",
                     "R = ¥50,000.00，捐赠方 1 个。"]


def test_notes_for_held_too_few_donors_and_out_in_an_earlier_round():
    rules = {**RULES, "funds": {"min_donors": 2}, "rounds": [
        {"code": "online", "name": "网评", "criteria": None, "min_reviews": None, "aggregate": None, "trim_from": None,
         "advance": 2, "advance_min_score": "0", "panels": [{"code": "expert", "weight": "1", "min_reviews": None}]},
        {"code": "final", "name": "路演", "criteria": None, "min_reviews": None, "aggregate": None, "trim_from": None,
         "advance": None, "advance_min_score": None,
         "panels": [{"code": "expert", "weight": "0.7", "min_reviews": 2}, {"code": "public", "weight": "0.3", "min_reviews": 1}]},
    ], "review": {"min_reviews": 3, "aggregate": "mean", "trim_from": 5}}

    def notes(outcome, rank, donors=0, rounds=()):
        row = SimpleNamespace(outcome=outcome, rank=rank, complete_reviews=2, matching_fen=0, library_grant_fen=0,
                              donors=donors, ledger={"rounds": list(rounds)})
        matching, library = explain_row(row, rules)
        return matching.note.text % matching.note.params, library.note.text % library.note.params

    assert notes("held", 1) == ("资金暂缓拨付：名次不变，但不获配套资金。", "资金暂缓拨付，不从项目库资金池获得资助。")
    assert notes("library", 2, donors=1)[0] == "捐赠方 1 个，少于获得配套所需的 2 个，不参与配套。"
    online = {"round": "online", "complete_reviews": 3, "aggregate": "60", "rank": 5, "advanced": False,
              "panels": [{"panel": "expert", "complete_reviews": 3, "aggregate": "60"}]}
    assert notes("not_shortlisted", 5, rounds=[online])[0] == "第 5 名，未晋级下一轮，不参与配套。"
    final = {"round": "final", "complete_reviews": 2, "aggregate": None, "rank": None, "advanced": False,
             "panels": [{"panel": "expert", "complete_reviews": 2, "aggregate": "80"},
                        {"panel": "public", "complete_reviews": 0, "aggregate": None}]}
    assert notes("unranked", None, rounds=[online, final])[0] == \
        "评审组 public 的完整评审 0 份，少于参与排名所需的 1 份，未排名，不参与配套。"
