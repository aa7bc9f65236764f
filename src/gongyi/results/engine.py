"""A call's results: rounds and ranking, then matching funds, then the library pool (sections 4 to 8).

Composes rank.rank_submissions and allocate.allocate_pool into one row per submission,
with a ledger line for every pool a submission claimed on, enough to explain each fen.
Entries carry the counted raised amount R and the donors count (funding/counted.py computes
them from the funding lines) and whether the submission's funding is held.
Pure and exact; stdlib only.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Iterable

from gongyi.funding.allocate import (
    Claim,
    LibraryRules,
    MatchingRules,
    Share,
    allocate_pool,
    floor_fen,
    ratio_for_rank,
)
from gongyi.funding.counted import FundsRules
from gongyi.results.rank import Entry, Ranked, ReviewRules, RoundPlace, rank_submissions, round_half_up_2

CSV_COLUMNS = ("ref", "round", "complete_reviews", "aggregate", "rank", "outcome", "counted_raised", "donors",
               "matching", "library_grant")
OUTCOMES = ("matched", "library", "held", "not_shortlisted", "unranked")


@dataclass(frozen=True)
class LedgerLine:
    """How one submission's amount from one pool ("matching" or "library") came about.

    verified_raised_fen is the counted raised amount R (section 2; the key keeps its first name
    so that saved runs read the same). demand_fen is d (matching: floor_fen(ratio * R); library: requested), capped_fen is
    D = min(d, cap) (L for the library), pool_binding says sum D > pool so the policy
    applied, exact is the exact share, rounding_fen the +1 fen of the remainder step,
    water_level k for a binding water_fill, amount_fen the final amount.
    """

    pool: str
    ref: str
    rank: int
    verified_raised_fen: int
    requested_fen: int
    ratio: Fraction | None  # matching only
    demand_fen: int
    cap_fen: int | None
    capped_fen: int
    policy: str
    pool_fen: int
    total_capped_fen: int
    pool_binding: bool
    exact: Fraction
    water_level: Fraction | None
    rounding_fen: int
    amount_fen: int
    step: str

    def as_dict(self) -> dict[str, str | int | bool | None]:
        """JSON-safe form; exact numbers as "num/den" strings so that nothing is lost."""
        return {
            "pool": self.pool,
            "ref": self.ref,
            "rank": self.rank,
            "verified_raised_fen": self.verified_raised_fen,
            "requested_fen": self.requested_fen,
            "ratio": None if self.ratio is None else str(self.ratio),
            "demand_fen": self.demand_fen,
            "cap_fen": self.cap_fen,
            "capped_fen": self.capped_fen,
            "policy": self.policy,
            "pool_fen": self.pool_fen,
            "total_capped_fen": self.total_capped_fen,
            "pool_binding": self.pool_binding,
            "exact": str(self.exact),
            "water_level": None if self.water_level is None else str(self.water_level),
            "rounding_fen": self.rounding_fen,
            "amount_fen": self.amount_fen,
            "step": self.step,
        }


@dataclass(frozen=True)
class ResultRow:
    """One submission's result (section 7); ledger explains matching, library_ledger the library grant.

    round is the submission's round (the last it took part in) and complete_reviews, aggregate
    and rank are that round's; rounds holds its place in every round it took part in.
    """

    ref: str
    complete_reviews: int
    aggregate: Fraction | None
    rank: int | None
    shortlisted: bool
    outcome: str  # one of OUTCOMES
    counted_raised_fen: int  # R
    requested_fen: int
    matching_fen: int
    library_grant_fen: int
    ledger: LedgerLine | None
    library_ledger: LedgerLine | None
    round: str = "review"
    donors: int = 0
    held: bool = False
    rounds: tuple[RoundPlace, ...] = ()

    @property
    def aggregate_display(self) -> Decimal | None:
        """A rounded half-up to 2 decimals, for people; comparisons use the exact aggregate."""
        return None if self.aggregate is None else round_half_up_2(self.aggregate)


@dataclass(frozen=True)
class Results:
    """All rows in results.csv order (round, last first; rank; unranked by ref) and the pool totals."""

    rows: tuple[ResultRow, ...]
    matching_pool_fen: int
    matching_allocated_fen: int
    library_pool_fen: int
    library_allocated_fen: int


def _ledger(pool: str, claim: Claim, share: Share, entry: Entry, ratio: Fraction | None, total: int,
            pool_fen: int, cap_fen: int | None, policy: str) -> LedgerLine:
    return LedgerLine(
        pool=pool, ref=claim.ref, rank=claim.rank, verified_raised_fen=entry.raised_fen,
        requested_fen=entry.requested_fen, ratio=ratio, demand_fen=claim.demand_fen, cap_fen=cap_fen,
        capped_fen=claim.capped_fen, policy=policy, pool_fen=pool_fen, total_capped_fen=total,
        pool_binding=total > pool_fen, exact=share.exact, water_level=share.water_level,
        rounding_fen=share.rounding_fen, amount_fen=share.amount_fen, step=share.step,
    )


def _capped(demand: int, cap: int | None) -> int:
    return demand if cap is None else min(demand, cap)


def _outcome(r: Ranked, held: bool, matching_fen: int) -> str:
    if r.rank is None:
        return "unranked"
    if not r.shortlisted:
        return "not_shortlisted"
    if held:
        return "held"
    return "matched" if matching_fen > 0 else "library"


def _matching_claims(ranked: tuple[Ranked, ...], by_ref: dict[str, Entry], rules: MatchingRules,
                     min_donors: int) -> tuple[list[Claim], dict[str, Fraction]]:
    """Candidates (section 5): shortlisted, not held, rank <= award_top, at least min_donors
    donors; each claims d = floor_fen(ratio_for_its_rank * R), capped at the matching cap."""
    ratios: dict[str, Fraction] = {}
    claims: list[Claim] = []
    for r in ranked:
        entry = by_ref[r.ref]
        if r.shortlisted and not entry.held and r.rank is not None and r.rank <= rules.award_top \
                and entry.donors >= min_donors:
            ratios[r.ref] = ratio_for_rank(r.rank, rules)
            demand = floor_fen(ratios[r.ref] * entry.raised_fen)
            claims.append(Claim(r.ref, r.rank, demand, _capped(demand, rules.cap_fen)))
    return claims, ratios


def compute_results(
    entries: Iterable[Entry],
    review_rules: ReviewRules,
    matching_rules: MatchingRules,
    library_rules: LibraryRules,
    funds_rules: FundsRules | None = None,
) -> Results:
    """Rank; candidates claim matching; shortlisted ones that are not held and were left without
    matching claim L = min(requested, library cap) from the library pool (section 6); each pool
    is shared by its own policy. Without funds_rules nobody needs donors."""
    entries = tuple(entries)
    ranked = rank_submissions(entries, review_rules)  # refuses duplicate refs
    by_ref = {e.ref: e for e in entries}
    min_donors = funds_rules.min_donors if funds_rules is not None else 0
    matching_claims, ratios = _matching_claims(ranked, by_ref, matching_rules, min_donors)
    matching = allocate_pool(matching_claims, matching_rules.pool_fen, matching_rules.policy, matching_rules.cap_fen)
    library_claims = [
        Claim(r.ref, r.rank, by_ref[r.ref].requested_fen, _capped(by_ref[r.ref].requested_fen, library_rules.cap_fen))
        for r in ranked
        if r.shortlisted and not by_ref[r.ref].held and r.rank is not None
        and (r.ref not in matching or matching[r.ref].amount_fen == 0)
    ]
    library = allocate_pool(library_claims, library_rules.pool_fen, library_rules.policy, library_rules.cap_fen)

    matching_total = sum(c.capped_fen for c in matching_claims)
    library_total = sum(c.capped_fen for c in library_claims)
    matching_lines = {
        c.ref: _ledger("matching", c, matching[c.ref], by_ref[c.ref], ratios[c.ref], matching_total,
                       matching_rules.pool_fen, matching_rules.cap_fen, matching_rules.policy)
        for c in matching_claims
    }
    library_lines = {
        c.ref: _ledger("library", c, library[c.ref], by_ref[c.ref], None, library_total,
                       library_rules.pool_fen, library_rules.cap_fen, library_rules.policy)
        for c in library_claims
    }
    rows = []
    for r in ranked:
        entry = by_ref[r.ref]
        matching_fen = matching[r.ref].amount_fen if r.ref in matching else 0
        rows.append(ResultRow(
            ref=r.ref, complete_reviews=r.complete_reviews, aggregate=r.aggregate, rank=r.rank,
            shortlisted=r.shortlisted, outcome=_outcome(r, entry.held, matching_fen),
            counted_raised_fen=entry.raised_fen, requested_fen=entry.requested_fen, matching_fen=matching_fen,
            library_grant_fen=library[r.ref].amount_fen if r.ref in library else 0,
            ledger=matching_lines.get(r.ref), library_ledger=library_lines.get(r.ref),
            round=r.round, donors=entry.donors, held=entry.held, rounds=r.rounds,
        ))
    return Results(rows=tuple(rows), matching_pool_fen=matching_rules.pool_fen,
                   matching_allocated_fen=sum(s.amount_fen for s in matching.values()),
                   library_pool_fen=library_rules.pool_fen,
                   library_allocated_fen=sum(s.amount_fen for s in library.values()))


def _yuan(fen: int) -> str:
    """Whole fen as yuan with exactly 2 decimals: 123450 -> "1234.50"."""
    return f"{fen // 100}.{fen % 100:02d}"


def results_csv_rows(results: Results) -> list[dict[str, str]]:
    """The results.csv rows (section 8), keyed by CSV_COLUMNS, in the rows' order."""
    return [
        {
            "ref": row.ref,
            "round": row.round,
            "complete_reviews": str(row.complete_reviews),
            "aggregate": "" if row.aggregate_display is None else str(row.aggregate_display),
            "rank": "" if row.rank is None else str(row.rank),
            "outcome": row.outcome,
            "counted_raised": _yuan(row.counted_raised_fen),
            "donors": str(row.donors),
            "matching": _yuan(row.matching_fen),
            "library_grant": _yuan(row.library_grant_fen),
        }
        for row in results.rows
    ]


def round_place_dict(place: RoundPlace) -> dict[str, object]:
    """A round's place as JSON-safe data (exact numbers as "num/den" strings), for saved runs."""
    return {
        "round": place.round,
        "complete_reviews": place.complete_reviews,
        "panels": [{"panel": p.panel, "complete_reviews": p.complete_reviews,
                    "aggregate": None if p.aggregate is None else str(p.aggregate)} for p in place.panels],
        "aggregate": None if place.aggregate is None else str(place.aggregate),
        "rank": place.rank,
        "advanced": place.advanced,
    }
