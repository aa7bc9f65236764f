"""The organisation member's pages: the dashboard, starting a submission, the project form with
its autosave endpoint, funds raised, attachments, submitting and withdrawing; and the read-only
page (and attachment downloads) for everyone allowed to see a submission.

A submission is shown only to its organisation's members, administrators and reviewers assigned
to it; anyone else gets 404, so its existence is not revealed.
"""
from __future__ import annotations

from typing import Iterable

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from gongyi import policy
from gongyi.actions import attempt
from gongyi.calls.service import organisation_late_entries
from gongyi.catalogue.service import items_by_code
from gongyi.clock import utcnow
from gongyi.communities import picking
from gongyi.communities.years import edition_year
from gongyi.db import get_session
from gongyi.errors import UserError
from gongyi.extensions import csrf
from gongyi.fragments import pristine_form
from gongyi.formatting import local_time
from gongyi.money import format_fen
from gongyi.orgs.models import Organisation
from gongyi.submissions import fund_lines, overview, refusals, service
from gongyi.submissions.attachments import Upload, human_size
from gongyi.submissions.forms import AttachmentForm, FundingLineForm, ProjectForm, WithdrawForm, row_index
from gongyi.funding.line_counts import submission_counts
from gongyi.results.holds import active_hold, active_holds
from gongyi.submissions.funds import funding_totals
from gongyi.submissions.models import Attachment, FundingLine, Submission
from gongyi.submissions.menu_html import group_has_problems, unpicked, unpicked_group, unpicked_menu
from gongyi.submissions.project import SubmissionInvalid
from gongyi.submissions.screening import FUND_SOURCE_LABELS, FUND_STATUS_LABELS
from gongyi.webutil import call_or_404, send_stored_file

bp = Blueprint("submissions", __name__)
bp.add_app_template_global(submission_counts, "fund_line_counts")  # how each line counts (funds tables)

FUND_LABELS = {"source": FUND_SOURCE_LABELS, "fund_status": FUND_STATUS_LABELS}


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
    submission = service.load_submission(get_session(), submission_id)
    if submission is None or not policy.can_view_submission(current_user, submission):
        abort(404)
    return submission


def _manageable(submission_id: int) -> Submission:
    submission = _viewable(submission_id)
    if not policy.can_manage_submission(current_user, submission):
        abort(403)
    return submission


def _evidence_of(submission: Submission) -> dict[int, FundingLine]:
    return {line.evidence_id: line for line in submission.funding_lines if line.evidence_id is not None}


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
    submissions = overview.organisation_submissions(db, org.id)
    outcomes = overview.published_outcomes(db, [s.id for s in submissions])
    holds = active_holds(db, [s.id for s in submissions])
    late = organisation_late_entries(db, org.id)
    rows = [{"submission": s, "outcome": outcomes.get(s.id), "totals": funding_totals(s.funding_lines),
             "hold": holds.get(s.id),
             "stage": overview.stage(s, outcomes[s.id][0] if s.id in outcomes else None),
             "editable": refusals.edit_refusal(db, s, late=late) is None}
            for s in submissions]
    calls = overview.open_calls_for(db, org.id, late=late) if org.is_verified else []
    return render_template("submissions/mine.html", org=org, rows=rows, calls=calls)


@bp.route("/calls/<slug>/apply", methods=["GET", "POST"])
def start(slug: str):
    """Start a submission in a call: shows the entry rules, then creates the draft."""
    call = call_or_404(slug, public=True)  # no apply page for a draft, not even for administrators
    db = get_session()
    error = None
    if not policy.can_start_submission(current_user):
        error = _("只有已通过认证的社会组织的成员可以申报。")
    elif request.method == "POST":
        with attempt(quiet=True) as done:
            submission = service.create_submission(db, current_user, call)
            done.flash(_("已创建申报 %(ref)s。填写的内容会自动保存，您可以随时回来继续。", ref=submission.ref))
        if done.ok:
            return redirect(url_for(".edit", submission_id=submission.id))
        error = done.error_message
    else:
        refusal = refusals.start_refusal(db, call, current_user.organisation_id)
        error = refusal.translated() if refusal is not None else None
    count = refusals.entry_count(db, call, current_user.organisation_id) if current_user.organisation_id else 0
    return render_template("submissions/start.html", call=call, entry=call.rules["entry"], count=count,
                           categories=overview.named_categories(db, call),
                           error=error), 422 if error is not None and request.method == "POST" else 200


# ---------------------------------------------------------------------------------------------
# Reading a submission


@bp.get("/submissions/<int:submission_id>")
def detail(submission_id: int):
    db = get_session()
    submission = _viewable(submission_id)
    outcome = overview.published_outcomes(db, [submission.id]).get(submission.id)
    manage = policy.can_manage_submission(current_user, submission)
    return render_template(
        "submissions/detail.html", submission=submission, call=submission.call, manage=manage,
        catalogue=items_by_code(db), totals=funding_totals(submission.funding_lines),
        outcome=outcome, stage=overview.stage(submission, outcome[0] if outcome else None),
        refusal=refusals.edit_refusal(db, submission) if manage else None,
        withdrawable=manage and refusals.withdraw_refusal(submission) is None, evidence_of=_evidence_of(submission),
        labels=FUND_LABELS, hold=active_hold(db, submission) if manage or policy.is_admin(current_user) else None,
    )


@bp.get("/submissions/<int:submission_id>/attachments/<int:attachment_id>")
def attachment(submission_id: int, attachment_id: int):
    submission = _viewable(submission_id)
    file = get_session().get(Attachment, attachment_id)
    if file is None or file.submission_id != submission.id:
        abort(404)
    return send_stored_file(file.data, file.filename, file.content_type)


# ---------------------------------------------------------------------------------------------
# The project form


def _problem_map(errors: Iterable[UserError]) -> dict[str, list[str]]:
    """Problems by field name, for the page script (the autosave's answer)."""
    found: dict[str, list[str]] = {}
    for exc in errors:
        found.setdefault(exc.field or "form", []).append(exc.translated())
    return found


def _budget_ids(submission: Submission) -> dict[int, int]:
    return {line.position: line.id for line in submission.budget_lines}


def _version(submission: Submission) -> str:
    return submission.updated_at.isoformat() if submission.updated_at else ""


def _render_edit(submission: Submission, form: ProjectForm | None = None, picked: dict[str, str] | None = None,
                 problems: Iterable[UserError] = (), funding_form: FundingLineForm | None = None,
                 attachment_form: AttachmentForm | None = None, status: int = 200):
    """The project form page; without `form`, as stored. Each of `problems` goes beside its input."""
    db = get_session()
    community, communities = picking.form_communities(db, submission.id, submission.organisation_id)
    if form is None:
        form = ProjectForm.stored(submission, community.id if community else None)
        picked = {i.item_code: i.need for i in submission.items}
    for problem in problems:
        form.add_error(problem.field, problem.translated())
    ids = _budget_ids(submission)
    for row in form.budget:  # rows stored by this request keep their line, so the next save edits it
        if not row.form.id.data and row_index(row) in ids:
            row.form.id.data = str(ids[row_index(row)])
    funding_form = funding_form or FundingLineForm(formdata=None, prefix="fund")
    attachment_form = attachment_form or AttachmentForm(formdata=None, prefix="upload")
    limit = human_size(current_app.config["MAX_ATTACHMENT_BYTES"])
    funding_form.evidence.description = _("捐赠票据、银行回单等：PDF、PNG/JPEG 图片、Word 或 Excel，不超过 %(n)s", n=limit)
    attachment_form.file.description = _("PDF、PNG/JPEG 图片、Word（.doc/.docx）或 Excel（.xls/.xlsx），不超过 %(n)s", n=limit)
    return render_template(
        "submissions/edit.html", submission=submission, call=submission.call, form=form, picked=picked,
        menu=overview.order_menu(db, submission.call, picked), unpicked=unpicked, unpicked_group=unpicked_group,
        unpicked_menu=unpicked_menu, pristine_form=pristine_form,
        group_has_problems=group_has_problems, rest=form.rest, summary=form.problem_list(),
        entry=submission.call.rules["entry"], funding_form=funding_form, attachment_form=attachment_form,
        totals=funding_totals(submission.funding_lines), evidence_of=_evidence_of(submission), labels=FUND_LABELS,
        removable_lines={line.id for line in submission.funding_lines
                         if refusals.funding_line_removal_refusal(line) is None},
        removable_files={a.id for a in submission.attachments if refusals.attachment_removal_refusal(a) is None},
        version=_version(submission), submit_ready=not service.submit_problems(db, submission),
        **_community_context(db, submission, community, communities),
    ), status


def _community_context(db, submission: Submission, community, communities) -> dict:
    """The project form's community list, and the picked community's needs list of the call's year."""
    year = edition_year(submission.call.opens_at)
    return {"community": community, "communities": communities,
            "listed": picking.listed_needs(db, community.id if community else None, year), "needs_year": year}


def _open_for_editing(submission: Submission):
    """None when the organisation may change the submission now; else the redirect to its page."""
    refusal = refusals.edit_refusal(get_session(), submission)
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
        return _render_edit(submission)
    form = ProjectForm()
    picked = form.picked(request.form)
    submitting = request.form.get("action") == "submit" and submission.status != "submitted"
    data = form.to_data(request.form)
    with attempt(quiet=True) as saved:  # submitting saves the draft first; a refused submit keeps the save
        problems, refused = (service.save_and_submit(db, current_user, submission, data) if submitting
                             else (service.save_draft(db, current_user, submission, data), None))
        if submitting and refused is None:
            saved.flash(_("项目 %(ref)s 已提交。截止前您仍可修改或撤回。", ref=submission.ref))
    if not saved.ok:
        if not isinstance(saved.error, SubmissionInvalid):  # the deadline passed meanwhile
            flash(saved.error_message, "error")
            return redirect(url_for(".detail", submission_id=submission.id))
        flash(_("修改没有保存：已提交的项目必须完整，请改正标出的问题。"), "error")  # it must stay complete
        return _render_edit(submission, form, picked, saved.error.problems(), status=422)
    if submitting and refused is None:
        return redirect(url_for(".detail", submission_id=submission.id))
    if isinstance(refused, SubmissionInvalid):
        problems = [*problems, *refused.problems()]
        flash(_("已保存，但尚未提交：请改正标出的 %(n)s 个问题后再提交。", n=len(problems)), "error")
    elif refused is not None:
        flash(refused.translated(), "error")
    elif problems:
        flash(_("其余内容已保存；标出的内容未能保存，请改正。"), "error")
    if refused is not None or problems:
        return _render_edit(submission, form, picked, problems, status=422)
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
    submission = service.load_submission(db, submission_id)
    if submission is None or not policy.can_view_submission(current_user, submission):
        return jsonify(saved=False, error=_("页面不存在")), 404
    if not policy.can_manage_submission(current_user, submission):
        return jsonify(saved=False, error=_("您没有权限修改此项目")), 403
    form = ProjectForm(meta={"csrf": False})
    with attempt(quiet=True) as done:
        problems = service.save_draft(db, current_user, submission, form.to_data(request.form))
    if isinstance(done.error, SubmissionInvalid):  # a submitted project must stay complete
        return jsonify(saved=False, problems=_problem_map(done.error.problems()), version=_version(submission),
                       error=_("修改没有保存：已提交的项目必须完整，请改正标出的问题。")), 422
    if not done.ok:
        return jsonify(saved=False, error=done.error_message), 409
    return jsonify(saved=True, saved_at=local_time(utcnow(), "HH:mm"), version=_version(submission),
                   problems=_problem_map(problems), budget_ids={str(k): v for k, v in _budget_ids(submission).items()},
                   requested=format_fen(submission.requested_fen),
                   submit_ready=not service.submit_problems(db, submission))


# ---------------------------------------------------------------------------------------------
# Funds raised and attachments


def _upload(storage) -> Upload | None:
    return Upload(storage.filename, storage.read()) if getattr(storage, "filename", "") else None


def _back_to_edit(submission: Submission, anchor: str):
    return redirect(url_for(".edit", submission_id=submission.id, _anchor=anchor))


@bp.post("/submissions/<int:submission_id>/funds")
def add_funds(submission_id: int):
    submission = _manageable(submission_id)
    closed = _open_for_editing(submission)
    if closed is not None:
        return closed
    form = FundingLineForm(prefix="fund")
    with attempt(form) as done:
        fund_lines.add_funding_line(
            get_session(), current_user, submission, source=form.source.data or "", donor=form.donor.data or "",
            amount=form.amount.data or "", received_on=form.received_on.data, evidence=_upload(form.evidence.data),
            max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"])
        done.flash(_("已登记这笔资金，等待管理员核实。"))
    if done.ok:
        return _back_to_edit(submission, "funds")
    return _render_edit(submission, funding_form=form, status=422)


@bp.post("/submissions/<int:submission_id>/funds/<int:line_id>/delete")
def remove_funds(submission_id: int, line_id: int):
    submission = _manageable(submission_id)
    line = next((fl for fl in submission.funding_lines if fl.id == line_id), None) or abort(404)
    with attempt() as done:
        fund_lines.remove_funding_line(get_session(), current_user, line)
        done.flash(_("已删除这笔资金。"))
    return _back_to_edit(submission, "funds")


@bp.post("/submissions/<int:submission_id>/attachments")
def add_file(submission_id: int):
    submission = _manageable(submission_id)
    closed = _open_for_editing(submission)
    if closed is not None:
        return closed
    form = AttachmentForm(prefix="upload")
    with attempt(form) as done:
        file = service.add_attachment(get_session(), current_user, submission,
                                      _upload(form.file.data) or Upload("", b""),
                                      max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"])
        done.flash(_("已上传：%(name)s", name=file.filename))
    if done.ok:
        return _back_to_edit(submission, "attachments")
    return _render_edit(submission, attachment_form=form, status=422)


@bp.post("/submissions/<int:submission_id>/attachments/<int:attachment_id>/delete")
def remove_file(submission_id: int, attachment_id: int):
    submission = _manageable(submission_id)
    file = next((a for a in submission.attachments if a.id == attachment_id), None) or abort(404)
    with attempt() as done:
        service.remove_attachment(get_session(), current_user, file)
        done.flash(_("已删除附件。"))
    return _back_to_edit(submission, "attachments")


# ---------------------------------------------------------------------------------------------
# Withdrawing


@bp.route("/submissions/<int:submission_id>/withdraw", methods=["GET", "POST"])
def withdraw(submission_id: int):
    """Withdraw a project (or discard a draft), after a confirmation."""
    submission = _manageable(submission_id)
    refusal = refusals.withdraw_refusal(submission)
    if refusal is not None:
        flash(refusal.translated(), "info")
        return redirect(url_for(".detail", submission_id=submission.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            service.withdraw_submission(get_session(), current_user, submission, form.reason.data or "")
            done.flash(_("项目 %(ref)s 已撤回。", ref=submission.ref))
        if done.ok:
            return redirect(url_for(".mine"))
    return render_template("submissions/withdraw.html", submission=submission, form=form), 422 if form.errors else 200
