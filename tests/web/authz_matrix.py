"""The authorization matrix: for every endpoint of the app, what each kind of user gets.

Each entry is an Access: one expectation per kind of user, in the order of KINDS:
  "ok"     allowed: any answer below 500 that is no refusal (a page, a redirect, a form error)
  "login"  sent to the sign-in page
  "deny"   refused: 403, or 404 where the object is not to be known to exist
A new endpoint without an entry fails tests/web/test_authorization.py, which says what to add
here. A new kind of user is a new name in KINDS and in Access, a login in the test's
world, and one more letter in each entry: the named helpers below take a keyword for it.
"""
from __future__ import annotations

from typing import NamedTuple

KINDS = ("anonymous", "owner", "other_org", "assigned", "unassigned", "conflicted", "admin", "evaluator", "cofunder")


class Access(NamedTuple):
    anonymous: str
    owner: str  # a member of the organisation owning the submission the URL names
    other_org: str  # a member of another organisation
    assigned: str  # a reviewer assigned to that submission
    unassigned: str  # a reviewer not assigned to it
    conflicted: str  # a reviewer with a conflict of interest with it (works for its organisation)
    admin: str
    evaluator: str  # an evaluator of execution records (the demo's evaluation centre)
    cofunder: str  # a co-funder (the demo's charity foundation)


def access(default: str = "deny", **kinds: str) -> Access:
    return Access(**{k: kinds.get(k, default) for k in KINDS})


PUBLIC = access("ok")
SIGNED_IN = access("ok", anonymous="login")
ADMIN = access("deny", anonymous="login", admin="ok")
OWNER = access("deny", anonymous="login", owner="ok")
OWNER_OR_ADMIN = access("deny", anonymous="login", owner="ok", admin="ok")
MEMBER = access("deny", anonymous="login", owner="ok", other_org="ok")  # any member of a verified organisation
REVIEWER = access("deny", anonymous="login", assigned="ok", unassigned="ok", conflicted="ok")
ASSIGNED = access("deny", anonymous="login", assigned="ok")
NOBODY = access("deny", anonymous="login")  # the URL names nothing (e.g. an objection the world lacks)

MATRIX: dict[str, Access] = {
    # public pages and the JSON API
    "main.index": PUBLIC, "main.set_language": PUBLIC, "catalogue.index": PUBLIC, "calls.index": PUBLIC,
    "calls.detail": PUBLIC, "communities.index": PUBLIC, "communities.page": PUBLIC, "api.openapi": PUBLIC,
    "api.call_results": access("deny"),  # results not published yet: no one reads them
    "public_results.results": access("deny"), "public_results.project": access("deny"),
    "auth.login": PUBLIC, "auth.register": PUBLIC, "auth.forgot": PUBLIC, "auth.reset": PUBLIC,
    "auth.confirm": access("login"),  # a bad link: back to the sign-in page with a message
    "auth.logout": access("ok"), "auth.change_password": SIGNED_IN,
    # organisations and their members
    # administrators and reviewers never join an applicant; members have theirs (a redirect to it)
    # nor do evaluators and co-funders (their accounts are their unit's, not an applicant's)
    "orgs.register": access("deny", anonymous="login", owner="ok", other_org="ok"),
    "orgs.mine": SIGNED_IN,
    "orgs.admin_list": ADMIN, "orgs.admin_detail": ADMIN,
    "communities.mine": SIGNED_IN, "communities.propose": MEMBER,
    # the organisation keeping the community's needs list (the demo's first organisation keeps the first one)
    "communities.needs_list": OWNER,
    "communities_admin.index": ADMIN, "communities_admin.detail": ADMIN, "communities_admin.new": ADMIN,
    # submissions: the owning organisation, and administrators for reading
    # starting: reviewers and administrators are sent back to the call with the reason (a redirect)
    "submissions.mine": SIGNED_IN, "submissions.start": SIGNED_IN,
    "submissions.detail": OWNER_OR_ADMIN, "submissions.edit": OWNER, "submissions.autosave": OWNER,
    "submissions.withdraw": OWNER, "submissions.add_file": OWNER, "submissions.remove_file": OWNER,
    "submissions.add_funds": OWNER, "submissions.remove_funds": OWNER, "submissions.attachment": OWNER_OR_ADMIN,
    # objections
    "public_results.my_objections": SIGNED_IN, "public_results.object_to": access("deny", anonymous="login"),
    "public_results.evidence": NOBODY, "publication_admin.objection": NOBODY,
    # reviewing
    "review.queue": REVIEWER, "review.score": ASSIGNED,
    "review.attachment": access("deny", anonymous="login", assigned="ok", admin="ok"),
    "review.declare_own_conflict": ASSIGNED,
}
for _endpoint in (
    "audit.index", "audit.export", "calls.admin_list", "calls.admin_detail", "calls.new", "calls.edit", "calls.add_late",
    "calls.remove_late", "calls.transition", "dashboards.call_page", "dashboards.call_xlsx", "dashboards.coverage",
    "dashboards.coverage_xlsx", "dashboards.editions_page", "dashboards.editions_xlsx", "mail.outbox",
    "publication_admin.publication_page", "publication_admin.publish", "publication_admin.recompute",
    "results_admin.compare", "results_admin.compute", "results_admin.export", "results_admin.import_package",
    "results_admin.pools", "results_admin.ranking", "results_admin.what_if", "results_admin.withdraw",
    "review_admin.add", "review_admin.admin_conflict", "review_admin.assign", "review_admin.board",
    "review_admin.calibration", "review_admin.calibration_export", "review_admin.calls", "review_admin.deadline",
    "review_admin.edit_reviewer",
    "review_admin.export", "review_admin.extra", "review_admin.new_reviewer", "review_admin.remind", "review_admin.remove",
    "review_admin.review_detail", "review_admin.reviewers", "review_admin.submission", "review_admin.swap",
    "review_admin.withdraw_conflict", "screening.attachment", "screening.bulk_confirm", "screening.bulk_preview",
    "screening.decide_eligibility", "screening.decide_funding", "screening.detail", "screening.export", "screening.funds",
    "screening.index",
):
    MATRIX[_endpoint] = ADMIN
# the public face: notices and the application guide; administrators write them
MATRIX.update({"notices.index": PUBLIC, "notices.detail": PUBLIC, "notices.guide": PUBLIC,
               "notices.admin_list": ADMIN, "notices.new": ADMIN, "notices.edit": ADMIN, "notices.change": ADMIN,
               "notices.edit_guide": ADMIN, "results_admin.confirm_compute": ADMIN})

MATRIX.update({
    # accounts, the workspace, messages, notices
    "auth.confirm_new_email": PUBLIC, "auth.profile": SIGNED_IN, "workspace.home": SIGNED_IN,
    "mail.inbox": SIGNED_IN, "mail.read_all": SIGNED_IN,
    "mail.message": access("deny", anonymous="login"),  # message 1 is someone else's for every kind here
    "notices.index": PUBLIC, "notices.detail": PUBLIC, "notices.guide": PUBLIC,
    # organisations: their members edit them, invite colleagues and keep documents
    "orgs.edit": MEMBER, "orgs.invite": MEMBER, "orgs.add_document": MEMBER, "orgs.invitation": PUBLIC,
    # the world's registration certificate of the owning organisation; any member removes their own papers
    # the world's document is the owner's: another member's removal names nothing of theirs (404)
    "orgs.document": OWNER_OR_ADMIN, "orgs.remove_document": OWNER,
    "printing.application": OWNER_OR_ADMIN,
    # co-funders pledge to library projects; evaluators evaluate the execution records assigned to them
    "cofunders.mine": access("deny", anonymous="login", cofunder="ok"),
    "cofunders.pledge": access("deny", anonymous="login"),  # the world's submission is not in the library
    "evaluation.queue": access("deny", anonymous="login", evaluator="ok"),
    "evaluation.evaluate": access("deny", anonymous="login"),  # record 1 is not assigned to the evaluator
    "evaluation.conflict": access("deny", anonymous="login"),
    # execution records: the funded organisation, administrators
    "execution.mine": MEMBER, "execution.new_report": OWNER, "execution.edit_report": OWNER_OR_ADMIN,
    "execution.add_file": OWNER, "execution.autosave": OWNER, "execution.record_page": OWNER_OR_ADMIN,
    "execution.report_file": OWNER_OR_ADMIN, "execution.agreement_file": OWNER_OR_ADMIN,
    "execution_admin.objection": NOBODY,  # the world holds no objection to an evaluation
    # results not published in the demo's reviewed edition: nobody reads its disclosure or public export
    "disclosure.call_page": access("deny"), "disclosure.project": access("deny"), "disclosure.objection": access("deny"),
    "public_results.export": access("deny"),
    # the library of projects and its brands
    "library.index": PUBLIC, "library.brand_index": PUBLIC, "library.brand_page": PUBLIC,
    "library.brand_photo": access("deny"),  # photo 1 does not exist
    "library_brands.replicate": MEMBER,
})
for _endpoint in (
    "cofunders.admin_cofunders", "cofunders.admin_pledges", "cofunders.decide_pledge", "execution_admin.call_page",
    "execution_admin.evaluators_page", "execution_admin.export", "execution_admin.settings", "execution_record.accept",
    "execution_record.add_milestone", "execution_record.agreement", "execution_record.assign", "execution_record.conflict",
    "execution_record.evaluation_step", "execution_record.record_page", "execution_record.recovery",
    "execution_record.release", "execution_record.remove_milestone", "execution_record.return_report",
    "execution_record.schedule", "library_admin.call_library", "library_admin.carry", "library_admin.move_up",
    "library_admin.new_edition", "library_admin.settings", "library_brands.add_bar", "library_brands.designate",
    "library_brands.funding_index", "library_brands.lift_bar", "notices.admin_list", "notices.change", "notices.edit",
    "notices.edit_guide", "notices.new", "results_admin.confirm_compute", "results_admin.holds_page",
    "review_admin.calibration_export", "review_rounds.close", "review_rounds.open_next", "review_rounds.panels",
    "review_rounds.round_page",
):
    MATRIX[_endpoint] = ADMIN

# the project library, brands and co-funders (the co-funder's own pages refuse everyone else)
MATRIX.update({
    "library.index": PUBLIC, "library.brand_index": PUBLIC, "library.brand_page": PUBLIC,
    "library.brand_photo": access("deny"),  # the world's attachment is no photo of the brand's profile
    "library_brands.replicate": MEMBER,
    "cofunders.pledge": NOBODY,  # cofunders.mine: the co-funder itself, above
    "library.entry": PUBLIC,  # the demo's first library entry; administrators also see its actions and history
    "library_admin.fund": ADMIN,
})
for _endpoint in (
    "library_admin.call_library", "library_admin.carry", "library_admin.move_up", "library_admin.new_edition",
    "library_admin.settings", "library_brands.add_bar", "library_brands.designate", "library_brands.funding_index",
    "library_brands.lift_bar", "cofunders.admin_cofunders", "cofunders.admin_pledges", "cofunders.decide_pledge",
):
    MATRIX[_endpoint] = ADMIN

SKIPPED = {"static": "files of static/, the same for everyone"}

# Where posting is allowed to fewer kinds than reading (MATRIX says who reads, for GET and POST alike otherwise)
POSTS: dict[str, Access] = {
    "execution.edit_report": OWNER,  # administrators read a progress report; only its organisation writes it
}

# URL values an endpoint needs other than the world's defaults (test_authorization.world)
VALUES_FOR = {"results_admin.export": {"kind": "ranking"},
              **{e: {"notice_id": 1, "action": "publish"} for e in ("notices.detail", "notices.edit", "notices.change")}}
