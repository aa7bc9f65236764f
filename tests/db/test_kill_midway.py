"""kill -9 in the middle of `flask calls import` and `flask calls compute` leaves nothing half-written.

Each command runs as a real process against the test's database (a SQLite file, or PostgreSQL).
The test waits until the process holds an open write transaction (SQLite: another connection
cannot take the write lock; PostgreSQL: its backend has a transaction id, i.e. has written or
locked rows), lets it go on for a few different moments, sends SIGKILL, and then finds every
table exactly as before (no call, organisation, submission, review or score of a half import; no
run or run row of a half computation; not one audit entry more), or, when the process had
committed just before the signal, everything. A rerun then succeeds.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from gongyi.db import Base
import gongyi.models  # noqa: F401  (every table on Base.metadata)

ROOT = Path(__file__).resolve().parent.parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "app"]
SUBMISSIONS = 2500
SLUG = "random-13"
PAUSES = (0.0, 0.05, 0.2, 0.8)  # after the write transaction is seen open


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """A two-round package big enough that its import and computation take a second or more."""
    from tests.package_gen import random_package

    folder = tmp_path_factory.mktemp("big-package")
    files = random_package(13, submissions=SUBMISSIONS, reviewers=60, criteria=6, reviews_per=(5, 5),
                           random_rules=False, v2=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


class Database:
    """The test's database seen from outside the process under test."""

    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")

    def writer_open(self) -> bool:
        """Whether another connection holds an open write transaction."""
        if self.url.startswith("sqlite"):
            probe = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:  # database is locked: a writer is inside its transaction
                return True
            finally:
                probe.close()
        with self.engine.connect() as conn:
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")))

    def settle(self) -> None:
        """Wait until the killed process's transaction is gone (PostgreSQL rolls it back once its
        backend sees the connection closed)."""
        for _ in range(400):
            if not self.writer_open():
                return
            time.sleep(0.05)
        raise AssertionError("the killed process's transaction stayed open")


def start(args: list[str], url: str, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "GONGYI_DATABASE_URL": url, "GONGYI_SECRET_KEY": "kill-test",
           "GONGYI_INSTANCE_PATH": str(tmp_path / "instance")}
    return subprocess.Popen([*FLASK, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def kill_midway(database: Database, proc: subprocess.Popen, pause: float) -> bool:
    """SIGKILL `proc` `pause` seconds after its write transaction is seen open; whether it was
    still running then (False: it ended first)."""
    deadline = time.monotonic() + 120
    while not database.writer_open():
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    time.sleep(pause)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    database.settle()
    return True


def run_to_the_end(args: list[str], url: str, tmp_path: Path) -> str:
    proc = start(args, url, tmp_path)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out.decode()
    return out.decode()


def interrupted(args: list[str], database: Database, tmp_path: Path, complete) -> int:
    """Kill `args` at each pause; every time the tables are as before or, if it committed, complete.
    Returns how many kills hit the open transaction and left nothing."""
    before, nothing = counts(database.engine), 0
    for pause in PAUSES:
        proc = start(args, database.url, tmp_path)
        killed = kill_midway(database, proc, pause)
        if not killed:
            proc.communicate(timeout=300)
        after = counts(database.engine)
        if after == before:
            assert killed, f"{args} ended without writing anything: {proc.returncode}"
            nothing += 1
            continue
        # The signal came after the commit (or the process ended first): all of it is there.
        complete(before, after)
        break
    return nothing


def test_a_killed_import_or_computation_leaves_nothing_half_written(app, package, tmp_path):
    database = Database(app.config["DATABASE_URL"])
    try:
        def imported(before, after):
            changed = {t for t in after if after[t] != before[t]}
            assert after["call"] == before["call"] + 1 and after["submission"] == before["submission"] + SUBMISSIONS
            assert {"review", "funding_line", "organisation", "audit_entry"} <= changed, changed

        nothing = interrupted(["calls", "import", str(package)], database, tmp_path, imported)
        assert nothing >= 2, "too few kills landed inside the import's transaction"
        with database.engine.connect() as conn:
            done = conn.scalar(select(func.count()).select_from(Base.metadata.tables["call"])
                               .where(text("slug = :slug")), {"slug": SLUG})
        if not done:
            assert f"imported call {SLUG}: {SUBMISSIONS} submissions" in run_to_the_end(
                ["calls", "import", str(package)], database.url, tmp_path)

        def computed(before, after):
            assert after["run"] == before["run"] + 1 and after["run_row"] == before["run_row"] + SUBMISSIONS
            assert after["audit_entry"] > before["audit_entry"]

        nothing = interrupted(["calls", "compute", SLUG], database, tmp_path, computed)
        assert nothing >= 2, "too few kills landed inside the computation's transaction"
        runs = counts(database.engine)["run"]
        assert f"of {SLUG}" in run_to_the_end(["calls", "compute", SLUG], database.url, tmp_path)
        after = counts(database.engine)
        assert after["run"] == runs + 1 and after["run_row"] == SUBMISSIONS * after["run"]
    finally:
        database.engine.dispose()
