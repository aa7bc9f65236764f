"""Entry rules across editions, over plain data. Pure.

Each call may refuse an entry from
- an organisation on the barred list on the day (barred),
- an organisation whose funded project failed its final evaluation in the last N editions before
  the call (failed_evaluation; N = 0 turns the rule off),
- the same project funded in an earlier edition (second_funding): the same organisation and the
  same title, whitespace and case aside; a replication of a brand project is not the same project.
Each refusal names its rule (vocab.ENTRY_RULES).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Bar:
    reason: str
    starts_on: date
    ends_on: date | None

    def active(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class PastProject:
    """One of the organisation's projects in an earlier edition."""

    ref: str
    title: str
    call_title: str
    editions_ago: int  # 1: the edition just before the call
    funded: bool  # matching or a library grant in the final results
    evaluation: str | None  # "passed", "failed" or None when not known


@dataclass(frozen=True)
class Rules:
    failed_evaluation_editions: int = 0
    no_second_funding: bool = False
    barred_list: bool = True


@dataclass(frozen=True)
class Refusal:
    rule: str
    params: dict[str, str] = field(default_factory=dict)


def same_project(a: str, b: str) -> bool:
    def norm(title: str) -> str:
        return "".join(title.split()).casefold()

    return bool(norm(a)) and norm(a) == norm(b)


def entry_refusals(rules: Rules, day: date, bars: list[Bar], past: list[PastProject], *,
                   title: str | None = None, replication: bool = False) -> list[Refusal]:
    """Every rule that refuses the entry (empty when it may enter). `title` is None before the
    project has one (starting a draft): the second-funding rule waits for it."""
    refusals: list[Refusal] = []
    if rules.barred_list:
        for bar in sorted(bars, key=lambda b: b.starts_on):
            if bar.active(day):
                refusals.append(Refusal("barred", {"reason": bar.reason, "starts_on": bar.starts_on.isoformat(),
                                                   "ends_on": bar.ends_on.isoformat() if bar.ends_on else ""}))
                break
    n = rules.failed_evaluation_editions
    failed = [p for p in past if n > 0 and p.funded and p.evaluation == "failed" and 1 <= p.editions_ago <= n]
    if failed:
        p = min(failed, key=lambda p: p.editions_ago)
        refusals.append(Refusal("failed_evaluation", {"ref": p.ref, "call": p.call_title, "n": str(n)}))
    if rules.no_second_funding and title and not replication:
        same = [p for p in past if p.funded and same_project(p.title, title)]
        if same:
            refusals.append(Refusal("second_funding", {"ref": same[0].ref, "call": same[0].call_title}))
    return refusals
