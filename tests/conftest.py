"""Fixtures: `app`, `client`, `runner`, `db` and a login helper, on SQLite and (when
GONGYI_TEST_DATABASE_URL is set) on PostgreSQL too.

SQLite: the schema is migrated once into a template file that each test copies.
PostgreSQL: the schema is migrated once; after each test every table is emptied and the
catalogue reloaded, so commits behave exactly as in production.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import event, text

from gongyi import create_app
from gongyi.db import make_engine

PG_URL = os.environ.get("GONGYI_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _prepare(app) -> None:
    from gongyi import migrate

    with app.app_context():
        migrate.upgrade(app)
    _load_catalogue(app)


def _empty_postgres(app) -> None:
    from gongyi.db import Base
    import gongyi.models  # noqa: F401

    # the catalogue's version row stays, as in production (the truncation changes its token)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name != "catalogue_version")
    with app.extensions["gongyi.engine"].begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    _load_catalogue(app)


def _load_catalogue(app) -> None:
    from gongyi.catalogue import service as catalogue
    from gongyi.db import get_session

    with app.app_context():
        session = get_session()
        catalogue.load_catalogue(session, None, catalogue.parse_catalogue(catalogue.bundled_catalogue_text()))
        session.commit()


def reset_postgres_schema(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}"})
    _prepare(app)
    app.extensions["gongyi.engine"].dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine():
    reset_postgres_schema(PG_URL)
    app = create_app({"TESTING": True, "DATABASE_URL": PG_URL})
    _prepare(app)
    engine = app.extensions["gongyi.engine"]
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    backend = request.param
    config = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "CACHE_DIR": str(tmp_path / "cache")}
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        app = create_app({**config, "DATABASE_URL": f"sqlite:///{path}"})
        yield app
        app.extensions["gongyi.engine"].dispose()
    else:
        request.getfixturevalue("postgres_engine")
        app = create_app({**config, "DATABASE_URL": PG_URL})
        yield app
        engine = app.extensions["gongyi.engine"]
        engine.dispose()  # closes what the test left open, so TRUNCATE is not blocked
        _empty_postgres(app)
        app.extensions["gongyi.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A session of its own for arranging and checking data (no app context is kept pushed,
    so each request gets its own). Call `db.rollback()` before re-reading what a request wrote."""
    session = app.extensions["gongyi.sessionmaker"]()
    yield session
    session.close()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = "password123"):
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_user(db):
    """Create a user with roles; password is 'password123'."""
    from gongyi.auth.service import create_user

    def make(email: str, roles=("member",), name: str = "测试用户"):
        user = create_user(db, None, email=email, name=name, password="password123", roles=roles)
        db.commit()
        return user

    return make


class StatementRecorder:
    """Records the SQL statements the app's engine runs inside `with recorder:`."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self) -> "StatementRecorder":
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def statements(app) -> StatementRecorder:
    """`with statements: client.get(url)` then `len(statements)`: what a request ran."""
    return StatementRecorder(app.extensions["gongyi.engine"])
