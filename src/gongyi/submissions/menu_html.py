"""The menu's entries for items a project has not picked, rendered once per process and language.

The order form lists all 144 items of the catalogue; an item the project has not picked (and
whose need has no problem) looks the same on every project's form, so rendering it again for
each request was most of the form's time. Its HTML is kept under everything it is made of (the
item's code, names and description, and the language), so a changed catalogue entry is simply
rendered anew.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_babel import get_locale
from markupsafe import Markup

TEMPLATE = "submissions/_pick.html"
LIMIT = 5_000  # entries kept at most (the catalogue has 144 items in two languages)
_entries: dict[tuple, Markup] = {}


def unpicked(item: Any) -> Markup:
    """The menu entry of `item` for a project that has not picked it."""
    key = (item.code, item.name_zh, item.name_en, item.description_zh, str(get_locale()))
    html = _entries.get(key)
    if html is None:
        if "gongyi_menu_module" not in g:  # made once per request that renders anything anew
            g.gongyi_menu_module = current_app.jinja_env.get_template(TEMPLATE).make_module({"picked": {}, "rest": {}})
        html = Markup(str(g.gongyi_menu_module.pick(item)).strip())
        if len(_entries) >= LIMIT:
            _entries.clear()
        _entries[key] = html
    return html
