"""Calls: the public list and call pages, and the administrators' pages to create, amend and run them."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gongyi import policy
from gongyi.actions import attempt
from gongyi.audit.history import describe, object_history
from gongyi.calls import service
from gongyi.calls.forms import CallForm, LateEntryForm, call_form_data, organisation_choices
from gongyi.calls.round_forms import change_rounds
from gongyi.calls.models import Call
from gongyi.calls.rules import SETTING_LABELS, resolved_rounds, rubric_total
from gongyi.calls.workflow import CALL_STATES, transitions_from
from gongyi.catalogue.models import Category
from gongyi.catalogue.service import browse
from gongyi.dashboards.panels import public_context
from gongyi.db import get_session
from gongyi.formatting import label
from gongyi.clock import utcnow
from gongyi.orgs.models import Organisation
from gongyi.results.checks import step_checks
from gongyi.submissions.project import category_open
from gongyi.webutil import call_or_404

bp = Blueprint("calls", __name__)

def _require_admin() -> None:
    if not policy.can_manage_calls(current_user):
        abort(403)


def _categories() -> list[Category]:
    return list(get_session().scalars(select(Category).order_by(Category.code)))


def _card_context(call: Call) -> dict:
    """What calls/_rules_card.html needs to show a call's current rules and their history."""
    return {"rules": call.rules, "rules_version": call.rules_version, "rubric_total": rubric_total(call.rules),
            "rules_history": service.rules_history(call),
            "category_names": {c.code: c for c in _categories()}, "setting_labels": SETTING_LABELS}


@bp.app_template_global("rules_rounds")
def rules_rounds(rules: dict) -> list[dict]:
    """The rules card's rounds: every value resolved, each with its rubric's total."""
    if "rounds" not in rules:  # rules saved before version 2 (an old run's)
        review = rules["review"]
        rounds = [{"code": "review", "name": "", "criteria": review["criteria"], "aggregate": review["aggregate"],
                   "trim_from": review["trim_from"], "advance": None, "advance_min_score": None,
                   "panels": [{"code": "expert", "weight": "1", "min_reviews": review["min_reviews"]}]}]
    else:
        rounds = resolved_rounds(rules)
    return [{**r, "total": sum(int(c["max"]) for c in r["criteria"])} for r in rounds]


@bp.get("/calls/")
def index():
    calls = get_session().scalars(select(Call).where(Call.status != "draft").order_by(Call.opens_at.desc())).all()
    return render_template("calls/index.html", calls=calls)


@bp.get("/calls/<slug>")
def detail(slug: str):
    call = call_or_404(slug, public=True, user=current_user)  # a draft does not exist for the public
    db = get_session()
    open_codes = set(call.rules["entry"]["categories"])
    coverage = [(cat, items) for cat, items in browse(db) if category_open(cat.code, open_codes)]
    amendments = [{"at": e.at, "lines": describe(e.detail)} for e in service.call_amendments(db, call)]
    # The apply button: only while this visitor's organisation may still submit (the late list included).
    can_apply = policy.can_start_submission(current_user) and service.submissions_open_for(
        db, call, current_user.organisation_id)
    return render_template("calls/detail.html", call=call, coverage=coverage, now=utcnow(),
                           item_count=sum(len(items) for _cat, items in coverage), amendments=amendments,
                           can_apply=can_apply, **_card_context(call), **public_context(db, call))


@bp.get("/admin/calls")
@login_required
def admin_list():
    _require_admin()
    calls = get_session().scalars(select(Call).options(selectinload(Call.rules_versions))
                                  .order_by(Call.opens_at.desc(), Call.id.desc())).all()
    return render_template("calls/admin_list.html", calls=calls)


def _save_call(form: CallForm, call: Call | None) -> Call | None:
    """Check the posted form with the service and save it; the call, or None with every problem
    (the form's own and the service's) beside its field."""
    db = get_session()
    form.validate()
    rules, reason, fields = form.rules_input(), form.reason.data or "", form.call_fields()
    with attempt(form) as done:
        if form.errors:  # still ask the service, so that all problems show at once
            service.check_call(db, call, rules=rules, reason=reason, **fields)
        elif call is None:
            call = service.create_call(db, current_user, rules=rules, **fields)
            done.flash(_("已创建征集草稿：%(title)s", title=call.title))
        else:
            version = call.rules_version.version
            service.update_call(db, current_user, call, rules=rules, reason=reason, **fields)
            if call.rules_version.version > version:
                done.flash(_("规则已修订为第 %(v)s 版，修订理由已公开显示", v=call.rules_version.version))
            else:
                done.flash(_("已保存"))
    return call if done.ok and not form.errors else None


def _rounds_changed(form: CallForm, frozen_slug: bool) -> CallForm | None:
    """The form again with a round added, removed or moved, when that button was pressed
    (nothing is saved); None for a plain save."""
    action = request.form.get("round_action", "")
    if not action:
        return None
    data = {name: value for name, value in form.data.items() if name != "csrf_token"}
    rounds = change_rounds(data["rounds"], action)
    if rounds is None:
        abort(400)
    data["rounds"] = rounds
    return CallForm(formdata=None, data=data, categories=_categories(), frozen_slug=frozen_slug)


@bp.route("/admin/calls/new", methods=["GET", "POST"])
@login_required
def new():
    _require_admin()
    form = CallForm(data=call_form_data(), categories=_categories())
    if form.is_submitted() and (changed := _rounds_changed(form, False)) is not None:
        return render_template("calls/form.html", form=changed, call=None)
    if form.is_submitted() and (call := _save_call(form, None)) is not None:
        return redirect(url_for("calls.admin_detail", slug=call.slug))
    return render_template("calls/form.html", form=form, call=None)


@bp.route("/admin/calls/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    _require_admin()
    call = call_or_404(slug)
    if not policy.can_edit_call(current_user, call):
        flash(_("征集已进入公示或之后的阶段，不能再修改"), "error")
        return redirect(url_for("calls.admin_detail", slug=call.slug))
    form = CallForm(data=call_form_data(call), categories=_categories(), frozen_slug=call.status != "draft")
    if form.is_submitted() and (changed := _rounds_changed(form, call.status != "draft")) is not None:
        return render_template("calls/form.html", form=changed, call=call)
    if form.is_submitted() and _save_call(form, call) is not None:
        return redirect(url_for("calls.admin_detail", slug=call.slug))
    return render_template("calls/form.html", form=form, call=call)


def _late_form(**kwargs) -> LateEntryForm:
    """The late-list form, offering the verified organisations."""
    form = LateEntryForm(**kwargs)
    verified = select(Organisation).where(Organisation.status == "verified").order_by(Organisation.name)
    form.organisation_id.choices = organisation_choices(get_session().scalars(verified).all())
    return form


def _admin_page(call: Call, late_form: LateEntryForm | None = None):
    db = get_session()
    transitions = transitions_from(call.status, current_user.roles)
    checks = step_checks(db, call) if any(t.name == "finish_review" for t in transitions) else None
    return render_template(
        "calls/admin_detail.html", call=call, history=object_history(db, call, newest_first=True), late_form=late_form or _late_form(formdata=None),
        late=service.late_entries(db, call), transitions=transitions, checks=checks,
        now=utcnow(), **_card_context(call),
    )


@bp.get("/admin/calls/<slug>")
@login_required
def admin_detail(slug: str):
    _require_admin()
    return _admin_page(call_or_404(slug))


@bp.post("/admin/calls/<slug>/transition")
@login_required
def transition(slug: str):
    _require_admin()
    call = call_or_404(slug)
    with attempt() as done:
        run = service.apply_transition(get_session(), current_user, call, request.form.get("transition", ""))
        done.flash(_("征集状态已改为：%(state)s", state=label(call.status, CALL_STATES)))
        if run is not None:
            done.flash(_("已计算第 %(n)s 次结果。", n=run.number))
    return redirect(url_for("calls.admin_detail", slug=call.slug))


@bp.post("/admin/calls/<slug>/late")
@login_required
def add_late(slug: str):
    _require_admin()
    call = call_or_404(slug)
    form = _late_form()
    if form.validate_on_submit():
        with attempt(form) as done:
            service.add_late_entry(get_session(), current_user, call, int(form.organisation_id.data),
                                   form.reason.data, form.until.data)
            done.flash(_("已加入补交名单"))
        if done.ok:
            return redirect(url_for("calls.admin_detail", slug=call.slug, _anchor="late"))
    return _admin_page(call, late_form=form)


@bp.post("/admin/calls/<slug>/late/<int:org_id>/remove")
@login_required
def remove_late(slug: str, org_id: int):
    _require_admin()
    call = call_or_404(slug)
    with attempt() as done:
        service.remove_late_entry(get_session(), current_user, call, org_id)
        done.flash(_("已移出补交名单"))
    return redirect(url_for("calls.admin_detail", slug=call.slug, _anchor="late"))
