"""A community's focus areas over the years (形成本社区的重点服务领域): what its needs lists
listed, what projects for it ordered, and what got funded, by year and by category. A fixed
handful of queries, however many projects the community has."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.communities.vocab import PRIORITIES, PRIORITY_ORDER
from gongyi.dashboards.scope import (Scope, catalogue, counted_submissions, funded, public_money, results_of,
                                     scope as make_scope)
from gongyi.dashboards.tables import Chart, Column, Table
from gongyi.errors import N_
from gongyi.submissions.models import Submission, SubmissionItem


@dataclass
class _Line:
    priority: str | None = None
    note: str = ""
    ordered: int = 0
    funded: int = 0
    money_fen: int = 0


@dataclass(frozen=True)
class Focus:
    areas: Table  # categories over all years
    years: list[Table]  # one per year, latest first


def _lines(session: Session, community: Community, scope: Scope) -> dict[int, dict[str, _Line]]:
    """year -> item code -> what was listed, ordered and funded (two grouped queries)."""
    lines: dict[int, dict[str, _Line]] = defaultdict(lambda: defaultdict(_Line))
    for year, code, priority, note in session.execute(
            select(CommunityNeed.year, CommunityNeed.item_code, CommunityNeed.priority, CommunityNeed.note)
            .where(CommunityNeed.community_id == community.id)):
        line = lines[year][code]
        line.priority, line.note = priority, note
    year_of = {e.call.id: e.year for e in scope.editions}
    stmt = (select(Submission.call_id, SubmissionItem.item_code, func.count(), func.count(funded()),
                   func.sum(public_money()))
            .join(Submission, Submission.id == SubmissionItem.submission_id)
            .join(SubmissionCommunity, SubmissionCommunity.submission_id == Submission.id))
    stmt = results_of(stmt, scope, Submission.id).where(
        SubmissionCommunity.community_id == community.id, counted_submissions(),
        Submission.call_id.in_(scope.call_ids)).group_by(Submission.call_id, SubmissionItem.item_code)
    for call_id, code, ordered, got, money in session.execute(stmt):
        line = lines[year_of[call_id]][code]
        line.ordered += ordered
        line.funded += got
        line.money_fen += int(money or 0)
    return lines


COLUMNS = (Column(N_("代码")), Column(N_("服务项目"), "names"), Column(N_("需求优先级"), "label"),
           Column(N_("清单说明")), Column(N_("点单项目"), "count"), Column(N_("获资助项目"), "count"),
           Column(N_("配套与项目库资助（元）"), "money"))


def focus_areas(session: Session, community: Community, *, published_only: bool) -> Focus:
    """The community's page: its focus areas (categories) and, per year, every item it listed or was ordered."""
    scope = make_scope(session, published_only=published_only)
    lines = _lines(session, community, scope)
    items = {i.code: i for i in catalogue(session)}
    per_category: dict[str, list[int]] = {}
    tables = []
    for year in sorted(lines, reverse=True):
        by_code = lines[year]
        codes = sorted(by_code, key=lambda c: (PRIORITY_ORDER.get(by_code[c].priority or "", 9), -by_code[c].ordered, c))
        rows, flags = [], []
        for code in codes:
            line, item = by_code[code], items[code]
            rows.append((code, item.names, PRIORITIES.get(line.priority) if line.priority else None, line.note or None,
                         line.ordered, line.funded, line.money_fen))
            flags.append("gap" if line.priority and not line.ordered else "")
            totals = per_category.setdefault(item.category, [0, 0, 0, 0])
            for index, value in enumerate((1 if line.priority else 0, line.ordered, line.funded, line.money_fen)):
                totals[index] += value
        tables.append(Table(f"year-{year}", N_("%(year)s 年"), COLUMNS, rows, flags, params={"year": year},
                            note=N_("标出的行：列入需求清单，但当年没有项目点单。")))
    names = {i.category: i.category_names for i in items.values()}
    ranked = sorted(per_category.items(), key=lambda kv: (-(kv[1][0] + kv[1][1] + kv[1][2]), kv[0]))
    areas = Table("focus", N_("重点服务领域"), (
        Column(N_("类别"), "names"), Column(N_("列入需求清单（项·年）"), "count"), Column(N_("点单项目"), "count"),
        Column(N_("获资助项目"), "count"), Column(N_("配套与项目库资助（元）"), "money")),
        [(names[code], *totals) for code, totals in ranked], chart=Chart(0, (1, 2, 3)),
        note=N_("各年度合计；一个项目点选多个服务项目时，在每个服务项目下各计一次。"))
    return Focus(areas, tables)
