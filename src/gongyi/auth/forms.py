from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from gongyi.forms import Form


class RegisterForm(Form):
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(), Email(message=_l("请输入有效的电子邮箱")), Length(max=254)])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(min=8, message=_l("密码至少 8 位"))])
    confirm = PasswordField(_l("确认密码"), validators=[DataRequired(), EqualTo("password", message=_l("两次输入的密码不一致"))])


class LoginForm(Form):
    email = EmailField(_l("电子邮箱"), validators=[DataRequired()])
    password = PasswordField(_l("密码"), validators=[DataRequired()])


class ChangePasswordForm(Form):
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=8, message=_l("密码至少 8 位"))])
    confirm = PasswordField(_l("确认新密码"), validators=[DataRequired(), EqualTo("password", message=_l("两次输入的密码不一致"))])


class ForgotPasswordForm(Form):
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(), Email(message=_l("请输入有效的电子邮箱")), Length(max=254)])


class ResetPasswordForm(Form):
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=8, message=_l("密码至少 8 位"))])
    confirm = PasswordField(_l("确认新密码"), validators=[DataRequired(), EqualTo("password", message=_l("两次输入的密码不一致"))])


class ChangeEmailForm(Form):
    email = EmailField(_l("新的电子邮箱"), validators=[DataRequired(), Email(message=_l("请输入有效的电子邮箱")), Length(max=254)],
                       description=_l("我们会给新邮箱发一封确认邮件，打开其中的链接后才会修改"))
    current = PasswordField(_l("当前密码"), validators=[DataRequired()])
