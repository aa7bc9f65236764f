"""Forms of the review pages: reviewer profiles, the scoring form (built from the call's rubric),
assignment actions, conflicts, reopening and the review deadline."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (EmailField, PasswordField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, ValidationError, widgets)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from gongyi.calls.forms import cst_field
from gongyi.forms import Form, WholeNumberField
from gongyi.review.models import DEFAULT_MAX_REVIEWS
from gongyi.review.scoring import ScoreError, parse_score


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes instead of a multiple select, which is awkward on phones."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ReviewerForm(Form):
    fallback_field = "name"

    name = StringField(_l("姓名"), validators=[DataRequired(message=_l("请填写姓名")), Length(max=80)])
    affiliation_id = SelectField(_l("所属机构"), choices=[], validate_choice=True,
                                 description=_l("专家所在的社会组织；该组织申报的项目会自动回避"))
    expertise = MultiCheckboxField(_l("专业领域（服务类别）"), choices=[],
                                   description=_l("分配时优先把这些类别的项目分给该专家"))
    max_reviews = WholeNumberField(_l("每次征集最多评审份数"), default=DEFAULT_MAX_REVIEWS,
                               validators=[InputRequired(message=_l("请填写评审上限")),
                                           NumberRange(min=0, max=100000, message=_l("评审上限须为不小于 0 的整数"))])

    def set_choices(self, organisations: list[Any], categories: list[Any], english: bool) -> None:
        self.affiliation_id.choices = [SelectChoice("", _l("（无）"))] + [
            SelectChoice(str(o.id), f"{o.name}（{o.credit_code}）") for o in organisations]
        self.expertise.choices = [SelectChoice(c.code, f"{c.code} {c.name_en if english else c.name_zh}")
                                  for c in categories]


class NewReviewerForm(ReviewerForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(message=_l("请填写邮箱")), Length(max=254)])
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(min=8, message=_l("密码至少 8 位"))],
                             description=_l("新账户必填（至少 8 位），请告知专家登录后修改；已有账户留空"))


class _Score:
    """A score field's check: the same rules as the service (scoring.parse_score)."""

    def __init__(self, maximum: int):
        self.maximum = maximum

    def __call__(self, form: Form, field: StringField) -> None:
        try:
            parse_score(field.data, self.maximum)
        except ScoreError as exc:
            raise ValidationError(exc.translated()) from None


class ScoreFormBase(Form):
    overall_comment = TextAreaField(_l("总体评价"), validators=[Length(max=10000)], render_kw={"rows": 4})

    criteria: list[dict[str, Any]] = []

    def score_field(self, index: int) -> StringField:
        return self[f"score_{index}"]

    def comment_field(self, index: int) -> TextAreaField:
        return self[f"comment_{index}"]

    def scores(self) -> dict[str, str]:
        return {c["code"]: self.score_field(i).data or "" for i, c in enumerate(self.criteria)}

    def comments(self) -> dict[str, str]:
        return {c["code"]: self.comment_field(i).data or "" for i, c in enumerate(self.criteria)}

    def field_for(self, key: str | None):
        """The field a service error about criterion `key` belongs beside; the overall comment for any other."""
        for i, c in enumerate(self.criteria):
            if c["code"] == key:
                return self.score_field(i)
        return self.overall_comment


def score_form(criteria: list[dict[str, Any]], **kwargs: Any) -> ScoreFormBase:
    """A form with a score and a comment field per criterion of the call's rubric."""
    fields: dict[str, Any] = {"criteria": criteria}
    for i, c in enumerate(criteria):
        fields[f"score_{i}"] = StringField(
            c["name"], validators=[_Score(int(c["max"]))],
            render_kw={"inputmode": "decimal", "autocomplete": "off", "data-score-max": c["max"]},
            description=_l("0–%(max)s 分，最多两位小数", max=c["max"]),
        )
        fields[f"comment_{i}"] = TextAreaField(_l("评语"), validators=[Length(max=5000)], render_kw={"rows": 2})
    return type("ScoreForm", (ScoreFormBase,), fields)(**kwargs)


class ReasonForm(Form):
    fallback_field = "reason"

    reason = TextAreaField(_l("理由"), validators=[DataRequired(message=_l("请填写理由")), Length(max=2000)],
                           render_kw={"rows": 2})


class ReviewerChoiceForm(Form):
    """Pick a reviewer (add or swap); the choices are the reviewers who pass every check."""

    fallback_field = "reviewer_id"

    reviewer_id = SelectField(_l("评审专家"), choices=[], validate_choice=False,  # the service checks the reviewer
                              validators=[DataRequired(message=_l("请选择评审专家"))])


class ConflictForm(ReviewerChoiceForm):
    reason = TextAreaField(_l("回避理由"), validators=[DataRequired(message=_l("请说明回避理由")), Length(max=2000)],
                           render_kw={"rows": 2})


class DeadlineForm(Form):
    fallback_field = "review_deadline"  # every problem of the call but its reason concerns the deadline

    review_deadline = cst_field(_l("评审截止时间"), required=False)
    reason = StringField(_l("修改理由"), validators=[DataRequired(message=_l("征集开放后修改须填写理由")), Length(max=500)])
