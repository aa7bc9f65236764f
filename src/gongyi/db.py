"""Database wiring: the declarative base, one engine per app, one session per request.

Services receive a session and flush; views commit once at the end of a request.
Nothing here reads configuration at import time.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Annotated, Any, Callable, Iterable, Iterator, Sequence, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import JSON, BigInteger, DateTime, Engine, MetaData, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from gongyi.clock import utcnow

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and hands them back aware.

    SQLite keeps no zone, so without this a round trip would return naive values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


intpk = Annotated[int, mapped_column(primary_key=True)]
# Money in whole fen: 64-bit, since a 32-bit column tops out at ¥21,474,836.47.
fen = Annotated[int, mapped_column(BigInteger)]
created_now = Annotated[datetime, mapped_column(UTCDateTime(), default=utcnow)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets foreign keys and WAL, as the app relies on both."""
    kwargs: dict = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url != "sqlite://":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
    app.extensions["gongyi.engine"] = engine
    app.extensions["gongyi.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def lock(session: Session, obj: T, *options: Any) -> T:
    """Lock `obj`'s row until the transaction ends (SELECT ... FOR UPDATE) and reread it.

    A decision that must happen once (publishing, submitting, verifying) locks its row first and
    checks the state afterwards: a concurrent request waits for the first one's commit, then sees
    its outcome and is refused with a message instead of deciding twice. SQLite ignores the
    clause; it serializes writers itself.

    With loader `options` (rows to reread along with it, joined), the lock is a statement of its
    own and the reread follows it: a PostgreSQL statement that waited for a row's lock sees that
    row anew, but the rows it joins as they were when it began.
    """
    mapper = type(obj)
    reread = select(mapper).where(mapper.id == obj.id).execution_options(populate_existing=True)
    if not options:
        return session.scalars(reread.with_for_update()).one()
    session.execute(select(mapper.id).where(mapper.id == obj.id).with_for_update())
    return session.scalars(reread.options(*options)).unique().one()


def get_engine() -> Engine:
    return current_app.extensions["gongyi.engine"]


def get_session() -> Session:
    """The request's (or CLI command's) session, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["gongyi.sessionmaker"]()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _copy_processor(column_type, dialect):
    """How a value of the column goes to the driver: JSON as its text (COPY takes text), anything
    else through the type's own bind processing (UTC times, booleans on SQLite)."""
    if isinstance(column_type, JSON):
        serialize = dialect._json_serializer or json.dumps
        return lambda value: None if value is None else serialize(value)
    return column_type.bind_processor(dialect)


def _repeating(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, remembering its last value: a bulk load repeats one value down a column (every
    review of an import assigned at the same moment), which is then processed once."""
    last: list = [object(), None]

    def remembered(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return remembered


def bulk_insert(session: Session, model: type, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert many rows of plain values (in `columns` order) in the session's transaction, as fast
    as the database takes them: COPY on PostgreSQL, one executemany of the driver on SQLite (the
    columns' own bind processing applied, e.g. UTC times). `rows` may be a generator: it is
    consumed as it goes, so a large import never holds every row at once. Python-side defaults are
    not applied: give every column that needs a value. Returns the number of rows."""
    table = model.__table__
    session.flush()
    connection = session.connection()
    dialect = connection.dialect
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    processors = [(i, _copy_processor(table.c[c].type, dialect)) for i, c in enumerate(columns)]
    processors = [(i, _repeating(p)) for i, p in processors if p is not None]

    def prepared() -> Iterator[Sequence]:
        nonlocal count
        for row in rows:
            count += 1
            if processors:
                row = list(row)
                for i, process in processors:
                    row[i] = process(row[i])
            yield row

    driver = connection.connection.driver_connection
    if dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in prepared():
                copy.write_row(row)
    else:
        cursor = driver.cursor()
        cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})', prepared())
        cursor.close()
    return count


def analyze(session: Session, models: Iterable[type]) -> None:
    """Refresh the planner's statistics of these tables after a bulk load (PostgreSQL; SQLite
    plans without them). Runs in the session's transaction, which sees its own new rows."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE " + ", ".join(f'"{m.__table__.name}"' for m in models))
