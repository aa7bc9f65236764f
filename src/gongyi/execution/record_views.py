"""One funded project's execution page for administrators and its actions: the agreement, the
schedule, milestones, reports (accept or return), evaluators, evaluations (publish, confirm),
tranche releases and recoveries. A refused action shows the page again with the problem beside
the field of the form that was posted."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from gongyi import policy
from gongyi.actions import attempt
from gongyi.audit.history import object_history
from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.db import get_session
from gongyi.execution import evaluations, records, reports, tranches
from gongyi.execution.forms import (AgreementForm, AssignEvaluatorForm, ConflictForm, MilestoneForm, RecoveryForm,
                                    ReleaseForm, ReturnForm, ScheduleForm)
from gongyi.execution.models import Evaluation, EvaluatorAssignment, ExecutionRecord, Milestone, ProgressReport, Tranche
from gongyi.execution.webparts import max_bytes, record_or_404, today, upload_of, working_days
from gongyi.forms import ActionForm
from gongyi.numbers import whole_number
from gongyi.orgs.models import Organisation
from gongyi.results.models import Objection
from gongyi.submissions.models import Submission

bp = Blueprint("execution_record", __name__, url_prefix="/admin/execution")


@bp.before_request
@login_required
def require_admin():
    if not policy.can_manage_execution(current_user):
        abort(403)


def _forms(rec: ExecutionRecord, posted: dict[str, Any]) -> dict[str, Any]:
    db = get_session()
    forms = {
        "agreement_form": AgreementForm(formdata=None, number=rec.agreement_number,
                                        signed_on=rec.signed_on.isoformat() if rec.signed_on else "",
                                        starts_on=rec.starts_on.isoformat() if rec.starts_on else "",
                                        ends_on=rec.ends_on.isoformat() if rec.ends_on else ""),
        "schedule_form": ScheduleForm(formdata=None, schedule=", ".join(f"{t.gate}:{t.share}" for t in rec.tranches)),
        "milestone_form": MilestoneForm(formdata=None), "evaluator_form": AssignEvaluatorForm(formdata=None),
        "conflict_form": ConflictForm(formdata=None), "release_form": ReleaseForm(formdata=None),
        "recovery_form": RecoveryForm(formdata=None, prefix="recovery"), "return_form": ReturnForm(formdata=None),
        "action_form": ActionForm(formdata=None), "release_target": None, "return_target": None,
    }
    forms.update(posted)
    assigned = {a.evaluator_id for a in db.scalars(select(EvaluatorAssignment).where(
        EvaluatorAssignment.execution_id == rec.id))}
    forms["evaluator_form"].set_choices([u for u in evaluations.evaluators(db) if u.id not in assigned])
    return forms


def _page(rec: ExecutionRecord, status: int = 200, **posted: Any):
    db = get_session()
    submission = db.get(Submission, rec.submission_id)
    evaluation_rows = {kind: evaluations.evaluation_of(db, rec, kind) for kind in ("midterm", "final")}
    objections = {ev.id: list(db.scalars(select(Objection).where(Objection.evaluation_id == ev.id).order_by(Objection.id)))
                  for ev in evaluation_rows.values() if ev is not None}
    assigned = list(db.scalars(select(User).join(EvaluatorAssignment, EvaluatorAssignment.evaluator_id == User.id)
                               .where(EvaluatorAssignment.execution_id == rec.id).order_by(User.name)))
    return render_template(
        "execution/admin_record.html", record=rec, submission=submission, call=db.get(Call, rec.call_id),
        organisation=db.get(Organisation, rec.organisation_id), schedule=tranches.schedule_of(db, rec),
        overdue=reports.overdue_milestones(db, [rec.id], today()), reports=reports.reports_of(db, rec),
        milestones={m.id: m for m in rec.milestones}, evaluations=evaluation_rows, objections=objections,
        assigned=assigned, recoveries=tranches.recoveries(db, rec),
        history=object_history(db, rec, newest_first=True), **_forms(rec, posted)), status


@bp.get("/<int:record_id>")
def record_page(record_id: int):
    return _page(record_or_404(record_id))


def _done(rec: ExecutionRecord, done, form_name: str, form, anchor: str, **extra: Any):
    if done.ok:
        return redirect(url_for(".record_page", record_id=rec.id) + "#" + anchor)
    return _page(rec, 422, **{form_name: form}, **extra)


@bp.post("/<int:record_id>/agreement")
def agreement(record_id: int):
    rec = record_or_404(record_id)
    form = AgreementForm()
    with attempt(form) as done:
        records.set_agreement(get_session(), current_user, rec, number=form.number.data, signed_on=form.signed_on.data,
                              starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                              signed_file=upload_of(form.signed_file.data), max_bytes=max_bytes())
        done.flash(_("已登记资助协议。"))
    return _done(rec, done, "agreement_form", form, "agreement")


@bp.post("/<int:record_id>/schedule")
def schedule(record_id: int):
    rec = record_or_404(record_id)
    form = ScheduleForm()
    with attempt(form) as done:
        records.set_schedule(get_session(), current_user, rec, form.schedule.data)
        done.flash(_("已修改拨付计划。"))
    return _done(rec, done, "schedule_form", form, "tranches")


@bp.post("/<int:record_id>/milestones")
def add_milestone(record_id: int):
    rec = record_or_404(record_id)
    form = MilestoneForm()
    with attempt(form) as done:
        records.add_milestone(get_session(), current_user, rec, what=form.what.data, due_on=form.due_on.data,
                              deliverable=form.deliverable.data, indicators=form.indicators.data)
        done.flash(_("已添加里程碑。"))
    return _done(rec, done, "milestone_form", form, "milestones")


@bp.post("/<int:record_id>/milestones/<int:milestone_id>/remove")
def remove_milestone(record_id: int, milestone_id: int):
    rec = record_or_404(record_id)
    milestone = get_session().get(Milestone, milestone_id)
    if milestone is None or milestone.execution_id != rec.id:
        abort(404)
    with attempt() as done:
        records.remove_milestone(get_session(), current_user, milestone)
        done.flash(_("已删除里程碑。"))
    return redirect(url_for(".record_page", record_id=rec.id) + "#milestones")


@bp.post("/<int:record_id>/evaluators")
def assign(record_id: int):
    rec = record_or_404(record_id)
    form = AssignEvaluatorForm()
    raw = form.evaluator_id.data or ""
    with attempt(form) as done:
        evaluator = get_session().get(User, number) if (number := whole_number(raw)) is not None else None
        evaluations.assign_evaluator(get_session(), current_user, rec, evaluator)
        done.flash(_("已分配第三方评估机构。"))
    return _done(rec, done, "evaluator_form", form, "evaluators")


@bp.post("/<int:record_id>/evaluators/<int:user_id>/conflict")
def conflict(record_id: int, user_id: int):
    rec = record_or_404(record_id)
    evaluator = get_session().get(User, user_id) or abort(404)
    form = ConflictForm()
    with attempt(form) as done:
        evaluations.declare_evaluator_conflict(get_session(), current_user, rec, evaluator, form.reason.data)
        done.flash(_("已登记回避，并取消该评估机构的分配。"))
    return _done(rec, done, "conflict_form", form, "evaluators")


@bp.post("/<int:record_id>/tranches/<int:tranche_id>/release")
def release(record_id: int, tranche_id: int):
    rec = record_or_404(record_id)
    tranche = get_session().get(Tranche, tranche_id)
    if tranche is None or tranche.execution_id != rec.id:
        abort(404)
    form = ReleaseForm()
    with attempt(form) as done:
        tranches.release_tranche(get_session(), current_user, tranche, paid_on=form.paid_on.data,
                                 reference=form.reference.data)
        done.flash(_("已拨付第 %(n)s 期。", n=tranche.position))
    return _done(rec, done, "release_form", form, "tranches", release_target=tranche_id)


@bp.post("/<int:record_id>/recoveries")
def recovery(record_id: int):
    rec = record_or_404(record_id)
    form = RecoveryForm(prefix="recovery")  # its reason is not the conflict form's
    with attempt(form) as done:
        tranches.record_recovery(get_session(), current_user, rec, amount=form.amount.data, reason=form.reason.data,
                                 recovered_on=form.recovered_on.data)
        done.flash(_("已记录追回资金。"))
    return _done(rec, done, "recovery_form", form, "recoveries")


def _report(rec: ExecutionRecord, report_id: int) -> ProgressReport:
    report = get_session().get(ProgressReport, report_id)
    if report is None or report.execution_id != rec.id:
        abort(404)
    return report


@bp.post("/<int:record_id>/reports/<int:report_id>/accept")
def accept(record_id: int, report_id: int):
    rec = record_or_404(record_id)
    report = _report(rec, report_id)
    with attempt() as done:
        reports.accept_report(get_session(), current_user, report)
        done.flash(_("已通过进展报告。"))
    return redirect(url_for(".record_page", record_id=rec.id) + "#reports")


@bp.post("/<int:record_id>/reports/<int:report_id>/return")
def return_report(record_id: int, report_id: int):
    rec = record_or_404(record_id)
    report = _report(rec, report_id)
    form = ReturnForm()
    with attempt(form) as done:
        reports.return_report(get_session(), current_user, report, form.comment.data)
        done.flash(_("已退回进展报告。"))
    return _done(rec, done, "return_form", form, "reports", return_target=report_id)


def _evaluation(rec: ExecutionRecord, evaluation_id: int) -> Evaluation:
    evaluation = get_session().get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.execution_id != rec.id:
        abort(404)
    return evaluation


@bp.post("/<int:record_id>/evaluations/<int:evaluation_id>/<any(publish, confirm):step>")
def evaluation_step(record_id: int, evaluation_id: int, step: str):
    rec = record_or_404(record_id)
    evaluation = _evaluation(rec, evaluation_id)
    with attempt() as done:
        if step == "publish":
            evaluations.publish_evaluation(get_session(), current_user, evaluation, working_days=working_days())
            done.flash(_("已公示评估结果。"))
        else:
            evaluations.confirm_evaluation(get_session(), current_user, evaluation)
            done.flash(_("已确定评估结果。"))
    return redirect(url_for(".record_page", record_id=rec.id) + "#evaluations")
