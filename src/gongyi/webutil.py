"""Small things many views need: safe redirects, lookups that 404, page numbers, stored files."""
from __future__ import annotations

import io
from typing import Callable
from urllib.parse import quote, urlsplit

from flask import Response, abort, request, send_file, url_for

from gongyi import policy
from gongyi.calls.models import Call
from gongyi.calls.service import find_call
from gongyi.db import get_session
from gongyi.numbers import MAX_ID, has_control_characters, whole_number  # noqa: F401  (MAX_ID for the views)


def safe_next(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`.

    Only a path that starts with one "/" is followed: no scheme, no host, no "//" or "/\\"
    (which browsers read as another host), and no control characters ("/%09/evil.example"
    arrives as "/\\t/evil.example", which some browsers read as "//evil.example").
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or has_control_characters(target, multiline=False):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def call_or_404(slug: str, *, public: bool = False, user=None) -> Call:
    """The call with this slug, or 404; `public`: a draft does not exist for those who may not see it."""
    call = find_call(get_session(), slug)
    if call is None or (public and not policy.can_view_call(user, call)):
        abort(404)
    return call


def int_arg(name: str, default: int | None = None, *, source=None) -> int | None:
    """A whole number from the query string (or `source`, e.g. request.form), 0..MAX_ID; else `default`.

    Read by numbers.whole_number: "²³" or "١٢" pass str.isdigit() but are no id.
    """
    number = whole_number((request.args if source is None else source).get(name, ""))
    return default if number is None else number


def page_number(name: str = "page") -> int:
    """A page number from the query string; anything unreadable is page 1."""
    return max(int_arg(name, 1) or 1, 1)


def url_with(**changes: str | int | None) -> str:
    """This page's URL with some query arguments changed (None removes one): sorting, tabs, pages."""
    args = {**request.args.to_dict(), **changes}
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


_MARKER = "0ROWKEY0"
_NUMBER_MARKER = 9_081_726_354  # the marker for an <int:...> segment
_SEGMENT_SAFE = "!$&'()*+,/:;=@"  # what werkzeug's default converter leaves unquoted in a path segment


def url_pattern(endpoint: str, key: str, **values: object) -> Callable[[object], str]:
    """url_for(endpoint, key=v, **values) for each row's v, the URL built once: a list of 100 rows
    would otherwise build 250 URLs through the router. `key` is a path segment of the default
    converter (a ref, a slug) or of the int converter (an id, given as an int); should the
    marker show up elsewhere, each URL is built in full."""
    try:
        marker, url = _MARKER, url_for(endpoint, **{key: _MARKER}, **values)
    except ValueError:  # an <int:...> segment refuses the text marker
        marker, url = str(_NUMBER_MARKER), url_for(endpoint, **{key: _NUMBER_MARKER}, **values)
    if url.count(marker) != 1:
        return lambda value: url_for(endpoint, **{key: value}, **values)
    before, _, after = url.partition(marker)
    return lambda value: f"{before}{quote(str(value), safe=_SEGMENT_SAFE)}{after}"


def send_stored_file(data: bytes, filename: str, content_type: str) -> Response:
    """A stored file as a download: the checked type, never sniffed, never cached, never run as a page."""
    response = send_file(io.BytesIO(data), mimetype=content_type, as_attachment=True, download_name=filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
