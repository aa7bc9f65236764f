"""The administrators' community list: add communities, correct them, name the organisation
keeping each one's service centre, and confirm or not take up what organisations proposed."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.audit.history import object_history
from gongyi.communities import lists, service
from gongyi.communities.forms import CommunityForm, RejectForm
from gongyi.communities.models import Community
from gongyi.communities.vocab import COMMUNITY_STATUSES
from gongyi.db import get_session
from gongyi.orgs.districts import DISTRICTS
from gongyi.orgs.models import Organisation
from gongyi.webutil import page_number

bp = Blueprint("communities_admin", __name__, url_prefix="/admin/communities")


@bp.before_request
@login_required
def require_admin():
    if not policy.can_manage_communities(current_user):
        abort(403)


def _keeper_choices(form: CommunityForm) -> None:
    orgs = get_session().execute(select(Organisation.id, Organisation.name).where(Organisation.status == "verified")
                                 .order_by(Organisation.name)).all()
    form.keeper_id.choices = [("", _("暂不指定"))] + [(str(i), name) for i, name in orgs]


@bp.get("/")
def index():
    db = get_session()
    status = request.args.get("status", "proposed")
    status = status if status in COMMUNITY_STATUSES or status == "all" else "proposed"
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    query = request.args.get("q", "")
    page = lists.directory(db, district=district, query=query, page=page_number(),
                           status=None if status == "all" else status)
    return render_template("communities/admin_list.html", page=page, status=status, district=district, q=query,
                           counts=lists.status_counts(db), districts=DISTRICTS)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = CommunityForm()
    _keeper_choices(form)
    if form.is_submitted():
        with attempt(form) as done:
            community = service.create_community(get_session(), current_user, district_code=form.district_code.data,
                                                 street=form.street.data, name=form.name.data, keeper_id=form.keeper())
            done.flash(_("已新增社区：%(name)s", name=community.name))
        if done.ok:
            return redirect(url_for(".detail", community_id=community.id))
    return render_template("communities/admin_form.html", form=form, community=None)


@bp.route("/<int:community_id>", methods=["GET", "POST"])
def detail(community_id: int):
    """Correct a community (and name its keeper); confirm a proposal or do not take it up."""
    db = get_session()
    community = db.get(Community, community_id) or abort(404)
    form = CommunityForm(data={"district_code": community.district_code, "street": community.street,
                               "name": community.name, "keeper_id": str(community.keeper_id or "")})
    _keeper_choices(form)
    reject = RejectForm(prefix="reject")
    reject.duplicate_of_id.choices = [("", _("不重复"))] + [
        (str(c.id), f"{c.street} · {c.name}") for c in lists.confirmed_in_district(db, community.district_code, community.id)]
    action = request.form.get("action")
    if request.method == "POST":
        with attempt({"reject": reject, "confirm": None}.get(action, form)) as done:
            if action == "confirm":
                service.confirm_community(db, current_user, community)
                done.flash(_("已确认社区：%(name)s", name=community.name))
            elif action == "reject":
                service.reject_community(db, current_user, community, reject.reason.data or "", reject.duplicate_of())
                done.flash(_("未采纳：%(name)s", name=community.name))
            else:
                changed = service.update_community(db, current_user, community, district_code=form.district_code.data,
                                                   street=form.street.data, name=form.name.data, keeper_id=form.keeper())
                done.flash(_("已保存。") if changed else _("没有修改。"))
        if done.ok:
            return redirect(url_for(".detail", community_id=community.id))
    return render_template("communities/admin_form.html", form=form, reject=reject, community=community,
                           history=object_history(db, community))
