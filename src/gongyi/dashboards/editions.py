"""The dashboards: one call's, and every edition's side by side, year on year. Each table is a
grouped query over all the calls at once, so the pages run the same statements whatever the
number of submissions (and, across editions, whatever the number of calls); the tables are
kept between changes of the data (gongyi.kept), so a page opened again costs no aggregate."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.catalogue.models import Item
from gongyi.communities.models import SubmissionCommunity
from gongyi.dashboards.call_figures import review_progress, score_distributions, submissions_tables
from gongyi.dashboards.money_figures import funds_table, leverage, outcome_sums, outcome_tables, pools_table
from gongyi.dashboards.scope import Edition, catalogue, categories, counted_submissions, editions
from gongyi.dashboards.tables import Chart, Column, Table
from gongyi.errors import N_
from gongyi.kept import kept
from gongyi.money import parse_yuan
from gongyi.orgs.districts import DISTRICTS
from gongyi.results.engine import OUTCOMES as OUTCOME_CODES
from gongyi.results.models import Run
from gongyi.results.vocab import OUTCOMES
from gongyi.submissions.models import Submission, SubmissionItem


@dataclass(frozen=True)
class Dashboard:
    editions: list[Edition]
    tables: list[Table]


def call_dashboard(session: Session, call: Call) -> Dashboard:
    """Submissions by category, item and district; review progress; scores per round; outcomes,
    leverage, funds by source and the pools of the call's results in force."""
    (edition,) = editions(session, [call])

    def compute() -> list[Table]:
        sums = outcome_sums(session, [edition.run_id] if edition.run_id else [])
        return [*submissions_tables(session, call, catalogue(session)), review_progress(session, call),
                *score_distributions(session, call), *outcome_tables(sums, edition), funds_table(session, call),
                pools_table(session, call, edition)]

    return Dashboard([edition], kept(session, "call-dashboard", (call.id,), compute))


def _change(now: int, before: int | None) -> Fraction | None:
    return Fraction(now - before, before) if before else None


def _per_call(session: Session, ids: list[int]) -> dict[int, tuple[int, int, int, int]]:
    """call id -> (projects, organisations, communities on the list, requested fen) (one grouped query)."""
    stmt = (select(Submission.call_id, func.count(distinct(Submission.id)), func.count(distinct(Submission.organisation_id)),
                   func.count(distinct(SubmissionCommunity.community_id)), func.sum(Submission.requested_fen))
            .outerjoin(SubmissionCommunity, SubmissionCommunity.submission_id == Submission.id)
            .where(Submission.call_id.in_(ids), counted_submissions()).group_by(Submission.call_id))
    return {cid: (n, orgs, comms, int(fen or 0)) for cid, n, orgs, comms, fen in session.execute(stmt)}


def year_on_year(session: Session, shown: list[Edition], sums) -> list[Table]:
    counts = _per_call(session, [e.call.id for e in shown])
    rows, money, levers = [], [], []
    before: tuple[int, int] | None = None
    for e in shown:
        projects, orgs, comms, requested = counts.get(e.call.id, (0, 0, 0, 0))
        lev = leverage(sums, e.run_id)
        rows.append((e.call.title, str(e.year), projects, _change(projects, before and before[0]), orgs, comms,
                     requested, lev.matching_fen, _change(lev.matching_fen, before and before[1])))
        money.append((e.call.title, sum(sums[k].raised_fen for k in sums if k[0] == e.run_id),
                      lev.matching_fen, lev.public_fen - lev.matching_fen))
        levers.append((e.call.title, lev.matched_raised_fen, lev.matching_fen, lev.per_matching, lev.per_public))
        before = (projects, lev.matching_fen)
    return [
        Table("editions", N_("历届对比"), (
            Column(N_("届次")), Column(N_("年度")), Column(N_("申报项目"), "count"), Column(N_("申报项目同比"), "share"),
            Column(N_("申报组织"), "count"), Column(N_("名录中的社区"), "count"), Column(N_("申请金额（元）"), "money"),
            Column(N_("配套资金（元）"), "money"), Column(N_("配套资金同比"), "share")), rows, chart=Chart(0, (2,)),
            note=N_("同比：与上一届相比的变化。")),
        Table("edition-money", N_("历届资金"), (
            Column(N_("届次")), Column(N_("计入配套的募集资金（元）"), "money"), Column(N_("配套资金（元）"), "money"),
            Column(N_("项目库资助（元）"), "money")), money, chart=Chart(0, (1, 2, 3))),
        Table("edition-leverage", N_("历届撬动比"), (
            Column(N_("届次")), Column(N_("获配套项目的募集资金（元）"), "money"), Column(N_("配套资金（元）"), "money"),
            Column(N_("每 1 元配套带动"), "ratio"), Column(N_("每 1 元公共资金带动"), "ratio")), levers),
    ]


def _matrix(session: Session, shown: list[Edition], key) -> dict[tuple[int, str], int]:
    """(call id, key) -> projects counted once per key (one grouped query)."""
    pairs = (select(Submission.call_id.label("call_id"), key.label("key"), Submission.id.label("sid"))
             .select_from(SubmissionItem).join(Submission, Submission.id == SubmissionItem.submission_id)
             .join(Item, Item.code == SubmissionItem.item_code)
             .where(Submission.call_id.in_([e.call.id for e in shown]), counted_submissions()).distinct().subquery())
    return {(cid, k): n for cid, k, n in session.execute(
        select(pairs.c.call_id, pairs.c.key, func.count()).group_by(pairs.c.call_id, pairs.c.key))}


def matrices(session: Session, shown: list[Edition], sums) -> list[Table]:
    heads = tuple(Column(e.call.title, "count") for e in shown)
    by_category = _matrix(session, shown, Item.category_code)
    by_district = _matrix(session, shown, Submission.community_district)
    districts = sorted({k for _c, k in by_district}, key=lambda k: k or "")
    return [
        Table("edition-categories", N_("历届申报：按类别"), (Column(N_("类别"), "names"), *heads),
              [(names, *(by_category.get((e.call.id, code), 0) for e in shown))
               for code, names in categories(catalogue(session))]),
        Table("edition-districts", N_("历届申报：按所在区"), (Column(N_("所在区"), "names"), *heads),
              [(DISTRICTS.get(d, (d or "—", d or "—")), *(by_district.get((e.call.id, d), 0) for e in shown))
               for d in districts]),
        Table("edition-outcomes", N_("历届结果"), (Column(N_("结果"), "label"), *heads),
              [(OUTCOMES[code], *(sums.get((e.run_id, code)).projects if (e.run_id, code) in sums else 0 for e in shown))
               for code in OUTCOME_CODES]),
    ]


def edition_pools(session: Session, shown: list[Edition]) -> Table:
    """Both pools of every edition: total, allocated by its results in force, and left (one query)."""
    runs = {r.id: r for r in session.scalars(select(Run).where(Run.id.in_([e.run_id for e in shown if e.run_id])))}
    rows = []
    for e in shown:
        run = runs.get(e.run_id)
        rules = run.rules if run is not None else e.call.rules
        matching, library = parse_yuan(rules["matching"]["pool"]), parse_yuan(rules["library"]["pool"])
        used = (run.matching_allocated_fen, run.library_allocated_fen) if run is not None else (0, 0)
        rows.append((e.call.title, matching, used[0], matching - used[0], library, used[1], library - used[1]))
    return Table("edition-pools", N_("历届资金池：已分配与剩余"), (
        Column(N_("届次")), Column(N_("配套资金池（元）"), "money"), Column(N_("配套已分配（元）"), "money"),
        Column(N_("配套未分配（元）"), "money"), Column(N_("项目库资金池（元）"), "money"),
        Column(N_("项目库已分配（元）"), "money"), Column(N_("项目库未分配（元）"), "money")), rows,
        chart=Chart(0, (2, 3)))


def editions_dashboard(session: Session) -> Dashboard:
    """Every edition (call) but drafts, oldest first: year on year, by category, district and outcome."""
    shown = editions(session)

    def compute() -> list[Table]:
        sums = outcome_sums(session, [e.run_id for e in shown if e.run_id])
        return [*year_on_year(session, shown, sums), edition_pools(session, shown), *matrices(session, shown, sums)]

    return Dashboard(shown, kept(session, "editions-dashboard", (), compute))
