"""Tranches (拨付): what each waits for, releasing one, stopping them after a failure, recoveries.

A release is decided once: the project's execution record and the tranche are locked
(`SELECT ... FOR UPDATE` on PostgreSQL) before the gate and the amounts are checked, and the
payment itself goes through funding.service.record_disbursement, which locks the run row and
refuses anything above the allocation, so two releases at once can never both pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.calls.models import Call
from gongyi.clock import utcnow
from gongyi.errors import N_
from gongyi.execution.gates import FAILED, PASSED, PENDING, GateState, Verdict, check_recovery, check_release, tranche_verdict
from gongyi.execution.models import Evaluation, ExecutionRecord, Recovery, Tranche
from gongyi.execution.records import ExecutionError, paid_fen, read_date, recovered_fen
from gongyi.funding.service import record_disbursement
from gongyi.money import MoneyError, fen_to_str, parse_yuan
from gongyi.results.models import Run
from gongyi.submissions.models import Submission

STOPPED_BY = {"midterm": ("midterm", "final"), "final": ("final",)}


def gate_state(session: Session, rec: ExecutionRecord) -> GateState:
    """What the gates read: the agreement and each evaluation's result (confirmed, or pending)."""
    return state_of(rec, session.scalars(select(Evaluation).where(Evaluation.execution_id == rec.id)))


def state_of(rec: ExecutionRecord, found: Iterable[Evaluation]) -> GateState:
    results: dict[str, str | None] = {"midterm": None, "final": None}
    for evaluation in found:
        if evaluation.status == "confirmed":
            results[evaluation.kind] = PASSED if evaluation.passed else FAILED
        elif evaluation.status in ("submitted", "published"):
            results[evaluation.kind] = PENDING
    return GateState(signed=rec.signed_on is not None and rec.agreement_name is not None, **results)


@dataclass(frozen=True)
class TrancheLine:
    tranche: Tranche
    verdict: Verdict

    @property
    def status(self) -> str:
        """As shown: stopped when a failed evaluation stopped it, even before it was marked so."""
        if self.tranche.status == "scheduled" and self.verdict.stopped:
            return "stopped"
        return self.tranche.status


@dataclass(frozen=True)
class Schedule:
    allocated_fen: int
    paid_fen: int
    recovered_fen: int
    lines: list[TrancheLine]

    @property
    def next_due(self) -> TrancheLine | None:
        """The first tranche still to be paid, with what it waits for."""
        return next((line for line in self.lines if line.status == "scheduled"), None)

    @property
    def left_fen(self) -> int:
        return self.allocated_fen - self.paid_fen


def schedule_of(session: Session, rec: ExecutionRecord) -> Schedule:
    return schedule_from(rec, gate_state(session, rec), paid_fen(session, rec), recovered_fen(session, rec))


def schedule_from(rec: ExecutionRecord, state: GateState, paid: int, recovered: int) -> Schedule:
    """The schedule from what was read already (lists read it for many records at once)."""
    lines = [TrancheLine(t, tranche_verdict(t.gate, state)) for t in rec.tranches]
    return Schedule(rec.allocated_fen, paid, recovered, lines)


def _locked(session: Session, model: Any, row_id: int) -> Any:
    return session.scalar(select(model).where(model.id == row_id).with_for_update()
                          .execution_options(populate_existing=True))


def release_tranche(session: Session, actor: Any, tranche: Tranche, *, paid_on: str | date,
                    reference: str) -> Tranche:
    """Release a tranche whose gate is met, in schedule order, never above what is left of the allocation."""
    rec = _locked(session, ExecutionRecord, tranche.execution_id)
    tranche = _locked(session, Tranche, tranche.id)
    if tranche.status == "released":
        raise ExecutionError(N_("第 %(n)s 期已经拨付"), "tranche", n=tranche.position)
    verdict = tranche_verdict(tranche.gate, gate_state(session, rec))
    if tranche.status == "stopped" or verdict.stopped:
        raise ExecutionError(verdict.reason if verdict.stopped else N_("该期拨付已停止"), "tranche")
    if not verdict.met:
        raise ExecutionError(verdict.reason, "tranche")
    if any(t.position < tranche.position and t.status == "scheduled" for t in rec.tranches):
        raise ExecutionError(N_("请按顺序拨付：前面还有未拨付的一期"), "tranche")
    check_release(rec.allocated_fen, paid_fen(session, rec), tranche.amount_fen)
    call = session.get(Call, rec.call_id)
    run = session.get(Run, rec.run_id)
    ref = session.scalar(select(Submission.ref).where(Submission.id == rec.submission_id))
    payment = record_disbursement(session, actor, call, run, pool=rec.pool, ref=ref,
                                  amount=fen_to_str(tranche.amount_fen), paid_on=paid_on, reference=reference)
    tranche.status, tranche.disbursement_id = "released", payment.id
    tranche.released_at, tranche.released_by_id = utcnow(), getattr(actor, "id", None)
    if all(t.status == "released" for t in rec.tranches):
        rec.status = "completed"
    session.flush()
    record(session, actor, "tranche.release", tranche, execution=rec.id, ref=ref, position=tranche.position,
           gate=tranche.gate, amount_fen=tranche.amount_fen, reference=payment.reference)
    return tranche


def stop_after_failure(session: Session, actor: Any, rec: ExecutionRecord, kind: str) -> list[Tranche]:
    """A confirmed failed evaluation stops the tranches gated on it and on later evaluations."""
    stopped = []
    for tranche in rec.tranches:
        if tranche.status == "scheduled" and tranche.gate in STOPPED_BY[kind]:
            tranche.status = "stopped"
            tranche.stopped_reason = (N_("中期评估未通过，后续拨付已停止") if kind == "midterm"
                                      else N_("结项评估未通过，尾款拨付已停止"))
            stopped.append(tranche)
            record(session, actor, "tranche.stop", tranche, execution=rec.id, position=tranche.position,
                   gate=tranche.gate, because=kind)
    rec.status = "stopped"
    session.flush()
    record(session, actor, "execution.stop", rec, because=kind)
    return stopped


def record_recovery(session: Session, actor: Any, rec: ExecutionRecord, *, amount: str, reason: str,
                    recovered_on: str | date) -> Recovery:
    """Record money already paid and recovered (追回), with the reason; never more than was paid and kept."""
    rec = _locked(session, ExecutionRecord, rec.id)
    try:
        amount_fen = parse_yuan(amount or "")
    except MoneyError as exc:
        raise ExecutionError(exc.message, "amount", **exc.params) from None
    reason = (reason or "").strip()
    if not reason:
        raise ExecutionError(N_("请填写追回原因"), "reason")
    day = read_date(recovered_on, "recovered_on")
    check_recovery(paid_fen(session, rec), recovered_fen(session, rec), amount_fen)
    recovery = Recovery(execution_id=rec.id, amount_fen=amount_fen, reason=reason, recovered_on=day,
                        recorded_by_id=getattr(actor, "id", None))
    session.add(recovery)
    session.flush()
    record(session, actor, "recovery.record", recovery, execution=rec.id, amount_fen=amount_fen, reason=reason)
    return recovery


def recoveries(session: Session, rec: ExecutionRecord) -> list[Recovery]:
    return list(session.scalars(select(Recovery).where(Recovery.execution_id == rec.id)
                                .order_by(Recovery.recovered_on, Recovery.id)))
