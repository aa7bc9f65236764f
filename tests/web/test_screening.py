"""Screening through the admin pages: list, filters, export, decisions, bulk with preview, permissions."""
import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from gongyi.audit.models import AuditEntry
from gongyi.submissions.models import Attachment, FundingLine
from tests.factories import make_admin, make_call, make_org, make_submission

BASE = "/admin/submissions"


@pytest.fixture
def admin_client(client, auth, make_user):
    make_user("admin@example.org", roles=("admin",), name="审查员")
    auth.login("admin@example.org")
    return client


@pytest.fixture
def world(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="closed")
    _, org = make_org(db, admin, name="福田长者服务中心")
    _, other = make_org(db, admin, name="南山青少年成长中心")
    db.commit()
    return call, org, other


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_pages_are_for_administrators_only(client, auth, make_user, db, world):
    call, org, _ = world
    s = make_submission(db, call, org, funds=[("enterprise", "甲公司", 100, "pending")])
    db.add(Attachment(submission_id=s.id, filename="a.pdf", content_type="application/pdf", size=4, data=b"%PDF"))
    db.commit()
    line_id = s.funding_lines[0].id
    att_id = db.scalar(select(Attachment.id))
    gets = [f"{BASE}/", f"{BASE}/{s.id}", f"{BASE}/export.csv", f"{BASE}/export.xlsx", f"{BASE}/funds",
            f"{BASE}/{s.id}/attachments/{att_id}"]
    posts = [(f"{BASE}/{s.id}/eligibility", {"eligible": "合格"}),
             (f"{BASE}/{s.id}/funds/{line_id}", {f"line{line_id}-verify": "核实"}),
             (f"{BASE}/bulk/eligibility", {"ids": [s.id], "decision": "eligible"}),
             (f"{BASE}/bulk/funds/confirm", {"rows": [f"{line_id}:x"], "decision": "verify"})]
    for url in gets:
        r = client.get(url)
        assert r.status_code == 302 and "/auth/login" in r.location, url
    for role in ("member", "reviewer"):
        make_user(f"{role}@example.org", roles=(role,))
        auth.login(f"{role}@example.org")
        for url in gets:
            assert client.get(url).status_code == 403, (role, url)
        for url, data in posts:
            assert client.post(url, data=data).status_code == 403, (role, url)
        assert "形式审查" not in client.get("/").get_data(as_text=True)
        auth.logout()
    db.expire_all()
    assert s.eligibility == "pending" and s.funding_lines[0].status == "pending"
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    assert "形式审查" in client.get("/").get_data(as_text=True)
    for url in gets:
        assert client.get(url).status_code == 200, url
    r = client.get(f"{BASE}/{s.id}/attachments/{att_id}")
    assert r.data == b"%PDF" and r.mimetype == "application/pdf"
    assert client.get(f"{BASE}/{s.id + 1}/attachments/{att_id}").status_code == 404


def test_list_filters_counts_and_totals(admin_client, db, world):
    call, org, other = world
    make_submission(db, call, org, ref="X-01", title="长者助餐", items=["01.01"], district="440304", requested_fen=500_000,
                    funds=[("enterprise", "甲公司", 100_000, "verified"), ("individual", "张先生", 25_050, "pending")])
    make_submission(db, call, other, ref="X-02", title="四点半课堂", items=["03.01"], district="440305")
    make_submission(db, call, org, ref="X-03", title="已撤回项目", status="withdrawn")
    make_submission(db, call, org, ref="X-04", title="草稿项目", status="draft")
    db.commit()
    page = admin_client.get(f"{BASE}/").get_data(as_text=True)
    assert all(ref in page for ref in ("X-01", "X-02", "X-03")) and "X-04" not in page
    assert "已提交 (2)" in page and "已撤回 (1)" in page and "草稿 (1)" in page and "共 3 个项目" in page
    assert "5,000.00" in page and "1,250.50" in page and "1,000.00" in page and "250.50" in page
    page = admin_client.get(f"{BASE}/?status=draft").get_data(as_text=True)
    assert "X-04" in page and "X-01" not in page
    page = admin_client.get(f"{BASE}/?category=03").get_data(as_text=True)
    assert "X-02" in page and "X-01" not in page and "共 1 个项目" in page
    page = admin_client.get(f"{BASE}/?district=440304&organisation=长者").get_data(as_text=True)
    assert "X-01" in page and "X-03" in page and "X-02" not in page
    page = admin_client.get(f"{BASE}/?sort=-requested").get_data(as_text=True)
    assert page.index("X-03") < page.index("X-01")  # 100,000.00 before 5,000.00
    page = admin_client.get(f"{BASE}/?sort=requested").get_data(as_text=True)
    assert page.index("X-01") < page.index("X-03")
    # nonsense in the query string is ignored with a note, never a 500
    r = admin_client.get(f"{BASE}/?call=abc&status=nope&sort=secret&page=-4&eligibility=x")
    assert r.status_code == 200 and "共 3 个项目" in r.get_data(as_text=True)


def test_export_contains_exactly_the_filtered_rows_of_all_pages(admin_client, db, world):
    call, org, other = world
    other_call = make_call(db, make_admin(db))
    for i in range(53):
        make_submission(db, call, org, ref=f"R{i:03d}", requested_fen=100_000 + i,
                        funds=[("enterprise", "甲公司", 1_050, "verified"), ("individual", "乙", 7, "pending")])
    make_submission(db, call, other, ref="Z-OTHER-ORG")
    make_submission(db, other_call, org, ref="Z-OTHER-CALL")
    make_submission(db, call, org, ref="Z-DRAFT", status="draft")
    db.commit()
    query = f"call={call.id}&organisation=长者&sort=-requested"
    page = admin_client.get(f"{BASE}/?{query}").get_data(as_text=True)
    assert "共 53 个项目" in page and "第 1 / 2 页" in page and page.count('name="ids"') == 50
    assert f"/export.csv?call={call.id}" in page.replace("&amp;", "&")
    expected = [f"R{i:03d}" for i in reversed(range(53))]

    r = admin_client.get(f"{BASE}/export.csv?{query}")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    header, *rows = _csv_rows(r.data)
    assert header[0] == "编号" and "申请金额（元）" in header
    assert [row[0] for row in rows] == expected
    by_name = dict(zip(header, rows[0]))
    assert by_name["申请金额（元）"] == "1000.52" and by_name["已核实（元）"] == "10.50"
    assert by_name["待核实（元）"] == "0.07" and by_name["申报募集资金（元）"] == "10.57"
    assert by_name["组织"] == "福田长者服务中心" and by_name["服务项目"] == "01.01" and by_name["审查结论"] == "待审查"

    r = admin_client.get(f"{BASE}/export.xlsx?{query}")
    assert r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "编号" and [v[0] for v in values[1:]] == expected
    assert float(values[1][values[0].index("申请金额（元）")]) == 1000.52

    # the default export (no filters) has every non-draft row of every call, nothing else
    refs = {row[0] for row in _csv_rows(admin_client.get(f"{BASE}/export.csv").data)[1:]}
    assert refs == set(expected) | {"Z-OTHER-ORG", "Z-OTHER-CALL"}
    assert admin_client.get(f"{BASE}/export.pdf").status_code == 404


def test_screening_page_decisions_with_reasons(admin_client, db, world):
    call, org, _ = world
    s = make_submission(db, call, org, ref="D-01", title="社区长者助餐", items=[("01.01", "独居长者吃饭难")],
                        summary="为独居长者送餐", funds=[("enterprise", "甲公司", 300_000, "pending"),
                                                         ("foundation", "乙基金会", 50_000, "pending")])
    db.commit()
    first, second = [line.id for line in s.funding_lines]
    page = admin_client.get(f"{BASE}/{s.id}").get_data(as_text=True)
    assert "社区长者助餐" in page and "独居长者吃饭难" in page and "困境家庭帮扶" in page and "为独居长者送餐" in page
    assert "甲公司" in page and "3,000.00" in page and "福田长者服务中心" in page

    r = admin_client.post(f"{BASE}/{s.id}/eligibility", data={"ineligible": "不合格", "reason": ""})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="reason-error"' in page and "须填写理由" in page
    r = admin_client.post(f"{BASE}/{s.id}/eligibility", data={"ineligible": "不合格", "reason": "缺少年检报告"})
    assert r.status_code == 302
    db.expire_all()
    assert (s.eligibility, s.eligibility_reason) == ("ineligible", "缺少年检报告")
    assert "缺少年检报告" in admin_client.get(f"{BASE}/{s.id}").get_data(as_text=True)

    reject = {f"line{second}-reject": "驳回", f"line{second}-reason": ""}
    r = admin_client.post(f"{BASE}/{s.id}/funds/{second}", data=reject)
    page = r.get_data(as_text=True)
    assert f'id="line{second}-reason-error"' in page and "驳回须填写理由" in page
    admin_client.post(f"{BASE}/{s.id}/funds/{first}", data={f"line{first}-verify": "核实"})
    admin_client.post(f"{BASE}/{s.id}/funds/{second}", data={**reject, f"line{second}-reason": "未到账"})
    db.expire_all()
    assert [(fl.status, fl.status_reason) for fl in s.funding_lines] == [("verified", None), ("rejected", "未到账")]
    page = admin_client.get(f"{BASE}/{s.id}").get_data(as_text=True)
    assert "已核实 ¥3,000.00" in page and "判定不合格" in page and "核实资金" in page and "审查员" in page
    assert admin_client.post(f"{BASE}/{s.id + 99}/eligibility", data={"eligible": "合格"}).status_code == 404
    assert admin_client.post(f"{BASE}/{s.id}/funds/{first + 99}", data={}).status_code == 404
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.object_type.in_(["submission", "funding_line"]))
                         .order_by(AuditEntry.id)).all()
    assert actions == ["submission.mark_ineligible", "funding_line.verify", "funding_line.reject"]


def test_withdrawn_submission_shows_no_decision_forms(admin_client, db, world):
    call, org, _ = world
    s = make_submission(db, call, org, status="withdrawn", funds=[("other", "丙", 1, "pending")])
    db.commit()
    page = admin_client.get(f"{BASE}/{s.id}").get_data(as_text=True)
    assert "只有已提交的项目可以审查" in page and 'name="eligible"' not in page
    r = admin_client.post(f"{BASE}/{s.id}/eligibility", data={"eligible": "合格"})
    assert "只有已提交的项目可以审查" in r.get_data(as_text=True)
    db.expire_all()
    assert s.eligibility == "pending"


def _confirm_data(page: str) -> dict:
    html = page.replace("&amp;", "&")
    confirm = html[html.index("/bulk/"):]
    return {
        "rows": re.findall(r'name="rows" value="([^"]+)"', confirm),
        "decision": re.search(r'id="decision" name="decision" type="hidden" value="([^"]*)"', confirm).group(1),
        "reason": re.search(r'id="reason" name="reason" type="hidden" value="([^"]*)"', confirm).group(1),
    }


def test_bulk_eligibility_preview_then_confirm(admin_client, db, world):
    call, org, _ = world
    a = make_submission(db, call, org, ref="B-A")
    b = make_submission(db, call, org, ref="B-B", eligibility="ineligible", eligibility_reason="超范围")
    c = make_submission(db, call, org, ref="B-C", status="withdrawn")
    db.commit()
    r = admin_client.post(f"{BASE}/bulk/eligibility", data={"ids": [a.id, b.id, c.id], "decision": "ineligible"})
    page = r.get_data(as_text=True)
    assert 'id="reason-error"' in page and "须填写理由" in page and 'name="rows"' not in page
    r = admin_client.post(f"{BASE}/bulk/eligibility", data={"ids": [a.id, b.id, c.id], "decision": "ineligible",
                                                             "reason": "超范围", "next": f"{BASE}/?status=all"})
    page = r.get_data(as_text=True)
    assert "将要更改 1 项" in page and "B-A" in page and "不会更改的 2 项" in page and "结论没有变化" in page
    data = _confirm_data(page)
    assert data["decision"] == "ineligible" and data["reason"] == "超范围" and len(data["rows"]) == 1
    db.expire_all()
    assert a.eligibility == "pending"  # the preview changed nothing
    r = admin_client.post(f"{BASE}/bulk/eligibility/confirm", data={**data, "next": f"{BASE}/?status=all"})
    assert r.status_code == 302 and r.location.endswith(f"{BASE}/?status=all")
    db.expire_all()
    assert (a.eligibility, a.eligibility_reason) == ("ineligible", "超范围")
    assert "已更改 1 项" in admin_client.get(r.location).get_data(as_text=True)


def test_bulk_confirm_refuses_a_stale_preview(admin_client, db, world):
    call, org, _ = world
    a = make_submission(db, call, org, ref="S-A")
    b = make_submission(db, call, org, ref="S-B")
    db.commit()
    r = admin_client.post(f"{BASE}/bulk/eligibility", data={"ids": [a.id, b.id], "decision": "eligible"})
    page = r.get_data(as_text=True)
    data = _confirm_data(page)
    assert len(data["rows"]) == 2
    b.eligibility, b.eligibility_reason = "ineligible", "另一位管理员的结论"
    db.commit()
    r = admin_client.post(f"{BASE}/bulk/eligibility/confirm", data=data)
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "未作任何修改" in page and "S-B" in page[page.index("role=\"alert\""):][:300]
    assert "将要更改 2 项" in page  # a fresh preview: S-B is now ineligible -> eligible
    db.expire_all()
    assert (a.eligibility, b.eligibility) == ("pending", "ineligible")
    # a tampered confirmation is refused without a 500
    r = admin_client.post(f"{BASE}/bulk/eligibility/confirm", data={"rows": ["abc"], "decision": "eligible"})
    assert r.status_code == 302
    r = admin_client.post(f"{BASE}/bulk/eligibility/confirm", data={"rows": [f"{a.id}:x"], "decision": "maybe"})
    assert r.status_code == 302
    db.expire_all()
    assert a.eligibility == "pending"


def test_bulk_funding_from_the_queue(admin_client, db, world):
    call, org, other = world
    s1 = make_submission(db, call, org, ref="Q-1", funds=[("enterprise", "甲公司", 100_000, "pending"),
                                                         ("individual", "张先生", 2_000, "verified")])
    s2 = make_submission(db, call, other, ref="Q-2", funds=[("foundation", "乙基金会", 30_000, "pending")])
    make_submission(db, call, org, ref="Q-DRAFT", status="draft", funds=[("other", "草稿捐赠", 1, "pending")])
    db.commit()
    page = admin_client.get(f"{BASE}/funds").get_data(as_text=True)
    assert "甲公司" in page and "乙基金会" in page and "张先生" not in page and "草稿捐赠" not in page
    assert "共 2 笔" in page
    ids = [s1.funding_lines[0].id, s2.funding_lines[0].id]
    page = admin_client.post(f"{BASE}/bulk/funds", data={"ids": ids, "decision": "reject"}).get_data(as_text=True)
    assert "驳回须填写理由" in page
    page = admin_client.post(f"{BASE}/bulk/funds", data={"ids": ids, "decision": "verify"}).get_data(as_text=True)
    assert "将要更改 2 项" in page
    r = admin_client.post(f"{BASE}/bulk/funds/confirm", data=_confirm_data(page))
    assert r.status_code == 302 and r.location.endswith(f"{BASE}/funds")
    db.expire_all()
    statuses = db.scalars(select(FundingLine.status).order_by(FundingLine.id)).all()
    assert statuses == ["verified", "verified", "verified", "pending"]
    page = admin_client.get(f"{BASE}/funds").get_data(as_text=True)
    assert "共 0 笔" in page
    page = admin_client.get(f"{BASE}/funds?status=verified&organisation=南山").get_data(as_text=True)
    assert "乙基金会" in page and "甲公司" not in page


def _statements_for(client, app, url: str) -> int:
    engine = app.extensions["gongyi.engine"]
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def test_list_page_statements_do_not_grow_with_rows(admin_client, app, db, world):
    app.config["KEPT_FIGURES"] = False  # the navigation's counts computed afresh, as after a change
    call, org, _ = world
    for i in range(10):
        make_submission(db, call, org, items=["01.01", "02.01"], funds=[("enterprise", "甲", 100, "verified"),
                                                                         ("individual", "乙", 5, "pending")])
    db.commit()
    few = _statements_for(admin_client, app, f"{BASE}/")
    for i in range(50):
        make_submission(db, call, org, items=["01.01", "02.01"], funds=[("enterprise", "甲", 100, "verified"),
                                                                         ("individual", "乙", 5, "pending")])
    db.commit()
    many = _statements_for(admin_client, app, f"{BASE}/")
    assert few == many and few <= 11, (few, many)  # the navigation's counts are two of them
    assert _statements_for(admin_client, app, f"{BASE}/funds") <= 11


def test_attachments_are_downloads_with_strict_headers_for_administrators_too(admin_client, db, world):
    call, org, _ = world
    s = make_submission(db, call, org)
    db.add(Attachment(submission_id=s.id, filename="回单.pdf", content_type="application/pdf", size=4, data=b"%PDF"))
    db.commit()
    att_id = db.scalar(select(Attachment.id))
    r = admin_client.get(f"{BASE}/{s.id}/attachments/{att_id}")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["X-Content-Type-Options"] == "nosniff" and "no-store" in r.headers["Cache-Control"]
    assert "sandbox" in r.headers["Content-Security-Policy"]


def test_unsafe_next_targets_go_back_to_the_list(admin_client, db, world):
    call, org, _ = world
    a = make_submission(db, call, org, ref="N-A")
    db.commit()
    for target in ("//evil.example/", "/\\evil.example", "https://evil.example/", "/\t/evil.example"):
        page = admin_client.post(f"{BASE}/bulk/eligibility", data={"ids": [a.id], "decision": "eligible",
                                                                    "next": target}).get_data(as_text=True)
        r = admin_client.post(f"{BASE}/bulk/eligibility/confirm", data={**_confirm_data(page), "next": target})
        assert r.status_code == 302 and r.location.endswith(f"{BASE}/"), target
        db.expire_all()
        a.eligibility = "pending"
        db.commit()
