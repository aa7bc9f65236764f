from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.db import get_session
from gongyi.library.forms import BarForm
from gongyi.library.org_record import org_record
from gongyi.orgs import service
from gongyi.orgs.forms import OrganisationForm, ReviewDecisionForm
from gongyi.orgs.models import Organisation
from gongyi.orgs.vocab import ORG_STATUSES

bp = Blueprint("orgs", __name__)


@bp.route("/orgs/register", methods=["GET", "POST"])
@login_required
def register():
    if not policy.can_register_organisation(current_user):
        if current_user.organisation_id is not None:
            flash(_("您已属于一个社会组织。"), "info")
            return redirect(url_for("orgs.mine"))
        abort(403)  # administrators and reviewers stay impartial
    form = OrganisationForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            service.register_organisation(get_session(), current_user, **{f: getattr(form, f).data for f in (
                "name", "credit_code", "org_type", "district_code", "contact_person", "phone", "address")})
            done.flash(_("组织已提交登记，等待管理员认证。"))
        if done.ok:
            return redirect(url_for("orgs.mine"))
    return render_template("orgs/register.html", form=form)


@bp.get("/orgs/mine")
@login_required
def mine():
    if current_user.organisation_id is None:
        return redirect(url_for("orgs.register"))
    org = get_session().get(Organisation, current_user.organisation_id)
    return render_template("orgs/detail.html", org=org, form=None)


@bp.get("/admin/orgs")
@login_required
def admin_list():
    if not policy.is_admin(current_user):
        abort(403)
    status = request.args.get("status", "pending")
    db = get_session()
    stmt = select(Organisation).order_by(Organisation.created_at.desc())
    if status in ORG_STATUSES:
        stmt = stmt.where(Organisation.status == status)
    orgs = db.scalars(stmt).all()
    counts = dict(db.execute(select(Organisation.status, func.count()).group_by(Organisation.status)).all())
    return render_template("orgs/admin_list.html", orgs=orgs, status=status, counts=counts)


@bp.route("/admin/orgs/<int:org_id>", methods=["GET", "POST"])
@login_required
def admin_detail(org_id: int):
    if not policy.is_admin(current_user):  # before the lookup: a 404 would tell which ids exist
        abort(403)
    db = get_session()
    org = db.get(Organisation, org_id) or abort(404)
    form = ReviewDecisionForm()
    if form.validate_on_submit():
        if not policy.can_verify_organisation(current_user, org):
            abort(403)
        with attempt(form) as done:
            if request.form.get("decision") == "verify":
                service.verify_organisation(db, current_user, org)
                done.flash(_("已认证：%(name)s", name=org.name))
            else:
                service.reject_organisation(db, current_user, org, form.reason.data or "")
                done.flash(_("已驳回：%(name)s", name=org.name))
        if done.ok:
            return redirect(url_for("orgs.admin_list"))
    return render_template("orgs/detail.html", org=org, form=form, record=org_record(db, org),
                           bar_form=BarForm(formdata=None))
