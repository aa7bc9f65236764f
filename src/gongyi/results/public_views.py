"""Published results for everyone, each project's ledger for its organisation, and objections (异议)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.calls.models import RulesVersion
from gongyi.calls.rules import rubric_total
from gongyi.db import get_session
from gongyi.orgs.models import Organisation
from gongyi.results import page_cache, publication, service, web_exports
from gongyi.results.explain import explain_funds, explain_row
from gongyi.results.holds import active_hold
from gongyi.results.models import Objection, Run, RunRow
from gongyi.results.publication_forms import ObjectionForm
from gongyi.submissions.attachments import Upload
from gongyi.submissions.models import Submission
from gongyi.webutil import call_or_404, int_arg, page_number, send_stored_file

bp = Blueprint("public_results", __name__)
PER_PAGE = 100  # rows a page: a phone reads it, and its time and size do not grow with the call
# The public may download what the page shows; the ledgers name donors and stay with their organisations.
PUBLIC_EXPORTS = ("ranking", "results")


@bp.app_template_global("ledger_explanation")
def ledger_explanation(row: RunRow, rules: dict):
    """For results/ledger_partial.html, which the administrators' pages include too."""
    return explain_row(row, rules)


@bp.app_template_global("funds_explanation")
def funds_explanation(row: RunRow):
    """How R came about, line by line, from the row's ledger (runs saved before version 2 have none)."""
    funds = (row.ledger or {}).get("funds")
    return explain_funds(funds) if funds else ()


def _rules_context(run: Run) -> dict:
    """The rules card of the rules the run was computed under."""
    return {"rules": run.rules, "rubric_total": rubric_total(run.rules),
            "rules_version": get_session().get(RulesVersion, run.rules_version_id)}


@bp.get("/results/<slug>")
def results(slug: str):
    """The latest published results of a call, PER_PAGE rows a page, in a fixed handful of statements;
    for visitors who are not signed in, from the page cache with validators (page_cache)."""
    db = get_session()
    call = call_or_404(slug, public=True, user=current_user)
    run = publication.published_run(db, call)
    if run is None:
        return render_template("results/public_results.html", call=call, run=None), 404
    if page_cache.page_is_cacheable():
        return page_cache.cached_page(call, run, lambda **extra: _results_page(call, run, **extra))
    return _results_page(call, run)


def _results_page(call, run: Run, **extra) -> str:
    db = get_session()
    outcome = request.args.get("outcome") or None
    query = request.args.get("q", "")
    page = service.ranking_page(db, run, outcome=outcome, query=query, page=page_number(), per_page=PER_PAGE)
    changes = publication.changes_against_previous(db, call, run)
    own_ids = set(db.scalars(select(Submission.id).where(
        Submission.call_id == call.id, Submission.organisation_id == current_user.organisation_id))
    ) if getattr(current_user, "organisation_id", None) else set()
    return render_template(
        "results/public_results.html", call=call, run=run, page=page, outcome=outcome, q=query,
        changes=changes, changed_ids=changes.changed_ids if changes else set(), own_ids=own_ids,
        last_day=publication.last_publicity_day(run), objections_open=publication.publicity_open(run),
        export_kinds=PUBLIC_EXPORTS, **_rules_context(run), **extra,
        objections=publication.call_objections(db, call) if run.published == "final" else [],
    )


@bp.get("/results/<slug>/export/<kind>.<fmt>")
def export(slug: str, kind: str, fmt: str):
    """The published ranking or results.csv, with the rows the public page's filters show."""
    db = get_session()
    call = call_or_404(slug, public=True, user=current_user)
    run = publication.published_run(db, call) or abort(404)
    if kind not in PUBLIC_EXPORTS or fmt not in web_exports.FORMATS:
        abort(404)
    filters = web_exports.Filters(outcome=request.args.get("outcome") or None, query=request.args.get("q", ""))
    return web_exports.send_export(db, call, run, kind, fmt, filters, public=True)


def _row(run: Run, ref: str):
    """The run's row for `ref` with the submission and organisation, or 404."""
    found = get_session().execute(
        select(RunRow, Submission, Organisation.name)
        .join(Submission, Submission.id == RunRow.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(RunRow.run_id == run.id, RunRow.ref == ref)
    ).first()
    return found or abort(404)


@bp.get("/results/<slug>/projects/<ref>")
@login_required
def project(slug: str, ref: str):
    """One project's result with its ledger, for its organisation and administrators.

    Members see the latest published results; administrators may look at any run (?run=N).
    """
    db = get_session()
    call = call_or_404(slug, public=True, user=current_user)
    number = int_arg("run") if policy.is_admin(current_user) else None
    if number:
        run = db.scalar(select(Run).where(Run.call_id == call.id, Run.number == number))
    else:
        run = publication.published_run(db, call)
    if run is None:
        abort(404)
    row, submission, org_name = _row(run, ref)
    if not policy.can_view_ledger(current_user, submission):
        abort(403)
    return render_template("results/public_project.html", call=call, run=run, row=row, submission=submission,
                           org_name=org_name, hold=active_hold(db, submission), can_object=policy.can_file_objection(current_user, run),
                           **_rules_context(run))


def _evidence(form: ObjectionForm) -> Upload | None:
    """The uploaded evidence, read up to one byte past the limit (so that the service can refuse it)."""
    upload = form.evidence.data
    if not (upload and upload.filename):
        return None
    return Upload(upload.filename, upload.read(int(current_app.config["MAX_ATTACHMENT_BYTES"]) + 1))


@bp.route("/results/<slug>/projects/<ref>/objection", methods=["GET", "POST"])
@login_required
def object_to(slug: str, ref: str):
    """File an objection to one result during publicity (member of a verified organisation, real name)."""
    db = get_session()
    call = call_or_404(slug, public=True, user=current_user)
    run = publication.published_run(db, call) or abort(404)
    row, submission, org_name = _row(run, ref)
    context = {"call": call, "run": run, "row": row, "submission": submission, "org_name": org_name,
               "last_day": publication.last_publicity_day(run)}
    if publication.objecting_organisation(current_user) is None:
        return render_template("results/objection_form.html", refusal="organisation", form=None, **context), 403
    if not publication.publicity_open(run):
        return render_template("results/objection_form.html", refusal="closed", form=None, **context), 403
    form = ObjectionForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            publication.file_objection(db, current_user, row, real_name=form.real_name.data, contact=form.contact.data,
                                       reason=form.reason.data, evidence=_evidence(form),
                                       max_bytes=int(current_app.config["MAX_ATTACHMENT_BYTES"]))
            done.flash(_("异议已提交，管理员答复后会通知您。"))
        if done.ok:
            return redirect(url_for("public_results.my_objections"))
    return render_template("results/objection_form.html", refusal=None, form=form, **context)


@bp.get("/objections/mine")
@login_required
def my_objections():
    """The objections the user's organisation filed, with the administrators' answers."""
    if current_user.organisation_id is None:
        return render_template("results/objection_mine.html", objections=[])
    objections = publication.organisation_objections(get_session(), current_user.organisation_id)
    return render_template("results/objection_mine.html", objections=objections)


@bp.get("/objections/<int:objection_id>/evidence")
@login_required
def evidence(objection_id: int):
    objection = get_session().get(Objection, objection_id)
    if objection is None or objection.evidence_name is None:
        abort(404)
    if not policy.can_view_objection(current_user, objection):
        abort(403)
    return send_stored_file(objection.evidence, objection.evidence_name, objection.evidence_type)
