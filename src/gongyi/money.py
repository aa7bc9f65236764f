"""Yuan as people write them <-> whole fen as the app stores them. Pure; no floats."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from gongyi.errors import N_, UserError

_YUAN = re.compile(r"^\d+(\.\d{1,2})?$")


class MoneyError(UserError):
    pass


def parse_yuan(text: str | int | Decimal) -> int:
    """Parse an amount in yuan ("1,000.5", "1000.50") into fen; refuse negatives and a third decimal."""
    s = str(text).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    if s.startswith("-"):
        raise MoneyError(N_("金额不能为负数"))
    if not s:
        raise MoneyError(N_("请填写金额"))
    if len(s.split(".")[0]) > 15:
        raise MoneyError(N_("金额过大"))
    if not _YUAN.match(s):
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise MoneyError(N_("金额格式不正确")) from None
        if not d.is_finite():
            raise MoneyError(N_("金额格式不正确"))
        if d.as_tuple().exponent < -2:  # type: ignore[operator]
            raise MoneyError(N_("金额最多保留两位小数"))
        raise MoneyError(N_("金额格式不正确"))
    return int(Decimal(s) * 100)


def fen_to_str(fen: int) -> str:
    """1234050 -> "12340.50" (the export format)."""
    fen = int(fen)  # PostgreSQL sums of bigint arrive as Decimal
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def format_fen(fen: int | None) -> str:
    """1234050 -> "12,340.50" (for pages)."""
    if fen is None:
        return ""
    fen = int(fen)  # PostgreSQL sums of bigint arrive as Decimal
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"
