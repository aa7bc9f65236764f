"""The execution pages as a browser posts them: refusals beside their fields (422, nothing stored),
who may see what, the organisation's report with its autosave, the evaluator's form, tranche
releases, the public disclosure page and the exports."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from gongyi.auth.models import User, UserRole
from gongyi.auth.service import create_user
from gongyi.execution import evaluations
from gongyi.execution.models import Evaluation, ProgressReport
from gongyi.orgs.models import Organisation
from gongyi.submissions.models import BudgetLine
from tests.db.execution_world import CST, PDF, finalise, import_sample, record_for
from tests.factories import make_admin

SUNNY = "深圳市阳光社工服务中心"


@pytest.fixture
def world(app, runner, db, client, auth):
    admin = make_admin(db, "boss@example.org")
    db.commit()
    call = import_sample(app, runner, db, admin)
    with app.test_request_context():
        finalise(db, admin, call)
    member = create_user(db, None, email="member@example.org", name="王芳", password="password123", roles=("member",))
    member.organisation_id = db.scalar(select(Organisation.id).where(Organisation.name == SUNNY))
    other = create_user(db, None, email="other@example.org", name="李雷", password="password123", roles=("member",))
    other.organisation_id = db.scalar(select(Organisation.id).where(Organisation.name == "深圳市长者关爱协会"))
    evaluator = evaluations.create_evaluator(db, admin, email="eval@example.org", name="评估所", password="password123",
                                             affiliation_id=None)
    rec = record_for(db, call, "A")
    db.commit()
    return call, rec.id, evaluator.id


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_admin_pages_refuse_bad_input_beside_the_field(world, client, auth, db):
    call, rec_id, _ = world
    auth.login("boss@example.org")
    assert "长者助餐" in _text(client.get("/admin/calls/sz-2026/execution"))
    page = client.get(f"/admin/execution/{rec_id}")
    assert page.status_code == 200 and "拨付计划" in _text(page)
    r = client.post(f"/admin/execution/{rec_id}/agreement", data={"number": "", "signed_on": "明天", "starts_on": "",
                                                                   "ends_on": ""})
    assert r.status_code == 422 and "请填写协议编号" in _text(r) and "请上传签署的协议文件" in _text(r)
    r = client.post(f"/admin/execution/{rec_id}/tranches/{_tranche_ids(db, call)[0]}/release",
                    data={"paid_on": "2026-06-10", "reference": "P-1"})
    assert r.status_code == 422 and "签订协议后才能拨付" in _text(r)
    r = client.post(f"/admin/execution/{rec_id}/agreement", data={
        "number": "XY-1", "signed_on": "2026-06-09", "starts_on": "2026-06-10", "ends_on": "2027-06-09",
        "signed_file": (io.BytesIO(PDF), "协议.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    r = client.post(f"/admin/execution/{rec_id}/tranches/{_tranche_ids(db, call)[0]}/release",
                    data={"paid_on": "2026-06-10", "reference": "P-1"})
    assert r.status_code == 302
    r = client.post(f"/admin/execution/{rec_id}/schedule", data={"schedule": "signing:60,final:40"})
    assert r.status_code == 422 and "不能再修改拨付计划" in _text(r)
    r = client.post(f"/admin/execution/{rec_id}/recoveries", data={"recovery-amount": "25000.01", "recovery-reason": "x",
                                                                    "recovery-recovered_on": "2026-07-01"})
    assert r.status_code == 422 and "不能超过已拨付" in _text(r)
    r = client.post(f"/admin/execution/{rec_id}/milestones", data={"what": "助餐", "due_on": "2026-09-30",
                                                                    "indicators": "服务人次 | 两百"})
    assert r.status_code == 422 and "目标值须为非负整数" in _text(r)
    r = client.post("/admin/calls/sz-2026/execution/settings", data={"criteria": "执行 | 200", "pass_mark": "60"})
    assert r.status_code == 422 and "满分为 1 到 100" in _text(r)
    xlsx = client.get("/admin/calls/sz-2026/execution/export.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert [ws.title for ws in book.worksheets] == ["项目", "拨付", "里程碑与报告", "评估"]
    first = {row[0].value: row for row in book["项目"].iter_rows(min_row=2)}
    assert first["A"][8].value == 25000 and first["A"][8].number_format == "0.00"  # paid, a two-place number
    csv = client.get("/admin/calls/sz-2026/execution/export.csv?kind=tranches").get_data(as_text=True)
    assert "A,1,签订协议,50,25000.00,已拨付" in csv
    db.rollback()
    record_for(db, call, "A").submission.title = "=HYPERLINK(\"http://x\")"
    db.commit()
    projects = client.get("/admin/calls/sz-2026/execution/export.csv").get_data(as_text=True)
    assert "A,\"'=HYPERLINK(\"\"http://x\"\")\"" in projects and ",50000.00,25000.00,0.00,25000.00," in projects
    book = load_workbook(io.BytesIO(client.get("/admin/calls/sz-2026/execution/export.xlsx").data))
    cell = book["项目"]["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")  # text, never a formula


def _tranche_ids(db, call) -> list[int]:
    db.rollback()
    return [t.id for t in record_for(db, call, "A").tranches]


def test_the_organisation_writes_a_report_that_saves_itself(world, client, auth, db):
    call, rec_id, _ = world
    auth.login("boss@example.org")
    client.post(f"/admin/execution/{rec_id}/milestones", data={"what": "助餐", "due_on": "2026-09-30",
                                                                "indicators": "服务人次 | 200 | 人次"})
    auth.logout()
    auth.login("other@example.org")
    assert client.get(f"/my/execution/{rec_id}").status_code == 403
    auth.logout()
    auth.login("member@example.org")
    assert "长者助餐" in _text(client.get("/my/execution"))
    db.rollback()
    rec = record_for(db, call, "A")
    milestone = rec.milestones[0]
    indicator = milestone.indicators[0].id
    food = db.scalar(select(BudgetLine).where(BudgetLine.submission_id == rec.submission_id, BudgetLine.position == 0))
    r = client.post(f"/my/execution/{rec_id}/reports/new", data={
        "milestone_id": str(milestone.id), "narrative": "开展助餐", f"figure_{indicator}": "-5",
        f"spent_{food.id}": "70000"})
    assert r.status_code == 422 and "指标数值不能为负数" in _text(r) and "支出超过该预算科目，请说明原因" in _text(r)
    assert db.scalar(select(ProgressReport.id)) is None
    r = client.post(f"/my/execution/{rec_id}/reports/new", data={
        "milestone_id": str(milestone.id), "narrative": "开展助餐", f"figure_{indicator}": "60"})
    assert r.status_code == 302
    report_id = db.scalar(select(ProgressReport.id))
    saved = client.post(f"/my/execution/reports/{report_id}/save", data={
        "milestone_id": str(milestone.id), "narrative": "开展助餐 12 次", f"figure_{indicator}": "abc"})
    assert saved.status_code == 422 and f"figure_{indicator}" in saved.json["problems"]
    saved = client.post(f"/my/execution/reports/{report_id}/save", data={
        "milestone_id": str(milestone.id), "narrative": "开展助餐 12 次", f"figure_{indicator}": "72"})
    assert saved.json["saved"] is True
    db.rollback()
    assert db.get(ProgressReport, report_id).narrative == "开展助餐 12 次"
    r = client.post(f"/my/execution/reports/{report_id}", data={
        "milestone_id": str(milestone.id), "narrative": "开展助餐 12 次", f"figure_{indicator}": "72", "action": "submit"})
    assert r.status_code == 302
    auth.logout()
    auth.login("boss@example.org")
    r = client.post(f"/admin/execution/{rec_id}/reports/{report_id}/return", data={"comment": ""})
    assert r.status_code == 422 and "请写明退回意见" in _text(r)
    assert client.post(f"/admin/execution/{rec_id}/reports/{report_id}/return", data={"comment": "补签到表"}).status_code == 302
    auth.logout()
    auth.login("member@example.org")
    assert "补签到表" in _text(client.get(f"/my/execution/{rec_id}"))


def test_the_evaluator_scores_and_the_public_reads_the_disclosure(world, client, auth, db):
    call, rec_id, evaluator_id = world
    auth.login("boss@example.org")
    assert client.post(f"/admin/execution/{rec_id}/evaluators", data={"evaluator_id": str(evaluator_id)}).status_code == 302
    auth.logout()
    auth.login("eval@example.org")
    assert "长者助餐" in _text(client.get("/evaluate/"))
    r = client.post(f"/evaluate/{rec_id}/midterm", data={"score_plan": "31", "score_results": "30", "score_money": "15",
                                                          "score_disclosure": "8", "comment": "好", "action": "submit"})
    assert r.status_code == 422 and "分数不能超过满分 30" in _text(r)
    assert db.scalar(select(Evaluation.id)) is None
    r = client.post(f"/evaluate/{rec_id}/midterm", data={"score_plan": "25", "score_results": "30", "score_money": "15",
                                                          "score_disclosure": "8", "comment": "好", "action": "submit"})
    assert r.status_code == 302
    assert client.get("/admin/calls/sz-2026/execution").status_code == 403
    auth.logout()
    page = client.get("/results/sz-2026/projects/A/disclosure")
    text = _text(page)
    assert page.status_code == 200 and "本项目由福彩公益金资助" in text and "50,000.00" in text
    assert "资助项目信息公开" in _text(client.get("/results/sz-2026"))
    assert "长者助餐" in _text(client.get("/results/sz-2026/disclosure"))
    assert client.get("/results/sz-2026/projects/A/evaluations/midterm/objection").status_code == 404  # not published


def test_evaluator_accounts_refuse_bad_input_beside_the_field(world, client, auth, db):
    auth.login("boss@example.org")
    r = client.post("/admin/evaluators", data={"email": "", "name": "评估所二", "password": "password123"})
    assert r.status_code == 422 and "请填写有效的邮箱" in _text(r)
    r = client.post("/admin/evaluators", data={"email": "new@example.org", "name": "评估所二", "password": "short"})
    assert r.status_code == 422 and "密码至少 8 位" in _text(r)
    r = client.post("/admin/evaluators", data={"email": "eval@example.org", "name": "", "password": ""})
    assert r.status_code == 422 and "已是第三方评估机构" in _text(r)
    r = client.post("/admin/evaluators", data={"email": "member@example.org", "name": "", "password": ""})
    assert r.status_code == 302  # an existing account is given the role
    db.rollback()
    member_id = db.scalar(select(User.id).where(User.email == "member@example.org"))
    assert "evaluator" in db.scalars(select(UserRole.role).where(UserRole.user_id == member_id)).all()
