"""Permission checks as plain functions, used by views and templates alike.

Each `can_*` takes the acting user (possibly anonymous) and the object, and returns a bool.
"""
from __future__ import annotations

from typing import Any


def _roles(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return user.roles


def is_admin(user: Any) -> bool:
    return "admin" in _roles(user)


def is_reviewer(user: Any) -> bool:
    return "reviewer" in _roles(user)


def is_member(user: Any) -> bool:
    return "member" in _roles(user)


def can_register_organisation(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and user.organisation_id is None


def can_view_organisation(user: Any, org: Any) -> bool:
    return is_admin(user) or (getattr(user, "is_authenticated", False) and user.organisation_id == org.id)


def can_verify_organisation(user: Any, org: Any) -> bool:
    """Pending or rejected organisations can be decided (again); a verified one stays verified."""
    return is_admin(user) and org.status in ("pending", "rejected")


def can_manage_calls(user: Any) -> bool:
    return is_admin(user)
