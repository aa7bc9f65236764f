"""What every form shares: where a service's problem is shown, and the bare action button."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field


class Form(FlaskForm):
    """A form that shows a service's problems beside the fields they name.

    A `UserError`'s `field` names a field of the form; `fallback_field` takes problems that name
    none, and without one they are flashed at the top of the page.
    """

    fallback_field: str | None = None

    def field_for(self, key: str | None) -> Field | None:
        """The field a problem about `key` is shown beside, or None for a page-level message."""
        if key and key in self._fields:
            return self._fields[key]
        return self._fields.get(self.fallback_field) if self.fallback_field else None

    def add_error(self, key: str | None, message: str) -> bool:
        """Show `message` beside its field; False when the form has no place for it."""
        field = self.field_for(key)
        if field is None:
            return False
        field.errors = [*field.errors, message]  # a field never validated holds an empty tuple
        return True


class ActionForm(Form):
    """A button that changes state: only the CSRF token is posted with it (CSRFProtect checks it)."""
