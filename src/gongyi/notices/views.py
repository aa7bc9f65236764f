"""Notices (通知公告) and the application guide (申报指南): public pages, and the administrators'
pages to write, publish and withdraw notices and to edit the guide."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from gongyi import policy
from gongyi.actions import attempt
from gongyi.db import get_session
from gongyi.forms import ActionForm
from gongyi.notices import service
from gongyi.notices.forms import NoticeForm
from gongyi.notices.models import Notice

bp = Blueprint("notices", __name__)


def _require_manager() -> None:
    if not policy.can_manage_notices(current_user):
        abort(403)


def _notice_or_404(notice_id: int) -> Notice:
    notice = get_session().get(Notice, notice_id)
    if notice is None or (notice.published_at is None and not policy.can_manage_notices(current_user)):
        abort(404)
    return notice


@bp.get("/notices/")
def index():
    return render_template("notices/index.html", notices=service.published_notices(get_session()))


@bp.get("/notices/<int:notice_id>")
def detail(notice_id: int):
    return render_template("notices/detail.html", notice=_notice_or_404(notice_id))


@bp.get("/guide")
def guide():
    return render_template("notices/guide.html", page=service.find_page(get_session(), "guide"))


@bp.get("/admin/notices")
@login_required
def admin_list():
    _require_manager()
    return render_template("notices/admin_list.html", notices=service.all_notices(get_session()), action=ActionForm())


@bp.route("/admin/notices/new", methods=["GET", "POST"])
@login_required
def new():
    _require_manager()
    form = NoticeForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            notice = service.create_notice(get_session(), current_user, form.title.data, form.body.data)
            done.flash(_("已保存通知草稿。发布后所有人可见。"))
        if done.ok:
            return redirect(url_for(".admin_list", _anchor=f"notice-{notice.id}"))
    return render_template("notices/form.html", form=form, notice=None), 422 if form.errors else 200


@bp.route("/admin/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@login_required
def edit(notice_id: int):
    _require_manager()
    notice = _notice_or_404(notice_id)
    form = NoticeForm(obj=notice)
    if form.validate_on_submit():
        with attempt(form) as done:
            service.update_notice(get_session(), current_user, notice, form.title.data, form.body.data)
            done.flash(_("已保存通知。"))
        if done.ok:
            return redirect(url_for(".admin_list", _anchor=f"notice-{notice.id}"))
    return render_template("notices/form.html", form=form, notice=notice), 422 if form.errors else 200


@bp.post("/admin/notices/<int:notice_id>/<any(publish, unpublish):action>")
@login_required
def change(notice_id: int, action: str):
    _require_manager()
    notice = _notice_or_404(notice_id)
    if ActionForm().validate_on_submit():
        with attempt() as done:
            if action == "publish":
                service.publish_notice(get_session(), current_user, notice)
                done.flash(_("已发布通知：%(title)s", title=notice.title))
            else:
                service.unpublish_notice(get_session(), current_user, notice)
                done.flash(_("已撤下通知：%(title)s", title=notice.title))
    return redirect(url_for(".admin_list", _anchor=f"notice-{notice.id}"))


@bp.route("/admin/guide", methods=["GET", "POST"])
@login_required
def edit_guide():
    _require_manager()
    db = get_session()
    page = service.find_page(db, "guide")
    form = NoticeForm(obj=page) if page is not None else NoticeForm(data={"title": _("申报指南")})
    if form.validate_on_submit():
        with attempt(form) as done:
            service.save_page(db, current_user, "guide", form.title.data, form.body.data)
            done.flash(_("已保存申报指南。"))
        if done.ok:
            return redirect(url_for(".guide"))
    return render_template("notices/guide_form.html", form=form, page=page), 422 if form.errors else 200
