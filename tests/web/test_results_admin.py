"""The administrator's results pages, on the hand-worked sample package (see test_call_package)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from gongyi.calls.models import Call
from gongyi.funding.models import Disbursement
from gongyi.results.models import Run, RunRow
from tests.package_gen import random_package

SAMPLE = Path(__file__).parent.parent / "data" / "sample"


def zipped(files: dict[str, bytes]) -> io.BytesIO:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    data.seek(0)
    return data


def sample_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in SAMPLE.iterdir()}


@pytest.fixture
def admin(client, auth, make_user):
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")


def test_only_administrators(client, auth, make_user, runner):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    assert client.get("/admin/calls/sz-2026/results").status_code == 302  # to the login page
    make_user("m@example.org")
    auth.login("m@example.org")
    for url in ("/admin/calls/sz-2026/results", "/admin/calls/sz-2026/results/what-if", "/admin/calls/import"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/calls/sz-2026/results/compute").status_code == 403


def test_web_import_reports_every_problem_and_keeps_nothing(client, admin, db):
    files = sample_files()
    files["funds.csv"] = files["funds.csv"].replace(b"60000.00", b"-3", 1)
    files["reviews.csv"] = files["reviews.csv"].replace(b"A,r1@example.org,need,36.0", b"A,r1@example.org,need,41", 1)
    r = client.post("/admin/calls/import", data={"package": (zipped(files), "pkg.zip")}, content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "funds.csv:2: amount &#39;-3&#39;: a negative amount" in page
    assert "reviews.csv:2: score 41 is out of range 0..40" in page
    assert db.scalar(select(func.count()).select_from(Call)) == 0


def test_web_import_then_compute_and_browse(client, admin, db):
    r = client.post("/admin/calls/import", data={"package": (zipped(sample_files()), "pkg.zip")},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and r.location.endswith("/admin/calls/sz-2026/results")
    assert "尚未计算结果" in client.get("/admin/calls/sz-2026/results").get_data(as_text=True)
    client.post("/admin/calls/sz-2026/results/compute", data={"note": "首次计算"})
    page = client.get("/admin/calls/sz-2026/results").get_data(as_text=True)
    assert "第 1 次计算" in page and "首次计算" in page
    assert page.index("<code>A</code>") < page.index("<code>B</code>") < page.index("<code>C</code>")
    assert "50,000.00" in page and "16,666.67" in page
    library_only = client.get("/admin/calls/sz-2026/results?outcome=library").get_data(as_text=True)
    assert "<code>G</code>" in library_only and "<code>D</code>" in library_only and "<code>A</code>" not in library_only
    by_matching = client.get("/admin/calls/sz-2026/results?sort=matching&dir=desc").get_data(as_text=True)
    assert by_matching.index("<code>A</code>") < by_matching.index("<code>B</code>") < by_matching.index("<code>C</code>")
    found = client.get("/admin/calls/sz-2026/results?q=社区矫正").get_data(as_text=True)
    assert "<code>F</code>" in found and "<code>A</code>" not in found


def test_ranking_page_statements_do_not_grow_with_the_call(app, client, admin, runner, tmp_path):
    def statements_for(seed: int, n: int) -> int:
        folder = tmp_path / f"p{seed}"
        folder.mkdir()
        for name, data in random_package(seed, submissions=n, reviewers=10).items():
            (folder / name).write_bytes(data)
        assert runner.invoke(args=["calls", "import", str(folder)]).exit_code == 0
        assert runner.invoke(args=["calls", "compute", f"random-{seed}"]).exit_code == 0
        client.get(f"/admin/calls/random-{seed}/results")  # warm up (login, caches)
        count = []
        engine = app.extensions["gongyi.engine"]
        listener = lambda *a, **k: count.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/admin/calls/random-{seed}/results?page=2").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(count)

    small, large = statements_for(101, 260), statements_for(102, 900)
    assert small == large
    assert small <= 12  # the run's history is one of them, the navigation's stamp and unread messages two


def test_compare_runs_highlights_changes(client, admin, runner, db):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    client.post("/admin/calls/sz-2026/results/compute")
    client.post("/admin/calls/sz-2026/results/compute")
    page = client.get("/admin/calls/sz-2026/results/compare?a=1&b=2").get_data(as_text=True)
    assert "0 / 7 个项目有变化" in page and "完全相同" in page


def test_what_if_saves_nothing_until_saved_as_an_amendment(client, admin, runner, db):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    client.post("/admin/calls/sz-2026/results/compute")
    form = {"matching_pool": "200000.00", "matching_award_top": "3", "matching_ratio": "1", "matching_cap": "50000.00",
            "matching_policy": "rank_order", "matching_tiers": "", "library_pool": "30000.00", "library_cap": "",
            "library_policy": "pro_rata", "action": "try"}
    page = client.post("/admin/calls/sz-2026/results/what-if", data=form).get_data(as_text=True)
    # With 200,000 the pool no longer binds: C gets its full 40,000.
    assert "20,000.00 → <strong>40,000.00</strong>" in page
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Run)) == 1
    call = db.scalar(select(Call))
    assert len(call.rules_versions) == 1
    page = client.post("/admin/calls/sz-2026/results/what-if", data={**form, "action": "save", "reason": ""}).get_data(as_text=True)
    assert "须填写理由" in page
    bad = client.post("/admin/calls/sz-2026/results/what-if", data={**form, "matching_pool": "1.001"}).get_data(as_text=True)
    assert 'id="matching_pool-error"' in bad
    r = client.post("/admin/calls/sz-2026/results/what-if", data={**form, "action": "save", "reason": "追加配套资金"})
    assert r.status_code == 302
    db.expire_all()
    call = db.scalar(select(Call))
    assert [v.version for v in call.rules_versions] == [1, 2] and call.rules_versions[1].reason == "追加配套资金"
    latest = db.scalar(select(Run).order_by(Run.number.desc()))
    assert latest.number == 2 and latest.matching_allocated_fen == 120_000_00


def test_disbursements_only_from_final_results_and_never_above_allocations(client, admin, runner, db):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    client.post("/admin/calls/sz-2026/results/compute")
    base = {"pool": "matching", "ref": "C", "paid_on": "2026-12-01", "reference": "拨付-001"}
    assert "最终结果发布之后才能记录拨付" in client.get("/admin/calls/sz-2026/results/pools").get_data(as_text=True)
    assert client.post("/admin/calls/sz-2026/results/pools", data={**base, "amount": "1"}).status_code == 400
    # As if the results had gone through publicity and been published as final on 2026-11-20.
    from datetime import datetime, timezone

    db.rollback()
    run = db.scalar(select(Run))
    run.published, run.published_at = "final", datetime(2026, 11, 20, 2, tzinfo=timezone.utc)
    db.scalar(select(Call)).status = "final"
    db.commit()
    early = client.post("/admin/calls/sz-2026/results/pools", data={**base, "paid_on": "2026-11-19", "amount": "1"})
    assert "不能早于最终结果发布日期" in early.get_data(as_text=True)
    assert client.post("/admin/calls/sz-2026/results/pools", data={**base, "amount": "15000"}).status_code == 302
    page = client.post("/admin/calls/sz-2026/results/pools", data={**base, "amount": "5000.01"}).get_data(as_text=True)
    assert "超出该项目的分配额" in page
    page = client.post("/admin/calls/sz-2026/results/pools", data={**base, "amount": "-1"}).get_data(as_text=True)
    assert "金额不能为负数" in page
    page = client.post("/admin/calls/sz-2026/results/pools", data={**base, "ref": "ZZZ", "amount": "1"}).get_data(as_text=True)
    assert "没有编号为 ZZZ 的项目" in page
    db.rollback()
    assert db.scalar(select(func.sum(Disbursement.amount_fen))) == 15_000_00
    page = client.get("/admin/calls/sz-2026/results/pools").get_data(as_text=True)
    assert "¥15,000.00" in page and "¥85,000.00" in page  # balance of the 100,000 pool


def test_withdrawal_after_results_moves_the_next_projects_up(client, admin, runner, db):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    client.post("/admin/calls/sz-2026/results/compute")
    refused = client.post("/admin/calls/sz-2026/results/withdraw", data={"ref": "A", "reason": "太早"}, follow_redirects=True)
    assert "结果计算之后才能在此记录撤回" in refused.get_data(as_text=True)  # the call is still under review
    db.scalar(select(Call)).status = "results"
    db.commit()
    assert "须填写理由" in client.post("/admin/calls/sz-2026/results/withdraw", data={"ref": "A", "reason": ""},
                                        follow_redirects=True).get_data(as_text=True)
    r = client.post("/admin/calls/sz-2026/results/withdraw", data={"ref": "A", "reason": "机构无法执行"})
    assert r.status_code == 302 and "compare" in r.location
    db.rollback()
    latest = db.scalar(select(Run).order_by(Run.number.desc()))
    rows = {row.ref: row for row in db.scalars(select(RunRow).where(RunRow.run_id == latest.id))}
    assert "A" not in rows
    assert (rows["B"].rank, rows["C"].rank) == (1, 2)
    assert rows["C"].matching_fen == 40_000_00  # no longer squeezed by the pool
    assert "机构无法执行" in latest.note
    page = client.get(r.location).get_data(as_text=True)
    assert "class=\"changed\"" in page


def test_what_if_names_every_problem_and_warns_when_the_run_is_out_of_date(client, admin, runner, db):
    from gongyi.submissions.models import FundingLine

    runner.invoke(args=["calls", "import", str(SAMPLE)])
    client.post("/admin/calls/sz-2026/results/compute")
    form = {"matching_pool": "nan", "matching_award_top": "x", "matching_ratio": "1", "matching_cap": "",
            "matching_policy": "rank_order", "matching_tiers": "", "library_pool": "-5", "library_cap": "",
            "library_policy": "pro_rata", "action": "try"}
    page = client.post("/admin/calls/sz-2026/results/what-if", data=form).get_data(as_text=True)
    for field in ("matching_pool", "matching_award_top", "library_pool"):
        assert f'id="{field}-error"' in page, field
    assert "not a valid amount" not in page  # the Chinese message, not the command line's English
    assert "已过时" not in client.get("/admin/calls/sz-2026/results/what-if").get_data(as_text=True)
    db.scalar(select(FundingLine).where(FundingLine.donor == "某基金会")).status = "rejected"
    db.commit()
    assert "已过时" in client.get("/admin/calls/sz-2026/results/what-if").get_data(as_text=True)


def test_a_withdrawal_naming_no_project_is_a_message(client, admin, runner):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    client.post("/admin/calls/sz-2026/results/compute")
    r = client.post("/admin/calls/sz-2026/results/withdraw", data={"ref": "ZZ9", "reason": "不再执行"}, follow_redirects=True)
    assert r.status_code == 200 and "本征集没有编号为“ZZ9”的项目" in r.get_data(as_text=True)
