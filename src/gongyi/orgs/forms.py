from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from gongyi.forms import Form, WholeNumberField
from gongyi.orgs.districts import DISTRICTS
from gongyi.orgs.vocab import DOCUMENT_KINDS, ORG_TYPES



def district_choices() -> list[SelectChoice]:
    english = str(get_locale()).startswith("en")
    return [SelectChoice("", _l("请选择"))] + [
        SelectChoice(code, names[1] if english else names[0]) for code, names in DISTRICTS.items()
    ]


class OrganisationForm(Form):
    fallback_field = "name"

    name = StringField(_l("组织名称"), validators=[DataRequired(), Length(max=200)])
    credit_code = StringField(
        _l("统一社会信用代码"), validators=[DataRequired()], description=_l("18 位，可输入全角字符，系统会自动转换")
    )
    org_type = SelectField(_l("组织类型"), choices=[SelectChoice(k, _l(v)) for k, v in ORG_TYPES.items()], validators=[DataRequired()])
    district_code = SelectField(_l("所在区"), choices=district_choices, validators=[DataRequired(message=_l("请选择所在区"))])
    contact_person = StringField(_l("联系人"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(
        _l("联系电话"),
        validators=[DataRequired(), Length(max=40), Regexp(r"^[0-9+\-() ]{5,40}$", message=_l("请输入有效的电话号码"))],
    )
    address = StringField(_l("地址"), validators=[DataRequired(), Length(max=300)])


class ReviewDecisionForm(Form):
    fallback_field = "reason"

    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=2000)])


class InviteForm(Form):
    """Posted with the prefix "invite"."""

    fallback_field = "email"

    email = EmailField(_l("同事的电子邮箱"), validators=[DataRequired(), Email(message=_l("请输入有效的电子邮箱")),
                                                      Length(max=254)])


class DocumentForm(Form):
    """Posted with the prefix "document"."""

    fallback_field = "file"

    kind = SelectField(_l("材料类型"), choices=[SelectChoice(k, _l(v)) for k, v in DOCUMENT_KINDS.items()],
                       validators=[DataRequired()])
    year = WholeNumberField(_l("年度"), validators=[Optional(), NumberRange(min=1980, max=2100, message=_l("请输入四位年份"))],
                        description=_l("年检材料须填写年度"))
    file = FileField(_l("选择文件"), description=_l("PDF 或 PNG/JPEG 图片"), render_kw={"accept": ".pdf,.png,.jpg,.jpeg"})
