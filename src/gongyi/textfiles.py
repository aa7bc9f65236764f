"""Text files people prepare in a spreadsheet (the catalogue, call packages). Pure."""
from __future__ import annotations


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
