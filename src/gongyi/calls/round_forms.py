"""The call form's funds section and its rounds (each with its rubric and panels).

Rule inputs stay text, as in calls/forms.py: calls.rules.validate_rules checks them and its
dotted keys ("rounds[2].panels[1].weight", "funds.donor_cap") are put back beside the fields.
Rounds are added, removed and moved with buttons the server answers (the form is shown again
with the change, nothing saved), so the editor works without JavaScript.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from gongyi.calls.rules import AGGREGATES, LABELS, SETTING_LABELS
from gongyi.funding.sources import FUND_SOURCE_LABELS, FUND_SOURCES
from gongyi.numbers import MAX_BIG, whole_number

BLANK_ROUND_CRITERIA, BLANK_PANELS = 2, 1  # spare rows in each round's tables


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundCriterionForm(Form):
    code = StringField(_l("代码"), render_kw={"maxlength": 40, "autocapitalize": "off"})
    name = StringField(_l("评分项"), render_kw={"maxlength": 100})
    max = StringField(_l("满分"), render_kw={"inputmode": "numeric"})
    guide = StringField(_l("评分说明"))


class PanelForm(Form):
    code = StringField(_l("评审组代码"), render_kw={"maxlength": 40, "autocapitalize": "off"},
                       description=_l("如 expert（专家）、public（大众评审）"))
    weight = StringField(_l("权重"), render_kw={"inputmode": "decimal", "data-panel-weight": ""})
    min_reviews = StringField(_l("最少评审份数"), render_kw={"inputmode": "numeric"})


class RoundForm(Form):
    code = StringField(_l("轮次代码"), render_kw={"maxlength": 40, "autocapitalize": "off"})
    name = StringField(_l("轮次名称"), render_kw={"maxlength": 80})
    min_reviews = StringField(_l("参与排名所需最少评审份数"), render_kw={"inputmode": "numeric"},
                              description=_l("留空则使用上面的设置"))
    aggregate = SelectField(_l("计分方法"), validate_choice=False,
                            choices=[SelectChoice("", _l("（使用上面的设置）"))]
                            + [SelectChoice(k, _l(LABELS[k])) for k in AGGREGATES])
    trim_from = StringField(_l("去掉最高最低分所需最少评审份数"), render_kw={"inputmode": "numeric"},
                            description=_l("留空则使用上面的设置"))
    advance = StringField(_l("晋级名额（0 为不限）"), render_kw={"inputmode": "numeric"},
                          description=_l("名次在前 N 名者晋级下一轮；与第 N 名同分同名次的一并晋级。最后一轮留空"))
    advance_min_score = StringField(_l("晋级分数线"), render_kw={"inputmode": "decimal"},
                                    description=_l("得分不低于此分数才晋级；最后一轮留空"))
    criteria = FieldList(FormField(RoundCriterionForm))
    panels = FieldList(FormField(PanelForm))


class FundsForm(Form):
    counted_sources = CheckboxesField(
        _l(SETTING_LABELS["funds.counted_sources"]), validate_choice=False,
        choices=[SelectChoice(code, _l(FUND_SOURCE_LABELS[code])) for code in FUND_SOURCES],
        description=_l("政府资金是公共资金，不是募集的社会资金，默认不计入"))
    donor_cap = StringField(_l(SETTING_LABELS["funds.donor_cap"]), render_kw={"inputmode": "decimal"},
                            description=_l("同一捐赠方（名称统一全角半角、空格和大小写后相同）在一个项目中最多计入的金额"))
    min_donors = StringField(_l(SETTING_LABELS["funds.min_donors"]), render_kw={"inputmode": "numeric"},
                             description=_l("捐赠方少于此数的项目不获配套资金；0 为不限"))


def text(field: Any) -> str:
    return (field.data or "").strip()


def blank(form: Form) -> bool:
    return all(not (f.data or "").strip() for f in form)


def funds_data(rules: dict[str, Any]) -> dict[str, Any]:
    funds = rules["funds"]
    return {"counted_sources": list(funds["counted_sources"]), "donor_cap": funds["donor_cap"] or "",
            "min_donors": str(funds["min_donors"])}


def rounds_data(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The rounds as the form shows them: a value the round takes from the call is blank."""
    def shown(value: Any) -> str:
        return "" if value is None else str(value)

    rounds = []
    for rnd in rules["rounds"]:
        rounds.append({
            "code": rnd["code"], "name": rnd["name"], "min_reviews": shown(rnd.get("min_reviews")),
            "aggregate": rnd.get("aggregate") or "", "trim_from": shown(rnd.get("trim_from")),
            "advance": shown(rnd.get("advance")), "advance_min_score": shown(rnd.get("advance_min_score")),
            "criteria": [{"code": c["code"], "name": c["name"], "max": str(c["max"]), "guide": c.get("guide", "")}
                         for c in rnd.get("criteria") or ()] + [{}] * BLANK_ROUND_CRITERIA,
            "panels": [{"code": p["code"], "weight": str(p["weight"]), "min_reviews": shown(p.get("min_reviews"))}
                       for p in rnd["panels"]] + [{}] * BLANK_PANELS,
        })
    return rounds


def new_round(number: int) -> dict[str, Any]:
    """What an added round starts with: its own code and name, one panel of weight 1."""
    return {"code": f"round{number}", "name": "", "min_reviews": "", "aggregate": "", "trim_from": "",
            "advance": "", "advance_min_score": "", "criteria": [{}] * BLANK_ROUND_CRITERIA,
            "panels": [{"code": "expert", "weight": "1", "min_reviews": ""}] + [{}] * BLANK_PANELS}


def change_rounds(rounds: list[dict[str, Any]], action: str) -> list[dict[str, Any]] | None:
    """The rounds after a button: "add", "remove-N", "up-N", "down-N" (N counts from 1);
    None for an action that is not one of these (or names no round)."""
    rounds = list(rounds)
    if action == "add":
        codes = {r.get("code") for r in rounds}
        number = next(n for n in range(len(rounds) + 1, len(rounds) + 100) if f"round{n}" not in codes)
        return rounds + [new_round(number)]
    verb, _, index = action.partition("-")
    number = whole_number(index, minimum=1, maximum=len(rounds))
    if number is None:
        return None
    i = number - 1
    if verb == "remove" and len(rounds) > 1:
        del rounds[i]
    elif verb == "up" and i > 0:
        rounds[i - 1], rounds[i] = rounds[i], rounds[i - 1]
    elif verb == "down" and i < len(rounds) - 1:
        rounds[i], rounds[i + 1] = rounds[i + 1], rounds[i]
    elif verb not in ("remove", "up", "down"):
        return None
    return rounds


def _number(field: Any) -> int | str | None:
    value = text(field)
    if not value:
        return None
    # A number as typed ("²³" is none: left as text, the rules' check says what is wrong with it).
    number = whole_number(value.lstrip("+-"), maximum=MAX_BIG)
    return value if number is None else (-number if value.startswith("-") else number)


def funds_input(form: FundsForm) -> dict[str, Any]:
    return {"counted_sources": list(form.counted_sources.data or []), "donor_cap": text(form.donor_cap),
            "min_donors": _number(form.min_donors)}


def rounds_input(rounds: FieldList, rows: dict[str, list[Form]]) -> list[dict[str, Any]]:
    """The rounds as typed; blank rubric and panel rows are left out (a round without rubric rows
    takes the call's rubric). `rows` records, per table key, the rows that were not blank."""
    out = []
    for i, entry in enumerate(rounds, 1):
        r = entry.form
        criteria_rows = [e.form for e in r.criteria if not blank(e.form)]
        panel_rows = [e.form for e in r.panels if not blank(e.form)]
        rows[f"rounds[{i}].criteria"], rows[f"rounds[{i}].panels"] = criteria_rows, panel_rows
        criteria = []
        for row in criteria_rows:
            criterion = {"code": text(row.code), "name": text(row.name), "max": _number(row.max)}
            if text(row.guide):
                criterion["guide"] = text(row.guide)
            criteria.append(criterion)
        out.append({
            "code": text(r.code), "name": text(r.name), "criteria": criteria or None,
            "min_reviews": _number(r.min_reviews), "aggregate": r.aggregate.data or None,
            "trim_from": _number(r.trim_from), "advance": _number(r.advance),
            "advance_min_score": text(r.advance_min_score) or None,
            "panels": [{"code": text(p.code), "weight": text(p.weight), "min_reviews": _number(p.min_reviews)}
                       for p in panel_rows],
        })
    return out
