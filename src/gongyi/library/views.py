"""Public pages: the project library across editions, and the brand projects."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from gongyi import policy
from gongyi.numbers import MAX_ID
from gongyi.audit.history import object_history
from gongyi.catalogue.models import Category
from gongyi.db import get_session
from gongyi.library import brands, carrying, entries
from gongyi.library.forms import PoolGrantForm
from gongyi.library.models import LibraryEntry, Pledge
from gongyi.library.vocab import ENTRY_STATUSES
from gongyi.orgs.districts import DISTRICTS
from gongyi.webutil import int_arg, page_number, send_stored_file

bp = Blueprint("library", __name__)


def _filters() -> entries.Filters:
    args = request.args
    min_score = carrying.score_hundredths(args.get("min_score", "").strip()[:10])  # "63.5" -> 6350; junk -> None
    if min_score is not None:
        min_score = min(min_score, MAX_ID)  # above any score there is: nothing matches (never past the column)
    return entries.Filters(call_id=int_arg("call"), category=args.get("category", "")[:4], item=args.get("item", "")[:5],
                           district=args.get("district", "") if args.get("district") in DISTRICTS else "",
                           min_score=min_score, status=args.get("status", "") if args.get("status") in ENTRY_STATUSES else "",
                           query=args.get("q", "")[:100])


@bp.get("/library/")
def index():
    """The welfare-lottery fund project library (福彩公益金资助项目库) of every edition, searchable."""
    db = get_session()
    f = _filters()
    page = entries.library_page(db, f, page_number())
    categories = db.scalars(select(Category).order_by(Category.code)).all()
    return render_template("library/index.html", page=page, f=f, calls=entries.calls_with_library(db),
                           categories=categories, districts=DISTRICTS, statuses=ENTRY_STATUSES,
                           min_score=request.args.get("min_score", ""))


@bp.get("/library/entries/<int:entry_id>")
def entry(entry_id: int):
    """A library entry: its frozen scores, rank, round and request, and its status in each edition."""
    found = get_session().get(LibraryEntry, entry_id) or abort(404)
    return render_entry(found)


def render_entry(entry: LibraryEntry, *, grant_form: PoolGrantForm | None = None, status: int = 200):
    """The entry page; administrators also see the amounts, the reasons, the audit history and the
    pool grant form (shared with library_admin.fund, which shows its problems here)."""
    db = get_session()
    chain = entries.entry_chain(db, entry)
    admin = policy.can_manage_library(current_user)
    history, balance = [], None
    if admin:
        pledges = db.scalars(select(Pledge).where(Pledge.submission_id == entry.submission_id)).all()
        history = object_history(db, *[e for e, _c in chain], *pledges)
        balance = entries.pool_balance(db, entry.call)
        grant_form = grant_form or PoolGrantForm(formdata=None)
    following = {e.carried_from_id: c for e, c in chain if e.carried_from_id}
    return render_template("library/entry.html", entry=entry, s=entry.submission, chain=chain, following=following,
                           admin=admin, history=history, balance=balance, grant_form=grant_form), status


@bp.get("/brands/")
def brand_index():
    db = get_session()
    category = request.args.get("category", "")[:4]
    district = request.args.get("district", "") if request.args.get("district") in DISTRICTS else ""
    categories = db.scalars(select(Category).order_by(Category.code)).all()
    return render_template("library/brands.html", rows=brands.brand_list(db, category=category, district=district),
                           categories=categories, districts=DISTRICTS, category=category, district=district)


@bp.get("/brands/<int:brand_id>")
def brand_page(brand_id: int):
    db = get_session()
    profile = brands.brand_profile(db, brand_id, full=policy.is_admin(current_user)) or abort(404)
    return render_template("library/brand.html", p=profile)


@bp.get("/brands/<int:brand_id>/photos/<int:attachment_id>")
def brand_photo(brand_id: int, attachment_id: int):
    db = get_session()
    attachment = brands.public_photo(db, brand_id, attachment_id) or abort(404)
    return send_stored_file(attachment.data, attachment.filename, attachment.content_type)
