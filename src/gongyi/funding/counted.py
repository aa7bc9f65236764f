"""Which raised funds count, and how much (competition-rules.md section 2). Pure and exact.

A funding line counts when it is `verified` and its source is one of the call's counted
sources (government money is public money, not social funds raised). Lines are grouped by
donor key; a donor counts for at most the donor cap. R is the sum over donors, and the donors
count is the number of keys whose counted amount is above 0.

Besides R and the donors count, `count_funds` says for every line how much of it counted and
why not all of it, so that a ledger can read "¥200,000 from 腾讯 counted as ¥50,000: donor
cap". Within one donor the lines use up the cap in the order they are given (the funds page
lists them in the order they were entered); R and the donors count do not depend on that order.
Stdlib only (and the vocabulary in funding/sources.py).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable

from gongyi.funding.sources import FUND_SOURCES, FUND_STATUSES

COUNTED_BY_DEFAULT = ("enterprise", "individual", "foundation", "other")

# Why a line counts for less than its amount (or "counted" when it counts in full).
COUNTED = "counted"
OVER_DONOR_CAP = "over_donor_cap"
SOURCE_NOT_COUNTED = "source_not_counted"
PENDING = "pending"
REJECTED = "rejected"
REASONS = (COUNTED, OVER_DONOR_CAP, SOURCE_NOT_COUNTED, PENDING, REJECTED)


def donor_key(donor: str) -> str:
    """The donor as the rules compare donors: NFKC (full-width letters and digits become
    half-width, the ideographic space a plain one), then trimmed with every run of white space
    (as Python's str.isspace knows it) made one space, then case-folded. "" is the anonymous donor."""
    return " ".join(unicodedata.normalize("NFKC", donor).split()).casefold()


def _whole_fen(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class FundsRules:
    """The `[funds]` settings of a call, with the spec's defaults."""

    counted_sources: frozenset[str] = frozenset(COUNTED_BY_DEFAULT)
    donor_cap_fen: int | None = None  # per donor, per submission; above 0
    min_donors: int = 0  # matching candidates need at least this many donors (section 5)

    def __post_init__(self) -> None:
        if not self.counted_sources or not set(self.counted_sources) <= set(FUND_SOURCES):
            raise ValueError(f"counted_sources must be a non-empty set of {', '.join(FUND_SOURCES)}")
        if self.donor_cap_fen is not None and (not _whole_fen(self.donor_cap_fen) or self.donor_cap_fen == 0):
            raise ValueError("donor cap must be a whole number of fen above 0, or None")
        if not _whole_fen(self.min_donors):
            raise ValueError("min_donors must be a whole number, at least 0")


@dataclass(frozen=True)
class FundLine:
    """One funding line as declared: source, donor text, amount in fen, verification status."""

    source: str
    donor: str
    amount_fen: int
    status: str

    def __post_init__(self) -> None:
        if self.source not in FUND_SOURCES:
            raise ValueError(f"source must be one of {', '.join(FUND_SOURCES)}, not {self.source!r}")
        if self.status not in FUND_STATUSES:
            raise ValueError(f"status must be one of {', '.join(FUND_STATUSES)}, not {self.status!r}")
        if not _whole_fen(self.amount_fen):
            raise ValueError("amount must be a whole number of fen, at least 0")


@dataclass(frozen=True)
class LineCount:
    """How much of one line counted towards R (counted_fen) and why (one of REASONS).

    over_donor_cap: the donor's earlier lines had used up some or all of the cap, so only
    counted_fen (possibly 0) of this line counts.
    """

    donor_key: str
    amount_fen: int
    counted_fen: int
    reason: str


@dataclass(frozen=True)
class CountedFunds:
    raised_fen: int  # R
    donors: int  # donor keys whose counted amount is above 0
    lines: tuple[LineCount, ...]  # one per line, in the order given


def count_funds(lines: Iterable[FundLine], rules: FundsRules) -> CountedFunds:
    """R, the donors count and each line's counted portion for one submission's funding lines."""
    by_donor: dict[str, int] = {}
    counts = []
    for line in lines:
        key = donor_key(line.donor)
        if line.status != "verified":
            counts.append(LineCount(key, line.amount_fen, 0, PENDING if line.status == "pending" else REJECTED))
            continue
        if line.source not in rules.counted_sources:
            counts.append(LineCount(key, line.amount_fen, 0, SOURCE_NOT_COUNTED))
            continue
        so_far = by_donor.get(key, 0)
        counted = line.amount_fen
        if rules.donor_cap_fen is not None:
            counted = min(counted, rules.donor_cap_fen - so_far)
        by_donor[key] = so_far + counted
        counts.append(LineCount(key, line.amount_fen, counted, COUNTED if counted == line.amount_fen else OVER_DONOR_CAP))
    return CountedFunds(
        raised_fen=sum(by_donor.values()),
        donors=sum(1 for amount in by_donor.values() if amount > 0),
        lines=tuple(counts),
    )
