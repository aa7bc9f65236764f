"""Evaluations by third-party evaluators (第三方评估机构): rubric, assignment, scoring, publicity.

Evaluators are assigned per project under the reviewers' conflict-of-interest rules
(review.service.conflicts: the evaluator's affiliation or own organisation runs the project, or
a declared conflict). A submitted evaluation is published with a publicity window (公示) during
which members of verified organisations may object (异议), answered as objections to results
are (results.publication); an upheld objection sends the evaluation back to its evaluator. Once
the window is over and every objection answered the administrator confirms the result, which
opens or stops the tranches gated on it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.auth.models import User, UserRole
from gongyi.auth.service import create_user, find_user, grant_role
from gongyi.calls.models import Call
from gongyi.clock import utcnow
from gongyi.errors import N_, UserError, UserErrors
from gongyi.execution.models import Evaluation, ExecutionSettings, EvaluatorAssignment, ExecutionRecord
from gongyi.execution.records import ExecutionError
from gongyi.execution.tranches import stop_after_failure
from gongyi.execution.vocab import EVALUATION_KINDS
from gongyi.results.models import Objection
from gongyi.results.publication import (answer_objection, new_objection, objecting_organisation,
                                        publicity_end)
from gongyi.review.models import Conflict, ReviewerProfile
from gongyi.review.scoring import ScoreError, parse_score
from gongyi.review.service.conflicts import conflict_source
from gongyi.submissions.attachments import Upload
from gongyi.submissions.models import Submission

# The rubric of a call that has not set its own: criteria with maxima (100 in all) and the pass mark.
DEFAULT_RUBRIC = ([{"code": "plan", "name": N_("计划执行"), "max": 30},
                   {"code": "results", "name": N_("目标达成"), "max": 40},
                   {"code": "money", "name": N_("资金使用"), "max": 20},
                   {"code": "disclosure", "name": N_("宣传与公开"), "max": 10}], 60)


def rubric_of(session: Session, call: Call) -> tuple[list[dict[str, Any]], int]:
    """The call's evaluation rubric: (criteria, pass mark)."""
    stored = session.get(ExecutionSettings, call.id)
    return (stored.criteria, stored.pass_mark) if stored is not None else DEFAULT_RUBRIC


def funding_mark_of(session: Session, call: Call) -> str | None:
    """The call's own funding mark (资助标识), or None for the default."""
    stored = session.get(ExecutionSettings, call.id)
    return stored.funding_mark if stored is not None and stored.funding_mark else None


def set_rubric(session: Session, actor: Any, call: Call, criteria_text: str, pass_mark: str,
               funding_mark: str = "") -> ExecutionSettings:
    """Set the call's rubric from lines "名称 | 满分" and a pass mark at most the total, and its
    own funding mark (blank: the default text)."""
    criteria = []
    for number, line in enumerate((criteria_text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, _, maximum = (p.strip() for p in line.replace("｜", "|").partition("|"))
        if not name or len(name) > 60 or not (maximum.isascii() and maximum.isdigit()) or not 0 < int(maximum) <= 100:
            raise ExecutionError(N_("第 %(line)s 行：应为“名称 | 满分”，满分为 1 到 100 的整数"), "criteria", line=number)
        criteria.append({"code": f"c{len(criteria) + 1}", "name": name, "max": int(maximum)})
    if not criteria:
        raise ExecutionError(N_("请至少填写一项评估指标"), "criteria")
    total = sum(c["max"] for c in criteria)
    mark = (pass_mark or "").strip()
    if not (mark.isascii() and mark.isdigit()) or int(mark) > total:
        raise ExecutionError(N_("合格分须为不超过总分 %(total)s 的非负整数"), "pass_mark", total=total)
    if session.scalar(select(Evaluation.id).join(ExecutionRecord, ExecutionRecord.id == Evaluation.execution_id)
                      .where(ExecutionRecord.call_id == call.id, Evaluation.status != "draft").limit(1)):
        raise ExecutionError(N_("已有提交的评估，不能再修改评估指标"), "criteria")
    rubric = session.get(ExecutionSettings, call.id) or ExecutionSettings(call_id=call.id)
    funding_mark = (funding_mark or "").strip()
    if len(funding_mark) > 200:
        raise ExecutionError(N_("资助标识最多 %(n)s 个字符"), "funding_mark", n=200)
    rubric.criteria, rubric.pass_mark, rubric.funding_mark = criteria, int(mark), funding_mark
    session.add(rubric)
    session.flush()
    record(session, actor, "evaluation.rubric", call, criteria=[f"{c['name']}:{c['max']}" for c in criteria],
           pass_mark=int(mark), funding_mark=funding_mark or None)
    return rubric


def create_evaluator(session: Session, actor: Any, *, email: str, name: str, password: str,
                     affiliation_id: int | None) -> User:
    """An evaluator account (or the role for an existing account); the affiliation, like a
    reviewer's, is the organisation whose projects they must never evaluate."""
    email, name = (email or "").strip(), (name or "").strip()
    if "@" not in email or len(email) > 254:
        raise ExecutionError(N_("请填写有效的邮箱"), "email")
    user = find_user(session, email)
    if user is None:
        if not name:
            raise ExecutionError(N_("请填写姓名"), "name")
        user = create_user(session, actor, email=email, name=name, password=password, roles=("evaluator",))
    elif "evaluator" in user.roles:
        raise ExecutionError(N_("该账户已是第三方评估机构"), "email")
    else:
        grant_role(session, actor, user, "evaluator")
    if affiliation_id is not None:
        profile = session.get(ReviewerProfile, user.id) or ReviewerProfile(user_id=user.id)
        profile.affiliation_id = affiliation_id
        session.add(profile)
        session.flush()
    return user


def evaluators(session: Session) -> list[User]:
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == "evaluator", User.active.is_(True)).order_by(User.name)))


def assign_evaluator(session: Session, actor: Any, rec: ExecutionRecord, evaluator: User | None) -> EvaluatorAssignment:
    """Assign an evaluator to a project, never one with a conflict of interest with it."""
    if evaluator is None or "evaluator" not in evaluator.roles:
        raise ExecutionError(N_("请选择第三方评估机构"), "evaluator_id")
    submission = session.get(Submission, rec.submission_id)
    if conflict_source(session, evaluator.id, submission) is not None:
        raise ExecutionError(N_("%(name)s 与该项目存在利益冲突，须回避"), "evaluator_id", name=evaluator.name)
    if session.scalar(select(EvaluatorAssignment.id).where(EvaluatorAssignment.execution_id == rec.id,
                                                           EvaluatorAssignment.evaluator_id == evaluator.id)):
        raise ExecutionError(N_("%(name)s 已分配到该项目"), "evaluator_id", name=evaluator.name)
    assignment = EvaluatorAssignment(execution_id=rec.id, evaluator_id=evaluator.id)
    session.add(assignment)
    session.flush()
    record(session, actor, "evaluator.assign", rec, evaluator_id=evaluator.id, ref=submission.ref)
    return assignment


def declare_evaluator_conflict(session: Session, actor: Any, rec: ExecutionRecord, evaluator: User, reason: str) -> None:
    """The evaluator (or an administrator for them) declares a conflict: recorded as reviewers'
    conflicts are, the assignment and any evaluation not yet submitted are removed."""
    reason = (reason or "").strip()
    if not reason:
        raise ExecutionError(N_("请说明回避理由"), "reason")
    own = getattr(actor, "id", None) == evaluator.id
    if not session.scalar(select(Conflict.id).where(Conflict.reviewer_id == evaluator.id,
                                                     Conflict.submission_id == rec.submission_id)):
        conflict = Conflict(reviewer_id=evaluator.id, submission_id=rec.submission_id,
                            source="reviewer" if own else "admin", reason=reason)
        session.add(conflict)
        session.flush()
        record(session, actor, "conflict.declare", conflict, reviewer_id=evaluator.id,
               submission_id=rec.submission_id, source=conflict.source, reason=reason)
    for assignment in session.scalars(select(EvaluatorAssignment).where(
            EvaluatorAssignment.execution_id == rec.id, EvaluatorAssignment.evaluator_id == evaluator.id)):
        session.delete(assignment)
    for evaluation in session.scalars(select(Evaluation).where(
            Evaluation.execution_id == rec.id, Evaluation.evaluator_id == evaluator.id, Evaluation.status == "draft")):
        session.delete(evaluation)
    session.flush()
    record(session, actor, "evaluator.unassign", rec, evaluator_id=evaluator.id, reason=reason)


def is_assigned(session: Session, user: Any, rec: ExecutionRecord) -> bool:
    return bool(getattr(user, "id", None)) and bool(session.scalar(select(EvaluatorAssignment.id).where(
        EvaluatorAssignment.execution_id == rec.id, EvaluatorAssignment.evaluator_id == user.id)))


def evaluation_of(session: Session, rec: ExecutionRecord, kind: str) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.execution_id == rec.id, Evaluation.kind == kind))


def _read_scores(criteria: list[dict[str, Any]], scores: Mapping[str, str], complete: bool) -> dict[str, int]:
    problems: list[UserError] = []
    read: dict[str, int] = {}
    for criterion in criteria:
        field = f"score_{criterion['code']}"
        try:
            value = parse_score(scores.get(criterion["code"]), int(criterion["max"]))
        except ScoreError as exc:
            problems.append(ExecutionError(exc.message, field, **exc.params))
            continue
        if value is None:
            if complete:
                problems.append(ExecutionError(N_("请为每项指标打分"), field))
            continue
        read[criterion["code"]] = value
    if problems:
        raise UserErrors(problems)
    return read


def save_evaluation(session: Session, actor: Any, rec: ExecutionRecord, kind: str, *, scores: Mapping[str, str],
                    comment: str, submit: bool, now: datetime | None = None) -> Evaluation:
    """The assigned evaluator scores the project's mid-term or final evaluation on the call's rubric;
    submitting needs every score and a comment and fixes whether it passed."""
    if kind not in EVALUATION_KINDS:
        raise ExecutionError(N_("评估类型无效"), "kind")
    if not is_assigned(session, actor, rec):
        raise ExecutionError(N_("您没有被分配评估此项目"), "comment")
    if conflict_source(session, actor.id, session.get(Submission, rec.submission_id)) is not None:
        raise ExecutionError(N_("您与该项目存在利益冲突，须回避"), "comment")
    if rec.status != "active":
        raise ExecutionError(N_("该项目已停止拨付或已结项，不再评估"), "comment")
    evaluation = evaluation_of(session, rec, kind)
    if evaluation is not None and evaluation.status != "draft":
        raise ExecutionError(N_("该评估已提交"), "comment")
    if evaluation is not None and evaluation.evaluator_id not in (None, actor.id):
        raise ExecutionError(N_("该评估由另一位评估人员负责"), "comment")
    if kind == "final" and submit:
        midterm = evaluation_of(session, rec, "midterm")
        if midterm is not None and midterm.status != "confirmed":
            raise ExecutionError(N_("中期评估结果确定后才能提交结项评估"), "comment")
    criteria, pass_mark = rubric_of(session, session.get(Call, rec.call_id))
    read = _read_scores(criteria, scores, complete=submit)
    comment = (comment or "").strip()
    if submit and not comment:
        raise ExecutionError(N_("请填写评估意见"), "comment")
    if evaluation is None:
        evaluation = Evaluation(execution_id=rec.id, kind=kind, evaluator_id=actor.id)
        session.add(evaluation)
    evaluation.scores, evaluation.comment = read, comment
    if submit:
        evaluation.total_centi = sum(read.values())
        evaluation.pass_mark = pass_mark
        evaluation.passed = evaluation.total_centi >= pass_mark * 100
        evaluation.status, evaluation.submitted_at = "submitted", now or utcnow()
    session.flush()
    record(session, actor, "evaluation.submit" if submit else "evaluation.save", evaluation, kind=kind,
           execution=rec.id, total_centi=evaluation.total_centi if submit else None,
           passed=evaluation.passed if submit else None)
    return evaluation


def publish_evaluation(session: Session, actor: Any, evaluation: Evaluation, *, working_days: int,
                       now: datetime | None = None) -> Evaluation:
    """Publish a submitted evaluation's result, opening its publicity window (公示) for objections."""
    if evaluation.status != "submitted":
        raise ExecutionError(N_("只有已提交的评估才能公示"), "evaluation")
    now = now or utcnow()
    evaluation.status, evaluation.published_at = "published", now
    evaluation.publicity_until = publicity_end(now, working_days)
    session.flush()
    record(session, actor, "evaluation.publish", evaluation, kind=evaluation.kind, passed=evaluation.passed,
           publicity_until=evaluation.publicity_until.isoformat())
    return evaluation


def evaluation_publicity_open(evaluation: Evaluation, now: datetime | None = None) -> bool:
    return (evaluation.status == "published" and evaluation.publicity_until is not None
            and (now or utcnow()) < evaluation.publicity_until)


def pending_evaluation_objections(session: Session, evaluation: Evaluation) -> int:
    return session.scalar(select(func.count()).select_from(Objection).where(
        Objection.evaluation_id == evaluation.id, Objection.status == "pending")) or 0


def file_evaluation_objection(session: Session, actor: Any, evaluation: Evaluation, *, real_name: str, contact: str,
                              reason: str, evidence: Upload | None = None, max_bytes: int,
                              now: datetime | None = None) -> Objection:
    """Object to a published evaluation during its window, as one objects to results."""
    org = objecting_organisation(actor)
    if org is None:
        raise ExecutionError(N_("只有已认证社会组织的成员可以提出异议"), "reason")
    if not evaluation_publicity_open(evaluation, now):
        raise ExecutionError(N_("该评估结果不在公示期，不受理异议"), "reason")
    rec = session.get(ExecutionRecord, evaluation.execution_id)
    ref = session.scalar(select(Submission.ref).where(Submission.id == rec.submission_id))
    return new_objection(session, actor, org, submission_id=rec.submission_id, evaluation_id=evaluation.id, ref=ref,
                         real_name=real_name, contact=contact, reason=reason, evidence=evidence, max_bytes=max_bytes)


def answer_evaluation_objection(session: Session, actor: Any, objection: Objection, decision: str,
                                answer: str) -> Objection:
    """Answer as results objections are answered; an upheld one sends the evaluation back to its evaluator."""
    answer_objection(session, actor, objection, decision, answer)
    evaluation = session.get(Evaluation, objection.evaluation_id)
    if objection.status == "upheld" and evaluation.status == "published":
        evaluation.status, evaluation.published_at, evaluation.publicity_until = "draft", None, None
        evaluation.passed = evaluation.total_centi = None
        session.flush()
        record(session, actor, "evaluation.reopen", evaluation, objection=objection.id)
    return objection


def confirm_evaluation(session: Session, actor: Any, evaluation: Evaluation, now: datetime | None = None) -> Evaluation:
    """Fix the result once the window is over and every objection is answered; a failure stops
    the tranches gated on this evaluation and later ones."""
    if evaluation.status != "published":
        raise ExecutionError(N_("只有公示中的评估才能确定结果"), "evaluation")
    if evaluation_publicity_open(evaluation, now):
        raise ExecutionError(N_("公示期结束后才能确定评估结果"), "evaluation")
    pending = pending_evaluation_objections(session, evaluation)
    if pending:
        raise ExecutionError(N_("还有 %(n)s 件异议未答复，全部答复后才能确定结果"), "evaluation", n=pending)
    evaluation.status = "confirmed"
    session.flush()
    record(session, actor, "evaluation.confirm", evaluation, kind=evaluation.kind, passed=evaluation.passed)
    if not evaluation.passed:
        stop_after_failure(session, actor, session.get(ExecutionRecord, evaluation.execution_id), evaluation.kind)
    return evaluation


def evaluator_work(session: Session, user: Any) -> list[tuple[ExecutionRecord, Submission]]:
    """The projects an evaluator is assigned to."""
    return list(session.execute(
        select(ExecutionRecord, Submission).join(EvaluatorAssignment, EvaluatorAssignment.execution_id == ExecutionRecord.id)
        .join(Submission, Submission.id == ExecutionRecord.submission_id)
        .where(EvaluatorAssignment.evaluator_id == user.id).order_by(Submission.ref)).all())
