"""Forms of the administrator's screening pages: list filters, single and bulk decisions."""
from __future__ import annotations

from typing import Mapping

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from gongyi.errors import N_
from gongyi.numbers import whole_number
from gongyi.forms import Form
from gongyi.orgs.forms import district_choices
from gongyi.submissions.screening import FUND_SOURCE_LABELS, FUND_STATUS_LABELS
from gongyi.submissions.screening_lists import SUBMISSION_SORTS
from gongyi.submissions.vocabularies import ELIGIBILITY, SUBMISSION_STATUSES


def _choices(labels: Mapping[str, str], everything: str) -> list[SelectChoice]:
    return [SelectChoice("", _l(everything))] + [SelectChoice(k, _l(v)) for k, v in labels.items()]


class _GetForm(Form):
    """Filters travel in the query string, so links and exports carry them; no CSRF for a GET."""

    class Meta:
        csrf = False


class SubmissionFilterForm(_GetForm):
    call = SelectField(_l("征集"), choices=[], default="")  # choices set by the view from the database
    status = SelectField(_l("申报状态"), default="", choices=[
        SelectChoice("", _l("已提交和已撤回")),
        *(SelectChoice(k, _l(v)) for k, v in SUBMISSION_STATUSES.items()),
        SelectChoice("all", _l("全部（含草稿）")),
    ])
    eligibility = SelectField(_l("审查结论"), default="", choices=_choices(ELIGIBILITY, N_("全部")))
    category = SelectField(_l("服务类别"), choices=[], default="")  # set by the view
    district = SelectField(_l("社区所在区"), default="",
                           choices=lambda: [SelectChoice("", _l("全部"))] + district_choices()[1:])
    organisation = StringField(_l("组织名称或信用代码"), validators=[Optional(), Length(max=100)])
    sort = HiddenField(default="ref")

    def validate_sort(self, field) -> None:
        if (field.data or "ref").lstrip("-") not in SUBMISSION_SORTS:
            raise ValidationError(_l("未知的排序方式"))


class FundingFilterForm(_GetForm):
    call = SelectField(_l("征集"), choices=[], default="")  # set by the view
    status = SelectField(_l("核实状态"), default="pending", choices=[
        *(SelectChoice(k, _l(v)) for k, v in FUND_STATUS_LABELS.items()), SelectChoice("", _l("全部")),
    ])
    source = SelectField(_l("资金来源"), default="", choices=_choices(FUND_SOURCE_LABELS, N_("全部")))
    organisation = StringField(_l("组织名称或信用代码"), validators=[Optional(), Length(max=100)])


class EligibilityForm(Form):
    fallback_field = "reason"

    reason = TextAreaField(_l("审查意见"), validators=[Optional(), Length(max=2000)],
                           description=_l("组织会看到这段意见；判定不合格时必填"))
    eligible = SubmitField(_l("合格"))
    ineligible = SubmitField(_l("不合格"))


class FundingDecisionForm(Form):
    """One per funding line on the screening page (prefixed with the line id)."""

    fallback_field = "reason"

    reason = StringField(_l("驳回理由"), validators=[Optional(), Length(max=1000)])
    verify = SubmitField(_l("核实"))
    reject = SubmitField(_l("驳回"))


class _BulkForm(Form):
    fallback_field = "reason"

    ids = SelectMultipleField(coerce=int, validate_choice=False)
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=2000)])
    next = HiddenField()


class BulkEligibilityForm(_BulkForm):
    decision = RadioField(_l("批量审查结论"), validators=[InputRequired(message=_l("请选择审查结论"))], choices=[
        SelectChoice("eligible", _l("合格")), SelectChoice("ineligible", _l("不合格（须填理由）")),
    ])


class BulkFundingForm(_BulkForm):
    decision = RadioField(_l("批量核实结果"), validators=[InputRequired(message=_l("请选择核实结果"))], choices=[
        SelectChoice("verify", _l("核实")), SelectChoice("reject", _l("驳回（须填理由）")),
    ])


def _row(text: str) -> tuple[int, str]:
    """A confirmed row "id:token", as the preview page wrote it."""
    row_id, _, token = str(text).partition(":")
    number = whole_number(row_id)
    if not token or number is None:
        raise ValueError(text)
    return number, token


class BulkConfirmForm(Form):
    """What the preview showed: the decision, the reason and each row with its state token."""

    decision = HiddenField()
    reason = HiddenField()
    rows = SelectMultipleField(coerce=_row, validate_choice=False, validators=[InputRequired()])
    next = HiddenField()
