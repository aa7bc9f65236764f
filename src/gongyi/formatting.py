"""How values read on pages: Beijing times, countdowns, yuan, scores, districts and labels.

Every template filter lives here, registered by `web.init_app`. A leaf module: it imports
Flask-Babel and pure modules only, so any service may use it without importing the web wiring.
"""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Callable, Mapping

from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from gongyi.clock import utcnow
from gongyi.money import format_fen, parse_yuan
from gongyi.orgs.districts import district_name
from gongyi.results.rank import round_half_up_2
from gongyi.review.scoring import points


_HUNDREDTH = Decimal("0.01")


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time shown in Beijing time (BABEL_DEFAULT_TIMEZONE)."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def fingerprint(digest: str | None) -> str:
    """A run's input digest (64 hex digits) as a short label to compare by eye: "3F9A-C21B"."""
    if not digest:
        return ""
    head = digest[:8].upper()
    return f"{head[:4]}-{head[4:]}"


def countdown(deadline: datetime) -> str:
    """Time left before a deadline, in days and hours, as the server sees it."""
    left = deadline - utcnow()
    if left.total_seconds() <= 0:
        return _("已截止")
    days, hours = left.days, left.seconds // 3600
    if days:
        return _("还剩 %(d)s 天 %(h)s 小时", d=days, h=hours)
    return _("还剩 %(h)s 小时 %(m)s 分钟", h=hours, m=(left.seconds % 3600) // 60)


def label(value: str | None, labels: Mapping[str, str]) -> str:
    """A stored value's label (a msgid of its vocabulary) in the reader's language."""
    if value is None:
        return ""
    return _(labels[value]) if value in labels else value


def translated(labels: Mapping[str, str]) -> dict[str, str]:
    """A whole vocabulary's labels in the reader's language, for a list that shows one per row:
    `{% set outcome = vocab.outcomes|translated %}` then `outcome.get(row.outcome, row.outcome)`."""
    return {value: _(msgid) for value, msgid in labels.items()}


def yuan_text(text: str | None) -> str:
    """A stored amount text ("1000.00") shown as yuan with separators."""
    return format_fen(parse_yuan(text)) if text else ""


def score_points(centi: int | None) -> str:
    """A score stored in hundredths, as points."""
    return "" if centi is None else str(points(centi))


def exact2_decimal(value: Fraction | Decimal | int | None) -> Decimal | None:
    """An exact number rounded half-up to 2 decimals, as the rules show aggregates. A Decimal
    (a z-score, a standard deviation) is rounded by Decimal itself, the same rounding without
    a Fraction."""
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_finite():
        rounded = value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
        return rounded if rounded else abs(rounded)  # no "-0.00"
    return round_half_up_2(value)


def exact2(value: Fraction | Decimal | int | None) -> str:
    """exact2_decimal as text, for pages."""
    return "" if value is None else str(exact2_decimal(value))


def saved_exact2(text: str | None) -> str:
    """An exact number as a saved run keeps it ("num/den" text), rounded half-up to 2 decimals."""
    return "" if not text else exact2(Fraction(text))


def district(code: str | None) -> str:
    return district_name(code, str(get_locale()))


FILTERS: dict[str, Callable[..., Any]] = {
    "localtime": local_time,
    "countdown": countdown,
    "fingerprint": fingerprint,
    "label": label,
    "translated": translated,
    "yuan": format_fen,
    "yuan_text": yuan_text,
    "score_points": score_points,
    "exact2": exact2,
    "saved_exact2": saved_exact2,
    "district": district,
}
