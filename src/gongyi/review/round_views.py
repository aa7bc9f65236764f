"""The administrators' pages for running rounds: a round's standings (who advances, ties across
the line explained, who is out and why), closing the current round, opening the next one on
confirmation, and putting reviewers on the call's panels."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from gongyi import policy
from gongyi.actions import attempt
from gongyi.calls.models import Call
from gongyi.numbers import whole_number
from gongyi.calls.rules import panel_codes
from gongyi.calls.workflow import allows
from gongyi.db import get_session
from gongyi.review import service
from gongyi.webutil import call_or_404

bp = Blueprint("review_rounds", __name__, url_prefix="/admin/review")


@bp.before_request
@login_required
def _require_admin() -> None:
    if not policy.can_manage_reviews(current_user):
        abort(403)


def _call_or_404(slug: str) -> Call:
    call = call_or_404(slug)
    if not allows(call, "manage_review"):
        abort(404)
    return call


def rounds_context(db, call: Call) -> dict:
    """The board's rounds (each with its state), the current one, and the reviewers' panels."""
    return {"rounds": [(r, service.round_status(call, r["code"])) for r in call.rules["rounds"]],
            "current_round": service.scoring_round(call), "panel_needs": service.round_needs(call),
            "seats": service.reviewer_panels(db, call), "default_panel": service.default_panel(call),
            "panel_codes": panel_codes(call.rules)}


def _round_or_404(call: Call, code: str) -> None:
    if code not in [r["code"] for r in call.rules["rounds"]]:
        abort(404)


@bp.get("/<slug>/rounds/<code>")
def round_page(slug: str, code: str):
    call = _call_or_404(slug)
    _round_or_404(call, code)
    summary = service.round_summary(get_session(), call, code)
    codes = [r["code"] for r in call.rules["rounds"]]
    following = call.rules["rounds"][codes.index(code) + 1] if code != codes[-1] else None
    return render_template("review/round.html", call=call, summary=summary, following=following,
                           current=service.scoring_round(call), scoring=allows(call, "score"))


@bp.post("/<slug>/rounds/<code>/close")
def close(slug: str, code: str):
    call = _call_or_404(slug)
    _round_or_404(call, code)
    with attempt() as done:
        summary = service.close_round(get_session(), current_user, call, code)
        done.flash(_("%(name)s已结束，评分已锁定：%(n)s 个项目晋级。确认后开始下一轮评分。",
                     name=summary.name, n=len(summary.advanced)))
    return redirect(url_for(".round_page", slug=call.slug, code=code))


@bp.post("/<slug>/rounds/open-next")
def open_next(slug: str):
    call = _call_or_404(slug)
    with attempt() as done:
        state = service.open_next_round(get_session(), current_user, call)
        done.flash(_("已开始下一轮评分：%(code)s。请为进入本轮的项目分配评审。", code=state.code))
    return redirect(url_for("review_admin.board", slug=call.slug))


@bp.post("/<slug>/panels")
def panels(slug: str):
    """Put the reviewers listed on the board on panels (fields `panel-<reviewer id>`)."""
    call = _call_or_404(slug)
    chosen: dict[int, str] = {}
    for name, value in request.form.items():
        reviewer_id = whole_number(name[6:]) if name.startswith("panel-") else None
        if reviewer_id is not None:
            chosen[reviewer_id] = value.strip()
    with attempt() as done:
        changed = service.set_reviewer_panels(get_session(), current_user, call, chosen)
        done.flash(_("已调整 %(n)s 位评审专家的评审组。", n=len(changed)))
    back = whole_number(request.form.get("reviewers_page", ""))  # the page of reviewers the form showed
    return redirect(url_for("review_admin.board", slug=call.slug, reviewers_page=back if back and back > 1 else None,
                            _anchor="reviewers"))
