"""What-if trials (模拟测算): other pools, ratios, tiers, caps, award places or policies applied to a
call's current inputs, computed but not saved; and saving a trial as a rules amendment.

A trial's values are named `<section>_<key>` ("matching_pool", "library_cap"), as on the what-if
form, and every problem found names the value it is about, so the form shows each beside its field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.calls.rules import RulesError
from gongyi.calls.service import update_call
from gongyi.calls.workflow import allows
from gongyi.errors import N_, UserError, UserErrors
from gongyi.results import service
from gongyi.results.engine import Results
from gongyi.results.models import Run

# The settings a trial may change, by rules section.
FIELDS: dict[str, tuple[str, ...]] = {
    "matching": ("pool", "award_top", "ratio", "cap", "policy", "tiers"),
    "library": ("pool", "cap", "policy"),
}
_RULE_KEY = re.compile(r"^([a-z_]+)\.([a-z_]+)")  # "matching.tiers[2].ratio" is about matching_tiers


@dataclass(frozen=True)
class Trial:
    """The rules tried (normalised) and the results they give; nothing of it is saved."""

    rules: dict[str, Any]
    results: Results


def trial_values(rules: dict[str, Any]) -> dict[str, Any]:
    """The values of a trial that changes nothing: the call's own rules, as the form shows them."""
    values = {f"{section}_{key}": rules[section][key] for section, keys in FIELDS.items() for key in keys}
    values["matching_tiers"] = "".join(f"{t['from_rank']}-{t['to_rank']}:{t['ratio']}\n"
                                       for t in rules["matching"]["tiers"] or ())
    return values


def _tiers(text: str) -> tuple[list[dict[str, Any]], UserError | None]:
    """Tiers written one per line as "from-to:ratio"; the problem with the last line that is not."""
    tiers, problem = [], None
    for n, line in enumerate(filter(None, (line.strip() for line in text.splitlines())), 1):
        try:
            span, ratio = line.split(":")
            lo, hi = span.split("-")
            tiers.append({"from_rank": int(lo), "to_rank": int(hi), "ratio": ratio.strip()})
        except ValueError:
            problem = UserError(N_("第 %(n)s 行应写成“起始名次-截止名次:比例”，如 1-3:2"), "matching_tiers", n=n)
    return tiers, problem


def read_changes(values: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], list[UserError]]:
    """The rule changes in `values` (only the names given), and the problems of those that cannot be read."""
    changes: dict[str, dict[str, Any]] = {section: {} for section in FIELDS}
    problems: list[UserError] = []
    for section, keys in FIELDS.items():
        for key in keys:
            name = f"{section}_{key}"
            if name not in values:
                continue
            value = str(values[name] if values[name] is not None else "").strip()
            if key == "tiers":
                changes[section][key], problem = _tiers(value)
                problems += [problem] if problem else []
            elif key == "award_top":
                try:
                    changes[section][key] = int(value)
                except ValueError:
                    problems.append(UserError(N_("请填写整数"), name))
            elif key == "cap":
                changes[section][key] = value or None
            else:
                changes[section][key] = value
    return changes, problems


def _named(errors: list[UserError]) -> list[UserError]:
    """Problems about rule keys ("matching.pool") renamed after the trial value they concern ("matching_pool")."""
    renamed = []
    for error in errors:
        match = _RULE_KEY.match(error.field or "")
        renamed.append(UserError(error.message, f"{match[1]}_{match[2]}", **error.params) if match else error)
    return renamed


def try_changes(session: Session, call: Call, values: Mapping[str, Any]) -> Trial:
    """The call's results with the rules in `values`, computed on its current inputs and not saved.

    Raises UserErrors with every problem, one per value (what could not be read first, then what
    the rules refuse).
    """
    changes, problems = read_changes(values)
    try:
        rules, results = service.what_if(session, call, changes)
    except RulesError as exc:
        problems += _named(exc.errors)
    if problems:
        first = {}
        for problem in problems:
            first.setdefault(problem.field, problem)
        raise UserErrors(list(first.values()))
    return Trial(rules, results)


def can_save(call: Call) -> bool:
    """A trial may become the call's rules while its settings may change and its results be computed."""
    return allows(call, "edit_settings") and allows(call, "compute")


def save_trial(session: Session, actor: Any, call: Call, trial: Trial, reason: str) -> Run:
    """Make the trial's rules the call's rules (an amendment with a public reason) and compute a new run."""
    reason = (reason or "").strip()
    if not reason:
        raise UserError(N_("保存为规则修订须填写理由"), "reason")
    try:
        update_call(session, actor, call, rules=trial.rules, reason=reason)
    except UserError as exc:
        raise UserErrors(_named(exc.problems())) from None
    return service.compute_call(session, actor, call, note=gettext("规则修订：%(r)s", r=reason))
