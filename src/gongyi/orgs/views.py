from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.audit.history import object_history
from gongyi.auth.tokens import INVITATION, sign, unsign
from gongyi.db import get_session
from gongyi.forms import ActionForm
from gongyi.orgs import documents, members, service
from gongyi.orgs.forms import DocumentForm, InviteForm, OrganisationForm, ReviewDecisionForm
from gongyi.orgs.models import Invitation, Organisation, OrganisationDocument
from gongyi.library.forms import BarForm
from gongyi.library.org_record import org_record
from gongyi.orgs.vocab import ORG_STATUSES
from gongyi.submissions.attachments import Upload
from gongyi.webutil import send_stored_file

bp = Blueprint("orgs", __name__)


@bp.route("/orgs/register", methods=["GET", "POST"])
@login_required
def register():
    if not policy.can_register_organisation(current_user):
        if current_user.organisation_id is not None:
            flash(_("您已属于一个社会组织。"), "info")
            return redirect(url_for("orgs.mine"))
        abort(403)  # administrators, reviewers, evaluators and co-funders are no applicants
    form = OrganisationForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            service.register_organisation(get_session(), current_user, **{f: getattr(form, f).data for f in (
                "name", "credit_code", "org_type", "district_code", "contact_person", "phone", "address")})
            done.flash(_("组织已提交登记，等待管理员认证。"))
        if done.ok:
            return redirect(url_for("orgs.mine"))
    return render_template("orgs/register.html", form=form)


def _my_org() -> Organisation:
    """The signed-in member's organisation (403 for anyone else)."""
    org = get_session().get(Organisation, current_user.organisation_id) if current_user.organisation_id else None
    if org is None or not policy.can_manage_organisation(current_user, org):
        abort(403)
    return org


def _render_mine(org: Organisation, invite_form=None, document_form=None, status: int = 200):
    return render_template("orgs/detail.html", org=org, form=None, manage=True,
                           invite_form=invite_form or InviteForm(prefix="invite", formdata=None),
                           document_form=document_form or DocumentForm(prefix="document", formdata=None),
                           invitations=members.open_invitations(get_session(), org), action_form=ActionForm()), status


@bp.get("/orgs/mine")
@login_required
def mine():
    if current_user.organisation_id is None:
        return redirect(url_for("orgs.register"))
    return _render_mine(_my_org())


@bp.route("/orgs/mine/edit", methods=["GET", "POST"])
@login_required
def edit():
    org = _my_org()
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        with attempt(form) as done:
            again = service.update_organisation(get_session(), current_user, org,
                                                **{f: getattr(form, f).data for f in service.EDITABLE})
            done.flash(_("组织信息已保存，等待管理员重新认证。") if again else _("组织信息已保存。"))
        if done.ok:
            return redirect(url_for("orgs.mine"))
    return render_template("orgs/edit.html", form=form, org=org), 422 if form.errors else 200


def _invitation_link(invitation: Invitation) -> str:
    token = sign(current_app.config["SECRET_KEY"], INVITATION, [invitation.id, invitation.email])
    return url_for("orgs.invitation", token=token, _external=True)


@bp.post("/orgs/mine/invitations")
@login_required
def invite():
    org = _my_org()
    form = InviteForm(prefix="invite")
    if form.validate_on_submit():
        with attempt(form) as done:
            invitation = members.invite_member(get_session(), current_user, org, form.email.data, _invitation_link)
            done.flash(_("邀请已发到 %(email)s。", email=invitation.email))
        if done.ok:
            return redirect(url_for("orgs.mine", _anchor="members"))
    return _render_mine(org, invite_form=form, status=422)


@bp.post("/orgs/mine/documents")
@login_required
def add_document():
    org = _my_org()
    form = DocumentForm(prefix="document")
    if form.validate_on_submit():
        storage = form.file.data
        upload = Upload(storage.filename, storage.read()) if storage and storage.filename else Upload("", b"")
        with attempt(form) as done:
            document = documents.add_document(get_session(), current_user, org, form.kind.data, form.year.data,
                                              upload, current_app.config["MAX_ATTACHMENT_BYTES"])
            done.flash(_("已上传：%(name)s", name=document.filename))
        if done.ok:
            return redirect(url_for("orgs.mine", _anchor="documents"))
    return _render_mine(org, document_form=form, status=422)


def _document_or_404(org_id: int, document_id: int) -> OrganisationDocument:
    document = get_session().get(OrganisationDocument, document_id)
    if document is None or document.organisation_id != org_id:
        abort(404)
    if not policy.can_view_organisation_documents(current_user, document.organisation):
        abort(404)  # another organisation's papers do not exist for you
    return document


@bp.post("/orgs/mine/documents/<int:document_id>/delete")
@login_required
def remove_document(document_id: int):
    org = _my_org()
    document = _document_or_404(org.id, document_id)
    if ActionForm().validate_on_submit():
        with attempt() as done:
            documents.remove_document(get_session(), current_user, document)
            done.flash(_("已删除：%(name)s", name=document.filename))
    return redirect(url_for("orgs.mine", _anchor="documents"))


@bp.get("/orgs/<int:org_id>/documents/<int:document_id>")
@login_required
def document(org_id: int, document_id: int):
    file = _document_or_404(org_id, document_id)
    return send_stored_file(file.data, file.filename, file.content_type)


@bp.route("/orgs/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The link in an invitation: sign in or register with the invited address, then join."""
    payload = unsign(current_app.config["SECRET_KEY"], INVITATION, token)
    found = get_session().get(Invitation, payload[0]) if payload and len(payload) == 2 and isinstance(
        payload[0], int) else None
    if found is None or found.email != payload[1] or found.accepted_at is not None:
        flash(_("邀请链接无效、已过期或已使用过。请同事重新发一份邀请。"), "error")
        return redirect(url_for("main.index"))
    if not current_user.is_authenticated:
        session["next_after_confirm"] = request.path  # a new account comes back here once confirmed
        return render_template("orgs/invitation.html", invitation=found, form=None)
    form = ActionForm()
    if form.validate_on_submit():
        with attempt() as done:
            org = members.accept_invitation(get_session(), current_user, found.id, found.email)
            done.flash(_("您已加入“%(org)s”。", org=org.name))
        if done.ok:
            session.pop("next_after_confirm", None)
            return redirect(url_for("workspace.home"))
    return render_template("orgs/invitation.html", invitation=found, form=form)


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
        if not policy.can_verify_organisation(current_user, org):  # e.g. another administrator verified it meanwhile
            flash(_("该组织已通过认证，无需再审核。"), "info")
            return redirect(url_for("orgs.admin_detail", org_id=org.id))
        with attempt(form) as done:
            if request.form.get("decision") == "verify":
                service.verify_organisation(db, current_user, org)
                done.flash(_("已认证：%(name)s", name=org.name))
            else:
                service.reject_organisation(db, current_user, org, form.reason.data or "")
                done.flash(_("已驳回：%(name)s", name=org.name))
        if done.ok:
            return redirect(url_for("orgs.admin_list"))
    return render_template("orgs/detail.html", org=org, form=form, manage=False, history=object_history(db, org),
                           record=org_record(db, org), bar_form=BarForm(formdata=None))
