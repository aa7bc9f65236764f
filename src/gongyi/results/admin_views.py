"""The administrator's results pages: ranking, runs, comparison, what-if, pools, import."""
from __future__ import annotations

import os
import tempfile
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.calls.models import Call
from gongyi.calls.rules import RulesError
from gongyi.calls.service import find_call, update_call
from gongyi.db import get_session
from gongyi.errors import UserError
from gongyi.funding import service as funding
from gongyi.money import MoneyError, parse_yuan
from gongyi.results import service
from gongyi.results.models import Run
from gongyi.submissions.models import Submission

bp = Blueprint("results_admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    if not policy.is_admin(current_user):
        abort(403)


def _call(slug: str) -> Call:
    return find_call(get_session(), slug) or abort(404)


@bp.get("/calls/<slug>/results")
def ranking(slug: str):
    db = get_session()
    call = _call(slug)
    run = service.find_run(get_session(), call, request.args.get("run", type=int))
    runs = db.scalars(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc())).all()
    page = max(request.args.get("page", 1, type=int), 1)
    sort = request.args.get("sort", "rank")
    descending = request.args.get("dir") == "desc"
    outcome = request.args.get("outcome") or None
    query = request.args.get("q", "")
    rows, total = [], 0
    if run is not None:
        result = service.ranking_page(db, run, sort=sort, descending=descending, outcome=outcome, query=query, page=page)
        rows, total, page = result.rows, result.total, result.number
    return render_template(
        "results/admin_ranking.html", call=call, run=run, runs=runs, rows=rows, total=total, page=page,
        pages=max((total + 249) // 250, 1), sort=sort, descending=descending, outcome=outcome, q=query,
        pools=funding.pool_status(db, call, run), outcomes=service.OUTCOMES,
    )


@bp.post("/calls/<slug>/results/compute")
def compute(slug: str):
    db = get_session()
    call = _call(slug)
    try:
        run = service.compute_call(db, current_user, call, note=request.form.get("note", ""))
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("results_admin.ranking", slug=slug))
    db.commit()
    flash(_("已计算第 %(n)s 次结果。", n=run.number), "success")
    return redirect(url_for("results_admin.ranking", slug=slug))


@bp.get("/calls/<slug>/results/compare")
def compare(slug: str):
    db = get_session()
    call = _call(slug)
    before = service.find_run(get_session(), call, request.args.get("a", type=int)) or abort(404)
    after = service.find_run(get_session(), call, request.args.get("b", type=int)) or abort(404)
    changes = service.compare_runs(db, before, after)
    only_changed = request.args.get("all") != "1"
    shown = [c for c in changes if c.changed] if only_changed else changes
    return render_template("results/admin_compare.html", call=call, before=before, after=after, changes=shown[:1000],
                           changed_count=sum(1 for c in changes if c.changed), total=len(changes),
                           only_changed=only_changed, truncated=len(shown) > 1000)


WHAT_IF_FIELDS = {
    "matching": ("pool", "award_top", "ratio", "cap", "policy", "tiers"),
    "library": ("pool", "cap", "policy"),
}


def _what_if_changes(form) -> tuple[dict, dict[str, str]]:
    """Read the what-if form into rule changes; problems keyed by form field."""
    changes: dict = {"matching": {}, "library": {}}
    problems: dict[str, str] = {}
    for section, keys in WHAT_IF_FIELDS.items():
        for key in keys:
            name = f"{section}_{key}"
            if name not in form:
                continue
            value = form[name].strip()
            if key == "tiers":
                tiers = []
                for n, line in enumerate(filter(None, (l.strip() for l in value.splitlines())), 1):
                    try:
                        span, ratio = line.split(":")
                        lo, hi = span.split("-")
                        tiers.append({"from_rank": int(lo), "to_rank": int(hi), "ratio": ratio.strip()})
                    except ValueError:
                        problems[name] = _("第 %(n)s 行应写成“起始名次-截止名次:比例”，如 1-3:2", n=n)
                changes[section]["tiers"] = tiers
            elif key == "award_top":
                try:
                    changes[section][key] = int(value)
                except ValueError:
                    problems[name] = _("请填写整数")
            elif key == "cap":
                changes[section][key] = value or None
            else:
                changes[section][key] = value
    return changes, problems


@bp.route("/calls/<slug>/results/what-if", methods=["GET", "POST"])
def what_if(slug: str):
    db = get_session()
    call = _call(slug)
    current = service.find_run(get_session(), call, None)
    rules = call.rules
    problems: dict[str, str] = {}
    result = diff = None
    form = request.form if request.method == "POST" else None
    if form is not None:
        changes, problems = _what_if_changes(form)
        try:
            trial_rules, result = service.what_if(db, call, changes)
        except RulesError as exc:
            for error in exc.errors:  # every problem at once, beside its field
                problems.setdefault((error.field or "").replace(".", "_"), error.translated())
            result = None
        if problems:
            result = None
        elif form.get("action") == "save":
            reason = form.get("reason", "").strip()
            if not reason:
                problems["reason"] = _("保存为规则修订须填写理由")
            else:
                try:
                    update_call(db, current_user, call, rules=trial_rules, reason=reason)
                    run = service.compute_call(db, current_user, call, note=_("规则修订：%(r)s", r=reason))
                except UserError as exc:
                    db.rollback()
                    problems[exc.field or "reason"] = exc.translated()
                else:
                    db.commit()
                    flash(_("已保存为规则修订，并计算第 %(n)s 次结果。", n=run.number), "success")
                    return redirect(url_for("results_admin.ranking", slug=slug))
        if result is not None:
            rules = trial_rules
            diff = service.diff_against_run(db, current, result) if current else None
    stale = current is not None and not service.is_current(db, call, current)
    return render_template("results/admin_what_if.html", call=call, current=current, rules=rules, result=result,
                           diff=diff, problems=problems, form=form, stale=stale)


@bp.route("/calls/<slug>/results/pools", methods=["GET", "POST"])
def pools(slug: str):
    from gongyi.results.publication import published_run

    db = get_session()
    call = _call(slug)
    final = published_run(db, call, "final")
    run = final or service.find_run(get_session(), call, None)
    problems: dict[str, str] = {}
    if request.method == "POST":
        if final is None:
            abort(400)
        ref = request.form.get("ref", "").strip()
        submission_id = db.scalar(select(Submission.id).where(Submission.call_id == call.id, Submission.ref == ref))
        try:
            amount = parse_yuan(request.form.get("amount", ""))
        except MoneyError as exc:
            problems["amount"] = exc.translated()
            amount = 0
        try:
            paid_on = date.fromisoformat(request.form.get("paid_on", ""))
        except ValueError:
            problems["paid_on"] = _("请填写日期")
        if submission_id is None:
            problems["ref"] = _("没有编号为 %(ref)s 的项目", ref=ref)
        if not problems:
            try:
                funding.record_disbursement(db, current_user, call, run, pool=request.form.get("pool", ""),
                                            submission_id=submission_id, amount_fen=amount, paid_on=paid_on,
                                            reference=request.form.get("reference", ""))
            except UserError as exc:
                problems[exc.field or "amount"] = exc.translated()
            else:
                db.commit()
                flash(_("已记录拨付。"), "success")
                return redirect(url_for("results_admin.pools", slug=slug))
    return render_template("results/admin_pools.html", call=call, run=run, final=final, pools=funding.pool_status(db, call, run),
                           tranches=funding.disbursements(db, call), problems=problems, form=request.form)


@bp.post("/calls/<slug>/results/withdraw")
def withdraw(slug: str):
    db = get_session()
    call = _call(slug)
    submission = db.scalar(select(Submission).where(Submission.call_id == call.id,
                                                    Submission.ref == request.form.get("ref", ""))) or abort(404)
    try:
        run = service.withdraw_after_results(db, current_user, submission, request.form.get("reason", ""))
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("results_admin.ranking", slug=slug))
    db.commit()
    flash(_("%(ref)s 已撤回，已重新计算（第 %(n)s 次）。", ref=submission.ref, n=run.number), "success")
    if run.number == 1:
        return redirect(url_for("results_admin.ranking", slug=slug))
    return redirect(url_for("results_admin.compare", slug=slug, a=run.number - 1, b=run.number))


@bp.route("/calls/import", methods=["GET", "POST"])
def import_package():
    from gongyi.results.importer import import_call_package
    from gongyi.results.package import PackageError

    problems: list[str] = []
    if request.method == "POST":
        upload = request.files.get("package")
        if upload is None or not upload.filename:
            problems = [_("请选择一个 .zip 文件")]
        else:
            db = get_session()
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "package.zip")
                upload.save(path)
                try:
                    report = import_call_package(db, current_user, path)
                except PackageError as exc:
                    db.rollback()
                    problems = exc.problems
                else:
                    db.commit()
                    flash(_("已导入 %(slug)s：%(n)s 个项目，%(r)s 份评审。", slug=report.slug, n=report.submissions,
                            r=report.reviews), "success")
                    return redirect(url_for("results_admin.ranking", slug=report.slug))
    return render_template("results/admin_import.html", problems=problems)
