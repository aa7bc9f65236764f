"""A call's dashboard, the money half: outcomes of the results in force, funds raised by source,
the leverage (counted social funds per yuan of matching), and both pools used and left. Each
table is one grouped query, whatever the number of submissions."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.dashboards.scope import Edition, counted_submissions, funded
from gongyi.dashboards.tables import Chart, Column, Table, ratio
from gongyi.errors import N_
from gongyi.funding.service import pool_status
from gongyi.funding.sources import FUND_SOURCE_LABELS, FUND_STATUSES
from gongyi.funding.vocab import POOLS
from gongyi.results.engine import OUTCOMES as OUTCOME_CODES
from gongyi.results.models import Run, RunRow
from gongyi.results.vocab import OUTCOMES
from gongyi.submissions.models import FundingLine, Submission


@dataclass(frozen=True)
class OutcomeSums:
    projects: int = 0
    raised_fen: int = 0  # counted raised funds R
    matching_fen: int = 0
    library_fen: int = 0
    funded_raised_fen: int = 0  # R of the rows with matching or a library grant


def outcome_sums(session: Session, run_ids: list[int]) -> dict[tuple[int, str], OutcomeSums]:
    """(run id, outcome) -> sums over its rows (one grouped query for any number of runs)."""
    if not run_ids:
        return {}
    stmt = (select(RunRow.run_id, RunRow.outcome, func.count(), func.sum(RunRow.verified_raised_fen),
                   func.sum(RunRow.matching_fen), func.sum(RunRow.library_grant_fen),
                   func.sum(case((funded(), RunRow.verified_raised_fen), else_=0)))
            .where(RunRow.run_id.in_(run_ids)).group_by(RunRow.run_id, RunRow.outcome))
    return {(run_id, outcome): OutcomeSums(n, *(int(v or 0) for v in sums))
            for run_id, outcome, n, *sums in session.execute(stmt)}


@dataclass(frozen=True)
class Leverage:
    matched_raised_fen: int  # R of the projects that received matching
    matching_fen: int
    funded_raised_fen: int  # R of the projects that received matching or a library grant
    public_fen: int  # matching + library grants

    @property
    def per_matching(self):
        return ratio(self.matched_raised_fen, self.matching_fen)

    @property
    def per_public(self):
        return ratio(self.funded_raised_fen, self.public_fen)


def leverage(sums: dict[tuple[int, str], OutcomeSums], run_id: int | None) -> Leverage:
    rows = [sums.get((run_id, code), OutcomeSums()) for code in OUTCOME_CODES]
    matched = sums.get((run_id, "matched"), OutcomeSums())
    return Leverage(matched.raised_fen, sum(s.matching_fen for s in rows), sum(s.funded_raised_fen for s in rows),
                    sum(s.matching_fen + s.library_fen for s in rows))


def outcome_tables(sums: dict[tuple[int, str], OutcomeSums], edition: Edition) -> list[Table]:
    rows = [sums.get((edition.run_id, code), OutcomeSums()) for code in OUTCOME_CODES]
    outcomes = Table("outcomes", N_("结果"), (
        Column(N_("结果"), "label"), Column(N_("项目"), "count"), Column(N_("计入配套的募集资金（元）"), "money"),
        Column(N_("配套资金（元）"), "money"), Column(N_("项目库资助（元）"), "money")),
        [(OUTCOMES[code], s.projects, s.raised_fen, s.matching_fen, s.library_fen) for code, s in zip(OUTCOME_CODES, rows)],
        chart=Chart(0, (1,)))
    lev = leverage(sums, edition.run_id)
    levers = Table("leverage", N_("撬动比：每 1 元公共资金带动的社会资金"), (
        Column(N_("口径"), "label"), Column(N_("计入配套的募集资金（元）"), "money"), Column(N_("公共资金（元）"), "money"),
        Column(N_("撬动比"), "ratio")), [
        (N_("获配套项目：募集资金 ÷ 配套资金"), lev.matched_raised_fen, lev.matching_fen, lev.per_matching),
        (N_("获资助项目：募集资金 ÷（配套资金 + 项目库资助）"), lev.funded_raised_fen, lev.public_fen, lev.per_public)],
        note=N_("募集资金为规则计入配套的社会资金（已核实、计入的来源、每位捐赠方不超过上限）。"))
    return [outcomes, levers]


def funds_table(session: Session, call: Call) -> Table:
    """Funding lines of the call's submitted projects by source and status (one grouped query)."""
    found = {(source, status): (n, int(fen)) for source, status, n, fen in session.execute(
        select(FundingLine.source, FundingLine.status, func.count(), func.coalesce(func.sum(FundingLine.amount_fen), 0))
        .join(Submission, Submission.id == FundingLine.submission_id)
        .where(Submission.call_id == call.id, counted_submissions())
        .group_by(FundingLine.source, FundingLine.status))}
    rows = []
    for source, name in FUND_SOURCE_LABELS.items():
        by_status = [found.get((source, status), (0, 0)) for status in FUND_STATUSES]
        rows.append((name, sum(n for n, _ in by_status), sum(f for _, f in by_status), *(f for _, f in by_status)))
    return Table("funds", N_("募集资金：按来源"), (
        Column(N_("来源"), "label"), Column(N_("笔数"), "count"), Column(N_("申报合计（元）"), "money"),
        Column(N_("待核实（元）"), "money"), Column(N_("已核实（元）"), "money"), Column(N_("已驳回（元）"), "money")),
        rows, chart=Chart(0, (4,)), note=N_("政府资金是公共资金，按规则通常不计入配套。"))


def pools_table(session: Session, call: Call, edition: Edition) -> Table:
    run = session.get(Run, edition.run_id) if edition.run_id else None
    rows = [(POOLS[p.pool], p.total_fen, p.allocated_fen, p.total_fen - p.allocated_fen, p.disbursed_fen,
             p.undisbursed_fen) for p in pool_status(session, call, run)]
    return Table("pools", N_("资金池：已分配与剩余"), (
        Column(N_("资金池"), "label"), Column(N_("总额（元）"), "money"), Column(N_("已分配（元）"), "money"),
        Column(N_("未分配（元）"), "money"), Column(N_("已拨付（元）"), "money"), Column(N_("已分配未拨付（元）"), "money")),
        rows, chart=Chart(0, (2, 3)))
