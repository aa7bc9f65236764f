"""The call form (fields, rubric and every rule setting) and the late-list form.

Rule inputs are kept as text and handed to calls.rules.validate_rules, which checks them all in
one place; its dotted keys ("review.criteria[2].max") are mapped back to the fields here.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateTimeLocalField, Field, FieldList, Form, FormField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from gongyi.clock import CHINA
from gongyi.forms import Form as BaseForm
from gongyi.calls.round_forms import FundsForm, RoundForm, funds_data, funds_input, rounds_data, rounds_input
from gongyi.calls.rules import AGGREGATES, LABELS, POLICIES, SETTING_LABELS, TIE_BREAKERS, default_rules

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
BLANK_CRITERIA, BLANK_TIERS = 2, 2  # spare rows, so the form works without JavaScript
TIE_BREAKER_SLOTS = len(TIE_BREAKERS)
_INTEGER = re.compile(r"^[+-]?\d+$")


def cst_field(label, required: bool = True, description=None) -> DateTimeLocalField:
    validators = [InputRequired(message=_l("请填写时间"))] if required else [Optional()]
    return DateTimeLocalField(label, validators=validators, format=DATETIME_FORMATS, tz=CHINA,
                              description=description or _l("北京时间"))


def _label(key: str):
    return _l(SETTING_LABELS[key])


def _choices(keys: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(k, _l(LABELS[k])) for k in keys]


def _text(field: Field) -> str:
    return (field.data or "").strip()  # a crafted post may leave a field out: None


def _number(field: Field) -> int | str | None:
    """Whole numbers as int; anything else as written, for validate_rules to name the problem."""
    text = _text(field)
    if not text:
        return None
    return int(text) if _INTEGER.match(text) else text


def _blank(form: Form) -> bool:
    return all(not (f.data or "").strip() for f in form)


def _append_error(field: Field, message: str) -> None:
    field.errors = list(field.errors) + [message]  # a field never validated holds an empty tuple


# The sub-forms carry no validators: validate_rules checks every setting, with messages in one place.
class CriterionForm(Form):
    code = StringField(_l("代码"), render_kw={"maxlength": 40, "autocapitalize": "off"})
    name = StringField(_l("评分项"), render_kw={"maxlength": 100})
    max = StringField(_l("满分"), render_kw={"inputmode": "numeric"})
    guide = StringField(_l("评分说明"))


class TierForm(Form):
    from_rank = StringField(_l("起始名次"), render_kw={"inputmode": "numeric"})
    to_rank = StringField(_l("结束名次"), render_kw={"inputmode": "numeric"})
    ratio = StringField(_l("配套比例"), render_kw={"inputmode": "decimal"})


class EntryForm(Form):
    max_per_org = StringField(_label("entry.max_per_org"), render_kw={"inputmode": "numeric"})
    min_items = StringField(_label("entry.min_items"), render_kw={"inputmode": "numeric"})
    max_items = StringField(_label("entry.max_items"), render_kw={"inputmode": "numeric"})
    categories = SelectMultipleField(
        _label("entry.categories"), choices=[], validate_choice=False, render_kw={"size": 8},
        description=_l("不选则全部类别开放；按住 Ctrl（Mac 上为 ⌘）可多选"),
    )


class ReviewForm(Form):
    min_reviews = StringField(_label("review.min_reviews"), render_kw={"inputmode": "numeric"})
    aggregate = SelectField(_label("review.aggregate"), choices=_choices(AGGREGATES), validate_choice=False)
    trim_from = StringField(_label("review.trim_from"), render_kw={"inputmode": "numeric"},
                            description=_l("至少 3；评审份数不足时取算术平均"))
    shortlist_min_score = StringField(_label("review.shortlist_min_score"), render_kw={"inputmode": "decimal"})
    shortlist_size = StringField(_label("review.shortlist_size"), render_kw={"inputmode": "numeric"})
    tie_breakers = FieldList(
        SelectField(_label("review.tie_breakers"), choices=[SelectChoice("", _l("（无）"))] + _choices(TIE_BREAKERS),
                    validate_choice=False),
        min_entries=TIE_BREAKER_SLOTS, max_entries=TIE_BREAKER_SLOTS,
    )
    reviewers_per_submission = StringField(_label("review.reviewers_per_submission"), render_kw={"inputmode": "numeric"})
    blind = BooleanField(_label("review.blind"))
    disagreement_threshold = StringField(_label("review.disagreement_threshold"), render_kw={"inputmode": "decimal"})
    criteria = FieldList(FormField(CriterionForm))


class MatchingForm(Form):
    pool = StringField(_label("matching.pool"), render_kw={"inputmode": "decimal"})
    award_top = StringField(_label("matching.award_top"), render_kw={"inputmode": "numeric"})
    ratio = StringField(_label("matching.ratio"), render_kw={"inputmode": "decimal"},
                        description=_l("如 1 表示 1:1，0.5 表示 1:0.5"))
    tiers = FieldList(FormField(TierForm))
    cap = StringField(_label("matching.cap"), render_kw={"inputmode": "decimal"})
    policy = SelectField(_label("matching.policy"), choices=_choices(POLICIES), validate_choice=False)


class LibraryForm(Form):
    pool = StringField(_label("library.pool"), render_kw={"inputmode": "decimal"})
    cap = StringField(_label("library.cap"), render_kw={"inputmode": "decimal"})
    policy = SelectField(_label("library.policy"), choices=_choices(POLICIES), validate_choice=False)


class CallForm(BaseForm):
    title = StringField(_l("标题"), validators=[DataRequired(message=_l("请填写标题")), Length(max=200)])
    slug = StringField(_l("标识"), validators=[DataRequired(message=_l("请填写标识")), Length(max=80)],
                       description=_l("用于网址，如 sz-2026；只能包含字母、数字、点、下划线和连字符"),
                       render_kw={"autocapitalize": "off"})
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 5})
    opens_at = cst_field(_l("申报开始时间"))
    closes_at = cst_field(_l("申报截止时间"))
    edit_deadline = cst_field(_l("修改截止时间"), required=False,
                              description=_l("北京时间；可选，已提交的项目在此之前仍可修改"))
    review_deadline = cst_field(_l("评审截止时间"), required=False, description=_l("北京时间；可选"))
    entry = FormField(EntryForm)
    review = FormField(ReviewForm)
    funds = FormField(FundsForm)
    rounds = FieldList(FormField(RoundForm))
    matching = FormField(MatchingForm)
    library = FormField(LibraryForm)
    reason = TextAreaField(_l("修订理由"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3},
                           description=_l("征集已开放：任何修改都会连同理由公开显示"))

    def __init__(self, *args: Any, categories: list[Any] = (), frozen_slug: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if frozen_slug:  # published links use it
            self.slug.render_kw = {**self.slug.render_kw, "readonly": True}
            self.slug.description = _l("征集开放后标识不能修改")
        english = str(get_locale()).startswith("en")
        self.entry.categories.choices = [
            SelectChoice(c.code, f"{c.code} {c.name_en if english else c.name_zh}") for c in categories
        ]
        if not self.review.criteria.entries:  # keep a row to type into (and for the script to copy)
            self.review.criteria.append_entry()
        if not self.matching.tiers.entries:
            self.matching.tiers.append_entry()
        self.extra_errors: dict[str, list[str]] = {}  # problems of a whole table (rubric, tiers) or of no field
        self._rows: dict[str, list[Form]] = {}

    def typed_rubric_total(self) -> int:
        """The rubric total of the rows as typed (the script keeps it live as the maxima change)."""
        return sum(int(_text(e.form.max)) for e in self.review.criteria if _INTEGER.match(_text(e.form.max)))

    def call_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in (
            "slug", "title", "description", "opens_at", "closes_at", "edit_deadline", "review_deadline")}

    def rules_input(self) -> dict[str, Any]:
        """The rules as typed, for validate_rules; blank rubric and tier rows are left out."""
        entry, review, matching, library = (self.entry.form, self.review.form, self.matching.form, self.library.form)
        criteria_rows = [e.form for e in review.criteria if not _blank(e.form)]
        tier_rows = [e.form for e in matching.tiers if not _blank(e.form)]
        self._rows = {"review.criteria": criteria_rows, "matching.tiers": tier_rows}
        extra = {}  # a post that leaves the funds or the rounds out keeps the call's (edited_rules)
        if self.funds.form.min_donors.raw_data:
            extra["funds"] = funds_input(self.funds.form)
        if self.rounds.entries:
            extra["rounds"] = rounds_input(self.rounds, self._rows)
        criteria = []
        for row in criteria_rows:
            criterion = {"code": _text(row.code), "name": _text(row.name), "max": _number(row.max)}
            if _text(row.guide):
                criterion["guide"] = _text(row.guide)
            criteria.append(criterion)
        return {
            "entry": {"max_per_org": _number(entry.max_per_org), "min_items": _number(entry.min_items),
                      "max_items": _number(entry.max_items), "categories": list(entry.categories.data or [])},
            "review": {
                "min_reviews": _number(review.min_reviews), "aggregate": review.aggregate.data,
                "trim_from": _number(review.trim_from),
                "shortlist_min_score": _text(review.shortlist_min_score),
                "shortlist_size": _number(review.shortlist_size),
                "tie_breakers": [f.data for f in review.tie_breakers if f.data],
                "criteria": criteria,
                "reviewers_per_submission": _number(review.reviewers_per_submission),
                "blind": bool(review.blind.data),
                "disagreement_threshold": _text(review.disagreement_threshold),
            },
            "matching": {
                "pool": _text(matching.pool), "award_top": _number(matching.award_top),
                "ratio": _text(matching.ratio),
                "tiers": [{"from_rank": _number(r.from_rank), "to_rank": _number(r.to_rank),
                           "ratio": _text(r.ratio)} for r in tier_rows],
                "cap": _text(matching.cap), "policy": matching.policy.data,
            },
            "library": {"pool": _text(library.pool), "cap": _text(library.cap), "policy": library.policy.data},
            **extra,
        }

    def add_error(self, key: str | None, message: str) -> bool:
        """Show a service's problem beside the field its key names: 'closes_at', 'matching.pool',
        'review.criteria[2].max' (the second non-blank row), or a whole table ('review.criteria').

        A field that already shows the form's own error (an unreadable date) keeps just that one.
        Call after rules_input(), which records which rows were not blank.
        """
        match = re.match(r"^(entry|review|funds|matching|library)\.(\w+)(?:\[(\d+)\](?:\.(\w+))?)?$", key or "")
        field: Field | None = None
        if (key or "").startswith("rounds"):
            field, table = self._round_field(key or "")
        elif match is None:
            field = self._fields.get(key or "")
            table = "form"
        else:
            section, name, index, sub = match.groups()
            table = f"{section}.{name}"
            rows = self._rows.get(table, [])
            if index is not None and 0 < int(index) <= len(rows):
                row = rows[int(index) - 1]
                field = row._fields.get(sub) or next(iter(row))
            elif index is None:
                field = getattr(self, section).form._fields.get(name)
        if field is None or isinstance(field, (FieldList, FormField)):
            self.extra_errors.setdefault(table, []).append(message)
        elif not field.errors:
            _append_error(field, message)
        return True


    def _round_field(self, key: str) -> tuple[Field | None, str]:
        """The field of a rounds key ("rounds[2].name", "rounds[1].panels[2].weight") and the table
        whose list takes the message when no field does ("rounds[1].panels": the weights' sum)."""
        match = re.match(r"^rounds(?:\[(\d+)\](?:\.(\w+)(?:\[(\d+)\](?:\.(\w+))?)?)?)?$", key)
        if match is None or match.group(1) is None:
            return None, "rounds"
        index, name, row, sub = match.groups()
        entries = self.rounds.entries
        if not 0 < int(index) <= len(entries):
            return None, "rounds"
        rnd = entries[int(index) - 1].form
        where = f"rounds[{index}]"
        if name is None:
            return None, where
        if name in ("criteria", "panels"):
            rows = self._rows.get(f"{where}.{name}", [])
            if row is not None and 0 < int(row) <= len(rows):
                return rows[int(row) - 1]._fields.get(sub) or next(iter(rows[int(row) - 1])), f"{where}.{name}"
            return None, f"{where}.{name}"
        return rnd._fields.get(name), where

    def typed_weight_sum(self, index: int) -> str:
        """The sum of a round's panel weights as typed (the script keeps it live)."""
        total = Decimal(0)
        for entry in self.rounds.entries[index].form.panels:
            try:
                total += Decimal(_text(entry.form.weight) or "0")
            except InvalidOperation:
                continue
        return str(total.normalize()) if total else "0"


def call_form_data(call: Any | None = None) -> dict[str, Any]:
    """What the form shows before it is posted: the call's values and current rules, or the spec's defaults."""
    rules = call.rules if call is not None else default_rules()
    review, matching = rules["review"], rules["matching"]
    breakers = list(review["tie_breakers"]) + [""] * (TIE_BREAKER_SLOTS - len(review["tie_breakers"]))
    text = {"shortlist_min_score", "disagreement_threshold", "aggregate", "blind"}
    data: dict[str, Any] = {
        "entry": {k: (v if k == "categories" else str(v)) for k, v in rules["entry"].items()},
        "review": {
            **{k: (v if k in text else str(v)) for k, v in review.items() if k not in ("criteria", "tie_breakers")},
            "tie_breakers": breakers,
            "criteria": [{"code": c["code"], "name": c["name"], "max": str(c["max"]), "guide": c.get("guide", "")}
                         for c in review.get("criteria", ())] + [{}] * BLANK_CRITERIA,
        },
        "matching": {
            **{k: ("" if v is None else str(v)) for k, v in matching.items() if k not in ("tiers", "policy")},
            "policy": matching["policy"],
            "tiers": [{k: str(v) for k, v in t.items()} for t in matching["tiers"]] + [{}] * BLANK_TIERS,
        },
        "library": {k: ("" if v is None else v) for k, v in rules["library"].items()},
        "funds": funds_data(rules),
        "rounds": rounds_data(rules),
    }
    if call is not None:
        data.update({name: getattr(call, name) for name in (
            "slug", "title", "description", "opens_at", "closes_at", "edit_deadline", "review_deadline")})
    return data


def organisation_choices(orgs: list[Any]) -> list[SelectChoice]:
    return [SelectChoice("", _l("请选择组织"))] + [SelectChoice(str(o.id), f"{o.name}（{o.credit_code}）") for o in orgs]


class LateEntryForm(BaseForm):
    fallback_field = "organisation_id"

    organisation_id = SelectField(_l("组织"), choices=[], validators=[DataRequired(message=_l("请选择组织"))])
    reason = TextAreaField(_l("理由"), validators=[DataRequired(message=_l("须填写理由")), Length(max=2000)],
                           render_kw={"rows": 2})
    until = cst_field(_l("允许补交至"), required=False, description=_l("北京时间；留空则在评审开始前一直允许"))

