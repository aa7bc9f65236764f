"""A call's dashboard, the submissions and review half: submissions by category, item and
district; review progress and the score distribution of every round. Each table is one
grouped query (a score distribution: one per round), whatever the number of submissions."""
from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.calls.rules import resolved_rounds, rubric_total
from gongyi.catalogue.models import Item
from gongyi.dashboards.scope import CatalogueItem, categories, counted_submissions
from gongyi.dashboards.tables import Chart, Column, Table
from gongyi.errors import N_
from gongyi.orgs.districts import DISTRICTS
from gongyi.review.models import REVIEW_STATUSES, Review
from gongyi.review.service.scoring import complete_reviews
from gongyi.submissions.models import Submission, SubmissionItem

BINS = 10  # a round's scores in tenths of its rubric's maximum
TOP_ITEMS = 15  # drawn; the table lists every item ordered


def _by_key(session: Session, call: Call, key) -> dict[str, tuple[int, int]]:
    """key -> (submitted projects ordering under it, their requested fen), each project once per key."""
    pairs = (select(key.label("key"), Submission.id.label("sid"), Submission.requested_fen.label("fen"))
             .select_from(SubmissionItem).join(Submission, Submission.id == SubmissionItem.submission_id)
             .join(Item, Item.code == SubmissionItem.item_code)
             .where(Submission.call_id == call.id, counted_submissions()).distinct().subquery())
    stmt = select(pairs.c.key, func.count(), func.coalesce(func.sum(pairs.c.fen), 0)).group_by(pairs.c.key)
    return {k: (n, int(fen)) for k, n, fen in session.execute(stmt)}


def submissions_tables(session: Session, call: Call, items: list[CatalogueItem]) -> list[Table]:
    by_category = _by_key(session, call, Item.category_code)
    by_item = _by_key(session, call, Item.code)
    districts = session.execute(
        select(Submission.community_district, func.count(), func.coalesce(func.sum(Submission.requested_fen), 0))
        .where(Submission.call_id == call.id, counted_submissions()).group_by(Submission.community_district)).all()
    category_rows = [(names, *by_category.get(code, (0, 0))) for code, names in categories(items)]
    ordered = sorted((i for i in items if i.code in by_item), key=lambda i: (-by_item[i.code][0], i.code))
    counts = (Column(N_("项目"), "count"), Column(N_("申请金额（元）"), "money"))
    return [
        Table("by-category", N_("申报项目：按类别"), (Column(N_("类别"), "names"), *counts), category_rows,
              ["" if row[1] else "gap-supply" for row in category_rows], chart=Chart(0, (1,)),
              note=N_("一个项目点选同一类别的多个服务项目时，该类别只计一次。")),
        Table("by-item", N_("申报项目：按服务项目"), (Column(N_("代码")), Column(N_("服务项目"), "names"),
                                                    Column(N_("类别"), "names"), *counts),
              [(i.code, i.names, i.category_names, *by_item[i.code]) for i in ordered],
              chart=Chart(1, (3,), limit=TOP_ITEMS), note=N_("只列出有项目点单的服务项目；图中为点单最多的 15 项。")),
        Table("by-district", N_("申报项目：按所在区"), (Column(N_("所在区"), "names"), *counts),
              [(DISTRICTS.get(code, (code or "—", code or "—")), n, int(fen))
               for code, n, fen in sorted(districts, key=lambda r: (-r[1], r[0] or ""))], chart=Chart(0, (1,))),
    ]


def review_progress(session: Session, call: Call) -> Table:
    """Per round: reviews by status and the projects with at least one submitted review (one query)."""
    found = {(r, s): (n, projects) for r, s, n, projects in session.execute(
        select(Review.round, Review.status, func.count(), func.count(distinct(Review.submission_id)))
        .join(Submission, Submission.id == Review.submission_id).where(Submission.call_id == call.id)
        .group_by(Review.round, Review.status))}
    rows = []
    for rnd in resolved_rounds(call.rules):
        by_status = [found.get((rnd["code"], status), (0, 0))[0] for status in REVIEW_STATUSES]
        rows.append((rnd["name"], sum(by_status), *by_status, found.get((rnd["code"], "submitted"), (0, 0))[1]))
    return Table("review-progress", N_("评审进度"), (
        Column(N_("轮次")), Column(N_("已分配评审"), "count"),
        *(Column(REVIEW_STATUSES[s], "count") for s in REVIEW_STATUSES), Column(N_("已有提交评审的项目"), "count")),
        rows, chart=Chart(0, (4, 1)))


def score_distributions(session: Session, call: Call) -> list[Table]:
    """Per round, the totals of its complete reviews in ten bands of its rubric's maximum (one query a round)."""
    tables = []
    for rnd in resolved_rounds(call.rules):
        codes = [c["code"] for c in rnd["criteria"]]
        top = rubric_total(call.rules, rnd["code"])
        reviews = complete_reviews(codes, Submission.call_id == call.id, Review.round == rnd["code"]).subquery()
        band = reviews.c.total_centi * BINS // (top * 100 or 1)  # whole tenths, in integers
        counts = dict(session.execute(select(band, func.count()).group_by(band)).all())
        bins = [0] * BINS
        for index, n in counts.items():
            bins[min(max(int(index), 0), BINS - 1)] += n  # the maximum itself falls in the top band
        width = top / BINS
        labels = [f"{_point(i * width)}–{_point((i + 1) * width)}" for i in range(BINS)]
        tables.append(Table(f"scores-{rnd['code']}", N_("评分分布：%(round)s（满分 %(max)s）"),
                            (Column(N_("总分区间")), Column(N_("完整评审"), "count")), list(zip(labels, bins)),
                            chart=Chart(0, (1,), shape="columns"), params={"round": rnd["name"], "max": top},
                            note=N_("每份完整评审的总分；区间含下限、不含上限，满分计入最高区间。")))
    return tables


def _point(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
