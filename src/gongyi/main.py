"""The home page and the language switch."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from gongyi.calls.models import Call
from gongyi.catalogue.models import Category, Item
from gongyi.db import get_session

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    db = get_session()
    calls = db.scalars(select(Call).where(Call.status != "draft").order_by(Call.opens_at.desc()).limit(5)).all()
    counts = {
        "categories": db.scalar(select(func.count()).select_from(Category)),
        "items": db.scalar(select(func.count()).select_from(Item)),
    }
    return render_template("index.html", calls=calls, counts=counts)


@bp.post("/language")
def set_language():
    """Remember the language per user (or per browser session before signing in)."""
    locale = request.form.get("locale")
    if locale in ("zh_CN", "en"):
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            get_session().commit()
    target = request.form.get("next") or url_for("main.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)
