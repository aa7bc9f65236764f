"""Exports from the administrators' ranking page, with exactly the rows its filters show: the
ranking as the page lists it, the results (results.csv of competition-rules.md section 8, the
same bytes `flask calls export` writes when nothing is filtered) and the per-project ledgers,
each as CSV or XLSX. Money is exact: text in CSV, a number shown with two decimals in XLSX."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.exports import send_data, send_table
from gongyi.formatting import label
from gongyi.results import export
from gongyi.results.models import Run, RunRow
from gongyi.results.service import ranking_query
from gongyi.results.vocab import OUTCOMES
from gongyi.dashboards.tables import money_decimal

KINDS = ("ranking", "results", "ledger")
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Filters:
    """The ranking page's filters and order, as its query string gives them."""

    sort: str = "rank"
    descending: bool = False
    outcome: str | None = None
    query: str = ""

    @property
    def narrowed(self) -> bool:
        return self.outcome is not None or bool(self.query.strip())

    def statement(self, run: Run):
        return ranking_query(run, sort=self.sort, descending=self.descending, outcome=self.outcome, query=self.query)

    def row_ids(self, run: Run):
        """A select of the ids of the rows shown, or None when nothing is filtered out."""
        return self.statement(run).with_only_columns(RunRow.id).order_by(None) if self.narrowed else None


def _ranking(session: Session, run: Run, filters: Filters) -> tuple[list[str], list[list[object]]]:
    columns = [_("名次"), _("编号"), _("项目"), _("组织"), _("轮次"), _("完整评审"), _("得分"), _("结果"),
               _("计入配套的募集资金"), _("捐赠方"), _("配套资金"), _("项目库资助")]
    rows = [[row.rank, row.ref, title, org, row.round, row.complete_reviews, row.aggregate_display,
             label(row.outcome, OUTCOMES), money_decimal(row.verified_raised_fen), row.donors,
             money_decimal(row.matching_fen), money_decimal(row.library_grant_fen)]
            for row, title, org in session.execute(filters.statement(run))]
    return columns, rows


def send_export(session: Session, call: Call, run: Run, kind: str, fmt: str, filters: Filters, *,
                public: bool = False) -> Response:
    """The download: `kind` one of KINDS, `fmt` one of FORMATS; `public` leaves out what only
    administrators see (the results workbook's ledger and scores sheets)."""
    name = f"{call.slug}-run{run.number}-{kind}"
    only = filters.row_ids(run)
    if kind == "ranking":
        columns, rows = _ranking(session, run, filters)
        return send_table(columns, rows, fmt, name, sheet_title=_("排名"))
    if kind == "results":
        if fmt == "csv":
            data = export.results_csv(session, run, only)
        elif public:
            data = export.public_results_xlsx(session, run, only)
        else:
            data = export.results_xlsx(session, call, run, only)
        return send_data(data, fmt, name)
    return send_table(export.LEDGER_COLUMNS, export.ledger_rows(session, run, only), fmt, name, sheet_title="ledger")
