"""The organisation's execution pages: its funded projects, each one's schedule (what was paid,
what is due next and why something is stopped), milestones and progress reports, which save
themselves as they are typed (as the project form does); and the files of a record."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.calls.models import Call
from gongyi.clock import utcnow
from gongyi.db import get_session
from gongyi.execution import evaluations, reports, tranches
from gongyi.execution.forms import ReportFileForm, ReportForm
from gongyi.execution.models import ExecutionRecord, ProgressReport, ReportFile
from gongyi.execution.overview import organisation_overview
from gongyi.execution.vocab import REPORT_FILE_KINDS
from gongyi.execution.webparts import max_bytes, record_or_404, today, upload_of
from gongyi.formatting import label, local_time
from gongyi.numbers import whole_number
from gongyi.results.models import Objection
from gongyi.submissions.models import Submission
from gongyi.webutil import send_stored_file

bp = Blueprint("execution", __name__)


def _viewable(rec: ExecutionRecord) -> ExecutionRecord:
    if not policy.can_view_execution(current_user, rec):
        abort(403)
    return rec


@bp.get("/my/execution")
@login_required
def mine():
    if current_user.organisation_id is None:
        abort(403)
    rows = organisation_overview(get_session(), current_user.organisation_id, today())
    return render_template("execution/mine.html", rows=rows)


@bp.get("/my/execution/<int:record_id>")
@login_required
def record_page(record_id: int):
    db = get_session()
    rec = _viewable(record_or_404(record_id))
    submission = db.get(Submission, rec.submission_id)
    found = {kind: evaluations.evaluation_of(db, rec, kind) for kind in ("midterm", "final")}
    shown = {k: ev for k, ev in found.items() if ev is not None and ev.status in ("published", "confirmed")}
    objections = {ev.id: list(db.scalars(select(Objection).where(
        Objection.evaluation_id == ev.id, Objection.organisation_id == current_user.organisation_id)))
        for ev in shown.values()}
    return render_template("execution/record.html", record=rec, submission=submission, call=db.get(Call, rec.call_id),
                           schedule=tranches.schedule_of(db, rec), reports=reports.reports_of(db, rec),
                           milestones={m.id: m for m in rec.milestones},
                           overdue=reports.overdue_milestones(db, [rec.id], today()), evaluations=shown,
                           objections=objections, recoveries=tranches.recoveries(db, rec))


def _report_data(form_data) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    figures = {key[len("figure_"):]: value for key, value in form_data.items() if key.startswith("figure_")}
    spending = {key[len("spent_"):]: (value, form_data.get("explain_" + key[len("spent_"):], ""))
                for key, value in form_data.items() if key.startswith("spent_")}
    return figures, spending


def _editor(rec: ExecutionRecord, report: ProgressReport | None, form: ReportForm, status: int = 200,
            file_form: ReportFileForm | None = None):
    db = get_session()
    form.set_choices(list(rec.milestones))
    file_form = file_form or ReportFileForm(formdata=None)
    file_form.kind.choices = [(k, _(v)) for k, v in REPORT_FILE_KINDS.items()]
    milestone_id = whole_number(form.milestone_id.data)
    milestone = next((m for m in rec.milestones if m.id == milestone_id), rec.milestones[0] if rec.milestones else None)
    return render_template("execution/report_edit.html", record=rec, report=report, form=form, file_form=file_form,
                           submission=db.get(Submission, rec.submission_id), milestone=milestone,
                           milestones={m.id: m for m in rec.milestones},
                           spent_before=reports.spent_before(db, rec, report.id if report else None),
                           posted=request.form if request.method == "POST" else None), status


@bp.route("/my/execution/<int:record_id>/reports/new", methods=["GET", "POST"])
@login_required
def new_report(record_id: int):
    rec = record_or_404(record_id)
    if not policy.can_report_progress(current_user, rec):
        abort(403)
    form = ReportForm(milestone_id=request.args.get("milestone", ""))
    if request.method == "POST" and form.validate_on_submit():
        figures, spending = _report_data(request.form)
        with attempt(form) as done:
            report = reports.save_report(get_session(), current_user, rec, milestone_id=form.milestone_id.data,
                                         narrative=form.narrative.data, figures=figures, spending=spending)
            done.flash(_("已保存草稿。"))
        if done.ok:
            return redirect(url_for(".edit_report", report_id=report.id))
        return _editor(rec, None, form, 422)
    return _editor(rec, None, form)


def _own_report(report_id: int) -> tuple[ExecutionRecord, ProgressReport]:
    report = get_session().get(ProgressReport, report_id) or abort(404)
    rec = _viewable(record_or_404(report.execution_id))
    return rec, report


@bp.route("/my/execution/reports/<int:report_id>", methods=["GET", "POST"])
@login_required
def edit_report(report_id: int):
    rec, report = _own_report(report_id)
    if request.method == "GET":
        values = {"milestone_id": str(report.milestone_id), "narrative": report.narrative}
        return _editor(rec, report, ReportForm(formdata=None, **values))
    if not policy.can_report_progress(current_user, rec):
        abort(403)
    form = ReportForm()
    if not form.validate_on_submit():
        return _editor(rec, report, form, 422)
    figures, spending = _report_data(request.form)
    submit = request.form.get("action") == "submit"
    with attempt(form) as done:
        reports.save_report(get_session(), current_user, rec, report=report, milestone_id=form.milestone_id.data,
                            narrative=form.narrative.data, figures=figures, spending=spending)
        if submit:
            reports.submit_report(get_session(), current_user, report)
            done.flash(_("已提交进展报告，等待审核。"))
        else:
            done.flash(_("已保存草稿。"))
    if done.ok:
        return redirect(url_for(".record_page", record_id=rec.id) if submit else url_for(".edit_report", report_id=report.id))
    return _editor(rec, report, form, 422)


@bp.post("/my/execution/reports/<int:report_id>/save")
@login_required
def autosave(report_id: int):
    """The page script's save of a draft, answered in JSON (problems by field; nothing stored when any)."""
    rec, report = _own_report(report_id)
    if not policy.can_report_progress(current_user, rec):
        return jsonify(saved=False, error=_("您没有权限修改此报告")), 403
    form = ReportForm()
    if not form.validate_on_submit():
        return jsonify(saved=False, error=_("页面已过期：请刷新页面后继续。")), 400
    figures, spending = _report_data(request.form)
    with attempt(form, quiet=True) as done:
        reports.save_report(get_session(), current_user, rec, report=report, milestone_id=form.milestone_id.data,
                            narrative=form.narrative.data, figures=figures, spending=spending)
    if not done.ok:
        problems: dict[str, list[str]] = {}
        for problem in done.error.problems():
            problems.setdefault(problem.field or "form", []).append(problem.translated())
        return jsonify(saved=False, problems=problems, error=_("没有保存：请改正标出的问题。")), 422
    return jsonify(saved=True, saved_at=local_time(utcnow(), "HH:mm"))


@bp.post("/my/execution/reports/<int:report_id>/files")
@login_required
def add_file(report_id: int):
    rec, report = _own_report(report_id)
    if not policy.can_report_progress(current_user, rec):
        abort(403)
    form = ReportFileForm()
    form.kind.choices = [(k, _(v)) for k, v in REPORT_FILE_KINDS.items()]
    with attempt(form) as done:
        reports.add_report_file(get_session(), current_user, report, form.kind.data, upload_of(form.file.data),
                                max_bytes())
        done.flash(_("已上传：%(kind)s。", kind=label(form.kind.data, REPORT_FILE_KINDS)))
    if done.ok:
        return redirect(url_for(".edit_report", report_id=report.id) + "#files")
    values = {"milestone_id": str(report.milestone_id), "narrative": report.narrative}
    return _editor(rec, report, ReportForm(formdata=None, **values), 422, file_form=form)


@bp.get("/execution/files/<int:file_id>")
@login_required
def report_file(file_id: int):
    db = get_session()
    file = db.get(ReportFile, file_id) or abort(404)
    _viewable(record_or_404(db.get(ProgressReport, file.report_id).execution_id))
    return send_stored_file(file.data, file.filename, file.content_type)


@bp.get("/execution/<int:record_id>/agreement")
@login_required
def agreement_file(record_id: int):
    rec = _viewable(record_or_404(record_id))
    if rec.agreement_file is None:
        abort(404)
    return send_stored_file(rec.agreement_file, rec.agreement_name, rec.agreement_type)
