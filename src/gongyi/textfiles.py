"""Text files people prepare in a spreadsheet (the catalogue, call packages). Pure."""
from __future__ import annotations

import csv
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
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(f"{name}:{reader.line_num}: {exc}")
            return
        yield row
