"""Published results from a cache of rendered pages, answered with validators (ETag, Last-Modified).

A published run never changes: its rows, pools and publication are fixed when it is published,
and a correction is a new run, published anew. So the public results page (for visitors who
are not signed in) and the JSON API are rendered once per run, publication, page of rows and
language, kept in the shared cache (`extensions.cache`: files under instance/cache by default,
Redis when GONGYI_REDIS_URL is set, so several instances share it), and answered with an ETag
and Last-Modified, so that a client that has them gets 304 Not Modified.

The cache key is a digest of everything the page shows that could ever change: the run, its
publication kind, time and publicity window, whether objections are open now, and the call's
state and title. Publishing another run, withdrawing one or closing the window therefore
changes the key: a page of an earlier publication is never served again, on any instance, and
its entry simply expires. The key also holds a stamp of the code that renders (every template
and Python module of the app): a deployment that changes a page, or how many rows it shows,
renders it anew rather than serving what the previous release cached in a shared Redis.

The page carries the visitor's own CSRF token (the language switch is a form): it is rendered
with a placeholder that each response replaces, and the visitor's session is part of the ETag
so that a 304 never hands one session's page to another.
"""
from __future__ import annotations

import functools
import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from flask import Response, current_app, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from gongyi.calls.models import Call
from gongyi.extensions import cache
from gongyi.results.models import Run
from gongyi.results.publication import publicity_open

TOKEN_PLACEHOLDER = "__gongyi_csrf_token__"
CACHED_ARGS = frozenset({"page", "outcome"})  # a search (q) or any other argument is rendered afresh


@functools.cache
def _code_stamp(roots: tuple[str, ...]) -> str:
    """A digest of the app's templates and modules under `roots` (read once per process)."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix in (".html", ".py", ".txt", ".mo") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _version(kind: str, call: Call, run: Run, *parts: Any) -> str:
    code = _code_stamp((current_app.root_path, os.path.join(current_app.root_path, current_app.template_folder or "")))
    stamp = (kind, code, call.id, call.status, call.title, run.id, run.number, run.published, _iso(run.published_at),
             _iso(run.publicity_until), publicity_open(run), *parts)
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:40]


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _last_modified(run: Run) -> datetime | None:
    return run.published_at


def page_is_cacheable() -> bool:
    """Whether this request may be answered from the page cache: a GET by a visitor who is not
    signed in, with nothing flashed for them and only the page and outcome arguments."""
    return (request.method == "GET" and not current_user.is_authenticated and not session.get("_flashes")
            and set(request.args) <= CACHED_ARGS and current_app.config.get("PAGE_CACHE", True))


def cached_page(call: Call, run: Run, render: Callable[..., str]) -> Response:
    """The public results page: `render(csrf_token=...)` once per version, then from the cache."""
    version = _version("page", call, run, request.full_path, str(get_locale()))
    key = "results-page:" + version
    body = cache.get(key)
    if body is None:
        body = render(csrf_token=lambda: TOKEN_PLACEHOLDER)
        cache.set(key, body)
    token = generate_csrf()  # the visitor's own (starts their session if they have none)
    response = make_response(body.replace(TOKEN_PLACEHOLDER, token))
    session_part = hashlib.sha256(str(session.get("csrf_token", "")).encode()).hexdigest()[:16]
    return _conditional(response, f"{version}-{session_part}", run, private=True)


def cached_json(call: Call, run: Run, build: Callable[[], bytes]) -> Response:
    """The API's results: the JSON text built once per version, then from the cache."""
    version = _version("api", call, run)
    key = "results-api:" + version
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body)
    response = make_response(body)
    response.mimetype = "application/json"
    return _conditional(response, version, run, private=False)


def _conditional(response: Response, etag: str, run: Run, *, private: bool) -> Response:
    """Validators on the response, and 304 when the request's If-None-Match / If-Modified-Since match."""
    response.set_etag(etag)
    modified = _last_modified(run)
    if modified is not None:
        response.last_modified = modified
    response.cache_control.no_cache = True  # stored, but asked again (cheaply, by its ETag) each time
    if private:
        response.cache_control.private = True
        response.vary.add("Cookie")
    else:
        response.cache_control.public = True
    return response.make_conditional(request)
