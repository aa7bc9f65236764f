"""Library entries: from final results, carried from edition to edition, expired, and who moves up
when a matched project withdraws after results. Each edition's settings (library and entry rules).

`record_final_results` is called by results.publication.publish_results whenever a run is
published as final (first or revised), so the library follows the results in force.
`fund_from_pool` lets an administrator fund a waiting entry carried in from an earlier edition out of
what the edition's final results left of its library pool (library/grants.py); `entry_chain` is an entry's rows across
editions, the status history the entry page shows.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gongyi.audit.service import already, record
from gongyi.calls.models import Call
from gongyi.calls.workflow import allows
from gongyi.catalogue.models import Item
from gongyi.clock import utcnow
from gongyi.db import lock
from gongyi.errors import N_, UserError
from gongyi.execution.records import open_for_grant, stop_for_released_grant
from gongyi.library import carrying
from gongyi.library.cofunders import need_of
from gongyi.library.grants import committed_fen
from gongyi.library.models import EditionSettings, LibraryEntry
from gongyi.money import MoneyError, format_fen, parse_yuan
from gongyi.orgs.models import Organisation
from gongyi.pagination import Page, paginate
from gongyi.results.inputs import calculate, load_inputs
from gongyi.results.models import Run, RunRow
from gongyi.results.service import TrialChange, diff_against_run, published_run, withdraw_after_results
from gongyi.submissions.models import Submission, SubmissionItem


class LibraryError(UserError):
    pass


# Why a carried entry left a later library: the revised final results of its own edition funded it.
FUNDED_BY_OWN_EDITION = N_("该项目所属一届修订后的最终结果已资助该项目")

SETTING_FIELDS = ("expires_after", "failed_evaluation_editions", "no_second_funding", "barred_list",
                  "mark_replications")


def settings_for(session: Session, call: Call) -> EditionSettings:
    """The call's settings row, or the defaults (not stored) when it has none. Read through the
    call's `settings`, so a call loaded with them (submissions.service.load_submission) reads nothing."""
    found = call.settings
    if found is not None:
        return found
    return EditionSettings(call_id=call.id, expires_after=2, failed_evaluation_editions=0, no_second_funding=False,
                           barred_list=True, mark_replications=False)


def update_settings(session: Session, actor: Any, call: Call, **values: Any) -> EditionSettings:
    """Change the call's library and entry settings (audited with the values before and after)."""
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    if not 1 <= int(values.get("expires_after", 2)) <= 10:
        raise LibraryError(N_("项目库有效届数须在 1 到 10 之间"), "expires_after")
    if not 0 <= int(values.get("failed_evaluation_editions", 0)) <= 10:
        raise LibraryError(N_("届数须在 0 到 10 之间（0 表示不适用此规则）"), "failed_evaluation_editions")
    settings = session.get(EditionSettings, call.id)
    if settings is None:
        settings = settings_for(session, call)
        session.add(settings)
    before = {f: getattr(settings, f) for f in SETTING_FIELDS}
    for name, value in values.items():
        setattr(settings, name, value)
    session.flush()
    session.expire(call, ["settings"])  # read-only there: a new row is seen when it is read again
    after = {f: getattr(settings, f) for f in SETTING_FIELDS}
    record(session, actor, "library.settings", call, before=before, after=after)
    return settings


def record_final_results(session: Session, actor: Any, run: Run) -> list[LibraryEntry]:
    """Bring the call's own library in line with its final results `run`: rows of outcome
    "library" enter it (frozen scores, rank, round, request, grant); entries already there follow
    their rows (moved up to matching, funded, withdrawn); a carried one so decided takes its copies in
    later libraries out of them, giving back any administrator's grant."""
    rows = session.execute(select(RunRow, Submission.status).join(Submission, Submission.id == RunRow.submission_id)
                           .where(RunRow.run_id == run.id)).all()
    by_submission = {row.submission_id: (row, status) for row, status in rows}
    existing = {e.submission_id: e for e in session.scalars(
        select(LibraryEntry).where(LibraryEntry.call_id == run.call_id, LibraryEntry.editions == 1))}
    entered, changed = [], []
    for row, _status in rows:
        if row.outcome == "library" and row.submission_id not in existing:
            entry = LibraryEntry(call_id=run.call_id, submission_id=row.submission_id, **_frozen(run, row),
                                 status=carrying.entry_status(row.library_grant_fen))
            session.add(entry)
            entered.append(entry)
    moved_on = {}  # submission id -> withdrawn, matched or funded, for entries carried on to later editions
    for submission_id, entry in existing.items():
        row, status = by_submission.get(submission_id, (None, None))
        if entry.status == "expired":
            continue
        new = carrying.revised_status(entry.status, row.outcome if row else None,
                                      row.library_grant_fen if row else 0, status == "withdrawn")
        if entry.status == "carried":
            if new in carrying.LEAVING or new == "funded":  # decided in its own edition after all
                moved_on[submission_id] = new
                if new == "funded":
                    for name, value in _frozen(run, row).items():
                        setattr(entry, name, value)
                _set_status(session, actor, entry, new)
                changed.append(entry)
            continue
        if row is not None and row.outcome == "library":
            for name, value in _frozen(run, row).items():
                setattr(entry, name, value)
        if new != entry.status:
            _set_status(session, actor, entry, new)
            changed.append(entry)
    changed += _follow_carried(session, actor, run, moved_on)
    session.flush()
    if entered or changed:
        refs = dict(session.execute(select(Submission.id, Submission.ref).where(
            Submission.id.in_([e.submission_id for e in entered + changed]))).all())
        record(session, actor, "library.final_results", run, number=run.number,
               entered=[refs[e.submission_id] for e in entered],
               changed={refs[e.submission_id]: e.status for e in changed})
    return entered


def _set_status(session: Session, actor: Any, entry: LibraryEntry, status: str, reason: str | None = None) -> None:
    """A new status; an entry that leaves its library (withdrawn, or its project matched) gives back
    what an administrator granted it, so the pool's balance and the figures stop counting it."""
    entry.status, entry.changed_at = status, utcnow()
    if reason:
        entry.status_reason = reason
    if status in carrying.LEAVING and entry.pool_granted_at is not None:
        record(session, actor, "library.grant_released", entry, ref=entry.submission.ref, edition=entry.call.slug,
               grant_fen=entry.library_grant_fen, because=status)
        entry.library_grant_fen, entry.pool_granted_at = 0, None
        stop_for_released_grant(session, actor, entry.call_id, entry.submission_id)


def _follow_carried(session: Session, actor: Any, run: Run, moved_on: dict[int, str]) -> list[LibraryEntry]:
    """Projects carried on from this edition that its revised results withdraw, match or fund after
    all: their copies in later editions' libraries (waiting, adopted or funded there) leave them,
    and give back any grant (a project funded by its own edition is withdrawn from the later one)."""
    if not moved_on:
        return []
    later = list(session.scalars(select(LibraryEntry).where(
        LibraryEntry.submission_id.in_(list(moved_on)), LibraryEntry.call_id != run.call_id,
        LibraryEntry.status.in_(("waiting", "adopted", "funded"))).with_for_update()))
    for entry in later:
        own = moved_on[entry.submission_id]
        _set_status(session, actor, entry, own if own in carrying.LEAVING else "withdrawn",
                    None if own in carrying.LEAVING else FUNDED_BY_OWN_EDITION)
    return later


def _frozen(run: Run, row: RunRow) -> dict[str, Any]:
    return {"run_number": run.number, "rank": row.rank, "round": row.round, "aggregate_display": row.aggregate_display,
            "score_hundredths": carrying.score_hundredths(row.aggregate_display),
            "requested_fen": row.requested_fen, "library_grant_fen": row.library_grant_fen}


@dataclass(frozen=True)
class CarryResult:
    carried: list[LibraryEntry]
    expired: list[LibraryEntry]


def carry_entries(session: Session, actor: Any, source: Call, target: Call) -> CarryResult:
    """Carry the waiting entries of `source`'s library into `target`'s (a later edition), keeping
    their scores; entries that have spent their library's number of editions expire instead."""
    if target.id == source.id or target.opens_at <= source.opens_at:
        raise LibraryError(N_("只能转入之后举办的一届"), "target")
    if target.status == "archived":
        raise LibraryError(N_("已归档的一届不能再接收项目"), "target")
    expires_after = settings_for(session, source).expires_after
    entries = session.scalars(select(LibraryEntry).where(LibraryEntry.call_id == source.id)
                              .order_by(LibraryEntry.id).with_for_update()).all()
    already = set(session.scalars(select(LibraryEntry.submission_id).where(LibraryEntry.call_id == target.id)))
    carried, expired, now = [], [], utcnow()
    for entry in entries:
        decision = carrying.carry_decision(entry.status, entry.editions, expires_after)
        if decision == carrying.EXPIRE:
            entry.status, entry.changed_at = "expired", now
            expired.append(entry)
        elif decision == carrying.CARRY and entry.submission_id not in already:
            copy = LibraryEntry(call_id=target.id, submission_id=entry.submission_id, run_number=entry.run_number,
                                rank=entry.rank, round=entry.round, aggregate_display=entry.aggregate_display,
                                score_hundredths=entry.score_hundredths, requested_fen=entry.requested_fen,
                                library_grant_fen=0, status="waiting", editions=entry.editions + 1,
                                carried_from_id=entry.id)
            session.add(copy)
            entry.status, entry.changed_at = "carried", now
            carried.append(copy)
    if not carried and not expired:
        raise LibraryError(N_("没有可转入或到期的项目"), "target")
    session.flush()
    record(session, actor, "library.carry", source, target=target.slug, carried=len(carried), expired=len(expired))
    for copy in carried:  # each entry's own history (its page) says who carried it, and who let it expire
        record(session, actor, "library.entry_carried", copy, from_edition=source.title)
    for entry in expired:
        record(session, actor, "library.entry_expired", entry, editions=entry.editions, expires_after=expires_after)
    return CarryResult(carried, expired)


def who_moves_up(session: Session, call: Call, submission: Submission) -> list[TrialChange]:
    """The results rows that would change if `submission` withdrew now (computed, not saved)."""
    run = session.scalar(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc()).limit(1))
    if run is None:
        return []
    inputs = load_inputs(session, call, call.rules)
    without = dataclasses.replace(inputs, entries=tuple(e for e in inputs.entries if e.ref != submission.ref))
    return [c for c in diff_against_run(session, run, calculate(without, call.rules)) if c.ref != submission.ref]


def confirm_move_up(session: Session, actor: Any, call: Call, submission: Submission, reason: str) -> Run:
    """The administrator confirms a matched project's withdrawal after results: a new run, as on
    the results pages; publishing it as revised final results updates the library."""
    if submission.call_id != call.id:
        raise LibraryError(N_("该项目不属于这一届"), "reason")
    if not allows(call, "withdraw_after_results"):
        raise LibraryError(N_("结果计算之后才能在此记录撤回；之前由组织自行撤回"), "reason")
    return withdraw_after_results(session, actor, submission, reason)


@dataclass(frozen=True)
class PoolBalance:
    """An edition's library pool after its final results: what the engine allocated, what
    administrators granted since to waiting entries, and what is left."""

    pool_fen: int
    allocated_fen: int  # by the edition's final results in force
    granted_fen: int  # by administrators, to waiting entries of the edition's library

    @property
    def left_fen(self) -> int:
        return self.pool_fen - self.allocated_fen - self.granted_fen


def pool_balance(session: Session, call: Call, run: Run | None = None) -> PoolBalance | None:
    """The edition's library pool balance, or None before its final results are published (the
    engine allocates the pool first, spec section 6, less what was granted before it ran; only what
    it left may be granted). The pools page shows the same figures (funding.service.pool_status)."""
    run = run or published_run(session, call, "final")
    if run is None:
        return None
    return PoolBalance(parse_yuan(run.rules["library"]["pool"]), run.library_allocated_fen,
                       committed_fen(session, call.id))


_GRANT_PROBLEMS = {
    "not_positive": N_("金额必须大于零"),
    "over_request": N_("不能超过该项目的申请金额 ¥%(requested)s"),
    "over_need": N_("超出该项目尚需的金额 ¥%(remaining)s（申请 ¥%(requested)s，已有公共资金和认捐 ¥%(covered)s）"),
    "over_pool": N_("超出本届项目库资金池的余额 ¥%(left)s"),
    "own_edition": N_("本届自己的项目只由本届的结果计算从项目库资金池资助；管理员只能资助从往届转入的项目"),
}


def fund_from_pool(session: Session, actor: Any, entry: LibraryEntry, *, amount: str, reason: str = "") -> LibraryEntry:
    """Fund a waiting entry carried into an edition's library from an earlier edition out of that
    edition's library pool: never above its request nor what it still needs, nor above what the
    edition's final results left of the pool (a project's own edition funds it through its results
    only, so the engine never pays it twice). Rows are locked call, submission, entry, the order of
    cofunders.confirm_pledge (submission, entry): grants from one pool one at a time, a pledge
    confirmed meanwhile counted, two clicks funding it once."""
    lock(session, entry.call)
    session.execute(select(Submission.id).where(Submission.id == entry.submission_id).with_for_update())
    entry = lock(session, entry)
    submission = entry.submission
    if entry.status != "waiting":
        raise already(LibraryError, N_("%(ref)s 已由 %(name)s 于 %(at)s 资助"), N_("%(ref)s 现在不在等待资助"),
                      session, entry, "library.fund", field="amount", ref=submission.ref)
    if submission.call_id == entry.call_id:
        raise LibraryError(_GRANT_PROBLEMS["own_edition"], "amount")
    run = published_run(session, entry.call, "final")
    balance = pool_balance(session, entry.call, run)
    if balance is None:
        raise LibraryError(N_("本届最终结果发布后才能从项目库资金池资助：最终结果先按规则分配资金池"), "amount")
    try:
        amount_fen = parse_yuan(amount or "")
    except MoneyError as exc:
        raise LibraryError(exc.message, "amount", **exc.params) from None
    need = need_of(session, submission)
    covered = need.public_fen + need.pledged_fen
    problem = carrying.pool_grant_problem(amount_fen, entry.requested_fen, covered, balance.left_fen)
    if problem:
        raise LibraryError(_GRANT_PROBLEMS[problem], "amount", requested=format_fen(entry.requested_fen),
                           remaining=format_fen(max(0, entry.requested_fen - covered)), covered=format_fen(covered),
                           left=format_fen(max(0, balance.left_fen)))
    now = utcnow()
    entry.library_grant_fen, entry.status, entry.status_reason = amount_fen, "funded", (reason or "").strip() or None
    entry.pool_granted_at = entry.changed_at = now
    session.flush()
    record(session, actor, "library.fund", entry, ref=submission.ref, edition=entry.call.slug, grant_fen=amount_fen,
           reason=entry.status_reason)
    open_for_grant(session, actor, entry.call_id, run, submission, amount_fen)  # paid in tranches from this pool
    return entry


def entry_chain(session: Session, entry: LibraryEntry) -> list[tuple[LibraryEntry, Call]]:
    """The entry's rows across editions, first edition first, linked by carried_from_id: its status
    over time (one statement)."""
    rows = session.execute(select(LibraryEntry, Call).join(Call, Call.id == LibraryEntry.call_id)
                           .where(LibraryEntry.submission_id == entry.submission_id)).all()
    by_id = {e.id: (e, c) for e, c in rows}
    following = {e.carried_from_id: e for e, _c in rows if e.carried_from_id in by_id}
    first = by_id[entry.id][0]
    for _step in range(len(rows)):  # back to the entry it was first carried from (never round in circles)
        if first.carried_from_id not in by_id:
            break
        first = by_id[first.carried_from_id][0]
    chain, current = [], first
    while current is not None and len(chain) < len(rows):
        chain.append(by_id[current.id])
        current = following.get(current.id)
    return chain


@dataclass(frozen=True)
class Filters:
    call_id: int | None = None
    category: str = ""
    item: str = ""
    district: str = ""
    min_score: int | None = None  # hundredths
    status: str = ""
    query: str = ""


def library_page(session: Session, filters: Filters, page: int = 1, per_page: int = 50) -> Page:
    """One page of library entries (LibraryEntry, ref, title, organisation, call title, district) with the
    filters, in two statements."""
    stmt = (select(LibraryEntry, Submission.ref, Submission.title, Organisation.name, Call.title,
                   Submission.community_district)
            .join(Submission, Submission.id == LibraryEntry.submission_id)
            .join(Organisation, Organisation.id == Submission.organisation_id)
            .join(Call, Call.id == LibraryEntry.call_id))
    if filters.call_id:
        stmt = stmt.where(LibraryEntry.call_id == filters.call_id)
    if filters.district:
        stmt = stmt.where(Submission.community_district == filters.district)
    if filters.min_score is not None:
        stmt = stmt.where(LibraryEntry.score_hundredths >= filters.min_score)
    if filters.status:
        stmt = stmt.where(LibraryEntry.status == filters.status)
    if filters.item or filters.category:
        items = select(SubmissionItem.submission_id).join(Item, Item.code == SubmissionItem.item_code)
        items = items.where(Item.code == filters.item) if filters.item else items.where(
            Item.category_code == filters.category)
        stmt = stmt.where(LibraryEntry.submission_id.in_(items))
    if filters.query.strip():
        typed = filters.query.strip()  # "%" and "_" match themselves
        stmt = stmt.where(or_(*(c.icontains(typed, autoescape=True) for c in (Submission.title, Organisation.name,
                                                                             Submission.ref))))
    stmt = stmt.order_by(Call.opens_at.desc(), LibraryEntry.score_hundredths.desc().nulls_last(), LibraryEntry.id)
    return paginate(session, stmt, page, per_page)


def calls_with_library(session: Session) -> list[Call]:
    return list(session.scalars(select(Call).where(Call.id.in_(select(LibraryEntry.call_id)))
                                .order_by(Call.opens_at.desc())))
