"""flask backup / flask restore: a round trip keeps every row of every table, attachments and
evidence byte for byte, on SQLite and PostgreSQL, and a refused restore changes nothing."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select, text

from gongyi import create_app
from gongyi.backup import _tables
from gongyi.submissions.models import Attachment
from tests.factories import make_admin, make_call, make_org, make_submission

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*(t.primary_key.columns or t.columns)))]
                for t in _tables()}


@pytest.fixture
def edition(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    admin = make_admin(db)
    call = make_call(db, admin)
    _, org = make_org(db, admin)
    submission = make_submission(db, call, org)
    submission.attachments.append(Attachment(filename="证明.png", content_type="image/png", size=len(PNG), data=PNG))
    db.commit()


def test_backup_then_restore_into_an_empty_database_loses_nothing(app, runner, db, edition, tmp_path, request):
    engine = app.extensions["gongyi.engine"]
    before = snapshot(engine)
    out = tmp_path / "edition.zip"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output

    result = runner.invoke(args=["restore", str(out)])  # the database holds data: refused, unchanged
    assert result.exit_code == 1 and "not empty" in result.output
    assert snapshot(engine) == before

    with engine.connect() as conn:
        token = conn.scalar(text("SELECT token FROM catalogue_version"))
    result = runner.invoke(args=["restore", "--replace", str(out)])
    assert result.exit_code == 0, result.output
    after = snapshot(engine)
    assert after == before
    with engine.connect() as conn:  # every process reads the restored catalogue anew
        assert conn.scalar(text("SELECT token FROM catalogue_version")) != token
    assert sum(len(rows) for rows in after.values()) > 500
    db.rollback()
    assert db.scalar(select(Attachment.data).where(Attachment.filename == "证明.png")) == PNG
    # the restored trail is still append-only, and new rows get fresh ids
    with pytest.raises(Exception, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entry"))
    assert runner.invoke(args=["users", "create-admin", "after@example.org", "--password", "a-long-passphrase"]).exit_code == 0


def test_restore_into_a_fresh_sqlite_database(app, runner, edition, tmp_path, sqlite_template):
    """A backup moves an edition to another database (here from either backend to a new SQLite file)."""
    before = snapshot(app.extensions["gongyi.engine"])
    out = tmp_path / "edition.zip"
    assert runner.invoke(args=["backup", "--out", str(out)]).exit_code == 0
    path = tmp_path / "fresh.sqlite3"
    shutil.copy(sqlite_template, path)
    fresh = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}"})
    engine = fresh.extensions["gongyi.engine"]
    result = fresh.test_cli_runner().invoke(args=["restore", "--replace", str(out)])
    assert result.exit_code == 0, result.output
    assert snapshot(engine) == before
    engine.dispose()


def test_a_file_that_is_no_backup_is_refused(runner, tmp_path, db):
    path = tmp_path / "nothing.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1 and "not a readable backup" in result.output and "Traceback" not in result.output
