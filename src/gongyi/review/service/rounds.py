"""Running a call's rounds of judging (competition-rules.md section 4): who takes part in a round,
closing the current round (its scores are locked and who advances is settled), and opening the
next one for scoring on confirmation.

Who takes part and who advances is what the engine (results.rank) says on the call's reviews and
counted funds as they stand, so it follows a later withdrawal as the rules say; closing keeps
the refs that advanced at that moment in the round's row and in the audit trail. Closing and
opening take a row lock on the call, so two administrators cannot close a round twice or open
the next round twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.calls.models import Call, CallRound
from gongyi.calls.rules import engine_rules, resolved_rounds
from gongyi.calls.workflow import allows
from gongyi.clock import utcnow
from gongyi.errors import N_
from gongyi.orgs.models import Organisation
from gongyi.results.inputs import load_inputs
from gongyi.results.rank import RoundPlace, rank_submissions
from gongyi.review.models import Review
from gongyi.review.service.scoring import ReviewError, scoring_round
from gongyi.submissions.models import Submission


@dataclass(frozen=True)
class RoundLine:
    """One participant's place in a round, and why it is out when it does not advance."""

    ref: str
    submission_id: int
    title: str
    organisation: str
    place: RoundPlace
    why_out: tuple[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class RoundSummary:
    code: str
    name: str
    number: int  # 1 for the first round
    last: bool
    status: str  # open | closed | waiting (a later round not yet opened)
    advance: int
    advance_min_score: Fraction
    lines: tuple[RoundLine, ...]
    unsubmitted: int  # reviews of the round not submitted (they do not count)
    tie_note: tuple[str, dict[str, Any]] | None = None
    advanced: tuple[str, ...] = field(default_factory=tuple)


def _state(call: Call, code: str) -> CallRound | None:
    return next((s for s in call.round_states if s.code == code), None)


def round_status(call: Call, code: str) -> str:
    state = _state(call, code)
    if state is not None:
        return state.status
    return "open" if code == call.rules["rounds"][0]["code"] else "waiting"


def round_places(session: Session, call: Call) -> tuple[dict[str, dict[str, RoundPlace]], dict[str, int]]:
    """ref -> round code -> place, for every competing submission, and ref -> submission id."""
    inputs = load_inputs(session, call, call.rules)
    ranked = rank_submissions(inputs.entries, engine_rules(call.rules)[0])
    return {r.ref: {p.round: p for p in r.rounds} for r in ranked}, inputs.submission_ids


def round_participants(session: Session, call: Call, code: str) -> set[int]:
    """Ids of the submissions taking part in round `code` (every competing one in the first)."""
    if code == call.rules["rounds"][0]["code"]:
        return set(session.scalars(select(Submission.id).where(
            Submission.call_id == call.id, Submission.status == "submitted", Submission.eligibility != "ineligible")))
    places, ids = round_places(session, call)
    return {ids[ref] for ref, by_round in places.items() if code in by_round}


def _why_out(place: RoundPlace, rnd: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    if place.advanced:
        return None
    if place.rank is None:
        return N_("完整评审不足，未排名"), {}
    minimum = Fraction(rnd["advance_min_score"] or 0)
    if place.aggregate is not None and place.aggregate < minimum:
        return N_("得分低于晋级分数线 %(score)s"), {"score": rnd["advance_min_score"]}
    return N_("名次在晋级名额（前 %(n)s 名）之外"), {"n": rnd["advance"]}


def _tie_note(lines: list[RoundLine], advance: int) -> tuple[str, dict[str, Any]] | None:
    """Why more than `advance` advance: the submissions sharing the rank at the line go through together."""
    advanced = [line.place for line in lines if line.place.advanced]
    if not advance or len(advanced) <= advance:
        return None
    line_rank = max(p.rank for p in advanced if p.rank is not None)
    tied = sum(1 for p in advanced if p.rank == line_rank)
    return (N_("第 %(rank)s 名有 %(tied)s 个项目得分相同，按同分排序规则也无法分出先后，名次相同，一并晋级："
               "晋级名额 %(advance)s 个，实际晋级 %(total)s 个。"),
            {"rank": line_rank, "tied": tied, "advance": advance, "total": len(advanced)})


def round_summary(session: Session, call: Call, code: str) -> RoundSummary:
    """A round's participants in rank order (unranked last), who advances and why the others are out."""
    rounds = resolved_rounds(call.rules)
    index = next(i for i, r in enumerate(rounds) if r["code"] == code)
    rnd, last = rounds[index], index == len(rounds) - 1
    places, ids = round_places(session, call)
    taking = {ref: by_round[code] for ref, by_round in places.items() if code in by_round}
    names = {ref: (title, org) for ref, title, org in session.execute(
        select(Submission.ref, Submission.title, Organisation.name)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(Submission.call_id == call.id, Submission.ref.in_(list(taking))))}
    order = sorted(taking, key=lambda ref: (taking[ref].rank is None, taking[ref].rank or 0, ref))
    lines = [RoundLine(ref, ids[ref], *names[ref], taking[ref], None if last else _why_out(taking[ref], rnd))
             for ref in order]
    unsubmitted = session.scalar(
        select(func.count()).select_from(Review).join(Submission, Submission.id == Review.submission_id)
        .where(Submission.call_id == call.id, Review.round == code, Review.status != "submitted")) or 0
    return RoundSummary(code, rnd["name"], index + 1, last, round_status(call, code), rnd["advance"] or 0,
                        Fraction(rnd["advance_min_score"] or 0), tuple(lines), unsubmitted,
                        None if last else _tie_note(lines, rnd["advance"] or 0),
                        tuple(line.ref for line in lines if line.place.advanced))


def _lock(session: Session, call: Call) -> None:
    """One round change at a time per call (a row lock on PostgreSQL), then the rounds as committed."""
    session.execute(select(Call.id).where(Call.id == call.id).with_for_update())
    session.expire(call, ["round_states"])


def close_round(session: Session, actor: Any, call: Call, code: str) -> RoundSummary:
    """Close the current round: its scores are locked and who advances is settled; the next
    round opens only when `open_next_round` confirms it."""
    _lock(session, call)
    if not allows(call, "score"):
        raise ReviewError(N_("只能在评审阶段结束一轮评审"))
    if code != scoring_round(call) or round_status(call, code) != "open":
        raise ReviewError(N_("这一轮不是正在评分的轮次，或已经结束"))
    if code == call.rules["rounds"][-1]["code"]:
        raise ReviewError(N_("最后一轮不需要结束：结束评审后计算结果即可"))
    summary = round_summary(session, call, code)
    state = _state(call, code)
    if state is None:
        state = CallRound(call_id=call.id, code=code, opened_by_id=None)
        session.add(state)
    state.status, state.closed_at, state.closed_by_id = "closed", utcnow(), getattr(actor, "id", None)
    state.advanced = list(summary.advanced)
    session.flush()
    session.expire(call, ["round_states"])
    record(session, actor, "round.close", call, round=code, advanced=list(summary.advanced),
           out=[line.ref for line in summary.lines if not line.place.advanced], unsubmitted=summary.unsubmitted)
    return summary


def open_next_round(session: Session, actor: Any, call: Call) -> CallRound:
    """Open the round after the last closed one for scoring (the administrator's confirmation)."""
    _lock(session, call)
    if not allows(call, "score"):
        raise ReviewError(N_("只能在评审阶段开始下一轮评审"))
    codes = [r["code"] for r in call.rules["rounds"]]
    current = scoring_round(call)
    if round_status(call, current) != "closed" or current == codes[-1]:
        raise ReviewError(N_("请先结束当前一轮评审"))
    following = codes[codes.index(current) + 1]
    state = CallRound(call_id=call.id, code=following, status="open", opened_by_id=getattr(actor, "id", None))
    session.add(state)
    session.flush()
    session.expire(call, ["round_states"])
    record(session, actor, "round.open", call, round=following,
           taking_part=len(round_participants(session, call, following)))
    return state
