"""The administrators' publicity pages: publish provisional and final results, answer objections."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.forms import ActionForm
from gongyi.calls.models import Call
from gongyi.calls.service import find_call
from gongyi.db import get_session
from gongyi.clock import utcnow
from gongyi.errors import UserError
from gongyi.orgs.models import Organisation
from gongyi.results import publication, service
from gongyi.results.models import Objection, Run, RunRow
from gongyi.results.publication_forms import AnswerForm
from gongyi.submissions.models import Submission

bp = Blueprint("publication_admin", __name__, url_prefix="/admin")

RECOMPUTE_STATES = ("results", "publicity")


@bp.before_request
@login_required
def require_admin():
    if not policy.can_publish_results(current_user):
        abort(403)


def _call(slug: str) -> Call:
    return find_call(get_session(), slug) or abort(404)


@bp.get("/calls/<slug>/publication")
def publication_page(slug: str):
    db = get_session()
    call = _call(slug)
    latest = service.find_run(db, call)
    provisional = publication.published_run(db, call, "provisional")
    final = publication.published_run(db, call, "final")
    objections = publication.call_objections(db, call)
    return render_template(
        "results/objection_admin.html", call=call, latest=latest, provisional=provisional, final=final,
        objections=objections, pending=sum(1 for o in objections if o.objection.status == "pending"),
        labels=publication.OBJECTION_STATUS_LABELS, last_day=publication.last_publicity_day(provisional) if provisional else None,
        window_open=provisional is not None and publication.publicity_open(provisional),
        can_recompute=call.status in RECOMPUTE_STATES, form=ActionForm(),
        working_days=current_app.config["PUBLICITY_WORKING_DAYS"], now=utcnow(),
    )


@bp.post("/calls/<slug>/publication/publish")
def publish(slug: str):
    """Publish the run the administrator was shown (its number is posted) as provisional or final results."""
    db = get_session()
    call = _call(slug)
    kind = request.form.get("kind")
    run = db.scalar(select(Run).where(Run.call_id == call.id, Run.number == request.form.get("run", type=int)))
    if kind not in publication.KINDS or run is None or not ActionForm().validate_on_submit():
        abort(400)
    try:
        publication.publish_results(db, current_user, run, kind,
                                    working_days=int(current_app.config["PUBLICITY_WORKING_DAYS"]))
    except UserError as exc:
        db.rollback()
        flash(exc.translated(), "error")
    else:
        db.commit()
        if kind == "provisional":
            flash(_("已发布公示结果（第 %(n)s 次计算），公示期至 %(day)s。", n=run.number,
                    day=publication.last_publicity_day(run).isoformat()), "success")
        else:
            flash(_("已发布最终结果（第 %(n)s 次计算）。", n=run.number), "success")
    return redirect(url_for("publication_admin.publication_page", slug=slug))


@bp.post("/calls/<slug>/publication/recompute")
def recompute(slug: str):
    """Compute a new run after corrections (e.g. an upheld objection), to publish as the final results."""
    db = get_session()
    call = _call(slug)
    if call.status not in RECOMPUTE_STATES or not ActionForm().validate_on_submit():
        abort(400)
    run = service.compute_call(db, current_user, call, note=request.form.get("note", "").strip())
    db.commit()
    flash(_("已计算第 %(n)s 次结果。", n=run.number), "success")
    return redirect(url_for("publication_admin.publication_page", slug=slug))


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
def objection(objection_id: int):
    """One objection with the contested result and its ledger; answer it (upheld or dismissed)."""
    db = get_session()
    item = db.get(Objection, objection_id) or abort(404)
    run = db.get(Run, item.run_id)
    call = db.get(Call, run.call_id)
    row = db.scalar(select(RunRow).where(RunRow.run_id == run.id, RunRow.submission_id == item.submission_id))
    submission = db.get(Submission, item.submission_id)
    form = AnswerForm()
    if item.status == "pending" and form.validate_on_submit():
        decision = request.form.get("decision", "")
        try:
            publication.answer_objection(db, current_user, item, decision, form.answer.data)
        except UserError as exc:
            db.rollback()
            form.answer.errors.append(exc.translated())
        else:
            db.commit()
            flash(_("已答复异议：%(decision)s。", decision=_(publication.OBJECTION_STATUS_LABELS[decision])), "success")
            return redirect(url_for("publication_admin.objection", objection_id=item.id))
    return render_template(
        "results/objection_answer.html", item=item, run=run, call=call, row=row, submission=submission,
        objector=db.get(Organisation, item.organisation_id), owner=db.get(Organisation, submission.organisation_id),
        rules=run.rules, form=form, labels=publication.OBJECTION_STATUS_LABELS,
    )
