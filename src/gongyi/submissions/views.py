"""The organisation member's pages: the dashboard, starting a submission, the project form with
its autosave endpoint, funds raised, attachments, submitting and withdrawing; and the read-only
page (and attachment downloads) for everyone allowed to see a submission.

A submission is shown only to its organisation's members, administrators and reviewers assigned
to it; anyone else gets 404, so its existence is not revealed.
"""
from __future__ import annotations

import io
from typing import Any, Iterable

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from gongyi import policy
from gongyi.forms import ActionForm
from gongyi.calls.service import find_call, organisation_late_entries
from gongyi.catalogue.models import Category, Item
from gongyi.catalogue.service import browse
from gongyi.db import get_session
from gongyi.clock import utcnow
from gongyi.errors import UserError
from gongyi.money import fen_to_str, format_fen
from gongyi.orgs.models import Organisation
from gongyi.submissions import service
from gongyi.submissions.attachments import Upload, human_size
from gongyi.submissions.forms import AttachmentForm, FundingLineForm, ProjectForm, WithdrawForm, row_index
from gongyi.submissions.funds import funding_totals
from gongyi.submissions.models import Attachment, FundingLine, Submission
from gongyi.submissions.screening import ELIGIBILITY_LABELS, FUND_SOURCE_LABELS, FUND_STATUS_LABELS
from gongyi.extensions import csrf
from gongyi.formatting import local_time

bp = Blueprint("submissions", __name__)


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


@bp.before_request
def signed_in_only():
    """Every page here needs a signed-in user. The autosave gets a JSON 401, so the page's script
    can keep the form in the browser and ask the person to log in again; pages go to the login form."""
    if current_user.is_authenticated:
        return None
    if _wants_json():
        return jsonify(saved=False, error=_("登录已过期。您的修改已保存在本浏览器中，请重新登录后回到此页面继续。")), 401
    return current_app.login_manager.unauthorized()


def _viewable(submission_id: int) -> Submission:
    submission = get_session().scalar(
        select(Submission).where(Submission.id == submission_id)
        .options(joinedload(Submission.call), joinedload(Submission.organisation))
    )
    if submission is None or not policy.can_view_submission(current_user, submission):
        abort(404)
    return submission


def _manageable(submission_id: int) -> Submission:
    submission = _viewable(submission_id)
    if not policy.can_manage_submission(current_user, submission):
        abort(403)
    return submission


def _labels() -> dict[str, dict[str, str]]:
    return {"stage": service.STAGE_LABELS, "eligibility": ELIGIBILITY_LABELS, "source": FUND_SOURCE_LABELS,
            "fund_status": FUND_STATUS_LABELS}


# ---------------------------------------------------------------------------------------------
# Dashboard and starting


@bp.get("/my/submissions")
def mine():
    """The organisation's dashboard: each submission and where it is; calls open to a new one."""
    if current_user.organisation_id is None:
        flash(_("请先登记您的社会组织。"), "info")
        return redirect(url_for("orgs.register"))
    db = get_session()
    org = db.get(Organisation, current_user.organisation_id)
    submissions = service.organisation_submissions(db, org.id)
    outcomes = service.published_outcomes(db, [s.id for s in submissions])
    late = organisation_late_entries(db, org.id)
    rows = [{"submission": s, "outcome": outcomes.get(s.id), "totals": funding_totals(s.funding_lines),
             "stage": service.stage(s, outcomes[s.id][0] if s.id in outcomes else None),
             "editable": service.edit_refusal(db, s, late=late) is None}
            for s in submissions]
    calls = service.open_calls_for(db, org.id, late=late) if org.is_verified else []
    return render_template("submissions/mine.html", org=org, rows=rows, calls=calls, labels=_labels())


@bp.route("/calls/<slug>/apply", methods=["GET", "POST"])
def start(slug: str):
    """Start a submission in a call: shows the entry rules, then creates the draft."""
    db = get_session()
    call = find_call(db, slug)
    if call is None or call.status == "draft":
        abort(404)
    error = None
    if not policy.can_start_submission(current_user):
        error = _("只有已通过认证的社会组织的成员可以申报。")
    elif request.method == "POST":
        try:
            submission = service.create_submission(db, current_user, call)
        except UserError as exc:
            error = exc.translated()
        else:
            db.commit()
            flash(_("已创建申报 %(ref)s。填写的内容会自动保存，您可以随时回来继续。", ref=submission.ref), "success")
            return redirect(url_for(".edit", submission_id=submission.id))
    count = service.entry_count(db, call, current_user.organisation_id) if current_user.organisation_id else 0
    if error is None and request.method == "GET":
        refusal = service.window_refusal(db, call, current_user.organisation_id)
        if refusal is not None:
            error = refusal.translated()
        elif count >= call.rules["entry"]["max_per_org"]:
            error = _("本组织在本征集中已申报 %(n)s 个项目，已达到上限（已撤回的不计）。", n=count)
    categories = db.scalars(select(Category).where(Category.code.in_(call.rules["entry"]["categories"]))
                            .order_by(Category.code)).all()
    return render_template("submissions/start.html", call=call, entry=call.rules["entry"], count=count,
                           categories=categories, error=error, form=ActionForm(formdata=None)), \
        422 if error is not None and request.method == "POST" else 200


# ---------------------------------------------------------------------------------------------
# Reading a submission


def _catalogue(codes: Iterable[str]) -> dict[str, Item]:
    codes = list(codes)
    if not codes:
        return {}
    return {item.code: item for item in get_session().scalars(select(Item).where(Item.code.in_(codes)))}


@bp.get("/submissions/<int:submission_id>")
def detail(submission_id: int):
    db = get_session()
    submission = _viewable(submission_id)
    outcome = service.published_outcomes(db, [submission.id]).get(submission.id)
    manage = policy.can_manage_submission(current_user, submission)
    return render_template(
        "submissions/detail.html", submission=submission, call=submission.call, manage=manage,
        catalogue=_catalogue(i.item_code for i in submission.items), totals=funding_totals(submission.funding_lines),
        outcome=outcome, stage=service.stage(submission, outcome[0] if outcome else None),
        refusal=service.edit_refusal(db, submission) if manage else None,
        withdrawable=manage and service.withdraw_refusal(submission) is None, evidence_of=_evidence_of(submission), labels=_labels(),
    )


def _evidence_of(submission: Submission) -> dict[int, FundingLine]:
    return {line.evidence_id: line for line in submission.funding_lines if line.evidence_id is not None}


@bp.get("/submissions/<int:submission_id>/attachments/<int:attachment_id>")
def attachment(submission_id: int, attachment_id: int):
    """A stored file, always as a download with its checked type, never sniffed or cached by the browser."""
    submission = _viewable(submission_id)
    file = get_session().get(Attachment, attachment_id)
    if file is None or file.submission_id != submission.id:
        abort(404)
    response = send_file(io.BytesIO(file.data), mimetype=file.content_type, as_attachment=True,
                         download_name=file.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# The project form


def _problem_map(errors: Iterable[UserError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for exc in errors:
        found.setdefault(exc.field or "form", []).append(exc.translated())
    return found


def _form_fields(form: ProjectForm) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for f in form:
        if f.name == "budget":
            for entry in f:
                for sub in entry.form:
                    fields[sub.name] = sub
        else:
            fields[f.name] = f
    return fields


def _attach_problems(form: ProjectForm, problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """Put each problem beside its form field; return those that belong to no single field (items, budget, needs)."""
    fields = _form_fields(form)
    rest: dict[str, list[str]] = {}
    for name, messages in problems.items():
        if name in fields and name != "items":
            fields[name].errors = list(fields[name].errors) + messages
        else:
            rest[name] = messages
    return rest


def _blank_form(submission: Submission) -> ProjectForm:
    """The form as stored, with one spare budget row (the page's script adds more)."""
    data = {name: getattr(submission, name) for name in service.PROJECT_FIELDS}
    data["community_district"] = submission.community_district or ""
    data["beneficiary_count"] = "" if submission.beneficiary_count is None else str(submission.beneficiary_count)
    data["items"] = [i.item_code for i in submission.items]
    data["budget"] = [{"id": str(line.id), "what": line.what, "amount": fen_to_str(line.amount_fen)}
                      for line in submission.budget_lines] + [{"id": "", "what": "", "amount": ""}]
    return ProjectForm(formdata=None, data=data)


def _menu(submission: Submission, picked: dict[str, str]) -> list[dict[str, Any]]:
    """The catalogue by category for ordering: the call's open categories (all when none are named),
    plus any category an already-picked item belongs to, so it can be unpicked."""
    open_codes = set(submission.call.rules["entry"]["categories"])
    groups = []
    for category, items in browse(get_session()):
        is_open = not open_codes or category.code in open_codes
        chosen = [i.code for i in items if i.code in picked]
        if is_open or chosen:
            groups.append({"category": category, "items": items, "open": is_open, "chosen": len(chosen)})
    return groups


def _budget_ids(submission: Submission) -> dict[int, int]:
    return {line.position: line.id for line in submission.budget_lines}


def _summary(form: ProjectForm, rest: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """Every problem on the page as (anchor, label, message), listed above the form with links to the fields."""
    found = []
    for name, f in _form_fields(form).items():
        if name != "csrf_token":
            label = f"{_('预算')} · {f.label.text}" if name.startswith("budget-") else str(f.label.text)
            found += [(f.id, label, message) for message in f.errors]
    for key, messages in rest.items():
        if key.startswith("need-"):
            anchor, label = key, _("%(code)s 的社区需求", code=key[len("need-"):])
        else:
            anchor, label = {"items": ("order-items", _("点单服务项目")), "budget": ("budget", _("预算"))}.get(key, ("", ""))
        found += [(anchor, label, message) for message in messages]
    return found


def _render_edit(submission: Submission, form: ProjectForm, picked: dict[str, str],
                 problems: dict[str, list[str]] | None = None, funding_form: FundingLineForm | None = None,
                 attachment_form: AttachmentForm | None = None, status: int = 200):
    db = get_session()
    rest = _attach_problems(form, problems or {})
    ids = _budget_ids(submission)
    for row in form.budget:  # rows stored by this request keep their line, so the next save edits it
        index = row_index(row)
        if not row.form.id.data and index in ids:
            row.form.id.data = str(ids[index])
    funding_form = funding_form or FundingLineForm(formdata=None, prefix="fund")
    attachment_form = attachment_form or AttachmentForm(formdata=None, prefix="upload")
    limit = human_size(current_app.config["MAX_ATTACHMENT_BYTES"])
    funding_form.evidence.description = _("捐赠票据、银行回单等：PDF、PNG/JPEG 图片、Word 或 Excel，不超过 %(n)s", n=limit)
    attachment_form.file.description = _("PDF、PNG/JPEG 图片、Word（.doc/.docx）或 Excel（.xls/.xlsx），不超过 %(n)s", n=limit)
    return render_template(
        "submissions/edit.html", submission=submission, call=submission.call, form=form, picked=picked,
        menu=_menu(submission, picked), rest=rest, summary=_summary(form, rest), entry=submission.call.rules["entry"],
        funding_form=funding_form, attachment_form=attachment_form,
        totals=funding_totals(submission.funding_lines), evidence_of=_evidence_of(submission), labels=_labels(),
        version=_version(submission), submit_ready=not service.submit_problems(db, submission),
    ), status


def _version(submission: Submission) -> str:
    return submission.updated_at.isoformat() if submission.updated_at else ""


def _open_for_editing(submission: Submission):
    """None when the organisation may change the submission now; else the redirect to its page."""
    refusal = service.edit_refusal(get_session(), submission)
    if refusal is None:
        return None
    flash(refusal.translated(), "error")
    return redirect(url_for(".detail", submission_id=submission.id))


@bp.route("/submissions/<int:submission_id>/edit", methods=["GET", "POST"])
def edit(submission_id: int):
    """The project form. "Save" stores what can be stored; "Submit" saves, then checks everything."""
    db = get_session()
    submission = _manageable(submission_id)
    closed = _open_for_editing(submission)
    if closed is not None:
        return closed
    if request.method == "GET":
        return _render_edit(submission, _blank_form(submission), {i.item_code: i.need for i in submission.items})
    form = ProjectForm()
    picked = form.picked(request.form)
    if not form.validate_on_submit():  # only the CSRF token can fail here
        flash(_("表单已过期，请重新提交。"), "error")
        return _render_edit(submission, form, picked, status=400)
    was_submitted = submission.status == "submitted"
    try:
        problems = service.save_draft(db, current_user, submission, form.to_data(request.form))
    except service.SubmissionInvalid as exc:  # a submitted project must stay complete
        db.rollback()
        flash(_("修改没有保存：已提交的项目必须完整，请改正标出的问题。"), "error")
        return _render_edit(submission, form, picked, _problem_map(exc.errors), status=422)
    except service.SubmissionError as exc:
        db.rollback()
        flash(exc.translated(), "error")
        return redirect(url_for(".detail", submission_id=submission.id))
    if request.form.get("action") == "submit" and not was_submitted:
        try:
            service.submit_project(db, current_user, submission)
        except service.SubmissionInvalid as exc:
            db.commit()  # the draft is saved; only submitting waits for the corrections
            flash(_("已保存，但尚未提交：请改正标出的 %(n)s 个问题后再提交。", n=len(exc.errors) + len(problems)), "error")
            return _render_edit(submission, form, picked, _problem_map([*problems, *exc.errors]), status=422)
        except service.SubmissionError as exc:
            db.commit()
            flash(exc.translated(), "error")
            return _render_edit(submission, form, picked, _problem_map(problems), status=422)
        db.commit()
        flash(_("项目 %(ref)s 已提交。截止前您仍可修改或撤回。", ref=submission.ref), "success")
        return redirect(url_for(".detail", submission_id=submission.id))
    db.commit()
    if problems:
        flash(_("其余内容已保存；标出的内容未能保存，请改正。"), "error")
        return _render_edit(submission, form, picked, _problem_map(problems), status=422)
    flash(_("已保存。"), "success")
    return redirect(url_for(".edit", submission_id=submission.id))


@bp.post("/submissions/<int:submission_id>/save")
@csrf.exempt
def autosave(submission_id: int):
    """The page script's save, answered in JSON. The CSRF token is checked here, after the login
    check, so an expired login gets its 401 (and the script keeps the form) rather than a 400 page."""
    try:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
    except CSRFError:
        return jsonify(saved=False, error=_("页面已过期：您的修改已保存在本浏览器中，请刷新页面后继续。")), 400
    db = get_session()
    submission = get_session().get(Submission, submission_id)
    if submission is None or not policy.can_view_submission(current_user, submission):
        return jsonify(saved=False, error=_("页面不存在")), 404
    if not policy.can_manage_submission(current_user, submission):
        return jsonify(saved=False, error=_("您没有权限修改此项目")), 403
    form = ProjectForm(meta={"csrf": False})
    try:
        problems = service.save_draft(db, current_user, submission, form.to_data(request.form))
    except service.SubmissionInvalid as exc:
        db.rollback()
        return jsonify(saved=False, problems=_problem_map(exc.errors), version=_version(submission),
                       error=_("修改没有保存：已提交的项目必须完整，请改正标出的问题。")), 422
    except service.SubmissionError as exc:
        db.rollback()
        return jsonify(saved=False, error=exc.translated()), 409
    db.commit()
    return jsonify(saved=True, saved_at=local_time(utcnow(), "HH:mm"), version=_version(submission),
                   problems=_problem_map(problems), budget_ids={str(k): v for k, v in _budget_ids(submission).items()},
                   requested=format_fen(submission.requested_fen),
                   submit_ready=not service.submit_problems(db, submission))


# ---------------------------------------------------------------------------------------------
# Funds raised and attachments


def _upload(storage) -> Upload | None:
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return Upload(storage.filename, storage.read())


def _apply_errors(form, errors: Iterable[UserError], default: str) -> None:
    for exc in errors:
        target = getattr(form, exc.field or default, None) or getattr(form, default)
        target.errors = list(target.errors) + [exc.translated()]


@bp.post("/submissions/<int:submission_id>/funds")
def add_funds(submission_id: int):
    db = get_session()
    submission = _manageable(submission_id)
    closed = _open_for_editing(submission)
    if closed is not None:
        return closed
    form = FundingLineForm(prefix="fund")
    if form.validate_on_submit():
        try:
            service.add_funding_line(
                db, current_user, submission, source=form.source.data or "", donor=form.donor.data or "",
                amount=form.amount.data or "", received_on=form.received_on.data, evidence=_upload(form.evidence.data),
                max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"])
        except service.SubmissionInvalid as exc:
            db.rollback()
            _apply_errors(form, exc.errors, "donor")
        except service.SubmissionError as exc:
            db.rollback()
            _apply_errors(form, [exc], "donor")
        else:
            db.commit()
            flash(_("已登记这笔资金，等待管理员核实。"), "success")
            return redirect(url_for(".edit", submission_id=submission.id, _anchor="funds"))
    return _render_edit(submission, _blank_form(submission), {i.item_code: i.need for i in submission.items},
                        funding_form=form, status=422)


@bp.post("/submissions/<int:submission_id>/funds/<int:line_id>/delete")
def remove_funds(submission_id: int, line_id: int):
    db = get_session()
    submission = _manageable(submission_id)
    line = next((fl for fl in submission.funding_lines if fl.id == line_id), None) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.remove_funding_line(db, current_user, line)
        except UserError as exc:
            db.rollback()
            flash(exc.translated(), "error")
        else:
            db.commit()
            flash(_("已删除这笔资金。"), "success")
    return redirect(url_for(".edit", submission_id=submission.id, _anchor="funds"))


@bp.post("/submissions/<int:submission_id>/attachments")
def add_file(submission_id: int):
    db = get_session()
    submission = _manageable(submission_id)
    closed = _open_for_editing(submission)
    if closed is not None:
        return closed
    form = AttachmentForm(prefix="upload")
    if form.validate_on_submit():
        upload = _upload(form.file.data) or Upload("", b"")
        try:
            attachment = service.add_attachment(db, current_user, submission, upload,
                                                max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"])
        except UserError as exc:
            db.rollback()
            _apply_errors(form, [exc], "file")
        else:
            db.commit()
            flash(_("已上传：%(name)s", name=attachment.filename), "success")
            return redirect(url_for(".edit", submission_id=submission.id, _anchor="attachments"))
    return _render_edit(submission, _blank_form(submission), {i.item_code: i.need for i in submission.items},
                        attachment_form=form, status=422)


@bp.post("/submissions/<int:submission_id>/attachments/<int:attachment_id>/delete")
def remove_file(submission_id: int, attachment_id: int):
    db = get_session()
    submission = _manageable(submission_id)
    file = next((a for a in submission.attachments if a.id == attachment_id), None) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.remove_attachment(db, current_user, file)
        except UserError as exc:
            db.rollback()
            flash(exc.translated(), "error")
        else:
            db.commit()
            flash(_("已删除附件。"), "success")
    return redirect(url_for(".edit", submission_id=submission.id, _anchor="attachments"))


# ---------------------------------------------------------------------------------------------
# Withdrawing


@bp.route("/submissions/<int:submission_id>/withdraw", methods=["GET", "POST"])
def withdraw(submission_id: int):
    """Withdraw a project (or discard a draft), after a confirmation."""
    db = get_session()
    submission = _manageable(submission_id)
    refusal = service.withdraw_refusal(submission)
    if refusal is not None:
        flash(refusal.translated(), "info")
        return redirect(url_for(".detail", submission_id=submission.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            service.withdraw_submission(db, current_user, submission, form.reason.data or "")
        except UserError as exc:
            db.rollback()
            form.reason.errors = list(form.reason.errors) + [exc.translated()]
        else:
            db.commit()
            flash(_("项目 %(ref)s 已撤回。", ref=submission.ref), "success")
            return redirect(url_for(".mine"))
    return render_template("submissions/withdraw.html", submission=submission, form=form), 422 if form.errors else 200
