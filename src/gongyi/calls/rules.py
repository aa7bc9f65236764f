"""A call's rules as plain data: defaults, validation, and conversion for the engine.

The stored form is JSON with every exact number as a string ("1000000.00", "1.5"), so
no float ever touches money or a ratio. Section numbers refer to competition-rules.md.
Pure: no Flask or SQLAlchemy.
"""
from __future__ import annotations

import copy
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from gongyi.errors import N_
from gongyi.money import MoneyError, fen_to_str, parse_yuan

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")  # safe in URLs and file names
AGGREGATES = ("mean", "trimmed_mean", "median")
TIE_BREAKERS = ("raised_desc", "raised_asc", "submitted_asc", "submitted_desc")
POLICIES = ("rank_order", "pro_rata", "water_fill")

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

DEFAULT_CRITERIA = [
    {"code": "need", "name": "需求真实", "max": 20},
    {"code": "results", "name": "成效明确", "max": 20},
    {"code": "operation", "name": "高效运作", "max": 20},
    {"code": "innovation", "name": "创新责任", "max": 20},
    {"code": "sustainability", "name": "持续发展", "max": 20},
]

DEFAULT_RULES: dict[str, Any] = {
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
    "matching": {"pool": "0.00", "award_top": 10, "ratio": "1", "tiers": [], "cap": None, "policy": "rank_order"},
    "library": {"pool": "0.00", "cap": None, "policy": "rank_order"},
}


def default_rules() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_RULES)


class RulesError(ValueError):
    """Carries every problem as (key, message), key being a dotted path like 'matching.pool'."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))
        self.problems = problems


def _decimal_text(value: Any) -> str:
    """Exact text of a number given as string, int or Decimal (floats are refused: they are not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("not an exact number")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        Decimal(value.strip())  # raises InvalidOperation when not a number
        return value.strip()
    raise ValueError("not a number")


def validate_rules(raw: dict[str, Any]) -> dict[str, Any]:
    """Merge `raw` over the defaults, check every setting, return the normalised rules or raise RulesError."""
    problems: list[tuple[str, str]] = []
    rules = default_rules()
    known = {section: set(values) for section, values in DEFAULT_RULES.items()}
    for section, values in raw.items():
        if section not in known:
            problems.append((section, "unknown section"))
            continue
        if not isinstance(values, dict):
            problems.append((section, "must be a table"))
            continue
        for key, value in values.items():
            if key not in known[section]:
                problems.append((f"{section}.{key}", "unknown key"))
            else:
                rules[section][key] = value

    def integer(section: str, key: str, minimum: int) -> None:
        value = rules[section][key]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append((f"{section}.{key}", "must be a whole number"))
        elif value < minimum:
            problems.append((f"{section}.{key}", f"must be at least {minimum}"))

    def money(section: str, key: str, optional: bool) -> None:
        value = rules[section][key]
        if value is None or (optional and value == ""):
            if optional:
                rules[section][key] = None
            else:
                problems.append((f"{section}.{key}", "is required"))
            return
        try:
            rules[section][key] = fen_to_str(parse_yuan(_decimal_text(value)))
        except (MoneyError, ValueError, InvalidOperation) as exc:
            problems.append((f"{section}.{key}", f"not a valid amount ({exc or 'format'}); write yuan with at most 2 decimals"))

    def ratio(where: str, value: Any) -> str | None:
        try:
            text = _decimal_text(value)
        except (ValueError, InvalidOperation):
            problems.append((where, "must be a number (a string such as \"1.5\" is exact)"))
            return None
        if Decimal(text) < 0:
            problems.append((where, "must not be negative"))
            return None
        return text

    def choice(section: str, key: str, allowed: tuple[str, ...]) -> None:
        if rules[section][key] not in allowed:
            problems.append((f"{section}.{key}", "must be one of " + ", ".join(allowed)))

    entry = rules["entry"]
    integer("entry", "max_per_org", 1)
    integer("entry", "min_items", 1)
    integer("entry", "max_items", 1)
    if not problems and entry["min_items"] > entry["max_items"]:
        problems.append(("entry.min_items", "must not exceed entry.max_items"))
    if not isinstance(entry["categories"], list) or not all(isinstance(c, str) for c in entry["categories"]):
        problems.append(("entry.categories", "must be a list of category codes"))

    review = rules["review"]
    integer("review", "min_reviews", 1)
    integer("review", "trim_from", 3)
    integer("review", "shortlist_size", 0)
    integer("review", "reviewers_per_submission", 1)
    choice("review", "aggregate", AGGREGATES)
    score = ratio("review.shortlist_min_score", review["shortlist_min_score"])
    if score is not None:
        review["shortlist_min_score"] = score
    threshold = ratio("review.disagreement_threshold", review["disagreement_threshold"])
    if threshold is not None:
        review["disagreement_threshold"] = threshold
    if not isinstance(review["blind"], bool):
        problems.append(("review.blind", "must be true or false"))
    breakers = review["tie_breakers"]
    if not isinstance(breakers, list) or any(b not in TIE_BREAKERS for b in breakers):
        problems.append(("review.tie_breakers", "must be a list of " + ", ".join(TIE_BREAKERS)))
    criteria = review["criteria"]
    if not isinstance(criteria, list) or not criteria:
        problems.append(("review.criteria", "at least one criterion is required"))
    else:
        seen: set[str] = set()
        for i, c in enumerate(criteria, 1):
            where = f"review.criteria[{i}]"
            if not isinstance(c, dict) or set(c) - {"code", "name", "max", "guide"}:
                problems.append((where, "must have code, name and max (and optionally guide)"))
                continue
            code, mx = c.get("code"), c.get("max")
            if not isinstance(code, str) or not code.strip():
                problems.append((f"{where}.code", "is required"))
            elif code in seen:
                problems.append((f"{where}.code", f"duplicate criterion {code}"))
            else:
                seen.add(code)
            if not isinstance(c.get("name"), str) or not c["name"].strip():
                problems.append((f"{where}.name", "is required"))
            if isinstance(mx, bool) or not isinstance(mx, int) or mx < 1:
                problems.append((f"{where}.max", "must be a whole number of points, at least 1"))
        review["criteria"] = [dict(c) for c in criteria if isinstance(c, dict)]

    matching = rules["matching"]
    money("matching", "pool", optional=False)
    money("matching", "cap", optional=True)
    integer("matching", "award_top", 0)
    r = ratio("matching.ratio", matching["ratio"])
    if r is not None:
        matching["ratio"] = r
    choice("matching", "policy", POLICIES)
    tiers = matching["tiers"]
    if not isinstance(tiers, list):
        problems.append(("matching.tiers", "must be a list"))
    else:
        normalised = []
        for i, t in enumerate(tiers, 1):
            where = f"matching.tiers[{i}]"
            if not isinstance(t, dict) or set(t) != {"from_rank", "to_rank", "ratio"}:
                problems.append((where, "must have from_rank, to_rank and ratio"))
                continue
            lo, hi = t["from_rank"], t["to_rank"]
            if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in (lo, hi)):
                problems.append((where, "from_rank and to_rank must be whole numbers, at least 1"))
                continue
            if lo > hi:
                problems.append((where, "from_rank must not exceed to_rank"))
            tr = ratio(f"{where}.ratio", t["ratio"])
            if tr is not None:
                normalised.append({"from_rank": lo, "to_rank": hi, "ratio": tr})
        matching["tiers"] = normalised

    money("library", "pool", optional=False)
    money("library", "cap", optional=True)
    choice("library", "policy", POLICIES)

    if problems:
        raise RulesError(problems)
    return rules


def rubric_total(rules: dict[str, Any]) -> int:
    return sum(int(c["max"]) for c in rules["review"]["criteria"])


def engine_rules(rules: dict[str, Any]):
    """The engine's frozen rule objects for validated rules."""
    from gongyi.funding.allocate import LibraryRules, MatchingRules, Tier
    from gongyi.results.rank import ReviewRules

    review, matching, library = rules["review"], rules["matching"], rules["library"]

    def fen(value: str | None) -> int | None:
        return None if value is None else parse_yuan(value)

    review_rules = ReviewRules(
        min_reviews=review["min_reviews"],
        aggregate=review["aggregate"],
        trim_from=review["trim_from"],
        shortlist_min_score=Fraction(review["shortlist_min_score"]),
        shortlist_size=review["shortlist_size"],
        tie_breakers=tuple(review["tie_breakers"]),
    )
    matching_rules = MatchingRules(
        pool_fen=parse_yuan(matching["pool"]),
        award_top=matching["award_top"],
        ratio=Fraction(matching["ratio"]),
        tiers=tuple(Tier(t["from_rank"], t["to_rank"], Fraction(t["ratio"])) for t in matching["tiers"]),
        cap_fen=fen(matching["cap"]),
        policy=matching["policy"],
    )
    library_rules = LibraryRules(pool_fen=parse_yuan(library["pool"]), cap_fen=fen(library["cap"]), policy=library["policy"])
    return review_rules, matching_rules, library_rules


def rules_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ between two rule sets (for the amendment history)."""
    keys = []
    for section in sorted(set(old) | set(new)):
        a, b = old.get(section, {}), new.get(section, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                keys.append(f"{section}.{key}")
    return keys
