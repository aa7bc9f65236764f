"""A library entry's page (public, and with the administrator's actions), funding a carried entry
from a later edition's library pool through it.

The world (tests/db/library_world.waiting_sample): G funded with the sample's whole library pool
of 20,000.00, D (requested 25,000.00) waiting, carried into 2027, whose final results left
5,000.00 of its 30,000.00 library pool."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.library import cofunders
from gongyi.library.models import LibraryEntry
from gongyi.submissions.models import Submission
from tests.db.library_world import later_final_results, waiting_sample
from tests.factories import PASSWORD


@pytest.fixture
def world(app, runner, db, tmp_path):
    with app.test_request_context():
        call, admin = waiting_sample(runner, db, tmp_path)
        nxt = later_final_results(db, admin, call, pool_fen=3_000_000, allocated_fen=2_500_000)
    db.commit()
    return call, nxt, admin


def entry_of(db, slug: str, ref: str) -> LibraryEntry:
    return db.scalar(select(LibraryEntry).join(Call, Call.id == LibraryEntry.call_id)
                     .join(Submission, Submission.id == LibraryEntry.submission_id)
                     .where(Call.slug == slug, Submission.ref == ref))


def test_the_public_entry_page_shows_its_figures_and_its_editions_and_nothing_unpublished(client, db, world):
    first, carried = entry_of(db, "sz-2026", "D"), entry_of(db, "sz-2027", "D")
    listing = client.get("/library/").get_data(as_text=True)
    assert f'href="/library/entries/{carried.id}"' in listing and f'href="/library/entries/{first.id}"' in listing
    page = client.get(f"/library/entries/{carried.id}").get_data(as_text=True)
    assert "D 困境家庭帮扶" in page and "61.50" in page and "25,000.00" in page
    editions = page[page.index('id="editions"'):]
    assert editions.index("2026 深圳市公益创投大赛") < editions.index("2027 深圳市公益创投大赛")
    assert "带着原有得分转入2027 深圳市公益创投大赛" in editions and "已转入（第 2 届）" in editions
    assert f'href="/library/entries/{first.id}"' in editions
    # No actors, no audit history, no amounts beyond the list's, no administrator's actions.
    assert "操作记录" not in page and "操作人" not in page and "项目库资助（元）" not in page
    assert "带着原有得分转入本届项目库" not in page
    assert "/fund" not in page and "资金池" not in page
    assert client.get("/library/entries/999999").status_code == 404


def login_admin(auth, world):
    assert auth.login(world[2].email, PASSWORD).status_code == 302


def test_the_administrator_funds_the_carried_entry_from_the_later_pool(app, client, auth, db, world):
    d = entry_of(db, "sz-2027", "D")
    with app.test_request_context():  # a co-funder's confirmed 1,000.00, in the entry's history below
        create_user(db, None, email="fund@example.org", name="资助方", password=PASSWORD, roles=())
        cofunders.add_co_funder(db, world[2], email="fund@example.org", name="某基金会", kind="foundation")
        funder = db.scalar(select(User).where(User.email == "fund@example.org"))
        cofunders.confirm_pledge(db, world[2], cofunders.make_pledge(db, funder, d.submission, amount="1000"))
    db.commit()
    login_admin(auth, world)
    page = client.get(f"/library/entries/{d.id}").get_data(as_text=True)
    assert "最终结果已分配 ¥25,000.00，管理员已资助 ¥0.00，余额 ¥5,000.00" in page
    assert f'action="/admin/library/entries/{d.id}/fund"' in page
    url = f"/admin/library/entries/{d.id}/fund"
    for amount, message in (("25000.01", "不能超过该项目的申请金额 ¥25,000.00"), ("6000", "超出本届项目库资金池的余额 ¥5,000.00"),
                            ("abc", "金额格式不正确"), ("", "该字段是必填字段")):
        response = client.post(url, data={"amount": amount, "reason": ""})
        assert response.status_code == 422, amount
        answer = response.get_data(as_text=True)
        assert 'aria-invalid="true"' in answer and message in answer
    response = client.post(url, data={"amount": "5000", "reason": "2027 年余额"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/library/entries/{d.id}")
    page = client.get(f"/library/entries/{d.id}").get_data(as_text=True)
    assert "已从2027 深圳市公益创投大赛的项目库资金池资助 D ¥5,000.00" in page
    assert "从本届项目库资金池的余额资助" in page and "理由：2027 年余额" in page
    history = page[page.index('id="history"'):]
    assert "从项目库资金池资助" in history and "资助金额：¥5,000.00" in history and world[2].name in history
    assert "带着原有得分转入本届项目库" in history and "来自：2026 深圳市公益创投大赛" in history
    assert "认捐" in history and "某基金会 ¥1,000.00" in history and "确认认捐" in history
    db.expire_all()
    assert (entry_of(db, "sz-2027", "D").status, entry_of(db, "sz-2027", "D").library_grant_fen) == ("funded", 500_000)
    # A second click is refused beside the field; nothing is granted twice.
    again = client.post(url, data={"amount": "1"})
    assert again.status_code == 422 and "D 已由" in again.get_data(as_text=True)
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.action == "library.fund")).all()) == 1
    # The public sees the status, not who granted it, why, or how much.
    auth.logout()
    public = client.get(f"/library/entries/{d.id}").get_data(as_text=True)
    assert "已获项目库资助" in public and "2027 年余额" not in public and world[2].name not in public
    # The funding sources across calls count it as 2027's library money: leverage 8,000 / 5,000.
    login_admin(auth, world)
    funding = client.get("/admin/library/").get_data(as_text=True)
    row = re.search(r"2027 深圳市公益创投大赛</a></td>(.*?)</tr>", funding, re.S).group(1)
    assert "5,000.00" in row and "1.60" in row


def test_an_entry_of_its_own_editions_library_is_funded_by_its_results_only(app, client, auth, db, runner, tmp_path):
    """D waiting in its own edition (the sample, before any carrying): no grant form, and a grant
    posted anyway is refused beside the amount, nothing granted."""
    with app.test_request_context():
        call, admin = waiting_sample(runner, db, tmp_path)
    db.commit()
    d = entry_of(db, "sz-2026", "D")
    assert auth.login(admin.email, PASSWORD).status_code == 302
    page = client.get(f"/library/entries/{d.id}").get_data(as_text=True)
    assert "项目库资金池 ¥20,000.00：最终结果已分配 ¥20,000.00，管理员已资助 ¥0.00，余额 ¥0.00" in page
    assert "本届自己的项目只由本届的结果计算从项目库资金池资助" in page
    assert f'action="/admin/library/entries/{d.id}/fund"' not in page
    response = client.post(f"/admin/library/entries/{d.id}/fund", data={"amount": "1", "reason": ""})
    assert response.status_code == 422 and "管理员只能资助从往届转入的项目" in response.get_data(as_text=True)
    db.expire_all()
    assert (entry_of(db, "sz-2026", "D").status, entry_of(db, "sz-2026", "D").library_grant_fen) == ("waiting", 0)
    library = client.get(f"/admin/library/{call.slug}").get_data(as_text=True)  # the same sentence, one macro
    assert "2026 深圳市公益创投大赛的项目库资金池 ¥20,000.00：最终结果已分配 ¥20,000.00，管理员已资助 ¥0.00，余额 ¥0.00" in library
    assert "在从往届转入的等待项目的页面上从余额资助它们" in library
