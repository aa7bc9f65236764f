"""Builders for test data, going through the services the UI uses."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from gongyi.auth.service import create_user
from gongyi.calls.service import create_call, transition_call
from gongyi.orgs.creditcode import check_character
from gongyi.orgs.service import register_organisation, verify_organisation
from gongyi.review.service import create_reviewer

_seq = itertools.count(1)
PASSWORD = "password123"


def credit_code(n: int, kind: str = "52") -> str:
    # "MJT": never the demo's or the sample packages' codes (MJL...), whatever the sequence has reached
    body = f"{kind}440304MJT{n:06d}"[:17]
    return body + check_character(body)


def make_admin(session, email: str | None = None):
    return create_user(session, None, email=email or f"admin{next(_seq)}@example.org", name="管理员",
                       password=PASSWORD, roles=("admin",))


def make_org(session, admin=None, *, email: str | None = None, name: str | None = None, verified: bool = True):
    """A member user and their organisation (verified by `admin` unless verified=False)."""
    n = next(_seq)
    member = create_user(session, None, email=email or f"member{n}@example.org", name=f"成员{n}",
                         password=PASSWORD, roles=("member",))
    org = register_organisation(session, member, name=name or f"测试社工服务中心{n}", credit_code=credit_code(n),
                                org_type="social_service", district_code="440304", contact_person="联系人",
                                phone="0755-12345678", address="福田区")
    if verified:
        verify_organisation(session, admin or make_admin(session), org)
    return member, org


def make_call(session, admin, *, slug: str | None = None, status: str = "open", rules: dict | None = None,
              opens_at: datetime | None = None, closes_at: datetime | None = None, **fields):
    """A call moved to `status` along the lifecycle table (default: open, closing in 7 days)."""
    now = datetime.now(timezone.utc)
    call = create_call(session, admin, slug=slug or f"call-{next(_seq)}", title="测试征集",
                       opens_at=opens_at or now - timedelta(days=1), closes_at=closes_at or now + timedelta(days=7),
                       rules=rules, **fields)
    path = {"draft": [], "open": ["open"], "closed": ["open", "close"], "reviewing": ["open", "close", "start_review"]}
    for name in path[status]:
        transition_call(session, admin, call, name)
    return call


def make_submission(session, call, org, *, status: str = "submitted", ref: str | None = None, title: str | None = None,
                    items=("01.01",), funds=(), requested_fen: int = 10_000_000, district: str | None = "440304",
                    eligibility: str = "pending", **fields):
    """A submission written directly with the models, for screening tests.

    `items`: catalogue codes, or (code, need) pairs; `funds`: (source, donor, amount_fen, status) tuples.
    """
    from gongyi.submissions.models import BudgetLine, FundingLine, Submission, SubmissionItem

    n = next(_seq)
    submission = Submission(
        call_id=call.id, organisation_id=org.id, ref=ref or f"S{n:05d}", title=title or f"测试项目{n}",
        community_name=f"测试社区{n}", community_district=district, requested_fen=requested_fen, status=status,
        eligibility=eligibility, submitted_at=None if status == "draft" else datetime.now(timezone.utc), **fields,
    )
    for entry in items:
        code, need = (entry, f"社区需求{n}") if isinstance(entry, str) else entry
        submission.items.append(SubmissionItem(item_code=code, need=need))
    submission.budget_lines.append(BudgetLine(position=0, what="项目经费", amount_fen=requested_fen))
    for source, donor, amount_fen, fund_status in funds:
        submission.funding_lines.append(FundingLine(
            source=source, donor=donor, amount_fen=amount_fen, status=fund_status,
            status_reason="凭证不符" if fund_status == "rejected" else None,
        ))
    session.add(submission)
    session.flush()
    return submission


def make_reviewer(session, admin, *, name: str | None = None, email: str | None = None, affiliation=None,
                  expertise=(), max_reviews: int = 30):
    """A reviewer account (password PASSWORD) with its profile, through the service the admin page uses."""
    n = next(_seq)
    return create_reviewer(session, admin, email=email or f"reviewer{n}@example.org", name=name or f"评审专家{n}",
                           password=PASSWORD, affiliation_id=affiliation.id if affiliation is not None else None,
                           expertise=expertise, max_reviews=max_reviews)


def make_published_result(session, submission, *, outcome: str = "matched", matching_fen: int = 0,
                          published: str | None = "final", rank: int | None = 1):
    """A results run of the submission's call holding one row for it (published unless published=None)."""
    from sqlalchemy import func, select

    from gongyi.results.models import Run, RunRow

    call = submission.call
    number = (session.scalar(select(func.max(Run.number)).where(Run.call_id == call.id)) or 0) + 1
    run = Run(call_id=call.id, number=number, rules_version_id=call.rules_version.id, rules=call.rules,
              input_digest="0" * 64, matching_pool_fen=0, matching_allocated_fen=0, library_pool_fen=0,
              library_allocated_fen=0, published=published,
              published_at=datetime.now(timezone.utc) if published else None)
    run.rows.append(RunRow(submission_id=submission.id, position=1, ref=submission.ref, totals=["80"],
                           requested_fen=submission.requested_fen, submitted_at=submission.submitted_at,
                           complete_reviews=3, aggregate="80", aggregate_display="80.00", rank=rank, outcome=outcome,
                           verified_raised_fen=0, matching_fen=matching_fen, library_grant_fen=0))
    session.add(run)
    session.flush()
    return run
