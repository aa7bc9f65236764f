"""Forms for objections (异议) and their answers."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from gongyi.forms import Form
from gongyi.submissions.attachments import ACCEPT


class ObjectionForm(Form):
    fallback_field = "reason"

    real_name = StringField(_l("真实姓名"), validators=[DataRequired(message=_l("请填写真实姓名，不受理匿名异议")), Length(max=80)])
    contact = StringField(_l("联系方式"), validators=[DataRequired(message=_l("请填写联系方式")), Length(max=120)],
                          description=_l("电话或电子邮箱，用于核实和答复"))
    reason = TextAreaField(_l("异议理由"), validators=[DataRequired(message=_l("请填写异议理由")), Length(max=5000)],
                           description=_l("请写明对哪一项结果有异议、事实和依据"))
    evidence = FileField(_l("证明材料（可选）"), render_kw={"accept": ACCEPT},
                         description=_l("一个文件：PDF、PNG/JPEG 图片、Word 或 Excel"))


class AnswerForm(Form):
    """The decision comes from the button pressed (upheld / dismissed), as on the organisation review page."""

    fallback_field = "answer"

    answer = TextAreaField(_l("答复理由"), validators=[DataRequired(message=_l("请填写答复理由，异议人会看到它")),
                                                    Length(max=5000)],
                           description=_l("异议人会在“我的异议”中看到此答复，并收到邮件通知"))

