"""Migrations: an empty database upgrades to head and matches the models; base and back works."""
import os
import uuid

from sqlalchemy import inspect, text

from gongyi import create_app, migrate
from gongyi.db import make_engine

PG_URL = os.environ.get("GONGYI_TEST_DATABASE_URL")


def _databases(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'm.sqlite3'}", None
    if PG_URL:
        name = f"gongyi_migr_{uuid.uuid4().hex[:8]}"
        admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        base, _, _ = PG_URL.rpartition("/")
        yield "postgresql", f"{base}/{name}", (admin, name)


def _drop(cleanup):
    if cleanup:
        admin, name = cleanup
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_to_head_then_check_then_downgrade_and_back(tmp_path):
    for backend, url, cleanup in _databases(tmp_path):
        try:
            app = create_app({"TESTING": True, "DATABASE_URL": url})
            engine = app.extensions["gongyi.engine"]
            migrate.upgrade(app)
            migrate.check(app)  # raises when models and migrations disagree
            tables = set(inspect(engine).get_table_names())
            assert {"user", "organisation", "call", "submission", "review", "run"} <= tables, backend
            migrate.downgrade(app, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}, backend
            migrate.upgrade(app)
            migrate.check(app)
            engine.dispose()
        finally:
            _drop(cleanup)


def test_flask_db_check_command(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output
