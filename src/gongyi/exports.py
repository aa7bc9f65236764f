"""Tables to CSV and XLSX files for people who open them in Excel.

Values may be str, int, Decimal or None. Decimals become numbers in XLSX (shown with their own
number of decimals, so "1234.50" stays two-place money) and plain text in CSV. Text that Excel
would run as a formula (=, +, -, @ at the start) is kept as text: in CSV it gets a leading
apostrophe, in XLSX it is stored as a string cell. Numbers written as text ("-12.50") are left alone.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from decimal import Decimal
from typing import Iterable, Sequence

from flask import Response, send_file

Value = str | int | Decimal | None
Row = Sequence[Value]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MIME_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _is_formula_like(text: str) -> bool:
    return text.startswith(_FORMULA_START) and not _NUMBER.match(text)


def _csv_cell(value: Value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if isinstance(value, str) and _is_formula_like(text) else text


def write_csv(columns: Sequence[str], rows: Iterable[Row]) -> bytes:
    """UTF-8 with a BOM (so Excel reads Chinese correctly), CRLF line ends, a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def _display_width(value: Value) -> int:
    """Columns are sized in Latin characters; a Chinese character takes two."""
    if value is None:
        return 0
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel allows 31 characters, no []:*?/\\ and no duplicates."""
    base = _SHEET_TITLE_FORBIDDEN.sub("_", title).strip() or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Row]]]) -> bytes:
    """A workbook with one sheet per (title, columns, rows): bold frozen header, columns sized to fit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    bold = Font(bold=True)
    for title, columns, rows in sheets:
        ws = wb.create_sheet(_sheet_title(title, used))
        ws.append(list(columns))
        for cell in ws[1]:
            cell.font = bold
        widths = [_display_width(c) for c in columns]
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # openpyxl would otherwise store it as a formula
                elif isinstance(value, Decimal):
                    exponent = value.as_tuple().exponent
                    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
                    cell.number_format = "0." + "0" * places if places else "0"
                if c <= len(widths):
                    widths[c - 1] = max(widths[c - 1], _display_width(value))
                else:
                    widths.append(_display_width(value))
        ws.freeze_panes = "A2"
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = min(max(width, 6) + 2, 60)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def send_table(columns: Sequence[str], rows: Iterable[Row], fmt: str, filename: str, *,
               sheet_title: str | None = None) -> Response:
    """The rows as a download, `filename` plus ".csv" or ".xlsx" (Chinese names are fine)."""
    if fmt == "csv":
        data = write_csv(columns, rows)
    elif fmt == "xlsx":
        data = write_xlsx([(sheet_title or filename, columns, rows)])
    else:
        raise ValueError(f"unknown export format: {fmt!r}")
    return send_data(data, fmt, filename)


def send_data(data: bytes, fmt: str, filename: str) -> Response:
    """A written file (CSV or XLSX bytes) as a download named `filename` plus ".csv" or ".xlsx"."""
    response = send_file(io.BytesIO(data), mimetype=MIME_TYPES[fmt], as_attachment=True,
                         download_name=f"{filename}.{fmt}", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
