"""In-app messages (站内消息): every message mailed to a user is also in their inbox, with the
unread count in the navigation; a message is read by its own user only."""
from __future__ import annotations

from sqlalchemy import select

from gongyi.mail.models import OutboxMessage
from gongyi.mail.service import queue_message
from tests.factories import make_admin


def _mail(db, user, subject="评审截止提醒：测试征集", body="请在截止前完成评审。\n谢谢。"):
    message = queue_message(db, None, to=user.email, subject=subject, body=body, kind="review_due", user=user)
    db.commit()
    return message


def test_a_mail_to_a_user_is_in_their_inbox_until_read(client, auth, db, make_user):
    user = make_user("m@example.org", roles=("reviewer",))
    first, second = _mail(db, user), _mail(db, user, subject="异议答复：测试征集")
    auth.login("m@example.org")
    page = client.get("/workspace").get_data(as_text=True)
    assert '<span class="visually-hidden">2 条未读</span>' in page and "2 条未读消息" in page
    inbox = client.get("/messages").get_data(as_text=True)
    assert inbox.count("未读</mark>") == 2 and "异议答复：测试征集" in inbox and "评审截止提醒" in inbox
    shown = client.get(f"/messages/{first.id}").get_data(as_text=True)
    assert "请在截止前完成评审。\n谢谢。" in shown
    db.expire_all()
    assert db.get(OutboxMessage, first.id).read_at is not None and db.get(OutboxMessage, second.id).read_at is None
    assert '<span class="visually-hidden">1 条未读</span>' in client.get("/messages").get_data(as_text=True)
    response = client.post("/messages/read", follow_redirects=True)
    assert "全部消息已标为已读" in response.get_data(as_text=True) and "条未读" not in response.get_data(as_text=True)


def test_another_users_message_does_not_exist_for_them(client, auth, db, make_user):
    owner = make_user("owner@example.org")
    make_user("other@example.org")
    message = _mail(db, owner)
    auth.login("other@example.org")
    assert client.get(f"/messages/{message.id}").status_code == 404
    assert "评审截止提醒" not in client.get("/messages").get_data(as_text=True)
    client.post("/messages/read")
    db.expire_all()
    assert db.get(OutboxMessage, message.id).read_at is None


def test_inbox_needs_signing_in(client):
    assert client.get("/messages").status_code == 302
    assert client.post("/messages/read").status_code in (302, 401)


def test_account_mails_and_answers_go_to_the_inbox_too(client, auth, db, make_user):
    """The mails the app already sent (here: a password reset and the review reminders) name their user."""
    user = make_user("m@example.org")
    client.post("/auth/forgot", data={"email": "m@example.org"})
    db.expire_all()
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "password_reset"))
    assert message.user_id == user.id and message.to == "m@example.org"


def test_a_message_to_an_address_without_an_account_has_no_inbox(db):
    admin = make_admin(db)
    message = queue_message(db, admin, to="someone@example.org", subject="s", body="b", kind="review_due")
    assert message.user_id is None
