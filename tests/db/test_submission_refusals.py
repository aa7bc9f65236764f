"""What the pages ask the services before they offer an action: may the organisation start one
more submission, which calls are full, which categories the menu shows, which funds and files
may still be taken back, which lines an administrator may still verify."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from gongyi.submissions import overview, refusals, screening, service
from gongyi.submissions.attachments import Upload
from tests.factories import make_admin, make_call, make_org, make_submission

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def test_start_refusal_names_the_window_then_the_per_organisation_limit(db):
    admin = make_admin(db)
    call = make_call(db, admin, rules={"entry": {"max_per_org": 1}})
    member, org = make_org(db, admin)
    assert refusals.start_refusal(db, call, org.id) is None
    service.create_submission(db, member, call)
    refusal = refusals.start_refusal(db, call, org.id)
    assert refusal.message % refusal.params == "本组织在本征集中已申报 1 个项目，已达到上限（已撤回的不计）。"
    closed = make_call(db, admin, closes_at=datetime.now(timezone.utc) + timedelta(hours=1))
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert "截止" in refusals.start_refusal(db, closed, org.id, now=later).message


def test_open_calls_say_which_are_full(db):
    admin = make_admin(db)
    roomy = make_call(db, admin, slug="roomy", rules={"entry": {"max_per_org": 2}})
    full = make_call(db, admin, slug="full", rules={"entry": {"max_per_org": 1}})
    make_call(db, admin, slug="draft", status="draft")
    member, org = make_org(db, admin)
    service.create_submission(db, member, roomy)
    service.create_submission(db, member, full)
    by_slug = {c.call.slug: (c.count, c.full) for c in overview.open_calls_for(db, org.id)}
    assert by_slug == {"roomy": (1, False), "full": (1, True)}


def test_the_menu_shows_open_categories_and_those_of_picked_items(db):
    admin = make_admin(db)
    call = make_call(db, admin, rules={"entry": {"categories": ["02"]}})
    groups = {g.category.code: (g.open, g.chosen) for g in overview.order_menu(db, call, {"02.01"})}
    assert groups == {"02": (True, 1)}
    groups = {g.category.code: (g.open, g.chosen) for g in overview.order_menu(db, call, {"01.01", "02.01"})}
    assert groups == {"01": (False, 1), "02": (True, 1)}
    everything = overview.order_menu(db, make_call(db, admin), set())
    assert len(everything) > 2 and all(g.open for g in everything)


def test_verified_funds_and_their_evidence_stay(db):
    admin = make_admin(db)
    call = make_call(db, admin)
    member, org = make_org(db, admin)
    s = service.create_submission(db, member, call)
    line = service.add_funding_line(db, member, s, source="enterprise", donor="甲公司", amount="100",
                                    evidence=Upload("回单.pdf", PDF))
    evidence = s.attachments[0]
    assert refusals.funding_line_removal_refusal(line) is None and refusals.attachment_removal_refusal(evidence) is None
    submitted = make_submission(db, call, org, funds=[("enterprise", "乙公司", 100, "pending")])
    pending = submitted.funding_lines[0]
    assert screening.verifiable(pending)
    screening.verify_funding_line(db, admin, pending)
    assert not screening.verifiable(pending)
    line.status = "verified"
    assert "已核实" in refusals.funding_line_removal_refusal(line).message
    assert "凭证" in refusals.attachment_removal_refusal(evidence).message
