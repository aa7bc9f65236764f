"""The reviewer's pages: the queue of assigned reviews, the scoring form, declaring a conflict of
interest, and the attachments of the project under review (the administrators' review pages are
in admin_views)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from gongyi import policy
from gongyi.actions import attempt
from gongyi.calls.models import Call
from gongyi.calls.workflow import allows
from gongyi.catalogue.models import Item
from gongyi.clock import utcnow
from gongyi.db import get_session
from gongyi.review import service
from gongyi.review.forms import ReasonForm, ScoreFormBase, score_form
from gongyi.review.models import Review
from gongyi.review.scoring import points
from gongyi.submissions.funds import funding_totals
from gongyi.submissions.models import Attachment, Submission
from gongyi.webutil import send_stored_file

bp = Blueprint("review", __name__)


def _review_or_404(review_id: int) -> Review:
    return get_session().get(Review, review_id) or abort(404)


def _my_review_or_404(review_id: int) -> Review:
    """A review its own reviewer fills in; anyone else is refused (403)."""
    review = _review_or_404(review_id)
    if not policy.can_score(current_user, review):
        abort(403)
    return review


def _scoring_note(call: Call) -> str | None:
    """Why the reviewer cannot score in this call now, or None while scoring is open."""
    if allows(call, "score"):
        return None if service.round_is_open(call, service.scoring_round(call)) else _("本轮评审已结束，下一轮开始前不能打分")
    before = allows(call, "submit") or allows(call, "assign")  # projects still arriving, or reviewers being assigned
    return _("评审阶段开始后才能打分") if before else _("评审阶段已结束")


@bp.get("/review/")
@login_required
def queue():
    """The reviewer's assigned submissions, by call, with status and deadline."""
    if not policy.is_reviewer(current_user):
        abort(403)
    reviews = get_session().scalars(
        select(Review).join(Submission, Submission.id == Review.submission_id).join(Call, Call.id == Submission.call_id)
        .where(Review.reviewer_id == current_user.id)
        .options(joinedload(Review.submission).joinedload(Submission.call))
        .order_by(Call.id.desc(), Submission.ref)
    ).all()
    calls: dict[int, tuple[Call, list[Review]]] = {}
    for review in reviews:  # each call's current round only: a closed round's reviews are done with
        if review.round != service.scoring_round(review.submission.call):
            continue
        calls.setdefault(review.submission.call_id, (review.submission.call, []))[1].append(review)
    return render_template("review/queue.html", calls=list(calls.values()), notes={
        call.id: _scoring_note(call) for call, _reviews in calls.values()}, now=utcnow())


def _submission_context(review: Review) -> dict:
    """What the reviewer reads: the project text; in blind mode nothing naming the organisation."""
    submission = review.submission
    items = {i.code: i for i in get_session().scalars(
        select(Item).where(Item.code.in_([si.item_code for si in submission.items])))}
    return {
        "submission": submission,
        "blind": service.is_blind(submission.call),
        "items": items,
        "funds": funding_totals(submission.funding_lines),
    }


def _render_score(review: Review, form: ScoreFormBase, conflict_form: ReasonForm, status: int = 200):
    call = review.submission.call
    db = get_session()
    return render_template(
        "review/score.html", review=review, call=call, form=form, conflict_form=conflict_form,
        criteria=service.review_criteria(review), current=service.snapshot(review),
        scoring_open=allows(call, "score") and service.round_is_open(call, review.round), total=service.review_total(review),
        reopen_reason=service.reopen_reason(db, review) if review.version > 1 else None,
        now=utcnow(), **_submission_context(review),
    ), status


def _score_form(review: Review) -> ScoreFormBase:
    """The scoring form, filled in with what the review holds (posted values take precedence)."""
    stored = {s.criterion: s for s in review.scores}
    data = {"overall_comment": review.overall_comment}
    rubric = service.review_criteria(review)
    for i, c in enumerate(rubric):
        if c["code"] in stored:
            data[f"score_{i}"] = str(points(stored[c["code"]].points_centi))
            data[f"comment_{i}"] = stored[c["code"]].comment
    return score_form(rubric, data=data)


@bp.route("/review/<int:review_id>", methods=["GET", "POST"])
@login_required
def score(review_id: int):
    review = _my_review_or_404(review_id)
    form = _score_form(review)
    if request.method == "GET":
        return _render_score(review, form, ReasonForm(formdata=None))
    if review.status == "submitted":
        flash(_("评审已提交，不能修改。"), "error")
        return redirect(url_for(".score", review_id=review.id))
    if form.validate_on_submit():
        submit = "submit" in request.form
        with attempt(form) as done:
            service.save_review(get_session(), current_user, review, scores=form.scores(), comments=form.comments(),
                                overall_comment=form.overall_comment.data or "", submit=submit)
            done.flash(_("评审已提交：%(ref)s", ref=review.submission.ref) if submit else _("草稿已保存。"))
        if done.ok:
            return redirect(url_for(".queue") if submit else url_for(".score", review_id=review.id))
    return _render_score(review, form, ReasonForm(formdata=None), 422)


@bp.post("/review/<int:review_id>/conflict")
@login_required
def declare_own_conflict(review_id: int):
    """The reviewer declares a conflict of interest (回避): the assignment is removed."""
    review = _my_review_or_404(review_id)
    form = ReasonForm()
    if form.validate_on_submit():
        ref = review.submission.ref
        with attempt(form) as done:
            service.declare_conflict(get_session(), current_user, review.submission, current_user, form.reason.data)
            done.flash(_("已声明回避：%(ref)s，该项目已从您的评审列表中移除。", ref=ref))
        if done.ok:
            return redirect(url_for(".queue"))
    return _render_score(review, _score_form(review), form, 422)


@bp.get("/review/<int:review_id>/attachments/<int:attachment_id>")
@login_required
def attachment(review_id: int, attachment_id: int):
    """An attachment of the submission under review; never in blind mode (it may name the organisation)."""
    review = _review_or_404(review_id)
    if not policy.can_view_review(current_user, review):
        abort(403)
    file = get_session().get(Attachment, attachment_id)
    if file is None or file.submission_id != review.submission_id or service.is_blind(review.submission.call):
        abort(404)
    return send_stored_file(file.data, file.filename, file.content_type)
