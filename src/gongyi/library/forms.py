"""Forms of the library pages. The services check every value and name the field of each problem."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from gongyi.forms import Form, WholeNumberField

NAME, TEXT, PROFILE = [Length(max=200)], [Length(max=2000)], [Length(max=20000)]  # as the rest of the app


class SettingsForm(Form):
    fallback_field = "expires_after"

    expires_after = WholeNumberField(_l("项目库有效届数"), validators=[InputRequired(), NumberRange(1, 10)],
                                 description=_l("项目在项目库中最多保留几届（含入库当届），到期未获资助即过期"))
    failed_evaluation_editions = WholeNumberField(
        _l("近几届资助项目评估不合格的组织不得申报"), validators=[InputRequired(), NumberRange(0, 10)],
        description=_l("0 表示不适用此规则"))
    no_second_funding = BooleanField(_l("同一项目不重复资助（推广复制的项目除外）"))
    barred_list = BooleanField(_l("限制申报名单中的组织不得申报"))
    mark_replications = BooleanField(_l("向评审专家标明推广复制的项目"))


class CarryForm(Form):
    fallback_field = "target"

    target = SelectField(_l("转入哪一届"), choices=[], validate_choice=False)


class MoveUpForm(Form):
    fallback_field = "reason"

    submission_id = SelectField(_l("撤回的获配套项目"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("撤回理由"), validators=TEXT, render_kw={"rows": 2})


class NewEditionForm(Form):
    fallback_field = "slug"

    slug = StringField(_l("新一届的标识"), validators=[InputRequired(), *NAME])
    title = StringField(_l("新一届的标题"), validators=[InputRequired(), *NAME])


class CoFunderForm(Form):
    fallback_field = "email"

    email = StringField(_l("账号邮箱"), validators=[InputRequired()],
                        description=_l("该账号须已注册；授予后可浏览项目库和品牌项目并认捐"))
    name = StringField(_l("共同资助方名称"), validators=[InputRequired(), *NAME])
    kind = SelectField(_l("类型"), choices=[], validate_choice=False)


class PledgeForm(Form):
    fallback_field = "amount"

    amount = StringField(_l("认捐金额（元）"), validators=[InputRequired()])
    conditions = TextAreaField(_l("资助条件"), validators=TEXT, render_kw={"rows": 2})
    message = TextAreaField(_l("给项目的留言"), validators=TEXT, render_kw={"rows": 2})


class PledgeDecisionForm(Form):
    fallback_field = "reason"

    allow_over = BooleanField(_l("允许超出项目尚需的金额"))
    reason = TextAreaField(_l("说明（不确认时必填）"), validators=TEXT, render_kw={"rows": 2})


class BrandForm(Form):
    fallback_field = "name"

    name = StringField(_l("品牌名称"), validators=[InputRequired(), *NAME])
    what = TextAreaField(_l("做什么"), validators=PROFILE, render_kw={"rows": 3})
    for_whom = TextAreaField(_l("服务对象"), validators=PROFILE, render_kw={"rows": 2})
    results = TextAreaField(_l("成效"), validators=PROFILE, render_kw={"rows": 3})
    criteria = SelectMultipleField(_l("管理员认定的标准"), choices=[], validate_choice=False,
                                   description=_l("记录核实的标准（结项评估合格、连续运行多年）满足时自动记入，无需选择"))
    photo_ids = SelectMultipleField(_l("公开展示的照片（项目附件中的图片）"), choices=[], validate_choice=False)


class ReplicateForm(Form):
    fallback_field = "call"

    call = SelectField(_l("申报到哪一届征集"), choices=[], validate_choice=False)


class BarForm(Form):
    fallback_field = "reason"

    reason = TextAreaField(_l("限制理由"), validators=TEXT, render_kw={"rows": 2})
    starts_on = DateField(_l("开始日期"), validators=[InputRequired()])
    ends_on = DateField(_l("结束日期（可不填）"), validators=[Optional()])


class PoolGrantForm(Form):
    fallback_field = "amount"

    amount = StringField(_l("资助金额（元）"), validators=[InputRequired()], render_kw={"inputmode": "decimal"},
                         description=_l("不超过项目的申请金额和本届项目库资金池的余额"))
    reason = TextAreaField(_l("说明"), validators=TEXT, render_kw={"rows": 2})
