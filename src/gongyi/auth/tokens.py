"""Signed, expiring links for e-mail confirmation, password reset and a change of address.

A token names the user, the e-mail address and the user's session token when it was made:
it stops working when the address changes or when the sessions are ended (a password reset
ends them), which makes a reset link single-use. A change of address also carries the new
address; it is single-use because using it changes the address the token names.
"""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from gongyi.auth.models import User

CONFIRM_EMAIL = "confirm-email"
RESET_PASSWORD = "reset-password"
CHANGE_EMAIL = "change-email"
INVITATION = "invitation"  # joining an organisation: the invitation's id and address
LIFETIMES = {CONFIRM_EMAIL: 7 * 24 * 3600, RESET_PASSWORD: 3600, CHANGE_EMAIL: 24 * 3600,
             INVITATION: 14 * 24 * 3600}  # seconds


def sign(secret: str, purpose: str, payload: list) -> str:
    """A signed, expiring token of a payload that names no user (yet)."""
    return URLSafeTimedSerializer(secret, salt=purpose).dumps(payload)


def unsign(secret: str, purpose: str, token: str) -> list | None:
    """The payload of a valid, unexpired token, or None."""
    try:
        payload = URLSafeTimedSerializer(secret, salt=purpose).loads(token, max_age=LIFETIMES[purpose])
    except (BadSignature, ValueError, TypeError):
        return None
    return payload if isinstance(payload, list) else None


def make_token(secret: str, purpose: str, user: User, *extra: str) -> str:
    return URLSafeTimedSerializer(secret, salt=purpose).dumps([user.id, user.email, user.session_token, *extra])


def read_token_with(session: Session, secret: str, purpose: str, token: str) -> tuple[User, list[str]] | None:
    """The user a valid, unexpired token was made for and what else it carries, or None."""
    try:
        user_id, email, session_token, *extra = URLSafeTimedSerializer(secret, salt=purpose).loads(
            token, max_age=LIFETIMES[purpose])
    except (BadSignature, ValueError, TypeError):
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.email != email or user.session_token != session_token or not user.active:
        return None
    return user, [str(e) for e in extra]


def read_token(session: Session, secret: str, purpose: str, token: str) -> User | None:
    """The user a valid, unexpired token was made for, or None."""
    found = read_token_with(session, secret, purpose, token)
    return found[0] if found is not None else None
