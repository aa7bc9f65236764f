"""The administrator's library pages: each edition's library (settings, carrying, who moves up),
a new edition from a previous one, and funding a waiting entry from its edition's library pool
(shown on the entry's page, library.entry)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.calls.service import find_call
from gongyi.errors import N_, UserError
from gongyi.calls.models import Call
from gongyi.db import get_session
from gongyi.library import editions, entries
from gongyi.library.forms import CarryForm, MoveUpForm, NewEditionForm, PoolGrantForm, SettingsForm
from gongyi.library.models import LibraryEntry
from gongyi.library.views import render_entry
from gongyi.money import format_fen
from gongyi.results.models import Run, RunRow
from gongyi.submissions.models import Submission
from gongyi.webutil import call_or_404, int_arg, page_number

bp = Blueprint("library_admin", __name__, url_prefix="/admin/library")


@bp.before_request
@login_required
def require_admin():
    if not policy.can_manage_library(current_user):
        abort(403)


def _matched(db, call: Call) -> list[tuple[int, str, str]]:
    """The matched projects of the call's latest run: (submission id, ref, title)."""
    run = db.scalar(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc()).limit(1))
    if run is None:
        return []
    return list(db.execute(select(Submission.id, Submission.ref, Submission.title)
                           .join(RunRow, RunRow.submission_id == Submission.id)
                           .where(RunRow.run_id == run.id, RunRow.outcome == "matched", Submission.status == "submitted")
                           .order_by(RunRow.position)).all())


def _later_calls(db, call: Call) -> list[Call]:
    return list(db.scalars(select(Call).where(Call.opens_at > call.opens_at, Call.status != "archived")
                           .order_by(Call.opens_at)))


def _render(call: Call, *, settings_form=None, carry_form=None, move_form=None, edition_form=None, preview=None,
            status: int = 200):
    db = get_session()
    settings = entries.settings_for(db, call)
    settings_form = settings_form or SettingsForm(obj=settings, formdata=None)
    carry_form = carry_form or CarryForm(formdata=None)
    carry_form.target.choices = [(c.slug, c.title) for c in _later_calls(db, call)]
    move_form = move_form or MoveUpForm(formdata=None)
    matched = _matched(db, call)
    move_form.submission_id.choices = [(str(sid), f"{ref} {title}") for sid, ref, title in matched]
    edition_form = edition_form or NewEditionForm(formdata=None, data=editions.suggested(call))
    page = entries.library_page(db, entries.Filters(call_id=call.id), page_number())
    return render_template("library/admin_call.html", call=call, page=page, settings=settings,
                           balance=entries.pool_balance(db, call),
                           settings_form=settings_form, carry_form=carry_form, move_form=move_form,
                           edition_form=edition_form, preview=preview, matched=matched), status


@bp.get("/<slug>")
def call_library(slug: str):
    call = call_or_404(slug)
    preview = None
    moving = int_arg("preview")
    if moving is not None:
        submission = get_session().get(Submission, moving)
        if submission is None or submission.call_id != call.id:
            abort(404)
        preview = (submission, entries.who_moves_up(get_session(), call, submission))
    return _render(call, preview=preview)


@bp.post("/<slug>/settings")
def settings(slug: str):
    call = call_or_404(slug)
    form = SettingsForm()
    if form.validate():
        with attempt(form) as done:
            entries.update_settings(get_session(), current_user, call, **{f: getattr(form, f).data for f in entries.SETTING_FIELDS})
            done.flash(_("已保存项目库和申报资格设置。"))
        if done.ok:
            return redirect(url_for(".call_library", slug=slug))
    return _render(call, settings_form=form, status=422)


@bp.post("/<slug>/carry")
def carry(slug: str):
    call = call_or_404(slug)
    form = CarryForm()
    with attempt(form) as done:
        target = find_call(get_session(), form.target.data or "")
        if target is None:
            raise UserError(N_("请选择转入哪一届"), "target")
        result = entries.carry_entries(get_session(), current_user, call, target)
        done.flash(_("已转入 %(n)s 个项目，%(m)s 个项目已到期。", n=len(result.carried), m=len(result.expired)))
    if done.ok:
        return redirect(url_for(".call_library", slug=target.slug))
    return _render(call, carry_form=form, status=422)


@bp.post("/<slug>/move-up")
def move_up(slug: str):
    """Confirm a matched project's withdrawal after results: a new run, the next ones move up."""
    call = call_or_404(slug)
    form = MoveUpForm()
    db = get_session()
    submission = db.get(Submission, int_arg("submission_id", source=request.form) or 0)
    if submission is None or submission.call_id != call.id:
        abort(404)
    if form.validate():
        with attempt(form) as done:
            run = entries.confirm_move_up(db, current_user, call, submission, form.reason.data or "")
            done.flash(_("%(ref)s 已撤回，已计算第 %(n)s 次结果；发布为修订后的最终结果后项目库随之更新。",
                         ref=submission.ref, n=run.number))
        if done.ok:
            return redirect(url_for(".call_library", slug=slug))
    return _render(call, move_form=form, preview=(submission, entries.who_moves_up(db, call, submission)), status=422)


@bp.post("/<slug>/new-edition")
def new_edition(slug: str):
    """A new call created from this one, for the administrator to adjust before opening."""
    call = call_or_404(slug)
    form = NewEditionForm()
    if form.validate():
        with attempt(form) as done:
            created = editions.new_edition(get_session(), current_user, call, slug=form.slug.data or "",
                                           title=form.title.data or "")
            done.flash(_("已从“%(old)s”创建新一届：%(title)s。请检查设置后再开放征集。", old=call.title, title=created.title))
        if done.ok:
            return redirect(url_for("calls.admin_detail", slug=created.slug))
    return _render(call, edition_form=form, status=422)


@bp.post("/entries/<int:entry_id>/fund")
def fund(entry_id: int):
    """Fund a waiting entry from its edition's library pool (what the final results left of it)."""
    db = get_session()
    entry = db.get(LibraryEntry, entry_id) or abort(404)
    form = PoolGrantForm()
    if form.validate():
        with attempt(form) as done:
            entries.fund_from_pool(db, current_user, entry, amount=form.amount.data or "", reason=form.reason.data or "")
            done.flash(_("已从%(edition)s的项目库资金池资助 %(ref)s ¥%(amount)s。", edition=entry.call.title,
                         ref=entry.submission.ref, amount=format_fen(entry.library_grant_fen)))
        if done.ok:
            return redirect(url_for("library.entry", entry_id=entry_id))
    return render_entry(entry, grant_form=form, status=422)
