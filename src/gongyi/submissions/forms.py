"""The member's submission forms. They carry no validators of their own: the service checks every
value (with its messages in one place) and names the field of each problem."""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.widgets import DateInput

from gongyi.orgs.forms import district_choices
from gongyi.submissions.attachments import ACCEPT
from gongyi.submissions.screening import FUND_SOURCE_LABELS
from gongyi.submissions.service import PROJECT_FIELDS


class BudgetLineForm(Form):
    id = HiddenField()
    what = StringField(_l("用途"), render_kw={"maxlength": 200})
    amount = StringField(_l("金额（元）"), render_kw={"inputmode": "decimal", "autocomplete": "off"})


class RowList(FieldList):
    """A FieldList that keeps the row indices as posted ("budget-3-amount" stays row 3), so a
    problem the service names, and the position a row is stored at, find the row the person sees
    (the page's script adds rows at the next free index and removes rows without renumbering)."""

    def _compact_indices(self):
        pass

    def _extract_indices(self, prefix, formdata):
        """Only plain row numbers (WTForms' own check lets "²" through to int())."""
        for key in formdata:
            if key.startswith(prefix + self._field_separator):
                index = key[len(prefix) + 1:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= 5:
                    yield int(index)


class ProjectForm(FlaskForm):
    community_name = StringField(_l("社区名称"), render_kw={"maxlength": 200})
    community_street = StringField(_l("所属街道"), render_kw={"maxlength": 200})
    community_district = SelectField(_l("所在区"), choices=district_choices, validate_choice=False)
    title = StringField(_l("项目名称"), render_kw={"maxlength": 200})
    summary = TextAreaField(_l("项目简介"), render_kw={"rows": 3},
                            description=_l("一两句话说明项目为谁、做什么、带来什么改变"))
    problem = TextAreaField(_l("问题与需求依据"), render_kw={"rows": 5},
                            description=_l("社区面临什么问题；有哪些调研、数据、走访记录或居民意见可以证明"))
    objectives = TextAreaField(_l("项目目标"), render_kw={"rows": 4})
    activities = TextAreaField(_l("活动与时间安排"), render_kw={"rows": 6},
                               description=_l("每项活动一行，写明时间，例如：2025年3月—4月 入户需求评估"))
    beneficiary_group = StringField(_l("受益对象"), render_kw={"maxlength": 200},
                                    description=_l("例如：社区独居长者"))
    beneficiary_count = StringField(_l("受益人数"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    team = TextAreaField(_l("执行团队"), render_kw={"rows": 4},
                         description=_l("项目负责人和主要成员的资质、经验与分工"))
    items = SelectMultipleField(_l("点单服务项目"), choices=[], validate_choice=False)
    budget = RowList(FormField(BudgetLineForm), min_entries=1)

    def picked(self, formdata: Mapping[str, Any]) -> dict[str, str]:
        """The ordered items with their needs ("need-<code>" fields), as posted."""
        return {code: formdata.get(f"need-{code}", "") for code in dict.fromkeys(self.items.data or [])}

    def to_data(self, formdata: Mapping[str, Any]) -> dict[str, Any]:
        """What save_draft takes: every project field, the order and the budget rows with their form index."""
        data: dict[str, Any] = {name: getattr(self, name).data for name in PROJECT_FIELDS}
        data["items"] = self.picked(formdata)
        data["budget"] = [
            {"position": row_index(entry), "id": entry.form.id.data, "what": entry.form.what.data,
             "amount": entry.form.amount.data}
            for entry in self.budget
        ]
        return data


def row_index(entry) -> int:
    """A budget row's index as named in the form ("budget-3" -> 3): JavaScript adds rows at the next free one."""
    return int(entry.name.rsplit("-", 1)[1])


class FundingLineForm(FlaskForm):
    """Posted with the prefix "fund", so its fields and token never share an id with the project form's."""

    source = SelectField(_l("资金来源"), validate_choice=False, choices=[SelectChoice("", _l("请选择"))] + [
        SelectChoice(key, _l(label)) for key, label in FUND_SOURCE_LABELS.items()])
    donor = StringField(_l("捐赠方"), render_kw={"maxlength": 200}, description=_l("企业、基金会或个人的名称"))
    amount = StringField(_l("金额（元）"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    received_on = StringField(_l("到账日期"), widget=DateInput())
    evidence = FileField(_l("凭证（可选）"), render_kw={"accept": ACCEPT})


class AttachmentForm(FlaskForm):
    """Posted with the prefix "upload"."""

    file = FileField(_l("选择文件"), render_kw={"accept": ACCEPT})


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("撤回原因（可选）"), render_kw={"rows": 3})
    confirm = BooleanField(_l("我确认撤回此项目；撤回后不能恢复"),
                           validators=[DataRequired(message=_l("请勾选确认后再撤回"))])
