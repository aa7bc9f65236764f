"""Communities as records and their needs lists: who may do what, what is checked, what is kept."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from gongyi.communities import needs, picking, service
from gongyi.communities.models import CommunityNeed, SubmissionCommunity
from gongyi.errors import UserError
from gongyi.submissions import service as submissions
from tests.dashboard_world import link
from tests.factories import make_call, make_org, make_submission

YEAR = datetime.now(timezone.utc).year


def fields(err: UserError) -> dict[str, str]:
    return {p.field: p.message for p in err.problems()}


def test_an_administrator_creates_a_confirmed_community_with_its_keeper(db, admin, audit_actions):
    _m, org = make_org(db, admin)
    c = service.create_community(db, admin, district_code="440304", street="  莲花街道 ", name="莲花北  社区",
                                 keeper_id=org.id)
    assert (c.status, c.street, c.name, c.keeper_id) == ("confirmed", "莲花街道", "莲花北 社区", org.id)
    assert c.confirmed_at is not None and audit_actions(c) == ["community.create"]
    with pytest.raises(UserError) as dup:
        service.create_community(db, admin, district_code="440304", street="莲花街道", name="莲花北 社区")
    assert fields(dup.value) == {"name": "该社区已在名录中"}
    with pytest.raises(UserError) as bad:
        service.create_community(db, admin, district_code="999999", street="", name="社" * 101)
    assert fields(bad.value) == {"district_code": "请从列表中选择所在区", "street": "请填写所属街道",
                                 "name": "最多 %(n)s 个字符（现有 %(m)s 个）"}
    member, _org = make_org(db, admin)
    with pytest.raises(UserError):
        service.create_community(db, member, district_code="440304", street="华富街道", name="田面社区")
    pending_member, pending = make_org(db, admin, verified=False)
    with pytest.raises(UserError) as keeper:
        service.create_community(db, admin, district_code="440304", street="华富街道", name="田面社区",
                                 keeper_id=pending.id)
    assert fields(keeper.value) == {"keeper_id": "请选择已认证的社会组织"}


def test_an_organisation_proposes_and_an_administrator_confirms(db, admin, audit_actions):
    member, org = make_org(db, admin)
    c = service.propose_community(db, member, district_code="440304", street="华富街道", name="田面社区")
    assert (c.status, c.keeper_id, c.proposed_by_id) == ("proposed", org.id, org.id)
    with pytest.raises(UserError) as again:
        service.propose_community(db, member, district_code="440304", street="华富街道", name="田面社区")
    assert fields(again.value) == {"name": "该社区已有组织提议，等待管理员确认"}
    unverified, _ = make_org(db, admin, verified=False)
    with pytest.raises(UserError):
        service.propose_community(db, unverified, district_code="440304", street="华富街道", name="新社区")
    service.confirm_community(db, admin, c)
    assert c.status == "confirmed" and audit_actions(c) == ["community.propose", "community.confirm"]
    with pytest.raises(UserError):
        service.confirm_community(db, admin, c)


def test_a_duplicate_proposal_moves_its_projects_and_needs_to_the_listed_community(db, admin):
    member, org = make_org(db, admin)
    listed = service.create_community(db, admin, district_code="440304", street="莲花街道", name="莲花北社区",
                                      keeper_id=org.id)
    dup = service.propose_community(db, member, district_code="440304", street="莲花街道", name="莲花北")
    call = make_call(db, admin)
    s = make_submission(db, call, org, community_street="莲花街道")
    link(db, s, dup)
    needs.save_needs(db, member, listed, YEAR, {"02.01": ("high", "已有")})
    needs.save_needs(db, member, dup, YEAR, {"02.01": ("low", "重复"), "03.01": ("medium", "新增")})
    db.flush()
    with pytest.raises(UserError) as no_reason:
        service.reject_community(db, admin, dup, "  ", listed.id)
    assert fields(no_reason.value) == {"reason": "请填写理由"}
    service.reject_community(db, admin, dup, "与名录中的莲花北社区重复", listed.id)
    db.refresh(s)
    assert dup.status == "rejected" and dup.status_reason == "与名录中的莲花北社区重复"
    assert db.get(SubmissionCommunity, s.id).community_id == listed.id
    assert (s.community_name, s.community_street, s.community_district) == ("莲花北社区", "莲花街道", "440304")
    kept = {(n.item_code, n.priority, n.note) for n in db.scalars(select(CommunityNeed).where(
        CommunityNeed.community_id == listed.id))}
    assert kept == {("02.01", "high", "已有"), ("03.01", "medium", "新增")}  # the listed community's own line wins
    assert db.scalars(select(CommunityNeed).where(CommunityNeed.community_id == dup.id)).all() == []


def test_a_proposal_not_taken_up_leaves_its_projects_with_their_typed_community(db, admin):
    member, org = make_org(db, admin)
    c = service.propose_community(db, member, district_code="440304", street="华富街道", name="虚构社区")
    s = make_submission(db, make_call(db, admin), org)
    link(db, s, c)
    db.flush()
    service.reject_community(db, admin, c, "不存在该社区")
    assert db.get(SubmissionCommunity, s.id) is None and s.community_name  # free text stays
    with pytest.raises(UserError) as refused:
        needs.save_needs(db, member, c, YEAR, {"02.01": ("high", "")})
    assert refused.value.message == "该社区未被采纳，不能填写需求清单"


def test_correcting_a_community_corrects_the_projects_linked_to_it(db, admin, audit_actions):
    _m, org = make_org(db, admin)
    c = service.create_community(db, admin, district_code="440304", street="莲花街", name="莲花北社区")
    s = make_submission(db, make_call(db, admin), org)
    link(db, s, c)
    db.flush()
    changed = service.update_community(db, admin, c, district_code="440304", street="莲花街道", name="莲花北社区",
                                       keeper_id=org.id)
    db.refresh(s)
    assert changed == ["street", "keeper_id"] and s.community_street == "莲花街道"
    assert audit_actions(c)[-1] == "community.update"
    assert service.update_community(db, admin, c, district_code="440304", street="莲花街道", name="莲花北社区",
                                    keeper_id=org.id) == []


def test_the_keeper_writes_the_needs_list_of_a_year(db, admin, audit_actions):
    member, org = make_org(db, admin)
    other, _ = make_org(db, admin)
    c = service.create_community(db, admin, district_code="440304", street="莲花街道", name="莲花北社区",
                                 keeper_id=org.id)
    changes = needs.save_needs(db, member, c, YEAR, {"02.01": ("high", " 独居长者  多 "), "03.01": ("low", ""),
                                                     "05.01": ("", "")})
    assert changes == {"added": ["02.01", "03.01"], "changed": [], "removed": []}
    stored = needs.needs_of(db, c.id, YEAR)
    assert {k: (v.priority, v.note) for k, v in stored.items()} == {"02.01": ("high", "独居长者 多"), "03.01": ("low", "")}
    changes = needs.save_needs(db, member, c, YEAR, {"02.01": ("medium", "独居长者 多"), "12.01": ("high", "心理")})
    assert changes == {"added": ["12.01"], "changed": ["02.01"], "removed": ["03.01"]}
    assert audit_actions(c) == ["community.create", "community.needs", "community.needs"]
    assert needs.save_needs(db, member, c, YEAR, {"02.01": ("medium", "独居长者 多"), "12.01": ("high", "心理")}) == {
        "added": [], "changed": [], "removed": []}
    assert audit_actions(c)[-1] == "community.needs" and len(audit_actions(c)) == 3  # nothing changed, nothing written
    with pytest.raises(UserError) as bad:
        needs.save_needs(db, member, c, YEAR, {"02.01": ("", "没有优先级"), "03.01": ("urgent", ""),
                                               "04.01": ("high", "长" * 501), "99.99": ("high", "")})
    assert fields(bad.value) == {"priority-02.01": "请选择优先级", "priority-03.01": "请选择优先级",
                                 "note-04.01": "最多 %(n)s 个字符（现有 %(m)s 个）", "items": "服务目录中没有 %(code)s"}
    with pytest.raises(UserError) as old:
        needs.save_needs(db, member, c, YEAR - 3, {})
    assert fields(old.value) == {"year": "只能填写去年、今年和明年的需求清单"}
    with pytest.raises(UserError):
        needs.save_needs(db, other, c, YEAR, {})  # another organisation
    with pytest.raises(UserError):
        needs.save_needs(db, admin, c, YEAR, {})  # administrators name the keeper; the keeper writes


def test_the_project_form_links_a_pickable_community_and_copies_its_address(db, admin, audit_actions):
    member, org = make_org(db, admin)
    other_member, _other = make_org(db, admin)
    listed = service.create_community(db, admin, district_code="440305", street="南头街道", name="荔林社区")
    theirs = service.propose_community(db, other_member, district_code="440304", street="华富街道", name="田面社区")
    call = make_call(db, admin)
    s = submissions.create_submission(db, member, call, community_id=str(listed.id), community_name="随便写的")
    assert (s.community_district, s.community_street, s.community_name) == ("440305", "南头街道", "荔林社区")
    assert db.get(SubmissionCommunity, s.id).community_id == listed.id
    problems = submissions.save_draft(db, member, s, {"community_id": str(theirs.id)})  # another organisation's proposal
    assert [(p.field, p.message) for p in problems] == [("community_id", "请从名录中选择社区")]
    assert db.get(SubmissionCommunity, s.id).community_id == listed.id
    assert submissions.save_draft(db, member, s, {"community_id": "", "community_name": "手写社区"}) == []
    assert db.get(SubmissionCommunity, s.id) is None and s.community_name == "手写社区"


def test_the_form_shows_a_linked_community_no_longer_offered_and_offers_the_pickable(db, admin, statements):
    member, org = make_org(db, admin)
    other_member, _other = make_org(db, admin)
    listed = service.create_community(db, admin, district_code="440305", street="南头街道", name="荔林社区")
    own = service.propose_community(db, member, district_code="440304", street="华富街道", name="莲花北社区")
    service.propose_community(db, other_member, district_code="440304", street="华富街道", name="田面社区")
    call = make_call(db, admin)
    s = submissions.create_submission(db, member, call, community_id=str(own.id))
    db.flush()
    with statements:
        linked, offered = picking.form_communities(db, s.id, org.id)
    assert len(statements) == 1
    assert linked is own and [c.name for c in offered] == ["莲花北社区", "荔林社区"]
    own.status = "rejected"  # no longer pickable: still the project's community, not offered
    db.flush()
    linked, offered = picking.form_communities(db, s.id, org.id)
    assert linked is own and offered == [listed]
    other = submissions.create_submission(db, member, call)
    assert picking.form_communities(db, other.id, org.id) == (None, [listed])
