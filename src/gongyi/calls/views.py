from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from gongyi.calls.models import Call
from gongyi.calls.rules import rubric_total
from gongyi.db import get_session

bp = Blueprint("calls", __name__, url_prefix="/calls")


@bp.get("/")
def index():
    calls = get_session().scalars(select(Call).where(Call.status != "draft").order_by(Call.opens_at.desc())).all()
    return render_template("calls/index.html", calls=calls)


@bp.get("/<slug>")
def detail(slug: str):
    call = get_session().scalar(select(Call).where(Call.slug == slug))
    if call is None or call.status == "draft":
        abort(404)
    return render_template("calls/detail.html", call=call, rules=call.rules, rubric_total=rubric_total(call.rules))
