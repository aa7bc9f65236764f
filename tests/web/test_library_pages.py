"""The library pages: the public library and brand library, the administrator's library of an
edition (who moves up, carrying, a new edition, settings), co-funders and pledges, brands and
replication, and the entry rules on the submission pages. On the hand-worked sample's final
results (tests/db/library_world.py): G and D are in the library."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from gongyi.auth.models import User
from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.library.models import Brand, EditionSettings, LibraryEntry, Pledge, Replication
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import FundingLine, Submission
from tests.db.library_world import final_evaluation, final_sample, other_org
from tests.factories import PASSWORD, make_call


@pytest.fixture
def world(app, runner, db):
    with app.test_request_context():
        call, admin = final_sample(runner, db)
    db.commit()
    return call, admin


def sub(db, ref: str) -> Submission:
    return db.scalar(select(Submission).join(Call).where(Call.slug == "sz-2026", Submission.ref == ref))


def login_admin(auth, world):
    assert auth.login(world[1].email, PASSWORD).status_code == 302


def listed(page: str) -> set[str]:
    """The refs of the library table's rows."""
    import re

    return set(re.findall(r"<tr>\s*<td>([A-Z])</td>", page))


def test_the_public_library_lists_and_filters_the_entries(client, db, world):
    assert listed(client.get("/library/").get_data(as_text=True)) == {"G", "D"}
    g = db.scalar(select(LibraryEntry).where(LibraryEntry.submission_id == sub(db, "G").id))
    assert listed(client.get("/library/?min_score=63").get_data(as_text=True)) == {"G"}  # G 65.00, D 61.50
    assert listed(client.get("/library/?item=01.01").get_data(as_text=True)) == {"D"}
    assert listed(client.get("/library/?category=12").get_data(as_text=True)) == {"G"}
    assert listed(client.get("/library/?q=困境").get_data(as_text=True)) == {"D"}
    assert listed(client.get(f"/library/?call={g.call_id}&status=funded").get_data(as_text=True)) == {"G", "D"}
    assert listed(client.get(f"/library/?call={g.call_id}&status=waiting").get_data(as_text=True)) == set()
    assert listed(client.get("/library/?district=440303").get_data(as_text=True)) == set()
    for junk in ("call=abc&min_score=x", "min_score=63.x", "call=99999999999", "status=nope&district=1"):
        assert client.get(f"/library/?{junk}").status_code == 200
    assert listed(client.get("/library/?min_score=9999999999").get_data(as_text=True)) == set()  # past the column
    assert listed(client.get("/library/?q=%25").get_data(as_text=True)) == set()  # "%" matches itself
    assert listed(client.get("/library/?q=_").get_data(as_text=True)) == set()


def test_only_administrators_reach_the_library_administration(client, auth, make_user, world):
    assert client.get("/admin/library/sz-2026").status_code == 302
    make_user("m@example.org")
    auth.login("m@example.org")
    assert client.get("/admin/library/sz-2026").status_code == 403
    assert client.get("/admin/library/").status_code == 403
    assert client.get("/admin/pledges").status_code == 403


def test_the_administrator_previews_who_moves_up_and_confirms_it(client, auth, db, world):
    login_admin(auth, world)
    g = sub(db, "G")
    db.add(FundingLine(submission_id=g.id, source="enterprise", donor="某企业", amount_fen=1_000_000, status="verified"))
    db.commit()
    a = sub(db, "A")
    page = client.get(f"/admin/library/sz-2026?preview={a.id}").get_data(as_text=True)
    assert "如果 A 撤回" in page and "获配套资金" in page
    assert client.post("/admin/library/sz-2026/move-up", data={"submission_id": a.id, "reason": ""}).status_code == 422
    response = client.post("/admin/library/sz-2026/move-up", data={"submission_id": a.id, "reason": "负责人离职"})
    assert response.status_code == 302
    db.rollback()
    assert sub(db, "A").status == "withdrawn"


def test_new_edition_carrying_and_settings_from_the_library_page(client, auth, db, world):
    login_admin(auth, world)
    bad = client.post("/admin/library/sz-2026/settings", data={"expires_after": "0", "failed_evaluation_editions": "1"})
    assert bad.status_code == 422
    for huge in ("9" * 400, "²³"):  # read by the one number parser: a message, never a 500
        bad = client.post("/admin/library/sz-2026/settings", data={"expires_after": huge, "failed_evaluation_editions": huge})
        assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)
    assert client.post("/admin/library/sz-2026/settings", data={
        "expires_after": "3", "failed_evaluation_editions": "2", "no_second_funding": "y", "barred_list": "y"},
    ).status_code == 302
    taken = client.post("/admin/library/sz-2026/new-edition", data={"slug": "sz-2026", "title": "x"})
    assert taken.status_code == 422 and "已被使用" in taken.get_data(as_text=True)
    response = client.post("/admin/library/sz-2026/new-edition", data={"slug": "sz-2027", "title": "2027 大赛"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/calls/sz-2027")
    db.rollback()
    nxt = db.scalar(select(Call).where(Call.slug == "sz-2027"))
    assert nxt.status == "draft" and db.get(EditionSettings, nxt.id).expires_after == 3
    d = db.scalar(select(LibraryEntry).where(LibraryEntry.submission_id == sub(db, "D").id))
    d.status = "waiting"
    db.commit()
    assert client.post("/admin/library/sz-2026/carry", data={"target": "sz-2027"}).status_code == 302
    page = client.get("/admin/library/sz-2027").get_data(as_text=True)
    assert "困境家庭帮扶" in page and "已转入（第 2 届）" in page


def _co_funder(client, auth, db, world, make_user):
    make_user("fund@example.org", roles=())
    login_admin(auth, world)
    missing = client.post("/admin/cofunders", data={"email": "nobody@example.org", "name": "某基金会", "kind": "foundation"})
    assert missing.status_code == 422 and "没有使用该邮箱的账号" in missing.get_data(as_text=True)
    assert client.post("/admin/cofunders", data={"email": "fund@example.org", "name": "某基金会", "kind": "foundation"},
                       ).status_code == 302
    auth.logout()
    auth.login("fund@example.org")


def test_a_co_funder_pledges_within_the_need_and_the_administrator_confirms(client, auth, db, world, make_user):
    _co_funder(client, auth, db, world, make_user)
    g = sub(db, "G")  # requested 20,000, library grant 13,333.33: 6,666.67 still needed
    assert "¥6,666.67" in client.get(f"/pledge/{g.id}").get_data(as_text=True)
    over = client.post(f"/pledge/{g.id}", data={"amount": "6666.68", "conditions": "", "message": ""})
    assert over.status_code == 422 and "超出该项目尚需的金额 ¥6,666.67" in over.get_data(as_text=True)
    long = client.post(f"/pledge/{g.id}", data={"amount": "100", "conditions": "条" * 2001, "message": ""})
    assert long.status_code == 422 and 'id="conditions-error"' in long.get_data(as_text=True)  # beside the field
    assert db.scalar(select(Pledge)) is None
    assert client.post(f"/pledge/{g.id}", data={"amount": "5000", "conditions": "用于心理咨询", "message": "加油"},
                       ).status_code == 302
    assert client.get("/admin/pledges").status_code == 403
    auth.logout()
    login_admin(auth, world)
    pledge = db.scalar(select(Pledge))
    assert "项目尚需 ¥6,666.67" in client.get("/admin/pledges").get_data(as_text=True)
    assert client.post(f"/admin/pledges/{pledge.id}/confirm", data={}).status_code == 302
    db.rollback()
    line = db.get(FundingLine, db.get(Pledge, pledge.id).funding_line_id)
    assert (line.source, line.donor, line.amount_fen, line.status) == ("foundation", "某基金会", 500_000, "verified")
    auth.logout()
    auth.login("fund@example.org")
    mine = client.get("/cofunder/").get_data(as_text=True)
    assert "心理健康" in mine and "5,000.00" in mine and "已确认" in mine


def test_declining_a_pledge_needs_a_reason(client, auth, db, world, make_user):
    _co_funder(client, auth, db, world, make_user)
    client.post(f"/pledge/{sub(db, 'D').id}", data={"amount": "100"})
    auth.logout()
    login_admin(auth, world)
    pledge = db.scalar(select(Pledge))
    response = client.post(f"/admin/pledges/{pledge.id}/decline", data={f"p{pledge.id}-reason": ""})
    assert response.status_code == 422 and "请填写不确认的理由" in response.get_data(as_text=True)


def test_a_brand_project_is_designated_and_replicated_into_an_open_call(client, auth, db, world):
    login_admin(auth, world)
    a = sub(db, "A")
    refused = client.post(f"/admin/brands/new/{a.id}", data={"name": "长者饭堂", "criteria": "evaluation_passed"})
    assert refused.status_code == 422 and "没有合格的结项评估记录" in refused.get_data(as_text=True)
    with client.application.test_request_context():
        final_evaluation(db, db.merge(world[1]), a)  # by the execution pages' services
    db.commit()
    assert "评估合格" in client.get(f"/admin/orgs/{a.organisation_id}").get_data(as_text=True)
    assert client.post(f"/admin/brands/new/{a.id}", data={
        "name": "长者饭堂", "what": "社区助餐", "for_whom": "独居长者", "results": "每日 80 份", "criteria": "evaluation_passed",
    }).status_code == 302
    brand = db.scalar(select(Brand))
    assert "长者饭堂" in client.get("/brands/").get_data(as_text=True)
    auth.logout()
    admin = world[1]
    member, org = other_org(db, admin)
    open_call = make_call(db, admin, slug="open-2027")
    db.commit()
    auth.login(member.email, PASSWORD)
    response = client.post(f"/brands/{brand.id}/replicate", data={"call": "open-2027"})
    assert response.status_code == 302
    db.rollback()
    draft = db.scalar(select(Submission).where(Submission.call_id == open_call.id))
    assert draft.title == "长者助餐" and {i.item_code for i in draft.items} == {"02.01", "02.02"}
    assert db.scalar(select(Replication.brand_id).where(Replication.submission_id == draft.id)) == brand.id
    draft.title = "草稿里正在写的标题"
    db.commit()
    page = client.get(f"/brands/{brand.id}").get_data(as_text=True)  # its own member: as the public sees it
    assert "推广复制谱系" in page and "推广复制项目" in page and open_call.title in page
    assert org.name not in page and "草稿里正在写的标题" not in page  # a draft's name and organisation stay private
    auth.logout()
    login_admin(auth, world)
    page = client.get(f"/brands/{brand.id}").get_data(as_text=True)
    assert org.name in page and "草稿里正在写的标题" in page  # administrators see the whole tree


def test_a_barred_organisation_is_refused_with_the_rules_name(client, auth, db, world):
    login_admin(auth, world)
    admin = world[1]
    member, org = other_org(db, admin)
    make_call(db, admin, slug="open-2027")
    db.commit()
    assert client.post(f"/admin/orgs/{org.id}/bars", data={"reason": "挪用资金", "starts_on": "2026-01-01"},
                       ).status_code == 302
    assert "挪用资金" in client.get(f"/admin/orgs/{org.id}").get_data(as_text=True)
    auth.logout()
    auth.login(member.email, PASSWORD)
    page = client.get("/calls/open-2027/apply").get_data(as_text=True)
    assert "限制申报名单" in page and "挪用资金" in page
    response = client.post("/calls/open-2027/apply")
    assert response.status_code == 422 and "限制申报名单" in response.get_data(as_text=True)


def test_funding_across_calls_page_against_hand_computed_totals(client, auth, db, world):
    """The sample's final results: matching 50,000 + 30,000 + 20,000 = 100,000; library grants
    13,333.33 + 16,666.67 = 30,000; public money 130,000. Counted R of the funded projects:
    A 60,000 + B 30,000 + C 40,000 = 130,000 (G and D raised nothing): leverage 1.00. A confirmed
    pledge of 2,600 to G adds 2,600: (130,000 + 2,600) / 130,000 = 1.02."""
    from gongyi.library import cofunders

    login_admin(auth, world)
    create_user(db, None, email="fund@example.org", name="资助方", password=PASSWORD, roles=())
    admin = db.merge(world[1])
    cofunders.add_co_funder(db, admin, email="fund@example.org", name="某基金会", kind="foundation")
    pledge = cofunders.make_pledge(db, db.scalar(select(User).where(User.email == "fund@example.org")), sub(db, "G"),
                                   amount="2600")
    cofunders.confirm_pledge(db, admin, pledge)
    db.commit()
    page = client.get("/admin/library/").get_data(as_text=True)
    row = page[page.index("#projects\">2026 深圳市公益创投大赛</a>"):]
    row = row[:row.index("</tr>")]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    # projects, government, enterprise, foundation, individual, other, matching, library, pledges, leverage x2
    # Verified funds by source (the pledge apart): enterprise A 60,000 + C 40,000, foundation B 30,000.
    assert cells == ["7", "0.00", "100,000.00", "30,000.00", "0.00", "0.00", "100,000.00", "30,000.00", "2,600.00",
                     "1.00", "1.02"]
    projects = client.get("/admin/library/?call=sz-2026").get_data(as_text=True)
    assert "各项目的资金来源" in projects


def test_submitting_the_same_project_again_is_refused_beside_the_title(client, auth, db, world):
    """A's organisation enters 长者助餐, funded in sz-2026, again: the rule's refusal sits beside the title."""
    admin = world[1]
    later = make_call(db, admin, slug="open-2027")
    from gongyi.library import entries
    entries.update_settings(db, admin, later, no_second_funding=True)
    member = create_user(db, None, email="a@example.org", name="成员", password=PASSWORD, roles=("member",))
    member.organisation_id = sub(db, "A").organisation_id
    db.commit()
    auth.login("a@example.org", PASSWORD)
    assert client.post("/calls/open-2027/apply").status_code == 302
    draft = db.scalar(select(Submission).join(Call).where(Call.slug == "open-2027"))
    page = client.post(f"/submissions/{draft.id}/edit", data={"title": "长者助餐", "action": "submit"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    error = html[html.index('id="title-error"'):]
    assert error[:error.index("</small>")].count("同一项目不重复资助") == 1


def test_a_brand_shows_only_the_photos_chosen_for_its_profile(client, db, world):
    from gongyi.library import brands
    from gongyi.submissions.models import Attachment

    a = sub(db, "A")
    photo = Attachment(submission_id=a.id, filename="meal.png", content_type="image/png", size=8, data=b"\x89PNG\r\n\x1a\n")
    private = Attachment(submission_id=a.id, filename="budget.pdf", content_type="application/pdf", size=4, data=b"%PDF")
    db.add_all([photo, private])
    db.flush()
    with pytest.raises(brands.BrandError, match="附件中的图片"):
        brands.designate_brand(db, world[1], a, name="长者饭堂", what="", for_whom="", results="",
                               criteria=["replicable"], photo_ids=[private.id])
    brand = brands.designate_brand(db, world[1], a, name="长者饭堂", what="", for_whom="", results="",
                                   criteria=["replicable"], photo_ids=[photo.id])
    db.commit()
    shown = client.get(f"/brands/{brand.id}/photos/{photo.id}")
    assert shown.status_code == 200 and shown.data == b"\x89PNG\r\n\x1a\n"
    assert client.get(f"/brands/{brand.id}/photos/{private.id}").status_code == 404
    assert f"/brands/{brand.id}/photos/{photo.id}" in client.get(f"/brands/{brand.id}").get_data(as_text=True)


def test_the_designation_form_and_the_brand_page_show_the_criteria_the_record_checks(client, auth, db, world):
    login_admin(auth, world)
    a = sub(db, "A")
    with client.application.test_request_context():
        final_evaluation(db, db.merge(world[1]), a)
    db.commit()
    form = client.get(f"/admin/brands/new/{a.id}").get_data(as_text=True)
    checked = form[form.index('id="checked"'):form.index("</section>", form.index('id="checked"'))]
    assert "<strong>结项评估合格</strong>" in checked and "合格" in checked
    assert "连续运行多年：未满足" in checked and "历届最终结果中获资助 1 届" in checked
    assert 'value="evaluation_passed"' not in form and 'value="years_running"' not in form
    assert 'value="replicable"' in form
    assert client.post(f"/admin/brands/new/{a.id}", data={"name": "长者饭堂", "criteria": "replicable"}).status_code == 302
    brand = db.scalar(select(Brand))
    assert brand.criteria == ["evaluation_passed", "replicable"]
    auth.logout()
    page = client.get(f"/brands/{brand.id}").get_data(as_text=True)
    facts = page[page.index("记录核实的标准"):]
    assert "<strong>结项评估合格</strong>" in facts and "连续运行多年：未满足" in facts
    own = facts[facts.index("管理员认定的标准"):]
    assert own.index("模式可复制") < own.index("</dd>") and "结项评估合格" not in own[:own.index("</dd>")]
