"""Permission checks as plain functions, used by views and templates alike.

Each `can_*` takes the acting user (possibly anonymous) and the object, and returns a bool.
"""
from __future__ import annotations

from typing import Any

from gongyi.calls.workflow import allows
from gongyi.communities.needs import keeper_refusal
from gongyi.execution.evaluations import evaluation_publicity_open
from gongyi.results.publication import objecting_organisation, publicity_open


def _roles(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return user.roles


def is_admin(user: Any) -> bool:
    return "admin" in _roles(user)


def is_reviewer(user: Any) -> bool:
    return "reviewer" in _roles(user)


def is_member(user: Any) -> bool:
    return "member" in _roles(user)


def is_evaluator(user: Any) -> bool:
    """A third-party evaluation unit (第三方评估机构)."""
    return "evaluator" in _roles(user)


def can_manage_notices(user: Any) -> bool:
    """Write, publish and withdraw notices (通知公告) and edit the application guide."""
    return is_admin(user)


def can_register_organisation(user: Any) -> bool:
    """Anyone signed in without an organisation, except administrators, reviewers and evaluators,
    whose impartiality membership of an applicant would compromise, and co-funders, whose account
    is their funder's (a foundation pledging to projects, not an applicant)."""
    return (getattr(user, "is_authenticated", False) and user.organisation_id is None
            and not (is_admin(user) or is_reviewer(user) or is_evaluator(user) or is_co_funder(user)))


def can_manage_organisation(user: Any, org: Any) -> bool:
    """Editing the details, inviting colleagues and the papers: the organisation's own members."""
    return is_member(user) and user.organisation_id == org.id


def can_view_organisation_documents(user: Any, org: Any) -> bool:
    """The registration certificate and annual inspection papers: its members and administrators."""
    return is_admin(user) or can_manage_organisation(user, org)


def can_verify_organisation(user: Any, org: Any) -> bool:
    """Pending or rejected organisations can be decided (again); a verified one stays verified."""
    return is_admin(user) and org.status in ("pending", "rejected")


def can_view_audit_trail(user: Any) -> bool:
    """The whole audit trail (every object, every actor) is for administrators."""
    return is_admin(user)


def can_manage_calls(user: Any) -> bool:
    return is_admin(user)


def can_screen_submissions(user: Any) -> bool:
    """Screening (形式审查) and fund verification are for administrators."""
    return is_admin(user)


def can_view_call(user: Any, call: Any) -> bool:
    """Drafts are the administrators' working copies; every other call is public."""
    return call.status != "draft" or is_admin(user)


def can_edit_call(user: Any, call: Any) -> bool:
    return is_admin(user) and allows(call, "edit_settings")


def can_manage_late_entries(user: Any, call: Any) -> bool:
    return is_admin(user) and allows(call, "late_list")


def can_manage_reviews(user: Any) -> bool:
    """Reviewer profiles, assignment, conflicts, progress, calibration and exports."""
    return is_admin(user)


def can_score(user: Any, review: Any) -> bool:
    """Only the assigned reviewer fills in a review."""
    return is_reviewer(user) and review.reviewer_id == user.id


def can_view_review(user: Any, review: Any) -> bool:
    """A reviewer sees their own review only, never another reviewer's (see review.service)."""
    return is_admin(user) or can_score(user, review)


def can_reopen_review(user: Any, review: Any) -> bool:
    """A submitted review may be reopened by an administrator while scoring is still going on."""
    return is_admin(user) and review.status == "submitted" and allows(review.submission.call, "score")


def can_start_submission(user: Any) -> bool:
    """Members of a verified organisation may start submissions (the call's window is checked by the service)."""
    org = getattr(user, "organisation", None) if is_member(user) else None
    return org is not None and org.is_verified


def can_manage_submission(user: Any, submission: Any) -> bool:
    """Editing, submitting, withdrawing, funds and attachments: the organisation's own members."""
    return is_member(user) and user.organisation_id == submission.organisation_id


def can_view_submission(user: Any, submission: Any) -> bool:
    """Its organisation's members and administrators; no one else.

    Reviewers read their assigned projects on the scoring page, which applies blind review
    (no organisation, no attachments); the applicant's pages would reveal both.
    """
    return can_manage_submission(user, submission) or is_admin(user)


def can_print_application(user: Any, submission: Any) -> bool:
    """The printable application (申报书) of a submitted project: its organisation and administrators."""
    return submission.status == "submitted" and can_view_submission(user, submission)


def can_publish_results(user: Any) -> bool:
    """Publishing provisional and final results, and answering objections, are for administrators."""
    return is_admin(user)


def can_view_ledger(user: Any, submission: Any) -> bool:
    """A project's matching ledger: its own organisation's members and administrators, not the public."""
    return is_admin(user) or (getattr(user, "is_authenticated", False) and user.organisation_id is not None
                              and user.organisation_id == submission.organisation_id)


def can_file_objection(user: Any, run: Any) -> bool:
    """During publicity, a member of a verified organisation may object to any published result."""
    return objecting_organisation(user) is not None and publicity_open(run)


def can_answer_objection(user: Any, objection: Any) -> bool:
    """An objection is answered once, by an administrator, while it is pending."""
    return can_publish_results(user) and objection.status == "pending"


def can_view_objection(user: Any, objection: Any) -> bool:
    """An objection (with its evidence and answer): administrators and the objecting organisation's members."""
    return is_admin(user) or (getattr(user, "is_authenticated", False) and user.organisation_id is not None
                              and user.organisation_id == objection.organisation_id)


def can_manage_communities(user: Any) -> bool:
    """Creating, correcting and confirming communities; naming the organisation keeping each."""
    return is_admin(user)


def can_view_dashboards(user: Any) -> bool:
    """The coverage map, the dashboards and their exports (which read unpublished results)."""
    return is_admin(user)


def can_propose_community(user: Any) -> bool:
    """Members of a verified organisation propose the communities their service centres serve."""
    return can_start_submission(user)


def can_keep_needs(user: Any, community: Any) -> bool:
    """A community's needs list is written by the organisation keeping its service centre."""
    return keeper_refusal(user, community) is None


def can_manage_execution(user: Any) -> bool:
    """Agreements, plans, accepting reports, evaluators, publishing evaluations, tranches and recoveries."""
    return is_admin(user)


def can_view_execution(user: Any, record: Any) -> bool:
    """A project's execution record (schedule, reports, files): its organisation's members and administrators."""
    return is_admin(user) or (getattr(user, "is_authenticated", False) and user.organisation_id is not None
                              and user.organisation_id == record.organisation_id)


def can_report_progress(user: Any, record: Any) -> bool:
    """Progress reports are written by the undertaking organisation's members while the project runs."""
    return is_member(user) and user.organisation_id == record.organisation_id and record.status == "active"


def can_object_to_evaluation(user: Any, evaluation: Any) -> bool:
    """During an evaluation's publicity, a member of a verified organisation may object to it."""
    return objecting_organisation(user) is not None and evaluation_publicity_open(evaluation)


def is_co_funder(user: Any) -> bool:
    return "co_funder" in _roles(user)


def can_manage_library(user: Any) -> bool:
    """Each edition's library, carrying, new editions, co-funders and pledges, brands, entry rules."""
    return is_admin(user)


def can_pledge(user: Any) -> bool:
    """Co-funders pledge to projects in the library and to brand projects."""
    return is_co_funder(user)


def can_replicate(user: Any) -> bool:
    """Members of a verified organisation adopt brand projects for their own communities."""
    return can_start_submission(user)
