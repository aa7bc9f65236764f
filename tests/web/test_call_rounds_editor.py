"""The call editor's funds section and rounds: add, remove, reorder, panels and their weights,
every problem beside its field; the rules card shows the rules version, rounds and panel weights."""
from __future__ import annotations

import re

from sqlalchemy import select

from gongyi.calls.models import Call
from gongyi.calls.rules import default_rules
from tests.web.test_calls_admin import admin, error_beside, form_post  # noqa: F401  (admin is a fixture)

ONLINE = [{"code": "plan", "name": "方案", "max": 50}, {"code": "fit", "name": "契合度", "max": 50}]


def rounds_post(rounds: list[dict], funds: dict | None = None, **fields) -> dict:
    """The call form as posted with these rounds (each with criteria rows and panel rows) and funds."""
    data = form_post(**fields)
    funds = funds or {"counted_sources": ["enterprise", "individual", "foundation", "other"],
                      "donor_cap": "", "min_donors": "0"}
    data["funds-counted_sources"] = funds["counted_sources"]
    data["funds-donor_cap"], data["funds-min_donors"] = funds["donor_cap"], funds["min_donors"]
    for i, rnd in enumerate(rounds):
        for key in ("code", "name", "min_reviews", "aggregate", "trim_from", "advance", "advance_min_score"):
            data[f"rounds-{i}-{key}"] = str(rnd.get(key, ""))
        for j, c in enumerate(rnd.get("criteria", []) + [{}]):
            for key in ("code", "name", "max", "guide"):
                data[f"rounds-{i}-criteria-{j}-{key}"] = str(c.get(key, ""))
        for j, p in enumerate(rnd.get("panels", []) + [{}]):
            for key in ("code", "weight", "min_reviews"):
                data[f"rounds-{i}-panels-{j}-{key}"] = str(p.get(key, ""))
    return data


TWO_ROUNDS = [
    {"code": "online", "name": "网评", "advance": "2", "advance_min_score": "50", "criteria": ONLINE,
     "panels": [{"code": "expert", "weight": "1", "min_reviews": "2"}]},
    {"code": "final", "name": "路演", "aggregate": "mean",
     "panels": [{"code": "expert", "weight": "0.7", "min_reviews": "2"}, {"code": "public", "weight": "0.3", "min_reviews": "1"}]},
]


def test_new_call_form_shows_funds_and_the_one_default_round(client, admin):
    page = client.get("/admin/calls/new").get_data(as_text=True)
    for source in ("enterprise", "individual", "foundation", "other"):
        assert re.search(rf'checked[^>]*value="{source}"|value="{source}"[^>]*checked', page), source
    assert not re.search(r'checked[^>]*value="government"|value="government"[^>]*checked', page)
    assert 'name="rounds-0-code" type="text" value="review"' in page
    assert 'name="rounds-0-panels-0-code" type="text" value="expert"' in page
    assert "<output data-weight-sum" in page and ">1</output>" in page
    assert 'name="rounds-1-code"' not in page


def test_admin_creates_a_two_round_call_with_weighted_panels_and_funds(client, admin, db):
    funds = {"counted_sources": ["enterprise", "individual"], "donor_cap": "50000", "min_donors": "2"}
    r = client.post("/admin/calls/new", data=rounds_post(TWO_ROUNDS, funds))
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    db.rollback()
    rules = db.scalar(select(Call)).rules
    assert rules["funds"] == {"counted_sources": ["enterprise", "individual"], "donor_cap": "50000.00", "min_donors": 2}
    online, final = rules["rounds"]
    assert (online["code"], online["advance"], online["advance_min_score"], online["criteria"]) == ("online", 2, "50", ONLINE)
    assert final["criteria"] is None and final["aggregate"] == "mean" and final["advance"] is None
    assert final["panels"] == [{"code": "expert", "weight": "0.7", "min_reviews": 2},
                               {"code": "public", "weight": "0.3", "min_reviews": 1}]
    card = client.get("/admin/calls/ft-2026").get_data(as_text=True)
    assert "规则版本：2" in card
    assert "第 1 轮：网评" in card and "第 2 轮：路演" in card
    assert "权重 0.7，至少 2 份完整评审" in card and "权重 0.3，至少 1 份完整评审" in card
    assert "名次在前 2 名（同分同名次的一并晋级）" in card
    assert "企业、个人" in card and "¥50,000.00" in card
    # The form shows what was saved, blank where the round takes the call's settings.
    form = client.get("/admin/calls/ft-2026/edit").get_data(as_text=True)
    assert 'name="rounds-1-panels-1-weight" type="text" value="0.3"' in form
    assert 'name="rounds-1-min_reviews" type="text" value=""' in form


def test_weights_not_summing_to_one_are_refused_beside_the_panels(client, admin, db):
    rounds = [dict(TWO_ROUNDS[0]), dict(TWO_ROUNDS[1], panels=[{"code": "expert", "weight": "0.7"},
                                                               {"code": "public", "weight": "0.2"}])]
    r = client.post("/admin/calls/new", data=rounds_post(rounds))
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "各评审组权重之和须正好为 1（现为 0.9）" in page
    section = page[page.index('id="round-2"'):]
    assert section.index("各评审组权重之和须正好为 1") < section.index('id="round-2-panels"')
    assert re.search(r"<output data-weight-sum[^>]*class=\"field-error\"[^>]*>0.9</output>", page)
    db.rollback()
    assert db.scalar(select(Call)) is None


def test_every_round_problem_is_beside_its_field(client, admin, db):
    rounds = [dict(TWO_ROUNDS[0], code="final", advance="-1", advance_min_score="abc",
                   criteria=[{"code": "plan", "name": "", "max": "0"}]),
              dict(TWO_ROUNDS[1], trim_from="2", advance="3", panels=[{"code": "expert", "weight": "-1"},
                                                                     {"code": "expert", "weight": "1"}])]
    funds = {"counted_sources": [], "donor_cap": "0", "min_donors": "-2"}
    page = client.post("/admin/calls/new", data=rounds_post(rounds, funds)).get_data(as_text=True)
    assert error_beside(page, "rounds-0-advance")
    assert error_beside(page, "rounds-0-advance_min_score") == "请填写数字，如 1.5"
    assert error_beside(page, "rounds-0-criteria-0-name") == "请填写名称"
    assert error_beside(page, "rounds-0-criteria-0-max") == "满分须为不小于 1 的整数"
    assert error_beside(page, "rounds-1-code") == "轮次代码 final 重复"
    assert error_beside(page, "rounds-1-trim_from")
    assert error_beside(page, "rounds-1-advance") == "最后一轮没有晋级设置"
    assert error_beside(page, "rounds-1-panels-0-weight") == "须大于 0" or error_beside(page, "rounds-1-panels-0-weight")
    assert error_beside(page, "rounds-1-panels-1-code") == "评审组代码 expert 重复"
    assert error_beside(page, "funds-counted_sources") == "请至少选择一种计入的资金来源"
    assert error_beside(page, "funds-donor_cap") == "须大于 0（留空为不设上限）"
    assert error_beside(page, "funds-min_donors")
    db.rollback()
    assert db.scalar(select(Call)) is None


def test_rounds_are_added_moved_and_removed_without_saving(client, admin, db):
    data = rounds_post(TWO_ROUNDS)
    page = client.post("/admin/calls/new", data={**data, "round_action": "add"}).get_data(as_text=True)
    assert 'name="rounds-2-code" type="text" value="round3"' in page
    assert 'name="rounds-0-code" type="text" value="online"' in page and 'value="0.7"' in page
    page = client.post("/admin/calls/new", data={**data, "round_action": "down-1"}).get_data(as_text=True)
    assert 'name="rounds-0-code" type="text" value="final"' in page
    assert 'name="rounds-1-code" type="text" value="online"' in page
    assert 'name="rounds-1-criteria-0-code" type="text" value="plan"' in page  # its rubric moves with it
    page = client.post("/admin/calls/new", data={**data, "round_action": "up-2"}).get_data(as_text=True)
    assert 'name="rounds-0-code" type="text" value="final"' in page
    page = client.post("/admin/calls/new", data={**data, "round_action": "remove-1"}).get_data(as_text=True)
    assert 'name="rounds-0-code" type="text" value="final"' in page and 'name="rounds-1-code"' not in page
    assert client.post("/admin/calls/new", data={**data, "round_action": "remove-9"}).status_code == 400
    assert client.post("/admin/calls/new", data={**data, "round_action": "explode"}).status_code == 400
    db.rollback()
    assert db.scalar(select(Call)) is None


def test_a_post_without_rounds_or_funds_keeps_the_calls_own(client, admin, db):
    one = [{"code": "review", "name": "评审", "panels": [{"code": "expert", "weight": "0.5"}, {"code": "public", "weight": "0.5"}]}]
    funds = {"counted_sources": ["enterprise"], "donor_cap": "100", "min_donors": "1"}
    assert client.post("/admin/calls/new", data=rounds_post(one, funds)).status_code == 302
    r = client.post("/admin/calls/ft-2026/edit", data=form_post(default_rules(), title="改名"))
    assert r.status_code == 302
    db.rollback()
    db.expire_all()
    call = db.scalar(select(Call))
    assert call.title == "改名" and [p["code"] for p in call.rules["rounds"][0]["panels"]] == ["expert", "public"]
    assert call.rules["funds"]["donor_cap"] == "100.00"
