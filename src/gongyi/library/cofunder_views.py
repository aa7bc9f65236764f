"""Co-funders' pages (pledging, "projects we fund") and the administrator's co-funder and pledge pages."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from gongyi import policy
from gongyi.actions import attempt
from gongyi.db import get_session
from gongyi.library import cofunders
from gongyi.library.forms import CoFunderForm, PledgeDecisionForm, PledgeForm
from gongyi.library.models import CoFunder, Pledge
from gongyi.library.vocab import FUNDER_KINDS
from gongyi.submissions.models import Submission

bp = Blueprint("cofunders", __name__)


@bp.before_request
@login_required
def signed_in():
    pass


def _funder_or_403() -> CoFunder:
    funder = cofunders.co_funder_of(get_session(), current_user) if policy.can_pledge(current_user) else None
    if funder is None:
        abort(403)
    return funder


@bp.get("/cofunder/")
def mine():
    """The co-funder's pledges, and the projects it funds (confirmed pledges)."""
    funder = _funder_or_403()
    rows = cofunders.pledges(get_session(), co_funder_id=funder.id)
    return render_template("library/cofunder.html", funder=funder, rows=rows,
                           funded=[p for p in rows if p.status == "confirmed"])


@bp.route("/pledge/<int:submission_id>", methods=["GET", "POST"])
def pledge(submission_id: int):
    _funder_or_403()
    db = get_session()
    submission = db.get(Submission, submission_id) or abort(404)
    if not cofunders.pledgeable(db, submission):
        abort(404)
    form = PledgeForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            cofunders.make_pledge(db, current_user, submission, amount=form.amount.data, conditions=form.conditions.data,
                                  message=form.message.data)
            done.flash(_("已认捐，等待管理员确认。"))
        if done.ok:
            return redirect(url_for(".mine"))
    return render_template("library/pledge.html", submission=submission, form=form,
                           need=cofunders.need_of(db, submission)), 422 if form.errors else 200


def _require_admin() -> None:
    if not policy.can_manage_library(current_user):
        abort(403)


@bp.route("/admin/cofunders", methods=["GET", "POST"])
def admin_cofunders():
    _require_admin()
    db = get_session()
    form = CoFunderForm()
    form.kind.choices = [(k, _(v)) for k, v in FUNDER_KINDS.items()]
    if form.validate_on_submit():
        with attempt(form) as done:
            funder = cofunders.add_co_funder(db, current_user, email=form.email.data, name=form.name.data,
                                             kind=form.kind.data)
            done.flash(_("已添加共同资助方：%(name)s", name=funder.name))
        if done.ok:
            return redirect(url_for(".admin_cofunders"))
    funders = db.query(CoFunder).order_by(CoFunder.name).all()
    return render_template("library/admin_cofunders.html", form=form, funders=funders), 422 if form.errors else 200


@bp.get("/admin/pledges")
def admin_pledges():
    _require_admin()
    db = get_session()
    status = request.args.get("status", "pending")
    rows = cofunders.pledges(db, status=status if status in ("pending", "confirmed", "declined") else None)
    needs = {p.id: cofunders.need_of(db, p.submission, excluding=p.id) for p in rows if p.status == "pending"}
    return render_template("library/admin_pledges.html", rows=rows, needs=needs, status=status,
                           forms={p.id: PledgeDecisionForm(formdata=None, prefix=f"p{p.id}") for p in rows})


@bp.post("/admin/pledges/<int:pledge_id>/<decision>")
def decide_pledge(pledge_id: int, decision: str):
    _require_admin()
    db = get_session()
    pledge = db.get(Pledge, pledge_id) or abort(404)
    if decision not in ("confirm", "decline"):
        abort(404)
    form = PledgeDecisionForm(prefix=f"p{pledge.id}")
    with attempt(form) as done:
        if decision == "confirm":
            cofunders.confirm_pledge(db, current_user, pledge, allow_over=bool(form.allow_over.data))
            done.flash(_("已确认认捐，已记为该项目已核实的资金来源。"))
        else:
            cofunders.decline_pledge(db, current_user, pledge, form.reason.data or "")
            done.flash(_("已记录不确认及其理由。"))
    if done.ok:
        return redirect(url_for(".admin_pledges"))
    rows = cofunders.pledges(db, status="pending")
    needs = {p.id: cofunders.need_of(db, p.submission, excluding=p.id) for p in rows}
    forms = {p.id: (form if p.id == pledge.id else PledgeDecisionForm(formdata=None, prefix=f"p{p.id}")) for p in rows}
    return render_template("library/admin_pledges.html", rows=rows, needs=needs, status="pending", forms=forms), 422
