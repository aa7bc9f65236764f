"""The menu's entries for items a project has not picked, rendered once per process and language.

The order form lists all 144 items of the catalogue; an item the project has not picked (and
whose need has no problem) looks the same on every project's form, so rendering it again for
each request was most of the form's time. Its HTML is kept (gongyi.fragments) under everything
it is made of (the item's code, names and description, and the language), so a changed catalogue
entry is simply rendered anew. A whole category none of whose items is picked or has a problem
is kept the same way (most of the 31 on any form), under its items, whether the call opens it,
and which of its items the community's needs list shows above it; and the whole menu of a form
that has picked nothing, under all its categories.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_babel import get_locale
from markupsafe import Markup

from gongyi.fragments import kept_html

TEMPLATE = "submissions/_pick.html"


def _module() -> Any:
    """The menu's macros with nothing picked and no problem, made once per request that renders anew."""
    if "gongyi_menu_module" not in g:
        g.gongyi_menu_module = current_app.jinja_env.get_template(TEMPLATE).make_module(
            {"picked": {}, "rest": {}, "unpicked": unpicked})
    return g.gongyi_menu_module


def group_has_problems(group: Any, rest: dict[str, list[str]]) -> bool:
    """Whether a problem is shown beside the need of one of the category's items."""
    return any(f"need-{item.code}" in rest for item in group.items)


def unpicked_group(group: Any, listed_codes: list[str]) -> Markup:
    """The menu entry of a whole category (an overview.MenuGroup) none of whose items is picked."""
    listed = tuple(item.code for item in group.items if item.code in listed_codes)
    key = ("group", group.category, tuple(group.items), group.open, listed, str(get_locale()))
    return kept_html(key, lambda: _module().menu_group(group, listed))


def unpicked(item: Any) -> Markup:
    """The menu entry of `item` for a project that has not picked it."""
    key = (item.code, item.name_zh, item.name_en, item.description_zh, str(get_locale()))
    return kept_html(key, lambda: _module().pick(item))


def unpicked_menu(menu: list[Any], listed_codes: list[str], rest: dict[str, list[str]]) -> Markup | None:
    """The whole menu of a form that has picked nothing and has no problem beside a need (a
    project just started, most forms on a deadline day), kept as one entry; else None."""
    if any(group.chosen or group_has_problems(group, rest) for group in menu):
        return None
    key = ("menu", tuple(menu), tuple(listed_codes), str(get_locale()))
    return kept_html(key, lambda: Markup("").join(unpicked_group(group, listed_codes) for group in menu))
