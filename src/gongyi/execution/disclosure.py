"""Public disclosure (信息公开) of a funded project: where the lottery-fund money went.

Allocated, paid, recovered, spent by budget line (accepted reports only), unspent, indicators
reached (accepted reports), evaluation results once published, and the funding mark (资助标识).
The figures are computed by the pure execution.gates.disclose from the raw amounts read here.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.errors import N_
from gongyi.execution.gates import Disclosure, disclose
from gongyi.execution.models import (Evaluation, ExecutionRecord, Indicator, Milestone, ProgressReport, Recovery,
                                     ReportFigure, ReportSpending, Tranche)
from gongyi.funding.models import Disbursement
from gongyi.submissions.models import BudgetLine

DEFAULT_FUNDING_MARK = N_("本项目由福彩公益金资助")
PUBLIC_EVALUATION = ("published", "confirmed")


@dataclass(frozen=True)
class PublicRecord:
    figures: Disclosure
    evaluations: list[Evaluation]
    tranches: list[Tranche]
    funding_mark: str


def _amounts(session: Session, stmt) -> list[int]:
    return [int(v) for v in session.scalars(stmt)]


def disclosure_of(session: Session, rec: ExecutionRecord, funding_mark: str | None = None) -> PublicRecord:
    """Everything the public disclosure page shows for one project."""
    paid = _amounts(session, select(Disbursement.amount_fen).where(
        Disbursement.call_id == rec.call_id, Disbursement.submission_id == rec.submission_id,
        Disbursement.pool == rec.pool))
    recovered = _amounts(session, select(Recovery.amount_fen).where(Recovery.execution_id == rec.id))
    accepted = select(ProgressReport.id).where(ProgressReport.execution_id == rec.id,
                                               ProgressReport.status == "accepted")
    spent: dict[int, list[int]] = {}
    for line_id, amount in session.execute(select(ReportSpending.budget_line_id, ReportSpending.amount_fen)
                                           .where(ReportSpending.report_id.in_(accepted))).all():
        spent.setdefault(line_id, []).append(int(amount))
    lines = [(line.what, line.amount_fen, spent.get(line.id, [])) for line in session.scalars(
        select(BudgetLine).where(BudgetLine.submission_id == rec.submission_id).order_by(BudgetLine.position))]
    reached: dict[int, list[int]] = {}
    for indicator_id, value in session.execute(select(ReportFigure.indicator_id, ReportFigure.value)
                                               .where(ReportFigure.report_id.in_(accepted))).all():
        reached.setdefault(indicator_id, []).append(value)
    indicators = [(i.name, i.unit, i.target, reached.get(i.id, [])) for i in session.scalars(
        select(Indicator).join(Milestone, Milestone.id == Indicator.milestone_id)
        .where(Milestone.execution_id == rec.id).order_by(Milestone.position, Indicator.id))]
    evaluations = list(session.scalars(select(Evaluation).where(
        Evaluation.execution_id == rec.id, Evaluation.status.in_(PUBLIC_EVALUATION)).order_by(Evaluation.id)))
    return PublicRecord(disclose(rec.allocated_fen, paid, recovered, lines, indicators), evaluations,
                        list(rec.tranches), funding_mark or DEFAULT_FUNDING_MARK)
