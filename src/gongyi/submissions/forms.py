"""The member's submission forms. They carry no validators of their own: the service checks every
value (with its messages in one place) and names the field of each problem."""
from __future__ import annotations

from typing import Any, Iterator, Mapping

import wtforms
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, Field, FieldList, FormField, HiddenField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.widgets import DateInput

from gongyi.numbers import whole_number
from gongyi.errors import N_
from gongyi.forms import Form
from gongyi.money import fen_to_str
from gongyi.orgs.forms import district_choices
from gongyi.submissions.attachments import ACCEPT
from gongyi.submissions.models import Submission
from gongyi.submissions.project import COMMUNITY_FIELD, PROJECT_FIELDS
from gongyi.submissions.screening import FUND_SOURCE_LABELS

# Problems that belong to no single input: they are shown in a box at their place on the page.
_BOXED = {"items": ("order-items", N_("点单服务项目")), "budget": ("budget", N_("预算"))}


class BudgetLineForm(wtforms.Form):
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
                number = whole_number(index, maximum=99_999)
                if number is not None and index.isascii():
                    yield number


class ProjectForm(Form):
    """The project form. A problem the service names goes beside its input ("title",
    "budget-3-amount"); those of the order, a need, the budget as a whole or the page go to
    `rest`, shown in a box at their place (`problems_for(key)` in the template)."""

    community_id = SelectField(_l("社区"), choices=[], validate_choice=False,
                               description=_l("从社区名录中选择；名录中没有的，请留空，并手动填写社区名称、街道和所在区"))
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

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rest: dict[str, list[str]] = {}

    @classmethod
    def stored(cls, submission: Submission, community_id: int | None = None) -> ProjectForm:
        """The form as stored, with one spare budget row (the page's script adds more)."""
        data: dict[str, Any] = {name: getattr(submission, name) for name in PROJECT_FIELDS}
        data[COMMUNITY_FIELD] = str(community_id or "")
        data["community_district"] = submission.community_district or ""
        data["beneficiary_count"] = "" if submission.beneficiary_count is None else str(submission.beneficiary_count)
        data["items"] = [i.item_code for i in submission.items]
        data["budget"] = [{"id": str(line.id), "what": line.what, "amount": fen_to_str(line.amount_fen)}
                          for line in submission.budget_lines] + [{"id": "", "what": "", "amount": ""}]
        return cls(formdata=None, data=data)

    def inputs(self) -> Iterator[tuple[str, Field]]:
        """Every input by its posted name, budget cells included ("budget-3-amount")."""
        for f in self:
            if f.name == "budget":
                for entry in f:
                    yield from ((sub.name, sub) for sub in entry.form)
            elif f.name != "csrf_token":
                yield f.name, f

    def field_for(self, key: str | None) -> Field | None:
        if not key or key in _BOXED or key.startswith("need-"):
            return None
        return dict(self.inputs()).get(key)

    def add_error(self, key: str | None, message: str) -> bool:
        if not super().add_error(key, message):
            self.rest.setdefault(key or "form", []).append(message)
        return True

    def problem_list(self) -> list[tuple[str, str, str]]:
        """Every problem on the page as (anchor, label, message), listed above the form with links to the inputs."""
        found = []
        for name, f in self.inputs():
            label = f"{_('预算')} · {f.label.text}" if name.startswith("budget-") else str(f.label.text)
            found += [(f.id, label, message) for message in f.errors]
        for key, messages in self.rest.items():
            if key.startswith("need-"):
                anchor, label = key, _("%(code)s 的社区需求", code=key[len("need-"):])
            elif key in _BOXED:
                anchor, label = _BOXED[key][0], _(_BOXED[key][1])
            else:
                anchor, label = "", ""
            found += [(anchor, label, message) for message in messages]
        return found

    def picked(self, formdata: Mapping[str, Any]) -> dict[str, str]:
        """The ordered items with their needs ("need-<code>" fields), as posted."""
        return {code: formdata.get(f"need-{code}", "") for code in dict.fromkeys(self.items.data or [])}

    def to_data(self, formdata: Mapping[str, Any]) -> dict[str, Any]:
        """What save_draft takes: every project field, the order and the budget rows with their form index."""
        data: dict[str, Any] = {name: getattr(self, name).data for name in PROJECT_FIELDS}
        data["items"] = self.picked(formdata)
        if COMMUNITY_FIELD in formdata:  # a post without it leaves the community alone
            data[COMMUNITY_FIELD] = self.community_id.data
        data["budget"] = [
            {"position": row_index(entry), "id": entry.form.id.data, "what": entry.form.what.data,
             "amount": entry.form.amount.data}
            for entry in self.budget
        ]
        return data


def row_index(entry) -> int:
    """A budget row's index as named in the form ("budget-3" -> 3): JavaScript adds rows at the next free one."""
    return int(entry.name.rsplit("-", 1)[1])


class FundingLineForm(Form):
    """Posted with the prefix "fund", so its fields and token never share an id with the project form's."""

    fallback_field = "donor"

    source = SelectField(_l("资金来源"), validate_choice=False, choices=[SelectChoice("", _l("请选择"))] + [
        SelectChoice(key, _l(label)) for key, label in FUND_SOURCE_LABELS.items()])
    donor = StringField(_l("捐赠方"), render_kw={"maxlength": 200}, description=_l("企业、基金会或个人的名称"))
    amount = StringField(_l("金额（元）"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    received_on = StringField(_l("到账日期"), widget=DateInput())
    evidence = FileField(_l("凭证（可选）"), render_kw={"accept": ACCEPT})


class AttachmentForm(Form):
    """Posted with the prefix "upload"."""

    fallback_field = "file"

    file = FileField(_l("选择文件"), render_kw={"accept": ACCEPT})


class WithdrawForm(Form):
    fallback_field = "reason"

    reason = TextAreaField(_l("撤回原因（可选）"), render_kw={"rows": 3})
    confirm = BooleanField(_l("我确认撤回此项目；撤回后不能恢复"),
                           validators=[DataRequired(message=_l("请勾选确认后再撤回"))])
