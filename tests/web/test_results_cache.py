"""Published results served from the page cache with validators, on the filesystem cache and on
Redis (GONGYI_TEST_REDIS_URL): rendered once, 304 for a client that has the page, each visitor's
own CSRF token, nothing cached for signed-in people, and another publication never answered with
the earlier one's page."""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import update

from gongyi import create_app
from gongyi.extensions import cache
from gongyi.submissions.models import Submission
from tests.conftest import StatementRecorder
from tests.web.test_public_results import close_window, computed, publish

PAGE, API = "/results/sz-2026", "/api/v1/calls/sz-2026/results"


def _redis_url() -> str:
    url = os.environ.get("GONGYI_TEST_REDIS_URL")
    if not url:
        pytest.skip("GONGYI_TEST_REDIS_URL is not set (.ci/run starts Redis and sets it)")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["files", "redis"])
def store(request, app):
    """The app's page cache: files in the test's instance (the default) or Redis."""
    if request.param == "redis":
        cache.init_app(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": _redis_url()})
    return request.param


@pytest.fixture
def published(client, auth, make_user, runner, store):
    computed(client, auth, make_user, runner)
    assert publish(client).status_code == 302
    auth.logout()


def _get(app, client, url, **headers):
    with StatementRecorder(app.extensions["gongyi.engine"]) as recorder:
        response = client.get(url, headers=headers)
    return response, [s.lower() for s in recorder.statements]


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_public_page_is_rendered_once_then_served_from_the_cache_with_validators(app, published):
    first, rendering = _get(app, app.test_client(), PAGE)
    assert first.status_code == 200 and any("run_row" in s for s in rendering)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"] and "private" in first.headers["Cache-Control"]
    visitor = app.test_client()
    second, cached = _get(app, visitor, PAGE)
    assert second.status_code == 200 and not any("run_row" in s for s in cached) and len(cached) < len(rendering)
    assert second.get_data(as_text=True).replace(_token(second.get_data(as_text=True)), "") == \
        first.get_data(as_text=True).replace(_token(first.get_data(as_text=True)), "")  # the same page
    again, _ = _get(app, visitor, PAGE, **{"If-None-Match": second.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    since, _ = _get(app, visitor, PAGE, **{"If-Modified-Since": second.headers["Last-Modified"]})
    assert since.status_code == 304
    # another visitor (another session) with that ETag gets the page with a token of their own
    other, _ = _get(app, app.test_client(), PAGE, **{"If-None-Match": second.headers["ETag"]})
    assert other.status_code == 200 and _token(other.get_data(as_text=True)) != _token(second.get_data(as_text=True))


def test_each_visitor_switches_language_with_their_own_token(app, published):
    app.config["WTF_CSRF_ENABLED"] = True
    visitors = [app.test_client() for _ in range(2)]
    pages = [v.get(PAGE).get_data(as_text=True) for v in visitors]
    assert "__gongyi_csrf_token__" not in pages[1]
    r = visitors[1].post("/language", data={"csrf_token": _token(pages[1]), "locale": "en", "next": PAGE})
    assert r.status_code == 302
    english = visitors[1].get(PAGE).get_data(as_text=True)
    assert "Results" in english or "results" in english
    assert "结果公示" in visitors[0].get(PAGE).get_data(as_text=True)  # the cache keeps each language apart
    assert visitors[0].post("/language", data={"csrf_token": _token(pages[1]), "locale": "en"}).status_code == 400


def test_another_publication_is_never_answered_with_the_earlier_page(app, client, auth, db, published):
    visitor = app.test_client()
    provisional = visitor.get(PAGE)
    api = visitor.get(API)
    assert "公示" in provisional.get_data(as_text=True) and api.json["publication"]["kind"] == "provisional"
    auth.login("admin-sz-2026@example.org")
    client.post("/admin/calls/sz-2026/publication/recompute")
    close_window(db)
    assert publish(client, kind="final", run=2).status_code == 302
    auth.logout()
    final = visitor.get(PAGE, headers={"If-None-Match": provisional.headers["ETag"]})
    assert final.status_code == 200 and "最终结果" in final.get_data(as_text=True)
    assert final.headers["ETag"] != provisional.headers["ETag"]
    new_api = visitor.get(API, headers={"If-None-Match": api.headers["ETag"]})
    assert new_api.status_code == 200 and new_api.json["publication"]["kind"] == "final"


def test_the_api_is_cached_with_validators(app, published):
    first, rendering = _get(app, app.test_client(), API)
    second, cached = _get(app, app.test_client(), API)
    assert first.json == second.json and first.json["rows"]
    assert any("run_row" in s for s in rendering) and not any("run_row" in s for s in cached)
    assert "public" in second.headers["Cache-Control"] and second.headers["Access-Control-Allow-Origin"] == "*"
    again, _ = _get(app, app.test_client(), API, **{"If-None-Match": second.headers["ETag"]})
    assert again.status_code == 304


def test_a_release_that_changes_the_code_renders_the_pages_anew(app, published, monkeypatch):
    from gongyi.results import page_cache

    for url in (PAGE, API):
        _get(app, app.test_client(), url)
        cached, statements = _get(app, app.test_client(), url)
        assert not any("run_row" in s for s in statements), url
        with monkeypatch.context() as patch:
            patch.setattr(page_cache, "_code_stamp", lambda roots: "another release")
            anew, statements = _get(app, app.test_client(), url)
        assert any("run_row" in s for s in statements) and anew.headers["ETag"] != cached.headers["ETag"], url


def test_signed_in_people_and_searches_are_rendered_afresh(app, client, auth, db, make_user, published):
    anonymous = app.test_client()
    anonymous.get(PAGE)
    db.execute(update(Submission).where(Submission.ref == "A").values(title="改过的标题"))
    db.commit()
    assert "改过的标题" not in anonymous.get(PAGE).get_data(as_text=True)  # the cached page
    assert "改过的标题" in anonymous.get(PAGE + "?q=A").get_data(as_text=True)  # a search is not cached
    make_user("m@example.org")
    auth.login("m@example.org")
    mine = client.get(PAGE)
    assert "改过的标题" in mine.get_data(as_text=True) and "ETag" not in mine.headers
    assert mine.headers["Cache-Control"] == "no-store"


def test_two_instances_share_the_cache_through_redis(tmp_path, sqlite_template, app, published):
    """A page rendered by one instance is served by another from Redis (as two gunicorn hosts)."""
    url = _redis_url()
    db_url = app.config["DATABASE_URL"]
    config = {"TESTING": True, "DATABASE_URL": db_url, "REDIS_URL": url, "SECRET_KEY": app.config["SECRET_KEY"]}
    first, second = create_app(config), create_app(config)
    assert first.config["CACHE_TYPE"] == "RedisCache"
    response, rendering = _get(first, first.test_client(), PAGE)
    assert response.status_code == 200 and any("run_row" in s for s in rendering)
    response, served = _get(second, second.test_client(), PAGE)
    assert response.status_code == 200 and not any("run_row" in s for s in served)
    for instance in (first, second):
        instance.extensions["gongyi.engine"].dispose()
