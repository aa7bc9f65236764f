"""gongyi: public-welfare project competitions run the Shenzhen way.

Importing the package loads no web framework, so that the pure rule modules (ranking,
allocation, rules, parsers) run on the standard library alone; the application factory
lives in `gongyi.factory`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from flask import Flask


class ConfigError(RuntimeError):
    """The app cannot start with the configuration it was given."""


def create_app(test_config: Mapping[str, Any] | None = None) -> "Flask":
    """Build the app (see gongyi.factory.create_app)."""
    from gongyi.factory import create_app as build  # lazy: `import gongyi` must not load Flask

    return build(test_config)
