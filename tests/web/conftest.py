"""Browser fixtures: the app served on a free local port, driven by Debian's Chromium via Playwright."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from gongyi import create_app
from tests.audit_watch import AuditWatch

CHROMIUM = "/usr/bin/chromium"


def require_chromium() -> None:
    """Skip without Chromium, unless the run says browsers are required (.ci/run): then fail."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("GONGYI_REQUIRE_BROWSER") == "true":
        pytest.fail("Chromium is required (GONGYI_REQUIRE_BROWSER=true) but /usr/bin/chromium is missing")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


@pytest.fixture
def live_server(request, tmp_path):
    """A real HTTP server on a copy of the migrated template database (SQLite)."""
    require_chromium()
    path = tmp_path / "live.sqlite3"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join()
    app.extensions["gongyi.engine"].dispose()


@pytest.fixture
def browser():
    require_chromium()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_session(live_server):
    """A database session on the live server's database, for arranging data."""
    session = live_server.app.extensions["gongyi.sessionmaker"]()
    yield session
    session.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item (`rep_call`), so a fixture can keep a failing test's screenshot."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(autouse=True)
def every_change_audited(request):
    """Fail a web test whose requests committed a state change without an audit entry."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with AuditWatch(app.extensions["gongyi.sessionmaker"]) as watch:
        yield
    assert not watch.violations, "\n".join(dict.fromkeys(watch.violations))
