"""Which year a call belongs to, and which years a needs list may be kept for. Pure.

A community's needs list (需求清单) is kept per calendar year; a call (one edition of the
competition) answers the needs lists of the year it opens in, Beijing time.
"""
from __future__ import annotations

from datetime import datetime

from gongyi.clock import china_date

# A needs list may be written for last year (to complete it), this year and next year.
YEARS_BEFORE, YEARS_AFTER = 1, 1


def edition_year(opens_at: datetime) -> int:
    """The needs-list year of a call opening at `opens_at` (stored UTC)."""
    return china_date(opens_at).year


def editable_years(now: datetime) -> list[int]:
    """The years whose needs lists may be written at `now`, this year first."""
    this_year = china_date(now).year
    return [this_year] + [this_year - n for n in range(1, YEARS_BEFORE + 1)] + \
        [this_year + n for n in range(1, YEARS_AFTER + 1)]
