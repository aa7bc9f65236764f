"""Fixtures shared by the service tests: an administrator, and the audit trail of an object."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from tests.factories import make_admin


@pytest.fixture
def admin(db):
    user = make_admin(db)
    db.commit()
    return user


@pytest.fixture
def audit_actions(db):
    """`audit_actions(obj)`: the audit trail's action codes for `obj`, oldest first."""
    def actions(obj) -> list[str]:
        return list(db.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == obj.__tablename__, AuditEntry.object_id == str(obj.id)).order_by(AuditEntry.id)))

    return actions
