"""The public figures of a call whose results are published: how many projects, how much money,
which categories. Read from the latest published results only, in a fixed handful of queries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.catalogue.models import Item
from gongyi.dashboards.money_figures import Leverage, leverage, outcome_sums
from gongyi.dashboards.scope import catalogue, categories, counted_submissions, editions, funded
from gongyi.dashboards.tables import Chart, Column, Table
from gongyi.errors import N_
from gongyi.results.models import RunRow
from gongyi.submissions.models import Submission, SubmissionItem


@dataclass(frozen=True)
class PublicFigures:
    published: str  # provisional | final
    run_number: int
    figures: Table
    categories: Table
    leverage: Leverage


def public_figures(session: Session, call: Call) -> PublicFigures | None:
    """None until the call's results are published."""
    (edition,) = editions(session, [call], published_only=True)
    if edition.run_id is None:
        return None
    sums = outcome_sums(session, [edition.run_id])
    by = {code: s for (_run, code), s in sums.items()}
    received = session.scalar(select(func.count()).select_from(Submission)
                              .where(Submission.call_id == call.id, counted_submissions())) or 0
    ranked = sum(s.projects for s in by.values())
    library = session.execute(select(func.count(), func.coalesce(func.sum(RunRow.library_grant_fen), 0)).where(
        RunRow.run_id == edition.run_id, RunRow.library_grant_fen > 0)).one()
    lev = leverage(sums, edition.run_id)
    shortlisted = sum(by[c].projects for c in ("matched", "library", "held") if c in by)
    figures = Table("figures", N_("本届数据"), (Column(N_("指标"), "label"), Column(N_("项目"), "count"),
                                               Column(N_("金额（元）"), "money")), [
        (N_("申报项目"), received, None),
        (N_("参加排名的项目"), ranked, None),
        (N_("入围项目"), shortlisted, None),
        (N_("获配套资金"), by["matched"].projects if "matched" in by else 0, lev.matching_fen),
        (N_("获福彩公益金项目库资助"), int(library[0]), int(library[1])),
        (N_("获配套项目计入配套的募集资金"), None, lev.matched_raised_fen),
    ])
    return PublicFigures(edition.published, edition.run_number, figures, _categories(session, edition.run_id), lev)


def _categories(session: Session, run_id: int) -> Table:
    """Projects in the published results by category, and those funded (each project once per category)."""
    pairs = (select(Item.category_code.label("key"), RunRow.id.label("row_id")).select_from(RunRow)
             .join(SubmissionItem, SubmissionItem.submission_id == RunRow.submission_id)
             .join(Item, Item.code == SubmissionItem.item_code).where(RunRow.run_id == run_id).distinct().subquery())
    found = {k: (n, got) for k, n, got in session.execute(
        select(pairs.c.key, func.count(), func.count(case((funded(), 1)))).select_from(pairs)
        .join(RunRow, RunRow.id == pairs.c.row_id).group_by(pairs.c.key))}
    rows = [(names, *found[code]) for code, names in categories(catalogue(session)) if code in found]
    rows.sort(key=lambda r: -r[1])
    return Table("public-categories", N_("参加排名的项目：按类别"), (
        Column(N_("类别"), "names"), Column(N_("项目"), "count"), Column(N_("获资助项目"), "count")), rows,
        chart=Chart(0, (1, 2)), note=N_("一个项目点选多个类别的服务项目时，在每个类别下各计一次。"))
