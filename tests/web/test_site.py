import pytest

from gongyi import ConfigError, create_app


def test_home_is_chinese(client):
    r = client.get("/")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in page and "公益创投大赛" in page
    assert "31 个服务类别，144 个服务项目" in page


def test_language_switch_is_remembered_per_user(client, auth, make_user, db):
    make_user("m@example.org")
    auth.login("m@example.org")
    client.post("/language", data={"locale": "en", "next": "/catalogue/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Service catalogue" in page
    auth.logout()
    client.post("/language", data={"locale": "zh_CN"})  # the anonymous visitor switches back
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)
    auth.login("m@example.org")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # the user's choice is stored


def test_language_switch_refuses_open_redirect(client):
    r = client.post("/language", data={"locale": "en", "next": "//evil.example/"})
    assert r.location.endswith("/")
    assert "evil" not in r.location


def test_friendly_404(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and "页面不存在" in r.get_data(as_text=True)


def test_friendly_500(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    r = app.test_client().get("/boom")
    assert r.status_code == 500 and "服务器出错" in r.get_data(as_text=True)


def test_missing_secret_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("GONGYI_SECRET_KEY", raising=False)
    monkeypatch.setenv("GONGYI_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="GONGYI_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGYI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("GONGYI_SECRET_KEY", "from-env")
    monkeypatch.setenv("GONGYI_MAX_ATTACHMENT_BYTES", "1234")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["SECRET_KEY"] == "from-env" and app.config["MAX_ATTACHMENT_BYTES"] == 1234


def test_sqlite_has_foreign_keys_and_wal(app):
    from sqlalchemy import text

    engine = app.extensions["gongyi.engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_open_call_page_invites_verified_members_to_apply(client, auth, db):
    from tests.factories import make_admin, make_call, make_org

    admin = make_admin(db)
    member, _ = make_org(db, admin)
    call = make_call(db, admin)
    db.commit()
    assert "登录后申报" in client.get(f"/calls/{call.slug}").get_data(as_text=True)
    auth.login(member.email)
    assert f"/calls/{call.slug}/apply" in client.get(f"/calls/{call.slug}").get_data(as_text=True)


def test_no_apply_button_after_the_deadline(client, auth, db):
    from datetime import datetime, timedelta, timezone

    from tests.factories import make_admin, make_call, make_org

    admin = make_admin(db)
    member, _ = make_org(db, admin)
    call = make_call(db, admin)
    call.closes_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.commit()
    auth.login(member.email)
    assert f"/calls/{call.slug}/apply" not in client.get(f"/calls/{call.slug}").get_data(as_text=True)
