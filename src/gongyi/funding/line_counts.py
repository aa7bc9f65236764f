"""How each funding line of a submission counts under its call's `[funds]` rules, for the pages
that list lines (the submission's funds, the verification queue): its donor key, the amount
that counts and why not all of it. The rule itself is funding/counted.py's."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.calls.models import Call
from gongyi.calls.rules import engine_rules
from gongyi.funding.counted import CountedFunds, FundLine, LineCount, count_funds
from gongyi.submissions.models import FundingLine, Submission


def _counted(rules: dict[str, Any], lines: list[Any]) -> CountedFunds:
    ordered = sorted(lines, key=lambda line: line.id)  # the order they were entered, as results read them
    return count_funds((FundLine(l.source, l.donor, int(l.amount_fen), l.status) for l in ordered), engine_rules(rules)[3])


def submission_counts(submission: Submission) -> tuple[dict[int, LineCount], CountedFunds]:
    """Line id -> how it counts, and R and the donors count, for a submission at hand."""
    ordered = sorted(submission.funding_lines, key=lambda line: line.id)
    counted = _counted(submission.call.rules, ordered)
    return {line.id: c for line, c in zip(ordered, counted.lines)}, counted


def line_counts(session: Session, submission_ids: Iterable[int]) -> dict[int, LineCount]:
    """Line id -> how it counts, for every line of these submissions (two queries whatever their number)."""
    ids = set(submission_ids)
    if not ids:
        return {}
    rules = {sid: rules for sid, rules in session.execute(
        select(Submission.id, Call.id).join(Call, Call.id == Submission.call_id).where(Submission.id.in_(ids)))}
    calls = {call.id: call.rules for call in session.scalars(select(Call).where(Call.id.in_(set(rules.values()))))}
    lines: dict[int, list[FundingLine]] = {}
    for line in session.scalars(select(FundingLine).where(FundingLine.submission_id.in_(ids))):
        lines.setdefault(line.submission_id, []).append(line)
    out: dict[int, LineCount] = {}
    for sid, own in lines.items():
        ordered = sorted(own, key=lambda line: line.id)
        out.update({line.id: c for line, c in zip(ordered, _counted(calls[rules[sid]], ordered).lines)})
    return out
