"""Unified social credit code (统一社会信用代码, GB 32100-2015). Pure."""
from __future__ import annotations

import unicodedata

from gongyi.errors import N_, UserError

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class CreditCodeError(UserError):
    pass


def normalise(text: str) -> str:
    """Strip, fold full-width characters to half-width (NFKC), upper-case, drop inner spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def check_character(first17: str) -> str:
    total = sum(CHARS.index(c) * w for c, w in zip(first17, WEIGHTS))
    return CHARS[(31 - total % 31) % 31]


def validate(text: str) -> str:
    """Return the normalised code, or raise CreditCodeError with a message a person can act on."""
    code = normalise(text)
    if len(code) != 18:
        raise CreditCodeError(N_("统一社会信用代码应为18位，现为%(n)s位"), "credit_code", n=len(code))
    bad = sorted({c for c in code if c not in CHARS})
    if bad:
        raise CreditCodeError(N_("含有不允许的字符：%(chars)s（代码不使用 I、O、S、V、Z）"), "credit_code", chars="、".join(bad))
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(N_("校验位错误：第18位应为 %(expected)s，而不是 %(got)s"), "credit_code", expected=expected, got=code[17])
    return code


def is_valid(text: str) -> bool:
    try:
        validate(text)
    except CreditCodeError:
        return False
    return True
