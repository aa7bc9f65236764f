"""The administrators' coverage map and dashboards, each also as an XLSX workbook (one sheet per
table), and the public figures a published call's page shows."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.calls.models import Call
from gongyi.clock import china_date, utcnow
from gongyi.dashboards.coverage import SHOWS, coverage_map
from gongyi.dashboards.editions import call_dashboard, editions_dashboard
from gongyi.dashboards.panels import panels, send_workbook
from gongyi.dashboards.scope import scope
from gongyi.db import get_session
from gongyi.orgs.districts import DISTRICTS
from gongyi.webutil import call_or_404, page_number

bp = Blueprint("dashboards", __name__, url_prefix="/admin")
PER_PAGE = 50
ALL_ROWS = 10**7  # an export holds every row, not one page


@bp.before_request
@login_required
def require_admin():
    if not policy.can_view_dashboards(current_user):
        abort(403)


def _filename(name: str) -> str:
    return f"{name}-{china_date(utcnow()).strftime('%Y%m%d')}"


def _map_args():
    db = get_session()
    slug = request.args.get("call") or None
    call = call_or_404(slug) if slug else None
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    show = request.args.get("show") if request.args.get("show") in SHOWS else "all"
    return db, call, district, show


@bp.get("/coverage")
def coverage():
    """The coverage map of one call (?call=slug) or of every call, for one district or all."""
    db, call, district, show = _map_args()
    shown = scope(db, call, district)
    found = coverage_map(db, shown, show=show, page=page_number(), per_page=PER_PAGE)
    calls = db.scalars(select(Call).where(Call.status != "draft").order_by(Call.opens_at.desc())).all()
    return render_template("dashboards/coverage.html", map=found, scope=shown, call=call, district=district, show=show,
                           calls=calls, districts=DISTRICTS,
                           panels=panels([found.summary, found.categories, found.items]),
                           unanswered=panels([found.unanswered_table])[0])


@bp.get("/coverage.xlsx")
def coverage_xlsx():
    db, call, district, show = _map_args()
    found = coverage_map(db, scope(db, call, district), show=show, per_page=ALL_ROWS)
    return send_workbook([found.summary, found.categories, found.items, found.unanswered_table],
                         _filename(f"coverage-{call.slug}" if call else "coverage"))


@bp.get("/calls/<slug>/dashboard")
def call_page(slug: str):
    call = call_or_404(slug)
    board = call_dashboard(get_session(), call)
    return render_template("dashboards/call.html", call=call, board=board, edition=board.editions[0],
                           panels=panels(board.tables))


@bp.get("/calls/<slug>/dashboard.xlsx")
def call_xlsx(slug: str):
    call = call_or_404(slug)
    return send_workbook(call_dashboard(get_session(), call).tables, _filename(f"dashboard-{call.slug}"))


@bp.get("/dashboard")
def editions_page():
    board = editions_dashboard(get_session())
    return render_template("dashboards/editions.html", board=board, panels=panels(board.tables))


@bp.get("/dashboard.xlsx")
def editions_xlsx():
    return send_workbook(editions_dashboard(get_session()).tables, _filename("dashboard-editions"))
