"""Reading whole numbers people (or attackers) type: the one parser for ids, counts and limits. Pure.

Only ASCII digits and their full-width forms (０-９, typed with a Chinese input method) count:
"²³", "١٢" or "𝟙" pass str.isdigit() or int() but are no number a person means. A number
larger than the column that stores it (400 digits, say) is refused here, before the database
sees it.
"""
from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # a database integer: ids, counts and limits
MAX_BIG = 2**63 - 1  # a 64-bit column (amounts in fen)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９，", "0123456789,")
_DIGITS = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+")


def whole_number(value: object, *, maximum: int = MAX_ID, minimum: int = 0, grouped: bool = False) -> int | None:
    """`value` as a whole number in minimum..maximum, or None when it is not one.

    grouped: thousands separators are allowed ("12,000" or "１２，０００").
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        number = value
    else:
        text = _digits_text(value, grouped)
        if text is None or len(text.lstrip("0")) > len(str(maximum)):
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def too_large(value: object, *, maximum: int, grouped: bool = False) -> bool:
    """Whether `value` is written as a whole number but exceeds `maximum` (400 digits, say):
    worth a message saying the limit rather than "not a number"."""
    text = _digits_text(value, grouped)
    return text is not None and (len(text.lstrip("0")) > len(str(maximum)) or int(text) > maximum)


def _digits_text(value: object, grouped: bool) -> str | None:
    text = str(value).strip().translate(_FULL_WIDTH)
    if grouped and _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    return text if _DIGITS.fullmatch(text) else None


# --- text --------------------------------------------------------------------------------------

# Control characters: C0 (NUL included), DEL and C1. Tab, line feed and carriage return are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(text: str, *, multiline: bool = True) -> bool:
    """Whether `text` holds a control character no person types (NUL, escape, ...); tabs and
    line breaks count too when the field is a single line (`multiline=False`)."""
    return bool(_CONTROL.search(text)) or (not multiline and any(c in text for c in "\t\n\r"))
