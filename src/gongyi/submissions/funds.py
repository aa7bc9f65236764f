"""Totals of a submission's declared funds (募得社会资金). Only verified lines count (spec §2)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol


class _Line(Protocol):
    amount_fen: int
    status: str


@dataclass(frozen=True)
class FundTotals:
    declared_fen: int
    verified_fen: int
    pending_fen: int
    rejected_fen: int


def funding_totals(lines: Iterable[_Line]) -> FundTotals:
    by_status = {"verified": 0, "pending": 0, "rejected": 0}
    for line in lines:
        by_status[line.status] += line.amount_fen
    return FundTotals(sum(by_status.values()), by_status["verified"], by_status["pending"], by_status["rejected"])
