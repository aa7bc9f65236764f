from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.orgs.models import Organisation

FORM = {
    "name": "深圳市测试社工服务中心",
    "credit_code": "91440300708461136T",
    "org_type": "social_service",
    "district_code": "440304",
    "contact_person": "张三",
    "phone": "0755-12345678",
    "address": "福田区某路 1 号",
}


def test_wrong_check_character_is_refused_beside_the_field(client, auth, make_user, db):
    make_user("m@example.org")
    auth.login("m@example.org")
    r = client.post("/orgs/register", data={**FORM, "credit_code": "91440300708461136A"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="credit_code-error"' in page and "校验位错误" in page and "应为 T" in page
    assert db.scalar(select(Organisation)) is None


def test_full_width_code_is_normalised_and_codes_are_unique(client, auth, make_user, db):
    make_user("m1@example.org")
    auth.login("m1@example.org")
    r = client.post("/orgs/register", data={**FORM, "credit_code": "９１４４０３００７０８４６１１３６ｔ"})
    assert r.status_code == 302
    org = db.scalar(select(Organisation))
    assert org.credit_code == "91440300708461136T" and org.status == "pending"
    auth.logout()
    make_user("m2@example.org")
    auth.login("m2@example.org")
    page = client.post("/orgs/register", data=FORM).get_data(as_text=True)
    assert "已登记" in page


def test_admin_verifies_and_rejects_with_reason(client, auth, make_user, db):
    make_user("m@example.org")
    auth.login("m@example.org")
    client.post("/orgs/register", data=FORM)
    org_id = db.scalar(select(Organisation.id))
    # a member cannot verify
    assert client.post(f"/admin/orgs/{org_id}", data={"decision": "verify"}).status_code == 403
    auth.logout()
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    assert "深圳市测试社工服务中心" in client.get("/admin/orgs").get_data(as_text=True)
    page = client.post(f"/admin/orgs/{org_id}", data={"decision": "reject", "reason": ""}).get_data(as_text=True)
    assert "须填写理由" in page
    client.post(f"/admin/orgs/{org_id}", data={"decision": "reject", "reason": "材料不全"})
    db.rollback()
    org = db.get(Organisation, org_id)
    assert org.status == "rejected" and org.status_reason == "材料不全"
    client.post(f"/admin/orgs/{org_id}", data={"decision": "verify"})
    db.expire_all()
    assert db.get(Organisation, org_id).status == "verified"
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "organisation")).all()
    assert actions == ["organisation.register", "organisation.reject", "organisation.verify"]


def test_members_never_see_another_organisations_page(client, auth, make_user, db):
    make_user("m@example.org")
    auth.login("m@example.org")
    client.post("/orgs/register", data=FORM)
    org_id = db.scalar(select(Organisation.id))
    auth.logout()
    make_user("other@example.org")
    auth.login("other@example.org")
    assert client.get(f"/admin/orgs/{org_id}").status_code == 403
    assert "深圳市测试社工服务中心" not in client.get("/orgs/mine", follow_redirects=True).get_data(as_text=True)


def test_administrators_and_reviewers_cannot_register_an_organisation(client, auth, make_user):
    make_user("rev@example.org", roles=("reviewer",))
    auth.login("rev@example.org")
    assert client.get("/orgs/register").status_code == 403
    assert client.post("/orgs/register", data=FORM).status_code == 403
    assert 'href="/orgs/register"' not in client.get("/").get_data(as_text=True)  # no link to register one


def test_co_funders_and_evaluators_register_no_organisation(client, auth, make_user, db):
    from gongyi.auth.models import User
    from gongyi.errors import UserError
    from gongyi.orgs.service import register_organisation

    for email, role in (("funder@example.org", "co_funder"), ("evaluator@example.org", "evaluator")):
        make_user(email, roles=(role,))
        auth.login(email)
        assert client.get("/orgs/register").status_code == 403
        assert client.post("/orgs/register", data=FORM).status_code == 403
        assert "/orgs/register" not in client.get("/").get_data(as_text=True)  # no link to it either
        auth.logout()
        user = db.scalar(select(User).where(User.email == email))
        try:
            register_organisation(db, user, **FORM)
        except UserError as exc:
            assert "不能登记社会组织" in str(exc)
        else:
            raise AssertionError("the service registered an organisation for a " + role)
        db.rollback()
    assert db.scalar(select(Organisation)) is None
