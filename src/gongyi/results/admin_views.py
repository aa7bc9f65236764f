"""The administrator's results pages: ranking, runs, comparison, what-if, pools, import."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.errors import N_, UserError
from gongyi.audit.history import object_history
from gongyi.calls.workflow import allows
from gongyi.db import get_session
from gongyi.funding import service as funding
from gongyi.results import service, web_exports, whatif
from gongyi.results import holds
from gongyi.results.admin_forms import DisbursementForm, HoldForm, PackageForm, WhatIfForm
from gongyi.results.checks import step_checks
from gongyi.results.models import Run
from gongyi.results.package_upload import import_uploaded_package
from gongyi.results.publication import published_run
from gongyi.submissions.models import Submission
from gongyi.webutil import call_or_404, int_arg, page_number

bp = Blueprint("results_admin", __name__, url_prefix="/admin")
PER_PAGE = 100  # rows a page: a phone reads it, and its time and size do not grow with the call
COMPARED_ROWS = 1000  # rows shown on the comparison page


@bp.before_request
@login_required
def require_admin():
    if not policy.is_admin(current_user):
        abort(403)


@bp.get("/calls/<slug>/results")
def ranking(slug: str):
    db = get_session()
    call = call_or_404(slug)
    run = service.find_run(db, call, int_arg("run"))
    runs = db.scalars(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc())).all()
    f = _filters()
    page = None
    if run is not None:
        page = service.ranking_page(db, run, sort=f.sort, descending=f.descending, outcome=f.outcome, query=f.query,
                                    page=page_number(), per_page=PER_PAGE)
    return render_template(
        "results/admin_ranking.html", call=call, run=run, runs=runs, page=page, sort=f.sort, descending=f.descending,
        outcome=f.outcome, q=f.query, pools=funding.pool_status(db, call, run), export_kinds=web_exports.KINDS,
        history=object_history(db, run),
    )


def _filters() -> web_exports.Filters:
    return web_exports.Filters(sort=request.args.get("sort", "rank"), descending=request.args.get("dir") == "desc",
                               outcome=request.args.get("outcome") or None, query=request.args.get("q", ""))


@bp.get("/calls/<slug>/results/export/<kind>.<fmt>")
def export(slug: str, kind: str, fmt: str):
    """The ranking, results.csv or the ledgers of a run, with the rows the ranking page's filters show."""
    db = get_session()
    call = call_or_404(slug)
    run = service.find_run(db, call, int_arg("run")) or abort(404)
    if kind not in web_exports.KINDS or fmt not in web_exports.FORMATS:
        abort(404)
    return web_exports.send_export(db, call, run, kind, fmt, _filters())


@bp.get("/calls/<slug>/results/compute")
def confirm_compute(slug: str):
    """Before computing: what would still change the results (pending funds near the places,
    reviews not submitted, objections not answered), above the button."""
    db = get_session()
    call = call_or_404(slug)
    if not allows(call, "compute"):
        return redirect(url_for("results_admin.ranking", slug=slug))
    return render_template("results/admin_compute.html", call=call, checks=step_checks(db, call),
                           latest=service.find_run(db, call))


@bp.post("/calls/<slug>/results/compute")
def compute(slug: str):
    call = call_or_404(slug)
    with attempt() as done:
        run = service.compute_call(get_session(), current_user, call, note=request.form.get("note", ""))
        done.flash(_("已计算第 %(n)s 次结果。", n=run.number))
    return redirect(url_for("results_admin.ranking", slug=slug))


@bp.get("/calls/<slug>/results/compare")
def compare(slug: str):
    db = get_session()
    call = call_or_404(slug)
    before = service.find_run(db, call, int_arg("a")) or abort(404)
    after = service.find_run(db, call, int_arg("b")) or abort(404)
    changes = service.compare_runs(db, before, after)
    only_changed = request.args.get("all") != "1"
    shown = [c for c in changes if c.changed] if only_changed else changes
    return render_template("results/admin_compare.html", call=call, before=before, after=after,
                           changes=shown[:COMPARED_ROWS], changed_count=sum(1 for c in changes if c.changed),
                           total=len(changes), only_changed=only_changed, truncated=len(shown) > COMPARED_ROWS)


@bp.route("/calls/<slug>/results/what-if", methods=["GET", "POST"])
def what_if(slug: str):
    """Try other rules on the current inputs (nothing saved), or save the trial as a rules amendment."""
    db = get_session()
    call = call_or_404(slug)
    current = service.find_run(db, call)
    form = WhatIfForm(data=whatif.trial_values(call.rules))
    saving, can_save = request.form.get("action") == "save", whatif.can_save(call)
    if saving and not can_save:
        abort(400)  # the page offers no save button then
    trial = None
    if form.is_submitted():
        with attempt(form):
            trial = whatif.try_changes(db, call, form.trial_values())
        if trial is not None and saving:
            with attempt(form) as done:
                run = whatif.save_trial(db, current_user, call, trial, form.reason.data)
                done.flash(_("已保存为规则修订，并计算第 %(n)s 次结果。", n=run.number))
            if done.ok:
                return redirect(url_for("results_admin.ranking", slug=slug))
    diff = service.diff_against_run(db, current, trial.results) if trial and current else None
    stale = current is not None and not service.is_current(db, call, current)
    return render_template("results/admin_what_if.html", call=call, current=current, form=form,
                           result=trial.results if trial else None, diff=diff, stale=stale, can_save=can_save)


@bp.route("/calls/<slug>/results/pools", methods=["GET", "POST"])
def pools(slug: str):
    """Both pools of the results in force, and the tranches paid out of the final results."""
    db = get_session()
    call = call_or_404(slug)
    final = published_run(db, call, "final")
    run = final or service.find_run(db, call)
    may_disburse = funding.can_disburse(call, final)
    form = DisbursementForm()
    if form.is_submitted():
        if not may_disburse:
            abort(400)
        with attempt(form) as done:
            funding.record_disbursement(db, current_user, call, final, pool=form.pool.data, ref=form.ref.data,
                                        amount=form.amount.data, paid_on=form.paid_on.data,
                                        reference=form.reference.data)
            done.flash(_("已记录拨付。"))
        if done.ok:
            return redirect(url_for("results_admin.pools", slug=slug))
    return render_template("results/admin_pools.html", call=call, run=run, may_disburse=may_disburse, form=form,
                           pools=funding.pool_status(db, call, run), tranches=funding.disbursements(db, call))


@bp.post("/calls/<slug>/results/withdraw")
def withdraw(slug: str):
    """A project withdraws after results: record it and recompute; show what changed."""
    db = get_session()
    call = call_or_404(slug)
    ref = request.form.get("ref", "").strip()
    submission = db.scalar(select(Submission).where(Submission.call_id == call.id, Submission.ref == ref))
    with attempt() as done:
        if submission is None:  # a mistyped number: said, not a 404
            raise UserError(N_("本征集没有编号为“%(ref)s”的项目"), "ref", ref=ref[:40])
        run = service.withdraw_after_results(db, current_user, submission, request.form.get("reason", ""))
        done.flash(_("%(ref)s 已撤回，已重新计算（第 %(n)s 次）。", ref=submission.ref, n=run.number))
    if not done.ok or run.number == 1:
        return redirect(url_for("results_admin.ranking", slug=slug))
    return redirect(url_for("results_admin.compare", slug=slug, a=run.number - 1, b=run.number))


@bp.route("/calls/<slug>/results/holds", methods=["GET", "POST"])
def holds_page(slug: str):
    """Hold a project's funding (暂缓拨付) or release it, each with a reason; after results each
    saves a new run, so the page then shows what changed."""
    db = get_session()
    call = call_or_404(slug)
    action = request.form.get("action")
    hold_form = HoldForm(formdata=request.form if action == "hold" else None)
    release_form = HoldForm(formdata=request.form if action == "release" else None, prefix="release")
    if request.method == "POST":
        if action not in ("hold", "release"):
            abort(400)
        form = hold_form if action == "hold" else release_form
        before = service.find_run(db, call)
        with attempt(form) as done:
            submission = holds.find_submission(db, call, form.ref.data or "")
            if action == "hold":
                holds.hold_submission(db, current_user, submission, form.reason.data or "")
                done.flash(_("%(ref)s 的资金已暂缓拨付。", ref=submission.ref))
            else:
                holds.release_hold(db, current_user, submission, form.reason.data or "")
                done.flash(_("%(ref)s 已解除暂缓拨付。", ref=submission.ref))
        if done.ok:
            after = service.find_run(db, call)
            if before is not None and after is not None and after.number > before.number:
                flash(_("已重新计算（第 %(n)s 次）。", n=after.number))
                return redirect(url_for("results_admin.compare", slug=slug, a=before.number, b=after.number))
            return redirect(url_for("results_admin.holds_page", slug=slug))
    status = 422 if request.method == "POST" else 200
    return render_template("results/admin_holds.html", call=call, hold_form=hold_form, release_form=release_form,
                           holds=holds.call_holds(db, call)), status


@bp.route("/calls/import", methods=["GET", "POST"])
def import_package():
    form = PackageForm()
    if form.is_submitted():
        upload = form.package.data
        with attempt(form) as done:
            report = import_uploaded_package(get_session(), current_user, upload.filename if upload else None,
                                             upload.read() if upload else b"",
                                             max_unpacked=current_app.config["MAX_PACKAGE_BYTES"])
            done.flash(_("已导入 %(slug)s：%(n)s 个项目，%(r)s 份评审。", slug=report.slug, n=report.submissions,
                         r=report.reviews))
        if done.ok:
            return redirect(url_for("results_admin.ranking", slug=report.slug))
    return render_template("results/admin_import.html", form=form)
