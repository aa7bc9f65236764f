"""What happens to a library entry from one edition to the next, and after revised final results. Pure.

An entry enters its edition's library from the final results (outcome "library"): funded when it
received a library grant, else waiting. The administrator carries waiting entries into the next
edition's library with the scores they had; an entry that has already spent `expires_after`
editions in the library expires instead. Revised final results (a matched project withdrew) may
move an entry up to matching, or show its own withdrawal.
"""
from __future__ import annotations

from gongyi.library.vocab import OPEN_STATUSES

CARRY, EXPIRE, KEEP = "carry", "expire", "keep"
# Statuses by which an entry leaves the library: its project withdrew or was matched after all.
LEAVING = ("withdrawn", "matched")


def entry_status(library_grant_fen: int) -> str:
    """The status of an entry entering the library from final results."""
    return "funded" if library_grant_fen > 0 else "waiting"


def carry_decision(status: str, editions: int, expires_after: int) -> str:
    """carry, expire or keep (entries no longer waiting for funds stay as they are).

    `editions`: editions the entry has spent in the library so far, the current one included.
    """
    if expires_after < 1 or editions < 1:
        raise ValueError("expires_after and editions start at 1")
    if status not in OPEN_STATUSES:
        return KEEP
    return EXPIRE if editions >= expires_after else CARRY


def revised_status(status: str, outcome: str | None, library_grant_fen: int, withdrawn: bool) -> str:
    """An entry's status after revised final results of its own edition: `outcome` is its row's
    outcome there (None when the run no longer has it)."""
    if withdrawn or outcome is None:
        return "withdrawn"
    if outcome == "matched":
        return "matched"
    if outcome == "library" and library_grant_fen > 0:
        return "funded"
    if outcome == "library":
        return status if status in ("waiting", "adopted") else "waiting"
    return "withdrawn"


def score_hundredths(aggregate_display: str | None) -> int | None:
    """The displayed aggregate ("87.50") in hundredths, for searching by score."""
    if not aggregate_display:
        return None
    whole, _, part = aggregate_display.partition(".")
    if not (whole.isascii() and whole.isdigit()) or not (part == "" or (part.isascii() and part.isdigit())):
        return None
    return int(whole) * 100 + int((part + "00")[:2])


def pool_grant_problem(amount_fen: int, requested_fen: int, covered_fen: int, pool_left_fen: int) -> str | None:
    """Why an administrator may not fund a waiting entry with `amount_fen` from its edition's
    library pool, or None when it fits: "not_positive", "over_request" (above what the project
    requested), "over_need" (above what it still needs once `covered_fen`, public money and
    confirmed pledges, is counted) or "over_pool" (above what the edition's final results left of
    the pool and earlier grants have not spent; the engine's own allocation comes first, spec §6)."""
    if amount_fen <= 0:
        return "not_positive"
    if amount_fen > requested_fen:
        return "over_request"
    if amount_fen > max(0, requested_fen - covered_fen):
        return "over_need"
    if amount_fen > pool_left_fen:
        return "over_pool"
    return None
