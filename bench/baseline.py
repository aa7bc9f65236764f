"""The baselines the benchmark compares pages with: routes it adds to the same app (never part of
the app itself), behind the same middleware, session and login.

    /bench/base            the base layout for whoever is signed in, with nothing else
    /bench/table?rows=N    the base layout with an N-row, 10-column table rendered from memory
    /bench/insert (POST)   one row inserted in its own transaction

`gunicorn bench.baseline:app` serves the app with these routes (settings from GONGYI_*).
"""
from __future__ import annotations

import os

from flask import Blueprint, Flask, render_template, request
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

from gongyi import create_app
from gongyi.collector import settle_after_start
from gongyi.db import get_session
from gongyi.extensions import csrf

METADATA = MetaData()
BENCH_ROW = Table("bench_row", METADATA, Column("id", Integer, primary_key=True), Column("note", String(100)))
COLUMNS = 10
bp = Blueprint("bench", __name__, url_prefix="/bench",
               template_folder=os.path.join(os.path.dirname(__file__), "templates"))


@bp.get("/base")
def base():
    return render_template("bench/base.html")


@bp.get("/table")
def table():
    rows = min(int(request.args.get("rows", "250")), 20_000)
    data = [[f"R{r:05d}-{c}" if c % 3 else f"{r * 37 + c:,}.00" for c in range(COLUMNS)] for r in range(rows)]
    return render_template("bench/table.html", rows=data, header=[f"列{c}" for c in range(COLUMNS)])


@bp.post("/insert")
@csrf.exempt
def insert_row():
    session = get_session()
    session.execute(insert(BENCH_ROW).values(note="bench"))
    session.commit()
    return "ok"


def add_baselines(app: Flask, create_tables: bool = True) -> Flask:
    app.register_blueprint(bp)
    if create_tables:
        METADATA.create_all(app.extensions["gongyi.engine"])
    return app


def create_tables(url: str) -> None:
    """The baselines' table, made before gunicorn starts: its workers start together, and two
    CREATE TABLEs at once on PostgreSQL fail one worker."""
    engine = create_engine(url)
    METADATA.create_all(engine)
    engine.dispose()


def _gunicorn_app() -> Flask:
    app = add_baselines(create_app(), create_tables=False)
    settle_after_start()  # as app.py does for the app served alone
    return app


if os.environ.get("GONGYI_BENCH_SERVE"):
    app = _gunicorn_app()
