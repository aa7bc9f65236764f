"""Alembic environment: uses the engine of the app that invoked it (see gongyi.migrate)."""
from alembic import context

from gongyi.db import Base
import gongyi.models  # noqa: F401  (registers every table on Base.metadata)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a constraint by copying the table and dropping the old one; with foreign
            # keys on, the drop would delete by cascade every row pointing at it (a review's scores).
            # So they are off while migrating (the pragma only works outside a transaction) and
            # checked once the migration is done.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")


run_migrations_online()
