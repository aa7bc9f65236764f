"""Forms of the execution pages. Report and evaluation forms have fields made from the project's
indicators, budget lines and the call's rubric: their problems are kept by name in `extra_errors`
and shown beside those inputs."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from gongyi.forms import Form
from gongyi.submissions.attachments import ACCEPT

DATE = {"type": "date"}


class DynamicForm(Form):
    """A form whose problems may name inputs it does not declare (figure_12, spent_3, score_plan)."""

    dynamic_prefixes: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.extra_errors: dict[str, list[str]] = {}

    def add_error(self, key: str | None, message: str) -> bool:
        if key and key.startswith(self.dynamic_prefixes):
            self.extra_errors.setdefault(key, []).append(message)
            return True
        return super().add_error(key, message)


class AgreementForm(Form):
    fallback_field = "number"

    number = StringField(_l("协议编号"), validators=[Length(max=60)])
    signed_on = StringField(_l("签订日期"), render_kw=DATE)
    starts_on = StringField(_l("执行开始日期"), render_kw=DATE)
    ends_on = StringField(_l("执行结束日期"), render_kw=DATE)
    signed_file = FileField(_l("签署的协议文件"), render_kw={"accept": ACCEPT},
                            description=_l("PDF、图片或 Word；已上传时可留空"))


class ScheduleForm(Form):
    fallback_field = "schedule"

    schedule = StringField(_l("拨付计划"), description=_l("拨付条件:比例，例如 signing:50, midterm:30, final:20"))


class MilestoneForm(Form):
    fallback_field = "what"

    what = StringField(_l("里程碑"), validators=[Length(max=200)])
    due_on = StringField(_l("完成期限"), render_kw=DATE)
    deliverable = StringField(_l("交付成果"), validators=[Length(max=500)])
    indicators = TextAreaField(_l("指标与目标值"), description=_l("每行一个：名称 | 目标值 | 单位，例如 服务人次 | 200 | 人次"))


class AssignEvaluatorForm(Form):
    fallback_field = "evaluator_id"

    evaluator_id = SelectField(_l("第三方评估机构"), choices=[], validate_choice=False)

    def set_choices(self, evaluators: list[Any]) -> None:
        self.evaluator_id.choices = [SelectChoice("", _l("请选择"))] + [
            SelectChoice(str(u.id), f"{u.name}（{u.email}）") for u in evaluators]


class ConflictForm(Form):
    fallback_field = "reason"

    reason = TextAreaField(_l("回避理由"), validators=[Length(max=2000)])


class ReleaseForm(Form):
    fallback_field = "tranche"

    tranche = StringField(_l("拨付"), render_kw={"type": "hidden"})
    paid_on = StringField(_l("拨付日期"), render_kw=DATE)
    reference = StringField(_l("凭证号或说明"), validators=[Length(max=120)])


class RecoveryForm(Form):
    fallback_field = "amount"

    amount = StringField(_l("追回金额（元）"))
    recovered_on = StringField(_l("追回日期"), render_kw=DATE)
    reason = TextAreaField(_l("追回原因"), validators=[Length(max=2000)])


class ReturnForm(Form):
    fallback_field = "comment"

    comment = TextAreaField(_l("退回意见"), validators=[Length(max=5000)],
                            description=_l("组织会看到此意见，修改后重新提交"))


class SettingsForm(Form):
    fallback_field = "criteria"

    criteria = TextAreaField(_l("评估指标"), description=_l("每行一项：名称 | 满分"))
    pass_mark = StringField(_l("合格分"))
    funding_mark = StringField(_l("资助标识"), validators=[Length(max=200)],
                               description=_l("信息公开页显示的资助标识；留空为“本项目由福彩公益金资助”"))


class EvaluatorForm(Form):
    fallback_field = "email"

    email = EmailField(_l("邮箱"), validators=[Length(max=254)])
    name = StringField(_l("名称"), validators=[Length(max=80)])
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(min=8, message=_l("密码至少 8 位"))],
                             description=_l("新账户必填（至少 8 位）；已有账户留空"))
    affiliation_id = SelectField(_l("所属机构"), choices=[], validate_choice=False,
                                 description=_l("该组织的项目会自动回避"))

    def set_choices(self, organisations: list[Any]) -> None:
        self.affiliation_id.choices = [SelectChoice("", _l("（无）"))] + [
            SelectChoice(str(o.id), o.name) for o in organisations]


class ReportForm(DynamicForm):
    fallback_field = "narrative"
    dynamic_prefixes = ("figure_", "spent_", "explain_")

    milestone_id = SelectField(_l("里程碑"), choices=[], validate_choice=False)
    narrative = TextAreaField(_l("进展情况"), validators=[Length(max=20000)],
                              description=_l("做了什么、服务了谁、遇到的问题和调整"))

    def set_choices(self, milestones: list[Any]) -> None:
        self.milestone_id.choices = [SelectChoice(str(m.id), f"{m.position}. {m.what}（{m.due_on.isoformat()}）")
                                     for m in milestones]


class ReportFileForm(Form):
    fallback_field = "file"

    kind = SelectField(_l("类型"), choices=[], validate_choice=False)
    file = FileField(_l("文件"), render_kw={"accept": ACCEPT}, description=_l("PDF、PNG/JPEG 图片、Word 或 Excel"))


class EvaluationForm(DynamicForm):
    fallback_field = "comment"
    dynamic_prefixes = ("score_",)

    comment = TextAreaField(_l("评估意见"), validators=[Length(max=20000)])
