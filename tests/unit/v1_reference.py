"""Version 1 of ranking and results, kept as it was before rounds, panels, counted funds and
holds existed, for one property: a version-2 call with one round, one panel, all five sources
counted, no donor cap and no minimum donors gives exactly these results.

R is the sum of verified lines; entries are (ref, complete totals, R, submitted_at, requested).
Aggregates, display rounding and pool sharing did not change and come from the app.
"""
from __future__ import annotations

from datetime import datetime, timezone
from fractions import Fraction

from gongyi.funding.allocate import Claim, LibraryRules, MatchingRules, allocate_pool, floor_fen, ratio_for_rank
from gongyi.results.rank import ReviewRules, aggregate_score

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _key(aggregate: Fraction, raised: int, at: datetime, breakers: tuple[str, ...]) -> tuple:
    micro = (at - EPOCH).days * 86_400_000_000 + (at - EPOCH).seconds * 1_000_000 + (at - EPOCH).microseconds
    values = {"raised_desc": -raised, "raised_asc": raised, "submitted_asc": micro, "submitted_desc": -micro}
    return (-aggregate, *(values[b] for b in breakers))


def v1_rank(entries, rules: ReviewRules) -> list[tuple[str, int, Fraction | None, int | None, bool]]:
    """(ref, n, A, rank, shortlisted): ranked ones by rank then ref, then unranked ones by ref."""
    ranked, unranked = [], []
    for ref, totals, raised, at, _ in entries:
        aggregate = aggregate_score(totals, rules.aggregate, rules.trim_from)
        if aggregate is not None and len(totals) >= rules.min_reviews:
            ranked.append((_key(aggregate, raised, at, rules.tie_breakers), ref, len(totals), aggregate))
        else:
            unranked.append((ref, len(totals), aggregate, None, False))
    ranked.sort(key=lambda item: (item[0], item[1]))
    placed, rank = [], 0
    for position, (key, ref, n, aggregate) in enumerate(ranked):
        if position == 0 or key != ranked[position - 1][0]:
            rank = position + 1
        shortlisted = aggregate >= rules.shortlist_min_score and (rules.shortlist_size == 0 or rank <= rules.shortlist_size)
        placed.append((ref, n, aggregate, rank, shortlisted))
    return placed + sorted(unranked)


def v1_results(entries, review: ReviewRules, matching: MatchingRules, library: LibraryRules) -> list[tuple]:
    """(ref, n, A, rank, outcome, R, matching, library grant) per submission, in results order."""
    by_ref = {e[0]: e for e in entries}
    places = v1_rank(entries, review)
    claims = []
    for ref, _, _, rank, shortlisted in places:
        if shortlisted and rank <= matching.award_top:
            demand = floor_fen(ratio_for_rank(rank, matching) * by_ref[ref][2])
            claims.append(Claim(ref, rank, demand, demand if matching.cap_fen is None else min(demand, matching.cap_fen)))
    paid = allocate_pool(claims, matching.pool_fen, matching.policy, matching.cap_fen)
    wants = [Claim(ref, rank, by_ref[ref][4], by_ref[ref][4] if library.cap_fen is None else min(by_ref[ref][4], library.cap_fen))
             for ref, _, _, rank, shortlisted in places if shortlisted and (ref not in paid or paid[ref].amount_fen == 0)]
    granted = allocate_pool(wants, library.pool_fen, library.policy, library.cap_fen)
    rows = []
    for ref, n, aggregate, rank, shortlisted in places:
        m = paid[ref].amount_fen if ref in paid else 0
        outcome = "unranked" if rank is None else "not_shortlisted" if not shortlisted else "matched" if m else "library"
        rows.append((ref, n, aggregate, rank, outcome, by_ref[ref][2], m, granted[ref].amount_fen if ref in granted else 0))
    return rows
