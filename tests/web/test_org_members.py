"""An organisation's members edit its details (a new name or credit code sends it back to
verification), invite colleagues by a single-use link, and upload the registration certificate
and annual inspection papers the administrator sees beside the verification decision."""
from __future__ import annotations

import io
import re
import threading

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.mail.models import OutboxMessage
from gongyi.orgs import members
from gongyi.orgs.models import Invitation, Organisation, OrganisationDocument
from tests.factories import credit_code, make_admin, make_org

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"\0" * 30


def _details(org: Organisation, **changes) -> dict:
    data = {f: getattr(org, f) for f in ("name", "credit_code", "org_type", "district_code", "contact_person",
                                          "phone", "address")}
    return {**data, **changes}


@pytest.fixture
def world(db):
    admin = make_admin(db, "boss@example.org")
    member, org = make_org(db, admin, email="m@example.org", name="福田社工服务中心")
    db.commit()
    return admin, member, org


def test_editing_contact_details_keeps_the_verification(client, auth, db, world):
    _, _, org = world
    auth.login("m@example.org")
    assert client.get("/orgs/mine/edit").status_code == 200
    response = client.post("/orgs/mine/edit", data=_details(org, phone="0755-88888888"), follow_redirects=True)
    assert "组织信息已保存。" in response.get_data(as_text=True)
    db.expire_all()
    org = db.get(Organisation, org.id)
    assert org.phone == "0755-88888888" and org.status == "verified"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.update"))
    assert entry is not None


@pytest.mark.parametrize("change", [{"name": "福田社工服务中心（更名）"}, {"credit_code": credit_code(990)}])
def test_a_new_name_or_credit_code_sends_it_back_to_verification(client, auth, db, world, change):
    _, _, org = world
    auth.login("m@example.org")
    response = client.post("/orgs/mine/edit", data=_details(org, **change), follow_redirects=True)
    assert "等待管理员重新认证" in response.get_data(as_text=True)
    db.expire_all()
    org = db.get(Organisation, org.id)
    assert org.status == "pending" and org.verified_at is None
    assert getattr(org, next(iter(change))) == next(iter(change.values()))
    auth.logout()
    auth.login("boss@example.org")
    assert "福田社工服务中心" in client.get("/admin/orgs?status=pending").get_data(as_text=True)
    history = client.get(f"/admin/orgs/{org.id}").get_data(as_text=True)  # what changed, beside the decision
    assert "修改组织信息" in history and "需要重新认证" in history and " → " + next(iter(change.values())) in history


def test_bad_details_are_refused_beside_their_fields(client, auth, db, world):
    admin, _, org = world
    _, other = make_org(db, admin)
    db.commit()
    auth.login("m@example.org")
    for change, message in (({"credit_code": "91440300708461136A"}, "校验位错误"),
                            ({"credit_code": other.credit_code}, "该统一社会信用代码已登记"),
                            ({"phone": "abc"}, "请输入有效的电话号码"),
                            ({"name": ""}, "")):
        response = client.post("/orgs/mine/edit", data=_details(org, **change))
        assert response.status_code == 422 and message in response.get_data(as_text=True)
        assert 'class="field-error"' in response.get_data(as_text=True)
    response = client.post("/orgs/mine/edit", data=_details(org))
    assert response.status_code == 422 and "没有需要保存的修改" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Organisation, org.id).status == "verified"


def test_only_members_edit_and_nobody_edits_another_organisation(client, auth, db, world, make_user):
    make_user("outsider@example.org")
    auth.login("outsider@example.org")
    assert client.get("/orgs/mine/edit").status_code == 403
    assert client.post("/orgs/mine/invitations", data={"invite-email": "x@example.org"}).status_code == 403
    auth.logout()
    auth.login("boss@example.org")
    assert client.get("/orgs/mine/edit").status_code == 403


def _invitation_link(db, to: str) -> str:
    db.expire_all()
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.to == to, OutboxMessage.kind == "invitation")
                         .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"http://localhost(/orgs/invitations/\S+)", message.body).group(1)


def test_an_invited_colleague_registers_and_joins_once(client, auth, db, world):
    _, _, org = world
    auth.login("m@example.org")
    response = client.post("/orgs/mine/invitations", data={"invite-email": "Colleague@Example.org"},
                           follow_redirects=True)
    assert "邀请已发到 colleague@example.org" in response.get_data(as_text=True)
    assert "已邀请，尚未加入" in response.get_data(as_text=True)
    link = _invitation_link(db, "colleague@example.org")
    auth.logout()
    page = client.get(link).get_data(as_text=True)
    assert "福田社工服务中心" in page and "colleague@example.org" in page and "注册" in page
    client.post("/auth/register", data={"email": "colleague@example.org", "name": "同事",
                                        "password": "secret-1234", "confirm": "secret-1234"})
    confirm = re.search(r"http://localhost(/auth/confirm/\S+)", db.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "confirm_email")).first().body).group(1)
    back = client.get(confirm)
    assert back.headers["Location"].endswith(link)  # back to the invitation once confirmed
    joined = client.post(link, follow_redirects=True)
    assert "您已加入“福田社工服务中心”" in joined.get_data(as_text=True)
    db.expire_all()
    colleague = db.scalar(select(User).where(User.email == "colleague@example.org"))
    assert colleague.organisation_id == org.id and "member" in colleague.roles
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.join")) is not None
    again = client.get(link, follow_redirects=True)
    assert "邀请链接无效、已过期或已使用过" in again.get_data(as_text=True)


def test_an_invitation_is_for_its_address_only(client, auth, db, world, make_user):
    auth.login("m@example.org")
    client.post("/orgs/mine/invitations", data={"invite-email": "colleague@example.org"})
    link = _invitation_link(db, "colleague@example.org")
    auth.logout()
    make_user("someone-else@example.org")
    auth.login("someone-else@example.org")
    page = client.post(link, follow_redirects=True).get_data(as_text=True)
    assert "这份邀请发给 colleague@example.org" in page
    db.expire_all()
    assert db.scalar(select(User).where(User.email == "someone-else@example.org")).organisation_id is None


def test_invitation_refusals(client, auth, db, world):
    auth.login("m@example.org")
    for email, message in (("m@example.org", "已是本组织的成员"), ("not-an-address", "请输入有效的电子邮箱")):
        response = client.post("/orgs/mine/invitations", data={"invite-email": email})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert client.get("/orgs/invitations/forged-token", follow_redirects=True).status_code == 200
    assert "邀请链接无效" in client.get("/orgs/invitations/forged-token", follow_redirects=True).get_data(as_text=True)


def test_two_clicks_on_one_invitation_join_once(app, db, world, make_user):
    """The invitation is claimed by one conditional update: two sessions accepting at once, one joins."""
    _, member, org = world
    invitation = Invitation(organisation_id=org.id, email="c@example.org", invited_by_id=member.id)
    db.add(invitation)
    db.commit()
    make_user("c@example.org")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def accept():
        session = app.extensions["gongyi.sessionmaker"]()
        try:
            with app.test_request_context():
                user = session.scalar(select(User).where(User.email == "c@example.org"))
                barrier.wait()
                members.accept_invitation(session, user, invitation.id, "c@example.org")
                session.commit()
                outcomes.append("joined")
        except Exception as exc:  # OrganisationError; SQLite may also refuse the second writer (locked)
            session.rollback()
            outcomes.append(type(exc).__name__)
        finally:
            session.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("joined") == 1
    db.expire_all()
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.join")) is not None
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.action == "organisation.join")).all()) == 1


def _upload(client, data: bytes, name: str, kind="registration_certificate", year=""):
    return client.post("/orgs/mine/documents", data={"document-kind": kind, "document-year": year,
                                                     "document-file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_certificate_upload_and_who_may_download_it(app, client, auth, db, world):
    admin, _, org = world
    auth.login("m@example.org")
    response = _upload(client, PDF, "登记证书.pdf")
    assert response.status_code == 302
    assert _upload(client, PDF, "2025年检.pdf", kind="annual_inspection", year="2025").status_code == 302
    document = db.scalar(select(OrganisationDocument).where(OrganisationDocument.kind == "registration_certificate"))
    url = f"/orgs/{org.id}/documents/{document.id}"
    download = client.get(url)
    assert download.data == PDF and "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Content-Type"] == "application/pdf"
    auth.logout()
    auth.login("boss@example.org")
    assert client.get(url).data == PDF
    page = client.get(f"/admin/orgs/{org.id}").get_data(as_text=True)
    assert "登记证书.pdf" in page and "2025年检.pdf" in page and "2025" in page
    auth.logout()
    make_org(db, admin, email="other@example.org")
    db.commit()
    auth.login("other@example.org")
    assert client.get(url).status_code == 404  # another organisation's papers do not exist for its members
    assert client.get(f"/orgs/{org.id + 1}/documents/{document.id}").status_code == 404
    assert client.post(f"/orgs/mine/documents/{document.id}/delete").status_code == 404


def test_bad_uploads_are_refused_beside_the_field(client, auth, db, world):
    auth.login("m@example.org")
    for data, name, kind, year, message in (
            (b"", "空.pdf", "registration_certificate", "", "请选择要上传的文件"),
            (b"MZ\x90\x00", "病毒.pdf", "registration_certificate", "", "的内容不是其中任何一种"),
            (DOCX, "证书.docx", "registration_certificate", "", ""),
            (PDF, "年检.pdf", "annual_inspection", "", "年检材料须填写年度"),
            (PDF, "年检.pdf", "annual_inspection", "1900", "请输入四位年份")):
        response = _upload(client, data, name, kind, year)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page and 'class="field-error"' in page, name
    assert db.scalar(select(OrganisationDocument)) is None


def test_a_member_removes_a_document(client, auth, db, world):
    auth.login("m@example.org")
    _upload(client, PDF, "旧证书.pdf")
    document = db.scalar(select(OrganisationDocument))
    response = client.post(f"/orgs/mine/documents/{document.id}/delete", follow_redirects=True)
    assert "已删除：旧证书.pdf" in response.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(OrganisationDocument)) is None
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.remove_document")) is not None


def test_document_size_limit(app, client, auth, db, world):
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    auth.login("m@example.org")
    response = _upload(client, PDF + b"0" * 2000, "大.pdf")
    assert response.status_code == 422 and "文件过大" in response.get_data(as_text=True)
