"""Checking a call's rules, one function per section (competition-rules.md, version 2). Pure.

`check_rules` merges what is given over the defaults, checks every setting and returns the
normalised stored form (see calls/rules.py), or raises RulesError with every problem as
(dotted key, plain English) plus the same problems as UserErrors for forms.
"""
from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from gongyi.errors import N_, UserError
from gongyi.funding.allocate import POLICIES
from gongyi.funding.sources import FUND_SOURCES
from gongyi.money import MoneyError, fen_to_str, parse_yuan
from gongyi.results.rank import AGGREGATES, TIE_BREAKERS

RULES_VERSION = 2
CODE_LENGTH = 40
ROUND_KEYS = {"code", "name", "criteria", "min_reviews", "aggregate", "trim_from", "advance", "advance_min_score", "panels"}
ADVANCE_KEYS = ("advance", "advance_min_score")
PANEL_KEYS = {"code", "weight", "min_reviews"}
CRITERION_KEYS = {"code", "name", "max", "guide"}
DUPLICATE_CODE = {
    "criterion": N_("评分项代码 %(code)s 重复"),
    "round": N_("轮次代码 %(code)s 重复"),
    "panel": N_("评审组代码 %(code)s 重复"),
}


class RulesError(ValueError):
    """Carries every problem as (key, message), key being a dotted path like 'matching.pool'.

    `problems` are plain English for files and the command line; `errors` hold the same problems
    as UserErrors (Chinese msgids, `field` = the dotted key) for forms to show beside each field.
    """

    def __init__(self, problems: list[tuple[str, str]], errors: list[UserError] | None = None):
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))
        self.problems = problems
        self.errors = errors if errors is not None else [UserError(m, k) for k, m in problems]


def decimal_text(value: Any) -> str:
    """Exact text of a number given as string, int or Decimal (floats are refused: they are not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("not an exact number")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        Decimal(value.strip())  # raises InvalidOperation when not a number
        return value.strip()
    raise ValueError("not a number")


class Checker:
    """Collects problems; each helper checks one value and returns it normalised (None when bad)."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.errors: list[UserError] = []

    def fail(self, key: str, text: str, message: str, **params: Any) -> None:
        self.problems.append((key, text))
        self.errors.append(UserError(message, key, **params))

    def integer(self, key: str, value: Any, minimum: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "must be a whole number", N_("请填写整数"))
        elif value < minimum:
            self.fail(key, f"must be at least {minimum}", N_("不能小于 %(n)s"), n=minimum)
        else:
            return value
        return None

    def money(self, key: str, value: Any, optional: bool) -> str | None:
        if value is None or (optional and value == ""):
            if not optional:
                self.fail(key, "is required", N_("请填写金额"))
            return None
        try:
            # Text goes to parse_yuan as typed ("1,000,000", "¥500"); numbers must be exact.
            return fen_to_str(parse_yuan(value if isinstance(value, str) else decimal_text(value)))
        except MoneyError as exc:
            self.fail(key, f"not a valid amount ({exc}); write yuan with at most 2 decimals", exc.message, **exc.params)
        except (ValueError, InvalidOperation) as exc:
            self.fail(key, f"not a valid amount ({exc or 'format'}); write yuan with at most 2 decimals", N_("金额格式不正确"))
        return None

    def number(self, key: str, value: Any, above_zero: bool = False) -> str | None:
        """An exact decimal, at least 0 (above 0 with above_zero), as the text it was written as."""
        try:
            text = decimal_text(value)
        except (ValueError, InvalidOperation):
            self.fail(key, "must be a number (a string such as \"1.5\" is exact)", N_("请填写数字，如 1.5"))
            return None
        if not Decimal(text).is_finite():
            self.fail(key, "must be a finite number", N_("请填写数字，如 1.5"))
        elif Decimal(text) < 0:
            self.fail(key, "must not be negative", N_("不能为负数"))
        elif above_zero and Decimal(text) == 0:
            self.fail(key, "must be above 0", N_("须大于 0"))
        else:
            return text
        return None

    def choice(self, key: str, value: Any, allowed: tuple[str, ...]) -> None:
        if value not in allowed:
            self.fail(key, "must be one of " + ", ".join(allowed), N_("请从列表中选择"))

    def code(self, key: str, value: Any, seen: set[str], what: str) -> None:
        """A code: a non-empty string of at most 40 characters, not used before in `seen`;
        `what` names it in messages (criterion, round or panel)."""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "is required", N_("请填写代码"))
        elif len(value) > CODE_LENGTH:
            self.fail(key, f"is longer than {CODE_LENGTH} characters", N_("代码最多 40 个字符"))
        elif value in seen:
            self.fail(key, f"duplicate {what} {value}", DUPLICATE_CODE[what], code=value)
        else:
            seen.add(value)

    def keys(self, key: str, table: Any, allowed: set[str]) -> bool:
        """Whether `table` is a table; every key it has that is not allowed is a problem."""
        if not isinstance(table, dict):
            self.fail(key, "must be a table", N_("格式不正确"))
            return False
        for name in sorted(set(table) - allowed):
            self.fail(f"{key}.{name}", "unknown key", N_("未知的设置项"))
        return True


def check_entry(c: Checker, entry: dict[str, Any]) -> None:
    values = [c.integer(f"entry.{key}", entry[key], 1) for key in ("max_per_org", "min_items", "max_items")]
    if None not in values and entry["min_items"] > entry["max_items"]:
        c.fail("entry.min_items", "must not exceed entry.max_items", N_("不能大于最多点单项目数"))
    if not isinstance(entry["categories"], list) or not all(isinstance(code, str) for code in entry["categories"]):
        c.fail("entry.categories", "must be a list of category codes", N_("请选择服务目录类别"))


def check_review(c: Checker, review: dict[str, Any]) -> None:
    """The call-wide review settings; min_reviews, aggregate and trim_from are the rounds' defaults."""
    c.integer("review.min_reviews", review["min_reviews"], 1)
    c.integer("review.trim_from", review["trim_from"], 3)
    c.integer("review.shortlist_size", review["shortlist_size"], 0)
    c.integer("review.reviewers_per_submission", review["reviewers_per_submission"], 1)
    c.choice("review.aggregate", review["aggregate"], AGGREGATES)
    for key in ("shortlist_min_score", "disagreement_threshold"):
        text = c.number(f"review.{key}", review[key])
        if text is not None:
            review[key] = text
    if not isinstance(review["blind"], bool):
        c.fail("review.blind", "must be true or false", N_("请选择是或否"))
    breakers = review["tie_breakers"]
    if not isinstance(breakers, list) or any(b not in TIE_BREAKERS for b in breakers):
        c.fail("review.tie_breakers", "must be a list of " + ", ".join(TIE_BREAKERS), N_("请从列表中选择"))
    elif len(set(breakers)) != len(breakers):
        c.fail("review.tie_breakers", "must not repeat a tie-breaker", N_("同一排序规则不能重复"))


def check_funds(c: Checker, funds: dict[str, Any]) -> None:
    """Which raised funds count (section 2): sources, the donor cap, the minimum donors."""
    sources = funds["counted_sources"]
    if not isinstance(sources, list) or not sources or any(s not in FUND_SOURCES for s in sources):
        c.fail("funds.counted_sources", "must be a non-empty list of " + ", ".join(FUND_SOURCES),
               N_("请至少选择一种计入的资金来源"))
    elif len(set(sources)) != len(sources):
        c.fail("funds.counted_sources", "must not repeat a source", N_("同一资金来源不能重复"))
    else:
        funds["counted_sources"] = [s for s in FUND_SOURCES if s in sources]
    funds["donor_cap"] = c.money("funds.donor_cap", funds["donor_cap"], optional=True)
    if funds["donor_cap"] is not None and parse_yuan(funds["donor_cap"]) == 0:
        c.fail("funds.donor_cap", "must be above 0 (leave it out for no cap)", N_("须大于 0（留空为不设上限）"))
    c.integer("funds.min_donors", funds["min_donors"], 0)


def check_criteria(c: Checker, where: str, criteria: Any) -> list[dict[str, Any]]:
    """A rubric: at least one criterion, each with a unique code, a name and a whole maximum."""
    if not isinstance(criteria, list) or not criteria:
        c.fail(where, "at least one criterion is required", N_("至少需要一个评分项"))
        return []
    seen: set[str] = set()
    for i, criterion in enumerate(criteria, 1):
        key = f"{where}[{i}]"
        if not isinstance(criterion, dict) or set(criterion) - CRITERION_KEYS:
            c.fail(key, "must have code, name and max (and optionally guide)", N_("评分项须有代码、名称和满分"))
            continue
        c.code(f"{key}.code", criterion.get("code"), seen, "criterion")
        if not isinstance(criterion.get("name"), str) or not criterion["name"].strip():
            c.fail(f"{key}.name", "is required", N_("请填写名称"))
        maximum = criterion.get("max")
        if isinstance(maximum, bool) or not isinstance(maximum, int) or maximum < 1:
            c.fail(f"{key}.max", "must be a whole number of points, at least 1", N_("满分须为不小于 1 的整数"))
    return [dict(criterion) for criterion in criteria if isinstance(criterion, dict)]


def check_panels(c: Checker, where: str, panels: Any) -> list[dict[str, Any]]:
    """A round's panels: unique codes, exact weights above 0 summing to exactly 1, min_reviews >= 1."""
    if not isinstance(panels, list) or not panels:
        c.fail(where, "at least one panel is required", N_("至少需要一个评审组"))
        return []
    seen: set[str] = set()
    normalised, total, exact = [], Fraction(0), True
    for i, panel in enumerate(panels, 1):
        key = f"{where}[{i}]"
        if not c.keys(key, panel, PANEL_KEYS):
            exact = False
            continue
        c.code(f"{key}.code", panel.get("code"), seen, "panel")
        weight = c.number(f"{key}.weight", panel.get("weight"), above_zero=True)
        if weight is None:
            exact = False
        else:
            total += Fraction(Decimal(weight))
        minimum = panel.get("min_reviews")
        if minimum is not None:
            c.integer(f"{key}.min_reviews", minimum, 1)
        normalised.append({"code": panel.get("code"), "weight": weight, "min_reviews": minimum})
    if exact and total != 1:
        shown = str(sum((Decimal(p["weight"]) for p in normalised), Decimal(0)))
        c.fail(where, f"the weights must sum to exactly 1, not {shown}", N_("各评审组权重之和须正好为 1（现为 %(total)s）"),
               total=shown)
    return normalised


def check_round(c: Checker, where: str, rnd: Any, seen: set[str], last: bool) -> dict[str, Any] | None:
    """One round: code, name, rubric (None: the call's `review.criteria`), optional overrides,
    advancement (not on the last round), panels."""
    if not c.keys(where, rnd, ROUND_KEYS):
        return None
    c.code(f"{where}.code", rnd.get("code"), seen, "round")
    name = rnd.get("name")
    if not isinstance(name, str) or not name.strip():
        c.fail(f"{where}.name", "is required", N_("请填写名称"))
    elif len(name) > 80:
        c.fail(f"{where}.name", "is longer than 80 characters", N_("名称最多 80 个字符"))
    criteria = rnd.get("criteria")
    out = {"code": rnd.get("code"), "name": name.strip() if isinstance(name, str) else name,
           "criteria": None if criteria is None else check_criteria(c, f"{where}.criteria", criteria)}
    for key, minimum in (("min_reviews", 1), ("trim_from", 3)):
        out[key] = rnd.get(key)
        if out[key] is not None:
            c.integer(f"{where}.{key}", out[key], minimum)
    out["aggregate"] = rnd.get("aggregate")
    if out["aggregate"] is not None:
        c.choice(f"{where}.aggregate", out["aggregate"], AGGREGATES)
    if last:
        for key in ADVANCE_KEYS:
            out[key] = None
            if rnd.get(key) is not None:
                c.fail(f"{where}.{key}", "the last round has no advancement settings", N_("最后一轮没有晋级设置"))
    else:  # left out (or None): no limit, no minimum score
        out["advance"] = 0 if rnd.get("advance") is None else rnd["advance"]
        c.integer(f"{where}.advance", out["advance"], 0)
        score = rnd.get("advance_min_score")
        out["advance_min_score"] = c.number(f"{where}.advance_min_score", "0" if score is None else score)
    out["panels"] = check_panels(c, f"{where}.panels", rnd.get("panels", [{"code": "expert", "weight": "1"}]))
    return out


def check_rounds(c: Checker, rounds: Any) -> list[dict[str, Any]]:
    if not isinstance(rounds, list) or not rounds:
        c.fail("rounds", "at least one round is required", N_("至少需要一轮评审"))
        return []
    seen: set[str] = set()
    checked = [check_round(c, f"rounds[{i}]", rnd, seen, i == len(rounds)) for i, rnd in enumerate(rounds, 1)]
    return [rnd for rnd in checked if rnd is not None]


def check_matching(c: Checker, matching: dict[str, Any]) -> None:
    matching["pool"] = c.money("matching.pool", matching["pool"], optional=False)
    matching["cap"] = c.money("matching.cap", matching["cap"], optional=True)
    c.integer("matching.award_top", matching["award_top"], 0)
    matching["ratio"] = c.number("matching.ratio", matching["ratio"])
    c.choice("matching.policy", matching["policy"], POLICIES)
    tiers = matching["tiers"]
    if not isinstance(tiers, list):
        c.fail("matching.tiers", "must be a list", N_("格式不正确"))
        return
    normalised = []
    for i, tier in enumerate(tiers, 1):
        where = f"matching.tiers[{i}]"
        if not isinstance(tier, dict) or set(tier) != {"from_rank", "to_rank", "ratio"}:
            c.fail(where, "must have from_rank, to_rank and ratio", N_("须填写起始名次、结束名次和比例"))
            continue
        lo, hi = tier["from_rank"], tier["to_rank"]
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in (lo, hi)):
            c.fail(where, "from_rank and to_rank must be whole numbers, at least 1", N_("名次须为不小于 1 的整数"))
            continue
        if lo > hi:
            c.fail(where, "from_rank must not exceed to_rank", N_("起始名次不能大于结束名次"))
        ratio = c.number(f"{where}.ratio", tier["ratio"])
        if ratio is not None:
            normalised.append({"from_rank": lo, "to_rank": hi, "ratio": ratio})
    matching["tiers"] = normalised


def check_library(c: Checker, library: dict[str, Any]) -> None:
    library["pool"] = c.money("library.pool", library["pool"], optional=False)
    library["cap"] = c.money("library.cap", library["cap"], optional=True)
    c.choice("library.policy", library["policy"], POLICIES)


def merged(c: Checker, raw: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """`raw` over the defaults, section by section (`rounds` as a whole)."""
    rules = copy.deepcopy(defaults)
    for section, values in raw.items():
        if section == "version":
            if values != RULES_VERSION:
                c.fail("version", f"must be {RULES_VERSION}", N_("规则版本须为 %(n)s"), n=RULES_VERSION)
        elif section == "rounds":
            rules["rounds"] = values
        elif section not in defaults or not isinstance(defaults[section], dict):
            c.fail(section, "unknown section", N_("未知的规则部分"))
        elif c.keys(section, values, set(defaults[section])):
            rules[section].update(values)
    return rules


def check_shared_rubric(c: Checker, rules: dict[str, Any]) -> None:
    """`review.criteria` is the rubric of every round that has none of its own; it is kept only
    while some round uses it."""
    if all(isinstance(r, dict) and r.get("criteria") is not None for r in rules["rounds"] or [{}]):
        rules["review"].pop("criteria", None)
    else:
        rules["review"]["criteria"] = check_criteria(c, "review.criteria", rules["review"].get("criteria"))


def check_rules(raw: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    c = Checker()
    if not isinstance(raw, dict):
        raise RulesError([("rules", "must be a table")])
    rules = merged(c, raw, defaults)
    check_entry(c, rules["entry"])
    check_review(c, rules["review"])
    check_funds(c, rules["funds"])
    rules["rounds"] = check_rounds(c, rules["rounds"])
    check_shared_rubric(c, rules)
    check_matching(c, rules["matching"])
    check_library(c, rules["library"])
    if c.problems:
        raise RulesError(c.problems, c.errors)
    return rules
