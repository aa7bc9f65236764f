"""Published results, project ledgers and objections through the pages people use.

The sample package and its correction path are worked out in tests/db/test_publication.py.
"""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, update

from gongyi.calls.models import Call
from gongyi.clock import utcnow
from gongyi.orgs.models import Organisation
from gongyi.results.models import Objection, Run
from gongyi.submissions.models import FundingLine, Submission
from tests.package_gen import random_package

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def computed(client, auth, make_user, runner, folder=SAMPLE, slug="sz-2026"):
    """Import a package, then, as the administrator (left logged in), finish review (which computes run 1)."""
    assert runner.invoke(args=["calls", "import", str(folder)]).exit_code == 0
    make_user(f"admin-{slug}@example.org", roles=("admin",))
    auth.login(f"admin-{slug}@example.org")
    client.post(f"/admin/calls/{slug}/transition", data={"transition": "finish_review"})


def publish(client, slug="sz-2026", kind="provisional", run=1, follow=False):
    return client.post(f"/admin/calls/{slug}/publication/publish", data={"kind": kind, "run": str(run)},
                       follow_redirects=follow)


def member(db, make_user, email: str, org_name: str):
    user = make_user(email)
    user.organisation_id = db.scalar(select(Organisation.id).where(Organisation.name == org_name))
    db.commit()
    return user


def close_window(db):
    db.execute(update(Run).where(Run.published == "provisional").values(publicity_until=utcnow() - timedelta(minutes=1)))
    db.commit()


@pytest.fixture
def provisional(client, auth, make_user, runner):
    computed(client, auth, make_user, runner)
    assert publish(client).status_code == 302
    auth.logout()


def test_nothing_is_public_before_publication(client, auth, make_user, runner):
    computed(client, auth, make_user, runner)
    auth.logout()
    r = client.get("/results/sz-2026")
    assert r.status_code == 404 and "尚未公布结果" in r.get_data(as_text=True)
    assert "结果公示" not in client.get("/calls/sz-2026").get_data(as_text=True)
    assert client.get("/results/nope").status_code == 404


def test_admin_publishes_provisional_results_from_the_publicity_page(client, auth, make_user, runner, db):
    computed(client, auth, make_user, runner)
    page = client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert "发布公示结果" in page and "5 个工作日" in page
    r = publish(client)
    assert r.status_code == 302
    assert "已发布公示结果" in client.get(r.location).get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(Call.status)) == "publicity"
    assert db.scalar(select(Run.published)) == "provisional"
    # A second attempt is refused with a message, not an error page.
    assert "第 1 次计算已由" in publish(client, follow=True).get_data(as_text=True)
    auth.logout()
    assert client.get("/admin/calls/sz-2026/publication").status_code == 302  # to the login page


def test_the_public_page_shows_ranking_amounts_rules_and_the_window(client, provisional):
    page = client.get("/results/sz-2026").get_data(as_text=True)
    assert "公示结果（暂定）" in page and "公示期" in page and 'class="countdown"' in page
    assert page.index("<code>A</code>") < page.index("<code>B</code>") < page.index("<code>C</code>") < page.index("<code>F</code>")
    assert "长者助餐" in page and "深圳市阳光社工服务中心" in page
    assert "50,000.00" in page and "20,000.00" in page and "16,666.67" in page and "13,333.33" in page
    assert "¥100,000.00" in page and "¥30,000.00" in page  # pools, both fully allocated
    assert 'id="rules-card"' in page and "需求真实" in page
    assert "提出异议" in page and "计算明细" not in page  # anonymous: may follow the link (to log in), sees no ledger
    assert "结果公示" in client.get("/calls/sz-2026").get_data(as_text=True)
    library = client.get("/results/sz-2026?outcome=library").get_data(as_text=True)
    assert "<code>G</code>" in library and "<code>A</code>" not in library


def test_public_page_statements_do_not_grow_with_the_call(app, client, auth, make_user, runner, tmp_path):
    def statements_for(seed: int, n: int) -> list[int]:
        folder = tmp_path / f"p{seed}"
        folder.mkdir()
        for name, data in random_package(seed, submissions=n, reviewers=10).items():
            (folder / name).write_bytes(data)
        computed(client, auth, make_user, runner, folder, f"random-{seed}")
        assert publish(client, f"random-{seed}").status_code == 302
        client.post(f"/admin/calls/random-{seed}/publication/recompute")
        engine = app.extensions["gongyi.engine"]
        with engine.begin() as conn:  # end the window so that final results may be published
            conn.execute(update(Run).where(Run.published == "provisional").values(publicity_until=utcnow()))
        assert publish(client, f"random-{seed}", "final", 2).status_code == 302
        auth.logout()
        counts = []
        for url in (f"/results/random-{seed}", f"/results/random-{seed}?page=2"):
            count = []
            listener = lambda *a, **k: count.append(1)  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            try:
                page = client.get(url)
            finally:
                event.remove(engine, "before_cursor_execute", listener)
            assert page.status_code == 200 and "最终结果" in page.get_data(as_text=True)
            counts.append(len(count))
        return counts

    small, large = statements_for(201, 260), statements_for(202, 900)
    assert small == large
    assert max(small) <= 10


def test_ledger_is_for_the_organisation_and_administrators_only(client, auth, make_user, db, provisional):
    assert client.get("/results/sz-2026/projects/C").status_code == 302  # anonymous: log in first
    member(db, make_user, "other@example.org", "深圳市益童基金会")
    auth.login("other@example.org")
    assert client.get("/results/sz-2026/projects/C").status_code == 403
    auth.logout()
    member(db, make_user, "own@example.org", "深圳市长者关爱协会")
    auth.login("own@example.org")
    table = client.get("/results/sz-2026").get_data(as_text=True)
    assert table.count("计算明细") == 2  # C and D are this organisation's
    page = client.get("/results/sz-2026/projects/C").get_data(as_text=True)
    assert "R = ¥40,000.00" in page and "1 : 1" in page and "¥50,000.00" in page
    assert "轮到第 3 名时资金池只剩 ¥20,000.00" in page and "¥20,000.00" in page
    assert "已获配套资金，不再从项目库资金池获得资助" in page
    d = client.get("/results/sz-2026/projects/D").get_data(as_text=True)
    assert "在配套名额（前 3 名）之外" in d and "¥25,000.00 × ¥30,000.00 ÷ ¥45,000.00 = ¥16,666.6666…" in d
    assert "本项目补 1 分，得 ¥16,666.67" in d
    assert client.get("/results/sz-2026/projects/ZZZ").status_code == 404
    auth.logout()
    auth.login("admin-sz-2026@example.org")
    assert "R = ¥60,000.00" in client.get("/results/sz-2026/projects/A").get_data(as_text=True)


def test_objections_need_a_login_a_verified_organisation_and_the_window(client, auth, make_user, db, provisional):
    url = "/results/sz-2026/projects/B/objection"
    assert client.get(url).status_code == 302 and "/auth/login" in client.get(url).location
    make_user("nobody@example.org")
    auth.login("nobody@example.org")
    r = client.get(url)
    assert r.status_code == 403 and "只有已认证社会组织的成员可以提出异议" in r.get_data(as_text=True)
    assert client.post(url, data={"real_name": "某", "contact": "1", "reason": "x"}).status_code == 403
    auth.logout()
    member(db, make_user, "m@example.org", "深圳市长者关爱协会")
    auth.login("m@example.org")
    page = client.post(url, data={"real_name": "", "contact": "", "reason": ""}).get_data(as_text=True)
    assert "不受理匿名异议" in page and 'id="contact-error"' in page and 'id="reason-error"' in page
    bad = client.post(url, data={"real_name": "李四", "contact": "138", "reason": "未到账",
                                 "evidence": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "回单.pdf")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="evidence-error"' in bad and "内容不是其中任何一种" in bad
    db.rollback()
    assert db.scalar(select(Objection.id)) is None
    r = client.post(url, data={"real_name": "李四", "contact": "13800000000", "reason": "B 的捐赠尚未到账",
                               "evidence": (io.BytesIO(PDF), "回单.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302 and r.location.endswith("/objections/mine")
    mine = client.get(r.location).get_data(as_text=True)
    assert "B 的捐赠尚未到账" in mine and "待处理" in mine and "回单.pdf" in mine
    db.rollback()
    objection = db.scalar(select(Objection))
    assert client.get(f"/objections/{objection.id}/evidence").data == PDF
    close_window(db)
    r = client.get(url)
    assert r.status_code == 403 and "公示期已于" in r.get_data(as_text=True) and "不再受理异议" in r.get_data(as_text=True)
    assert "提出异议" not in client.get("/results/sz-2026").get_data(as_text=True)
    auth.logout()
    member(db, make_user, "other@example.org", "深圳市益童基金会")
    auth.login("other@example.org")
    assert client.get(f"/objections/{objection.id}/evidence").status_code == 403
    assert "B 的捐赠尚未到账" not in client.get("/objections/mine").get_data(as_text=True)


def test_the_whole_path_from_provisional_to_final_results(client, auth, make_user, db, provisional):
    """An organisation objects, the administrator upholds it, corrects a funding line, recomputes
    and publishes final results whose page shows what changed."""
    member(db, make_user, "m@example.org", "深圳市长者关爱协会")
    auth.login("m@example.org")
    client.post("/results/sz-2026/projects/B/objection",
                data={"real_name": "李四", "contact": "13800000000", "reason": "B 申报的基金会捐赠 30,000 元尚未到账"})
    auth.logout()

    auth.login("admin-sz-2026@example.org")
    page = client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert "待答复 1 件" in page and "李四" in page
    db.rollback()
    objection = db.scalar(select(Objection))
    detail = client.get(f"/admin/objections/{objection.id}").get_data(as_text=True)
    assert "B 申报的基金会捐赠" in detail and "R = ¥30,000.00" in detail  # the contested result with its ledger
    assert 'id="answer-error"' in client.post(f"/admin/objections/{objection.id}",
                                              data={"decision": "upheld", "answer": ""}).get_data(as_text=True)
    r = client.post(f"/admin/objections/{objection.id}", data={"decision": "upheld", "answer": "经核实未到账，已驳回该笔资金"})
    assert r.status_code == 302
    line = db.scalar(select(FundingLine).join(Submission).where(Submission.ref == "B"))
    r = client.post(f"/admin/submissions/{line.submission_id}/funds/{line.id}",
                    data={f"line{line.id}-reject": "y", f"line{line.id}-reason": "捐赠未到账（异议成立）"})
    assert r.status_code == 302
    client.post("/admin/calls/sz-2026/publication/recompute", data={"note": "异议成立后重新计算"})
    page = client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert "将第 2 次计算发布为最终结果" in page and "公示期尚未结束" in page
    assert "公示期结束后才能发布最终结果" in publish(client, kind="final", run=2, follow=True).get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(Run.published).where(Run.number == 2)) is None  # still in the window
    close_window(db)
    r = publish(client, kind="final", run=2)
    assert "已发布最终结果" in client.get(r.location).get_data(as_text=True)
    auth.logout()

    auth.login("m@example.org")
    mine = client.get("/objections/mine").get_data(as_text=True)
    assert "异议成立" in mine and "经核实未到账，已驳回该笔资金" in mine
    auth.logout()

    page = client.get("/results/sz-2026").get_data(as_text=True)
    assert "最终结果" in page and "与公示结果相比的变化" in page and "4 个项目" in page
    changes = page[page.index('id="changes"'):page.index('id="pools"')]
    assert "<del>30,000.00</del> → <mark>0.00</mark>" in changes  # B's matching
    assert "<del>20,000.00</del> → <mark>40,000.00</mark>" in changes  # C's matching
    assert "<del>16,666.67</del> → <mark>8,333.33</mark>" in changes  # D's library grant
    ranking = page[page.index('id="results-table"'):]
    assert ranking.count('class="changed"') == 4
    db.rollback()
    assert db.scalar(select(Call.status)) == "final"


def test_a_withdrawal_after_final_results_is_published_as_a_revision(client, auth, db, provisional):
    auth.login("admin-sz-2026@example.org")
    client.post("/admin/calls/sz-2026/publication/recompute")
    close_window(db)
    publish(client, kind="final", run=2)
    client.post("/admin/calls/sz-2026/results/withdraw", data={"ref": "A", "reason": "机构无法执行"})
    page = client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert "发布修订后的最终结果" in page
    r = publish(client, kind="final", run=3)
    assert "已发布最终结果（第 3 次计算）" in client.get(r.location).get_data(as_text=True)
    auth.logout()
    page = client.get("/results/sz-2026").get_data(as_text=True)
    changes = page[page.index('id="changes"'):page.index('id="pools"')]
    assert "与上一版最终结果相比的变化" in changes and "第 2 次计算" in changes
    assert "<del>50,000.00</del> → <mark>—</mark>" in changes and "不在结果中" in changes  # A withdrew
    assert "<code>A</code>" not in page[page.index('id="results-table"'):]
