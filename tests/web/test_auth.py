"""Accounts: registration confirmed by e-mail, sign-in limits, sessions that end, password policy
and reset. No answer tells whether an address has an account."""
import re

import pytest
from sqlalchemy import func, select

from gongyi import create_app
from gongyi.auth import service as account_service
from gongyi.auth.models import User
from gongyi.mail.models import OutboxMessage

REGISTER = {"email": "A@Example.org", "name": "甲", "password": "secret-1234", "confirm": "secret-1234"}


def mailed_link(db, to: str, kind: str) -> str:
    db.rollback()
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.to == to, OutboxMessage.kind == kind)
                         .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, f"no {kind} message to {to}"
    return re.search(r"http://localhost(/auth/\S+)", message.body).group(1)


def comparable(response, email: str) -> str:
    """A page with the address and the per-request CSRF token taken out."""
    page = response.get_data(as_text=True).replace(email, "X")
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_register_confirm_login_logout_change_password(client, auth, db):
    r = client.post("/auth/register", data=REGISTER)
    assert r.status_code == 200 and "a@example.org" in r.get_data(as_text=True)
    user = db.scalar(select(User).where(User.email == "a@example.org"))
    assert user is not None and user.roles == {"member"} and user.email_confirmed_at is None
    assert user.password_hash.startswith("scrypt:") and "secret-1234" not in user.password_hash
    page = auth.login("a@example.org", "secret-1234").get_data(as_text=True)
    assert 'id="email-error"' in page and "确认邮箱" in page  # not signed in before confirming
    r = client.get(mailed_link(db, "a@example.org", "confirm_email"))
    assert r.status_code == 302 and "/orgs/register" in r.location
    assert client.get("/orgs/register").status_code == 200  # signed in by the link
    auth.logout()
    assert auth.login("a@example.org", "wrong-pass").status_code == 200
    assert auth.login("a@example.org", "secret-1234").status_code == 302
    r = client.post("/auth/password", data={"current": "secret-1234", "password": "newsecret1", "confirm": "newsecret1"})
    assert r.status_code == 302
    assert client.get("/auth/password").status_code == 200  # this session carries on with the new token
    auth.logout()
    assert auth.login("a@example.org", "secret-1234").status_code == 200  # old password refused
    assert auth.login("a@example.org", "newsecret1").status_code == 302


def test_registering_an_existing_address_looks_the_same_and_tells_its_owner(client, db, make_user):
    make_user("taken@example.org")
    new = client.post("/auth/register", data={**REGISTER, "email": "fresh@example.org"})
    taken = client.post("/auth/register", data={**REGISTER, "email": "taken@example.org"})
    assert new.status_code == taken.status_code == 200
    assert comparable(new, "fresh@example.org") == comparable(taken, "taken@example.org")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User).where(User.email == "taken@example.org")) == 1
    assert mailed_link(db, "taken@example.org", "account_exists").startswith("/auth/reset/")


def test_register_errors_are_shown_beside_fields(client):
    r = client.post("/auth/register", data={"email": "new@example.org", "name": "乙", "password": "short", "confirm": "other"})
    page = r.get_data(as_text=True)
    assert 'id="password-error"' in page and "至少 8 位" in page
    assert 'id="confirm-error"' in page
    page = client.post("/auth/register", data={**REGISTER, "password": "12345678", "confirm": "12345678"}).get_data(as_text=True)
    assert 'id="password-error"' in page and "太常见" in page


@pytest.mark.parametrize("password", ["12345678", "password123", "Qwerty123", "aaaaaaaaaa", "ababababab", "lihua2026"])
def test_common_and_guessable_passwords_are_refused(password):
    refusal = account_service.password_refusal(password, "lihua2026@example.org")
    assert refusal is not None and refusal.field == "password"


def test_a_long_uncommon_password_is_accepted():
    assert account_service.password_refusal("春天的第七个梧桐", "x@example.org") is None
    assert account_service.password_refusal("correct horse battery", "x@example.org") is None


def test_wrong_password_message(client, make_user, auth):
    make_user("m@example.org")
    page = auth.login("m@example.org", "nope-nope").get_data(as_text=True)
    assert "邮箱或密码不正确" in page


def test_unknown_and_known_accounts_cost_one_password_check_each(app, make_user, monkeypatch):
    make_user("known@example.org")
    checks = []
    monkeypatch.setattr("gongyi.auth.service.check_password_hash", lambda h, p: checks.append("dummy") or False)
    monkeypatch.setattr("gongyi.auth.models.check_password_hash", lambda h, p: checks.append("real") or False)
    with app.app_context():
        from gongyi.db import get_session
        assert account_service.authenticate(get_session(), "nobody@example.org", "whatever-1") is None
        assert account_service.authenticate(get_session(), "known@example.org", "whatever-1") is None
    assert checks == ["dummy", "real"]


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, auth, make_user):
    make_user("m@example.org")
    auth.login("m@example.org")
    copied = client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/auth/password").status_code == 200
    auth.logout()
    assert thief.get("/auth/password").status_code == 302  # back to the login form


def test_a_password_change_ends_the_other_sessions(app, client, auth, make_user):
    make_user("m@example.org")
    other = app.test_client()
    other.post("/auth/login", data={"email": "m@example.org", "password": "password123"})
    assert other.get("/auth/password").status_code == 200
    auth.login("m@example.org")
    client.post("/auth/password", data={"current": "password123", "password": "a-new-secret", "confirm": "a-new-secret"})
    assert client.get("/auth/password").status_code == 200
    assert other.get("/auth/password").status_code == 302


def test_forgotten_password_reset_once_by_mail(client, auth, db, make_user):
    make_user("m@example.org")
    known = client.post("/auth/forgot", data={"email": "m@example.org"})
    unknown = client.post("/auth/forgot", data={"email": "nobody@example.org"})
    assert comparable(known, "m@example.org") == comparable(unknown, "nobody@example.org")
    link = mailed_link(db, "m@example.org", "password_reset")
    assert db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to == "nobody@example.org")) == 0
    page = client.post(link, data={"password": "12345678", "confirm": "12345678"}).get_data(as_text=True)
    assert 'id="password-error"' in page
    assert client.post(link, data={"password": "brand-new-secret", "confirm": "brand-new-secret"}).status_code == 302
    r = client.get(link)  # used once: no longer valid
    assert r.status_code == 302 and "/auth/forgot" in r.location
    assert auth.login("m@example.org", "password123").status_code == 200
    assert auth.login("m@example.org", "brand-new-secret").status_code == 302


def _redis_url() -> str:
    import os

    url = os.environ.get("GONGYI_TEST_REDIS_URL")
    if not url:
        pytest.skip("GONGYI_TEST_REDIS_URL is not set (.ci/run starts Redis and sets it)")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["memory", "redis"])
def limited(request, app, client, auth):
    """The app, a client and sign-in for it, with the limits counted in the process or in Redis."""
    if request.param == "memory":
        yield app, auth
        return
    instance = create_app({key: app.config[key] for key in ("TESTING", "WTF_CSRF_ENABLED", "SERVER_NAME", "DATABASE_URL")}
                          | {"REDIS_URL": _redis_url()})
    assert instance.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    yield instance, AuthOf(instance.test_client())
    instance.extensions["gongyi.engine"].dispose()


class AuthOf:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = "password123"):
        return self.client.post("/auth/login", data={"email": email, "password": password})


def test_sign_in_is_limited_per_account_whether_it_exists_or_not(limited, make_user):
    _app, auth = limited
    make_user("m@example.org")
    for email in ("m@example.org", "ghost@example.org"):
        for _ in range(5):
            assert auth.login(email, "wrong-pass").status_code == 200
        locked = auth.login(email, "password123")  # even the right password waits
        assert locked.status_code == 429 and "15 分钟" in locked.get_data(as_text=True)
    assert auth.login("other@example.org", "wrong-pass").status_code == 200  # another account is not locked


def test_mail_sent_to_an_address_on_request_is_limited_whether_it_has_an_account_or_not(limited, make_user):
    app, auth = limited
    client = auth.client if isinstance(auth, AuthOf) else auth._client
    make_user("m@example.org")
    outbox = app.extensions["gongyi.sessionmaker"]
    for email in ("m@example.org", "ghost@example.org"):
        for path, data in (("/auth/register", {"email": email, "name": "某人", "password": "a-long-password-1"}),
                           ("/auth/forgot", {"email": email})):
            answers = [client.post(path, data=data).status_code for _ in range(4)]
            assert answers == [200, 200, 200, 429], (path, email)
    with outbox() as session:  # three each at most: registration's "you have an account" and the resets
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.to == "m@example.org")) <= 6


def test_the_current_password_is_not_guessed_without_end(limited, make_user):
    app, auth = limited
    client = auth.client if isinstance(auth, AuthOf) else auth._client
    make_user("m@example.org")
    auth.login("m@example.org")
    answers = [client.post("/auth/profile", data={"pw-current": "wrong-pass", "pw-password": "a-new-password-1",
                                                  "pw-confirm": "a-new-password-1"}).status_code for _ in range(6)]
    assert answers == [422] * 5 + [429]


def test_sign_in_is_limited_per_address(limited):
    app, auth = limited
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for i in range(3):
        assert auth.login(f"u{i}@example.org", "wrong-pass").status_code == 200
    assert auth.login("u9@example.org", "wrong-pass").status_code == 429


def test_the_limit_is_shared_through_redis_by_several_instances(tmp_path, sqlite_template):
    """Two app instances (as two gunicorn processes) count failed sign-ins in one Redis."""
    import os
    import shutil

    url = _redis_url()
    path = tmp_path / "shared.sqlite3"
    shutil.copy(sqlite_template, path)
    config = {"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": url}
    first, second = create_app(config).test_client(), create_app(config).test_client()
    for client in (first, second, first, second, first):
        assert client.post("/auth/login", data={"email": "x@example.org", "password": "wrong-pass"}).status_code == 200
    assert second.post("/auth/login", data={"email": "x@example.org", "password": "wrong-pass"}).status_code == 429


def test_signed_in_pages_are_never_stored(client, auth, make_user):
    assert "no-store" not in client.get("/calls/").headers.get("Cache-Control", "")
    make_user("m@example.org")
    auth.login("m@example.org")
    assert client.get("/calls/").headers["Cache-Control"] == "no-store"


def test_https_sites_send_hsts_and_secure_cookies(sqlite_template, tmp_path):
    import shutil

    path = tmp_path / "https.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}", "HTTPS": True})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert "max-age=" in app.test_client().get("/").headers["Strict-Transport-Security"]


def test_request_bodies_over_the_limit_are_refused_before_reading(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    r = client.post("/auth/login", data={"email": "x@example.org", "password": "p" * 5000})
    assert r.status_code == 413


def test_csrf_is_enforced_when_enabled(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    r = client.post("/auth/login", data={"email": "x@example.org", "password": "whatever1"})
    assert r.status_code == 400
    assert "表单已过期" in r.get_data(as_text=True)


def test_create_admin_command(runner, db):
    result = runner.invoke(args=["users", "create-admin", "boss@example.org", "--password", "adminpass1"])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "boss@example.org"))
    assert user.roles == {"admin"} and user.check_password("adminpass1")


def test_create_admin_refuses_a_common_password(runner, db):
    result = runner.invoke(args=["users", "create-admin", "boss@example.org", "--password", "12345678"])
    assert result.exit_code != 0 and db.scalar(select(User).where(User.email == "boss@example.org")) is None


def test_create_admin_prompts_for_password(runner, db):
    result = runner.invoke(args=["users", "create-admin", "p@example.org"], input="adminpass2\nadminpass2\n")
    assert result.exit_code == 0, result.output
    assert db.scalar(select(User).where(User.email == "p@example.org")).check_password("adminpass2")


def test_behind_a_trusted_proxy_the_client_address_is_limited(sqlite_template, tmp_path):
    import shutil

    path = tmp_path / "proxy.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DATABASE_URL": f"sqlite:///{path}",
                      "TRUSTED_PROXIES": 1, "LOGIN_LIMIT_PER_ADDRESS": "2 per 15 minutes"})
    client = app.test_client()

    def attempt(address: str, n: int):
        return client.post("/auth/login", data={"email": f"u{n}@example.org", "password": "wrong-pass"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.5", 1), attempt("203.0.113.5", 2), attempt("203.0.113.5", 3)] == [200, 200, 429]
    assert attempt("198.51.100.7", 4) == 200  # another client behind the same proxy is not locked out
