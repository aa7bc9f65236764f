"""The administrator's audit trail: every entry, filtered, a page at a time, and exported."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from gongyi import policy
from gongyi.audit import trail
from gongyi.audit.labels import ACTION_LABELS, action_label
from gongyi.db import get_session
from gongyi.exports import send_table
from gongyi.forms import Form
from gongyi.webutil import page_number

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


class TrailForm(Form):
    """Filters in the query string, so links, pages and exports carry them."""

    class Meta:
        csrf = False

    object_type = SelectField(_l("对象类型"), choices=[], default="")
    object_id = StringField(_l("对象编号"), validators=[Optional(), Length(max=60)])
    actor = StringField(_l("操作人（姓名或邮箱）"), validators=[Optional(), Length(max=254)])
    action = SelectField(_l("操作"), choices=[], default="")
    since = DateField(_l("起始日期"), validators=[Optional()])
    until = DateField(_l("截止日期"), validators=[Optional()])


def _form_and_filters() -> tuple[TrailForm, trail.TrailFilters]:
    if not policy.can_view_audit_trail(current_user):
        abort(403)
    form = TrailForm(request.args)
    form.object_type.choices = [SelectChoice("", _l("全部"))] + [SelectChoice(t, t) for t in trail.object_types(get_session())]
    prefixes = sorted({code.split(".")[0] + "." for code in ACTION_LABELS})
    form.action.choices = ([SelectChoice("", _l("全部"))] + [SelectChoice(p, p + "*") for p in prefixes]
                           + [SelectChoice(code, f"{action_label(code)} ({code})") for code in sorted(ACTION_LABELS)])
    if not form.validate():
        return form, trail.TrailFilters()  # each problem is shown beside its field; the list is unfiltered
    return form, trail.TrailFilters(
        object_type=form.object_type.data or "", object_id=(form.object_id.data or "").strip(),
        actor=(form.actor.data or "").strip(), action=form.action.data or "", since=form.since.data, until=form.until.data)


@bp.get("/")
@login_required
def index():
    form, filters = _form_and_filters()
    page = trail.trail_page(get_session(), filters, page_number())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit/index.html", form=form, page=page, action_label=action_label, export_args=args)


@bp.get("/export.<fmt>")
@login_required
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, filters = _form_and_filters()
    return send_table(trail.EXPORT_COLUMNS, trail.export_rows(get_session(), filters), fmt, "audit-trail",
                      sheet_title="audit")
