from __future__ import annotations

from flask import Blueprint, render_template, request

from gongyi.catalogue.service import browse
from gongyi.db import get_session

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


@bp.get("/")
def index():
    q = request.args.get("q", "")
    groups = browse(get_session(), q)
    return render_template(
        "catalogue/index.html", groups=groups, q=q,
        category_count=len(groups), item_count=sum(len(items) for _, items in groups),
    )
