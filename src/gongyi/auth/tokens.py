"""Signed, expiring links for e-mail confirmation and password reset.

A token names the user, the e-mail address and the user's session token when it was made:
it stops working when the address changes or when the sessions are ended (a password reset
ends them), which makes a reset link single-use.
"""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from gongyi.auth.models import User

CONFIRM_EMAIL = "confirm-email"
RESET_PASSWORD = "reset-password"
LIFETIMES = {CONFIRM_EMAIL: 7 * 24 * 3600, RESET_PASSWORD: 3600}  # seconds


def make_token(secret: str, purpose: str, user: User) -> str:
    return URLSafeTimedSerializer(secret, salt=purpose).dumps([user.id, user.email, user.session_token])


def read_token(session: Session, secret: str, purpose: str, token: str) -> User | None:
    """The user a valid, unexpired token was made for, or None."""
    try:
        user_id, email, session_token = URLSafeTimedSerializer(secret, salt=purpose).loads(
            token, max_age=LIFETIMES[purpose])
    except (BadSignature, ValueError, TypeError):
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.email != email or user.session_token != session_token or not user.active:
        return None
    return user
