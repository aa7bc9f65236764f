"""Communities as records: administrators create them, organisations propose them, an
administrator confirms a proposal or does not take it up (when it duplicates a community on the
list, its projects and needs move to that one).

Every function takes (session, actor, ...), checks who may act, flushes and audits; views commit.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.clock import utcnow
from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.errors import N_, UserError, UserErrors
from gongyi.orgs.districts import DISTRICTS
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import Submission

NAME_LIMIT = 100


class CommunityError(UserError):
    pass


def clean_name(value: Any) -> str:
    """A typed name or note as stored: surrounding space dropped, runs of spaces made one."""
    return " ".join(str(value or "").split())


def _read(district_code: str, street: str, name: str) -> tuple[str, str, str]:
    """The three parts of a community's address, each problem beside its field."""
    district, street, name = (district_code or "").strip(), clean_name(street), clean_name(name)
    problems = []
    if district not in DISTRICTS:
        problems.append(CommunityError(N_("请从列表中选择所在区"), "district_code"))
    for field, value, missing in (("street", street, N_("请填写所属街道")), ("name", name, N_("请填写社区名称"))):
        if not value:
            problems.append(CommunityError(missing, field))
        elif len(value) > NAME_LIMIT:
            problems.append(CommunityError(N_("最多 %(n)s 个字符（现有 %(m)s 个）"), field, n=NAME_LIMIT, m=len(value)))
    if problems:
        raise UserErrors(problems)
    return district, street, name


def _check_unique(session: Session, district: str, street: str, name: str, except_id: int | None = None) -> None:
    found = session.scalar(select(Community).where(
        Community.district_code == district, Community.street == street, Community.name == name))
    if found is not None and found.id != except_id:
        message = N_("该社区已在名录中") if found.status != "proposed" else N_("该社区已有组织提议，等待管理员确认")
        raise CommunityError(message, "name")


def _require_admin(actor: Any) -> None:
    if not actor.has_role("admin"):
        raise CommunityError(N_("只有管理员可以管理社区名录"))


def _keeper(session: Session, keeper_id: int | None) -> int | None:
    """A keeper must be a verified organisation."""
    if not keeper_id:
        return None
    org = session.get(Organisation, keeper_id)
    if org is None or not org.is_verified:
        raise CommunityError(N_("请选择已认证的社会组织"), "keeper_id")
    return org.id


def create_community(session: Session, actor: Any, *, district_code: str, street: str, name: str,
                     keeper_id: int | None = None) -> Community:
    """An administrator adds a community to the list (confirmed at once)."""
    _require_admin(actor)
    district, street, name = _read(district_code, street, name)
    _check_unique(session, district, street, name)
    community = Community(district_code=district, street=street, name=name, status="confirmed",
                          keeper_id=_keeper(session, keeper_id), confirmed_at=utcnow())
    session.add(community)
    session.flush()
    record(session, actor, "community.create", community, district=district, street=street, name=name,
           keeper_id=community.keeper_id)
    return community


def propose_community(session: Session, actor: Any, *, district_code: str, street: str, name: str) -> Community:
    """A member of a verified organisation proposes a community its service centre serves; the
    organisation keeps its needs list, and may pick it on the project form while it waits."""
    org = session.get(Organisation, actor.organisation_id) if getattr(actor, "organisation_id", None) else None
    if org is None or not org.is_verified or not actor.has_role("member"):
        raise CommunityError(N_("只有已认证社会组织的成员可以提议社区"))
    district, street, name = _read(district_code, street, name)
    _check_unique(session, district, street, name)
    community = Community(district_code=district, street=street, name=name, status="proposed",
                          keeper_id=org.id, proposed_by_id=org.id)
    session.add(community)
    session.flush()
    record(session, actor, "community.propose", community, district=district, street=street, name=name,
           organisation_id=org.id)
    return community


def _copy_to_submissions(session: Session, community: Community) -> None:
    """The linked submissions' community fields follow the record."""
    linked = select(SubmissionCommunity.submission_id).where(SubmissionCommunity.community_id == community.id)
    session.execute(update(Submission).where(Submission.id.in_(linked)).values(
        community_district=community.district_code, community_street=community.street,
        community_name=community.name).execution_options(synchronize_session=False))


def update_community(session: Session, actor: Any, community: Community, *, district_code: str, street: str,
                     name: str, keeper_id: int | None) -> list[str]:
    """An administrator corrects a community's address or names its keeper; the projects linked to
    it follow the corrected address. Returns the names of what changed."""
    _require_admin(actor)
    district, street, name = _read(district_code, street, name)
    _check_unique(session, district, street, name, except_id=community.id)
    new = {"district_code": district, "street": street, "name": name, "keeper_id": _keeper(session, keeper_id)}
    changed = [key for key, value in new.items() if getattr(community, key) != value]
    for key in changed:
        setattr(community, key, new[key])
    session.flush()
    if set(changed) & {"district_code", "street", "name"}:
        _copy_to_submissions(session, community)
    if changed:
        record(session, actor, "community.update", community, changed=changed, **{k: new[k] for k in changed})
    return changed


def confirm_community(session: Session, actor: Any, community: Community) -> None:
    _require_admin(actor)
    if community.status != "proposed":
        raise CommunityError(N_("只有待确认的社区可以确认"))
    community.status, community.status_reason, community.confirmed_at = "confirmed", None, utcnow()
    session.flush()
    record(session, actor, "community.confirm", community)


def _merge_into(session: Session, duplicate: Community, target: Community) -> int:
    """Move the duplicate's project links and the needs the target has not listed; returns projects moved."""
    links = session.scalars(select(SubmissionCommunity).where(SubmissionCommunity.community_id == duplicate.id)).all()
    for link in links:
        link.community_id = target.id
    listed = set(session.execute(select(CommunityNeed.year, CommunityNeed.item_code)
                                 .where(CommunityNeed.community_id == target.id)).all())
    for need in session.scalars(select(CommunityNeed).where(CommunityNeed.community_id == duplicate.id)).all():
        if (need.year, need.item_code) in listed:
            session.delete(need)
        else:
            need.community_id = target.id
    session.flush()
    _copy_to_submissions(session, target)
    return len(links)


def reject_community(session: Session, actor: Any, community: Community, reason: str,
                     duplicate_of_id: int | None = None) -> None:
    """Do not take up a proposal, with the reason. When it duplicates a confirmed community, its
    projects and needs move there; otherwise its projects keep their typed community only."""
    _require_admin(actor)
    if community.status != "proposed":
        raise CommunityError(N_("只有待确认的社区可以不予采纳"))
    reason = (reason or "").strip()
    if not reason:
        raise CommunityError(N_("请填写理由"), "reason")
    target = session.get(Community, duplicate_of_id) if duplicate_of_id else None
    if duplicate_of_id and (target is None or not target.is_confirmed or target.id == community.id):
        raise CommunityError(N_("请选择名录中已确认的社区"), "duplicate_of_id")
    if target is not None:
        moved = _merge_into(session, community, target)
    else:
        moved = 0
        for link in session.scalars(select(SubmissionCommunity).where(SubmissionCommunity.community_id == community.id)):
            session.delete(link)
    community.status, community.status_reason = "rejected", reason
    session.flush()
    record(session, actor, "community.reject", community, reason=reason,
           duplicate_of=target.id if target is not None else None, projects_moved=moved)
