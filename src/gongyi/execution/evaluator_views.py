"""The evaluators' pages (第三方评估机构): their projects, and scoring a project's mid-term or
final evaluation on the call's rubric; declaring a conflict of interest."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from gongyi import policy
from gongyi.actions import attempt
from gongyi.calls.models import Call
from gongyi.db import get_session
from gongyi.execution import evaluations, reports
from gongyi.execution.forms import ConflictForm, EvaluationForm
from gongyi.execution.vocab import EVALUATION_KINDS
from gongyi.execution.webparts import record_or_404
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Submission

bp = Blueprint("evaluation", __name__, url_prefix="/evaluate")


@bp.before_request
@login_required
def require_evaluator():
    if not policy.is_evaluator(current_user):
        abort(403)


@bp.get("/")
def queue():
    db = get_session()
    work = [(rec, submission, {kind: evaluations.evaluation_of(db, rec, kind) for kind in EVALUATION_KINDS})
            for rec, submission in evaluations.evaluator_work(db, current_user)]
    return render_template("execution/evaluator_queue.html", work=work)


def _assigned(record_id: int):
    rec = record_or_404(record_id)
    if not evaluations.is_assigned(get_session(), current_user, rec):
        abort(403)
    return rec


def _page(rec, kind: str, form: EvaluationForm, status: int = 200, conflict_form: ConflictForm | None = None):
    db = get_session()
    call = db.get(Call, rec.call_id)
    criteria, pass_mark = evaluations.rubric_of(db, call)
    submission = db.get(Submission, rec.submission_id)
    return render_template(
        "execution/evaluate.html", record=rec, kind=kind, form=form, criteria=criteria, pass_mark=pass_mark,
        evaluation=evaluations.evaluation_of(db, rec, kind), call=call, submission=submission,
        organisation=db.get(Organisation, rec.organisation_id), milestones={m.id: m for m in rec.milestones},
        reports=[r for r in reports.reports_of(db, rec) if r.status == "accepted"],
        posted=request.form if request.method == "POST" else None,
        conflict_form=conflict_form or ConflictForm(formdata=None)), status


@bp.route("/<int:record_id>/<kind>", methods=["GET", "POST"])
def evaluate(record_id: int, kind: str):
    if kind not in EVALUATION_KINDS:
        abort(404)
    rec = _assigned(record_id)
    db = get_session()
    existing = evaluations.evaluation_of(db, rec, kind)
    if request.method == "GET":
        return _page(rec, kind, EvaluationForm(formdata=None, comment=existing.comment if existing else ""))
    form = EvaluationForm()
    if not form.validate_on_submit():
        return _page(rec, kind, form, 422)
    scores = {key[len("score_"):]: value for key, value in request.form.items() if key.startswith("score_")}
    submit = request.form.get("action") == "submit"
    with attempt(form) as done:
        evaluations.save_evaluation(db, current_user, rec, kind, scores=scores, comment=form.comment.data, submit=submit)
        done.flash(_("已提交评估，等待管理员公示。") if submit else _("已保存评估草稿。"))
    if done.ok:
        return redirect(url_for(".queue") if submit else url_for(".evaluate", record_id=rec.id, kind=kind))
    return _page(rec, kind, form, 422)


@bp.post("/<int:record_id>/conflict")
def conflict(record_id: int):
    rec = _assigned(record_id)
    form = ConflictForm()
    with attempt(form) as done:
        evaluations.declare_evaluator_conflict(get_session(), current_user, rec, current_user, form.reason.data)
        done.flash(_("已声明回避，该项目不再由您评估。"))
    if done.ok:
        return redirect(url_for(".queue"))
    return _page(rec, "midterm", EvaluationForm(formdata=None), 422, conflict_form=form)
