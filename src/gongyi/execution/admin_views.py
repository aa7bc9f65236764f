"""The administrators' execution pages of a call: the list of funded projects, the call's rubric
and funding mark, the evaluators, the export, and answering objections to evaluations."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.audit.history import object_history
from gongyi.db import get_session
from gongyi.execution import evaluations
from gongyi.execution.forms import EvaluatorForm, SettingsForm
from gongyi.execution.models import Evaluation, ExecutionRecord
from gongyi.execution.overview import call_overview
from gongyi.execution.web_exports import CSV_KINDS, FORMATS, send_execution_export
from gongyi.execution.webparts import today
from gongyi.formatting import label
from gongyi.numbers import whole_number
from gongyi.orgs.models import Organisation
from gongyi.results.models import Objection
from gongyi.results.publication_forms import AnswerForm
from gongyi.results.vocab import OBJECTION_STATUSES
from gongyi.submissions.models import Submission
from gongyi.webutil import call_or_404

bp = Blueprint("execution_admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    if not policy.can_manage_execution(current_user):
        abort(403)


def _settings_form(call) -> SettingsForm:
    criteria, pass_mark = evaluations.rubric_of(get_session(), call)
    form = SettingsForm(formdata=None, criteria="\n".join(f"{_(c['name'])} | {c['max']}" for c in criteria),
                        pass_mark=str(pass_mark), funding_mark=evaluations.funding_mark_of(get_session(), call) or "")
    return form


@bp.get("/calls/<slug>/execution")
def call_page(slug: str, settings_form: SettingsForm | None = None):
    call = call_or_404(slug)
    rows = call_overview(get_session(), call.id, today())
    return render_template("execution/admin_call.html", call=call, rows=rows, csv_kinds=CSV_KINDS,
                           settings_form=settings_form or _settings_form(call))


@bp.post("/calls/<slug>/execution/settings")
def settings(slug: str):
    call = call_or_404(slug)
    form = SettingsForm()
    with attempt(form) as done:
        evaluations.set_rubric(get_session(), current_user, call, form.criteria.data, form.pass_mark.data,
                               form.funding_mark.data)
        done.flash(_("已保存评估指标和资助标识。"))
    if done.ok:
        return redirect(url_for(".call_page", slug=slug))
    return call_page(slug, settings_form=form), 422


@bp.get("/calls/<slug>/execution/export.<fmt>")
def export(slug: str, fmt: str):
    call = call_or_404(slug)
    kind = request.args.get("kind", "projects")
    if fmt not in FORMATS or kind not in CSV_KINDS:
        abort(404)
    return send_execution_export(get_session(), call, fmt, today(), kind)


@bp.route("/evaluators", methods=["GET", "POST"])
def evaluators_page():
    db = get_session()
    form = EvaluatorForm()
    form.set_choices(list(db.scalars(select(Organisation).order_by(Organisation.name))))
    if form.validate_on_submit():
        affiliation = form.affiliation_id.data
        with attempt(form) as done:
            user = evaluations.create_evaluator(db, current_user, email=form.email.data, name=form.name.data,
                                                password=form.password.data or "",
                                                affiliation_id=whole_number(affiliation))
            done.flash(_("已添加第三方评估机构：%(name)s", name=user.name))
        if done.ok:
            return redirect(url_for(".evaluators_page"))
    status = 422 if form.errors else 200
    return render_template("execution/admin_evaluators.html", form=form,
                           evaluators=evaluations.evaluators(db)), status


@bp.route("/evaluation-objections/<int:objection_id>", methods=["GET", "POST"])
def objection(objection_id: int):
    """An objection to an evaluation; answer it (upheld sends the evaluation back to its evaluator)."""
    db = get_session()
    item = db.get(Objection, objection_id)
    if item is None or item.evaluation_id is None:
        abort(404)
    evaluation = db.get(Evaluation, item.evaluation_id)
    rec = db.get(ExecutionRecord, evaluation.execution_id)
    form = AnswerForm()
    if policy.can_answer_objection(current_user, item) and form.validate_on_submit():
        decision = request.form.get("decision", "")
        with attempt(form) as done:
            evaluations.answer_evaluation_objection(db, current_user, item, decision, form.answer.data)
            done.flash(_("已答复异议：%(decision)s。", decision=label(decision, OBJECTION_STATUSES)))
        if done.ok:
            return redirect(url_for(".objection", objection_id=item.id))
    return render_template("execution/admin_objection.html", item=item, evaluation=evaluation, record=rec,
                           submission=db.get(Submission, rec.submission_id),
                           objector=db.get(Organisation, item.organisation_id), form=form,
                           history=object_history(db, item))
