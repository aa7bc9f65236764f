"""Builders for test data, going through the services the UI uses."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from gongyi.auth.service import create_user
from gongyi.calls.service import create_call, transition_call
from gongyi.orgs.creditcode import check_character
from gongyi.orgs.service import register_organisation, verify_organisation

_seq = itertools.count(1)
PASSWORD = "password123"


def credit_code(n: int, kind: str = "52") -> str:
    body = f"{kind}440304MJL{n:06d}"[:17]
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
