from sqlalchemy import select

from gongyi.auth.models import User


def test_register_login_logout_change_password(client, auth, db):
    r = client.post("/auth/register", data={"email": "A@Example.org", "name": "甲", "password": "secret123", "confirm": "secret123"})
    assert r.status_code == 302 and "/orgs/register" in r.location
    user = db.scalar(select(User).where(User.email == "a@example.org"))
    assert user is not None and user.roles == {"member"}
    assert user.password_hash.startswith("scrypt:") and "secret123" not in user.password_hash
    auth.logout()
    assert auth.login("a@example.org", "wrong-pass").status_code == 200
    r = auth.login("a@example.org", "secret123")
    assert r.status_code == 302
    r = client.post("/auth/password", data={"current": "secret123", "password": "newsecret1", "confirm": "newsecret1"})
    assert r.status_code == 302
    auth.logout()
    assert auth.login("a@example.org", "secret123").status_code == 200  # old password refused
    assert auth.login("a@example.org", "newsecret1").status_code == 302


def test_register_errors_are_shown_beside_fields(client, make_user):
    make_user("taken@example.org")
    r = client.post("/auth/register", data={"email": "taken@example.org", "name": "乙", "password": "longenough", "confirm": "longenough"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="email-error"' in page and "该邮箱已注册" in page
    r = client.post("/auth/register", data={"email": "new@example.org", "name": "乙", "password": "short", "confirm": "other"})
    page = r.get_data(as_text=True)
    assert 'id="password-error"' in page and "至少 8 位" in page
    assert 'id="confirm-error"' in page


def test_wrong_password_message(client, make_user, auth):
    make_user("m@example.org")
    page = auth.login("m@example.org", "nope-nope").get_data(as_text=True)
    assert "邮箱或密码不正确" in page


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


def test_create_admin_prompts_for_password(runner, db):
    result = runner.invoke(args=["users", "create-admin", "p@example.org"], input="adminpass2\nadminpass2\n")
    assert result.exit_code == 0, result.output
    assert db.scalar(select(User).where(User.email == "p@example.org")).check_password("adminpass2")
