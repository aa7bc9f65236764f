"""`make bench`: speed at city scale, side by side, on SQLite and PostgreSQL, in one table.

    make bench                                   # SQLite, and PostgreSQL when the URL below is set
    GONGYI_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_speed make bench

The PostgreSQL database is wiped; the deadline rush uses a second one named after it with
`_rush` appended (created when missing). The packages (10 and 10,000 submissions, two rounds,
about 350,000 scores) are generated once and kept in bench/out/ (git-ignored).

Measured, per database: `flask calls import` and `flask calls compute` as whole processes
(start-up included; wall, CPU of the process, peak memory) against bench/plain.py as a whole
process; every list page at 10 and 10,000 submissions in the app's test client (median time,
SQL statements, bytes) as ratios to the base page and to a bare template route of the same
table size (bench/baseline.py); results day: 16 concurrent anonymous clients against gunicorn
(4 workers) on the public results page and on the bare template route; and on PostgreSQL the
deadline rush: 16 clients, each its own organisation, through the real forms with CSRF tokens,
the gunicorn workers' CPU per request of each step against the base page and a bare insert.

Each comparison is measured side by side in time, not only in the same run: the base page just
before each list page, results day's two routes in alternating turns, the rush in three rounds.
This machine is a shared virtual one, where a neighbour's burst can slow one minute by half.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GONGYI_SECRET_KEY", "bench-secret")

from bench import rush  # noqa: E402
from bench.measure import Server, best_process, flask, python, run_process, sample, throughput  # noqa: E402

OUT = ROOT / "bench" / "out"
BIG, SMALL = ("random-7", 7, 10_000), ("random-8", 8, 10)
ADMIN = ("bench-admin@example.org", "bench-password-1")
PUBLIC_ROWS = 100  # gongyi.results.public_views.PER_PAGE: the bare table of results day is as long as the page


def package(seed: int, submissions: int) -> Path:
    """The package folder, generated once (about 10 s for 10,000 submissions) and kept."""
    folder = OUT / "data" / f"package-{seed}-{submissions}"
    if not (folder / ".complete").exists():
        from tests.package_gen import random_package

        folder.mkdir(parents=True, exist_ok=True)
        files = random_package(seed, submissions=submissions, reviewers=200 if submissions > 100 else 12, criteria=6,
                               reviews_per=(5, 5), random_rules=False, v2=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        (folder / ".complete").write_text("")
    return folder


def wipe(url: str) -> None:
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def processes(url: str, repeat: int) -> dict:
    """Import, compute and the plain script, each as a whole process."""
    env = {**os.environ, "GONGYI_DATABASE_URL": url}
    wipe(url)
    run_process(flask("db", "upgrade"), env)
    run_process(flask("catalogue", "load"), env)
    big = package(BIG[1], BIG[2])
    found = {"import": run_process(flask("calls", "import", str(big)), env)}
    run_process(flask("calls", "import", str(package(SMALL[1], SMALL[2]))), env)
    found["compute"] = best_process(repeat, flask("calls", "compute", BIG[0]), env)
    work = Path(tempfile.mkdtemp(prefix="gongyi-bench-"))
    found["plain"] = best_process(repeat, [python(), "bench/plain.py", str(big), str(work / "plain.csv")], env)
    run_process(flask("calls", "export", BIG[0], "--out", str(work / "app.csv")), env)
    found["same"] = (work / "app.csv").read_bytes().decode("utf-8-sig") == (work / "plain.csv").read_text()
    return found


def pages(url: str, repeat: int) -> list[tuple]:
    """Every list page at 10 and 10,000 submissions against the base page and a bare table."""
    from bench.baseline import add_baselines
    from gongyi import create_app
    from gongyi.auth.service import create_user
    from gongyi.calls.service import find_call
    from gongyi.db import get_session
    from gongyi.results.models import Run
    from sqlalchemy import func, select

    app = add_baselines(create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False}))
    with app.app_context():
        create_user(get_session(), None, email=ADMIN[0], name="bench", password=ADMIN[1], roles=("admin",))
        get_session().commit()
    admin, visitor = app.test_client(), app.test_client()
    admin.post("/auth/login", data={"email": ADMIN[0], "password": ADMIN[1]})
    rows = []
    for slug, _seed, size in (SMALL, BIG):
        admin.post(f"/admin/calls/{slug}/transition", data={"transition": "finish_review"})
        with app.app_context():
            call = find_call(get_session(), slug)
            number = get_session().scalar(select(func.max(Run.number)).where(Run.call_id == call.id))
            call_id = call.id
        admin.post(f"/admin/calls/{slug}/publication/publish", data={"kind": "provisional", "run": str(number)})
        bases = []
        for label, client, path in [
            ("ranking", admin, f"/admin/calls/{slug}/results"),
            ("public results (rendered)", admin, f"/results/{slug}"),
            ("public results (cached)", visitor, f"/results/{slug}"),
            ("screening", admin, f"/admin/submissions/?call={call_id}"),
            ("review board", admin, f"/admin/review/{slug}"),
            ("calibration", admin, f"/admin/review/{slug}/calibration"),
            ("call dashboard", admin, f"/admin/calls/{slug}/dashboard"),
            ("coverage map", admin, f"/admin/coverage?call={slug}"),
            ("editions dashboard", admin, "/admin/dashboard"),
        ]:
            # the base page beside each page, not once for all: on a shared machine a neighbour's
            # burst slows one minute of the run and not the next
            base = sample(app, admin, "/bench/base", repeat * 3)
            page = sample(app, client, path, repeat)
            bare = sample(app, admin, f"/bench/table?rows={page.rows}", repeat)
            rows.append((label, size, page, page.ms / base.ms, page.ms / bare.ms))
            bases.append(base)
        rows.append(("base page", size, sorted(bases, key=lambda b: b.ms)[len(bases) // 2], 1.0, None))
    app.extensions["gongyi.engine"].dispose()
    return rows


def results_day(url: str, port: int, seconds: float) -> dict:
    server = Server(url, port)
    try:
        throughput(port, f"/results/{BIG[0]}", 4, 1.0)  # warm the workers and the page cache
        # in turns of a fifth of the time each, and the median turn of each: a neighbour's burst on
        # a shared machine then slows a turn of both, not all of one
        turns: dict[str, list[float]] = {"page": [], "bare": []}
        errors = 0
        for _ in range(5):
            for name, path in (("page", f"/results/{BIG[0]}"), ("bare", f"/bench/table?rows={PUBLIC_ROWS}")):
                rate, failed = throughput(port, path, 16, seconds / 5)
                turns[name].append(rate)
                errors += failed
    finally:
        server.stop()
    return {"page": statistics.median(turns["page"]), "bare": statistics.median(turns["bare"]), "errors": errors}


def main() -> None:
    global BIG
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--submissions", type=int, default=BIG[2], help="the large call's size (a quick trial: 500)")
    parser.add_argument("--rush-only", action="store_true", help="the deadline rush alone (needs the PostgreSQL URL)")
    args = parser.parse_args()
    BIG = (BIG[0], BIG[1], args.submissions)
    OUT.mkdir(parents=True, exist_ok=True)
    databases = [("SQLite", f"sqlite:///{OUT / 'bench.sqlite3'}")]
    if os.environ.get("GONGYI_BENCH_DATABASE_URL"):
        databases.append(("PostgreSQL", os.environ["GONGYI_BENCH_DATABASE_URL"]))
    found = {}
    if args.rush_only and len(databases) < 2:
        raise SystemExit("--rush-only: set GONGYI_BENCH_DATABASE_URL (the rush runs on PostgreSQL)")
    for index, (name, url) in enumerate([] if args.rush_only else databases):
        print(f"[{name}] import, compute, plain script ...", flush=True)
        found[name] = {"processes": processes(url, args.repeat)}
        print(f"[{name}] pages ...", flush=True)
        found[name]["pages"] = pages(url, args.repeat * 2)
        print(f"[{name}] results day ...", flush=True)
        found[name]["day"] = results_day(url, 8700 + index, args.seconds)
    if len(databases) > 1:
        print("[PostgreSQL] deadline rush ...", flush=True)
        rush_url = databases[1][1] + "_rush"
        wipe(rush_url)
        found["rush"] = rush.run(rush_url, 8790)
    report(found)


def report(found: dict) -> None:
    from bench.report import print_table

    print_table(found, BIG[2])


if __name__ == "__main__":
    main()
