"""The Flask extension objects, created once and bound to the app in `web.init_app`.

Kept apart from the wiring so that any module may use them without importing the views.
"""
from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
