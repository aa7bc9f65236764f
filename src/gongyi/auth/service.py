"""Accounts: creating users, granting roles, checking credentials."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.auth.models import ROLES, User, UserRole
from gongyi.errors import N_, UserError


class AccountError(UserError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    session: Session, actor: Any, *, email: str, name: str, password: str, roles: Iterable[str] = ("member",)
) -> User:
    email = normalise_email(email)
    if find_user(session, email) is not None:
        raise AccountError(N_("该邮箱已注册"), "email")
    if len(password) < 8:
        raise AccountError(N_("密码至少 8 位"), "password")
    user = User(email=email, name=name.strip())
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


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user(session, email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def set_locale(session: Session, user: User, locale: str) -> None:
    """Remember the user's language (a preference: not audited)."""
    user.locale = locale
    session.flush()


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(N_("当前密码不正确"), "current")
    if len(new) < 8:
        raise AccountError(N_("密码至少 8 位"), "password")
    user.set_password(new)
    record(session, user, "user.change_password", user)
