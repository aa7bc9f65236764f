"""Tranches (拨付), their gates, recoveries and the disclosure figures. Pure: plain data, whole fen.

A funded project's allocation (its matching or library grant in the final results) is paid in
tranches, each gated on a condition: the agreement signed, a passed mid-term evaluation, a passed
final evaluation. An evaluation counts once its result is confirmed: published, its publicity
window over and no objection to it pending. A failed evaluation stops the tranches gated on it
and on every later evaluation. The sum of what is paid never exceeds the allocation; money
already paid may be recovered (追回), never more than was paid and not recovered yet.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from gongyi.errors import N_, UserError
from gongyi.money import format_fen

# The usual schedule: half on signing, 30% after a passed mid-term, 20% after a passed final evaluation.
DEFAULT_SCHEDULE: tuple[tuple[str, int], ...] = (("signing", 50), ("midterm", 30), ("final", 20))
GATE_ORDER = ("signing", "midterm", "final")
# What an evaluation's result is, as the gates read it.
PENDING, PASSED, FAILED = "pending", "passed", "failed"


class GateError(UserError):
    pass


def split_allocation(allocated_fen: int, shares: Sequence[int]) -> list[int]:
    """The tranche amounts of `allocated_fen` in whole fen for percentage `shares` (summing to 100):
    each tranche gets its share rounded down, the last one the fen left over, so they add up exactly."""
    if allocated_fen < 0:
        raise ValueError("an allocation is never negative")
    if not shares or sum(shares) != 100 or any(s <= 0 for s in shares):
        raise GateError(N_("各期比例须为正整数，合计为 100"), "schedule")
    amounts = [allocated_fen * s // 100 for s in shares[:-1]]
    return amounts + [allocated_fen - sum(amounts)]


def parse_schedule(text: str) -> list[tuple[str, int]]:
    """A schedule as typed: "signing:50, midterm:30, final:20" (gates in order, each at most once)."""
    schedule: list[tuple[str, int]] = []
    for part in (p.strip() for p in (text or "").replace("，", ",").split(",")):
        if not part:
            continue
        gate, _, share = part.partition(":")
        gate, share = gate.strip(), share.strip()
        if gate not in GATE_ORDER:
            raise GateError(N_("未知的拨付条件：%(gate)s"), "schedule", gate=gate)
        if not share.isdigit() or not share.isascii():
            raise GateError(N_("比例须为整数百分比：%(share)s"), "schedule", share=share)
        schedule.append((gate, int(share)))
    gates = [g for g, _ in schedule]
    if len(set(gates)) != len(gates) or gates != sorted(gates, key=GATE_ORDER.index):
        raise GateError(N_("每个拨付条件最多一期，并按 签订协议、中期评估、结项评估 的顺序排列"), "schedule")
    split_allocation(0, [s for _, s in schedule])  # the shares' own check
    return schedule


@dataclass(frozen=True)
class GateState:
    """What the gates read: whether the agreement is signed, and each evaluation's confirmed result
    (None when there is none yet, PENDING while it awaits publication, its window or an answer)."""

    signed: bool
    midterm: str | None = None
    final: str | None = None


@dataclass(frozen=True)
class Verdict:
    met: bool
    stopped: bool
    reason: str  # msgid: why the tranche may be released, waits, or is stopped


def tranche_verdict(gate: str, state: GateState) -> Verdict:
    """Whether a tranche gated on `gate` may be released now, must wait, or is stopped."""
    if gate not in GATE_ORDER:
        raise ValueError(f"unknown gate {gate!r}")
    if gate != "signing" and state.midterm == FAILED:
        return Verdict(False, True, N_("中期评估未通过，后续拨付已停止"))
    if gate == "final" and state.final == FAILED:
        return Verdict(False, True, N_("结项评估未通过，尾款拨付已停止"))
    if not state.signed:
        return Verdict(False, False, N_("签订协议后才能拨付"))
    if gate == "signing":
        return Verdict(True, False, N_("协议已签订"))
    result = state.midterm if gate == "midterm" else state.final
    if result == PASSED:
        return Verdict(True, False, N_("中期评估已通过") if gate == "midterm" else N_("结项评估已通过"))
    if result == PENDING:
        return Verdict(False, False, N_("评估结果公示期满且异议全部答复后才能拨付"))
    return Verdict(False, False, N_("中期评估通过后才能拨付") if gate == "midterm" else N_("结项评估通过后才能拨付"))


def check_release(allocated_fen: int, paid_fen: int, amount_fen: int) -> None:
    """Refuse a payment that would take what was paid above the allocation (or is not positive)."""
    if amount_fen <= 0:
        raise GateError(N_("金额必须大于零"), "amount")
    if paid_fen + amount_fen > allocated_fen:
        raise GateError(N_("超出该项目分配额的剩余部分：分配 ¥%(allocated)s，已拨付 ¥%(paid)s"), "amount",
                        allocated=format_fen(allocated_fen), paid=format_fen(paid_fen))


def check_recovery(paid_fen: int, recovered_fen: int, amount_fen: int) -> None:
    """Refuse a recovery that is not positive or exceeds what was paid and not recovered yet."""
    if amount_fen <= 0:
        raise GateError(N_("金额必须大于零"), "amount")
    if recovered_fen + amount_fen > paid_fen:
        raise GateError(N_("追回金额不能超过已拨付且未追回的部分"), "amount")


@dataclass(frozen=True)
class LineFigure:
    what: str
    planned_fen: int
    spent_fen: int


@dataclass(frozen=True)
class IndicatorFigure:
    name: str
    unit: str
    target: int
    reached: int


@dataclass(frozen=True)
class Disclosure:
    """A funded project's money trail, as the public disclosure page shows it."""

    allocated_fen: int
    paid_fen: int
    recovered_fen: int
    lines: tuple[LineFigure, ...]
    indicators: tuple[IndicatorFigure, ...]

    @property
    def spent_fen(self) -> int:
        return sum(line.spent_fen for line in self.lines)

    @property
    def net_paid_fen(self) -> int:
        """Paid and kept: what was paid less what was recovered."""
        return self.paid_fen - self.recovered_fen

    @property
    def unspent_fen(self) -> int:
        """Paid, kept and not (yet) reported as spent; never below zero (spending may exceed it)."""
        return max(0, self.net_paid_fen - self.spent_fen)

    @property
    def unpaid_fen(self) -> int:
        """Allocated and not paid (yet, or ever, when a tranche was stopped)."""
        return self.allocated_fen - self.paid_fen


def disclose(allocated_fen: int, paid: Iterable[int], recovered: Iterable[int],
             lines: Iterable[tuple[str, int, Iterable[int]]],
             indicators: Iterable[tuple[str, str, int, Iterable[int]]]) -> Disclosure:
    """The figures from the raw amounts: payments, recoveries, budget lines (what, planned, the
    accepted reports' spending on it) and indicators (name, unit, target, accepted reports' figures)."""
    return Disclosure(
        allocated_fen, sum(paid), sum(recovered),
        tuple(LineFigure(what, planned, sum(spent)) for what, planned, spent in lines),
        tuple(IndicatorFigure(name, unit, target, sum(values)) for name, unit, target, values in indicators),
    )


def over_budget(planned_fen: int, spent_before_fen: int, amount_fen: int) -> bool:
    """Whether spending `amount_fen` on a budget line takes it above what was planned."""
    return spent_before_fen + amount_fen > planned_fen
