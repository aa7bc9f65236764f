"""Importing a call package into the database, all or nothing (competition-rules.md section 8)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, aliased

from gongyi import collector
from gongyi.audit.service import record
from gongyi.auth.models import UNUSABLE_PASSWORD, User, UserRole
from gongyi.calls.models import Call, RulesVersion
from gongyi.catalogue.models import Item
from gongyi.clock import utcnow
from gongyi.db import analyze, bulk_insert
from gongyi.orgs.models import Organisation
from gongyi.funding.models import Hold
from gongyi.results.package import Package, parse_package, read_package
from gongyi.review.models import Review, ReviewerPanel, ReviewerProfile, Score
from gongyi.submissions.models import FundingLine, Submission, SubmissionItem


IMPORTED_TABLES = (Organisation, User, Submission, SubmissionItem, FundingLine, Review, Score, Hold)


@dataclass(frozen=True)
class ImportReport:
    slug: str
    organisations_created: int
    organisations_reused: int
    submissions: int
    funding_lines: int
    reviewers_created: int
    reviewers_reused: int
    reviews: int
    scores: int
    holds: int


def import_call_package(session: Session, actor: Any, path: str, max_unpacked: int | None = None) -> ImportReport:
    """Check the package at `path` (folder or .zip) and create everything it describes.

    Raises PackageError listing every problem; then nothing has been written. The caller
    commits on success (the CLI and the view do), so a failure midway leaves nothing either.
    """
    files = read_package(path, max_unpacked)
    with collector.paused():  # 350,000 rows become millions of objects and no cycles
        return import_package_files(session, actor, files)


def import_package_files(session: Session, actor: Any, files: dict[str, bytes]) -> ImportReport:
    # An existing user's organisation for conflict checks: the reviewer profile's affiliation,
    # else the organisation they are a member of.
    affiliation = aliased(Organisation)
    membership = aliased(Organisation)
    reviewer_rows = session.execute(
        select(User.email, func.coalesce(affiliation.credit_code, membership.credit_code))
        .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
        .outerjoin(affiliation, affiliation.id == ReviewerProfile.affiliation_id)
        .outerjoin(membership, membership.id == User.organisation_id)
    ).all()
    pkg = parse_package(
        files,
        catalogue_codes=set(session.scalars(select(Item.code))),
        slug_exists=lambda slug: session.scalar(select(Call.id).where(Call.slug == slug)) is not None,
        known_organisations=set(session.scalars(select(Organisation.credit_code))),
        known_reviewers={email: code for email, code in reviewer_rows},
    )
    return _create(session, actor, pkg)


def _create(session: Session, actor: Any, pkg: Package) -> ImportReport:
    now = utcnow()
    call = Call(slug=pkg.call["slug"], title=pkg.call["title"], description=pkg.call["description"],
                opens_at=pkg.call["opens_at"], closes_at=pkg.call["closes_at"], status="reviewing")
    call.rules_versions.append(RulesVersion(version=1, rules=pkg.rules, reason="", created_by_id=getattr(actor, "id", None)))
    session.add(call)
    session.flush()
    org_ids, new_orgs, needed = _organisations(session, pkg, now)
    users, created_reviewers = _reviewers(session, pkg, call, org_ids)
    sub_ids = _submissions(session, pkg, call, org_ids, now)
    review_count, score_count = _reviews(session, pkg, call, sub_ids, users, now)
    held = _holds(session, actor, pkg, sub_ids, now)
    session.flush()
    report = ImportReport(
        slug=call.slug,
        organisations_created=new_orgs,
        organisations_reused=needed - new_orgs,
        submissions=len(pkg.submissions),
        funding_lines=len(pkg.funds),
        reviewers_created=created_reviewers,
        reviewers_reused=len(pkg.reviewers) - created_reviewers,
        reviews=review_count,
        scores=score_count,
        holds=held,
    )
    record(session, actor, "call.import", call, **report.__dict__, held=[h.ref for h in pkg.holds] or None)
    session.flush()
    analyze(session, IMPORTED_TABLES)  # so that PostgreSQL's planner knows the tables' new sizes
    return report


def _organisations(session: Session, pkg: Package, now) -> tuple[dict[str, int], int, int]:
    """Reuse organisations by credit code, create the rest (verified: they took part in the competition)."""
    existing = dict(session.execute(select(Organisation.credit_code, Organisation.id)).all())
    needed = {s.credit_code for s in pkg.submissions} | set(pkg.organisations) | {
        r.credit_code for r in pkg.reviewers if r.credit_code and r.credit_code in pkg.organisations}
    new_orgs = [{"credit_code": code, "name": pkg.organisations[code], "org_type": "other", "status": "verified",
                 "verified_at": now, "created_at": now} for code in sorted(needed) if code not in existing]
    if new_orgs:
        session.execute(insert(Organisation), new_orgs)
    return dict(session.execute(select(Organisation.credit_code, Organisation.id)).all()), len(new_orgs), len(needed)


def _reviewers(session: Session, pkg: Package, call: Call, org_ids: dict[str, int]) -> tuple[dict[str, int], int]:
    """Reuse reviewers by e-mail (granting the reviewer role), create the rest with an unusable
    password; each sits on the panel reviewers.csv names, in this call."""
    users = {email.lower(): uid for uid, email in session.execute(select(User.id, User.email))}
    new = list({r.email: r for r in pkg.reviewers if r.email not in users}.values())
    if new:  # in bulk, as every table of the import: a city's pool has hundreds
        session.execute(insert(User), [{"email": r.email, "name": r.name, "password_hash": UNUSABLE_PASSWORD} for r in new])
        users.update((email.lower(), uid) for uid, email in session.execute(
            select(User.id, User.email).where(User.email.in_([r.email for r in new]))))
    ids = list(dict.fromkeys(users[r.email] for r in pkg.reviewers))
    with_role = set(session.scalars(select(UserRole.user_id).where(UserRole.role == "reviewer", UserRole.user_id.in_(ids))))
    if len(with_role) < len(ids):
        session.execute(insert(UserRole), [{"user_id": uid, "role": "reviewer"} for uid in ids if uid not in with_role])
    profiles = {p.user_id: p for p in session.scalars(select(ReviewerProfile).where(ReviewerProfile.user_id.in_(ids)))}
    affiliations: dict[int, int | None] = {}  # of the reviewers without a profile yet
    for reviewer in pkg.reviewers:
        uid = users[reviewer.email]
        affiliation = org_ids.get(reviewer.credit_code) if reviewer.credit_code else None
        if uid in profiles:
            if affiliation is not None:  # a code no organisation has keeps what the profile says
                profiles[uid].affiliation_id = affiliation
        elif affiliation is not None or uid not in affiliations:
            affiliations[uid] = affiliation
    if affiliations:
        session.execute(insert(ReviewerProfile), [{"user_id": uid, "affiliation_id": affiliation, "expertise": []}
                                                  for uid, affiliation in affiliations.items()])
    if pkg.reviewers:
        session.execute(insert(ReviewerPanel), [{"call_id": call.id, "user_id": users[r.email], "panel": r.panel}
                                                for r in pkg.reviewers])
    session.flush()
    return users, len(new)


SUBMISSION_COLUMNS = ("call_id", "organisation_id", "ref", "title", "community_name", "community_street", "summary",
                      "problem", "objectives", "activities", "beneficiary_group", "team", "requested_fen", "status",
                      "eligibility", "submitted_at", "created_at", "updated_at")  # every one without a database default


def _submissions(session: Session, pkg: Package, call: Call, org_ids: dict[str, int], now) -> dict[str, int]:
    bulk_insert(session, Submission, SUBMISSION_COLUMNS, (
        (call.id, org_ids[s.credit_code], s.ref, s.title, s.community, *[""] * 7, s.requested_fen,
         "submitted", "eligible", s.submitted_at, now, now) for s in pkg.submissions))
    sub_ids = dict(session.execute(select(Submission.ref, Submission.id).where(Submission.call_id == call.id)).all())
    bulk_insert(session, SubmissionItem, ("submission_id", "item_code", "need"),
                ((sub_ids[s.ref], code, "") for s in pkg.submissions for code in s.items))
    bulk_insert(session, FundingLine, ("submission_id", "source", "donor", "amount_fen", "status"),
                ((sub_ids[f.ref], f.source, f.donor, f.amount_fen, f.status) for f in pkg.funds))
    return sub_ids


def _reviews(session: Session, pkg: Package, call: Call, sub_ids: dict[str, int], users: dict[str, int],
             now) -> tuple[int, int]:
    """Every review of the package, submitted (a package's reviews are final), in its round."""
    reviews = bulk_insert(
        session, Review, ("submission_id", "reviewer_id", "round", "status", "overall_comment", "version", "assigned_at",
                          "submitted_at"),
        ((sub_ids[ref], users[email], code, "submitted", "", 1, now, now) for (ref, email, code) in pkg.scores))
    review_ids = {(sid, rid, code): id_ for id_, sid, rid, code in session.execute(
        select(Review.id, Review.submission_id, Review.reviewer_id, Review.round)
        .join(Submission, Submission.id == Review.submission_id).where(Submission.call_id == call.id))}
    scores = bulk_insert(session, Score, ("review_id", "criterion", "points_centi", "comment"), (
        (review_ids[(sub_ids[ref], users[email], code)], criterion, centi, "")
        for (ref, email, code), by_criterion in pkg.scores.items() for criterion, centi in by_criterion.items()))
    return reviews, scores


def _holds(session: Session, actor: Any, pkg: Package, sub_ids: dict[str, int], now) -> int:
    rows = [{"submission_id": sub_ids[h.ref], "reason": h.reason, "held_by_id": getattr(actor, "id", None),
             "held_at": now} for h in pkg.holds]
    if rows:
        session.execute(insert(Hold), rows)
    return len(rows)
