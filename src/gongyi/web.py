"""Web wiring: login, translations, CSRF, blueprints, error pages and template helpers."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, render_template, request, session
from flask_babel import Babel, format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from gongyi import policy
from gongyi.audit.labels import action_label, mail_kind_label
from gongyi.calls.workflow import STATE_LABELS
from gongyi.results.service import OUTCOME_LABELS
from gongyi.db import get_session, utcnow
from gongyi.calls.rules import LABELS as RULE_LABELS
from gongyi.money import format_fen, parse_yuan
from gongyi.orgs.districts import district_name

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def select_locale() -> str:
    """The signed-in user's choice, else the visitor's session choice, else Chinese."""
    languages = ["zh_CN", "en"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return "zh_CN"


@login_manager.user_loader
def load_user(user_id: str):
    from gongyi.auth.models import User

    return get_session().get(User, int(user_id))


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time shown in Asia/Shanghai."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def countdown(deadline: datetime) -> str:
    """Time left before a deadline, in days and hours, as the server sees it."""
    left = deadline - utcnow()
    if left.total_seconds() <= 0:
        return _("已截止")
    days, hours = left.days, left.seconds // 3600
    if days:
        return _("还剩 %(d)s 天 %(h)s 小时", d=days, h=hours)
    return _("还剩 %(h)s 小时 %(m)s 分钟", h=hours, m=(left.seconds % 3600) // 60)


def init_app(app: Flask) -> None:
    import os

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"),
    )

    from gongyi.auth.views import bp as auth_bp
    from gongyi.calls.views import bp as calls_bp
    from gongyi.catalogue.views import bp as catalogue_bp
    from gongyi.main import bp as main_bp
    from gongyi.orgs.views import bp as orgs_bp
    from gongyi.submissions.admin_views import bp as screening_bp
    from gongyi.submissions.views import bp as submissions_bp
    from gongyi.review.views import bp as review_bp

    from gongyi.results.admin_views import bp as results_admin_bp
    from gongyi.results.api import bp as api_bp
    from gongyi.results.public_views import bp as public_results_bp
    from gongyi.results.publication_views import bp as publication_admin_bp

    csrf.exempt(api_bp)  # read-only GET requests, no session state changed

    for bp in (main_bp, auth_bp, orgs_bp, catalogue_bp, calls_bp, results_admin_bp, screening_bp, review_bp, submissions_bp,
               public_results_bp, publication_admin_bp, api_bp):
        app.register_blueprint(bp)

    app.jinja_env.globals.update(policy=policy, get_locale=lambda: str(get_locale()))
    app.jinja_env.filters["yuan"] = format_fen
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["district"] = lambda code: district_name(code, str(get_locale()))
    app.jinja_env.filters["countdown"] = countdown
    app.jinja_env.filters["yuan_text"] = lambda text: format_fen(parse_yuan(text)) if text else ""
    for name in ("aggregate_label", "tie_breaker_label", "policy_label"):
        app.jinja_env.filters[name] = lambda key: _(RULE_LABELS.get(key, key))
    app.jinja_env.filters["outcome_label"] = lambda outcome: _(OUTCOME_LABELS.get(outcome, outcome))
    app.jinja_env.filters["call_state"] = lambda state: _(STATE_LABELS.get(state, state))
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["mail_kind_label"] = mail_kind_label

    def error_page(code: int, title: str, message: str):
        def handler(_exc):
            return render_template("error.html", code=code, title=_(title), message=_(message)), code

        return handler

    app.register_error_handler(403, error_page(403, "没有权限", "您没有权限访问此页面。"))
    app.register_error_handler(404, error_page(404, "页面不存在", "您访问的页面不存在或已被移除。"))
    app.register_error_handler(413, error_page(413, "文件过大", "上传的内容超过了允许的大小。"))
    app.register_error_handler(500, error_page(500, "服务器出错", "出了点问题，我们已记录下来。请稍后再试。"))
    app.register_error_handler(CSRFError, error_page(400, "表单已过期", "表单已过期或无效，请返回刷新后重试。"))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
        return response

    @app.context_processor
    def inject_request_info():
        return {"current_path": request.path}
