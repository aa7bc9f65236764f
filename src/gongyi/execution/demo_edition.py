"""The demo's projects in execution (last year's edition, final results published), built
through the execution services as the pages use them:

- the first project has an accepted progress report and a returned one waiting for revision;
- the second passed its mid-term evaluation (published, objected to, the objection answered,
  confirmed) and was paid its second tranche;
- the third failed its mid-term evaluation, which stopped its later tranches.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.execution import evaluations, records, reports, tranches
from gongyi.execution.models import ExecutionRecord
from gongyi.submissions.attachments import Upload
from gongyi.submissions.models import BudgetLine, Submission

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EVALUATOR = ("evaluator@demo.gongyi.cn", "评估 深圳市社会组织评估中心")
PASSED = {"plan": "24", "results": "32", "money": "16", "disclosure": "8"}
FAILED = {"plan": "12", "results": "18", "money": "10", "disclosure": "5"}


def _plan(session: Session, admin: Any, rec: ExecutionRecord, start: datetime) -> None:
    day = start.date()
    records.set_agreement(session, admin, rec, number=f"GY2025-{rec.id:03d}", signed_on=day, starts_on=day,
                          ends_on=day + timedelta(days=365), signed_file=Upload("资助协议.pdf", PDF), max_bytes=len(PDF) + 1)
    records.add_milestone(session, admin, rec, what="需求调研与服务启动", due_on=day + timedelta(days=60),
                          deliverable="调研报告、服务方案", indicators="走访居民 | 100 | 户\n骨干志愿者 | 20 | 人")
    records.add_milestone(session, admin, rec, what="常规服务开展", due_on=day + timedelta(days=180),
                          deliverable="服务记录、活动照片", indicators="服务人次 | 600 | 人次\n小组活动 | 12 | 节")
    records.add_milestone(session, admin, rec, what="总结评估", due_on=day + timedelta(days=330),
                          deliverable="结项报告", indicators="满意度调查 | 150 | 份")
    tranches.release_tranche(session, admin, rec.tranches[0], paid_on=day + timedelta(days=2), reference=f"FK-{rec.id}-1")


def _report(session: Session, member: Any, rec: ExecutionRecord, position: int, narrative: str,
            figures: list[str], spent: str) -> Any:
    milestone = rec.milestones[position - 1]
    line = session.scalar(select(BudgetLine).where(BudgetLine.submission_id == rec.submission_id)
                          .order_by(BudgetLine.position).limit(1))
    report = reports.save_report(session, member, rec, milestone_id=milestone.id, narrative=narrative,
                                 figures={str(i.id): v for i, v in zip(milestone.indicators, figures)},
                                 spending={str(line.id): (spent, "")})
    reports.add_report_file(session, member, report, "receipt", Upload("票据.pdf", PDF), len(PDF) + 1)
    reports.submit_report(session, member, report)
    return report


def _midterm(session: Session, admin: Any, evaluator: Any, rec: ExecutionRecord, scores: dict[str, str],
             comment: str, at: datetime) -> Any:
    evaluations.assign_evaluator(session, admin, rec, evaluator)
    evaluation = evaluations.save_evaluation(session, evaluator, rec, "midterm", scores=scores, comment=comment,
                                             submit=True, now=at)
    return evaluations.publish_evaluation(session, admin, evaluation, working_days=5, now=at)


def load_execution_demo(session: Session, admin: Any, members: list[Any], objector: Any, call_id: int,
                        final_at: datetime, password: str) -> list[tuple[str, str, str]]:
    """The execution part of the demo's earlier edition; returns the evaluator's account row."""
    evaluator = evaluations.create_evaluator(session, admin, email=EVALUATOR[0], name=EVALUATOR[1], password=password,
                                             affiliation_id=None)
    recs = list(session.scalars(select(ExecutionRecord).join(Submission, Submission.id == ExecutionRecord.submission_id)
                                .where(ExecutionRecord.call_id == call_id).order_by(Submission.ref)))[:3]
    start = final_at + timedelta(days=5)
    member = {m.organisation_id: m for m in members}
    for rec in recs:
        _plan(session, admin, rec, start)
    first, second, third = recs
    accepted = _report(session, member[first.organisation_id], first, 1, "完成社区走访和需求调研，招募骨干志愿者。",
                       ["112", "23"], "12000")
    reports.accept_report(session, admin, accepted)
    returned = _report(session, member[first.organisation_id], first, 2, "开展常规服务。", ["310", "5"], "20000")
    reports.return_report(session, admin, returned, "请补充服务签到表和活动照片，并说明小组活动少于计划的原因。")
    for rec, text in ((second, "调研完成，服务按计划推进。"), (third, "调研完成。")):
        reports.accept_report(session, admin, _report(session, member[rec.organisation_id], rec, 1, text, ["100", "20"],
                                                      "8000"))
    at = start + timedelta(days=190)
    passed = _midterm(session, admin, evaluator, second, PASSED, "服务规范，档案齐全，资金使用合规。", at)
    objection = evaluations.file_evaluation_objection(
        session, objector, passed, real_name="李明", contact="0755-88880001", reason="服务人次统计口径可能重复计算。",
        max_bytes=len(PDF) + 1, now=at + timedelta(hours=2))
    evaluations.answer_evaluation_objection(session, admin, objection, "dismissed",
                                            "经核对签到表，服务人次按人次统计，未重复计算。")
    evaluations.confirm_evaluation(session, admin, passed, now=at + timedelta(days=14))
    tranches.release_tranche(session, admin, second.tranches[1], paid_on=(at + timedelta(days=15)).date(),
                             reference=f"FK-{second.id}-2")
    failed = _midterm(session, admin, evaluator, third, FAILED, "服务进度严重滞后，资金使用缺少票据。", at)
    evaluations.confirm_evaluation(session, admin, failed, now=at + timedelta(days=14))
    return [(EVALUATOR[0], password, "evaluator")]
