"""Text files people prepare in a spreadsheet (the catalogue, call packages). Pure."""
from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterator


class FileProblems(ValueError):
    """Every problem found in a file or a set of files, each as `file:line: reason`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def decode_text(data: bytes) -> str:
    """UTF-8 with or without a BOM, else GB18030 (what Chinese Excel saves); raises UnicodeDecodeError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def readable_rows(name: str, reader: Any, problems: list[str]) -> Iterator[Any]:
    """A csv reader's rows until one it cannot read (a field over csv.field_size_limit(), a
    broken quote), which is reported in `problems` as file:line: reason and ends the file."""
    try:
        yield from reader
    except csv.Error as exc:
        problems.append(f"{name}:{reader.line_num}: {exc}")


def text_encoding(data: bytes) -> str:
    """The codec decode_text would read `data` with ("utf-8-sig" or "gb18030"); raises UnicodeDecodeError."""
    try:
        data.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        data.decode("gb18030")
        return "gb18030"


# In UTF-8 a byte below 0x80 is always that character itself, so the C0 controls and DEL show in
# the bytes; the C1 controls (U+0080-U+009F) are the byte pairs C2 80 to C2 9F. The same set as
# numbers.has_control_characters (tab, line feed and carriage return are text).
_UTF8_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")


def may_hold_control_characters(data: bytes, encoding: str) -> bool:
    """False when the text (checked by text_encoding) certainly holds no control character: one
    scan of the bytes in UTF-8, so a large file's values need no check each; True otherwise."""
    return encoding not in ("utf-8", "utf-8-sig") or _UTF8_CONTROLS.search(data) is not None


def text_lines(data: bytes, encoding: str) -> Iterator[str]:
    """The lines of `data` (checked by text_encoding) with their ends, decoded as they are read
    (by the io module's incremental decoder), so a large file is never held as one string. A line
    ends at b"\n" only, which never occurs inside another character in UTF-8 or GB18030."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="\n")
