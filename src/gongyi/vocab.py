"""Vocabularies: the values a column may hold, each with its label, in one place. Pure.

A `Vocabulary` is the one source for a column's CHECK constraint, the labels on pages (the
`label` template filter), form choices and the values an importer accepts, so a value is
never listed twice. Labels are Chinese msgids marked with N_; pages translate them.
"""
from __future__ import annotations

from typing import Iterator, Mapping


class Vocabulary(Mapping[str, str]):
    """Stored value -> label msgid, in display order."""

    def __init__(self, labels: Mapping[str, str]):
        self._labels = dict(labels)

    def __getitem__(self, value: str) -> str:
        return self._labels[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    @property
    def values(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self._labels)

    def label(self, value: str) -> str:
        """The label msgid of a value; an unknown value stands for itself."""
        return self._labels.get(value, value)

    def check(self, column: str) -> str:
        """SQL for a CHECK constraint that admits exactly these values."""
        return f"{column} IN ({', '.join(repr(v) for v in self._labels)})"
