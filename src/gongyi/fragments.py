"""HTML fragments kept per process under everything they are made of.

Parts of a busy page are the same for every person who opens it: the menu's categories nobody
on the form has picked, an empty form to register funds or upload a file. Each is rendered once
per process and kept under a key that holds all it is made of (its data and the language), so a
change of any of it is simply a new key; the key must therefore name everything the HTML shows.
"""
from __future__ import annotations

from typing import Any, Callable

from flask_babel import get_locale
from markupsafe import Markup

LIMIT = 5_000  # entries kept at most (the menu's 144 items and 31 categories in two languages, a few forms)
_entries: dict[tuple, Markup] = {}


def kept_html(key: tuple, render: Callable[[], Any]) -> Markup:
    html = _entries.get(key)
    if html is None:
        html = Markup(str(render()).strip())
        if len(_entries) >= LIMIT:
            _entries.clear()
        _entries[key] = html
    return html


def pristine_form(form: Any, macro: Callable[..., Any], *args: Any) -> Markup:
    """`macro(form, *args)` for a form as it first shows (no data, no problem), kept under the
    macro's name, the form's class, its fields' labels and descriptions, `args` and the language;
    a form with data or a problem is rendered each time. The CSRF token stays outside (each
    session has its own)."""
    fields = [f for f in form if f.type != "CSRFTokenField"]
    if form.errors or any(f.data not in (None, "", [], False) for f in fields):
        return Markup(str(macro(form, *args)).strip())
    name = getattr(macro, "name", None) or getattr(macro, "__qualname__", repr(macro))  # a Jinja macro's name
    key = ("form", name, type(form).__name__, form._prefix, str(get_locale()), args,
           tuple((f.name, str(f.label.text), str(f.description)) for f in fields))
    return kept_html(key, lambda: macro(form, *args))
