"""Funding sources and leverage across calls, over plain data. Pure.

For each project of a call: its verified funds by source (pledged funds apart), the counted raised
funds R of the final results, matching and library money, and confirmed pledges. A call's
leverage is the social money drawn per yuan of public money:

    counted leverage  = R of the projects that received public money / (matching + library)
    with pledges      = (that R + confirmed pledges to the call's projects) / (matching + library)

Both are None when the call gave no public money. Library money an administrator granted later from
a call's library pool counts as that call's public money (library/figures.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable


@dataclass(frozen=True)
class ProjectFunds:
    call_id: int
    submission_id: int
    by_source: dict[str, int]  # verified funding lines, pledged ones excluded
    counted_fen: int  # R in the final results
    matching_fen: int
    library_fen: int
    pledged_fen: int  # confirmed pledges

    @property
    def public_fen(self) -> int:
        return self.matching_fen + self.library_fen


@dataclass
class CallFunds:
    projects: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    counted_fen: int = 0  # R of the projects that received public money
    matching_fen: int = 0
    library_fen: int = 0
    pledged_fen: int = 0

    @property
    def public_fen(self) -> int:
        return self.matching_fen + self.library_fen

    @property
    def leverage(self) -> Fraction | None:
        return Fraction(self.counted_fen, self.public_fen) if self.public_fen else None

    @property
    def leverage_with_pledges(self) -> Fraction | None:
        return Fraction(self.counted_fen + self.pledged_fen, self.public_fen) if self.public_fen else None


def call_funds(projects: Iterable[ProjectFunds]) -> dict[int, CallFunds]:
    """Each call's totals (call id -> CallFunds), from its projects' rows."""
    calls: dict[int, CallFunds] = {}
    for p in projects:
        c = calls.setdefault(p.call_id, CallFunds())
        c.projects += 1
        for source, amount in p.by_source.items():
            c.by_source[source] = c.by_source.get(source, 0) + amount
        if p.public_fen > 0:
            c.counted_fen += p.counted_fen
        c.matching_fen += p.matching_fen
        c.library_fen += p.library_fen
        c.pledged_fen += p.pledged_fen
    return calls
