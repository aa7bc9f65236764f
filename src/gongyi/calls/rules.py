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

from gongyi.errors import N_, UserError
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
    """Carries every problem as (key, message), key being a dotted path like 'matching.pool'.

    `problems` are plain English for files and the command line; `errors` hold the same problems
    as UserErrors (Chinese msgids, `field` = the dotted key) for forms to show beside each field.
    """

    def __init__(self, problems: list[tuple[str, str]], errors: list[UserError] | None = None):
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))
        self.problems = problems
        self.errors = errors if errors is not None else [UserError(m, k) for k, m in problems]


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
    errors: list[UserError] = []

    def fail(key: str, text: str, message: str, **params: Any) -> None:
        problems.append((key, text))
        errors.append(UserError(message, key, **params))

    rules = default_rules()
    known = {section: set(values) for section, values in DEFAULT_RULES.items()}
    for section, values in raw.items():
        if section not in known:
            fail(section, "unknown section", N_("未知的规则部分"))
            continue
        if not isinstance(values, dict):
            fail(section, "must be a table", N_("格式不正确"))
            continue
        for key, value in values.items():
            if key not in known[section]:
                fail(f"{section}.{key}", "unknown key", N_("未知的设置项"))
            else:
                rules[section][key] = value

    def integer(section: str, key: str, minimum: int) -> None:
        value = rules[section][key]
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"{section}.{key}", "must be a whole number", N_("请填写整数"))
        elif value < minimum:
            fail(f"{section}.{key}", f"must be at least {minimum}", N_("不能小于 %(n)s"), n=minimum)

    def money(section: str, key: str, optional: bool) -> None:
        value = rules[section][key]
        if value is None or (optional and value == ""):
            if optional:
                rules[section][key] = None
            else:
                fail(f"{section}.{key}", "is required", N_("请填写金额"))
            return
        try:
            # Text goes to parse_yuan as typed ("1,000,000", "¥500"); numbers must be exact.
            rules[section][key] = fen_to_str(parse_yuan(value if isinstance(value, str) else _decimal_text(value)))
        except MoneyError as exc:
            text = f"not a valid amount ({exc}); write yuan with at most 2 decimals"
            fail(f"{section}.{key}", text, exc.message, **exc.params)
        except (ValueError, InvalidOperation) as exc:
            text = f"not a valid amount ({exc or 'format'}); write yuan with at most 2 decimals"
            fail(f"{section}.{key}", text, N_("金额格式不正确"))

    def ratio(where: str, value: Any) -> str | None:
        try:
            text = _decimal_text(value)
        except (ValueError, InvalidOperation):
            fail(where, "must be a number (a string such as \"1.5\" is exact)", N_("请填写数字，如 1.5"))
            return None
        if not Decimal(text).is_finite():
            fail(where, "must be a finite number", N_("请填写数字，如 1.5"))
            return None
        if Decimal(text) < 0:
            fail(where, "must not be negative", N_("不能为负数"))
            return None
        return text

    def choice(section: str, key: str, allowed: tuple[str, ...]) -> None:
        if rules[section][key] not in allowed:
            fail(f"{section}.{key}", "must be one of " + ", ".join(allowed), N_("请从列表中选择"))

    entry = rules["entry"]
    integer("entry", "max_per_org", 1)
    integer("entry", "min_items", 1)
    integer("entry", "max_items", 1)
    if not problems and entry["min_items"] > entry["max_items"]:
        fail("entry.min_items", "must not exceed entry.max_items", N_("不能大于最多点单项目数"))
    if not isinstance(entry["categories"], list) or not all(isinstance(c, str) for c in entry["categories"]):
        fail("entry.categories", "must be a list of category codes", N_("请选择服务目录类别"))

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
        fail("review.blind", "must be true or false", N_("请选择是或否"))
    breakers = review["tie_breakers"]
    if not isinstance(breakers, list) or any(b not in TIE_BREAKERS for b in breakers):
        fail("review.tie_breakers", "must be a list of " + ", ".join(TIE_BREAKERS), N_("请从列表中选择"))
    elif len(set(breakers)) != len(breakers):
        fail("review.tie_breakers", "must not repeat a tie-breaker", N_("同一排序规则不能重复"))
    criteria = review["criteria"]
    if not isinstance(criteria, list) or not criteria:
        fail("review.criteria", "at least one criterion is required", N_("至少需要一个评分项"))
    else:
        seen: set[str] = set()
        for i, c in enumerate(criteria, 1):
            where = f"review.criteria[{i}]"
            if not isinstance(c, dict) or set(c) - {"code", "name", "max", "guide"}:
                fail(where, "must have code, name and max (and optionally guide)", N_("评分项须有代码、名称和满分"))
                continue
            code, mx = c.get("code"), c.get("max")
            if not isinstance(code, str) or not code.strip():
                fail(f"{where}.code", "is required", N_("请填写代码"))
            elif len(code) > 40:
                fail(f"{where}.code", "is longer than 40 characters", N_("代码最多 40 个字符"))
            elif code in seen:
                fail(f"{where}.code", f"duplicate criterion {code}", N_("评分项代码 %(code)s 重复"), code=code)
            else:
                seen.add(code)
            if not isinstance(c.get("name"), str) or not c["name"].strip():
                fail(f"{where}.name", "is required", N_("请填写名称"))
            if isinstance(mx, bool) or not isinstance(mx, int) or mx < 1:
                fail(f"{where}.max", "must be a whole number of points, at least 1", N_("满分须为不小于 1 的整数"))
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
        fail("matching.tiers", "must be a list", N_("格式不正确"))
    else:
        normalised = []
        for i, t in enumerate(tiers, 1):
            where = f"matching.tiers[{i}]"
            if not isinstance(t, dict) or set(t) != {"from_rank", "to_rank", "ratio"}:
                fail(where, "must have from_rank, to_rank and ratio", N_("须填写起始名次、结束名次和比例"))
                continue
            lo, hi = t["from_rank"], t["to_rank"]
            if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in (lo, hi)):
                fail(where, "from_rank and to_rank must be whole numbers, at least 1", N_("名次须为不小于 1 的整数"))
                continue
            if lo > hi:
                fail(where, "from_rank must not exceed to_rank", N_("起始名次不能大于结束名次"))
            tr = ratio(f"{where}.ratio", t["ratio"])
            if tr is not None:
                normalised.append({"from_rank": lo, "to_rank": hi, "ratio": tr})
        matching["tiers"] = normalised

    money("library", "pool", optional=False)
    money("library", "cap", optional=True)
    choice("library", "policy", POLICIES)

    if problems:
        raise RulesError(problems, errors)
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
