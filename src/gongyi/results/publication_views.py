"""The administrators' publicity pages: publish provisional and final results, answer objections."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.audit.history import object_history
from gongyi.calls.models import Call
from gongyi.calls.workflow import allows
from gongyi.clock import utcnow
from gongyi.db import get_session
from gongyi.formatting import label
from gongyi.orgs.models import Organisation
from gongyi.results import publication, service
from gongyi.results.checks import step_checks
from gongyi.results.models import Objection, Run, RunRow
from gongyi.results.publication_forms import AnswerForm
from gongyi.results.vocab import OBJECTION_STATUSES
from gongyi.submissions.models import Submission
from gongyi.webutil import call_or_404, int_arg

bp = Blueprint("publication_admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    if not policy.can_publish_results(current_user):
        abort(403)


@bp.get("/calls/<slug>/publication")
def publication_page(slug: str):
    db = get_session()
    call = call_or_404(slug)
    latest = service.find_run(db, call)
    provisional = publication.published_run(db, call, "provisional")
    final = publication.published_run(db, call, "final")
    objections = publication.call_objections(db, call)
    return render_template(
        "results/objection_admin.html", call=call, latest=latest, provisional=provisional, final=final,
        objections=objections, pending=sum(1 for o in objections if o.objection.status == "pending"),
        last_day=publication.last_publicity_day(provisional) if provisional else None,
        window_open=provisional is not None and publication.publicity_open(provisional),
        working_days=current_app.config["PUBLICITY_WORKING_DAYS"], now=utcnow(),
        checks=step_checks(db, call) if latest is not None and (allows(call, "recompute") or allows(call, "publish_revision")) else None,
    )


@bp.post("/calls/<slug>/publication/publish")
def publish(slug: str):
    """Publish the run the administrator was shown (its number is posted) as provisional or final results."""
    db = get_session()
    call = call_or_404(slug)
    kind = request.form.get("kind")
    number = int_arg("run", source=request.form)
    run = db.scalar(select(Run).where(Run.call_id == call.id, Run.number == number)) if number else None
    if kind not in publication.KINDS or run is None:
        abort(400)
    with attempt() as done:
        publication.publish_results(db, current_user, run, kind,
                                    working_days=int(current_app.config["PUBLICITY_WORKING_DAYS"]))
        if kind == "provisional":
            done.flash(_("已发布公示结果（第 %(n)s 次计算），公示期至 %(day)s。", n=run.number,
                         day=publication.last_publicity_day(run).isoformat()))
        else:
            done.flash(_("已发布最终结果（第 %(n)s 次计算）。", n=run.number))
    return redirect(url_for("publication_admin.publication_page", slug=slug))


@bp.post("/calls/<slug>/publication/recompute")
def recompute(slug: str):
    """Compute a new run after corrections (e.g. an upheld objection), to publish as the final results."""
    call = call_or_404(slug)
    if not allows(call, "recompute"):
        abort(400)
    with attempt() as done:
        run = service.compute_call(get_session(), current_user, call, note=request.form.get("note", "").strip())
        done.flash(_("已计算第 %(n)s 次结果。", n=run.number))
    return redirect(url_for("publication_admin.publication_page", slug=slug))


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
def objection(objection_id: int):
    """One objection with the contested result and its ledger; answer it (upheld or dismissed)."""
    db = get_session()
    item = db.get(Objection, objection_id) or abort(404)
    if item.run_id is None:  # an objection to an evaluation is answered on the execution pages
        return redirect(url_for("execution_admin.objection", objection_id=item.id))
    run = db.get(Run, item.run_id)
    call = db.get(Call, run.call_id)
    row = db.scalar(select(RunRow).where(RunRow.run_id == run.id, RunRow.submission_id == item.submission_id))
    submission = db.get(Submission, item.submission_id)
    form = AnswerForm()
    if policy.can_answer_objection(current_user, item) and form.validate_on_submit():
        decision = request.form.get("decision", "")
        with attempt(form) as done:
            publication.answer_objection(db, current_user, item, decision, form.answer.data)
            done.flash(_("已答复异议：%(decision)s。", decision=label(decision, OBJECTION_STATUSES)))
        if done.ok:
            return redirect(url_for("publication_admin.objection", objection_id=item.id))
    return render_template(
        "results/objection_answer.html", item=item, run=run, call=call, row=row, submission=submission,
        objector=db.get(Organisation, item.organisation_id), owner=db.get(Organisation, submission.organisation_id),
        rules=run.rules, form=form, history=object_history(db, item),
    )
