"""Smaller things of everyday use: after a screening decision the page offers the next project
waiting in the same call; rubric criteria are named, not coded, on the public rules card; a run's
input fingerprint is a short label with its explanation."""
from __future__ import annotations

import re

from gongyi.formatting import fingerprint
from tests.factories import make_admin, make_call, make_org, make_submission


def test_after_a_decision_the_next_waiting_project_of_the_call_is_one_click_away(client, auth, db):
    admin = make_admin(db, "boss@example.org")
    call, other_call = make_call(db, admin, slug="a"), make_call(db, admin, slug="b")
    _, org = make_org(db, admin)
    first = make_submission(db, call, org, ref="A-001")
    second = make_submission(db, call, org, ref="A-002", title="第二个项目")
    make_submission(db, other_call, org, ref="A-0015")  # another call: never next
    make_submission(db, call, org, ref="A-003", eligibility="eligible")  # decided already
    db.commit()
    auth.login(admin.email)
    r = client.post(f"/admin/submissions/{first.id}/eligibility", data={"eligible": "y", "reason": ""})
    assert r.location.endswith(f"/admin/submissions/{first.id}#eligibility")
    page = client.get(r.location).get_data(as_text=True)
    assert re.search(rf'href="/admin/submissions/{second.id}">下一个待审查项目：A-002 第二个项目', page)
    client.post(f"/admin/submissions/{second.id}/eligibility", data={"eligible": "y", "reason": ""})
    page = client.get(f"/admin/submissions/{second.id}").get_data(as_text=True)
    assert "本征集没有其他待审查的项目。" in page


def test_the_public_rules_card_names_criteria_without_their_codes(client, db):
    admin = make_admin(db)
    make_call(db, admin, slug="open-call")
    db.commit()
    page = client.get("/calls/open-call").get_data(as_text=True)
    card = page[page.index('id="rules-card"'):page.index("</table>", page.index('id="rules-card"'))]
    assert "<th>评分项</th>" in card and "代码" not in card and "<code>" not in card


def test_the_input_fingerprint_is_a_short_label():
    digest = "3f9ac21b" + "0" * 56
    assert fingerprint(digest) == "3F9A-C21B"
    assert fingerprint("") == "" and fingerprint(None) == ""
