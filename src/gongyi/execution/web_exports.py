"""The execution status of a call as CSV (the projects) or XLSX (projects, tranches, milestones
and reports, evaluations: one sheet each). Money is exact: text in CSV, a two-place number in XLSX;
text that Excel would run as a formula is kept as text (gongyi.exports)."""
from __future__ import annotations

from datetime import date

from flask import Response
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.dashboards.tables import money_decimal
from gongyi.execution.overview import RecordRow, call_overview
from gongyi.execution.reports import reports_of
from gongyi.execution.vocab import (EVALUATION_KINDS, EVALUATION_STATUSES, EXECUTION_STATUSES, REPORT_STATUSES,
                                    TRANCHE_GATES, TRANCHE_STATUSES)
from gongyi.exports import send_data, write_csv, write_xlsx
from gongyi.formatting import label, score_points
from gongyi.funding.vocab import POOLS

FORMATS = ("csv", "xlsx")


def _projects(rows: list[RecordRow]) -> tuple[str, list[str], list[list]]:
    columns = [_("编号"), _("项目"), _("承接组织"), _("资金池"), _("状态"), _("协议编号"), _("签订日期"), _("分配额"),
               _("已拨付"), _("已追回"), _("未拨付"), _("待审核报告"), _("逾期里程碑")]
    data = [[r.submission.ref, r.submission.title, r.organisation, label(r.record.pool, POOLS),
             label(r.record.status, EXECUTION_STATUSES), r.record.agreement_number,
             r.record.signed_on.isoformat() if r.record.signed_on else "", money_decimal(r.record.allocated_fen),
             money_decimal(r.schedule.paid_fen), money_decimal(r.schedule.recovered_fen),
             money_decimal(r.schedule.left_fen), r.awaiting, len(r.overdue)] for r in rows]
    return _("项目"), columns, data


def _tranches(rows: list[RecordRow]) -> tuple[str, list[str], list[list]]:
    columns = [_("编号"), _("期次"), _("拨付条件"), _("比例（%）"), _("金额"), _("状态"), _("说明")]
    data = [[r.submission.ref, line.tranche.position, label(line.tranche.gate, TRANCHE_GATES), line.tranche.share,
             money_decimal(line.tranche.amount_fen), label(line.status, TRANCHE_STATUSES), _(line.verdict.reason)]
            for r in rows for line in r.schedule.lines]
    return _("拨付"), columns, data


def _milestones(session: Session, rows: list[RecordRow]) -> tuple[str, list[str], list[list]]:
    columns = [_("编号"), _("序号"), _("里程碑"), _("完成期限"), _("交付成果"), _("逾期"), _("报告")]
    data = []
    for r in rows:
        late = {m.id for m in r.overdue}
        reports = reports_of(session, r.record)
        for m in r.record.milestones:
            statuses = [f"v{rep.version} {label(rep.status, REPORT_STATUSES)}" for rep in reports if rep.milestone_id == m.id]
            data.append([r.submission.ref, m.position, m.what, m.due_on.isoformat(), m.deliverable,
                         _("逾期") if m.id in late else "", "; ".join(statuses)])
    return _("里程碑与报告"), columns, data


def _evaluations(rows: list[RecordRow]) -> tuple[str, list[str], list[list]]:
    columns = [_("编号"), _("评估"), _("状态"), _("得分"), _("合格分"), _("结果")]
    data = [[r.submission.ref, label(kind, EVALUATION_KINDS), label(ev.status, EVALUATION_STATUSES),
             score_points(ev.total_centi), ev.pass_mark,
             "" if ev.passed is None else (_("通过") if ev.passed else _("未通过"))]
            for r in rows for kind, ev in sorted(r.evaluations.items())]
    return _("评估"), columns, data


CSV_KINDS = ("projects", "tranches", "milestones", "evaluations")


def send_execution_export(session: Session, call: Call, fmt: str, today: date, kind: str = "projects") -> Response:
    """XLSX: every sheet; CSV: one table (`kind`, one of CSV_KINDS)."""
    rows = call_overview(session, call.id, today)
    tables = {"projects": lambda: _projects(rows), "tranches": lambda: _tranches(rows),
              "milestones": lambda: _milestones(session, rows), "evaluations": lambda: _evaluations(rows)}
    if fmt == "csv":
        _title, columns, data = tables[kind]()
        return send_data(write_csv(columns, data), fmt, f"{call.slug}-execution-{kind}")
    return send_data(write_xlsx([tables[k]() for k in CSV_KINDS]), fmt, f"{call.slug}-execution")
