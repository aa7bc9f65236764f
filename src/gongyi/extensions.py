"""The Flask extension objects, created once and bound to the app in `web.init_app`.

Kept apart from the wiring so that any module may use them without importing the views.
"""
from __future__ import annotations

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from gongyi.i18n import RequestBabel

login_manager = LoginManager()
csrf = CSRFProtect()
babel = RequestBabel()  # its translations found once per request (gongyi.i18n)
# Only routes that say so are limited (sign-in); storage: RATELIMIT_STORAGE_URI (memory or Redis).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Rendered pages of published results (results/page_cache.py): files under instance/cache, or
# Redis when GONGYI_REDIS_URL is set (CACHE_TYPE and the rest are set in factory._derived_settings).
cache = Cache()
