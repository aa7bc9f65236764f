"""Computing, saving and reading a call's results.

Inputs are loaded with a fixed handful of set-based queries, whatever the call's size
(results/inputs.py); the money and ranking rules live in the pure engine (results/engine.py);
each computation is saved as an immutable Run with the rules and inputs it read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Bundle, Session

from gongyi.audit.service import record
from gongyi.calls.models import Call
from gongyi.calls.rules import validate_rules
from gongyi.calls.workflow import allows
from gongyi.db import bulk_insert
from gongyi.errors import N_, UserError
from gongyi.kept import kept_for_good
from gongyi.money import fen_to_str
from gongyi.orgs.models import Organisation
from gongyi.pagination import Page, count_rows, paginate, paginate_keys
from gongyi.results.engine import CSV_COLUMNS, OUTCOMES, ResultRow, Results, round_place_dict
from gongyi.results.inputs import Inputs, calculate, input_digest, load_inputs
from gongyi.results.models import Run, RunRow
from gongyi.results.rank import Entry
from gongyi.submissions.models import Submission


def is_current(session: Session, call: Call, run: Run) -> bool:
    """Whether recomputing now would read exactly what `run` read (scores, verified funds,
    requests and the call's current rules)."""
    return input_digest(load_inputs(session, call, call.rules), call.rules) == run.input_digest


def what_if(session: Session, call: Call, changes: dict[str, Any]) -> tuple[dict[str, Any], Results]:
    """Results under the call's rules with `changes` merged in, computed but not saved."""
    rules = validate_rules(merge_rules(call.rules, changes))
    return rules, calculate(load_inputs(session, call, rules), rules)


def published_run(session: Session, call: Call, kind: str | None = None) -> Run | None:
    """The call's latest published run (of the given kind)."""
    stmt = select(Run).where(Run.call_id == call.id, Run.published.is_not(None))
    if kind is not None:
        stmt = stmt.where(Run.published == kind)
    return session.scalar(stmt.order_by(Run.number.desc()).limit(1))


def merge_rules(rules: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` (tables of settings) merged into a copy of `rules`, table by table."""
    merged = {section: (dict(values) if isinstance(values, dict) else values) for section, values in rules.items()}
    for section, values in changes.items():
        merged.setdefault(section, {}).update(values)
    return merged


def compute_call(session: Session, actor: Any, call: Call, note: str = "") -> Run:
    """Compute the call's results under its current rules and save them as a new run."""
    if not allows(call, "compute"):
        raise UserError(N_("评审开始后才能计算结果"))
    # One computation at a time per call (a row lock on PostgreSQL), so run numbers never collide.
    session.execute(select(Call.id).where(Call.id == call.id).with_for_update())
    rules = call.rules
    inputs = load_inputs(session, call, rules)
    results = calculate(inputs, rules)
    number = (session.scalar(select(func.max(Run.number)).where(Run.call_id == call.id)) or 0) + 1
    run = Run(
        call_id=call.id, number=number, rules_version_id=call.rules_version.id, rules=rules,
        input_digest=input_digest(inputs, rules), note=note, created_by_id=getattr(actor, "id", None),
        matching_pool_fen=results.matching_pool_fen, matching_allocated_fen=results.matching_allocated_fen,
        library_pool_fen=results.library_pool_fen, library_allocated_fen=results.library_allocated_fen,
    )
    session.add(run)
    session.flush()
    by_ref = {e.ref: e for e in inputs.entries}
    rows = (_run_row(run.id, position, row, by_ref[row.ref], inputs) for position, row in enumerate(results.rows, 1))
    bulk_insert(session, RunRow, RUN_ROW_COLUMNS, (tuple(values[c] for c in RUN_ROW_COLUMNS) for values in rows))
    record(session, actor, "run.compute", run, call=call.slug, number=number, digest=run.input_digest,
           matching_allocated_fen=run.matching_allocated_fen, library_allocated_fen=run.library_allocated_fen)
    return run


RUN_ROW_COLUMNS = ("run_id", "submission_id", "position", "ref", "totals", "requested_fen", "submitted_at",
                   "complete_reviews", "aggregate", "aggregate_display", "rank", "outcome", "verified_raised_fen",
                   "round", "donors", "held", "matching_fen", "library_grant_fen", "ledger")


def _run_row(run_id: int, position: int, row: ResultRow, entry: Entry, inputs: Inputs) -> dict[str, Any]:
    """A RunRow's values; the ledger keeps what explains the row: the matching and library
    lines, how each funding line counted, and the submission's place in every round."""
    funds = inputs.funds[row.ref]
    ledger: dict[str, Any] = {
        "funds": {"raised_fen": funds.raised_fen, "donors": funds.donors,
                  "lines": [{"line_id": line_id, "donor_key": c.donor_key, "amount_fen": c.amount_fen,
                             "counted_fen": c.counted_fen, "reason": c.reason}
                            for line_id, c in zip(inputs.line_ids[row.ref], funds.lines)]},
        "rounds": [round_place_dict(place) for place in row.rounds],
    }
    if row.ledger is not None:
        ledger["matching"] = row.ledger.as_dict()
    if row.library_ledger is not None:
        ledger["library"] = row.library_ledger.as_dict()
    totals = sorted(r.total for r in entry.reviews if r.round == row.round) + list(entry.totals)
    return {
        "run_id": run_id, "submission_id": inputs.submission_ids[row.ref], "position": position, "ref": row.ref,
        "totals": [str(t) for t in totals], "requested_fen": entry.requested_fen,
        "submitted_at": entry.submitted_at, "complete_reviews": row.complete_reviews,
        "aggregate": None if row.aggregate is None else str(row.aggregate),
        "aggregate_display": None if row.aggregate is None else str(row.aggregate_display),
        "rank": row.rank, "outcome": row.outcome, "verified_raised_fen": row.counted_raised_fen,
        "round": row.round, "donors": row.donors, "held": row.held,
        "matching_fen": row.matching_fen, "library_grant_fen": row.library_grant_fen, "ledger": ledger,
    }


def find_run(session: Session, call: Call, number: int | None = None) -> Run | None:
    """The call's run with that number, or its latest run."""
    stmt = select(Run).where(Run.call_id == call.id)
    stmt = stmt.where(Run.number == number) if number else stmt.order_by(Run.number.desc()).limit(1)
    return session.scalar(stmt)


def results_table(session: Session, run: Run, only: Any = None) -> list[dict[str, str]]:
    """The run's results.csv rows (section 8), keyed by CSV_COLUMNS, in order, in one query;
    `only`: a select of the RunRow ids to keep (a page's filters)."""
    stmt = (select(RunRow.ref, RunRow.round, RunRow.complete_reviews, RunRow.aggregate_display, RunRow.rank,
                   RunRow.outcome, RunRow.verified_raised_fen, RunRow.donors, RunRow.matching_fen,
                   RunRow.library_grant_fen).where(RunRow.run_id == run.id).order_by(RunRow.position))
    rows = session.execute(stmt if only is None else stmt.where(RunRow.id.in_(only))).all()
    return [
        dict(zip(CSV_COLUMNS, (ref, code, str(n), agg or "", "" if rank is None else str(rank), outcome,
                               fen_to_str(raised), str(donors), fen_to_str(matching), fen_to_str(library))))
        for ref, code, n, agg, rank, outcome, raised, donors, matching, library in rows
    ]


@dataclass(frozen=True)
class RowChange:
    """One submission's result in two runs; `changed` names the fields that differ."""

    submission_id: int
    ref: str
    before: RunRow | None
    after: RunRow | None
    changed: frozenset[str]


COMPARED = ("round", "rank", "outcome", "aggregate_display", "verified_raised_fen", "matching_fen", "library_grant_fen")


def compare_runs(session: Session, before: Run, after: Run) -> list[RowChange]:
    """Every submission of either run, in the later run's order, with what changed (two queries)."""
    def rows(run: Run) -> dict[int, RunRow]:
        return {r.submission_id: r for r in session.scalars(
            select(RunRow).where(RunRow.run_id == run.id).order_by(RunRow.position))}

    old, new = rows(before), rows(after)
    order = list(new) + [sid for sid in old if sid not in new]
    changes = []
    for sid in order:
        a, b = old.get(sid), new.get(sid)
        if a is None or b is None:
            changed = frozenset(COMPARED)
        else:
            changed = frozenset(f for f in COMPARED if getattr(a, f) != getattr(b, f))
        changes.append(RowChange(sid, (b or a).ref, a, b, changed))
    return changes


SORTS = {
    "rank": (RunRow.position,),
    "aggregate": (RunRow.position,),
    "raised": (RunRow.verified_raised_fen, RunRow.position),
    "matching": (RunRow.matching_fen, RunRow.position),
    "library": (RunRow.library_grant_fen, RunRow.position),
    "ref": (RunRow.ref,),
}


def ranking_page(session: Session, run: Run, *, sort: str = "rank", descending: bool = False,
                 outcome: str | None = None, query: str = "", page: int = 1, per_page: int = 100) -> Page:
    """One page (clamped to the pages there are) of a run's rows with project title and
    organisation name, and the filtered count: two statements whatever the call's size.

    Rows are (row, title, organisation name), the row a plain record of RunRow's columns but the
    ledger and the totals (not shown; a page of records costs a fraction of a page of objects).
    Sorting by score is rank order, since rank order is score order with the call's tie-breakers.
    Without a search, the count and the page are taken on run_row alone, so the page is read by
    its index however large the run.
    """
    shown = (Bundle("row", *(c for c in RunRow.__table__.c if c.name not in ("ledger", "totals"))),
             Submission.title, Organisation.name)
    if query.strip():  # the search reads titles and names: counted and paged over the join
        stmt = ranking_query(run, sort=sort, descending=descending, outcome=outcome, query=query)
        return paginate(session, stmt.with_only_columns(*shown, maintain_column_froms=True), page, per_page)
    conditions, order = _filter_and_order(run, sort, descending, outcome)
    keys = select(RunRow.id).where(*conditions).order_by(*order)

    def rows(ids):  # the page's ids alone: no condition the planner could scan the whole run for
        return (select(*shown).select_from(RunRow).join(ids, ids.c.id == RunRow.id)
                .join(Submission, Submission.id == RunRow.submission_id)
                .join(Organisation, Organisation.id == Submission.organisation_id).order_by(*order))

    # A run's rows never change once computed: their count under a filter is kept for good.
    total = kept_for_good("run-rows", (run.id, str(run.created_at), run.input_digest, outcome if outcome in OUTCOMES else None),
                          lambda: count_rows(session, keys))
    return paginate_keys(session, keys, rows, page, per_page, total=total)


def _filter_and_order(run: Run, sort: str, descending: bool, outcome: str | None) -> tuple[list, list]:
    conditions = [RunRow.run_id == run.id]
    if outcome in OUTCOMES:
        conditions.append(RunRow.outcome == outcome)
    columns = SORTS.get(sort, SORTS["rank"])
    if sort == "aggregate":  # higher scores come first in rank order
        descending = not descending
    return conditions, [c.desc() if descending else c.asc() for c in columns]


def ranking_query(run: Run, *, sort: str = "rank", descending: bool = False, outcome: str | None = None,
                  query: str = ""):
    """Every row of a run the ranking page's filters show, in its order: (RunRow, title, organisation name)."""
    conditions, order = _filter_and_order(run, sort, descending, outcome)
    if query.strip():
        typed = query.strip()  # "%" and "_" match themselves
        conditions.append(or_(*(c.icontains(typed, autoescape=True) for c in (RunRow.ref, Submission.title, Organisation.name))))
    return (select(RunRow, Submission.title, Organisation.name)
            .join(Submission, Submission.id == RunRow.submission_id)
            .join(Organisation, Organisation.id == Submission.organisation_id)
            .where(*conditions).order_by(*order))


def withdraw_after_results(session: Session, actor: Any, submission: Submission, reason: str) -> Run:
    """A project withdraws after results: mark it withdrawn and recompute, so the next ones move up."""
    if not reason.strip():
        raise UserError(N_("须填写理由"), "reason")
    if submission.status != "submitted":
        raise UserError(N_("只有已提交的项目可以撤回"), "reason")
    if not allows(submission.call, "withdraw_after_results"):
        raise UserError(N_("结果计算之后才能在此记录撤回；之前由组织自行撤回"), "reason")
    submission.status = "withdrawn"
    session.flush()
    record(session, actor, "submission.withdraw_after_results", submission, reason=reason.strip())
    call = session.get(Call, submission.call_id)
    return compute_call(session, actor, call, note=f"{submission.ref} withdrew: {reason.strip()}")


@dataclass(frozen=True)
class TrialChange:
    ref: str
    rank: int | None
    outcome_before: str | None
    outcome_after: str
    matching_before: int
    matching_after: int
    library_before: int
    library_after: int


def diff_against_run(session: Session, run: Run, results: Results) -> list[TrialChange]:
    """Rows whose outcome or amounts differ between a saved run and an unsaved trial."""
    saved = {ref: (outcome, m, l) for ref, outcome, m, l in session.execute(
        select(RunRow.ref, RunRow.outcome, RunRow.matching_fen, RunRow.library_grant_fen).where(RunRow.run_id == run.id))}
    changes = []
    for row in results.rows:
        outcome, m, l = saved.get(row.ref, (None, 0, 0))
        if (outcome, m, l) != (row.outcome, row.matching_fen, row.library_grant_fen):
            changes.append(TrialChange(row.ref, row.rank, outcome, row.outcome, m, row.matching_fen, l, row.library_grant_fen))
    return changes
