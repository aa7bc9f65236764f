"""The profile page: change the password (the current one required; other sessions end) and the
sign-in address (confirmed by a single-use link mailed to the new address)."""
from __future__ import annotations

from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.mail.models import OutboxMessage
from tests.web.test_auth import mailed_link

NEW_PASSWORD = {"pw-current": "password123", "pw-password": "a-new-secret", "pw-confirm": "a-new-secret"}


def test_profile_shows_the_account(client, auth, make_user):
    make_user("m@example.org", name="王五")
    auth.login("m@example.org")
    page = client.get("/auth/profile").get_data(as_text=True)
    assert "王五" in page and "m@example.org" in page and "修改登录邮箱" in page


def test_password_change_needs_the_current_password_and_ends_other_sessions(app, client, auth, make_user):
    make_user("m@example.org")
    other = app.test_client()
    other.post("/auth/login", data={"email": "m@example.org", "password": "password123"})
    auth.login("m@example.org")
    wrong = client.post("/auth/profile", data={**NEW_PASSWORD, "pw-current": "nope-nope"})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    assert other.get("/auth/profile").status_code == 200  # nothing changed
    mismatch = client.post("/auth/profile", data={**NEW_PASSWORD, "pw-confirm": "something-else"})
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.get_data(as_text=True)
    done = client.post("/auth/profile", data=NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"].endswith("/auth/profile")
    assert client.get("/auth/profile").status_code == 200  # this session carries on
    assert other.get("/auth/profile").status_code == 302  # the other one has ended
    auth.logout()
    assert auth.login("m@example.org", "a-new-secret").status_code == 302


def test_email_change_is_confirmed_by_a_single_use_link_to_the_new_address(client, auth, db, make_user):
    user = make_user("old@example.org")
    auth.login("old@example.org")
    response = client.post("/auth/profile", data={"em-email": "New@Example.org", "em-current": "password123"},
                           follow_redirects=True)
    assert "确认邮件已发到 new@example.org" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).email == "old@example.org"  # not before the link is opened
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "change_email"))
    assert mail.to == "new@example.org" and mail.user_id is None  # not in the inbox: it proves the new mailbox
    link = mailed_link(db, "new@example.org", "change_email")
    opened = client.get(link, follow_redirects=True)
    assert "登录邮箱已改为 new@example.org" in opened.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).email == "new@example.org"
    told = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "email_changed"))
    assert told.to == "old@example.org" and told.user_id == user.id
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "user.change_email")) is not None
    again = client.get(link, follow_redirects=True)
    assert "无效、已过期或已使用过" in again.get_data(as_text=True)
    auth.logout()
    assert auth.login("new@example.org").status_code == 302


def test_email_change_refusals_beside_their_fields(client, auth, db, make_user):
    make_user("old@example.org")
    auth.login("old@example.org")
    for data, message in (({"em-email": "not-an-address", "em-current": "password123"}, "请输入有效的电子邮箱"),
                          ({"em-email": "x@example.org", "em-current": "wrong-one"}, "当前密码不正确"),
                          ({"em-email": "OLD@example.org", "em-current": "password123"}, "新邮箱与当前邮箱相同")):
        response = client.post("/auth/profile", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page and 'class="field-error"' in page
    db.expire_all()
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "change_email")) is None


def test_an_address_taken_meanwhile_is_refused_at_confirmation(client, auth, db, make_user):
    make_user("old@example.org")
    auth.login("old@example.org")
    client.post("/auth/profile", data={"em-email": "taken@example.org", "em-current": "password123"})
    make_user("taken@example.org")  # registered by someone else before the link is opened
    link = mailed_link(db, "taken@example.org", "change_email")
    page = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "该邮箱已被其他账号使用" in page
    db.expire_all()
    assert db.scalar(select(User).where(User.email == "old@example.org")) is not None


def test_a_tampered_link_changes_nothing(client, auth, db, make_user):
    make_user("old@example.org")
    response = client.get("/auth/email/not-a-token", follow_redirects=True)
    assert "无效、已过期或已使用过" in response.get_data(as_text=True)
