"""The clock: times are stored in UTC and shown, and deadlines read, in Beijing time. Pure.

China Standard Time is UTC+8 all year (no daylight saving since 1991), so a fixed offset
names it exactly and needs no time-zone database.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC (what the database stores)."""
    return datetime.now(timezone.utc)


def china_time(moment: datetime) -> datetime:
    """An aware moment in Beijing time."""
    return moment.astimezone(CHINA)


def china_date(moment: datetime) -> date:
    """The calendar day a moment falls on in Beijing."""
    return moment.astimezone(CHINA).date()


def as_china(moment: datetime) -> datetime:
    """A naive time read as Beijing time (an aware one is kept), returned in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(timezone.utc)
