"""The project form as a person typed it: what a save may store, and what submitting requires. Pure.

`parse_project` reads the posted values and keeps only those that can be stored, naming the
problem of each one that cannot; `completeness` lists every reason a project cannot be
submitted. Neither touches the database: what they need to know of the stored submission, its
call and the catalogue comes in a `Known`. Each problem carries the form field it belongs to:

- a project field by name ("title", "beneficiary_count", "community_district", ...);
- "items" (the order as a whole) and "need-<item code>" (the need one item answers);
- "community_id" (the community picked from the list: its record gives the three community fields);
- "budget" (the budget as a whole), "budget-<row>-what" and "budget-<row>-amount", where <row>
  is the row's index in the form, kept as BudgetLine.position so later problems find their row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

from gongyi.errors import N_, UserError, UserErrors
from gongyi.money import MoneyError, format_fen, parse_yuan
from gongyi.numbers import too_large, whole_number
from gongyi.orgs.districts import DISTRICTS


# Free-text project fields and their longest allowed length.
TEXT_LIMITS = {
    "title": 200, "summary": 2000, "community_name": 200, "community_street": 200, "problem": 10000,
    "objectives": 10000, "activities": 10000, "beneficiary_group": 200, "team": 10000,
}
PROJECT_FIELDS = (*TEXT_LIMITS, "community_district", "beneficiary_count")
COMMUNITY_FIELD = "community_id"
REQUIRED_FIELDS = ("community_name", "community_street", "community_district", "title", "summary", "problem",
                   "objectives", "activities", "beneficiary_group", "beneficiary_count", "team")
NEED_LIMIT = 2000
WHAT_LIMIT = 200
MAX_BUDGET_LINES = 100
MAX_LINE_FEN = 1_000_000_000  # ¥10,000,000 a line
# ¥20,000,000 in all: far beyond any community project. The money columns are 64-bit, so this is
# a plausibility limit, not a storage one.
MAX_TOTAL_FEN = 2_000_000_000
MAX_BENEFICIARIES = 100_000_000


class SubmissionError(UserError):
    pass


class SubmissionInvalid(UserErrors, SubmissionError):
    """Every problem at once, so a form can show each beside its field."""


def category_open(category: str | None, open_categories: Collection[str]) -> bool:
    """Whether items of `category` may be ordered in a call whose rules open `open_categories`
    (rules["entry"]["categories"]; none named: every category is open)."""
    return not open_categories or category in open_categories


def _closed_category(code: str) -> SubmissionError:
    return SubmissionError(N_("%(code)s 所属的类别不在本征集开放范围内"), "items", code=code)


# ---------------------------------------------------------------------------------------------
# Reading what a person typed


def text(value: Any) -> str:
    """Typed text as stored: Windows line ends made plain, surrounding space dropped."""
    return str(value or "").replace("\r\n", "\n").strip()


def too_long(name: str, value: str, limit: int) -> SubmissionError:
    return SubmissionError(N_("最多 %(n)s 个字符（现有 %(m)s 个）"), name, n=limit, m=len(value))


def parse_count(value: Any) -> int | None:
    """A number of people: blank is None; full-width digits and thousands separators are accepted."""
    if value is None or isinstance(value, bool):
        return None
    typed = str(value).strip()
    if not typed:
        return None
    count = whole_number(typed, grouped=True, maximum=MAX_BENEFICIARIES)
    if count is None and too_large(typed, grouped=True, maximum=MAX_BENEFICIARIES):
        raise SubmissionError(N_("受益人数不能超过 %(n)s"), "beneficiary_count", n=MAX_BENEFICIARIES)
    if not count:
        raise SubmissionError(N_("受益人数须为正整数"), "beneficiary_count")
    return count


def parse_amount(typed: str, field_name: str) -> int:
    """An amount of one line (budget or funds) in yuan as typed, in fen, at most MAX_LINE_FEN."""
    if len(typed) > 20:  # far beyond any amount; also keeps huge digit strings away from int()
        raise SubmissionError(N_("单笔金额不能超过 %(max)s 元"), field_name, max="10,000,000.00")
    try:
        fen = parse_yuan(typed)
    except MoneyError as exc:
        raise SubmissionError(exc.message, field_name, **exc.params) from None
    if fen > MAX_LINE_FEN:
        raise SubmissionError(N_("单笔金额不能超过 %(max)s 元"), field_name, max="10,000,000.00")
    return fen


@dataclass
class BudgetRow:
    position: int
    line: Any  # the stored BudgetLine this row edits, None for a new row
    what: str
    amount_fen: int


@dataclass
class Changes:
    """What a save would store: only values that can be stored."""

    fields: dict[str, Any] = field(default_factory=dict)
    items: dict[str, str] | None = None  # item code -> need, None = leave the order alone
    community: int | None = None  # the community record's id, 0 = none (free text), None = leave alone
    budget: list[BudgetRow] | None = None  # None = leave the budget alone


@dataclass(frozen=True)
class Known:
    """What the parser needs to know besides the typed values."""

    open_categories: Collection[str]  # the call's rules["entry"]["categories"]
    categories_of: Callable[[Sequence[str]], Mapping[str, str]]  # item codes -> their category, for catalogue items
    needs: Mapping[str, str] = field(default_factory=dict)  # the stored order: item code -> need
    lines: Mapping[int, Any] = field(default_factory=dict)  # the stored budget lines by id
    # A community record id -> (district, street, name) when the organisation may pick it, else None.
    communities: Callable[[int], tuple[str, str, str] | None] = lambda _id: None


def parse_project(data: Mapping[str, Any], known: Known) -> tuple[Changes, list[SubmissionError]]:
    """What a save of `data` stores, and the problem of every value it cannot store.

    `data` keys: the PROJECT_FIELDS, "items" (item code -> need, or (code, need) pairs: the whole
    order), "budget" (the whole budget: rows {"what", "amount", optional "id", optional
    "position"}) and "community_id" (a community record's id, or "" for none: a picked record's
    district, street and name replace the typed ones); absent keys are left alone.
    """
    unknown = set(data) - set(PROJECT_FIELDS) - {"items", "budget", COMMUNITY_FIELD}
    if unknown:
        raise ValueError(f"unknown submission fields: {sorted(unknown)}")
    changes, problems = Changes(), []
    for name, limit in TEXT_LIMITS.items():
        if name in data:
            value = text(data[name])
            if len(value) > limit:
                problems.append(too_long(name, value, limit))
            else:
                changes.fields[name] = value
    if "community_district" in data:
        code = text(data["community_district"])
        if code and code not in DISTRICTS:
            problems.append(SubmissionError(N_("请从列表中选择所在区"), "community_district"))
        else:
            changes.fields["community_district"] = code or None
    if "beneficiary_count" in data:
        try:
            changes.fields["beneficiary_count"] = parse_count(data["beneficiary_count"])
        except SubmissionError as exc:
            problems.append(exc)
    if COMMUNITY_FIELD in data:
        _parse_community(data[COMMUNITY_FIELD], known, changes, problems)
    if "items" in data:
        changes.items = _parse_items(data["items"], known, problems)
    if "budget" in data:
        changes.budget = _parse_budget(data["budget"], known, problems)
    return changes, problems


def _parse_community(raw: Any, known: Known, changes: Changes, problems: list[SubmissionError]) -> None:
    typed = text(raw)
    if not typed:
        changes.community = 0
        return
    record = known.communities(int(typed)) if typed.isascii() and typed.isdigit() and len(typed) <= 10 else None
    if record is None:
        problems.append(SubmissionError(N_("请从名录中选择社区"), COMMUNITY_FIELD))
        return
    changes.community = int(typed)
    district, street, name = record
    changes.fields.update(community_district=district, community_street=street, community_name=name)


def _parse_items(raw: Any, known: Known, problems: list[SubmissionError]) -> dict[str, str]:
    pairs = [(text(code), need) for code, need in (raw.items() if isinstance(raw, Mapping) else raw)]
    categories = known.categories_of([code for code, _ in pairs])
    chosen: dict[str, str] = {}
    for code, need in pairs:
        if code not in categories:
            problems.append(SubmissionError(N_("服务目录中没有 %(code)s"), "items", code=code))
        elif not category_open(categories[code], known.open_categories):
            problems.append(_closed_category(code))
        else:
            need = text(need)
            if len(need) > NEED_LIMIT:
                problems.append(too_long(f"need-{code}", need, NEED_LIMIT))
                need = known.needs.get(code, "")
            chosen[code] = need
    return chosen


def _stored_line(row: Mapping[str, Any], known: Known) -> Any:
    try:
        return known.lines.get(int(row.get("id") or 0))
    except (TypeError, ValueError):
        return None


def _parse_budget(raw: Iterable[Mapping[str, Any]], known: Known, problems: list[SubmissionError]) -> list[BudgetRow] | None:
    """Rows to store. A row editing a stored line (its "id") keeps the stored value of whatever it
    cannot store; a new row is stored once its amount can be; a blank row removes its line."""
    rows: list[BudgetRow] = []
    for index, row in enumerate(raw):
        position = whole_number(row.get("position", index))
        position = index if position is None else position
        what, amount_text = text(row.get("what")), text(row.get("amount"))
        line = _stored_line(row, known)
        if not what and not amount_text:
            continue
        what_name, amount_name = f"budget-{position}-what", f"budget-{position}-amount"
        if len(what) > WHAT_LIMIT:
            problems.append(too_long(what_name, what, WHAT_LIMIT))
            if line is None:
                continue
            what = line.what
        fen: int | None = None
        if not amount_text:
            problems.append(SubmissionError(N_("请填写金额") if line is not None else N_("请填写金额，填写后这一行才能保存"),
                                            amount_name))
        else:
            try:
                fen = parse_amount(amount_text, amount_name)
            except SubmissionError as exc:
                problems.append(exc)
        if fen is None:
            if line is None:
                continue
            fen = line.amount_fen
        rows.append(BudgetRow(position, line, what, fen))
    if len(rows) > MAX_BUDGET_LINES:
        problems.append(SubmissionError(N_("预算最多 %(n)s 行"), "budget", n=MAX_BUDGET_LINES))
        return None
    if sum(r.amount_fen for r in rows) > MAX_TOTAL_FEN:
        problems.append(SubmissionError(N_("预算合计不能超过 %(max)s 元"), "budget", max="20,000,000.00"))
        return None
    return rows


# ---------------------------------------------------------------------------------------------
# Completeness: what submitting checks


def completeness(values: Mapping[str, Any], items: Mapping[str, str], budget: Sequence[tuple[int, str, int]],
                 entry: Mapping[str, Any], categories_of: Callable[[Sequence[str]], Mapping[str, str]]
                 ) -> list[SubmissionError]:
    """Every reason the project cannot be submitted: `values` by field name (with "requested_fen"
    when the stored total is to be checked), `items` (code -> need), `budget` rows (position,
    what, fen), under the call's rules["entry"]."""
    problems: list[SubmissionError] = []
    for name in REQUIRED_FIELDS:
        value = values.get(name)
        if value is None or value == "":
            message = N_("请填写受益人数（正整数）") if name == "beneficiary_count" else N_("请填写此项")
            problems.append(SubmissionError(message, name))
    if len(items) < entry["min_items"]:
        problems.append(SubmissionError(N_("请至少选择 %(n)s 个服务项目（已选 %(m)s 个）"), "items", n=entry["min_items"], m=len(items)))
    if len(items) > entry["max_items"]:
        problems.append(SubmissionError(N_("最多选择 %(n)s 个服务项目（已选 %(m)s 个）"), "items", n=entry["max_items"], m=len(items)))
    if entry["categories"] and items:
        categories = categories_of(list(items))
        problems += [_closed_category(code) for code in items if not category_open(categories.get(code), entry["categories"])]
    for code, need in items.items():
        if not need:
            problems.append(SubmissionError(N_("请写明该服务项目回应的社区需求"), f"need-{code}"))
    if not budget:
        problems.append(SubmissionError(N_("请至少填写一行预算"), "budget"))
    for position, what, fen in budget:
        if not what:
            problems.append(SubmissionError(N_("请填写用途"), f"budget-{position}-what"))
        if fen <= 0:
            problems.append(SubmissionError(N_("金额须大于 0"), f"budget-{position}-amount"))
    total = sum(fen for _, _, fen in budget)
    if budget and total != values.get("requested_fen", total):
        problems.append(SubmissionError(N_("预算合计 %(total)s 元与申请金额 %(requested)s 元不一致"), "budget",
                                        total=format_fen(total), requested=format_fen(values["requested_fen"])))
    return problems
