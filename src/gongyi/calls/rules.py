"""A call's rules as plain data: defaults, the stored form, and conversion for the engine.

The stored form is JSON with every exact number as a string ("1000000.00", "1.5"), so no
float ever touches money or a ratio. Section numbers refer to competition-rules.md.

Version 2 (the key "version": 2 says so, and pages show it) has these parts:
- "entry", "review", "matching", "library": as in version 1. The "review" values min_reviews,
  aggregate, trim_from and criteria are the call's: every round that does not set its own
  takes them. "review.criteria" is kept only while some round takes it.
- "funds": counted_sources (in the order of funding/sources.py), donor_cap (yuan or None),
  min_donors.
- "rounds": the rounds in order, each {code, name, criteria, min_reviews, aggregate,
  trim_from, advance, advance_min_score, panels: [{code, weight, min_reviews}]}. A None
  criteria / min_reviews / aggregate / trim_from takes the call's "review" value (a panel's
  None min_reviews takes its round's); the last round's advance settings are None.
So a call judged in one round keeps its rubric in "review.criteria", as in version 1: calls
frozen under version 1 were given, by a migration, the version-2 settings that mean the same
(all five sources counted, no donor cap, no minimum donors, one round `review` taking the
call's rubric, one panel `expert` of weight 1).

Checking lives in calls/rules_check.py. Pure: no Flask or SQLAlchemy.
"""
from __future__ import annotations

import copy
import re
from fractions import Fraction
from typing import Any

from gongyi.calls.rules_check import (  # noqa: F401  (RulesError and the vocabularies are used from here)
    AGGREGATES, POLICIES, RULES_VERSION, TIE_BREAKERS, RulesError, check_rules,
)
from gongyi.errors import N_, UserError
from gongyi.funding.allocate import LibraryRules, MatchingRules, Tier
from gongyi.funding.counted import COUNTED_BY_DEFAULT, FundsRules
from gongyi.money import parse_yuan
from gongyi.results.rank import Panel, ReviewRules, Round

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")  # safe in URLs and file names
DEFAULT_ROUND_CODE = "review"
DEFAULT_PANEL_CODE = "expert"

LABELS = {
    "mean": N_("算术平均"),
    "trimmed_mean": N_("去掉最高分和最低分后平均"),
    "median": N_("中位数"),
    "raised_desc": N_("已核实募集资金多者在前"),
    "raised_asc": N_("已核实募集资金少者在前"),
    "submitted_asc": N_("提交时间早者在前"),
    "submitted_desc": N_("提交时间晚者在前"),
    "rank_order": N_("按名次依次足额配套，资金不足的名次组按比例分配"),
    "pro_rata": N_("按需求比例分配"),
    "water_fill": N_("统一配套比例（受上限约束者除外）"),
}

# What each setting is called on forms and in the rules card's amendment history.
SETTING_LABELS = {
    "entry.max_per_org": N_("每个组织最多申报项目数"),
    "entry.min_items": N_("最少点单项目数"),
    "entry.max_items": N_("最多点单项目数"),
    "entry.categories": N_("开放的服务目录类别"),
    "review.min_reviews": N_("参与排名所需最少评审份数"),
    "review.aggregate": N_("计分方法"),
    "review.trim_from": N_("去掉最高最低分所需最少评审份数"),
    "review.shortlist_min_score": N_("入围分数线"),
    "review.shortlist_size": N_("入围名额（0 为不限）"),
    "review.tie_breakers": N_("同分排序"),
    "review.criteria": N_("评分标准"),
    "review.reviewers_per_submission": N_("每个项目分配评审人数"),
    "review.blind": N_("匿名评审（评审看不到申报组织）"),
    "review.disagreement_threshold": N_("评分分歧提示阈值（分）"),
    "matching.pool": N_("配套资金池（元）"),
    "matching.award_top": N_("配套名额（前 N 名）"),
    "matching.ratio": N_("配套比例（1 元募集资金配套多少元）"),
    "matching.tiers": N_("分段配套比例"),
    "matching.cap": N_("单个项目配套上限（元，留空为不设上限）"),
    "matching.policy": N_("配套资金池不足时"),
    "library.pool": N_("项目库资金池（元）"),
    "library.cap": N_("单个项目资助上限（元，留空为不设上限）"),
    "library.policy": N_("项目库资金池不足时"),
    "funds.counted_sources": N_("计入的资金来源"),
    "funds.donor_cap": N_("单个捐赠方计入上限（元，留空为不设上限）"),
    "funds.min_donors": N_("获得配套所需最少捐赠方数"),
    "rounds": N_("评审轮次、评审组与评分标准"),
    "version": N_("规则版本"),
}

DEFAULT_CRITERIA = [
    {"code": "need", "name": "需求真实", "max": 20},
    {"code": "results", "name": "成效明确", "max": 20},
    {"code": "operation", "name": "高效运作", "max": 20},
    {"code": "innovation", "name": "创新责任", "max": 20},
    {"code": "sustainability", "name": "持续发展", "max": 20},
]
DEFAULT_PANELS = [{"code": DEFAULT_PANEL_CODE, "weight": "1", "min_reviews": None}]
DEFAULT_ROUND: dict[str, Any] = {
    "code": DEFAULT_ROUND_CODE, "name": "评审", "criteria": None, "min_reviews": None,
    "aggregate": None, "trim_from": None, "advance": None, "advance_min_score": None, "panels": DEFAULT_PANELS,
}

DEFAULT_RULES: dict[str, Any] = {
    "version": RULES_VERSION,
    "entry": {"max_per_org": 2, "min_items": 1, "max_items": 5, "categories": []},
    "review": {
        "min_reviews": 3,
        "aggregate": "trimmed_mean",
        "trim_from": 5,
        "shortlist_min_score": "60",
        "shortlist_size": 0,
        "tie_breakers": ["raised_desc", "submitted_asc"],
        "criteria": DEFAULT_CRITERIA,
        "reviewers_per_submission": 5,
        "blind": False,
        "disagreement_threshold": "20",
    },
    "funds": {"counted_sources": list(COUNTED_BY_DEFAULT), "donor_cap": None, "min_donors": 0},
    "rounds": [DEFAULT_ROUND],
    "matching": {"pool": "0.00", "award_top": 10, "ratio": "1", "tiers": [], "cap": None, "policy": "rank_order"},
    "library": {"pool": "0.00", "cap": None, "policy": "rank_order"},
}


def default_rules() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_RULES)


def validate_rules(raw: dict[str, Any]) -> dict[str, Any]:
    """Merge `raw` over the defaults, check every setting, return the normalised rules or raise RulesError."""
    return check_rules(raw, DEFAULT_RULES)


def rules_version(rules: dict[str, Any]) -> int:
    """The rules version a rule set is written in (stored rules without the key are version 1)."""
    return int(rules.get("version", 1))


def resolved_rounds(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The rounds with every inherited value filled in (a round's from `review`, a panel's from its round)."""
    review = rules["review"]
    rounds = []
    for rnd in rules["rounds"]:
        out = dict(rnd)
        for key in ("criteria", "min_reviews", "aggregate", "trim_from"):
            out[key] = review.get(key) if rnd.get(key) is None else rnd[key]
        out["panels"] = [{**p, "min_reviews": out["min_reviews"] if p.get("min_reviews") is None else p["min_reviews"]}
                         for p in rnd["panels"]]
        rounds.append(out)
    return rounds


def find_round(rules: dict[str, Any], code: str | None = None) -> dict[str, Any]:
    """A round by code (the first round when code is None); ValueError for a code the call does not have."""
    rounds = rules["rounds"]
    if code is None:
        return rounds[0]
    for rnd in rounds:
        if rnd["code"] == code:
            return rnd
    raise ValueError(f"the call has no round {code!r}")


def rubric(rules: dict[str, Any], round_code: str | None = None) -> list[dict[str, Any]]:
    """A round's criteria (the first round's by default): its own, or else the call's."""
    criteria = find_round(rules, round_code)["criteria"]
    return rules["review"]["criteria"] if criteria is None else criteria


def rubric_total(rules: dict[str, Any], round_code: str | None = None) -> int:
    return sum(int(c["max"]) for c in rubric(rules, round_code))


def rubrics(rules: dict[str, Any]) -> dict[str, dict[str, int]]:
    """What scores depend on: every round's criterion codes and maxima (names and guides may change)."""
    return {rnd["code"]: {c["code"]: int(c["max"]) for c in rubric(rules, rnd["code"])} for rnd in rules["rounds"]}


def panel_codes(rules: dict[str, Any]) -> list[str]:
    """Every panel code of the call, in the order the rounds first name them."""
    codes: list[str] = []
    for rnd in rules["rounds"]:
        codes += [p["code"] for p in rnd["panels"] if p["code"] not in codes]
    return codes


def engine_rules(rules: dict[str, Any]):
    """The engine's frozen rule objects for validated rules: review, matching, library, funds."""
    review, funds, matching, library = rules["review"], rules["funds"], rules["matching"], rules["library"]

    def fen(value: str | None) -> int | None:
        return None if value is None else parse_yuan(value)

    rounds = tuple(
        Round(code=r["code"], aggregate=r["aggregate"], trim_from=r["trim_from"],
              panels=tuple(Panel(p["code"], Fraction(p["weight"]), p["min_reviews"]) for p in r["panels"]),
              advance=r["advance"] or 0, advance_min_score=Fraction(r["advance_min_score"] or 0))
        for r in resolved_rounds(rules)
    )
    review_rules = ReviewRules(
        min_reviews=review["min_reviews"], aggregate=review["aggregate"], trim_from=review["trim_from"],
        shortlist_min_score=Fraction(review["shortlist_min_score"]), shortlist_size=review["shortlist_size"],
        tie_breakers=tuple(review["tie_breakers"]), rounds=rounds,
    )
    matching_rules = MatchingRules(
        pool_fen=parse_yuan(matching["pool"]), award_top=matching["award_top"], ratio=Fraction(matching["ratio"]),
        tiers=tuple(Tier(t["from_rank"], t["to_rank"], Fraction(t["ratio"])) for t in matching["tiers"]),
        cap_fen=fen(matching["cap"]), policy=matching["policy"],
    )
    library_rules = LibraryRules(pool_fen=parse_yuan(library["pool"]), cap_fen=fen(library["cap"]), policy=library["policy"])
    funds_rules = FundsRules(frozenset(funds["counted_sources"]), fen(funds["donor_cap"]), funds["min_donors"])
    return review_rules, matching_rules, library_rules, funds_rules


def edited_rules(current: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """What an edit of a call's rules means when it leaves parts out: `raw` with the call's
    current version, funds and rounds where it gives none of its own.

    A form that edits one rubric as `review.criteria` edits the rubric the call's rounds take.
    When the first round has a rubric of its own (a call judged in rounds), such an edit is
    refused unless it leaves that rubric as it stands, since it could not say which round it means.
    """
    edit = {section: (dict(values) if isinstance(values, dict) else values) for section, values in raw.items()}
    for section in ("version", "funds", "rounds"):
        edit.setdefault(section, copy.deepcopy(current[section]))
    review = edit.get("review")
    first = edit["rounds"][0] if isinstance(edit["rounds"], list) and edit["rounds"] else {}
    if "rounds" not in raw and isinstance(review, dict) and "criteria" in review and isinstance(first, dict) \
            and first.get("criteria") is not None:
        if review["criteria"] != first["criteria"]:
            raise RulesError([("review.criteria", "the call is judged in rounds: edit each round's criteria")],
                             [UserError(N_("分轮评审时请在各轮中修改评分标准"), "review.criteria")])
        del review["criteria"]
    return edit


def rules_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ between two rule sets (for the amendment history);
    a section that is not a table (version, rounds) is one key."""
    keys = []
    for section in sorted(set(old) | set(new)):
        a, b = old.get(section), new.get(section)
        if not isinstance(a, dict) or not isinstance(b, dict):
            if a != b:
                keys.append(section)
            continue
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                keys.append(f"{section}.{key}")
    return keys
