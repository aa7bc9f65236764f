"""The authorization matrix (tests/web/authz_matrix.py) against the app's URL map: every endpoint
x every kind of user, on the demo edition, on SQLite and PostgreSQL.

GET requests are sent for every kind of user. POST requests (with an empty form) are sent for the
kinds of user the matrix refuses: they must be refused before anything happens; and, in a world of
their own, for the kinds it allows: never refused (the form's own checks answer). What they do with
real values is exercised by each page's own tests and by the hostile-input fuzz.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gongyi.auth.models import User
from gongyi.calls.models import Call
from gongyi.library.models import Brand, LibraryEntry, Pledge
from gongyi.communities.models import Community
from gongyi.orgs.models import OrganisationDocument
from gongyi.review.models import Conflict, Review
from gongyi.submissions.models import Attachment, FundingLine, Submission
from tests.factories import make_reviewer
from tests.web.authz_matrix import KINDS, MATRIX, POSTS, SKIPPED, VALUES_FOR

DEMO_PASSWORD = "gongyi-demo"


@pytest.fixture
def world(app, runner, db):
    """The demo edition, and for each kind of user a signed-in test client and the URL values."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "demo-2026"))
    org1 = db.scalar(select(User).where(User.email == "org1@demo.gongyi.cn"))
    submission = db.scalar(select(Submission).where(Submission.call_id == call.id,
                                                    Submission.organisation_id == org1.organisation_id,
                                                    Submission.status == "submitted").order_by(Submission.id))
    review = db.scalar(select(Review).where(Review.submission_id == submission.id).order_by(Review.id))
    assigned = db.get(User, review.reviewer_id)
    conflicted = db.scalar(select(User).where(User.email == "reviewer3@demo.gongyi.cn"))
    unassigned = make_reviewer(db, None, email="unassigned@example.org")
    submission.attachments.append(Attachment(filename="a.pdf", content_type="application/pdf", size=8, data=b"%PDF-1.4"))
    certificate = OrganisationDocument(organisation_id=org1.organisation_id, kind="registration_certificate",
                                       filename="c.pdf", content_type="application/pdf", size=8, data=b"%PDF-1.4")
    db.add(certificate)
    db.commit()
    conflict = db.scalar(select(Conflict).order_by(Conflict.id))
    values = {
        "slug": call.slug, "submission_id": submission.id, "review_id": review.id, "org_id": org1.organisation_id,
        "attachment_id": submission.attachments[0].id, "community_id": db.scalar(select(Community.id).order_by(Community.id)),
        "line_id": db.scalar(select(FundingLine.id).where(FundingLine.submission_id == submission.id)) or 1,
        "user_id": assigned.id, "conflict_id": conflict.id if conflict else 1, "objection_id": 999_999,
        "ref": submission.ref, "token": "not-a-token", "kind": "eligibility", "fmt": "csv",
        # ids of objects the world may not hold: their pages must refuse or 404, never a 500
        "record_id": 1, "report_id": 1, "file_id": 1, "notice_id": 1,
        "evaluation_id": 1, "milestone_id": 1, "photo_id": 1, "tranche_id": 1,
        "code": "review", "step": "publish", "action": "publish",
        "message_id": 999_999, "document_id": certificate.id,
        "brand_id": db.scalar(select(Brand.id).order_by(Brand.id)), "pledge_id": db.scalar(select(Pledge.id)),
        "bar_id": 999_999, "decision": "confirm", "entry_id": db.scalar(select(LibraryEntry.id).order_by(LibraryEntry.id)),
    }
    emails = {"owner": "org1@demo.gongyi.cn", "other_org": "org2@demo.gongyi.cn", "assigned": assigned.email,
              "unassigned": unassigned.email, "conflicted": conflicted.email, "admin": "admin@demo.gongyi.cn",
              "evaluator": "evaluator@demo.gongyi.cn", "cofunder": "cofunder@demo.gongyi.cn"}
    clients = {"anonymous": app.test_client()}
    for kind, email in emails.items():
        client = app.test_client()
        password = "password123" if email.endswith("@example.org") else DEMO_PASSWORD
        r = client.post("/auth/login", data={"email": email, "password": password})
        assert r.status_code == 302 and "/auth/login" not in r.headers["Location"], email
        clients[kind] = client
    return clients, values


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code in (401, 403, 404):
        return "deny"
    if response.status_code in (301, 302, 303) and "/auth/login" in response.headers.get("Location", ""):
        return "login"
    return "ok"


def _url(app, rule, values) -> str:
    missing = [a for a in rule.arguments if a not in values]
    if missing:
        pytest.fail(f"{rule.endpoint}: no value for {missing} in the `world` fixture of {__file__}: add one")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}, _external=False)


def test_every_endpoint_is_in_the_matrix(app):
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(MATRIX) - set(SKIPPED))
    assert not missing, ("endpoints without an entry in tests/web/authz_matrix.py MATRIX: " + ", ".join(missing)
                         + "\nadd each as e.g. MATRIX['blueprint.view'] = ADMIN (or OWNER, PUBLIC, access(...)); "
                           "see the module's docstring")
    stale = sorted(set(MATRIX) - {r.endpoint for r in app.url_map.iter_rules()})
    assert not stale, f"entries for endpoints that no longer exist: {stale}"


def test_each_kind_of_user_gets_what_the_matrix_says(app, world):
    clients, values = world
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint in SKIPPED:
            continue
        url, expected = _url(app, rule, {**values, **VALUES_FOR.get(rule.endpoint, {})}), MATRIX[rule.endpoint]
        posts = POSTS.get(rule.endpoint, expected)
        for kind in KINDS:
            cases = [("GET", getattr(expected, kind))] if "GET" in rule.methods else []
            if "POST" in rule.methods and getattr(posts, kind) != "ok":  # the allowed: the test below
                cases.append(("POST", getattr(posts, kind)))
            for method, want in cases:
                got = outcome(clients[kind].get(url) if method == "GET" else clients[kind].post(url, data={}))
                if got != want and not (want == "deny" and got == "login" and kind == "anonymous"):
                    wrong.append(f"{method} {rule.endpoint} {url} as {kind}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


# Endpoints the permitted kinds of user do not post to here, and why.
NOT_POSTED_AS_PERMITTED = {"auth.logout": "ends the client's session, which later cases use"}
# Where an allowed user's empty form (or the world's id) names no object: 404 is the answer, not a refusal.
EMPTY_FORM_NAMES_NOTHING = {
    "execution_record.evaluation_step": "evaluation 1 is no evaluation of record 1",
    "library_admin.move_up": "no submission named", "library_brands.lift_bar": "bar 999999 does not exist",
    "review_admin.withdraw_conflict": "the demo declares no conflict",
}


def test_permitted_users_posting_are_not_refused(app, world):
    """Every POST endpoint, posted (an empty form) as each kind of user the matrix allows: never
    refused (403, or 404 unless the empty form names nothing) nor sent to sign in; the form's own
    checks answer instead. A world of its own, so the first test's world is untouched."""
    clients, values = world
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint in SKIPPED or rule.endpoint in NOT_POSTED_AS_PERMITTED or "POST" not in rule.methods:
            continue
        url, expected = _url(app, rule, {**values, **VALUES_FOR.get(rule.endpoint, {})}), MATRIX[rule.endpoint]
        for kind in KINDS:
            if getattr(POSTS.get(rule.endpoint, expected), kind) == "ok":
                response = clients[kind].post(url, data={})
                got = outcome(response)
                if response.status_code == 404 and rule.endpoint in EMPTY_FORM_NAMES_NOTHING:
                    continue
                if got != "ok":
                    wrong.append(f"POST {rule.endpoint} {url} as {kind}: expected ok, got {got} {response.status_code}")
    assert not wrong, "\n".join(wrong)
