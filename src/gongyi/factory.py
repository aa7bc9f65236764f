"""The application factory: configuration, database, web wiring and command line."""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from gongyi import ConfigError, cli, db, web


def _defaults(app: Flask) -> dict[str, Any]:
    return {
        "SECRET_KEY": None,
        "DATABASE_URL": "sqlite:///" + os.path.join(app.instance_path, "gongyi.sqlite3"),
        "SQL_ECHO": False,
        "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_CN", "en"],
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_FROM": "gongyi@localhost",
        "REVIEW_REMINDER_DAYS": 3,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PUBLICITY_WORKING_DAYS": 5,
        # The host (主办单位) shown on the home page, the guide, the footer and the publicity notice;
        # the address and phone are the offline contact for objections.
        "HOST_NAME": None,
        "HOST_ADDRESS": None,
        "HOST_PHONE": None,
        "HOST_EMAIL": None,
        "HOST_HOURS": None,
        # The largest request body read at all (uploads included); larger ones are refused at once (413).
        "MAX_REQUEST_BYTES": None,
        # The most a call package uploaded on the import page may hold unpacked (checked before unpacking).
        "MAX_PACKAGE_BYTES": None,
        # Served over HTTPS (behind TLS): secure cookies and HSTS.
        "HTTPS": False,
        # How many reverse proxies (load balancers) stand in front of the app and set X-Forwarded-For
        # and X-Forwarded-Proto; their addresses are then replaced by the client's (rate limits).
        "TRUSTED_PROXIES": 0,
        # Redis for the login rate limit and the page cache when several instances share them.
        "REDIS_URL": None,
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
        # Mail sent to an address on anyone's request (registration, password reset): a few an hour.
        "MAIL_LIMIT_PER_ACCOUNT": "3 per hour",
        "RATELIMIT_HEADERS_ENABLED": False,
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _derived_settings(config) -> None:
    """Settings that follow from others unless they are given themselves."""
    # Uploads are checked per file against MAX_ATTACHMENT_BYTES; the request limit leaves room for a form.
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_REQUEST_BYTES"] or int(config["MAX_ATTACHMENT_BYTES"]) + 1024 * 1024)
    # An upload's archive unpacks into the worker's memory: a few times the request, not what a zip bomb says.
    config["MAX_PACKAGE_BYTES"] = int(config["MAX_PACKAGE_BYTES"] or 4 * config["MAX_CONTENT_LENGTH"])
    if config["HTTPS"]:
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = True
    config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"] or "memory://")
    config.setdefault("CACHE_KEY_PREFIX", "gongyi:")
    config.setdefault("CACHE_DEFAULT_TIMEOUT", 24 * 3600)  # entries are never stale (see results/page_cache.py)
    if config["REDIS_URL"]:
        config.setdefault("CACHE_TYPE", "RedisCache")
        config.setdefault("CACHE_REDIS_URL", config["REDIS_URL"])
    else:
        config.setdefault("CACHE_TYPE", "gongyi.filecache.FileCache")  # pruned in one pass (see there)
        # files kept before the oldest are pruned: the kept figures (an hour each, gongyi.kept)
        # must not push the day-long results pages out
        config.setdefault("CACHE_THRESHOLD", 5000)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then GONGYI_* variables, then the test mapping."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    app = Flask(
        __name__,
        instance_path=os.environ.get("GONGYI_INSTANCE_PATH") or os.path.join(root, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    app.config.from_mapping(_defaults(app))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("GONGYI")
    if test_config is not None:
        app.config.from_mapping(test_config)
    _derived_settings(app.config)
    app.config.setdefault("CACHE_DIR", os.path.join(app.instance_path, "cache"))
    os.makedirs(app.instance_path, exist_ok=True)

    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing:
            app.config["SECRET_KEY"] = "dev-only-not-secret"
        else:
            raise ConfigError(
                "GONGYI_SECRET_KEY is not set. Set it to a long random string, e.g. "
                "export GONGYI_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )

    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    db.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
