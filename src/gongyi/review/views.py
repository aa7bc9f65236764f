"""Review pages: the reviewer's queue and scoring form; the administrator's reviewer profiles,
assignment board, conflicts, calibration, exports and outbox."""
from __future__ import annotations

import io
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from gongyi import policy
from gongyi.audit.service import history
from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.calls.service import CallInvalid, update_call
from gongyi.catalogue.models import Category, Item
from gongyi.db import get_session
from gongyi.clock import utcnow
from gongyi.errors import UserError
from gongyi.exports import send_table
from gongyi.mail.models import OutboxMessage
from gongyi.orgs.models import Organisation
from gongyi.review import service
from gongyi.forms import ActionForm
from gongyi.review.forms import (ConflictForm, DeadlineForm, NewReviewerForm, ReasonForm,
                                 ReviewerChoiceForm, ReviewerForm, score_form)
from gongyi.review.models import DEFAULT_MAX_REVIEWS, REVIEW_STATUS_LABELS, Conflict, Review, ReviewerProfile, Score
from gongyi.review.scoring import points
from gongyi.submissions.funds import funding_totals
from gongyi.submissions.models import Attachment, Submission
from gongyi.formatting import label, local_time

bp = Blueprint("review", __name__)

def _require_admin() -> None:
    if not policy.can_manage_reviews(current_user):
        abort(403)


def _call_or_404(slug: str) -> Call:
    call = get_session().scalar(select(Call).where(Call.slug == slug))
    if call is None or call.status == "draft":
        abort(404)
    return call


def _review_or_404(review_id: int) -> Review:
    return get_session().get(Review, review_id) or abort(404)


def _english() -> bool:
    return str(get_locale()).startswith("en")


# --- the reviewer ----------------------------------------------------------------------------


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
    for review in reviews:
        calls.setdefault(review.submission.call_id, (review.submission.call, []))[1].append(review)
    return render_template("review/queue.html", calls=list(calls.values()), now=utcnow())


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


def _render_score(review: Review, form, conflict_form: ReasonForm, status: int = 200):
    call = review.submission.call
    db = get_session()
    return render_template(
        "review/score.html", review=review, call=call, form=form, conflict_form=conflict_form,
        criteria=service.criteria(call), scoring_open=call.status == service.SCORING_STATE,
        total=service.review_total(review), reopen_reason=service.reopen_reason(db, review) if review.version > 1 else None,
        now=utcnow(), **_submission_context(review),
    ), status


def _score_form(review: Review):
    stored = {s.criterion: s for s in review.scores}
    data = {"overall_comment": review.overall_comment}
    for i, c in enumerate(service.criteria(review.submission.call)):
        if c["code"] in stored:
            data[f"score_{i}"] = str(points(stored[c["code"]].points_centi))
            data[f"comment_{i}"] = stored[c["code"]].comment
    return score_form(service.criteria(review.submission.call), data=data)


@bp.route("/review/<int:review_id>", methods=["GET", "POST"])
@login_required
def score(review_id: int):
    review = _review_or_404(review_id)
    if not policy.can_score(current_user, review):
        abort(403)
    form = _score_form(review)
    if request.method == "POST":
        if review.status == "submitted":
            flash(_("评审已提交，不能修改。"), "error")
            return redirect(url_for(".score", review_id=review.id))
        if form.validate_on_submit():
            db = get_session()
            submit = "submit" in request.form
            try:
                service.save_review(db, current_user, review, scores=form.scores(), comments=form.comments(),
                                    overall_comment=form.overall_comment.data or "", submit=submit)
            except UserError as exc:
                db.rollback()
                form.field_for(exc.field).errors.append(exc.translated())
            else:
                db.commit()
                if submit:
                    flash(_("评审已提交：%(ref)s", ref=review.submission.ref), "success")
                    return redirect(url_for(".queue"))
                flash(_("草稿已保存。"), "success")
                return redirect(url_for(".score", review_id=review.id))
        return _render_score(review, form, ReasonForm(formdata=None), 422)
    return _render_score(review, form, ReasonForm(formdata=None))


@bp.post("/review/<int:review_id>/conflict")
@login_required
def declare_own_conflict(review_id: int):
    """The reviewer declares a conflict of interest (回避): the assignment is removed."""
    review = _review_or_404(review_id)
    if not policy.can_score(current_user, review):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        db = get_session()
        ref = review.submission.ref
        try:
            service.declare_conflict(db, current_user, review.submission, current_user, form.reason.data)
        except UserError as exc:
            db.rollback()
            form.reason.errors.append(exc.translated())
        else:
            db.commit()
            flash(_("已声明回避：%(ref)s，该项目已从您的评审列表中移除。", ref=ref), "success")
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
    return send_file(io.BytesIO(file.data), mimetype=file.content_type, download_name=file.filename,
                     as_attachment=True, max_age=0)


# --- reviewer profiles -----------------------------------------------------------------------


def _reviewer_form(form_class, **kwargs):
    db = get_session()
    form = form_class(**kwargs)
    form.set_choices(db.scalars(select(Organisation).order_by(Organisation.name)).all(),
                     db.scalars(select(Category).order_by(Category.code)).all(), _english())
    return form


def _apply_error(form, exc: UserError) -> None:
    field = getattr(form, exc.field or "", None) or form.name
    field.errors.append(exc.translated())


@bp.get("/admin/reviewers")
@login_required
def reviewers():
    _require_admin()
    pool = service.reviewer_pool(get_session())
    orgs = {o.id: o for o in get_session().scalars(select(Organisation).where(
        Organisation.id.in_({p.affiliation_id for _, p in pool if p and p.affiliation_id})))}
    return render_template("review/reviewers.html", pool=pool, orgs=orgs, default_cap=DEFAULT_MAX_REVIEWS)


@bp.route("/admin/reviewers/new", methods=["GET", "POST"])
@login_required
def new_reviewer():
    _require_admin()
    form = _reviewer_form(NewReviewerForm)
    if form.validate_on_submit():
        db = get_session()
        try:
            user = service.create_reviewer(
                db, current_user, email=form.email.data, name=form.name.data, password=form.password.data or "",
                affiliation_id=int(form.affiliation_id.data) if form.affiliation_id.data else None,
                expertise=form.expertise.data or [], max_reviews=form.max_reviews.data)
        except UserError as exc:
            db.rollback()
            _apply_error(form, exc)
        else:
            db.commit()
            flash(_("已添加评审专家：%(name)s", name=user.name), "success")
            return redirect(url_for(".reviewers"))
    return render_template("review/reviewer_form.html", form=form, reviewer=None)


@bp.route("/admin/reviewers/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_reviewer(user_id: int):
    _require_admin()
    db = get_session()
    user = db.get(User, user_id)
    if user is None or "reviewer" not in user.roles:
        abort(404)
    profile = db.get(ReviewerProfile, user.id)
    form = _reviewer_form(ReviewerForm, data={
        "name": user.name,
        "affiliation_id": str(profile.affiliation_id) if profile and profile.affiliation_id else (
            str(user.organisation_id) if profile is None and user.organisation_id else ""),
        "expertise": profile.expertise if profile else [],
        "max_reviews": profile.max_reviews if profile else DEFAULT_MAX_REVIEWS,
    })
    if form.validate_on_submit():
        try:
            removed = service.update_reviewer(
                db, current_user, user, name=form.name.data,
                affiliation_id=int(form.affiliation_id.data) if form.affiliation_id.data else None,
                expertise=form.expertise.data or [], max_reviews=form.max_reviews.data)
        except UserError as exc:
            db.rollback()
            _apply_error(form, exc)
        else:
            db.commit()
            flash(_("已保存：%(name)s", name=user.name), "success")
            if removed:
                flash(_("因所属机构变更，已移除 %(n)s 项需回避的评审分配。", n=removed), "info")
            return redirect(url_for(".reviewers"))
    return render_template("review/reviewer_form.html", form=form, reviewer=user)


# --- the call's review: board, assignment, deadline, reminders --------------------------------


@bp.get("/admin/review")
@login_required
def calls():
    _require_admin()
    db = get_session()
    counts = {cid: (n, done) for cid, n, done in db.execute(
        select(Submission.call_id, func.count(Review.id), func.count(case((Review.status == "submitted", 1))))
        .join(Review, Review.submission_id == Submission.id).group_by(Submission.call_id)
    ).all()}
    eligible = dict(db.execute(
        select(Submission.call_id, func.count()).where(Submission.status == "submitted",
                                                      Submission.eligibility == "eligible")
        .group_by(Submission.call_id)
    ).all())
    rows = db.scalars(select(Call).where(Call.status != "draft").order_by(Call.opens_at.desc())).all()
    return render_template("review/calls.html", calls=rows, counts=counts, eligible=eligible)


def _board(call: Call, deadline_form: DeadlineForm | None = None, status: int = 200):
    db = get_session()
    now = utcnow()
    if deadline_form is None:
        deadline_form = DeadlineForm(formdata=None, data={"review_deadline": call.review_deadline})
    return render_template(
        "review/board.html", call=call, submissions=service.submission_progress(db, call, now),
        reviewers=service.reviewer_progress(db, call, now), per_submission=service.reviewers_per_submission(call),
        assigning=call.status in service.ASSIGNING_STATES, deadline_form=deadline_form, action=ActionForm(),
        now=now,
    ), status


@bp.get("/admin/review/<slug>")
@login_required
def board(slug: str):
    _require_admin()
    return _board(_call_or_404(slug))


@bp.post("/admin/review/<slug>/assign")
@login_required
def assign(slug: str):
    """One click: every eligible submission gets its reviewers."""
    _require_admin()
    call = _call_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        report = service.assign_reviewers(db, current_user, call)
    except UserError as exc:
        db.rollback()
        flash(exc.translated(), "error")
    else:
        db.commit()
        if not report.submissions:
            flash(_("没有需要分配的项目：只有已提交且形式审查合格的项目才会分配评审。"), "info")
        else:
            flash(_("已新增 %(added)s 项评审分配（%(n)s 个项目，每个项目 %(k)s 位评审）。", added=report.added,
                    n=report.submissions, k=report.per_submission), "success")
        for message, params in report.notes():
            flash(_(message, **params), "error")
    return redirect(url_for(".board", slug=call.slug))


@bp.post("/admin/review/<slug>/deadline")
@login_required
def deadline(slug: str):
    _require_admin()
    call = _call_or_404(slug)
    form = DeadlineForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            update_call(db, current_user, call, review_deadline=form.review_deadline.data, reason=form.reason.data)
        except CallInvalid as exc:
            db.rollback()
            for error in exc.errors:
                (form.reason if error.field == "reason" else form.review_deadline).errors.append(error.translated())
        except UserError as exc:
            db.rollback()
            form.review_deadline.errors.append(exc.translated())
        else:
            db.commit()
            flash(_("评审截止时间已保存。"), "success")
            return redirect(url_for(".board", slug=call.slug))
    return _board(call, form, 422)


@bp.post("/admin/review/<slug>/remind")
@login_required
def remind(slug: str):
    """Queue the reminders that are due now (the same as `flask review remind`, for every call)."""
    _require_admin()
    call = _call_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_session()
    queued = service.queue_reminders(db, current_user, before=_reminder_window())
    db.commit()
    flash(_("已加入发送队列的提醒：%(n)s 封（已发过的不会重复发送）。", n=queued), "success")
    return redirect(url_for(".board", slug=call.slug))


def _reminder_window() -> timedelta:
    return timedelta(days=int(current_app.config.get("REVIEW_REMINDER_DAYS", 3)))


# --- one submission: add, remove, swap, extra reviewer, conflicts ------------------------------


def _submission_or_404(submission_id: int) -> Submission:
    submission = get_session().get(Submission, submission_id)
    if submission is None:
        abort(404)
    return submission


def _candidates(submission: Submission, pool: list[tuple[User, ReviewerProfile | None]],
                conflicted: set[int]) -> list[tuple[User, int, int, bool]]:
    """Reviewers of `pool` who pass every check for this submission: (user, load, cap, expertise matches)."""
    db = get_session()
    loads = service.call_loads(db, submission.call)
    assigned = set(db.scalars(select(Review.reviewer_id).where(Review.submission_id == submission.id)))
    categories = {i.category_code for i in db.scalars(
        select(Item).where(Item.code.in_([si.item_code for si in submission.items])))}
    result = []
    for user, profile in pool:
        cap = profile.max_reviews if profile else DEFAULT_MAX_REVIEWS
        if user.id in conflicted or user.id in assigned or loads.get(user.id, 0) >= cap:
            continue
        result.append((user, loads.get(user.id, 0), cap, bool(categories & set(profile.expertise if profile else ()))))
    return result


def _submission_page(submission: Submission, add_form=None, conflict_form=None, swap=None, status: int = 200):
    """The page to manage one submission's reviewers; a form that failed is shown with its errors."""
    db = get_session()
    call = submission.call
    pool = service.reviewer_pool(db)
    conflicted = {r for r, _s in service.conflicted_pairs(db, call, submission.id)}
    choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(u.id), f"{u.name}（{load}/{cap}）{' ★' if match else ''}")
        for u, load, cap, match in _candidates(submission, pool, conflicted)]
    conflict_choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(u.id), u.name) for u, _p in pool if u.id not in conflicted]
    reviews = db.scalars(select(Review).where(Review.submission_id == submission.id)
                         .options(joinedload(Review.reviewer), selectinload(Review.scores)).order_by(Review.id)).all()
    swap_forms = {}
    for r in reviews:
        form = swap[1] if swap and swap[0] == r.id else ReviewerChoiceForm(formdata=None, prefix=f"swap{r.id}")
        form.reviewer_id.choices = choices
        swap_forms[r.id] = form
    add_form = add_form or ReviewerChoiceForm(formdata=None, prefix="add")
    add_form.reviewer_id.choices = choices
    conflict_form = conflict_form or ConflictForm(formdata=None, prefix="conflict")
    conflict_form.reviewer_id.choices = conflict_choices
    declared = db.scalars(select(Conflict).where(Conflict.submission_id == submission.id)
                          .options(joinedload(Conflict.reviewer)).order_by(Conflict.id)).all()
    affiliated = [u for u, _s in service.affiliation_conflicts(db, call, submission.id)]
    return render_template(
        "review/submission.html", submission=submission, call=call, reviews=reviews,
        totals={r.id: service.review_total(r) for r in reviews}, add_form=add_form, swap_forms=swap_forms,
        conflict_form=conflict_form, declared=declared, affiliated=affiliated, action=ActionForm(),
        assigning=call.status in service.ASSIGNING_STATES, per_submission=service.reviewers_per_submission(call),
    ), status


@bp.get("/admin/review/submissions/<int:submission_id>")
@login_required
def submission(submission_id: int):
    _require_admin()
    return _submission_page(_submission_or_404(submission_id))


def _chosen_reviewer(form) -> User | None:
    value = form.reviewer_id.data
    return get_session().get(User, int(value)) if value and value.isdigit() else None


@bp.post("/admin/review/submissions/<int:submission_id>/add")
@login_required
def add(submission_id: int):
    _require_admin()
    submission = _submission_or_404(submission_id)
    form = ReviewerChoiceForm(prefix="add")
    if form.validate_on_submit():
        db = get_session()
        try:
            review = service.add_reviewer(db, current_user, submission, _chosen_reviewer(form))
        except UserError as exc:
            db.rollback()
            form.reviewer_id.errors.append(exc.translated())
        else:
            db.commit()
            flash(_("已分配：%(name)s", name=review.reviewer.name), "success")
            return redirect(url_for(".submission", submission_id=submission.id))
    return _submission_page(submission, add_form=form, status=422)


@bp.post("/admin/review/submissions/<int:submission_id>/extra")
@login_required
def extra(submission_id: int):
    """Add one more reviewer, chosen automatically (used when the reviewers disagree)."""
    _require_admin()
    submission = _submission_or_404(submission_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        review = service.add_extra_reviewer(db, current_user, submission)
    except UserError as exc:
        db.rollback()
        flash(exc.translated(), "error")
    else:
        db.commit()
        flash(_("已增派评审专家：%(name)s（%(ref)s）", name=review.reviewer.name, ref=submission.ref), "success")
    return redirect(request.form.get("next") if _safe(request.form.get("next"))
                    else url_for(".submission", submission_id=submission.id))


def _safe(target: str | None) -> bool:
    return bool(target) and target.startswith("/") and not target.startswith("//")


@bp.post("/admin/review/submissions/<int:submission_id>/conflict")
@login_required
def admin_conflict(submission_id: int):
    _require_admin()
    submission = _submission_or_404(submission_id)
    form = ConflictForm(prefix="conflict")
    if form.validate_on_submit():
        db = get_session()
        reviewer = _chosen_reviewer(form)
        try:
            if reviewer is None:
                form.reviewer_id.errors.append(_("请选择评审专家"))
                return _submission_page(submission, conflict_form=form, status=422)
            service.declare_conflict(db, current_user, submission, reviewer, form.reason.data)
        except UserError as exc:
            db.rollback()
            (form.reason if exc.field == "reason" else form.reviewer_id).errors.append(exc.translated())
        else:
            db.commit()
            flash(_("已登记回避：%(name)s", name=reviewer.name), "success")
            return redirect(url_for(".submission", submission_id=submission.id))
    return _submission_page(submission, conflict_form=form, status=422)


@bp.post("/admin/conflicts/<int:conflict_id>/withdraw")
@login_required
def withdraw_conflict(conflict_id: int):
    _require_admin()
    db = get_session()
    conflict = db.get(Conflict, conflict_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    submission_id = conflict.submission_id
    service.withdraw_conflict(db, current_user, conflict)
    db.commit()
    flash(_("已撤销回避登记。"), "success")
    return redirect(url_for(".submission", submission_id=submission_id))


@bp.post("/admin/reviews/<int:review_id>/remove")
@login_required
def remove(review_id: int):
    _require_admin()
    review = _review_or_404(review_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_session()
    submission_id, name = review.submission_id, review.reviewer.name
    try:
        service.remove_review(db, current_user, review)
    except UserError as exc:
        db.rollback()
        flash(exc.translated(), "error")
    else:
        db.commit()
        flash(_("已移除：%(name)s", name=name), "success")
    return redirect(url_for(".submission", submission_id=submission_id))


@bp.post("/admin/reviews/<int:review_id>/swap")
@login_required
def swap(review_id: int):
    _require_admin()
    review = _review_or_404(review_id)
    form = ReviewerChoiceForm(prefix=f"swap{review.id}")
    submission = review.submission
    if form.validate_on_submit():
        db = get_session()
        old = review.reviewer.name
        try:
            new = service.swap_reviewer(db, current_user, review, _chosen_reviewer(form))
        except UserError as exc:
            db.rollback()
            form.reviewer_id.errors.append(exc.translated())
        else:
            db.commit()
            flash(_("已将 %(old)s 更换为 %(new)s", old=old, new=new.reviewer.name), "success")
            return redirect(url_for(".submission", submission_id=submission.id))
    return _submission_page(submission, swap=(review.id, form), status=422)


# --- one review: content, versions, reopening --------------------------------------------------


@bp.route("/admin/reviews/<int:review_id>", methods=["GET", "POST"])
@login_required
def review_detail(review_id: int):
    _require_admin()
    review = _review_or_404(review_id)
    form = ReasonForm()
    if request.method == "POST" and form.validate_on_submit():
        db = get_session()
        try:
            service.reopen_review(db, current_user, review, form.reason.data)
        except UserError as exc:
            db.rollback()
            form.reason.errors.append(exc.translated())
        else:
            db.commit()
            flash(_("评审已重新开放，评审专家可修改后再次提交。"), "success")
            return redirect(url_for(".review_detail", review_id=review.id))
    db = get_session()
    entries = history(db, review)
    actors = {u.id: u for u in db.scalars(select(User).where(User.id.in_({e.actor_id for e in entries})))}
    return render_template(
        "review/review.html", review=review, call=review.submission.call, criteria=service.criteria(review.submission.call),
        scores={s.criterion: s for s in review.scores}, total=service.review_total(review), form=form,
        history=entries, actors=actors,
    ), 422 if form.errors else 200


# --- calibration and exports -------------------------------------------------------------------


@bp.get("/admin/review/<slug>/calibration")
@login_required
def calibration(slug: str):
    _require_admin()
    call = _call_or_404(slug)
    db = get_session()
    result, reviews = service.calibration(db, call)
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(result.reviewers)))}
    submissions = {s.id: s for s in db.scalars(select(Submission).where(
        Submission.id.in_({r.submission_id for r in reviews})))}
    by_submission: dict[int, list] = {}
    for r in reviews:
        by_submission.setdefault(r.submission_id, []).append(r)
    return render_template(
        "review/calibration.html", call=call, result=result, reviews=reviews, users=users, submissions=submissions,
        by_submission=by_submission, threshold=service.disagreement_threshold(call), action=ActionForm(),
        assigning=call.status in service.ASSIGNING_STATES,
    )


@bp.get("/admin/review/<slug>/scores.<any(csv, xlsx):fmt>")
@login_required
def export(slug: str, fmt: str):
    """Every review of the call with each criterion's score and comment (two queries)."""
    _require_admin()
    call = _call_or_404(slug)
    db = get_session()
    rubric = service.criteria(call)
    rows = db.execute(
        select(Review, Submission.ref, Submission.title, Organisation.name, User.name, User.email)
        .join(Submission, Submission.id == Review.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .join(User, User.id == Review.reviewer_id)
        .where(Submission.call_id == call.id).order_by(Submission.ref, User.email)
    ).all()
    scores: dict[int, dict[str, Score]] = {}
    for s in db.scalars(select(Score).join(Review, Review.id == Score.review_id)
                        .join(Submission, Submission.id == Review.submission_id).where(Submission.call_id == call.id)):
        scores.setdefault(s.review_id, {})[s.criterion] = s
    columns = [_("项目编号"), _("项目名称"), _("申报组织"), _("评审专家"), _("邮箱"), _("状态"), _("提交时间")]
    columns += [f"{c['name']}（{c['code']}，{c['max']}）" for c in rubric] + [_("合计")]
    columns += [_("%(name)s 评语", name=c["name"]) for c in rubric] + [_("总体评价")]
    table = []
    for review, ref, title, org, name, email in rows:
        mine = scores.get(review.id, {})
        values = [mine[c["code"]].points_centi if c["code"] in mine else None for c in rubric]
        total = sum(values) if all(v is not None for v in values) else None  # type: ignore[arg-type]
        table.append(
            [ref, title, org, name, email, label(review.status, REVIEW_STATUS_LABELS), local_time(review.submitted_at)]
            + [None if v is None else points(v) for v in values] + [None if total is None else points(total)]
            + [mine[c["code"]].comment if c["code"] in mine else "" for c in rubric] + [review.overall_comment]
        )
    return send_table(columns, table, fmt, f"{call.slug}-scores", sheet_title=_("评分"))


# --- the outbox --------------------------------------------------------------------------------


@bp.get("/admin/mail")
@login_required
def outbox():
    """What was queued and what was sent (or only logged, without a mail server)."""
    _require_admin()
    db = get_session()
    messages = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(500)).all()
    state = case((OutboxMessage.sent_at.is_not(None), "sent"), (OutboxMessage.error.is_not(None), "failed"),
                 else_="queued")
    counts = {name: n for name, n in db.execute(select(state, func.count()).group_by(state)).all()}
    return render_template("review/outbox.html", messages=messages, counts=counts,
                           smtp=bool(current_app.config.get("MAIL_SERVER")))
