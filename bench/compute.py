"""Benchmark: computing a 10,000-submission call judged in two rounds (about 300,000 scores) in
the app versus a plain script doing the same from the CSV files held in memory, run side by side.

    make bench                      # SQLite
    GONGYI_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench make bench

The app's time covers loading the inputs from the database, the pure engine, and saving the
run (10,000 result rows with their ledgers). The baseline is tests/plain_results.py: it parses
the CSV text and computes the results with its own plain code (it shares nothing with the app).
Reported: best of N runs for each, and their ratio (app / baseline).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("GONGYI_SECRET_KEY", "bench")
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from gongyi import create_app  # noqa: E402
from gongyi.db import get_session  # noqa: E402
from tests.package_gen import random_package  # noqa: E402
from tests.plain_results import plain_results_csv  # noqa: E402


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    # Rules version 2: an online round by experts (the best 40% advance), then a roadshow final
    # judged by experts (0.7) and the public (0.3); a donor cap, government lines, holds.
    files = random_package(7, submissions=args.submissions, reviewers=200, criteria=6, reviews_per=(5, 5),
                           random_rules=False, v2=True)
    scores = files["reviews.csv"].count(b"\n")
    workdir = Path(tempfile.mkdtemp(prefix="gongyi-bench-"))
    url = os.environ.get("GONGYI_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": url})
    from gongyi import migrate
    from gongyi.catalogue import service as catalogue
    from gongyi.results.importer import import_package_files
    from gongyi.calls.service import find_call
    from gongyi.results.service import compute_call

    with app.app_context():
        engine = app.extensions["gongyi.engine"]
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(app)
        session = get_session()
        catalogue.load_catalogue(session, None, catalogue.parse_catalogue(catalogue.bundled_catalogue_text()))
        session.commit()
        start = time.perf_counter()
        import_package_files(session, None, files)
        session.commit()
        import_time = time.perf_counter() - start

        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))

        def app_compute():
            with app.app_context():
                s = get_session()
                compute_call(s, None, find_call(s, "random-7"))
                s.commit()

        app_time = best_of(args.repeat, app_compute)
        per_run_statements = len(statements) // args.repeat
        baseline_time = best_of(args.repeat, lambda: plain_results_csv(files))

        # The administrator's ranking page on the same call: 250 rows a page.
        from gongyi.auth.service import create_user

        create_user(session, None, email="bench-admin@example.org", name="bench", password="bench-password", roles=("admin",))
        session.commit()
        client = app.test_client()
        client.post("/auth/login", data={"email": "bench-admin@example.org", "password": "bench-password"})
        pages = {}
        for label, url in [("page 1", "/admin/calls/random-7/results"),
                           ("page 20", "/admin/calls/random-7/results?page=20"),
                           ("sorted by matching", "/admin/calls/random-7/results?sort=matching&dir=desc&page=3"),
                           ("filtered + search", "/admin/calls/random-7/results?outcome=library&q=P00")]:
            client.get(url)
            statements.clear()
            pages[label] = (best_of(args.repeat * 3, lambda: client.get(url)), len(statements) // (args.repeat * 3))

    print(f"call: {args.submissions} submissions, {scores} scores; database {engine.dialect.name}")
    print(f"import (once, not compared):  {import_time:8.3f} s")
    print(f"app compute (load+engine+save): {app_time:8.3f} s   ({per_run_statements} SQL statements per run)")
    print(f"plain script from CSV in memory: {baseline_time:8.3f} s")
    print(f"ratio app / baseline:          {app_time / baseline_time:8.2f}")
    print("ranking page (admin, 250 rows, best of runs):")
    for label, (seconds, count) in pages.items():
        print(f"  {label:22} {seconds * 1000:7.1f} ms   {count} SQL statements")


if __name__ == "__main__":
    main()
