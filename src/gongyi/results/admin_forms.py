"""Forms of the administrators' results pages: what-if trials, disbursements, package import.

They carry no validators: the services (results.whatif, funding.service, results.package_upload) read
and check the values, and `actions.attempt` puts each problem beside the field it names.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput

from gongyi.calls.rules import LABELS as RULE_LABELS
from gongyi.calls.rules import POLICIES
from gongyi.forms import Form
from gongyi.funding.vocab import POOLS


def _policy(label) -> SelectField:
    return SelectField(label, choices=[SelectChoice(p, _l(RULE_LABELS[p])) for p in POLICIES], validate_choice=False)


class WhatIfForm(Form):
    """Field names are results.whatif's value names (`<section>_<key>`)."""

    matching_pool = StringField(_l("资金池（元）"))
    matching_award_top = StringField(_l("配套名额（前 K 名）"))
    matching_ratio = StringField(_l("配套比例"))
    matching_cap = StringField(_l("单个项目上限（元，留空为不设）"))
    matching_policy = _policy(_l("资金池不足时"))
    matching_tiers = TextAreaField(_l("分档比例（每行“起始名次-截止名次:比例”）"), render_kw={"rows": 3})
    library_pool = StringField(_l("资金池（元）"))
    library_cap = StringField(_l("单个项目上限（元，留空为不设）"))
    library_policy = _policy(_l("资金池不足时"))
    reason = StringField(_l("修订理由"))

    def trial_values(self) -> dict:
        """The values to try, by name (the reason is not one of them)."""
        return {name: field.data for name, field in self._fields.items() if name not in ("reason", "csrf_token")}


class DisbursementForm(Form):
    pool = SelectField(_l("资金池"), choices=[SelectChoice(p, _l(label)) for p, label in POOLS.items()],
                       validate_choice=False)
    ref = StringField(_l("项目编号"))
    amount = StringField(_l("金额（元）"))
    paid_on = StringField(_l("拨付日期"), widget=DateInput())
    reference = StringField(_l("凭证号"))


class PackageForm(Form):
    package = FileField(_l("数据包"), render_kw={"accept": ".zip"})


class HoldForm(Form):
    """Hold or release one project's funding (暂缓拨付); results.holds checks both fields."""

    ref = StringField(_l("项目编号"))
    reason = TextAreaField(_l("理由"), render_kw={"rows": 2},
                           description=_l("组织可以看到理由；公示结果只显示“暂缓拨付”"))
