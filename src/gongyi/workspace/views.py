"""Each role's workspace: what is waiting, with links to the pages that do it."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user, login_required

from gongyi import policy
from gongyi.db import get_session
from gongyi.orgs.models import Organisation
from gongyi.workspace import lists
from gongyi.workspace.tasks import ADMIN_TASKS, MEMBER_NEWS, MEMBER_TASKS, REVIEWER_TASKS, EVALUATOR_TASKS, Counts, counts

bp = Blueprint("workspace", __name__)


def navigation_counts() -> Counts | None:
    """The signed-in user's counts for the navigation, once per request (None when signed out)."""
    if not current_user.is_authenticated or g.get("plain_navigation"):
        return None
    if "workspace_counts" not in g:
        g.workspace_counts = counts(get_session(), current_user)
    return g.workspace_counts


@bp.get("/workspace")
@login_required
def home():
    db = get_session()
    context = {"counts": navigation_counts(), "admin_tasks": ADMIN_TASKS, "member_tasks": MEMBER_TASKS + MEMBER_NEWS,
               "reviewer_tasks": REVIEWER_TASKS, "evaluator_tasks": EVALUATOR_TASKS}
    if policy.is_admin(current_user):
        context.update(review_calls=lists.reviews_by_call(db), objection_calls=lists.objections_by_call(db),
                       report_calls=lists.reports_by_call(db))
    if policy.is_reviewer(current_user):
        context.update(my_calls=lists.reviews_by_call(db, current_user.id))
    org_id = current_user.organisation_id
    if org_id is not None and policy.is_member(current_user):
        context.update(org=db.get(Organisation, org_id), drafts=lists.drafts(db, org_id),
                       rejected_funds=lists.rejected_funds(db, org_id),
                       answered=lists.answered_objections(db, org_id), payments=lists.payments(db, org_id))
    elif policy.can_register_organisation(current_user):
        return redirect(url_for("orgs.register"))
    return render_template("workspace/home.html", **context)
