"""The password policy: long enough, not a common password, not the e-mail address. Pure."""
from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from gongyi.errors import N_, UserError

MIN_LENGTH = 8


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = files("gongyi.auth").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_refusal(password: str, email: str = "") -> UserError | None:
    """Why `password` may not be chosen (beside the field "password"), or None when it may."""
    if len(password) < MIN_LENGTH:
        return UserError(N_("密码至少 8 位"), "password")
    folded = password.casefold()
    local = email.casefold().partition("@")[0]
    if folded in common_passwords() or len(set(folded)) <= 2 or folded in (email.casefold(), local):
        return UserError(N_("这个密码太常见，容易被猜中；请换一个更长、更独特的密码"), "password")
    return None
