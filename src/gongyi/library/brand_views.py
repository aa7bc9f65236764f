"""Designating brand projects, replicating them, the barred list on the organisation page, and
funding sources across calls."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.errors import N_, UserError
from gongyi.calls.models import Call
from gongyi.calls.service import submissions_open_for
from gongyi.db import get_session
from gongyi.library import brands, entry_check, figures
from gongyi.library.forms import BarForm, BrandForm, ReplicateForm
from gongyi.library.models import Brand, OrganisationBar
from gongyi.library.record import known_record
from gongyi.library.vocab import BRAND_CRITERIA, RECORD_CRITERIA
from gongyi.numbers import whole_number
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Submission

bp = Blueprint("library_brands", __name__)


@bp.before_request
@login_required
def signed_in():
    pass


def _admin() -> None:
    if not policy.can_manage_library(current_user):
        abort(403)


@bp.route("/admin/brands/new/<int:submission_id>", methods=["GET", "POST"])
def designate(submission_id: int):
    _admin()
    db = get_session()
    submission = db.get(Submission, submission_id) or abort(404)
    form = BrandForm(data={"name": submission.title} if request.method == "GET" else None)
    form.criteria.choices = [(k, _(v)) for k, v in BRAND_CRITERIA.items() if k not in RECORD_CRITERIA]
    form.photo_ids.choices = [(str(a.id), a.filename) for a in submission.attachments if a.content_type.startswith("image/")]
    if form.validate_on_submit():
        with attempt(form) as done:
            brand = brands.designate_brand(db, current_user, submission, name=form.name.data, what=form.what.data,
                                           for_whom=form.for_whom.data, results=form.results.data,
                                           criteria=list(form.criteria.data or []),
                                           photo_ids=[n for i in form.photo_ids.data or [] if (n := whole_number(i)) is not None])
            done.flash(_("%(name)s 已成为品牌项目。", name=brand.name))
        if done.ok:
            return redirect(url_for("library.brand_page", brand_id=brand.id))
    known = known_record(db, submission)
    return render_template("library/designate.html", submission=submission, form=form, known=known,
                           checked=brands.checked_criteria(known)), 422 if form.errors else 200


def _open_calls(db) -> list[Call]:
    org_id = current_user.organisation_id
    return [c for c in db.scalars(select(Call).where(Call.status == "open").order_by(Call.opens_at))
            if submissions_open_for(db, c, org_id)]


@bp.route("/brands/<int:brand_id>/replicate", methods=["GET", "POST"])
def replicate(brand_id: int):
    if not policy.can_replicate(current_user):
        abort(403)
    db = get_session()
    brand = db.get(Brand, brand_id) or abort(404)
    form = ReplicateForm()
    form.call.choices = [(c.slug, c.title) for c in _open_calls(db)]
    if request.method == "POST":
        with attempt(form) as done:
            call = db.scalar(select(Call).where(Call.slug == (form.call.data or "")))
            if call is None:
                raise UserError(N_("请选择要申报的征集"), "call")
            draft = brands.replicate_brand(db, current_user, brand, call)
            done.flash(_("已从品牌项目创建草稿 %(ref)s：请填写您所在社区的情况，调整后提交。", ref=draft.ref))
        if done.ok:
            return redirect(url_for("submissions.edit", submission_id=draft.id))
    return render_template("library/replicate.html", brand=brand, form=form), 422 if form.errors else 200


@bp.post("/admin/orgs/<int:org_id>/bars")
def add_bar(org_id: int):
    _admin()
    db = get_session()
    org = db.get(Organisation, org_id) or abort(404)
    form = BarForm()
    if form.validate():
        with attempt(form) as done:
            entry_check.bar_organisation(db, current_user, org, reason=form.reason.data or "",
                                         starts_on=form.starts_on.data, ends_on=form.ends_on.data)
            done.flash(_("已将 %(name)s 列入限制申报名单。", name=org.name))
    else:
        for name, errors in form.errors.items():
            for message in errors:
                flash(f"{getattr(form, name).label.text}：{message}", "error")
    return redirect(url_for("orgs.admin_detail", org_id=org.id) + "#record")


@bp.post("/admin/bars/<int:bar_id>/lift")
def lift_bar(bar_id: int):
    _admin()
    db = get_session()
    bar = db.get(OrganisationBar, bar_id) or abort(404)
    org_id = bar.organisation_id
    with attempt() as done:
        entry_check.lift_bar(db, current_user, bar)
        done.flash(_("已解除限制。"))
    return redirect(url_for("orgs.admin_detail", org_id=org_id) + "#record")


@bp.get("/admin/library/")
def funding_index():
    """Funding sources across calls and each call's leverage; links to each edition's library."""
    _admin()
    db = get_session()
    calls = db.scalars(select(Call).order_by(Call.opens_at.desc())).all()
    chosen = next((c for c in calls if c.slug == request.args.get("call")), None)
    return render_template("library/admin_index.html", rows=figures.across_calls(db), calls=calls, chosen=chosen,
                           projects=figures.call_projects(db, chosen) if chosen else [])
