"""The administrators' review pages: reviewer profiles; each call's board (assignment, deadline,
reminders), calibration and score exports; one submission's reviewers and conflicts; one review
with its versions and reopening. The outbox page is mail.views."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from gongyi import policy
from gongyi.actions import attempt
from gongyi.audit.history import object_history
from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.calls.service import update_call
from gongyi.calls.workflow import allows
from gongyi.catalogue.models import Category
from gongyi.clock import utcnow
from gongyi.db import get_session
from gongyi.exports import send_table
from gongyi.formatting import exact2_decimal, label, local_time
from gongyi.orgs.models import Organisation
from gongyi.pagination import paginate
from gongyi.review import service
from gongyi.review.forms import ConflictForm, DeadlineForm, NewReviewerForm, ReasonForm, ReviewerChoiceForm, ReviewerForm
from gongyi.review.models import DEFAULT_MAX_REVIEWS, REVIEW_STATUSES, Conflict, Review
from gongyi.review.round_views import rounds_context
from gongyi.review.scoring import points
from gongyi.submissions.models import Submission
from gongyi.webutil import call_or_404, int_arg, page_number, safe_next

bp = Blueprint("review_admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _require_admin() -> None:
    if not policy.can_manage_reviews(current_user):
        abort(403)


def _call_or_404(slug: str) -> Call:
    """A call with review pages: not a draft, which has nothing to review yet."""
    call = call_or_404(slug)
    if not allows(call, "manage_review"):
        abort(404)
    return call


def _review_or_404(review_id: int) -> Review:
    return get_session().get(Review, review_id) or abort(404)


def _submission_or_404(submission_id: int) -> Submission:
    return get_session().get(Submission, submission_id) or abort(404)


# --- reviewer profiles -----------------------------------------------------------------------


def _reviewer_form(form_class, **kwargs):
    db = get_session()
    form = form_class(**kwargs)
    form.set_choices(db.scalars(select(Organisation).order_by(Organisation.name)).all(),
                     db.scalars(select(Category).order_by(Category.code)).all(), str(get_locale()).startswith("en"))
    return form


def _profile(form: ReviewerForm) -> dict:
    """The profile fields of a posted reviewer form, as the service takes them."""
    return {"name": form.name.data, "affiliation_id": int(form.affiliation_id.data) if form.affiliation_id.data else None,
            "expertise": form.expertise.data or [], "max_reviews": form.max_reviews.data}


@bp.get("/reviewers")
def reviewers():
    db = get_session()
    page = paginate(db, service.reviewer_pool_query(), page_number())
    affiliations = {p.affiliation_id for _u, p in page.rows if p and p.affiliation_id}
    orgs = {o.id: o for o in db.scalars(select(Organisation).where(Organisation.id.in_(affiliations)))}
    return render_template("review/reviewers.html", page=page, orgs=orgs, default_cap=DEFAULT_MAX_REVIEWS)


@bp.route("/reviewers/new", methods=["GET", "POST"])
def new_reviewer():
    form = _reviewer_form(NewReviewerForm)
    if form.validate_on_submit():
        with attempt(form) as done:
            user = service.create_reviewer(get_session(), current_user, email=form.email.data,
                                           password=form.password.data or "", **_profile(form))
            done.flash(_("已添加评审专家：%(name)s", name=user.name))
        if done.ok:
            return redirect(url_for(".reviewers"))
    return render_template("review/reviewer_form.html", form=form, reviewer=None)


@bp.route("/reviewers/<int:user_id>", methods=["GET", "POST"])
def edit_reviewer(user_id: int):
    db = get_session()
    user = db.get(User, user_id)
    if user is None or "reviewer" not in user.roles:
        abort(404)
    settings = service.reviewer_settings(db, user)
    form = _reviewer_form(ReviewerForm, data={**settings, "affiliation_id": str(settings["affiliation_id"] or "")})
    if form.validate_on_submit():
        with attempt(form) as done:
            removed = service.update_reviewer(db, current_user, user, **_profile(form))
            done.flash(_("已保存：%(name)s", name=user.name))
            if removed:
                done.flash(_("因所属机构变更，已移除 %(n)s 项需回避的评审分配。", n=removed), "info")
        if done.ok:
            return redirect(url_for(".reviewers"))
    return render_template("review/reviewer_form.html", form=form, reviewer=user, history=object_history(db, user))


# --- the call's review: board, assignment, deadline, reminders --------------------------------


@bp.get("/review")
def calls():
    return render_template("review/calls.html", calls=service.calls_progress(get_session()))


def _board(call: Call, deadline_form: DeadlineForm | None = None, status: int = 200):
    db, now = get_session(), utcnow()
    if deadline_form is None:
        deadline_form = DeadlineForm(formdata=None, data={"review_deadline": call.review_deadline})
    return render_template(
        "review/board.html", call=call, page=service.submission_progress_page(db, call, page_number(), now),
        counts=service.review_counts(db, call),
        reviewers=service.reviewer_progress(db, call, page_number("reviewers_page"), now), per_submission=service.reviewers_per_submission(call),
        blind=service.is_blind(call), assigning=allows(call, "assign"), deadline_form=deadline_form, now=now,
        reminder_days=service.reminder_window(current_app.config).days, **rounds_context(db, call),
    ), status



@bp.get("/review/<slug>")
def board(slug: str):
    return _board(_call_or_404(slug))


@bp.post("/review/<slug>/assign")
def assign(slug: str):
    """One click: every reviewed submission gets its reviewers."""
    call = _call_or_404(slug)
    with attempt() as done:
        report = service.assign_reviewers(get_session(), current_user, call)
        if not report.submissions:
            done.flash(_("没有需要分配的项目：只有已提交且形式审查合格的项目才会分配评审。"), "info")
        else:
            done.flash(_("已新增 %(added)s 项评审分配（%(n)s 个项目，每个项目 %(k)s 位评审）。", added=report.added,
                         n=report.submissions, k=report.per_submission))
        for message, params in report.notes():
            done.flash(_(message, **params), "error")
    return redirect(url_for(".board", slug=call.slug))


@bp.post("/review/<slug>/deadline")
def deadline(slug: str):
    call = _call_or_404(slug)
    form = DeadlineForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            update_call(get_session(), current_user, call, review_deadline=form.review_deadline.data,
                        reason=form.reason.data)
            done.flash(_("评审截止时间已保存。"))
        if done.ok:
            return redirect(url_for(".board", slug=call.slug))
    return _board(call, form, 422)


@bp.post("/review/<slug>/remind")
def remind(slug: str):
    """Queue the reminders that are due now (the same as `flask review remind`, for every call)."""
    call = _call_or_404(slug)
    with attempt() as done:
        queued = service.queue_reminders(get_session(), current_user, before=service.reminder_window(current_app.config))
        done.flash(_("已加入发送队列的提醒：%(n)s 封（已发过的不会重复发送）。", n=queued))
    return redirect(url_for(".board", slug=call.slug))


# --- one submission: add, remove, swap, extra reviewer, conflicts ------------------------------


def _choices(candidates: list[service.Candidate]) -> list[SelectChoice]:
    """The reviewers who may be added, with their load in the call and ★ when their expertise matches."""
    return [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(c.user.id), f"{c.user.name}（{c.load}/{c.cap}）{' ★' if c.expertise_matches else ''}")
        for c in candidates]


def _submission_page(submission: Submission, add_form=None, conflict_form=None, swap=None, status: int = 200):
    """The page to manage one submission's reviewers; a form that failed is shown with its errors."""
    db = get_session()
    call = submission.call
    pool = service.reviewer_pool(db)
    conflicted = {r for r, _s in service.conflicted_pairs(db, call, submission.id)}
    choices = _choices(service.assignable_reviewers(db, submission, pool, conflicted))
    reviews = db.scalars(select(Review).where(Review.submission_id == submission.id)
                         .options(joinedload(Review.reviewer), selectinload(Review.scores)).order_by(Review.id)).all()
    swap_forms = {r.id: swap[1] if swap and swap[0] == r.id else ReviewerChoiceForm(formdata=None, prefix=f"swap{r.id}")
                  for r in reviews}
    add_form = add_form or ReviewerChoiceForm(formdata=None, prefix="add")
    for form in (add_form, *swap_forms.values()):
        form.reviewer_id.choices = choices
    conflict_form = conflict_form or ConflictForm(formdata=None, prefix="conflict")
    conflict_form.reviewer_id.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(u.id), u.name) for u, _p in pool if u.id not in conflicted]
    declared = db.scalars(select(Conflict).where(Conflict.submission_id == submission.id)
                          .options(joinedload(Conflict.reviewer)).order_by(Conflict.id)).all()
    affiliated = [u for u, _s in service.affiliation_conflicts(db, call, submission.id)]
    return render_template(
        "review/submission.html", submission=submission, call=call, reviews=reviews,
        current_round=service.scoring_round(call),
        totals={r.id: service.review_total(r) for r in reviews}, add_form=add_form, swap_forms=swap_forms,
        conflict_form=conflict_form, declared=declared, affiliated=affiliated,
        assigning=allows(call, "assign"), per_submission=service.reviewers_per_submission(call),
    ), status


@bp.get("/review/submissions/<int:submission_id>")
def submission(submission_id: int):
    return _submission_page(_submission_or_404(submission_id))


def _chosen_reviewer(form: ReviewerChoiceForm) -> User | None:
    reviewer_id = int_arg(form.reviewer_id.name, source=request.form)
    return get_session().get(User, reviewer_id) if reviewer_id is not None else None


@bp.post("/review/submissions/<int:submission_id>/add")
def add(submission_id: int):
    submission = _submission_or_404(submission_id)
    form = ReviewerChoiceForm(prefix="add")
    if form.validate_on_submit():
        with attempt(form) as done:
            review = service.add_reviewer(get_session(), current_user, submission, _chosen_reviewer(form))
            done.flash(_("已分配：%(name)s", name=review.reviewer.name))
        if done.ok:
            return redirect(url_for(".submission", submission_id=submission.id))
    return _submission_page(submission, add_form=form, status=422)


@bp.post("/review/submissions/<int:submission_id>/extra")
def extra(submission_id: int):
    """Add one more reviewer, chosen automatically (used when the reviewers disagree)."""
    submission = _submission_or_404(submission_id)
    with attempt() as done:
        review = service.add_extra_reviewer(get_session(), current_user, submission)
        done.flash(_("已增派评审专家：%(name)s（%(ref)s）", name=review.reviewer.name, ref=submission.ref))
    return redirect(safe_next(request.form.get("next"), url_for(".submission", submission_id=submission.id)))


@bp.post("/review/submissions/<int:submission_id>/conflict")
def admin_conflict(submission_id: int):
    submission = _submission_or_404(submission_id)
    form = ConflictForm(prefix="conflict")
    if form.validate_on_submit():
        reviewer = _chosen_reviewer(form)
        with attempt(form) as done:
            service.declare_conflict(get_session(), current_user, submission, reviewer, form.reason.data)
            done.flash(_("已登记回避：%(name)s", name=reviewer.name))
        if done.ok:
            return redirect(url_for(".submission", submission_id=submission.id))
    return _submission_page(submission, conflict_form=form, status=422)


@bp.post("/conflicts/<int:conflict_id>/withdraw")
def withdraw_conflict(conflict_id: int):
    db = get_session()
    conflict = db.get(Conflict, conflict_id) or abort(404)
    submission_id = conflict.submission_id
    with attempt() as done:
        service.withdraw_conflict(db, current_user, conflict)
        done.flash(_("已撤销回避登记。"))
    return redirect(url_for(".submission", submission_id=submission_id))


@bp.post("/reviews/<int:review_id>/remove")
def remove(review_id: int):
    review = _review_or_404(review_id)
    submission_id, name = review.submission_id, review.reviewer.name
    with attempt() as done:
        service.remove_review(get_session(), current_user, review)
        done.flash(_("已移除：%(name)s", name=name))
    return redirect(url_for(".submission", submission_id=submission_id))


@bp.post("/reviews/<int:review_id>/swap")
def swap(review_id: int):
    review = _review_or_404(review_id)
    form = ReviewerChoiceForm(prefix=f"swap{review.id}")
    submission, old = review.submission, review.reviewer.name
    if form.validate_on_submit():
        with attempt(form) as done:
            new = service.swap_reviewer(get_session(), current_user, review, _chosen_reviewer(form))
            done.flash(_("已将 %(old)s 更换为 %(new)s", old=old, new=new.reviewer.name))
        if done.ok:
            return redirect(url_for(".submission", submission_id=submission.id))
    return _submission_page(submission, swap=(review.id, form), status=422)


# --- one review: content, versions, reopening --------------------------------------------------


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
def review_detail(review_id: int):
    review = _review_or_404(review_id)
    form = ReasonForm()
    if request.method == "POST" and form.validate_on_submit():
        with attempt(form) as done:
            service.reopen_review(get_session(), current_user, review, form.reason.data)
            done.flash(_("评审已重新开放，评审专家可修改后再次提交。"))
        if done.ok:
            return redirect(url_for(".review_detail", review_id=review.id))
    db = get_session()
    call = review.submission.call
    return render_template(
        "review/review.html", review=review, call=call, current=service.snapshot(review),
        total=service.review_total(review), form=form,
        version_totals={v.id: service.snapshot_total(v.snapshot) for v in review.versions},
        history=object_history(db, review),
    ), 422 if form.errors else 200


# --- calibration and exports -------------------------------------------------------------------


CALIBRATION_PER_PAGE = 50


@bp.get("/review/<slug>/calibration")
def calibration(slug: str):
    """Reviewers against the panel and one page of the flagged disagreements; every review's
    z-score is the export below (a city's call has tens of thousands)."""
    call = _call_or_404(slug)
    db = get_session()
    summary = service.calibration_page(db, call, page_number(), CALIBRATION_PER_PAGE)
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(summary.reviewers)))}
    shown = summary.flagged.rows
    submissions = {s.id: s for s in db.scalars(select(Submission).where(Submission.id.in_([row[0] for row in shown])))}
    return render_template(
        "review/calibration.html", call=call, summary=summary, users=users, submissions=submissions,
        page=summary.flagged,
        threshold=service.disagreement_threshold(call), assigning=allows(call, "assign"),
    )


@bp.get("/review/<slug>/calibration.<any(csv, xlsx):fmt>")
def calibration_export(slug: str, fmt: str):
    """Every complete review with its total and z-score (within its reviewer's reviews)."""
    call = _call_or_404(slug)
    db = get_session()
    result, reviews = service.calibration(db, call)
    users = dict(db.execute(select(User.id, User.name).where(User.id.in_(result.reviewers))).all())
    refs = dict(db.execute(select(Submission.id, Submission.ref).where(Submission.call_id == call.id)).all())
    table = [[users[r.reviewer_id], refs[r.submission_id], points(r.total_centi),
              exact2_decimal(result.z_scores.get(r.review_id)), "1" if r.submission_id in result.disagreements else ""]
             for r in sorted(reviews, key=lambda r: (r.reviewer_id, r.review_id))]
    columns = [_("评审专家"), _("项目编号"), _("合计"), "z", _("分歧")]
    return send_table(columns, table, fmt, f"{call.slug}-calibration", sheet_title=_("评分校准"))


@bp.get("/review/<slug>/scores.<any(csv, xlsx):fmt>")
def export(slug: str, fmt: str):
    """Every review of the call with each criterion's score and comment."""
    call = _call_or_404(slug)
    rubric = service.criteria(call)
    codes = service.criterion_codes(call)
    columns = [_("项目编号"), _("项目名称"), _("申报组织"), _("评审专家"), _("邮箱"), _("状态"), _("提交时间")]
    columns += [f"{c['name']}（{c['code']}，{c['max']}）" for c in rubric] + [_("合计")]
    columns += [_("%(name)s 评语", name=c["name"]) for c in rubric] + [_("总体评价")]
    table = []
    for row in service.score_sheet(get_session(), call):
        centi = {code: s.points_centi for code, s in row.scores.items()}
        total = service.total_when_scored(centi, codes)
        table.append(
            [row.ref, row.title, row.organisation, row.reviewer, row.email, label(row.review.status, REVIEW_STATUSES),
             local_time(row.review.submitted_at)]
            + [points(centi[c]) if c in centi else None for c in codes] + [None if total is None else points(total)]
            + [row.scores[c].comment if c in row.scores else "" for c in codes] + [row.review.overall_comment]
        )
    return send_table(columns, table, fmt, f"{call.slug}-scores", sheet_title=_("评分"))
