"""Accounts: creating users, granting roles, checking credentials."""
from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any, Callable, Iterable

from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from gongyi.audit.service import record
from gongyi.auth.models import User, UserRole
from gongyi.auth.vocab import ROLES
from gongyi.auth.passwords import password_refusal
from gongyi.auth.tokens import CHANGE_EMAIL, CONFIRM_EMAIL, RESET_PASSWORD
from gongyi.clock import utcnow
from gongyi.errors import N_, UserError
from gongyi.mail.service import queue_message


class AccountError(UserError):
    pass


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to check against for unknown accounts, so a failed sign-in always costs one check."""
    return generate_password_hash(secrets.token_hex(16))


def _same_work_as_a_password_check(password: str) -> None:
    check_password_hash(_dummy_hash(), password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    session: Session, actor: Any, *, email: str, name: str, password: str, roles: Iterable[str] = ("member",),
    confirmed: bool = True,
) -> User:
    """An account made by an administrator, the command line, an import or the demo (the address is
    vouched for, so confirmed); people registering themselves go through `register`."""
    email = normalise_email(email)
    if find_user(session, email) is not None:
        raise AccountError(N_("该邮箱已注册"), "email")
    if len(password) < 8:
        raise AccountError(N_("密码至少 8 位"), "password")
    user = User(email=email, name=name.strip(), email_confirmed_at=utcnow() if confirmed else None)
    user.set_password(password)
    for role in roles:
        if role not in ROLES:
            raise AccountError(N_("未知角色：%(role)s"), "roles", role=role)
        user.role_rows.append(UserRole(role=role))
    session.add(user)
    session.flush()
    record(session, actor or user, "user.create", user, roles=sorted(set(roles)))
    return user


def grant_role(session: Session, actor: Any, user: User, role: str) -> None:
    if role not in ROLES:
        raise AccountError(N_("未知角色：%(role)s"), "roles", role=role)
    if role not in user.roles:
        user.role_rows.append(UserRole(role=role))
        session.flush()
        record(session, actor, "user.grant_role", user, role=role)


def check_new_password(password: str, email: str) -> None:
    refusal = password_refusal(password, email)
    if refusal is not None:
        raise AccountError(refusal.message, refusal.field, **refusal.params)


def register(session: Session, *, email: str, name: str, password: str, link: Callable[[str, User], str]) -> None:
    """Someone registers: a new account waits for its address to be confirmed by the link mailed
    to it. For an address that has an account already, its owner is told by mail instead, and the
    caller sees exactly the same outcome, so registering reveals nothing about who has an account.
    `link(purpose, user)` makes the absolute URL of a signed link."""
    check_new_password(password, email)
    existing = find_user(session, email)
    if existing is not None:
        _same_work_as_a_password_check(password)  # as much work as hashing a new password
        with force_locale(existing.locale or "zh_CN"):
            body = gettext("%(name)s 您好：\n\n有人用您的邮箱地址在公益创投大赛管理系统注册账号，但这个地址已经有账号了。"
                           "\n如果是您本人，请直接登录；忘记密码可以在这里重设：\n%(url)s\n\n如果不是您，请忽略这封邮件。",
                           name=existing.name, url=link(RESET_PASSWORD, existing))
            queue_message(session, None, to=existing.email, subject=gettext("您已有账号"), body=body,
                          kind="account_exists", user=existing)
        return
    user = create_user(session, None, email=email, name=name, password=password, confirmed=False)
    send_confirmation(session, user, link)


def send_confirmation(session: Session, user: User, link: Callable[[str, User], str]) -> None:
    with force_locale(user.locale or "zh_CN"):
        body = gettext("%(name)s 您好：\n\n请打开下面的链接确认您的邮箱地址，确认后即可登录（链接 7 天内有效）：\n%(url)s",
                       name=user.name, url=link(CONFIRM_EMAIL, user))
        queue_message(session, None, to=user.email, subject=gettext("请确认您的邮箱地址"), body=body,
                      kind="confirm_email", user=user)


def confirm_email(session: Session, user: User) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        session.flush()
        record(session, user, "user.confirm_email", user)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user these credentials sign in, or None. An unknown address costs the same password
    check as a known one, so timing does not tell which addresses have accounts."""
    user = find_user(session, email)
    if user is None:
        _same_work_as_a_password_check(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def start_session(session: Session, user: User) -> None:
    """Before signing in: accounts from before session tokens get their first one."""
    if not user.session_token:
        user.end_sessions()
        session.flush()


def request_password_reset(session: Session, email: str, link: Callable[[str, User], str]) -> None:
    """Mail a reset link if the address has an active account; the caller says the same either way."""
    user = find_user(session, email)
    if user is None or not user.active:
        return
    with force_locale(user.locale or "zh_CN"):
        body = gettext("%(name)s 您好：\n\n请打开下面的链接设置新密码（链接 1 小时内有效，只能使用一次）：\n%(url)s"
                       "\n\n如果您没有申请重设密码，请忽略这封邮件，您的密码不会改变。", name=user.name, url=link(RESET_PASSWORD, user))
        queue_message(session, None, to=user.email, subject=gettext("重设密码"), body=body, kind="password_reset",
                      user=user)


def reset_password(session: Session, user: User, new: str) -> None:
    """Set a new password from a reset link: every session ends and the link stops working."""
    check_new_password(new, user.email)
    user.set_password(new)
    user.end_sessions()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link reached the address
    session.flush()
    record(session, user, "user.reset_password", user)


def end_sessions(session: Session, user: User) -> None:
    """Sign out everywhere (logout): every session and remember cookie of the user stops working."""
    user.end_sessions()
    session.flush()


def set_locale(session: Session, user: User, locale: str) -> None:
    """Remember the user's language (a preference: not audited)."""
    user.locale = locale
    session.flush()


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """A new password ends every other session (the caller signs the current one in again)."""
    if not user.check_password(current):
        raise AccountError(N_("当前密码不正确"), "current")
    check_new_password(new, user.email)
    user.set_password(new)
    user.end_sessions()
    session.flush()
    record(session, user, "user.change_password", user)


def request_email_change(session: Session, user: User, current: str, new_email: str,
                         link: Callable[[str, User, str], str]) -> str:
    """Mail a confirmation link to the new address; the address changes only when it is opened.

    Whether the new address already has an account is told only to whoever opens that mailbox
    (at confirmation), never on this page. Returns the normalised new address.
    """
    if not user.check_password(current):
        raise AccountError(N_("当前密码不正确"), "current")
    new = normalise_email(new_email)
    if new == user.email:
        raise AccountError(N_("新邮箱与当前邮箱相同"), "email")
    with force_locale(user.locale or "zh_CN"):
        body = gettext("%(name)s 您好：\n\n请打开下面的链接，把您在公益创投大赛管理系统的登录邮箱改为 %(email)s"
                       "（链接 24 小时内有效，只能使用一次）：\n%(url)s\n\n如果您没有申请修改，请忽略这封邮件。",
                       name=user.name, email=new, url=link(CHANGE_EMAIL, user, new))
        queue_message(session, user, to=new, subject=gettext("确认新的登录邮箱"), body=body, kind="change_email")
    record(session, user, "user.request_email_change", user, to=new)
    return new


def change_email(session: Session, user: User, new_email: str) -> None:
    """The link mailed to the new address was opened: it becomes the sign-in address (confirmed).
    The old address is told, in case someone else changed it."""
    new = normalise_email(new_email)
    if find_user(session, new) is not None:
        raise AccountError(N_("该邮箱已被其他账号使用"), "email")
    old = user.email
    user.email, user.email_confirmed_at = new, utcnow()
    session.flush()
    record(session, user, "user.change_email", user, old=old, new=new)
    with force_locale(user.locale or "zh_CN"):
        body = gettext("%(name)s 您好：\n\n您的登录邮箱已由 %(old)s 改为 %(new)s。如果这不是您本人的操作，请尽快联系管理员。",
                       name=user.name, old=old, new=new)
        queue_message(session, user, to=old, subject=gettext("登录邮箱已修改"), body=body, kind="email_changed",
                      user=user)
