"""The community pages as people use them: an organisation proposes its community and writes its
needs list, the administrator confirms it, the project form picks the community and lists its
needs first; who may see and change what."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from gongyi.communities import needs, service as communities
from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.communities.years import edition_year
from gongyi.submissions import service as submissions
from tests.factories import make_admin, make_call, make_org

ADMIN = "boss@example.org"


@pytest.fixture
def world(db):
    admin = make_admin(db, ADMIN)
    member, org = make_org(db, admin, email="keeper@example.org")
    outsider, _ = make_org(db, admin, email="other@example.org")
    call = make_call(db, admin, slug="sz", opens_at=datetime.now(timezone.utc).replace(microsecond=0))
    db.commit()
    return admin, member, org, outsider, call


def _error(page: str, field_id: str) -> str:
    m = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">(.*?)</small>', page, re.S)
    assert m, f"no error beside {field_id}"
    return m.group(1)


def test_an_organisation_proposes_its_community_and_writes_its_needs(client, auth, db, world):
    admin, member, org, outsider, call = world
    auth.login(member.email)
    r = client.post("/communities/propose", data={"district_code": "440304", "street": "", "name": "田面社区"})
    assert r.status_code == 200 and _error(r.get_data(as_text=True), "street") == "请填写所属街道"
    r = client.post("/communities/propose", data={"district_code": "440304", "street": "华富街道", "name": "田面社区"})
    community = db.scalar(select(Community))
    assert r.status_code == 302 and r.location.endswith(f"/communities/{community.id}/needs")
    year = edition_year(call.opens_at)
    page = client.get(f"/communities/{community.id}/needs?year={year}").get_data(as_text=True)
    assert page.count('name="priority-') == 144
    r = client.post(f"/communities/{community.id}/needs", data={
        "year": str(year), "priority-02.01": "high", "note-02.01": "独居长者多", "note-03.01": "孩子放学无人看护"})
    assert r.status_code == 422 and _error(r.get_data(as_text=True), "priority-03.01") == "请选择优先级"
    assert db.scalar(select(CommunityNeed)) is None  # nothing half-written
    assert 'value="独居长者多"' in r.get_data(as_text=True)  # what was typed stays on the page
    r = client.post(f"/communities/{community.id}/needs", data={
        "year": str(year), "priority-02.01": "high", "note-02.01": "独居长者多", "priority-03.01": "medium"})
    assert r.status_code == 302
    db.rollback()
    assert {(n.item_code, n.priority) for n in db.scalars(select(CommunityNeed))} == {("02.01", "high"), ("03.01", "medium")}
    mine = client.get("/my/communities").get_data(as_text=True)
    assert "田面社区" in mine and "待确认" in mine
    auth.logout()
    assert client.get(f"/communities/{community.id}").status_code == 404  # not public before confirmation
    auth.login(outsider.email)
    assert client.get(f"/communities/{community.id}/needs").status_code == 404
    auth.login(ADMIN)
    listed = client.get("/admin/communities/").get_data(as_text=True)
    assert "田面社区" in listed
    assert client.post(f"/admin/communities/{community.id}", data={"action": "confirm"}).status_code == 302
    db.expire_all()
    assert db.get(Community, community.id).status == "confirmed"
    auth.login(outsider.email)
    assert client.get(f"/communities/{community.id}/needs").status_code == 403  # confirmed, but kept by another
    public = client.get(f"/communities/{community.id}").get_data(as_text=True)
    assert "重点服务领域" in public and "<svg" in public and "独居长者多" in public


def test_the_project_form_picks_the_community_and_lists_its_needs_first(client, auth, db, world):
    admin, member, org, outsider, call = world
    community = communities.create_community(db, admin, district_code="440305", street="南头街道", name="荔林社区",
                                             keeper_id=org.id)
    needs.save_needs(db, member, community, edition_year(call.opens_at),
                     {"14.01": ("high", "照顾者缺少照护技能"), "02.05": ("medium", "")})
    submission = submissions.create_submission(db, member, call)
    db.commit()
    auth.login(member.email)
    url = f"/submissions/{submission.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert f'<option value="{community.id}">南头街道 · 荔林社区</option>' in page and "listed-needs" not in page
    r = client.post(url, data={"action": "save", "community_id": str(community.id), "community_name": "",
                               "community_street": "", "community_district": ""})
    assert r.status_code == 302
    db.expire_all()
    saved = db.get(type(submission), submission.id)
    assert (saved.community_name, saved.community_street, saved.community_district) == ("荔林社区", "南头街道", "440305")
    page = client.get(url).get_data(as_text=True)
    listed = page.index('id="listed-needs"')
    assert listed < page.index('id="item-14.01"') < page.index('id="item-02.05"') < page.index("01 社会救助")
    assert page.count('id="item-14.01"') == 1 and "照顾者缺少照护技能" in page and "急需" in page
    r = client.post(url, data={"action": "save", "community_id": "999999"})
    assert r.status_code == 422 and _error(r.get_data(as_text=True), "community_id") == "请从名录中选择社区"
    r = client.post(url, data={"action": "save", "title": "改了标题"})  # a post without the field keeps the link
    db.expire_all()
    assert db.get(SubmissionCommunity, submission.id).community_id == community.id


def test_administrators_add_correct_and_decline_communities(client, auth, db, world):
    admin, member, org, outsider, call = world
    auth.login(ADMIN)
    r = client.post("/admin/communities/new", data={"district_code": "440304", "street": "莲花街道", "name": "莲花北社区",
                                                    "keeper_id": str(org.id)})
    community = db.scalar(select(Community))
    assert r.status_code == 302 and community.status == "confirmed" and community.keeper_id == org.id
    r = client.post("/admin/communities/new", data={"district_code": "440304", "street": "莲花街道", "name": "莲花北社区"})
    assert _error(r.get_data(as_text=True), "name") == "该社区已在名录中"
    proposal = communities.propose_community(db, outsider, district_code="440304", street="莲花街道", name="莲花北")
    db.commit()
    page = client.get(f"/admin/communities/{proposal.id}").get_data(as_text=True)
    assert f'<option value="{community.id}">莲花街道 · 莲花北社区</option>' in page
    r = client.post(f"/admin/communities/{proposal.id}", data={"action": "reject", "reject-reason": ""})
    assert _error(r.get_data(as_text=True), "reject-reason") == "请填写理由"
    r = client.post(f"/admin/communities/{proposal.id}", data={
        "action": "reject", "reject-reason": "重复", "reject-duplicate_of_id": str(community.id)})
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Community, proposal.id).status == "rejected"
    assert "不予采纳社区" in client.get(f"/admin/communities/{proposal.id}").get_data(as_text=True)


def test_only_administrators_see_the_map_the_dashboards_and_the_community_list(client, auth, world):
    _admin, member, _org, _outsider, call = world
    urls = ["/admin/coverage", "/admin/coverage.xlsx", f"/admin/calls/{call.slug}/dashboard", "/admin/dashboard",
            "/admin/dashboard.xlsx", "/admin/communities/", "/admin/communities/new"]
    assert all(client.get(u).status_code == 302 for u in urls)  # to the login page
    auth.login(member.email)
    assert all(client.get(u).status_code == 403 for u in urls)
    assert client.get("/communities/").status_code == 200
    assert client.get("/communities/propose").status_code == 200
