"""Errors a person can act on, with the field they belong to. Pure: no Flask at import time.

Messages are Chinese msgids with %(name)s parameters, marked with N_ so `pybabel extract`
finds them; views show them with `translated()` in the reader's language.
"""
from __future__ import annotations

from typing import Any, Sequence


def N_(message: str) -> str:
    """Mark a message for translation without translating it yet."""
    return message


class UserError(ValueError):
    def __init__(self, message: str, field: str | None = None, **params: Any):
        self.message = message
        self.field = field
        self.params = params
        super().__init__(message % params if params else message)

    def problems(self) -> list[UserError]:
        """Every problem this error carries (one; errors that gather several override this)."""
        return [self]

    def translated(self) -> str:
        # Imported here so that pure modules can raise UserErrors without Flask installed.
        from flask_babel import gettext

        return gettext(self.message, **self.params)


class UserErrors(UserError):
    """Several problems at once, so a form can show each beside its field."""

    def __init__(self, errors: Sequence[UserError]):
        first = errors[0]
        super().__init__(first.message, first.field, **first.params)
        self.errors = list(errors)

    def problems(self) -> list[UserError]:
        return list(self.errors)
