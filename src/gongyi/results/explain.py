"""A result row's ledger in plain words, step by step, for the project's result page. Pure.

The engine saves, per pool, the numbers behind an amount (engine.LedgerLine.as_dict): verified
raised R, the ratio for the rank, demand d, cap C, capped demand D, the pool and the policy
that shared it, the exact share and the rounding fen. This turns them into numbered steps a
person can check with a calculator. Texts are Chinese msgids with %(name)s parameters
(marked with N_), translated where they are shown; amounts are already formatted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from gongyi.calls.rules import resolved_rounds
from gongyi.errors import N_
from gongyi.money import format_fen

# engine/allocate.py writes this for the group that shares what is left of a rank_order pool.
_LAST_SLICE = re.compile(r"share of the last (\d+) fen: D x \d+ / (\d+)")


@dataclass(frozen=True)
class Step:
    label: str
    text: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """One pool's explanation: numbered steps, or a single note when the row did not claim on it."""

    pool: str  # matching | library
    title: str
    amount_fen: int
    steps: tuple[Step, ...] = ()
    note: Step | None = None


def decimal_text(value: Fraction, places: int = 6) -> str:
    """An exact number as a decimal: "1.5"; cut after `places` decimals with "…" when it goes on."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, rest = divmod(value.numerator, value.denominator)
    digits = ""
    while rest and len(digits) < places:
        digit, rest = divmod(rest * 10, value.denominator)
        digits += str(digit)
    return f"{sign}{whole}" + (f".{digits}" if digits else "") + ("…" if rest else "")


def exact_yuan(fen: Fraction) -> str:
    """An exact amount in fen as yuan: whole fen as "12,340.50", a fraction of a fen as "16,666.6666…"."""
    if fen.denominator == 1:
        return format_fen(int(fen))
    yuan = fen / 100
    whole = yuan.numerator // yuan.denominator
    return f"{whole:,}" + decimal_text(yuan - whole, 4)[1:]


def _tier(rules: dict[str, Any], rank: int) -> dict[str, Any] | None:
    """The tier the engine used: the first, in the given order, that covers the rank."""
    return next((t for t in rules["matching"].get("tiers") or () if t["from_rank"] <= rank <= t["to_rank"]), None)


def _pool_steps(line: dict[str, Any], demand: str) -> list[Step]:
    """The pool step (enough or not; how the policy shared it) and the rounding step; `demand` is "D" or "L"."""
    pool, total, capped = line["pool_fen"], line["total_capped_fen"], line["capped_fen"]
    exact = Fraction(line["exact"])
    money = {"pool": format_fen(pool), "total": format_fen(total), "capped": format_fen(capped),
             "exact": exact_yuan(exact), "demand": demand, "rank": line["rank"]}
    pool_name = N_("资金池")
    if not line["pool_binding"]:
        return [Step(pool_name, N_("资金池 ¥%(pool)s，各项目需求 %(demand)s 合计 ¥%(total)s，资金池足够，"
                                   "每个项目足额获得自己的 %(demand)s，本项目得 ¥%(capped)s。"), money)]
    policy = line["policy"]
    if policy == "rank_order":
        steps = [Step(pool_name, N_("资金池 ¥%(pool)s 少于各项目需求 %(demand)s 合计 ¥%(total)s，"
                                    "按名次从前往后依次足额分配。"), money)]
        match = _LAST_SLICE.match(line["step"])
        if match:
            left, group = int(match.group(1)), int(match.group(2))
            steps.append(Step(N_("分享剩余资金"), N_(
                "轮到第 %(rank)s 名时资金池只剩 ¥%(left)s，不够这一名次的项目（需求合计 ¥%(group)s）足额获得，"
                "按各自 %(demand)s 的比例分享：¥%(capped)s × ¥%(left)s ÷ ¥%(group)s = ¥%(exact)s。"),
                {**money, "left": format_fen(left), "group": format_fen(group)}))
        elif line["step"].startswith("pool exhausted"):
            steps.append(Step(N_("资金池已用完"), N_("轮到第 %(rank)s 名时资金池已经分完，本项目得 0。"), money))
        else:
            steps.append(Step(N_("足额获得"), N_("轮到第 %(rank)s 名时剩余资金足够，本项目足额得 ¥%(capped)s。"), money))
    elif policy == "pro_rata":
        steps = [Step(pool_name, N_("资金池 ¥%(pool)s 少于各项目需求 %(demand)s 合计 ¥%(total)s，按需求比例分配。"), money),
                 Step(N_("按比例计算"), N_("¥%(capped)s × ¥%(pool)s ÷ ¥%(total)s = ¥%(exact)s。"), money)]
    else:
        level = Fraction(line["water_level"])
        steps = [Step(pool_name, N_("资金池 ¥%(pool)s 少于各项目需求 %(demand)s 合计 ¥%(total)s，"
                                    "所有项目按同一个配套水位 k 分配，k 使分配总额正好等于资金池。"), money)]
        params = {**money, "k": decimal_text(level), "d": format_fen(line["demand_fen"])}
        if line["cap_fen"] is not None and line["demand_fen"] > 0 and level * line["demand_fen"] >= line["cap_fen"]:
            text = N_("k = %(k)s；本项目 k × ¥%(d)s 达到上限，按上限得 ¥%(exact)s。")
        else:
            text = N_("k = %(k)s；k × ¥%(d)s = ¥%(exact)s。")
        steps.append(Step(N_("配套水位"), text, params))
    if exact.denominator != 1:
        floor = exact.numerator // exact.denominator
        params = {"exact": exact_yuan(exact), "floor": format_fen(floor), "amount": format_fen(line["amount_fen"])}
        if line["rounding_fen"]:
            text = N_("精确份额 ¥%(exact)s 向下取整到分为 ¥%(floor)s；分完后剩下的几分钱按小数部分从大到小每项补 1 分，"
                      "本项目补 1 分，得 ¥%(amount)s。")
        else:
            text = N_("精确份额 ¥%(exact)s 向下取整到分，得 ¥%(amount)s（剩下的几分钱补给了小数部分更大的项目）。")
        steps.append(Step(N_("取整到分"), text, params))
    return steps


def _matching(line: dict[str, Any], rules: dict[str, Any], funds: dict[str, Any] | None = None) -> list[Step]:
    """The matching steps; `funds` is the row's ledger["funds"] (how each funding line counted)."""
    ratio = Fraction(line["ratio"])
    tier = _tier(rules, line["rank"])
    raised = format_fen(line["verified_raised_fen"])
    reasons = {line["reason"] for line in (funds or {}).get("lines", ())}
    if not reasons & {"source_not_counted", "over_donor_cap"}:  # only the verification status mattered
        steps = [Step(N_("已核实募集资金"), N_("R = ¥%(r)s（只计已核实的资金，待核实和未通过的不计）。"), {"r": raised})]
    else:
        steps = [Step(N_("计入的募集资金"), N_("R = ¥%(r)s（只计已核实且来源计入的资金，每个捐赠方最多计到捐赠方上限）。"),
                      {"r": raised})]
    if tier is not None:
        steps.append(Step(N_("配套比例"), N_("第 %(rank)s 名，适用第 %(a)s–%(b)s 名的分段比例 1 : %(ratio)s。"),
                          {"rank": line["rank"], "a": tier["from_rank"], "b": tier["to_rank"], "ratio": decimal_text(ratio)}))
    else:
        steps.append(Step(N_("配套比例"), N_("第 %(rank)s 名，适用配套比例 1 : %(ratio)s。"),
                          {"rank": line["rank"], "ratio": decimal_text(ratio)}))
    steps.append(Step(N_("配套需求 d"), N_("d = %(ratio)s × ¥%(r)s，向下取整到分 = ¥%(d)s。"),
                      {"ratio": decimal_text(ratio), "r": raised, "d": format_fen(line["demand_fen"])}))
    if line["cap_fen"] is None:
        steps.append(Step(N_("单个项目上限"), N_("不设上限，封顶后需求 D = d = ¥%(capped)s。"),
                          {"capped": format_fen(line["capped_fen"])}))
    else:
        steps.append(Step(N_("单个项目上限"), N_("上限 C = ¥%(cap)s，封顶后需求 D = min(d, C) = ¥%(capped)s。"),
                          {"cap": format_fen(line["cap_fen"]), "capped": format_fen(line["capped_fen"])}))
    return steps + _pool_steps(line, "D")


def _library(line: dict[str, Any]) -> list[Step]:
    requested = format_fen(line["requested_fen"])
    if line["cap_fen"] is None:
        cap = Step(N_("单个项目上限"), N_("申请金额 ¥%(req)s，不设上限，需求 L = ¥%(capped)s。"),
                   {"req": requested, "capped": format_fen(line["capped_fen"])})
    else:
        cap = Step(N_("单个项目上限"), N_("申请金额 ¥%(req)s，上限 ¥%(cap)s，需求 L = min(申请金额, 上限) = ¥%(capped)s。"),
                   {"req": requested, "cap": format_fen(line["cap_fen"]), "capped": format_fen(line["capped_fen"])})
    return [cap] + _pool_steps(line, "L")


def _round_of(row: Any, rules: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The row's place in its round (from the run's ledger) and that round with every value resolved."""
    places = (row.ledger or {}).get("rounds") or []
    if not places or not rules.get("rounds"):
        return None, None
    rounds = {r["code"]: r for r in resolved_rounds(rules)}
    return places[-1], rounds.get(places[-1]["round"])


def _unranked_note(row: Any, rules: dict[str, Any]) -> Step:
    place, rnd = _round_of(row, rules)
    if place is not None and rnd is not None:
        for panel, score in zip(rnd["panels"], place["panels"]):
            if score["complete_reviews"] < panel["min_reviews"]:
                params = {"n": score["complete_reviews"], "min": panel["min_reviews"], "panel": panel["code"]}
                if len(rnd["panels"]) > 1:
                    return Step("", N_("评审组 %(panel)s 的完整评审 %(n)s 份，少于参与排名所需的 %(min)s 份，"
                                       "未排名，不参与配套。"), params)
                return Step("", N_("完整评审 %(n)s 份，少于参与排名所需的 %(min)s 份，未排名，不参与配套。"), params)
    return Step("", N_("完整评审 %(n)s 份，少于参与排名所需的 %(min)s 份，未排名，不参与配套。"),
                {"n": row.complete_reviews, "min": rules["review"]["min_reviews"]})


def _matching_note(row: Any, rules: dict[str, Any]) -> Step:
    """Why a row has no matching ledger line: unranked, out in an earlier round, below the line,
    held, too few donors, or outside the matching places."""
    if row.outcome == "unranked":
        return _unranked_note(row, rules)
    place, _ = _round_of(row, rules)
    if row.outcome == "not_shortlisted":
        if place is not None and place["round"] != rules["rounds"][-1]["code"]:
            return Step("", N_("第 %(rank)s 名，未晋级下一轮，不参与配套。"), {"rank": row.rank})
        return Step("", N_("第 %(rank)s 名，未入围，不参与配套。"), {"rank": row.rank})
    if row.outcome == "held":
        return Step("", N_("资金暂缓拨付：名次不变，但不获配套资金。"))
    min_donors = (rules.get("funds") or {}).get("min_donors", 0)
    donors = getattr(row, "donors", 0)
    if row.rank <= rules["matching"]["award_top"] and donors < min_donors:
        return Step("", N_("捐赠方 %(donors)s 个，少于获得配套所需的 %(min)s 个，不参与配套。"),
                    {"donors": donors, "min": min_donors})
    return Step("", N_("第 %(rank)s 名，在配套名额（前 %(k)s 名）之外，不参与配套。"),
                {"rank": row.rank, "k": rules["matching"]["award_top"]})


def explain_row(row: Any, rules: dict[str, Any]) -> tuple[Section, Section]:
    """The matching and library sections for a RunRow (or anything with its fields) under the run's rules."""
    ledger = row.ledger or {}
    matching_title, library_title = N_("配套资金"), N_("福彩公益金项目库资助")
    if "matching" in ledger:
        matching = Section("matching", matching_title, row.matching_fen,
                           tuple(_matching(ledger["matching"], rules, ledger.get("funds"))))
    else:
        matching = Section("matching", matching_title, 0, note=_matching_note(row, rules))
    if "library" in ledger:
        library = Section("library", library_title, row.library_grant_fen, tuple(_library(ledger["library"])))
    elif row.matching_fen > 0:
        library = Section("library", library_title, 0, note=Step("", N_("已获配套资金，不再从项目库资金池获得资助。")))
    elif row.outcome == "held":
        library = Section("library", library_title, 0, note=Step("", N_("资金暂缓拨付，不从项目库资金池获得资助。")))
    else:
        library = Section("library", library_title, 0, note=Step("", N_("未入围，不进入项目库。")))
    return matching, library


FUND_REASONS = {
    "counted": N_("¥%(amount)s 来自%(donor)s，全额计入"),
    "over_donor_cap": N_("¥%(amount)s 来自%(donor)s，按捐赠方上限计入 ¥%(counted)s"),
    "source_not_counted": N_("¥%(amount)s 来自%(donor)s，不计入：该资金来源不计入募集资金（如政府资金）"),
    "pending": N_("¥%(amount)s 来自%(donor)s，不计入：尚待核实"),
    "rejected": N_("¥%(amount)s 来自%(donor)s，不计入：核实未通过"),
}


def explain_funds(funds: dict[str, Any]) -> tuple[Step, ...]:
    """How R came about, line by line, from a run row's ledger["funds"] (funding/counted.py's
    LineCount of every line): "¥200,000.00 来自腾讯，按捐赠方上限计入 ¥50,000.00"; then R and the donors count."""
    steps = []
    for line in funds.get("lines", ()):
        donor = line["donor_key"] or N_("匿名捐赠方")
        steps.append(Step(N_("募集资金"), FUND_REASONS[line["reason"]],
                          {"amount": format_fen(line["amount_fen"]), "donor": donor,
                           "counted": format_fen(line["counted_fen"]), "anonymous": not line["donor_key"]}))
    steps.append(Step(N_("计入的募集资金"), N_("R = ¥%(r)s，捐赠方 %(donors)s 个。"),
                      {"r": format_fen(funds.get("raised_fen", 0)), "donors": funds.get("donors", 0)}))
    return tuple(steps)
