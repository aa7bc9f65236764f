"""What the audit trail's action codes and the outbox's message kinds are called on screen.

One table for the whole code base, so a history shows every entry in words whoever wrote it
(a member, an administrator or a scheduled job). tests/unit/test_audit_labels.py scans the
source for the codes `record` and `queue_message` are given and fails on any missing here.
"""
from __future__ import annotations

from gongyi.calls.workflow import TRANSITIONS
from gongyi.errors import N_
from gongyi.formatting import label

ACTION_LABELS = {
    "user.create": N_("创建账号"),
    "library.settings": N_("修改项目库与申报资格设置"),
    "library.final_results": N_("项目库随最终结果更新"),
    "library.carry": N_("项目转入下一届项目库"),
    "call.new_edition": N_("从上一届创建新一届"),
    "co_funder.add": N_("添加共同资助方"),
    "pledge.make": N_("认捐"),
    "pledge.confirm": N_("确认认捐"),
    "pledge.decline": N_("不确认认捐"),
    "funding_line.pledged": N_("认捐记为已核实资金"),
    "brand.designate": N_("设为品牌项目"),
    "brand.replicate": N_("推广复制品牌项目"),
    "organisation.bar": N_("列入限制申报名单"),
    "organisation.lift_bar": N_("解除申报限制"),
    "user.grant_role": N_("授予角色"),
    "user.change_password": N_("修改密码"),
    "user.confirm_email": N_("确认邮箱"),
    "user.reset_password": N_("重设密码"),
    "organisation.register": N_("登记组织"),
    "organisation.verify": N_("组织认证通过"),
    "organisation.reject": N_("组织认证不通过"),
    "catalogue.load": N_("导入服务目录"),
    "community.create": N_("新增社区"),
    "community.propose": N_("提议新增社区"),
    "community.update": N_("修改社区信息"),
    "community.confirm": N_("确认社区"),
    "community.reject": N_("不予采纳社区"),
    "community.needs": N_("保存社区需求清单"),
    "call.create": N_("创建征集"),
    "call.update": N_("修改征集信息"),
    "call.rules_edit": N_("修改规则（草稿）"),
    "call.amend_rules": N_("发布规则修订版"),
    "call.late_entry": N_("加入补交名单"),
    "call.late_entry_removed": N_("移出补交名单"),
    "call.import": N_("导入征集数据包"),
    **{f"call.{t.name}": t.label for t in TRANSITIONS},
    "submission.create": N_("创建申报"),
    "submission.save": N_("保存草稿"),
    "submission.edit": N_("修改已提交的项目"),
    "submission.submit": N_("提交申报"),
    "submission.withdraw": N_("撤回申报"),
    "submission.withdraw_after_results": N_("结果公布后撤回"),
    "submission.hold": N_("暂缓拨付"),
    "submission.release_hold": N_("解除暂缓拨付"),
    "submission.mark_eligible": N_("判定合格"),
    "submission.mark_ineligible": N_("判定不合格"),
    "attachment.add": N_("上传附件"),
    "attachment.remove": N_("删除附件"),
    "funding_line.declare": N_("登记募得资金"),
    "funding_line.remove": N_("删除募得资金"),
    "funding_line.verify": N_("核实资金"),
    "funding_line.reject": N_("驳回资金"),
    "reviewer.update": N_("修改评审专家信息"),
    "reviewer.panels": N_("调整评审专家所在评审组"),
    "round.close": N_("结束一轮评审"),
    "round.open": N_("开始下一轮评审"),
    "conflict.declare": N_("登记利益冲突"),
    "conflict.withdraw": N_("撤销利益冲突"),
    "review.auto_assign": N_("自动分配评审"),
    "review.assign": N_("分配评审"),
    "review.remove": N_("取消评审分配"),
    "review.save_draft": N_("保存评审草稿"),
    "review.submit": N_("提交评审"),
    "review.reopen": N_("重新开放评审"),
    "run.compute": N_("计算结果"),
    "run.publish": N_("发布结果"),
    "objection.file": N_("提出异议"),
    "objection.answer": N_("答复异议"),
    "disbursement.record": N_("记录拨付"),
    "execution.open": N_("进入项目执行"),
    "execution.revise": N_("按修订结果调整分配额"),
    "execution.revision_kept": N_("已有拨付，分配额未按修订结果调整"),
    "execution.schedule": N_("修改拨付计划"),
    "execution.agreement": N_("登记资助协议"),
    "execution.stop": N_("停止拨付"),
    "milestone.add": N_("新增里程碑"),
    "milestone.remove": N_("删除里程碑"),
    "report.save": N_("保存进展报告"),
    "report.submit": N_("提交进展报告"),
    "report.accept": N_("通过进展报告"),
    "report.return": N_("退回进展报告"),
    "report.file": N_("上传报告附件"),
    "evaluation.rubric": N_("设置评估指标"),
    "evaluator.assign": N_("分配第三方评估机构"),
    "evaluator.unassign": N_("评估机构回避"),
    "evaluation.save": N_("保存评估草稿"),
    "evaluation.submit": N_("提交评估"),
    "evaluation.publish": N_("公示评估结果"),
    "evaluation.reopen": N_("异议成立，评估退回复核"),
    "evaluation.confirm": N_("确定评估结果"),
    "tranche.release": N_("拨付一期资金"),
    "tranche.stop": N_("停止一期拨付"),
    "recovery.record": N_("记录追回资金"),
    "mail.queue": N_("邮件加入发送队列"),
    "mail.send": N_("发送邮件"),
}

MAIL_KIND_LABELS = {
    "review_due": N_("评审截止提醒"),
    "review_overdue": N_("评审逾期提醒"),
    "objection_answer": N_("异议答复通知"),
    "milestone_due": N_("里程碑到期提醒"),
    "milestone_overdue": N_("里程碑逾期提醒"),
    "report_returned": N_("进展报告退回提醒"),
    "confirm_email": N_("邮箱确认"),
    "account_exists": N_("已有账号提醒"),
    "password_reset": N_("重设密码链接"),
}


def action_label(code: str) -> str:
    """The action's name in the reader's language; an unknown code is shown as it is."""
    return label(code, ACTION_LABELS)


def mail_kind_label(kind: str) -> str:
    """The kind of an outbox message in the reader's language; an unknown kind is shown as it is."""
    return label(kind, MAIL_KIND_LABELS)
