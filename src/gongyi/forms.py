"""What every form shares: where a service's problem is shown, and the bare action button."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

from babel.support import Translations
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, IntegerField, widgets
from wtforms.i18n import messages_path
from wtforms.widgets.core import clean_key

from gongyi.errors import N_
from gongyi.numbers import MAX_ID, has_control_characters, whole_number

CONTROL_MESSAGE = N_("不能包含控制字符（例如 NUL）")
NUMBER_MESSAGE = N_("请填写整数")


def _texts(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _texts(key)
            yield from _texts(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _texts(value)


def _refuse_control_characters(fields: Any) -> bool:
    """Mark every field (nested lists and sub-forms included) holding a control character."""
    from flask_babel import gettext

    ok = True
    for field in fields:
        if field.type == "FormField":
            ok = _refuse_control_characters(field.form) and ok
        elif field.type == "FieldList":
            ok = _refuse_control_characters(field.entries) and ok
        elif any(has_control_characters(t) for t in _texts(field.data)):
            field.errors = [*field.errors, gettext(CONTROL_MESSAGE)]
            ok = False
    return ok


class _Select(widgets.Select):
    """WTForms' select, its plain options written directly: the same HTML as html_params gives
    (attributes sorted: `selected` before `value`) at a fifth of the cost; a list page's filter
    form has about 60 options."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        quoted = escape(value).replace(Markup('"'), Markup("&quot;"))
        return Markup(f'<option {"selected " if choice.selected else ""}value="{quoted}">'
                      f'{escape(choice.label or choice.value)}</option>')


_SELECTS = {False: _Select(), True: _Select(multiple=True)}


def _attributes(attrs: dict[str, Any]) -> str:
    """WTForms' html_params, written directly: sorted, True bare, False left out, every key and
    value escaped. Its Markup.format per attribute was most of a text field's rendering time."""
    parts = []
    for key, value in sorted(attrs.items()):
        key = escape(clean_key(key))
        if value is True:
            parts.append(key)
        elif value is not False:
            parts.append(f'{key}="{escape(value).replace(Markup(chr(34)), Markup("&quot;"))}"')
    return " ".join(parts)


def _flag_attributes(widget: Any, field: Field, attrs: dict[str, Any], call: bool) -> None:
    """The validation attributes the field's flags give (required, maxlength, ...), as WTForms adds them."""
    for key, value in vars(field.flags).items():
        if key in widget.validation_attrs and key not in attrs:
            attrs[key] = value() if call and callable(value) else value


def _input(widget: widgets.Input, field: Field, attrs: dict[str, Any]) -> Markup:
    """widgets.Input.__call__, with _attributes."""
    attrs.setdefault("id", field.id)
    attrs.setdefault("type", widget.input_type)
    if "value" not in attrs:
        attrs["value"] = field._value()
    datalist = getattr(field, "_datalist", None)
    if datalist is not None and "list" not in attrs:
        attrs["list"] = datalist if isinstance(datalist, str) else datalist.id
    _flag_attributes(widget, field, attrs, call=True)
    return Markup(f"<input {_attributes({'name': field.name, **attrs})}>")


def _textarea(widget: widgets.TextArea, field: Field, attrs: dict[str, Any]) -> Markup:
    """widgets.TextArea.__call__, with _attributes."""
    attrs.setdefault("id", field.id)
    _flag_attributes(widget, field, attrs, call=False)
    return Markup(f"<textarea {_attributes({'name': field.name, **attrs})}>\r\n{escape(field._value())}</textarea>")


@lru_cache(maxsize=8)
def _wtforms_messages(locale: str) -> Translations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """A form that shows a service's problems beside the fields they name.

    A `UserError`'s `field` names a field of the form; `fallback_field` takes problems that name
    none, and without one they are flashed at the top of the page.
    """

    fallback_field: str | None = None

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            """WTForms' own messages in the page's language, read from their file once per
            process and language (Flask-WTF reads the file again for every request)."""
            if not has_request_context() or not current_app.config.get("WTF_I18N_ENABLED", True):
                return None  # outside a request there is no page language (WTForms' English)
            return _wtforms_messages(str(get_locale()))

        def render_field(self, field, render_kw):
            """WTForms' rendering, the same HTML faster: a plain select's options by `_Select`, and
            the attributes of plain inputs and text areas by `_attributes`
            (tests/web/test_field_rendering.py compares them with WTForms' own)."""
            widget = field.widget
            kind = type(widget)
            fast = (kind is widgets.Select or kind is widgets.TextArea
                    or (isinstance(widget, widgets.Input) and kind.__call__ is widgets.Input.__call__))
            if not fast:
                return super().render_field(field, render_kw)
            render_kw = {clean_key(k): v for k, v in render_kw.items()}
            if field.render_kw is not None:
                render_kw = dict({clean_key(k): v for k, v in field.render_kw.items()}, **render_kw)
            if kind is widgets.Select:
                return _SELECTS[widget.multiple](field, **render_kw)
            return (_textarea if kind is widgets.TextArea else _input)(widget, field, render_kw)

    def validate(self, extra_validators=None) -> bool:
        """WTForms' checks, and no control character (NUL, escape, ...) in any field: each such
        field gets its message beside it (line breaks are text in a text area only)."""
        ok = super().validate(extra_validators)
        return self.refuse_control_characters() and ok

    def refuse_control_characters(self) -> bool:
        return _refuse_control_characters(self)

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


class WholeNumberField(IntegerField):
    """A whole number read by numbers.whole_number (ASCII or full-width digits, within a database
    integer): "²³" or a 400-digit number is a message beside the field, never a 500."""

    def __init__(self, *args, maximum: int = MAX_ID, **kwargs):
        super().__init__(*args, **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist):
        from flask_babel import gettext

        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = whole_number(valuelist[0], maximum=self.maximum)
        if self.data is None:
            raise ValueError(gettext(NUMBER_MESSAGE))
