"""Backup and restore: the whole database, attachments and evidence included, as one portable file.

A backup is a .zip holding manifest.json (format, the schema's Alembic revision, when, from which
database, rows per table) and one JSON-lines file per table, rows in primary-key order; binary
values (attachments, objection evidence) in base64, times in ISO 8601 with their offset. The
same file restores into SQLite or PostgreSQL at the same revision, so it also moves an edition
from one to the other. Restoring fills an empty database, or with `replace` empties it first;
it runs in one transaction: a bad file changes nothing.
"""
from __future__ import annotations

import base64
import json
import uuid
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterator

from sqlalchemy import Connection, Engine, LargeBinary, Table, func, insert, inspect, select, text
from sqlalchemy.types import Date

import gongyi.models  # noqa: F401  (every table in the metadata)
from gongyi.audit.models import APPEND_ONLY, DROP_APPEND_ONLY
from gongyi.db import Base, UTCDateTime

FORMAT = "gongyi-backup-1"
BATCH = 1000


class BackupError(ValueError):
    """A backup that cannot be restored here, said in a sentence."""


STATE_TABLES = {"catalogue_version"}  # a token the database's triggers keep (migration 0042), not data


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in STATE_TABLES]


def _catalogue_changed(conn: Connection) -> None:
    """A new catalogue version token after a restore: PostgreSQL's replica mode keeps the
    triggers that would change it from firing, and every process must read the catalogue anew."""
    if "catalogue_version" in inspect(conn).get_table_names():
        conn.execute(text("UPDATE catalogue_version SET token = :token"), {"token": uuid.uuid4().hex})


def _revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no alembic_version table: an unmigrated database
        return None


def _encode(value: Any, column) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(value: Any, column) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def _rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in conn.execute(select(table).order_by(*order)).mappings():
        yield {c.name: _encode(row[c.name], c) for c in table.columns}


def write_backup(engine: Engine, out: str) -> dict[str, int]:
    """Write the database to `out`; returns the rows written per table."""
    counts: dict[str, int] = {}
    with engine.connect() as conn, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))  # one consistent snapshot
        revision = _revision(conn)
        for table in _tables():
            n = 0
            with archive.open(f"tables/{table.name}.jsonl", "w") as fh:
                for row in _rows(conn, table):
                    fh.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
                    n += 1
            counts[table.name] = n
        manifest = {"format": FORMAT, "revision": revision, "dialect": engine.dialect.name,
                    "created_at": datetime.now().astimezone().isoformat(), "tables": counts}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return counts


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError("not a gongyi backup: manifest.json is missing or unreadable") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}; expected {FORMAT}")
    return manifest


def _empty(conn: Connection) -> None:
    tables = _tables()
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(f'"{t.name}"' for t in tables))))
        return
    for sql in DROP_APPEND_ONLY.get(conn.dialect.name, []):  # the trail is emptied only to be restored whole
        conn.execute(text(sql))
    for table in reversed(tables):
        conn.execute(table.delete())
    for sql in APPEND_ONLY.get(conn.dialect.name, []):
        conn.execute(text(sql))


def _load_table(conn: Connection, archive: zipfile.ZipFile, table: Table) -> int:
    columns = {c.name: c for c in table.columns}
    batch: list[dict[str, Any]] = []
    n = 0
    with archive.open(f"tables/{table.name}.jsonl") as fh:
        for line in fh:
            row = json.loads(line)
            batch.append({k: _decode(v, columns[k]) for k, v in row.items() if k in columns})
            if len(batch) >= BATCH:
                conn.execute(insert(table), batch)
                n, batch = n + len(batch), []
    if batch:
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


def _reset_sequences(conn: Connection) -> None:
    for table in _tables():
        if "id" in table.columns and table.columns["id"].autoincrement is not False and table.columns["id"].primary_key:
            top = conn.execute(select(func.max(table.columns["id"]))).scalar()
            if top is not None:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), :n)"), {"n": top})


def restore_backup(engine: Engine, path: str, *, replace: bool = False) -> dict[str, int]:
    """Restore the backup at `path` into the database (at the backup's revision); returns rows per table."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{path}: not a readable backup ({exc})") from None
    with archive:
        manifest = read_manifest(archive)
        counts: dict[str, int] = {}
        with engine.begin() as conn:
            revision = _revision(conn)
            if revision != manifest["revision"]:
                raise BackupError(f"the backup is of schema revision {manifest['revision']}, the database is at "
                                  f"{revision}: run `flask db upgrade {manifest['revision']}` on an empty database first")
            present = {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in _tables()}
            if any(present.values()):
                if not replace:
                    busy = ", ".join(f"{name} ({n})" for name, n in present.items() if n)
                    raise BackupError(f"the database is not empty: {busy}; restore with --replace to empty it first")
                _empty(conn)
            if conn.dialect.name == "sqlite":
                conn.execute(text("PRAGMA defer_foreign_keys = ON"))
            else:
                conn.execute(text("SET session_replication_role = replica"))  # foreign keys checked by the source
            for table in _tables():
                if table.name in manifest["tables"]:
                    counts[table.name] = _load_table(conn, archive, table)
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET session_replication_role = DEFAULT"))
                _reset_sequences(conn)
            _catalogue_changed(conn)
        return counts
