"""The coverage map: for every catalogue item, the demand (needs lists listing it), the supply
(submitted projects ordering it), the projects funded and their money; for one call or across
calls, for one district or all. Items nobody ordered and needs nobody answered stand out.

A need (a community's needs-list line for a year) is *answered* when a submitted project of a
call of that year, for that community, ordered that item. Every figure is aggregated in SQL
(GROUP BY); the map runs the same statements at 10 submissions as at 10,000.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from gongyi.catalogue.models import Item
from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.communities.vocab import PRIORITIES, PRIORITY_ORDER
from gongyi.dashboards.scope import Scope, catalogue, categories, counted_submissions, funded
from gongyi.dashboards.tables import Chart, Column, Table
from gongyi.errors import N_
from gongyi.kept import kept
from gongyi.orgs.districts import DISTRICTS
from gongyi.pagination import Page, paginate
from gongyi.results.models import RunRow
from gongyi.submissions.models import Submission, SubmissionItem

SHOWS = ("all", "unordered", "unanswered")
GAP_SUPPLY, GAP_DEMAND = "gap-supply", "gap-demand"


@dataclass(frozen=True)
class CoverageMap:
    summary: Table
    categories: Table
    items: Table
    unanswered: Page  # rows: community id, district, street, name, year, item code, priority, note
    names: dict[str, tuple[str, str]]  # item code -> its names

    @property
    def unanswered_table(self) -> Table:
        return unanswered_table(self.unanswered, self.names)


def _answered():
    """SQL (correlated to CommunityNeed): a counted project of that year's calls, for that community, ordered it."""
    return exists(select(SubmissionItem.submission_id)
                  .join(Submission, Submission.id == SubmissionItem.submission_id)
                  .join(SubmissionCommunity, SubmissionCommunity.submission_id == Submission.id)
                  .where(SubmissionItem.item_code == CommunityNeed.item_code,
                         SubmissionCommunity.community_id == CommunityNeed.community_id))


class _Queries:
    def __init__(self, session: Session, scope: Scope):
        self.session, self.scope = session, scope

    def _needs(self):
        scope = self.scope
        where = [CommunityNeed.year.in_(scope.years), Community.status != "rejected"]
        if scope.district:
            where.append(Community.district_code == scope.district)
        return where

    def answered(self):
        return _answered().where(counted_submissions(), Submission.call_id.in_(self.scope.call_ids),
                                 self.scope.call_year() == CommunityNeed.year)

    def demand(self) -> dict[str, tuple[int, int]]:
        """item code -> (need lines listing it, of which answered)."""
        stmt = (select(CommunityNeed.item_code, func.count(), func.count(case((self.answered(), 1))))
                .join(Community, Community.id == CommunityNeed.community_id)
                .where(*self._needs()).group_by(CommunityNeed.item_code))
        return {code: (n, done) for code, n, done in self.session.execute(stmt)}

    def _submissions(self):
        where = [Submission.call_id.in_(self.scope.call_ids), counted_submissions()]
        if self.scope.district:
            where.append(Submission.community_district == self.scope.district)
        return where

    def supply(self, key) -> dict[str | None, tuple[int, int, int]]:
        """key -> (projects ordering, funded, matching + library fen); `key` an Item column or None (all)."""
        columns = [key.label("key")] if key is not None else []
        pairs = (select(*columns, Submission.id.label("sid")).select_from(SubmissionItem)
                 .join(Submission, Submission.id == SubmissionItem.submission_id)
                 .join(Item, Item.code == SubmissionItem.item_code)
                 .where(*self._submissions()).distinct().subquery())
        group = [pairs.c.key] if key is not None else []
        stmt = (select(*group, func.count(), func.count(case((funded(), 1))),
                       func.coalesce(func.sum(RunRow.matching_fen + RunRow.library_grant_fen), 0))
                .select_from(pairs)
                .outerjoin(RunRow, and_(RunRow.submission_id == pairs.c.sid, RunRow.run_id.in_(self.scope.run_ids)))
                .group_by(*group))
        found = {}
        for row in self.session.execute(stmt):
            *name, n, got, money = row
            found[name[0] if name else None] = (n, got, int(money))
        return found

    def unanswered(self, page: int, per_page: int) -> Page:
        order = case(PRIORITY_ORDER, value=CommunityNeed.priority, else_=9)
        stmt = (select(Community.id, Community.district_code, Community.street, Community.name, CommunityNeed.year,
                       CommunityNeed.item_code, CommunityNeed.priority, CommunityNeed.note)
                .join(Community, Community.id == CommunityNeed.community_id)
                .where(*self._needs(), ~self.answered())
                .order_by(order, CommunityNeed.year.desc(), Community.district_code, Community.street,
                          Community.name, CommunityNeed.item_code))
        return paginate(self.session, stmt, page, per_page)


ITEM_COLUMNS = (Column(N_("代码")), Column(N_("服务项目"), "names"), Column(N_("类别"), "names"),
                Column(N_("需求：列入需求清单"), "count"), Column(N_("已回应"), "count"), Column(N_("无人回应"), "count"),
                Column(N_("供给：点单项目"), "count"), Column(N_("获资助项目"), "count"),
                Column(N_("配套与项目库资助（元）"), "money"), Column(N_("提示"), "label"))
CATEGORY_COLUMNS = (Column(N_("类别"), "names"), Column(N_("服务项目数"), "count"), Column(N_("无人点单的服务项目"), "count"),
                    Column(N_("需求：列入需求清单"), "count"), Column(N_("无人回应"), "count"),
                    Column(N_("供给：点单项目"), "count"), Column(N_("获资助项目"), "count"),
                    Column(N_("配套与项目库资助（元）"), "money"))
NOTES = {GAP_SUPPLY: N_("无人点单"), GAP_DEMAND: N_("需求无人回应"), f"{GAP_DEMAND} {GAP_SUPPLY}": N_("无人点单，需求无人回应")}


def _item_rows(queries: _Queries, show: str):
    demand, supply = queries.demand(), queries.supply(SubmissionItem.item_code)
    items = catalogue(queries.session)
    rows, flags, per_category = [], [], {}
    for item in items:
        listed, answered = demand.get(item.code, (0, 0))
        ordered, got, money = supply.get(item.code, (0, 0, 0))
        flag = " ".join(f for f, on in ((GAP_DEMAND, listed > answered), (GAP_SUPPLY, not ordered)) if on)
        totals = per_category.setdefault(item.category, [0, 0, 0, 0])
        totals[0] += 1
        totals[1] += 0 if ordered else 1
        totals[2] += listed
        totals[3] += listed - answered
        if show == "unordered" and ordered or show == "unanswered" and listed == answered:
            continue
        rows.append((item.code, item.names, item.category_names, listed, answered, listed - answered, ordered, got,
                     money, NOTES.get(flag)))
        flags.append(flag)
    return items, rows, flags, per_category


def coverage_map(session: Session, scope: Scope, *, show: str = "all", page: int = 1, per_page: int = 50) -> CoverageMap:
    """The map of `scope` (one call or many, one district or all); `show` narrows the item rows
    to items nobody ordered or needs nobody answered. Its tables over the whole scope are kept
    between changes of the data (gongyi.kept); the page of unanswered needs is read each time."""
    queries = _Queries(session, scope)
    show = show if show in SHOWS else "all"
    key = (tuple(e.call.id for e in scope.editions), scope.district, show)
    summary, by_category, items, names = kept(session, "coverage", key, lambda: _tables(queries, show))
    return CoverageMap(summary, by_category, items, queries.unanswered(page, per_page), names)


def _tables(queries: _Queries, show: str) -> tuple[Table, Table, Table, dict[str, tuple[str, str]]]:
    items, rows, flags, per_category = _item_rows(queries, show)
    by_category, total = queries.supply(Item.category_code), queries.supply(None).get(None, (0, 0, 0))
    category_rows, category_flags = [], []
    for code, names in categories(items):
        count, unordered, listed, open_needs = per_category[code]
        ordered, got, money = by_category.get(code, (0, 0, 0))
        category_rows.append((names, count, unordered, listed, open_needs, ordered, got, money))
        category_flags.append(" ".join(f for f, on in ((GAP_DEMAND, open_needs), (GAP_SUPPLY, not ordered)) if on))
    lines = sum(v[2] for v in per_category.values())
    unanswered = sum(v[3] for v in per_category.values())
    summary = Table("summary", N_("概况"), (Column(N_("指标"), "label"), Column(N_("数量"), "count")), [
        (N_("服务项目"), len(items)), (N_("无人点单的服务项目"), sum(v[1] for v in per_category.values())),
        (N_("列入需求清单的需求（社区·年度·服务项目）"), lines), (N_("已回应的需求"), lines - unanswered),
        (N_("无人回应的需求"), unanswered), (N_("点单的项目"), total[0]), (N_("获资助的项目"), total[1])])
    return (
        summary,
        Table("categories", N_("按类别"), CATEGORY_COLUMNS, category_rows, category_flags, chart=Chart(0, (3, 5)),
              note=N_("一个项目点选同一类别的多个服务项目时，该类别只计一次。")),
        Table("items", N_("全部服务项目"), ITEM_COLUMNS, rows, flags,
              note=N_("一个项目点选多个服务项目时，在每个服务项目下各计一次，资助金额也按项目全额计入。")),
        {i.code: i.names for i in items})


def unanswered_table(page: Page, names: dict[str, tuple[str, str]]) -> Table:
    """The needs nobody answered (one page of them, or all), as a table; `names`: item code -> names."""
    rows = [(DISTRICTS.get(d, (d, d)), street, name, str(year), code, names.get(code, (code, code)),
             PRIORITIES.get(priority), note or None)
            for _id, d, street, name, year, code, priority, note in page.rows]
    return Table("unanswered", N_("无人回应的需求"), (
        Column(N_("所在区"), "names"), Column(N_("街道")), Column(N_("社区")), Column(N_("年度")), Column(N_("代码")),
        Column(N_("服务项目"), "names"), Column(N_("优先级"), "label"), Column(N_("清单说明"))), rows)
