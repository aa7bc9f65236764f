"""Registering social organisations and verifying them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.auth.service import grant_role
from gongyi.clock import utcnow
from gongyi.errors import N_, UserError
from gongyi.orgs import creditcode
from gongyi.orgs.districts import DISTRICTS
from gongyi.orgs.models import Organisation
from gongyi.orgs.vocab import ORG_TYPES


class OrganisationError(UserError):
    pass


def find_by_credit_code(session: Session, code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.credit_code == code))


def _checked_code(session: Session, credit_code: str, org_type: str, district_code: str,
                  org: Organisation | None = None) -> str:
    code = creditcode.validate(credit_code)
    holder = find_by_credit_code(session, code)
    if holder is not None and holder is not org:
        raise OrganisationError(N_("该统一社会信用代码已登记"), "credit_code")
    if org_type not in ORG_TYPES:
        raise OrganisationError(N_("请选择组织类型"), "org_type")
    if district_code not in DISTRICTS:
        raise OrganisationError(N_("请选择所在区"), "district_code")
    return code


def register_organisation(session: Session, actor: Any, *, name: str, credit_code: str, org_type: str,
                          district_code: str, contact_person: str, phone: str, address: str) -> Organisation:
    """Create a pending organisation and make `actor` its member."""
    if actor.organisation_id is not None:
        raise OrganisationError(N_("您已属于一个社会组织"), "name")
    if actor.has_role("admin") or actor.has_role("reviewer"):
        raise OrganisationError(N_("管理员和评审专家不能登记社会组织"), "name")
    if actor.has_role("evaluator") or actor.has_role("co_funder"):
        raise OrganisationError(N_("评估机构和共同资助方的账号不能登记社会组织"), "name")
    code = _checked_code(session, credit_code, org_type, district_code)
    org = Organisation(
        name=name.strip(), credit_code=code, org_type=org_type, district_code=district_code,
        contact_person=contact_person.strip(), phone=phone.strip(), address=address.strip(),
    )
    session.add(org)
    session.flush()
    actor.organisation_id = org.id
    grant_role(session, actor, actor, "member")
    record(session, actor, "organisation.register", org, credit_code=code)
    return org


EDITABLE = ("name", "credit_code", "org_type", "district_code", "contact_person", "phone", "address")
IDENTITY = ("name", "credit_code")  # what the administrator verified against the certificate


def update_organisation(session: Session, actor: Any, org: Organisation, **fields: str) -> bool:
    """A member corrects the organisation's details. A new name or credit code sends a verified
    organisation back to verification (the certificate must be checked again), and any change
    to a rejected one resubmits it. Returns whether it now waits for verification again."""
    fields = {k: (fields.get(k) or "").strip() for k in EDITABLE}
    fields["credit_code"] = _checked_code(session, fields["credit_code"], fields["org_type"], fields["district_code"],
                                          org)
    changes = {k: [getattr(org, k), v] for k, v in fields.items() if getattr(org, k) != v}
    if not changes:
        raise OrganisationError(N_("没有需要保存的修改"), "name")
    reverify = org.status == "rejected" or (org.status == "verified" and any(k in changes for k in IDENTITY))
    for key, (_old, new) in changes.items():
        setattr(org, key, new)
    if reverify:
        org.status, org.verified_at = "pending", None
    session.flush()
    record(session, actor, "organisation.update", org, edits=changes, reverify=reverify)
    return reverify


def verify_organisation(session: Session, actor: Any, org: Organisation) -> None:
    if org.status == "verified":
        raise OrganisationError(N_("该组织已认证"))
    org.status = "verified"
    org.status_reason = None
    org.verified_at = utcnow()
    record(session, actor, "organisation.verify", org)


def reject_organisation(session: Session, actor: Any, org: Organisation, reason: str) -> None:
    if not reason.strip():
        raise OrganisationError(N_("驳回须填写理由"), "reason")
    org.status = "rejected"
    org.status_reason = reason.strip()
    record(session, actor, "organisation.reject", org, reason=reason.strip())
