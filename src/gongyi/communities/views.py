"""Communities for everyone and for organisations: the directory, a community's page with its
focus areas over the years, proposing a community, and the needs list (需求清单) its service
centre's organisation keeps."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from gongyi import policy
from gongyi.actions import attempt
from gongyi.catalogue.service import browse
from gongyi.clock import utcnow
from gongyi.communities import lists, needs, service
from gongyi.communities.forms import NeedsForm, ProposeForm
from gongyi.communities.models import Community
from gongyi.communities.years import editable_years
from gongyi.dashboards.focus import focus_areas
from gongyi.dashboards.panels import panels
from gongyi.db import get_session
from gongyi.orgs.districts import DISTRICTS
from gongyi.webutil import int_arg, page_number

bp = Blueprint("communities", __name__)


def _visible(community_id: int) -> Community:
    """Confirmed communities are public; a proposal only for administrators and its organisation."""
    community = get_session().get(Community, community_id)
    if community is None:
        abort(404)
    if community.is_confirmed or policy.can_manage_communities(current_user):
        return community
    own = getattr(current_user, "organisation_id", None)
    if community.status == "proposed" and own and own in (community.proposed_by_id, community.keeper_id):
        return community
    abort(404)


@bp.get("/communities/")
def index():
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    query = request.args.get("q", "")
    page = lists.directory(get_session(), district=district, query=query, page=page_number())
    return render_template("communities/index.html", page=page, district=district, q=query, districts=DISTRICTS)


@bp.get("/communities/<int:community_id>")
def page(community_id: int):
    community = _visible(community_id)
    focus = focus_areas(get_session(), community, published_only=not policy.is_admin(current_user))
    return render_template("communities/page.html", community=community, focus=focus,
                           panels=panels([focus.areas, *focus.years]))


@bp.route("/communities/propose", methods=["GET", "POST"])
@login_required
def propose():
    if not policy.can_propose_community(current_user):
        abort(403)
    form = ProposeForm()
    if form.is_submitted():
        with attempt(form) as done:
            community = service.propose_community(get_session(), current_user, district_code=form.district_code.data,
                                                  street=form.street.data, name=form.name.data)
            done.flash(_("已提议新增社区：%(name)s。管理员确认前，您的组织已可在申报中选用它并填写它的需求清单。",
                         name=community.name))
        if done.ok:
            return redirect(url_for(".needs_list", community_id=community.id))
    elif current_user.organisation is not None:
        form.district_code.data = current_user.organisation.district_code
    return render_template("communities/propose.html", form=form)


@bp.get("/my/communities")
@login_required
def mine():
    if current_user.organisation_id is None:
        return redirect(url_for("orgs.register"))
    rows = lists.organisation_communities(get_session(), current_user.organisation_id)
    return render_template("communities/mine.html", rows=rows, year=editable_years(utcnow())[0])


def _needs_form_context(community: Community, year: int, form: NeedsForm, values: dict[str, tuple[str, str]]):
    stored = needs.needs_of(get_session(), community.id, year)
    years = editable_years(utcnow())
    last_year = needs.needs_of(get_session(), community.id, year - 1) if not stored and not form.is_submitted() else {}
    listed = {code for code, (priority, note) in values.items() if priority or (note or "").strip()}
    return {"community": community, "year": year, "years": sorted(years), "form": form, "values": values,
            "listed_codes": listed,
            "groups": browse(get_session()), "stored": stored, "copy_from": year - 1 if last_year else None}


@bp.route("/communities/<int:community_id>/needs", methods=["GET", "POST"])
@login_required
def needs_list(community_id: int):
    """The year's needs list: every catalogue item with a priority and a note; listed items first."""
    db = get_session()
    community = _visible(community_id)
    years = editable_years(utcnow())
    year = int_arg("year", source=request.form) if request.method == "POST" else int_arg("year")
    year = year if year in years else years[0]
    if not policy.can_keep_needs(current_user, community):
        abort(403)
    form = NeedsForm()
    codes = [item.code for _cat, items in browse(db) for item in items]
    if form.is_submitted():
        values = NeedsForm.entries(request.form, codes)
        with attempt(form) as done:
            needs.save_needs(db, current_user, community, year, values)
            done.flash(_("已保存 %(name)s %(year)s 年的需求清单。", name=community.name, year=year))
        if done.ok:
            return redirect(url_for(".needs_list", community_id=community.id, year=year))
        return render_template("communities/needs.html", **_needs_form_context(community, year, form, values)), 422
    source = year - 1 if int_arg("copy") == year - 1 else year
    values = {code: (n.priority, n.note) for code, n in needs.needs_of(db, community.id, source).items()}
    return render_template("communities/needs.html", **_needs_form_context(community, year, form, values))
