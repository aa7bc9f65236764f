"""A rejected form opens at its problems: the form's action carries the fragment of the error
summary at the top of its section, the summary lists each problem with a link to its field; and
switching language from a page that answered a POST returns to a page GET can show."""
from __future__ import annotations

import re

import pytest

from gongyi.submissions import service
from tests.factories import make_admin, make_call, make_org, make_submission


@pytest.fixture
def world(db):
    admin = make_admin(db, "boss@example.org")
    call = make_call(db, admin, slug="shenzhen-2025")
    member, org = make_org(db, admin, email="member@example.org", name="福田长者服务中心")
    submission = service.create_submission(db, member, call)
    db.commit()
    return admin, member, submission


def _summary(page: str, anchor: str) -> str:
    m = re.search(rf'<div class="error-summary" role="alert" id="{anchor}" tabindex="-1" data-error-summary>(.*?)</div>',
                  page, re.S)
    assert m, f"no error summary #{anchor}"
    return m.group(1)


def test_rejected_funds_entry_opens_at_its_summary_in_the_funds_section(client, auth, world):
    _, member, s = world
    auth.login(member.email)
    page = client.get(f"/submissions/{s.id}/edit").get_data(as_text=True)
    assert f'action="/submissions/{s.id}/funds#fund-problems"' in page  # the response opens at the summary
    assert 'id="fund-problems"' not in page  # no summary while nothing is wrong
    r = client.post(f"/submissions/{s.id}/funds", data={"fund-source": "", "fund-donor": "", "fund-amount": "-1"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    summary = _summary(page, "fund-problems")
    assert '<a href="#fund-amount">' in summary and "金额不能为负数" in summary
    assert '<a href="#fund-source">' in summary and "请选择资金来源" in summary
    funds_section = page.index('<section id="funds">')
    assert funds_section < page.index('id="fund-problems"') < page.index('<section id="attachments">')


def test_rejected_withdrawal_names_its_problem_in_the_summary(client, auth, world):
    _, member, s = world
    auth.login(member.email)
    r = client.post(f"/submissions/{s.id}/withdraw", data={"reason": "x"})
    assert r.status_code == 422
    assert "请勾选确认后再撤回" in _summary(r.get_data(as_text=True), "withdraw-problems")


def test_rejected_screening_decision_opens_at_the_eligibility_section(client, auth, db, world):
    admin, member, _ = world
    s = make_submission(db, world[2].call, world[2].organisation)
    db.commit()
    auth.login(admin.email)
    r = client.post(f"/admin/submissions/{s.id}/eligibility", data={"reason": ""})
    page = r.get_data(as_text=True)
    assert f'/admin/submissions/{s.id}/eligibility#eligibility-problems"' in page
    assert "请选择合格或不合格" in _summary(page, "eligibility-problems")


def test_language_switch_from_a_post_answer_returns_to_the_form_page(client, auth, world):
    _, member, s = world
    auth.login(member.email)
    page = client.post(f"/submissions/{s.id}/funds", data={"fund-amount": "-1"},
                       headers={"Referer": f"http://localhost/submissions/{s.id}/edit"}).get_data(as_text=True)
    back = re.search(r'name="back" value="([^"]+)"', page).group(1)
    nxt = re.search(r'name="next" value="([^"]+)"', page).group(1)
    assert nxt == f"/submissions/{s.id}/funds"
    r = client.post("/language", data={"locale": "en", "next": nxt, "back": back})
    assert r.location.endswith(f"/submissions/{s.id}/edit")
    assert client.get(r.location).status_code == 200


def test_language_switch_without_referrer_goes_to_the_enclosing_page(client, auth, world):
    _, member, s = world
    auth.login(member.email)
    r = client.post("/language", data={"locale": "en", "next": f"/submissions/{s.id}/funds"})
    assert r.location.endswith(f"/submissions/{s.id}")
    r = client.post("/language", data={"locale": "en", "next": "/language", "back": "http://evil.example/x"})
    assert r.location.endswith("/") and "evil" not in r.location


@pytest.mark.parametrize("path", ["/language", "/auth/logout"])
def test_405_page_is_styled_with_navigation(client, path):
    r = client.get(path)
    page = r.get_data(as_text=True)
    assert r.status_code == 405 and "不支持的操作" in page
    assert 'aria-label="主导航"' in page and 'href="/calls/"' in page
