"""Screening (形式审查) pages for administrators: the submissions list and its export, one
submission's screening page, the funding-line queue, and bulk decisions with a preview."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from gongyi import policy
from gongyi.actions import attempt
from gongyi.audit.history import object_history
from gongyi.calls.models import Call
from gongyi.catalogue.models import Category
from gongyi.catalogue.service import items_by_code
from gongyi.clock import china_date, utcnow
from gongyi.db import get_session
from gongyi.exports import send_table
from gongyi.formatting import label
from gongyi.money import fen_to_str
from gongyi.orgs.districts import district_name
from gongyi.pagination import paginate
from gongyi.submissions import screening, screening_lists
from gongyi.submissions.admin_forms import (
    BulkConfirmForm, BulkEligibilityForm, BulkFundingForm, EligibilityForm, FundingDecisionForm, FundingFilterForm,
    SubmissionFilterForm,
)
from gongyi.funding.line_counts import line_counts
from gongyi.submissions.funds import funding_totals
from gongyi.submissions.models import Attachment, Submission
from gongyi.submissions.vocabularies import ELIGIBILITY, SUBMISSION_STATUSES
from gongyi.webutil import page_number, safe_next, send_stored_file

bp = Blueprint("screening", __name__, url_prefix="/admin/submissions")

FUND_LABELS = {"fund_status": screening.FUND_STATUS_LABELS, "source": screening.FUND_SOURCE_LABELS}


@bp.before_request
def administrators_only():
    """Every page here is for administrators: others are sent to log in, or refused."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not policy.can_screen_submissions(current_user):
        abort(403)
    return None


def _clean(field) -> str:
    """A filter's value, or empty when it was refused (the error shows beside the field)."""
    return "" if field.errors else (field.data or "")


def _english() -> bool:
    return str(get_locale()).startswith("en")


def _call_choices(db) -> list[SelectChoice]:
    calls = db.execute(select(Call.id, Call.title).order_by(Call.opens_at.desc(), Call.id.desc())).all()
    return [SelectChoice("", _("全部征集"))] + [SelectChoice(str(cid), title) for cid, title in calls]


def _submission_filters(db) -> tuple[SubmissionFilterForm, screening_lists.SubmissionFilters]:
    form = SubmissionFilterForm(formdata=request.args)
    form.call.choices = _call_choices(db)
    en = _english()
    form.category.choices = [SelectChoice("", _("全部"))] + [
        SelectChoice(c.code, f"{c.code} {c.name_en if en else c.name_zh}")
        for c in db.scalars(select(Category).order_by(Category.code))
    ]
    form.validate()
    call = _clean(form.call)
    filters = screening_lists.SubmissionFilters(
        call_id=int(call) if call else None, status=_clean(form.status), eligibility=_clean(form.eligibility),
        category=_clean(form.category), district=_clean(form.district),
        organisation=_clean(form.organisation).strip(), sort=_clean(form.sort) or "ref",
    )
    return form, filters


@bp.get("/")
def index():
    db = get_session()
    form, filters = _submission_filters(db)
    stmt = screening_lists.filtered_submissions(db, filters)
    counts = screening_lists.status_counts(db, filters)
    page = paginate(db, stmt, page_number(), screening_lists.PER_PAGE, total=screening_lists.total_of(counts, filters))
    bulk = BulkEligibilityForm(formdata=None, next=request.full_path)
    export_args = {f.name: request.args[f.name] for f in form if request.args.get(f.name)}
    return render_template("submissions/admin_list.html", form=form, filters=filters, page=page, counts=counts,
                           bulk=bulk, export_args=export_args)


def _money(fen: int) -> Decimal:
    return Decimal(fen_to_str(fen))


@bp.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    """Exactly the rows the list shows for these filters, all pages, as CSV or XLSX."""
    db = get_session()
    filters = _submission_filters(db)[1]
    stmt = screening_lists.filtered_submissions(db, filters)
    rows = db.execute(stmt).all()
    items = screening_lists.items_by_submission(db, stmt)
    locale = "en" if _english() else "zh_CN"
    columns = [_("编号"), _("征集"), _("项目名称"), _("组织"), _("统一社会信用代码"), _("社区"), _("社区所在区"),
               _("服务项目"), _("申报状态"), _("审查结论"), _("审查意见"), _("申请金额（元）"),
               _("申报募集资金（元）"), _("已核实（元）"), _("待核实（元）"), _("提交时间")]
    data = [
        [r.ref, r.call_title, r.title, r.organisation_name, r.credit_code, r.community_name,
         district_name(r.community_district, locale), "|".join(items.get(r.id, [])),
         label(r.status, SUBMISSION_STATUSES), label(r.eligibility, ELIGIBILITY),
         r.eligibility_reason, _money(r.requested_fen), _money(r.declared_fen), _money(r.verified_fen),
         _money(r.pending_fen), format_datetime(r.submitted_at, "yyyy-MM-dd HH:mm") if r.submitted_at else None]
        for r in rows
    ]
    return send_table(columns, data, fmt, f"{_('申报项目')}-{china_date(utcnow()):%Y%m%d}", sheet_title=_("申报项目"))


def _get_submission(submission_id: int) -> Submission:
    stmt = (select(Submission).where(Submission.id == submission_id)
            .options(joinedload(Submission.call), joinedload(Submission.organisation),
                     selectinload(Submission.items), selectinload(Submission.budget_lines),
                     selectinload(Submission.funding_lines), selectinload(Submission.attachments)))
    return get_session().scalar(stmt) or abort(404)


def _render_detail(submission: Submission, eligibility_form: EligibilityForm | None = None,
                   failed_line: tuple[int, FundingDecisionForm] | None = None):
    db = get_session()
    line_forms = {line.id: FundingDecisionForm(formdata=None, prefix=f"line{line.id}")
                  for line in submission.funding_lines}
    if failed_line is not None:
        line_forms[failed_line[0]] = failed_line[1]
    return render_template(
        "submissions/admin_detail.html", submission=submission, catalogue=items_by_code(db),
        totals=funding_totals(submission.funding_lines), refusal=screening.screening_refusal(submission),
        eligibility_form=eligibility_form or EligibilityForm(formdata=None),
        line_forms=line_forms, attachments={a.id: a for a in submission.attachments},
        verifiable={line.id for line in submission.funding_lines if screening.verifiable(line)},
        history=object_history(db, submission, *submission.funding_lines), labels=FUND_LABELS,
        next_submission=screening_lists.next_to_screen(db, submission),
    )


@bp.get("/<int:submission_id>")
def detail(submission_id: int):
    return _render_detail(_get_submission(submission_id))


@bp.post("/<int:submission_id>/eligibility")
def decide_eligibility(submission_id: int):
    submission = _get_submission(submission_id)
    form = EligibilityForm()
    if form.validate_on_submit():
        if not (form.eligible.data or form.ineligible.data):
            form.add_error("reason", _("请选择合格或不合格"))
        else:
            with attempt(form) as done:
                screening.set_eligibility(get_session(), current_user, submission, bool(form.eligible.data),
                                          form.reason.data or "")
                done.flash(_("%(ref)s 已标记为%(state)s", ref=submission.ref,
                             state=label(submission.eligibility, ELIGIBILITY)))
            if done.ok:
                return redirect(url_for(".detail", submission_id=submission.id, _anchor="eligibility"))
    return _render_detail(submission, eligibility_form=form)


@bp.post("/<int:submission_id>/funds/<int:line_id>")
def decide_funding(submission_id: int, line_id: int):
    db = get_session()
    submission = _get_submission(submission_id)
    line = next((fl for fl in submission.funding_lines if fl.id == line_id), None) or abort(404)
    form = FundingDecisionForm(prefix=f"line{line.id}")
    if form.validate_on_submit():
        if not (form.verify.data or form.reject.data):
            form.add_error("reason", _("请选择核实或驳回"))
        else:
            with attempt(form) as done:
                if form.verify.data:
                    screening.verify_funding_line(db, current_user, line)
                else:
                    screening.reject_funding_line(db, current_user, line, form.reason.data or "")
                done.flash(_("“%(donor)s”的资金已更新为%(state)s", donor=line.donor,
                             state=label(line.status, screening.FUND_STATUS_LABELS)))
            if done.ok:
                return redirect(url_for(".detail", submission_id=submission.id, _anchor="funds"))
    return _render_detail(submission, failed_line=(line.id, form))


@bp.get("/<int:submission_id>/attachments/<int:attachment_id>")
def attachment(submission_id: int, attachment_id: int):
    """An attached file (e.g. a funding line's evidence), for the administrator checking it."""
    file = get_session().get(Attachment, attachment_id)
    if file is None or file.submission_id != submission_id:
        abort(404)
    return send_stored_file(file.data, file.filename, file.content_type)


def _funding_filters(db) -> tuple[FundingFilterForm, screening_lists.FundingFilters]:
    form = FundingFilterForm(formdata=request.args)
    form.call.choices = _call_choices(db)
    form.validate()
    call = _clean(form.call)
    status = form.status.default if form.status.errors else (form.status.data or "")
    return form, screening_lists.FundingFilters(call_id=int(call) if call else None, status=status,
                                                source=_clean(form.source),
                                                organisation=_clean(form.organisation).strip())


@bp.get("/funds")
def funds():
    """The fund verification queue: declared funding lines of submitted projects."""
    db = get_session()
    form, filters = _funding_filters(db)
    page = paginate(db, screening_lists.filtered_funding_lines(db, filters), page_number(), screening_lists.PER_PAGE)
    bulk = BulkFundingForm(formdata=None, next=request.full_path)
    counts = line_counts(db, {row.submission_id for row in page.rows})
    return render_template("submissions/admin_funds.html", form=form, page=page, bulk=bulk, labels=FUND_LABELS,
                           counts=counts)


# ---------------------------------------------------------------------------------------------
# Bulk: preview (no change), then confirm (all or nothing)

BULK = {
    "eligibility": {
        "form": BulkEligibilityForm, "plan": screening.plan_eligibility, "apply": screening.bulk_set_eligibility,
        "decisions": ("eligible", "ineligible"), "positive": "eligible", "back": ".index",
    },
    "funds": {
        "form": BulkFundingForm, "plan": screening.plan_funding_review, "apply": screening.bulk_review_funding,
        "decisions": ("verify", "reject"), "positive": "verify", "back": ".funds",
    },
}


def _render_preview(kind: str, form, plan: screening.BulkPlan | None, error: str | None = None):
    confirm = None
    if plan is not None and plan.changes:
        confirm = BulkConfirmForm(formdata=None, decision=form.decision.data, reason=(form.reason.data or "").strip(),
                                  next=form.next.data)
    return render_template("submissions/admin_bulk_preview.html", kind=kind, form=form, plan=plan, confirm=confirm,
                           error=error, labels=FUND_LABELS, back=safe_next(form.next.data, url_for(BULK[kind]["back"])))


@bp.post("/bulk/<any(eligibility, funds):kind>")
def bulk_preview(kind: str):
    """Show exactly what a bulk decision would change; nothing is changed here."""
    spec = BULK[kind]
    form = spec["form"]()
    plan = None
    if form.validate_on_submit():
        with attempt(form):  # planning changes nothing; a refused selection or reason shows beside its field
            plan = spec["plan"](get_session(), form.ids.data, form.decision.data == spec["positive"],
                                form.reason.data or "")
    return _render_preview(kind, form, plan)


@bp.post("/bulk/<any(eligibility, funds):kind>/confirm")
def bulk_confirm(kind: str):
    """Apply the previewed decision to every previewed row in one transaction, or to none."""
    spec = BULK[kind]
    db = get_session()
    confirm = BulkConfirmForm()
    back = safe_next(confirm.next.data, url_for(spec["back"]))
    if not confirm.validate_on_submit() or confirm.decision.data not in spec["decisions"]:
        flash(_("确认的内容无效，请重新选择并预览。"), "error")
        return redirect(back)
    expected = dict(confirm.rows.data)
    positive = confirm.decision.data == spec["positive"]
    with attempt(quiet=True) as done:
        count = spec["apply"](db, current_user, expected, positive, confirm.reason.data or "")
        done.flash(_("已更改 %(n)s 项。", n=count))
    if isinstance(done.error, screening.StalePreviewError):  # show the preview again, as things are now
        form = spec["form"](formdata=None, ids=list(expected), decision=confirm.decision.data,
                            reason=confirm.reason.data, next=confirm.next.data)
        plan = spec["plan"](db, list(expected), positive, confirm.reason.data or "")
        return _render_preview(kind, form, plan, error=done.error_message), 409
    if not done.ok:
        flash(done.error_message, "error")
    return redirect(back)
