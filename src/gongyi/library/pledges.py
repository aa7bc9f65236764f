"""Pledge limits: what a project still needs, and whether a pledge fits in it. Pure.

A project's need is what it requested; public money it received (matching and library grants of
the final results) and confirmed pledges reduce it. A pledge is never above what the project still
needs, unless the administrator allows it when confirming.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    requested_fen: int
    public_fen: int  # matching + library grant of the final results
    pledged_fen: int  # confirmed pledges

    @property
    def remaining_fen(self) -> int:
        return max(0, self.requested_fen - self.public_fen - self.pledged_fen)

    @property
    def covered(self) -> bool:
        return self.remaining_fen == 0


def pledge_problem(amount_fen: int, need: Need, *, allow_over: bool = False) -> str | None:
    """"not_positive", "over_need" or None when the pledge fits."""
    if amount_fen <= 0:
        return "not_positive"
    if amount_fen > need.remaining_fen and not allow_over:
        return "over_need"
    return None
