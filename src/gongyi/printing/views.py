"""The printable application's download, for the project's organisation and administrators."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from gongyi import policy
from gongyi.catalogue.models import Item
from gongyi.db import get_session
from gongyi.submissions.models import Submission
from gongyi.webutil import send_stored_file

bp = Blueprint("printing", __name__)


@bp.get("/submissions/<int:submission_id>/application.pdf")
@login_required
def application(submission_id: int):
    """The application (申报书) to print and seal; anyone else does not learn the project exists (404)."""
    db = get_session()
    submission = db.scalar(select(Submission).where(Submission.id == submission_id).options(
        joinedload(Submission.call), joinedload(Submission.organisation), selectinload(Submission.items),
        selectinload(Submission.budget_lines), selectinload(Submission.funding_lines),
        selectinload(Submission.attachments)))
    if submission is None or not policy.can_view_submission(current_user, submission):
        abort(404)
    if not policy.can_print_application(current_user, submission):
        flash(_("项目提交后才能打印申报书。"), "error")
        return redirect(url_for("submissions.detail", submission_id=submission.id))
    codes = [i.item_code for i in submission.items]
    catalogue = {item.code: item for item in db.scalars(select(Item).where(Item.code.in_(codes)))} if codes else {}
    # lazy: fpdf2 and its font tools take half a second to import, which every `flask` command
    # (compute included) would pay at start-up
    from gongyi.printing.application import application_pdf

    data = application_pdf(submission, catalogue, english=str(get_locale()).startswith("en"))
    return send_stored_file(data, f"{submission.ref}-{_('申报书')}.pdf", "application/pdf")
