"""What a review holds: a call's rubric, the complete-review rule, saving, submitting, reopening
and discarding a review (the rules of one typed score are in review.scoring, which is pure)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gongyi.audit.models import AuditEntry
from gongyi.audit.service import already, record
from gongyi.calls.models import Call
from gongyi.calls.rules import rubric
from gongyi.calls.workflow import allows
from gongyi.clock import utcnow
from gongyi.db import lock
from gongyi.errors import N_, UserError
from gongyi.review.models import Review, ReviewVersion, Score
from gongyi.review.scoring import ScoreError, parse_score
from gongyi.submissions.models import Submission


class ReviewError(UserError):
    pass


# --- a call's review settings ----------------------------------------------------------------


def scoring_round(call: Call) -> str:
    """The code of the round being judged now (its reviews are assigned, scored and shown):
    the open round; after an administrator closes a round and before the next is opened, the
    closed one. The first round is open from the start without a row (calls.models.CallRound)."""
    states = {state.code: state.status for state in call.round_states}
    codes = [rnd["code"] for rnd in call.rules["rounds"]]
    current = codes[0]
    for index, code in enumerate(codes):
        if index and code not in states:
            break
        current = code
        if states.get(code) != "closed":
            break
    return current


def round_is_open(call: Call, code: str) -> bool:
    """Whether reviews of round `code` may be scored now: it is the current round and not closed."""
    return code == scoring_round(call) and all(
        state.status != "closed" for state in call.round_states if state.code == code)


def criteria(call: Call, round_code: str | None = None) -> list[dict[str, Any]]:
    """A round's rubric: the scoring round's unless another round is named."""
    return rubric(call.rules, round_code or scoring_round(call))


def review_criteria(review: Review) -> list[dict[str, Any]]:
    """The rubric of the review's own round."""
    return criteria(review.submission.call, review.round)


def criterion_codes(call: Call, round_code: str | None = None) -> list[str]:
    return [c["code"] for c in criteria(call, round_code)]


def is_blind(call: Call) -> bool:
    return bool(call.rules["review"].get("blind", False))


# --- the complete-review rule ----------------------------------------------------------------
# A review counts when it is submitted and every criterion of the rubric is scored
# (competition-rules section 3); its total is the sum of its scores, in hundredths. These two
# functions are the only statement of that rule: one for scores at hand, one in SQL.


def total_when_scored(scores: Mapping[str, int], codes: Sequence[str]) -> int | None:
    """The total in hundredths when every criterion of `codes` has a score in `scores`, else None.

    Scores of criteria outside `codes` (a rubric changed before anyone scored) do not count.
    """
    return sum(scores[c] for c in codes) if all(c in scores for c in codes) else None


def complete_reviews(codes: Sequence[str], *where: Any) -> Select:
    """SELECT review_id, reviewer_id, submission_id, total_centi of every complete review.

    `where` narrows it with conditions on Review or Submission (joined), e.g.
    `complete_reviews(codes, Submission.call_id == call.id)`. One grouped query, whatever the size.
    """
    return (
        select(Review.id.label("review_id"), Review.reviewer_id, Review.submission_id,
               func.sum(Score.points_centi).label("total_centi"))
        .join(Score, Score.review_id == Review.id)
        .join(Submission, Submission.id == Review.submission_id)
        .where(Review.status == "submitted", Score.criterion.in_(codes), *where)
        .group_by(Review.id, Review.reviewer_id, Review.submission_id)
        .having(func.count(Score.criterion) == len(codes))
    )


def review_total(review: Review) -> int | None:
    """The review's total in hundredths once every criterion of its round's rubric is scored (a draft too)."""
    return total_when_scored({s.criterion: s.points_centi for s in review.scores},
                             [c["code"] for c in review_criteria(review)])


def snapshot_total(snapshot: Mapping[str, Any]) -> int | None:
    """The total of a saved version, against the rubric it was scored with."""
    return total_when_scored(snapshot["scores"], [c["code"] for c in snapshot["criteria"]])


# --- saving, submitting, reopening -------------------------------------------------------------


def snapshot(review: Review) -> dict[str, Any]:
    """What a version of a review says, with the rubric it was scored against."""
    return {
        "version": review.version,
        "status": review.status,
        "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None,
        "round": review.round,
        "criteria": [{"code": c["code"], "name": c["name"], "max": c["max"]} for c in review_criteria(review)],
        "scores": {s.criterion: s.points_centi for s in review.scores},
        "comments": {s.criterion: s.comment for s in review.scores if s.comment},
        "overall_comment": review.overall_comment,
    }


def _parse_scores(rubric: list[dict[str, Any]], scores: Mapping[str, str | None], comments: Mapping[str, str],
                  submit: bool) -> dict[str, int | None]:
    """Every typed score checked, criterion by criterion; the first problem is raised beside its criterion."""
    parsed: dict[str, int | None] = {}
    for c in rubric:
        try:
            parsed[c["code"]] = parse_score(scores.get(c["code"]), int(c["max"]))
        except ScoreError as exc:
            exc.field = c["code"]
            raise
        if parsed[c["code"]] is None and (comments.get(c["code"]) or "").strip():
            raise ReviewError(N_("写了评语的评分项也请打分（可先打暂定分）"), c["code"])
        if submit and parsed[c["code"]] is None:
            raise ReviewError(N_("提交前请为每一项打分"), c["code"])
    return parsed


def save_review(session: Session, actor: Any, review: Review, *, scores: Mapping[str, str | None],
                comments: Mapping[str, str], overall_comment: str, submit: bool) -> None:
    """Save the reviewer's draft, or submit it (which locks it and keeps a version).

    Scores are typed text; everything is checked before anything changes, so a refused save
    leaves the stored review exactly as it was.
    """
    if getattr(actor, "id", None) != review.reviewer_id:
        raise ReviewError(N_("只能填写自己的评审"))
    review = lock(session, review)  # a double submit waits for the first, then is refused
    if review.status == "submitted":
        raise already(ReviewError, N_("评审已提交（%(at)s），不能修改"), N_("评审已提交，不能修改"),
                      session, review, "review.submit")
    if not allows(review.submission.call, "score"):
        raise ReviewError(N_("当前不在评审阶段，不能保存评分"))
    if not round_is_open(review.submission.call, review.round):
        raise ReviewError(N_("这一轮评审已结束，评分已锁定"))
    round_rubric = review_criteria(review)
    parsed = _parse_scores(round_rubric, scores, comments, submit)
    existing = {s.criterion: s for s in review.scores}
    for c in round_rubric:
        code, value, comment = c["code"], parsed[c["code"]], (comments.get(c["code"]) or "").strip()
        if value is None:
            if code in existing:
                review.scores.remove(existing[code])
        elif code in existing:
            existing[code].points_centi, existing[code].comment = value, comment
        else:
            review.scores.append(Score(criterion=code, points_centi=value, comment=comment))
    review.overall_comment = overall_comment.strip()
    if submit:
        review.status, review.submitted_at = "submitted", utcnow()
        session.flush()
        session.add(ReviewVersion(review_id=review.id, version=review.version, snapshot=snapshot(review)))
        session.flush()
        record(session, actor, "review.submit", review, version=review.version, total_centi=review_total(review))
    else:
        review.status = "draft"
        session.flush()
        record(session, actor, "review.save_draft", review)


def reopen_review(session: Session, actor: Any, review: Review, reason: str) -> None:
    """Unlock a submitted review for its reviewer; the submitted version stays on record."""
    reason = reason.strip()
    review = lock(session, review)
    if review.status != "submitted":
        raise ReviewError(N_("只有已提交的评审可以重新开放"), "reason")
    if not reason:
        raise ReviewError(N_("请填写重新开放的理由"), "reason")
    if not allows(review.submission.call, "score"):
        raise ReviewError(N_("只能在评审阶段重新开放评审"), "reason")
    if not round_is_open(review.submission.call, review.round):
        raise ReviewError(N_("这一轮评审已结束，评分已锁定"), "reason")
    if not any(v.version == review.version for v in review.versions):
        # e.g. a review that came in with a call package: keep what it said before it changes
        review.versions.append(ReviewVersion(version=review.version, snapshot=snapshot(review)))
    review.version += 1
    review.status, review.submitted_at = "draft", None
    session.flush()
    record(session, actor, "review.reopen", review, reason=reason, version=review.version)


def reopen_reason(session: Session, review: Review) -> str | None:
    """Why an administrator last reopened this review (shown to its reviewer)."""
    detail = session.scalar(
        select(AuditEntry.detail).where(AuditEntry.object_type == "review", AuditEntry.object_id == str(review.id),
                                        AuditEntry.action == "review.reopen").order_by(AuditEntry.id.desc()).limit(1)
    )
    return detail.get("reason") if detail else None


def discard_review(session: Session, actor: Any, review: Review, why: str) -> None:
    """Remove a review (an assignment ended, a conflict found); whatever it held is kept in the audit entry."""
    record(session, actor, "review.remove", review, why=why, submission_id=review.submission_id,
           reviewer_id=review.reviewer_id, status=review.status, content=snapshot(review),
           versions=[v.snapshot for v in review.versions])
    session.delete(review)
    session.flush()
