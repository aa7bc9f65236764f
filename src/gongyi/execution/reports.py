"""Progress reports (进展报告) filed by the organisation against its milestones.

A report is a draft (saved as typed, by the page's autosave too) until submitted; the
administrator accepts it or returns it with comments; a returned report is revised and
submitted again. Each submission is kept as a ReportVersion, with the comment it got. Nothing
is stored half-way: one bad figure or amount refuses the whole save, beside its field.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.clock import utcnow
from gongyi.errors import N_, UserError, UserErrors
from gongyi.execution.gates import over_budget
from gongyi.execution.models import (ExecutionRecord, Milestone, ProgressReport, ReportFigure, ReportFile, ReportSpending,
                                     ReportVersion)
from gongyi.execution.records import ExecutionError
from gongyi.execution.vocab import REPORT_FILE_KINDS
from gongyi.money import MoneyError, parse_yuan
from gongyi.numbers import whole_number
from gongyi.submissions.attachments import AttachmentError, Upload, check_upload
from gongyi.submissions.models import BudgetLine

EDITABLE = ("draft", "returned")
COUNTED = ("submitted", "accepted")  # reports whose spending counts against a budget line


def _figure(text: str | None, field: str) -> int | None:
    s = unicodedata.normalize("NFKC", text or "").strip()
    if not s:
        return None
    if s.startswith("-") and s[1:].isdigit():
        raise ExecutionError(N_("指标数值不能为负数"), field)
    if not (s.isascii() and s.isdigit()) or len(s) > 9:
        raise ExecutionError(N_("请填写非负整数，例如 120"), field)
    return int(s)


def spent_before(session: Session, rec: ExecutionRecord, report_id: int | None) -> dict[int, int]:
    """Spending on each budget line in the record's other reports that count (submitted or accepted)."""
    stmt = (select(ReportSpending.budget_line_id, func.sum(ReportSpending.amount_fen))
            .join(ProgressReport, ProgressReport.id == ReportSpending.report_id)
            .where(ProgressReport.execution_id == rec.id, ProgressReport.status.in_(COUNTED))
            .group_by(ReportSpending.budget_line_id))
    if report_id is not None:
        stmt = stmt.where(ProgressReport.id != report_id)
    return {line: int(total) for line, total in session.execute(stmt).all()}


def _read(session: Session, rec: ExecutionRecord, milestone: Milestone, report_id: int | None,
          figures: Mapping[str, str], spending: Mapping[str, tuple[str, str]]):
    problems: list[UserError] = []
    values: dict[int, int] = {}
    for indicator in milestone.indicators:
        try:
            value = _figure(figures.get(str(indicator.id)), f"figure_{indicator.id}")
        except ExecutionError as exc:
            problems.append(exc)
            continue
        if value is not None:
            values[indicator.id] = value
    lines = {line.id: line for line in session.scalars(select(BudgetLine).where(
        BudgetLine.submission_id == rec.submission_id))}
    before = spent_before(session, rec, report_id)
    amounts: dict[int, tuple[int, str]] = {}
    for key, (amount, explanation) in spending.items():
        line = lines.get(whole_number(key))
        if line is None:
            problems.append(ExecutionError(N_("预算科目不属于本项目"), "spending"))
            continue
        if not (amount or "").strip():
            continue
        try:
            fen = parse_yuan(amount)
        except MoneyError as exc:
            problems.append(ExecutionError(exc.message, f"spent_{line.id}", **exc.params))
            continue
        explanation = (explanation or "").strip()
        if over_budget(line.amount_fen, before.get(line.id, 0), fen) and not explanation:
            problems.append(ExecutionError(N_("支出超过该预算科目，请说明原因"), f"explain_{line.id}"))
            continue
        amounts[line.id] = (fen, explanation)
    if problems:
        raise UserErrors(problems)
    return values, amounts


def save_report(session: Session, actor: Any, rec: ExecutionRecord, *, milestone_id: int | str | None,
                narrative: str, figures: Mapping[str, str], spending: Mapping[str, tuple[str, str]],
                report: ProgressReport | None = None) -> ProgressReport:
    """Create or update a draft (or returned) report on one of the record's milestones."""
    milestone = session.get(Milestone, number) if (number := whole_number(milestone_id)) is not None else None
    if milestone is None or milestone.execution_id != rec.id:
        raise ExecutionError(N_("请选择本项目的里程碑"), "milestone_id")
    if rec.status == "stopped":
        raise ExecutionError(N_("该项目已停止拨付，不再提交进展报告"), "milestone_id")
    if report is not None and (report.execution_id != rec.id or report.status not in EDITABLE):
        raise ExecutionError(N_("该报告已提交，等待审核期间不能修改"), "narrative")
    values, amounts = _read(session, rec, milestone, report.id if report else None, figures, spending)
    if report is None:
        report = ProgressReport(execution_id=rec.id, milestone_id=milestone.id)
        session.add(report)
    report.milestone_id, report.narrative = milestone.id, (narrative or "").strip()
    report.figures = [ReportFigure(indicator_id=i, value=v) for i, v in sorted(values.items())]
    session.flush()
    report.spending = [ReportSpending(budget_line_id=b, amount_fen=f, explanation=e)
                       for b, (f, e) in sorted(amounts.items())]
    session.flush()
    record(session, actor, "report.save", report, execution=rec.id, milestone=milestone.id)
    return report


def snapshot(report: ProgressReport) -> dict[str, Any]:
    return {"milestone_id": report.milestone_id, "narrative": report.narrative,
            "figures": {str(f.indicator_id): f.value for f in report.figures},
            "spending": {str(s.budget_line_id): [s.amount_fen, s.explanation] for s in report.spending},
            "files": [f.filename for f in report.files]}


def submit_report(session: Session, actor: Any, report: ProgressReport, now: datetime | None = None) -> ProgressReport:
    """Submit a draft or a revised returned report; the version is kept."""
    if report.status not in EDITABLE:
        raise ExecutionError(N_("该报告已提交"), "narrative")
    if not report.narrative:
        raise ExecutionError(N_("请填写进展情况"), "narrative")
    rec = session.get(ExecutionRecord, report.execution_id)
    milestone = session.get(Milestone, report.milestone_id)
    _read(session, rec, milestone, report.id, {str(f.indicator_id): str(f.value) for f in report.figures},
          {str(s.budget_line_id): (f"{s.amount_fen // 100}.{s.amount_fen % 100:02d}", s.explanation)
           for s in report.spending})  # still within budget now that other reports may have been accepted
    report.version += 1
    report.status, report.submitted_at = "submitted", now or utcnow()
    report.versions.append(ReportVersion(version=report.version, snapshot=snapshot(report)))
    session.flush()
    record(session, actor, "report.submit", report, version=report.version, execution=rec.id)
    return report


def accept_report(session: Session, actor: Any, report: ProgressReport) -> ProgressReport:
    if report.status != "submitted":
        raise ExecutionError(N_("只有待审核的报告才能通过或退回"), "comment")
    report.status, report.decided_at, report.decided_by_id = "accepted", utcnow(), getattr(actor, "id", None)
    session.flush()
    record(session, actor, "report.accept", report, version=report.version)
    return report


def return_report(session: Session, actor: Any, report: ProgressReport, comment: str) -> ProgressReport:
    """Return a submitted report with comments the organisation revises it by."""
    if report.status != "submitted":
        raise ExecutionError(N_("只有待审核的报告才能通过或退回"), "comment")
    comment = (comment or "").strip()
    if not comment:
        raise ExecutionError(N_("请写明退回意见"), "comment")
    report.status, report.review_comment = "returned", comment
    report.decided_at, report.decided_by_id = utcnow(), getattr(actor, "id", None)
    latest = report.versions[-1]
    latest.snapshot = {**latest.snapshot, "returned_with": comment}
    session.flush()
    record(session, actor, "report.return", report, version=report.version, comment=comment)
    return report


def add_report_file(session: Session, actor: Any, report: ProgressReport, kind: str, upload: Upload | None,
                    max_bytes: int) -> ReportFile:
    """Attach a receipt, photo or file (checked by its content) to a report being written."""
    if report.status not in EDITABLE:
        raise ExecutionError(N_("该报告已提交，等待审核期间不能修改"), "file")
    if kind not in REPORT_FILE_KINDS:
        raise ExecutionError(N_("请选择文件类型"), "kind")
    if upload is None:
        raise ExecutionError(N_("请选择文件"), "file")
    try:
        checked = check_upload(upload, max_bytes)
    except AttachmentError as exc:
        raise AttachmentError(exc.message, "file", **exc.params) from None
    file = ReportFile(kind=kind, filename=checked.filename, content_type=checked.content_type,
                      size=len(upload.data), data=upload.data)
    report.files.append(file)
    session.flush()
    record(session, actor, "report.file", report, kind=kind, file=file.filename)
    return file


def overdue_milestones(session: Session, execution_ids: list[int], today: date) -> set[int]:
    """Milestones past their due date with no report submitted or accepted on them."""
    if not execution_ids:
        return set()
    reported = select(ProgressReport.milestone_id).where(ProgressReport.status.in_(COUNTED))
    return set(session.scalars(select(Milestone.id).where(
        Milestone.execution_id.in_(execution_ids), Milestone.due_on < today, Milestone.id.not_in(reported))))


def reports_of(session: Session, rec: ExecutionRecord) -> list[ProgressReport]:
    return list(session.scalars(select(ProgressReport).where(ProgressReport.execution_id == rec.id)
                                .order_by(ProgressReport.created_at, ProgressReport.id)))
