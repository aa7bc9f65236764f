"""Colleagues join an organisation by invitation: a member invites an address, the link mailed
there works once, and whoever signs in (or registers) with that address joins.

Accepting claims the invitation with one conditional UPDATE (`accepted_at IS NULL`), which the
database serializes, so two clicks on the same link join once on every backend.
"""
from __future__ import annotations

from typing import Any, Callable

from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.auth.models import User
from gongyi.auth.service import find_user, grant_role, normalise_email
from gongyi.clock import utcnow
from gongyi.errors import N_
from gongyi.mail.service import queue_message
from gongyi.orgs.models import Invitation, Organisation
from gongyi.orgs.service import OrganisationError

MAX_OPEN_INVITATIONS = 20


def open_invitations(session: Session, org: Organisation) -> list[Invitation]:
    return list(session.scalars(select(Invitation).where(Invitation.organisation_id == org.id,
                                                         Invitation.accepted_at.is_(None)).order_by(Invitation.id)))


def invite_member(session: Session, actor: Any, org: Organisation, email: str,
                  link: Callable[[Invitation], str]) -> Invitation:
    """Mail an invitation to join `org`; the invitee is told, whoever they are (an existing account
    sees it in its inbox too). `link(invitation)` makes the absolute URL of the signed link."""
    address = normalise_email(email)
    if any(normalise_email(m.email) == address for m in org.members):
        raise OrganisationError(N_("%(email)s 已是本组织的成员"), "email", email=address)
    waiting = session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.organisation_id == org.id, Invitation.accepted_at.is_(None)))
    if waiting >= MAX_OPEN_INVITATIONS:
        raise OrganisationError(N_("未接受的邀请已有 %(n)s 份，请等已邀请的同事加入后再邀请"), "email",
                                n=MAX_OPEN_INVITATIONS)
    invitation = Invitation(organisation_id=org.id, email=address, invited_by_id=actor.id)
    session.add(invitation)
    session.flush()
    account = find_user(session, address)
    with force_locale((account.locale if account else None) or "zh_CN"):
        body = gettext("您好：\n\n%(who)s 邀请您加入“%(org)s”，一起在公益创投大赛管理系统申报项目。"
                       "\n请打开下面的链接，用这个邮箱地址登录或注册后加入（链接 14 天内有效，只能使用一次）：\n%(url)s"
                       "\n\n如果您不认识邀请人，请忽略这封邮件。", who=actor.name, org=org.name, url=link(invitation))
        queue_message(session, actor, to=address, subject=gettext("邀请您加入%(org)s", org=org.name), body=body,
                      kind="invitation", user=account)
    record(session, actor, "organisation.invite", org, email=address)
    return invitation


def accept_invitation(session: Session, user: User, invitation_id: int, email: str) -> Organisation:
    """`user` joins the organisation of the invitation the link names, once."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.email != email or invitation.accepted_at is not None:
        raise OrganisationError(N_("邀请链接无效或已使用过"))
    if normalise_email(user.email) != invitation.email:
        raise OrganisationError(N_("这份邀请发给 %(email)s，请用这个邮箱地址登录后再打开链接"), email=invitation.email)
    if user.organisation_id is not None:
        raise OrganisationError(N_("您已属于一个社会组织"))
    if user.has_role("admin") or user.has_role("reviewer"):
        raise OrganisationError(N_("管理员和评审专家不能加入社会组织"))
    claimed = session.execute(update(Invitation).where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
                              .values(accepted_at=utcnow(), accepted_by_id=user.id))
    if claimed.rowcount != 1:  # someone used the link a moment ago
        raise OrganisationError(N_("邀请链接无效或已使用过"))
    session.refresh(invitation)
    user.organisation_id = invitation.organisation_id
    grant_role(session, user, user, "member")
    session.flush()
    org = session.get(Organisation, invitation.organisation_id)
    record(session, user, "organisation.join", org, invitation=invitation.id)
    return org
