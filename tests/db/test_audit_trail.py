"""The audit trail is append-only in the database itself, on SQLite and PostgreSQL, whether the
schema came from the migrations or from create_all."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gongyi.audit.models import AuditEntry
from gongyi.audit.service import record
from gongyi.db import Base
from tests.factories import make_admin


def test_entries_cannot_be_updated_or_deleted(app, db):
    admin = make_admin(db)
    db.commit()
    engine = app.extensions["gongyi.engine"]
    for statement in ("UPDATE audit_entry SET action = 'forged'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    db.rollback()
    assert db.query(AuditEntry).filter_by(action="user.create", object_id=str(admin.id)).count() == 1


def test_a_decision_taken_once_cannot_be_recorded_twice(db):
    admin = make_admin(db)
    record(db, admin, "run.publish", admin)  # any object: the index is on (type, id, action)
    db.flush()
    record(db, admin, "run.publish", admin)
    with pytest.raises(IntegrityError):
        db.flush()


def test_tables_created_directly_are_append_only_too():
    import gongyi.models  # noqa: F401

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_entry (at, action, object_type, object_id, detail) "
                          "VALUES ('2026-01-01 00:00:00', 'x', 'y', '1', '{}')"))
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_entry"))
