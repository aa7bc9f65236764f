"""How raised funds count, line by line, on the funds pages and in the ledger; holds from the
administrator's results pages, as the organisation and the public see them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.results.models import Run, RunRow
from gongyi.submissions.models import Submission
from tests.web.test_public_results import SAMPLE, member, publish

FUNDS = """ref,source,donor,amount,status
A,enterprise,腾讯,200000.00,verified
A,individual,张先生,10000.00,verified
B,foundation,某基金会,30000.00,verified
B,government,福田区民政局,20000.00,verified
B,individual,王先生,5000.00,pending
C,enterprise,某银行,40000.00,verified
C,individual,李女士,5000.00,verified
C,other,ＴＥＮＣＥＮＴ  公益,3000.00,rejected
"""
FUNDS_RULES = """
[funds]
counted_sources = ["enterprise", "individual", "foundation", "other"]
donor_cap = "50000.00"
min_donors = 2
"""
REASON = "收到实名投诉：疑似套捐，资金回流至申报组织，调查中"


@pytest.fixture
def computed(client, auth, make_user, runner, tmp_path):
    folder = tmp_path / "pkg"
    shutil.copytree(SAMPLE, folder)
    (folder / "funds.csv").write_text(FUNDS, "utf-8")
    toml = (folder / "call.toml").read_text("utf-8")
    (folder / "call.toml").write_text(toml.replace("[matching]", FUNDS_RULES + "\n[matching]"), "utf-8")
    result = runner.invoke(args=["calls", "import", str(folder)])
    assert result.exit_code == 0, result.output
    make_user("admin-funds@example.org", roles=("admin",))
    auth.login("admin-funds@example.org")
    client.post("/admin/calls/sz-2026/transition", data={"transition": "finish_review"})


def ids(db) -> dict[str, int]:
    return dict(db.execute(select(Submission.ref, Submission.id)).all())


def test_funds_pages_show_each_lines_donor_key_and_how_it_counts(client, computed, db):
    page = client.get(f"/admin/submissions/{ids(db)['A']}").get_data(as_text=True)
    assert "计入 ¥50,000.00（超出捐赠方上限）" in page and "计入 ¥10,000.00" in page
    assert "计入的募集资金 R = ¥60,000.00，捐赠方 2 个" in page
    page = client.get(f"/admin/submissions/{ids(db)['B']}").get_data(as_text=True)
    assert "不计入：该来源不计入募集资金（如政府资金）" in page and "不计入：待核实，暂不计入" in page
    queue = client.get("/admin/submissions/funds?status=").get_data(as_text=True)
    assert "不计入：核实未通过，不计入" in queue
    assert '<code class="donor-key">tencent 公益</code>' in queue  # full-width letters, spaces and case normalised
    assert '<code class="donor-key">腾讯</code>' in queue


def test_the_ledger_explains_r_line_by_line_and_the_minimum_donors(client, computed, db):
    page = client.get("/results/sz-2026/projects/A?run=1").get_data(as_text=True)
    assert "¥200,000.00 来自腾讯，按捐赠方上限计入 ¥50,000.00" in page
    assert "R = ¥60,000.00，捐赠方 2 个。" in page
    page = client.get("/results/sz-2026/projects/B?run=1").get_data(as_text=True)
    assert "¥20,000.00 来自福田区民政局，不计入：该资金来源不计入募集资金（如政府资金）" in page
    db.rollback()
    b = db.scalar(select(RunRow).where(RunRow.ref == "B"))
    assert (b.verified_raised_fen, b.donors, b.rank, b.outcome) == (3_000_000, 1, 2, "library")
    assert "捐赠方 1 个，少于获得配套所需的 2 个，不参与配套。" in page  # rank 2 of 3 places, but one donor


def test_hold_and_release_from_the_results_pages(client, auth, make_user, computed, db):
    url = "/admin/calls/sz-2026/results/holds"
    assert client.get(url).status_code == 200
    r = client.post(url, data={"action": "hold", "ref": "C", "reason": "  "})
    assert r.status_code == 422 and 'id="ref-error"' not in r.get_data(as_text=True)
    assert "须填写理由" in r.get_data(as_text=True)
    r = client.post(url, data={"action": "hold", "ref": "ZZ", "reason": REASON})
    assert "本次征集没有编号为 ZZ 的项目" in r.get_data(as_text=True)
    assert client.post(url, data={"action": "explode"}).status_code == 400
    r = client.post(url, data={"action": "hold", "ref": "C", "reason": REASON})
    assert r.status_code == 302 and "/results/compare?a=1&b=2" in r.location
    db.rollback()
    assert db.scalar(select(RunRow.outcome).join(Run).where(Run.number == 2, RunRow.ref == "C")) == "held"
    assert db.scalar(select(RunRow.held).join(Run).where(Run.number == 2, RunRow.ref == "C")) is True
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("submission.%hold"))).all()
    assert actions == ["submission.hold"]
    assert REASON in client.get(url).get_data(as_text=True)
    # The public sees the project as held, without the reason.
    assert publish(client, run=2).status_code == 302
    auth.logout()
    public = client.get("/results/sz-2026").get_data(as_text=True)
    assert "暂缓拨付" in public[public.index("<code>C</code>"):]
    assert REASON not in public and "套捐" not in public
    rows = {row["ref"]: row for row in client.get("/api/v1/calls/sz-2026/results").get_json()["rows"]}
    assert (rows["C"]["held"], rows["C"]["outcome"], rows["A"]["held"]) == (True, "held", False)
    # The organisation sees the hold and its reason on its pages and its ledger.
    member(db, make_user, "c-member@example.org", "深圳市长者关爱协会")
    auth.login("c-member@example.org")
    assert f"资金暂缓拨付：{REASON}" in client.get("/my/submissions").get_data(as_text=True)
    assert f"资金暂缓拨付：{REASON}" in client.get(f"/submissions/{ids(db)['C']}").get_data(as_text=True)
    assert f"资金暂缓拨付：{REASON}" in client.get("/results/sz-2026/projects/C").get_data(as_text=True)
    auth.logout()
    # Release: audited, a new run.
    auth.login("admin-funds@example.org")
    r = client.post(url, data={"action": "release", "release-ref": "C", "release-reason": ""})
    assert r.status_code == 422 and "须填写理由" in r.get_data(as_text=True)
    r = client.post(url, data={"action": "release", "release-ref": "C", "release-reason": "调查结束，投诉不成立"})
    assert r.status_code == 302 and "a=2&b=3" in r.location
    db.rollback()
    assert db.scalar(select(RunRow.held).join(Run).where(Run.number == 3, RunRow.ref == "C")) is False
    assert "已解除" in client.get(url).get_data(as_text=True)


SAMPLE_V2 = Path(__file__).parent.parent / "data" / "sample-v2"


def test_public_results_show_each_projects_round_the_panels_weights_and_a_hold_without_its_reason(
        client, auth, make_user, runner):
    assert runner.invoke(args=["calls", "import", str(SAMPLE_V2)]).exit_code == 0
    make_user("admin-v2@example.org", roles=("admin",))
    auth.login("admin-v2@example.org")
    client.post("/admin/calls/sz-2027/transition", data={"transition": "finish_review"})
    assert publish(client, slug="sz-2027").status_code == 302
    auth.logout()
    page = client.get("/results/sz-2027").get_data(as_text=True)
    table = page[page.index('id="results-table"'):]
    assert "<th>轮次</th>" in table
    assert table.count('class="round-cell">路演</td>') == 6 and table.count('class="round-cell">网评</td>') == 3
    row_e = table[table.index("<code>E</code>"):]
    assert "暂缓拨付" in row_e[:row_e.index("</tr>")]
    assert "套捐" not in page and "回流" not in page
    card = page[page.index('id="rules-card"'):]
    assert "规则版本：2" in card and "第 1 轮：网评" in card and "第 2 轮：路演" in card
    assert "权重 0.7，至少 3 份完整评审" in card and "权重 0.3，至少 2 份完整评审" in card
    assert "¥50,000.00" in card  # the donor cap
