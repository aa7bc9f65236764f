"""Public disclosure (信息公开) of the funded projects of a call, and objections to published evaluations."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.calls.workflow import allows
from gongyi.db import get_session
from gongyi.execution import evaluations
from gongyi.execution.disclosure import disclosure_of
from gongyi.execution.models import Evaluation
from gongyi.execution.records import call_records, record_of
from gongyi.execution.vocab import EVALUATION_KINDS
from gongyi.execution.webparts import max_bytes, upload_of
from gongyi.orgs.models import Organisation
from gongyi.results.publication_forms import ObjectionForm
from gongyi.submissions.models import Submission
from gongyi.webutil import call_or_404

bp = Blueprint("disclosure", __name__)


def _public_call(slug: str):
    call = call_or_404(slug, public=True, user=current_user)
    if not allows(call, "public_results"):
        abort(404)
    return call


@bp.get("/results/<slug>/disclosure")
def call_page(slug: str):
    db = get_session()
    call = _public_call(slug)
    mark = evaluations.funding_mark_of(db, call)
    rows = [(rec, submission, disclosure_of(db, rec, mark)) for rec, submission in call_records(db, call.id)]
    return render_template("execution/disclosure_call.html", call=call, rows=rows,
                           totals={"allocated": sum(r[2].figures.allocated_fen for r in rows),
                                   "paid": sum(r[2].figures.paid_fen for r in rows),
                                   "recovered": sum(r[2].figures.recovered_fen for r in rows),
                                   "spent": sum(r[2].figures.spent_fen for r in rows)})


def _project(slug: str, ref: str):
    db = get_session()
    call = _public_call(slug)
    rec = record_of(db, call.id, ref) or abort(404)
    return call, rec, db.get(Submission, rec.submission_id)


@bp.get("/results/<slug>/projects/<ref>/disclosure")
def project(slug: str, ref: str):
    db = get_session()
    call, rec, submission = _project(slug, ref)
    return render_template("execution/disclosure.html", call=call, record=rec, submission=submission,
                           organisation=db.get(Organisation, rec.organisation_id),
                           public=disclosure_of(db, rec, evaluations.funding_mark_of(db, call)))


@bp.route("/results/<slug>/projects/<ref>/evaluations/<kind>/objection", methods=["GET", "POST"])
def objection(slug: str, ref: str, kind: str):
    """Object to a published evaluation during its window (member of a verified organisation, real name)."""
    db = get_session()
    call, rec, submission = _project(slug, ref)
    evaluation = db.scalar(select(Evaluation).where(Evaluation.execution_id == rec.id, Evaluation.kind == kind))
    if kind not in EVALUATION_KINDS or evaluation is None or evaluation.status not in ("published", "confirmed"):
        abort(404)
    context = {"call": call, "submission": submission, "evaluation": evaluation}
    if not policy.can_object_to_evaluation(current_user, evaluation):
        return render_template("execution/objection_form.html", form=None, **context), 403
    form = ObjectionForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            evaluations.file_evaluation_objection(db, current_user, evaluation, real_name=form.real_name.data,
                                                  contact=form.contact.data, reason=form.reason.data,
                                                  evidence=upload_of(form.evidence.data), max_bytes=max_bytes())
            done.flash(_("已提交异议。管理员答复后会通知您。"))
        if done.ok:
            return redirect(url_for(".project", slug=slug, ref=ref))
    return render_template("execution/objection_form.html", form=form, **context), 422 if form.errors else 200
