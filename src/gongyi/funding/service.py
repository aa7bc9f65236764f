"""Funding pools of a call (matching and library): totals, allocations, disbursements."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.calls.models import Call
from gongyi.calls.workflow import allows
from gongyi.clock import china_date
from gongyi.errors import N_, UserError, UserErrors
from gongyi.funding.models import Disbursement
from gongyi.funding.vocab import POOLS
from gongyi.library.grants import GRANTED, committed_fen, library_fen
from gongyi.library.models import LibraryEntry
from gongyi.money import MoneyError, format_fen, parse_yuan
from gongyi.results.models import Run, RunRow
from gongyi.funding.sources import FUND_SOURCES
from gongyi.submissions.models import FundingLine, Submission


class FundingError(UserError):
    pass


@dataclass(frozen=True)
class PoolStatus:
    pool: str
    total_fen: int
    allocated_fen: int
    disbursed_fen: int

    @property
    def balance_fen(self) -> int:
        """What is left in the pool after the disbursements so far."""
        return self.total_fen - self.disbursed_fen

    @property
    def undisbursed_fen(self) -> int:
        """Allocated but not yet paid out."""
        return self.allocated_fen - self.disbursed_fen


def pool_status(session: Session, call: Call, run: Run | None) -> list[PoolStatus]:
    """Both pools: totals and allocations from `run` (the results in force, and the library pool's grants),
    disbursed from the ledger of payments."""
    disbursed = dict(session.execute(
        select(Disbursement.pool, func.sum(Disbursement.amount_fen)).where(Disbursement.call_id == call.id)
        .group_by(Disbursement.pool)).all())
    rules = run.rules if run is not None else call.rules
    # The library pool's allocation counts what administrators granted from it to carried entries,
    # as its balance does (library.entries.pool_balance).
    return [
        PoolStatus("matching", parse_yuan(rules["matching"]["pool"]), run.matching_allocated_fen if run else 0,
                   int(disbursed.get("matching", 0))),
        PoolStatus("library", parse_yuan(rules["library"]["pool"]),
                   run.library_allocated_fen + committed_fen(session, call.id) if run else 0,
                   int(disbursed.get("library", 0))),
    ]


def can_disburse(call: Call, run: Run | None) -> bool:
    """Payments are made out of the final results only, once they are published."""
    return run is not None and run.published == "final" and allows(call, "disburse")


def _read_payment(session: Session, call: Call, ref: str, amount: str, paid_on: str | date) -> tuple[int, int, date]:
    """The project, amount (fen) and day of a payment as typed on the pools page; every problem at once."""
    problems: list[UserError] = []
    amount_fen = day = None
    try:
        amount_fen = parse_yuan(amount or "")
    except MoneyError as exc:
        problems.append(FundingError(exc.message, "amount", **exc.params))
    try:
        day = paid_on if isinstance(paid_on, date) else date.fromisoformat(paid_on or "")
    except ValueError:
        problems.append(FundingError(N_("请填写日期"), "paid_on"))
    ref = (ref or "").strip()
    granted_here = select(LibraryEntry.submission_id).where(LibraryEntry.call_id == call.id, GRANTED)
    submission_id = session.scalar(  # the call's own project of that ref, else one carried in and granted
        select(Submission.id).where(Submission.ref == ref, (Submission.call_id == call.id) | Submission.id.in_(granted_here))
        .order_by(Submission.call_id != call.id).limit(1))
    if submission_id is None:
        problems.append(FundingError(N_("没有编号为 %(ref)s 的项目"), "ref", ref=ref))
    if problems:
        raise UserErrors(problems)
    return submission_id, amount_fen, day


def record_disbursement(session: Session, actor: Any, call: Call, run: Run, *, pool: str, ref: str,
                        amount: str, paid_on: str | date, reference: str) -> Disbursement:
    """Record a tranche paid to project `ref` out of the final results (`run`, published as final);
    a project is never paid more than it was allocated there (with, from the library pool, what
    administrators granted it since: a project carried in from an earlier edition is paid its grant
    here), nor before they were published.

    `amount` is in yuan and `paid_on` a date or YYYY-MM-DD, as typed on the pools page.
    """
    if not can_disburse(call, run):
        raise FundingError(N_("最终结果发布之后才能拨付"), "amount")
    submission_id, amount_fen, paid_on = _read_payment(session, call, ref, amount, paid_on)
    if run.published_at is not None and paid_on < china_date(run.published_at):
        raise FundingError(N_("拨付日期不能早于最终结果发布日期"), "paid_on")
    if pool not in POOLS:
        raise FundingError(N_("资金池无效"), "pool")
    if amount_fen <= 0:
        raise FundingError(N_("金额必须大于零"), "amount")
    if not (reference or "").strip():
        raise FundingError(N_("请填写凭证号或说明"), "reference")
    allocated = _allocated(session, call, run, pool, submission_id)
    if allocated is None:
        raise FundingError(N_("该项目不在本次结果中"), "ref")
    paid = session.scalar(select(func.coalesce(func.sum(Disbursement.amount_fen), 0)).where(
        Disbursement.call_id == call.id, Disbursement.pool == pool, Disbursement.submission_id == submission_id)) or 0
    paid = int(paid)
    if paid + amount_fen > allocated:
        raise FundingError(N_("超出该项目的分配额：已拨付 ¥%(paid)s，分配 ¥%(allocated)s"), "amount",
                           paid=format_fen(paid), allocated=format_fen(allocated))
    tranche = Disbursement(call_id=call.id, submission_id=submission_id, pool=pool, amount_fen=amount_fen,
                           paid_on=paid_on, reference=reference.strip(), created_by_id=getattr(actor, "id", None))
    session.add(tranche)
    session.flush()
    record(session, actor, "disbursement.record", tranche, call=call.slug, ref=ref.strip(), pool=pool, amount_fen=amount_fen)
    return tranche


def _allocated(session: Session, call: Call, run: Run, pool: str, submission_id: int) -> int | None:
    """What the project may be paid from the call's `pool` in all, or None when it has nothing there:
    its row's allocation in `run`, and from the library pool what administrators granted it since
    (library/grants.py; a carried project has only that). Its row and its granted entry are locked,
    so that two payments at once cannot both pass the check."""
    row = session.scalar(select(RunRow).where(RunRow.run_id == run.id, RunRow.submission_id == submission_id)
                         .with_for_update())
    if pool == "matching":
        return row.matching_fen if row is not None else None
    entry = session.scalar(select(LibraryEntry.id).where(LibraryEntry.call_id == call.id,
                                                         LibraryEntry.submission_id == submission_id, GRANTED)
                           .with_for_update())
    if row is None and entry is None:
        return None
    own = {submission_id: row.library_grant_fen} if row is not None else {}
    return library_fen(session, own, call_id=call.id).get(submission_id, 0)


def disbursements(session: Session, call: Call) -> list[tuple[Disbursement, str | None]]:
    return list(session.execute(
        select(Disbursement, Submission.ref).outerjoin(Submission, Submission.id == Disbursement.submission_id)
        .where(Disbursement.call_id == call.id).order_by(Disbursement.paid_on, Disbursement.id)).all())


def record_pledged_funds(session: Session, actor: Any, submission: Submission, *, source: str, donor: str,
                         amount_fen: int, received_on: date, pledge_id: int) -> Any:
    """A confirmed pledge as a verified funding line of the project (audited); the pledge's checks
    (library.cofunders.confirm_pledge) come first."""
    if source not in FUND_SOURCES or amount_fen <= 0:
        raise ValueError("a pledged line needs a fund source and a positive amount")
    line = FundingLine(submission_id=submission.id, source=source, donor=donor[:200], amount_fen=amount_fen,
                       received_on=received_on, status="verified")
    session.add(line)
    session.flush()
    record(session, actor, "funding_line.pledged", line, ref=submission.ref, source=source, donor=line.donor,
           amount_fen=amount_fen, pledge=pledge_id)
    return line
