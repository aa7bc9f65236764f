"""Web wiring: extensions, blueprints, template helpers, error pages and response headers.

Only wiring lives here; the extension objects are in `extensions`, template filters in
`formatting`, and the one commit point of state-changing views in `actions`.
"""
from __future__ import annotations

import hmac
import io
import os
from types import SimpleNamespace

from flask import Flask, abort, current_app, g, render_template, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import DBAPIError
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter

from gongyi import formatting, policy
from gongyi.audit.labels import ACTION_LABELS, MAIL_KIND_LABELS
from gongyi.auth.models import User
from gongyi.audit.views import bp as audit_bp
from gongyi.auth.views import bp as auth_bp
from gongyi.auth.vocab import ROLES
from gongyi.calls.rules import LABELS as RULE_LABELS
from gongyi.calls.views import bp as calls_bp
from gongyi.calls.models import ROUND_STATES
from gongyi.calls.workflow import CALL_STATES, allows
from gongyi.funding.sources import COUNT_REASONS, FUND_SOURCE_LABELS
from gongyi.catalogue.views import bp as catalogue_bp
from gongyi.communities.admin_views import bp as communities_admin_bp
from gongyi.communities.views import bp as communities_bp
from gongyi.communities.vocab import COMMUNITY_STATUSES, PRIORITIES
from gongyi.dashboards.views import bp as dashboards_bp
from gongyi.db import get_session
from gongyi.execution.admin_views import bp as execution_admin_bp
from gongyi.execution.evaluator_views import bp as evaluation_bp
from gongyi.execution.public_views import bp as disclosure_bp
from gongyi.execution.record_views import bp as execution_record_bp
from gongyi.execution.views import bp as execution_bp
from gongyi.execution.vocab import (EVALUATION_KINDS, EVALUATION_STATUSES, EXECUTION_STATUSES, REPORT_FILE_KINDS,
                                    REPORT_STATUSES, TRANCHE_GATES, TRANCHE_STATUSES)
from gongyi.extensions import babel, cache, csrf, limiter, login_manager
from gongyi.funding.vocab import POOLS
from gongyi.library.admin_views import bp as library_admin_bp
from gongyi.library.brands import marked_replication
from gongyi.library.brand_views import bp as library_brands_bp
from gongyi.library.cofunder_views import bp as cofunder_bp
from gongyi.library.views import bp as library_bp
from gongyi.library.vocab import (BRAND_CRITERIA, ENTRY_RULES, ENTRY_STATUSES, EVALUATION_OUTCOMES, FUNDER_KINDS,
                                  PLEDGE_STATUSES)
from gongyi.mail.views import bp as mail_bp
from gongyi.main import bp as main_bp
from gongyi.notices.views import bp as notices_bp
from gongyi.orgs.views import bp as orgs_bp
from gongyi.printing.views import bp as printing_bp
from gongyi.orgs.vocab import DOCUMENT_KINDS, ORG_STATUSES, ORG_TYPES
from gongyi.results.admin_views import bp as results_admin_bp
from gongyi.results.api import bp as api_bp
from gongyi.results.api import http_error as api_error, redirect_in_json, serves as serves_api
from gongyi.results.public_views import bp as public_results_bp
from gongyi.results.publication_views import bp as publication_admin_bp
from gongyi.results.vocab import OBJECTION_STATUSES, OUTCOMES, PUBLICATIONS
from gongyi.review.admin_views import bp as review_admin_bp
from gongyi.review.round_views import bp as review_rounds_bp
from gongyi.review.models import CONFLICT_SOURCES, REVIEW_STATUSES
from gongyi.review.views import bp as review_bp
from gongyi.submissions.admin_views import bp as screening_bp
from gongyi.submissions.views import bp as submissions_bp
from gongyi.submissions.vocabularies import ELIGIBILITY, STAGES, SUBMISSION_STATUSES
from gongyi.numbers import has_control_characters, whole_number
from gongyi.webutil import MAX_ID, url_pattern, url_with
from gongyi.workspace.views import bp as workspace_bp, navigation_counts

BLUEPRINTS = (main_bp, auth_bp, orgs_bp, catalogue_bp, calls_bp, results_admin_bp, screening_bp, review_bp,
              review_admin_bp, mail_bp, submissions_bp, public_results_bp, publication_admin_bp, api_bp,
              communities_bp, communities_admin_bp, dashboards_bp, review_rounds_bp,
              execution_admin_bp, execution_record_bp, execution_bp, evaluation_bp, disclosure_bp,
              workspace_bp, printing_bp, notices_bp, library_bp, library_admin_bp, cofunder_bp, library_brands_bp,
              audit_bp)
# Each vocabulary's value -> label map, for the `label` filter: {{ call.status|label(vocab.call_states) }}.
VOCABULARIES = SimpleNamespace(
    call_states=CALL_STATES, outcomes=OUTCOMES, review_statuses=REVIEW_STATUSES, rules=RULE_LABELS,
    actions=ACTION_LABELS, mail_kinds=MAIL_KIND_LABELS,
    conflict_sources=CONFLICT_SOURCES,
    submission_statuses=SUBMISSION_STATUSES, eligibility=ELIGIBILITY, stages=STAGES,
    publications=PUBLICATIONS, objection_statuses=OBJECTION_STATUSES, pools=POOLS,
    org_types=ORG_TYPES, org_statuses=ORG_STATUSES, document_kinds=DOCUMENT_KINDS,
    community_statuses=COMMUNITY_STATUSES, priorities=PRIORITIES, roles=ROLES,
    execution_statuses=EXECUTION_STATUSES, report_statuses=REPORT_STATUSES, report_file_kinds=REPORT_FILE_KINDS,
    evaluation_kinds=EVALUATION_KINDS, evaluation_statuses=EVALUATION_STATUSES, tranche_gates=TRANCHE_GATES,
    tranche_statuses=TRANCHE_STATUSES,
    fund_sources=FUND_SOURCE_LABELS, round_states=ROUND_STATES, count_reasons=COUNT_REASONS,
    library_statuses=ENTRY_STATUSES, pledge_statuses=PLEDGE_STATUSES, funder_kinds=FUNDER_KINDS,
    evaluation_outcomes=EVALUATION_OUTCOMES, brand_criteria=BRAND_CRITERIA, entry_rules=ENTRY_RULES,
)
ERROR_PAGES = {
    400: (_l("请求无效"), _l("请求中含有无法处理的内容（例如控制字符）。请返回修改后重试。")),
    403: (_l("没有权限"), _l("您没有权限访问此页面。")),
    404: (_l("页面不存在"), _l("您访问的页面不存在或已被移除。")),
    405: (_l("不支持的操作"), _l("此页面不能这样打开。请从页面上的链接或按钮进入。")),
    413: (_l("文件过大"), _l("上传的内容超过了允许的大小。")),
    429: (_l("尝试次数过多"), _l("失败的尝试太多了。为保护账号安全，请 15 分钟后再试；忘记密码可以重设。")),
    500: (_l("服务器出错"), _l("出了点问题，我们已记录下来。请稍后再试。")),
}
CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'"


class RowIdConverter(IntegerConverter):
    """`<int:...>` in URLs: ids beyond a database integer are simply not found (404), never a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def select_locale() -> str:
    """The signed-in user's choice, else the visitor's session choice, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return "zh_CN"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user a session names, if the session's token is still the user's (see User.end_sessions)."""
    number, _, token = user_id.partition(":")
    user_id_number = whole_number(number)
    user = get_session().get(User, user_id_number) if user_id_number is not None else None
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def _error_page(code: int, status: int | None = None):
    def handler(_exc):
        title, message = ERROR_PAGES.get(code, ERROR_PAGES[500])
        if code == 500:
            g.plain_navigation = True  # no counting queries on a page shown because something failed
        if serves_api(request.path):  # the JSON API answers every error in JSON
            return api_error(status or code, str(message))
        return render_template("error.html", code=code, title=title, message=message), status or code

    return handler


def _csrf_error(_exc: CSRFError):
    return render_template("error.html", code=400, title=_l("表单已过期"),
                           message=_l("表单已过期或无效，请返回刷新后重试。")), 400


class BoundedBody:
    """WSGI middleware: a body sent without Content-Length (chunked) is read up to the request limit
    and no further; one byte more and the request is refused (413), never silently cut short.

    Werkzeug limits such a stream too, but a form parser reading it stops at the limit and parses
    what it got. Bodies with a Content-Length are left to Werkzeug, which refuses them unread.
    """

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
            limit = self.app.config.get("MAX_CONTENT_LENGTH")
            if limit is not None:
                body, stream = bytearray(), environ["wsgi.input"]
                while len(body) <= limit:
                    chunk = stream.read(min(65536, limit + 1 - len(body)))
                    if not chunk:
                        break
                    body += chunk
                if len(body) > limit:
                    environ["gongyi.body_too_large"], body = True, bytearray()
                environ.update({"wsgi.input": io.BytesIO(bytes(body)), "CONTENT_LENGTH": str(len(body))})
                del environ["wsgi.input_terminated"]
        return self.wsgi_app(environ, start_response)


def _refuse_control_characters():
    """No control character (NUL, escape, ...) in a path or a query string: a path holding one
    names nothing (404); a query holding one is refused (400). Forms refuse them beside the field
    (forms.Form); whatever else reaches the database with a NUL is answered by _nul_refused."""
    if request.environ.get("gongyi.body_too_large"):
        abort(413)
    if has_control_characters(request.path, multiline=False):
        abort(404)
    if any(has_control_characters(k, multiline=False) or has_control_characters(v)
           for k, values in request.args.lists() for v in values):
        abort(400)


def _nul_refused(exc: Exception):
    """PostgreSQL stores no NUL character: a value holding one that no form checked is a bad request."""
    if "NUL" not in str(exc):
        raise exc
    get_session().rollback()
    return _error_page(400)(exc)


def _security_headers(response):
    if serves_api(request.path):
        response = redirect_in_json(response)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.endpoint != "static" and current_user.is_authenticated:  # for this person only: never stored
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    if current_app.config["HTTPS"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"))
    csrf.exempt(api_bp)  # read-only GET requests, no session state changed
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)

    app.jinja_env.globals.update(policy=policy, vocab=VOCABULARIES, url_with=url_with, url_pattern=url_pattern,
                                 allows=allows,
                                 get_locale=lambda: str(get_locale()),
                                 replication_mark=lambda submission: marked_replication(get_session(), submission))
    app.jinja_env.filters.update(formatting.FILTERS)
    for code in ERROR_PAGES:
        app.register_error_handler(code, _error_page(code))
    app.register_error_handler(CSRFError, _csrf_error)
    # psycopg: "PostgreSQL text fields cannot contain NUL (0x00) bytes" (raw, or wrapped by SQLAlchemy)
    for error in (ValueError, DBAPIError):
        app.register_error_handler(error, _nul_refused)
    app.before_request(_refuse_control_characters)
    app.wsgi_app = BoundedBody(app.wsgi_app, app)  # type: ignore[method-assign]
    app.after_request(_security_headers)
    app.context_processor(lambda: {"current_path": request.path, "nav_counts": navigation_counts})
