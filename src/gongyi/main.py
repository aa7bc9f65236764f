"""The home page (notices, the open calls with their deadlines, the guide, the host) and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from gongyi.actions import attempt
from gongyi.auth.service import set_locale
from gongyi.calls.models import Call
from gongyi.catalogue.models import Category, Item
from gongyi.db import get_session
from gongyi.notices.service import published_notices
from gongyi.webutil import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    db = get_session()
    calls = db.scalars(select(Call).where(Call.status != "draft").order_by(Call.opens_at.desc()).limit(5)).all()
    open_calls = db.scalars(select(Call).where(Call.status == "open").order_by(Call.closes_at)).all()
    counts = {
        "categories": db.scalar(select(func.count()).select_from(Category)),
        "items": db.scalar(select(func.count()).select_from(Item)),
    }
    return render_template("index.html", calls=[c for c in calls if c.status != "open"], open_calls=open_calls,
                           counts=counts, notices=published_notices(db, limit=5))


@bp.post("/language")
def set_language():
    """Remember the language per user (or per browser session before signing in)."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            with attempt():
                set_locale(get_session(), current_user, locale)
    target = _return_path(safe_next(request.form.get("next"), ""), request.form.get("back"))
    return redirect(safe_next(target, url_for("main.index")))


def _return_path(next_path: str | None, back: str | None) -> str:
    """Where the language switch returns: the page itself when GET can show it again; for a page that
    answered a POST (a rejected form), the page the form was posted from (`back`, its referrer), else
    the nearest enclosing page (/submissions/5/funds -> /submissions/5); else the home page."""
    candidates = [safe_next(next_path, "")]
    if back:
        parts = urlsplit(back)
        if parts.netloc == request.host:
            candidates.append(safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), ""))
    path = urlsplit(candidates[0]).path
    while path.count("/") > 1:
        path = path.rsplit("/", 1)[0]
        candidates.append(path)
    return next((c for c in candidates if c and _shown_by_get(c)), url_for("main.index"))


def _shown_by_get(path: str) -> bool:
    """Whether a page can be opened again by GET (a form that answered a POST often cannot)."""
    try:
        current_app.url_map.bind("").match(urlsplit(path).path, method="GET")
    except HTTPException:
        return False
    return True
