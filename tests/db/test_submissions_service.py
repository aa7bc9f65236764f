"""Submission services on a real database: entry limits, drafts that keep what they can, submit's
checks, deadlines and the late list, withdrawal, funds raised, attachments checked by content,
the results hook."""
from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from gongyi.audit.models import AuditEntry
from gongyi.calls.service import add_late_entry, transition_call
from gongyi.submissions import overview, service
from gongyi.submissions.attachments import Upload, check_upload, ole2_stream_names, sniff
from gongyi.submissions.funds import funding_totals
from gongyi.submissions.models import BudgetLine, Submission
from gongyi.submissions.service import SubmissionError, SubmissionInvalid
from tests.factories import make_admin, make_call, make_org, make_published_result, make_submission

UTC = timezone.utc

COMPLETE = {
    "community_name": "莲花北社区", "community_street": "莲花街道", "community_district": "440304",
    "title": "长者食堂与探访", "summary": "为独居长者提供助餐和探访。", "problem": "社区 60 岁以上独居长者 320 人，走访发现……",
    "objectives": "一年内服务 120 名长者。", "activities": "2025年3月 需求评估\n2025年4月—12月 助餐与探访",
    "beneficiary_group": "独居长者", "beneficiary_count": "120", "team": "社工 3 名，志愿者 20 名",
    "items": {"02.01": "独居长者缺少照看", "02.02": "长者用餐困难"},
    "budget": [{"what": "人员费用", "amount": "60000"}, {"what": "活动物料", "amount": "12000.50"}],
}


def _problems(errors) -> dict[str, str]:
    return {e.field: e.message % e.params if e.params else e.message for e in errors}


def _actions(db, obj) -> list[str]:
    return db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == obj.__tablename__,
                                                      AuditEntry.object_id == str(obj.id)).order_by(AuditEntry.id)).all()


@pytest.fixture
def world(db):
    admin = make_admin(db)
    call = make_call(db, admin, rules={"entry": {"max_per_org": 2, "min_items": 2, "max_items": 3}})
    member, org = make_org(db, admin)
    db.commit()
    return admin, call, member, org


# ---------------------------------------------------------------------------------------------
# Starting: who, when, how many


def test_only_members_of_a_verified_organisation_start_submissions(db, world):
    admin, call, _, _ = world
    pending_member, pending_org = make_org(db, admin, verified=False)
    with pytest.raises(SubmissionError, match="尚未通过认证"):
        service.create_submission(db, pending_member, call)
    with pytest.raises(SubmissionError, match="请先登记"):
        service.create_submission(db, admin, call)
    assert db.scalar(select(Submission)) is None


def test_refs_are_numbered_per_call_and_skip_taken_ones(db, world):
    admin, call, member, org = world
    first = service.create_submission(db, member, call)
    assert first.ref == "S0001" and first.status == "draft" and first.community_district == org.district_code
    make_submission(db, call, org, ref="S0003", status="withdrawn")  # e.g. from a call package
    second = service.create_submission(db, member, call)
    assert second.ref == "S0004"  # after the taken one: numbers follow the order of creation
    other_call = make_call(db, admin)
    assert service.create_submission(db, member, other_call).ref == "S0001"
    assert _actions(db, first) == ["submission.create"]


def test_at_most_max_per_org_and_withdrawn_ones_do_not_count(db, world):
    _, call, member, org = world
    a = service.create_submission(db, member, call)
    service.create_submission(db, member, call)
    with pytest.raises(SubmissionError, match="最多申报 2 个项目"):
        service.create_submission(db, member, call)
    service.withdraw_submission(db, member, a, "重复创建")
    assert a.status == "withdrawn" and service.entry_count(db, call, org.id) == 1
    assert service.create_submission(db, member, call).ref == "S0003"


def test_starting_follows_the_window_in_china_standard_time(db, world):
    admin, _, member, org = world
    closes = datetime(2025, 3, 31, 16, 0, tzinfo=UTC)  # 2025-04-01 00:00 in Beijing
    call = make_call(db, admin, opens_at=closes - timedelta(days=30), closes_at=closes)
    assert service.create_submission(db, member, call, now=closes - timedelta(seconds=1)).ref == "S0001"
    with pytest.raises(SubmissionError, match="北京时间 2025-04-01 00:00 截止"):
        service.create_submission(db, member, call, now=closes)
    with pytest.raises(SubmissionError, match="尚未开始"):
        service.create_submission(db, member, make_call(db, admin, status="draft"))
    add_late_entry(db, admin, call, org.id, "系统故障未能按时提交")
    assert service.create_submission(db, member, call, now=closes + timedelta(days=1)).ref == "S0002"


# ---------------------------------------------------------------------------------------------
# Drafts: store what can be stored, name the rest


def test_a_draft_stores_what_it_can_and_names_what_it_cannot(db, world):
    _, call, member, _ = world
    s = service.create_submission(db, member, call, **COMPLETE)
    assert s.requested_fen == 7_200_050 and [line.position for line in s.budget_lines] == [0, 1]
    lines = {line.what: line for line in s.budget_lines}
    problems = service.save_draft(db, member, s, {
        "title": "新" * 201, "summary": "改过的简介", "beneficiary_count": "很多", "community_district": "999999",
        "items": {"02.01": "改过的需求", "99.99": "不存在", "02.03": "x" * 2001},
        "budget": [
            {"id": lines["人员费用"].id, "what": "人员费用（调整）", "amount": "12.345"},  # kept at 60000
            {"id": lines["活动物料"].id, "what": "", "amount": ""},  # blank: removed
            {"what": "场地", "amount": "-5"},  # new, cannot be stored
            {"what": "交通", "amount": ""},  # new, no amount yet
            {"what": "保险", "amount": "300"},
        ],
    })
    assert _problems(problems) == {
        "title": "最多 200 个字符（现有 201 个）", "beneficiary_count": "受益人数须为正整数",
        "community_district": "请从列表中选择所在区", "items": "服务目录中没有 99.99",
        "need-02.03": "最多 2000 个字符（现有 2001 个）", "budget-0-amount": "金额最多保留两位小数",
        "budget-2-amount": "金额不能为负数", "budget-3-amount": "请填写金额，填写后这一行才能保存",
    }
    db.expire_all()
    assert (s.title, s.summary, s.beneficiary_count, s.community_district) == ("长者食堂与探访", "改过的简介", 120, "440304")
    assert {i.item_code: i.need for i in s.items} == {"02.01": "改过的需求", "02.03": ""}
    assert [(line.position, line.what, line.amount_fen) for line in s.budget_lines] == [
        (0, "人员费用（调整）", 6_000_000), (4, "保险", 30_000)]
    assert s.requested_fen == 6_030_000
    assert _actions(db, s) == ["submission.create", "submission.save"]


def test_full_width_and_thousands_in_counts_and_amounts(db, world):
    _, call, member, _ = world
    s = service.create_submission(db, member, call)
    assert service.save_draft(db, member, s, {"beneficiary_count": "１，２００",
                                              "budget": [{"what": "人员", "amount": "1,000.5"}]}) == []
    assert s.beneficiary_count == 1200 and s.requested_fen == 100_050
    for bad in ("0", "-3", "1.5"):
        assert _problems(service.save_draft(db, member, s, {"beneficiary_count": bad})) == {
            "beneficiary_count": "受益人数须为正整数"}
    assert s.beneficiary_count == 1200


def test_closed_categories_cannot_be_ordered(db):
    admin = make_admin(db)
    call = make_call(db, admin, rules={"entry": {"categories": ["02"], "min_items": 1}})
    member, _ = make_org(db, admin)
    s = service.create_submission(db, member, call)
    problems = service.save_draft(db, member, s, {"items": {"02.01": "需求", "03.01": "需求"}})
    assert _problems(problems) == {"items": "03.01 所属的类别不在本征集开放范围内"}
    assert [i.item_code for i in s.items] == ["02.01"]


# ---------------------------------------------------------------------------------------------
# Submitting


def test_submitting_an_empty_draft_names_every_problem(db, world):
    _, call, member, _ = world
    s = service.create_submission(db, member, call)
    s.community_district = None
    with pytest.raises(SubmissionInvalid) as exc:
        service.submit_project(db, member, s)
    problems = _problems(exc.value.errors)
    assert set(problems) == set(service.REQUIRED_FIELDS) | {"items", "budget"}
    assert problems["items"] == "请至少选择 2 个服务项目（已选 0 个）"
    assert problems["budget"] == "请至少填写一行预算"
    assert problems["beneficiary_count"] == "请填写受益人数（正整数）"
    assert s.status == "draft" and s.submitted_at is None


def test_submit_checks_items_needs_and_budget_lines(db, world):
    _, call, member, _ = world
    s = service.create_submission(db, member, call, **{
        **COMPLETE, "items": {"02.01": "需求", "02.02": "", "02.03": "需求", "02.04": "需求"},
        "budget": [{"what": "", "amount": "100"}, {"what": "物料", "amount": "0"}]})
    with pytest.raises(SubmissionInvalid) as exc:
        service.submit_project(db, member, s)
    assert _problems(exc.value.errors) == {
        "items": "最多选择 3 个服务项目（已选 4 个）", "need-02.02": "请写明该服务项目回应的社区需求",
        "budget-0-what": "请填写用途", "budget-1-amount": "金额须大于 0"}


def test_a_budget_that_does_not_sum_to_the_requested_amount_is_refused(db, world):
    _, call, member, _ = world
    s = service.create_submission(db, member, call, **COMPLETE)
    s.requested_fen = 500_000  # written outside the form, e.g. by an import
    with pytest.raises(SubmissionInvalid) as exc:
        service.submit_project(db, member, s)
    assert _problems(exc.value.errors) == {"budget": "预算合计 72,000.50 元与申请金额 5,000.00 元不一致"}


def test_submit_then_deadlines_editing_deadline_and_late_list(db, world):
    admin, _, member, org = world
    closes = datetime(2025, 3, 31, 16, 0, tzinfo=UTC)
    call = make_call(db, admin, opens_at=closes - timedelta(days=30), closes_at=closes,
                     edit_deadline=closes + timedelta(days=3), rules={"entry": {"min_items": 2}})
    late = service.create_submission(db, member, call, now=closes - timedelta(days=1), **COMPLETE)
    with pytest.raises(SubmissionError, match="截止"):
        service.submit_project(db, member, late, now=closes)
    with pytest.raises(SubmissionError, match="截止"):  # a draft is not edited after the deadline either
        service.save_draft(db, member, late, {"title": "迟到的修改"}, now=closes + timedelta(seconds=1))
    on_time = service.create_submission(db, member, call, now=closes - timedelta(hours=1), **COMPLETE)
    service.submit_project(db, member, on_time, now=closes - timedelta(seconds=1))
    assert on_time.status == "submitted" and on_time.submitted_at == closes - timedelta(seconds=1)
    # Submitted projects may be edited until the editing deadline, not after.
    service.save_draft(db, member, on_time, {"title": "截止后修改标题"}, now=closes + timedelta(days=2))
    assert on_time.title == "截止后修改标题"
    with pytest.raises(SubmissionError, match="修改截止时间（北京时间 2025-04-04 00:00）已过"):
        service.save_draft(db, member, on_time, {"title": "太晚了"}, now=closes + timedelta(days=3))
    # The late list lets the named organisation finish.
    add_late_entry(db, admin, call, org.id, "街道停电", until=closes + timedelta(days=5))
    service.submit_project(db, member, late, now=closes + timedelta(days=4))
    assert late.status == "submitted"
    assert _actions(db, on_time) == ["submission.create", "submission.submit", "submission.edit"]


def test_a_submitted_project_must_stay_complete_and_goes_back_to_screening(db, world):
    admin, call, member, _ = world
    s = service.create_submission(db, member, call, **COMPLETE)
    service.submit_project(db, member, s)
    s.eligibility, s.eligibility_reason = "ineligible", "缺少预算说明"
    db.flush()
    with pytest.raises(SubmissionInvalid) as exc:
        service.save_draft(db, member, s, {"title": "", "budget": [], "beneficiary_count": "abc"})
    assert _problems(exc.value.errors) == {"title": "请填写此项", "budget": "请至少填写一行预算",
                                           "beneficiary_count": "受益人数须为正整数"}
    db.expire_all()
    assert s.title == COMPLETE["title"] and s.requested_fen == 7_200_050 and s.eligibility == "ineligible"
    service.save_draft(db, member, s, {"budget": [{"what": "人员费用", "amount": "70000"}]})
    assert s.requested_fen == 7_000_000 and (s.eligibility, s.eligibility_reason) == ("pending", None)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "submission.edit"))
    assert entry.detail == {"fields": ["budget"], "eligibility_reset": "ineligible", "eligibility_reason": "缺少预算说明"}


def test_max_per_org_is_checked_again_at_submit(db, world):
    admin, call, member, _ = world
    a = service.create_submission(db, member, call, **COMPLETE)
    b = service.create_submission(db, member, call, **COMPLETE)
    service.submit_project(db, member, a)
    from gongyi.calls.service import amend_rules

    amend_rules(db, admin, call, {**call.rules, "entry": {**call.rules["entry"], "max_per_org": 1}}, "名额调整")
    with pytest.raises(SubmissionError, match="最多申报 1 个项目"):
        service.submit_project(db, member, b)


def test_only_the_organisation_acts_on_its_submission(db, world):
    admin, call, member, _ = world
    s = service.create_submission(db, member, call, **COMPLETE)
    stranger, _ = make_org(db, admin)
    for act in (lambda u: service.save_draft(db, u, s, {"title": "x"}), lambda u: service.submit_project(db, u, s),
                lambda u: service.withdraw_submission(db, u, s)):
        for user in (stranger, admin):
            with pytest.raises(SubmissionError, match="只有申报组织的成员"):
                act(user)
    assert s.status == "draft" and s.title == COMPLETE["title"]


# ---------------------------------------------------------------------------------------------
# Withdrawing


def test_withdraw_until_results_then_never_again(db, world):
    admin, call, member, _ = world
    s = service.create_submission(db, member, call, **COMPLETE)
    service.submit_project(db, member, s)
    service.withdraw_submission(db, member, s, "负责人离职")
    assert s.status == "withdrawn"
    with pytest.raises(SubmissionError, match="已撤回"):
        service.withdraw_submission(db, member, s)
    with pytest.raises(SubmissionError, match="已撤回，不能再修改"):
        service.save_draft(db, member, s, {"title": "x"})
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "submission.withdraw"))
    assert entry.actor_id == member.id and entry.detail == {"previous": "submitted", "reason": "负责人离职"}
    t = service.create_submission(db, member, call, **COMPLETE)
    service.submit_project(db, member, t)
    call.status = "results"
    with pytest.raises(SubmissionError, match="联系管理员"):
        service.withdraw_submission(db, member, t)
    assert t.status == "submitted"


# ---------------------------------------------------------------------------------------------
# Funds raised


def test_funding_lines_are_pending_and_every_bad_value_is_named(db, world):
    admin, call, member, _ = world
    s = service.create_submission(db, member, call)
    with pytest.raises(SubmissionInvalid) as exc:
        service.add_funding_line(db, member, s, source="lottery", donor=" ", amount="100.001",
                                 received_on=date(2999, 1, 1), evidence=Upload("x.pdf", b"MZ\x90\x00"))
    problems = _problems(exc.value.errors)
    assert problems["source"] == "请选择资金来源" and problems["donor"] == "请填写捐赠方"
    assert problems["amount"] == "金额最多保留两位小数" and problems["received_on"] == "到账日期不能晚于今天"
    assert "内容不是其中任何一种" in problems["evidence"]
    assert s.funding_lines == [] and s.attachments == []
    for bad, message in (("-1", "金额不能为负数"), ("0", "金额须大于 0"), ("20000000", "单笔金额不能超过")):
        with pytest.raises(SubmissionInvalid, match=message):
            service.add_funding_line(db, member, s, source="enterprise", donor="甲公司", amount=bad)
    a = service.add_funding_line(db, member, s, source="enterprise", donor="甲公司", amount="50,000",
                                 received_on=date(2025, 1, 2), evidence=Upload("回单.pdf", b"%PDF-1.7\n..."))
    b = service.add_funding_line(db, member, s, source="individual", donor="张先生", amount="2000.50")
    assert (a.status, a.amount_fen, b.amount_fen) == ("pending", 5_000_000, 200_050)
    assert s.attachments[0].filename == "回单.pdf" and a.evidence_id == s.attachments[0].id
    from gongyi.submissions.screening import verify_funding_line

    service.save_draft(db, member, s, COMPLETE)
    service.submit_project(db, member, s)
    verify_funding_line(db, admin, a)
    totals = funding_totals(s.funding_lines)
    assert (totals.declared_fen, totals.verified_fen, totals.pending_fen) == (5_200_050, 5_000_000, 200_050)
    with pytest.raises(SubmissionError, match="已核实的资金不能删除"):
        service.remove_funding_line(db, member, a)
    with pytest.raises(SubmissionError, match="已核实资金的凭证"):
        service.remove_attachment(db, member, s.attachments[0])
    service.remove_funding_line(db, member, b)
    assert [line.donor for line in s.funding_lines] == ["甲公司"]
    assert _actions(db, a) == ["funding_line.declare", "funding_line.verify"]


# ---------------------------------------------------------------------------------------------
# Attachments: judged by content


def ole2(stream: str) -> bytes:
    """A minimal compound file (512-byte sectors): FAT in sector 0, directory in sector 1."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<109I", header, 76, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    directory = bytearray(512)
    for i, (name, kind) in enumerate((("Root Entry", 5), (stream, 2))):
        encoded = (name + "\0").encode("utf-16-le")
        directory[i * 128:i * 128 + len(encoded)] = encoded
        struct.pack_into("<HB", directory, i * 128 + 64, len(encoded), kind)
    return bytes(header) + fat + bytes(directory)


def ooxml(main: str, folder: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", f'<Types><Override PartName="/{folder}main.xml" ContentType="{main}"/></Types>')
        z.writestr(f"{folder}main.xml", "<x/>")
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


ALLOWED = [
    ("申报书.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    ("现场.PNG", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image/png"),
    ("合影.jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 20, "image/jpeg"),
    ("合影.jpg", b"\xff\xd8\xff\xe1" + b"\0" * 20, "image/jpeg"),
    ("方案.doc", ole2("WordDocument"), "application/msword"),
    ("预算.xls", ole2("Workbook"), "application/vnd.ms-excel"),
    ("方案.docx", ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("预算.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]


@pytest.mark.parametrize("name,data,content_type", ALLOWED)
def test_allowed_types_are_recognised_by_content(name, data, content_type):
    checked = check_upload(Upload(name, data))
    assert (checked.filename, checked.content_type) == (name, content_type)


@pytest.mark.parametrize("name,data", [
    ("申报书.pdf", b"MZ\x90\x00\x03\x00\x00\x00PE\0\0"),  # a Windows program renamed .pdf
    ("演示.doc", ole2("PowerPoint Document")),  # OLE2, but not Word or Excel
    ("宏.docx", ooxml("application/vnd.ms-word.document.macroEnabled.main+xml", "word/")),
    ("压缩.xlsx", b"PK\x03\x04" + b"\0" * 40),  # not a readable package
    ("图.png", b"GIF89a" + b"\0" * 20),
    ("坏.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600),  # an unreadable compound file
])
def test_forbidden_content_is_refused_whatever_the_name(name, data):
    with pytest.raises(Exception) as exc:
        check_upload(Upload(name, data))
    assert exc.value.field == "file" and "内容不是其中任何一种" in str(exc.value)


def test_content_and_extension_must_agree_and_size_is_limited():
    with pytest.raises(Exception, match="它其实是 .png 文件"):
        check_upload(Upload("照片.jpg", b"\x89PNG\r\n\x1a\n"))
    with pytest.raises(Exception, match="文件过大（2 KB），上限为 1 KB"):
        check_upload(Upload("大.pdf", b"%PDF-" + b"0" * 2043), max_bytes=1024)
    with pytest.raises(Exception, match="请选择要上传的文件"):
        check_upload(Upload("空.pdf", b""))
    assert check_upload(Upload("C:\\Users\\李\\申报书 \"终稿\".pdf", b"%PDF-1.7")).filename == "申报书 _终稿_.pdf"
    assert sniff(ole2("Book")) == "xls" and ole2_stream_names(b"junk") == set()


def test_attachments_are_stored_and_reopen_screening(db, world):
    _, call, member, _ = world
    s = service.create_submission(db, member, call, **COMPLETE)
    service.submit_project(db, member, s)
    s.eligibility = "eligible"
    file = service.add_attachment(db, member, s, Upload("申报书.pdf", b"%PDF-1.7 ..."))
    assert (file.content_type, file.size, s.eligibility) == ("application/pdf", 12, "pending")
    with pytest.raises(SubmissionError, match="文件过大"):
        service.add_attachment(db, member, s, Upload("大.pdf", b"%PDF-" + b"0" * 100), max_bytes=50)
    service.remove_attachment(db, member, file)
    assert s.attachments == []
    assert _actions(db, file) == ["attachment.add", "attachment.remove"]


# ---------------------------------------------------------------------------------------------
# The dashboard's results hook


def test_the_latest_published_run_gives_the_outcome(db, world):
    admin, call, _, org = world
    s = make_submission(db, call, org, eligibility="eligible")
    assert overview.stage(s) == "eligible"
    transition_call(db, admin, call, "close")
    transition_call(db, admin, call, "start_review")
    assert overview.stage(s) == "reviewing"
    call.status = "results"
    make_published_result(db, s, outcome="library", published="provisional")
    make_published_result(db, s, outcome="matched", matching_fen=1_000_000, published="final")
    make_published_result(db, s, outcome="not_shortlisted", published=None)  # the administrators' working run
    row, run = overview.published_outcomes(db, [s.id])[s.id]
    assert (row.outcome, row.matching_fen, run.number) == ("matched", 1_000_000, 2)
    assert overview.stage(s, row) == "results"
    other = make_submission(db, call, org, eligibility="ineligible")
    assert overview.published_outcomes(db, [other.id]) == {} and overview.stage(other) == "ineligible"


def test_absurd_values_are_refused_not_crashed_on(db, world):
    _, call, member, _ = world
    s = service.create_submission(db, member, call)
    problems = service.save_draft(db, member, s, {"beneficiary_count": "9" * 5000,
                                                  "budget": [{"what": "人员", "amount": "9" * 5000}]})
    assert _problems(problems) == {"beneficiary_count": "受益人数不能超过 100000000",
                                   "budget-0-amount": "单笔金额不能超过 10,000,000.00 元"}
    assert _problems(service.save_draft(db, member, s, {"beneficiary_count": "٣"})) == {
        "beneficiary_count": "受益人数须为正整数"}
    with pytest.raises(SubmissionInvalid, match="单笔金额不能超过"):
        service.add_funding_line(db, member, s, source="other", donor="某人", amount="1" * 30)


def test_submit_sees_the_organisation_as_it_is_when_the_submit_holds_its_lock(app, db, world):
    """A verification withdrawn in another transaction after the project was read (while the
    submit waited for the organisation's lock, say) refuses the submit."""
    from sqlalchemy import text

    admin, call, member, org = world
    s = service.create_submission(db, member, call, **COMPLETE)
    db.commit()
    assert s.organisation.is_verified  # read in this session, before the change
    with app.extensions["gongyi.engine"].begin() as other:
        other.execute(text("UPDATE organisation SET status = 'pending' WHERE id = :id"), {"id": org.id})
    with pytest.raises(SubmissionError, match="尚未通过认证"):
        service.submit_project(db, member, s)
    db.rollback()
    assert db.get(Submission, s.id).status == "draft"


def test_the_forms_submit_saves_first_and_a_refused_submit_keeps_the_save(db, world):
    _, call, member, _ = world
    s = service.create_submission(db, member, call)
    problems, refused = service.save_and_submit(db, member, s, {"title": "长者食堂", "beneficiary_count": "很多"})
    assert _problems(problems) == {"beneficiary_count": "受益人数须为正整数"}  # the save's own
    assert isinstance(refused, SubmissionInvalid) and "items" in _problems(refused.errors)
    db.commit()
    db.expire_all()
    stored = db.get(Submission, s.id)
    assert stored.title == "长者食堂" and stored.status == "draft"
    assert _actions(db, stored) == ["submission.create", "submission.save"]
    problems, refused = service.save_and_submit(db, member, stored, {**COMPLETE, "title": "长者食堂与探访（二期）"})
    assert problems == [] and refused is None
    db.commit()
    db.expire_all()
    stored = db.get(Submission, s.id)
    assert stored.status == "submitted" and stored.title == "长者食堂与探访（二期）"
    assert _actions(db, stored)[-1] == "submission.submit"


def test_the_forms_submit_reads_the_project_once_under_its_locks(app, db, world, statements):
    """The locks come first, so the save and the checks read the project's items and budget
    once (before, the submit's lock reread what the save had read)."""
    _, call, member, _ = world
    s = service.create_submission(db, member, call, **COMPLETE)
    db.commit()
    ids = s.id, member.id
    db.expunge_all()  # the session holds only what this request loads
    from gongyi.auth.models import User
    s, member = service.load_submission(db, ids[0]), db.get(User, ids[1])
    with statements:
        assert service.save_and_submit(db, member, s, COMPLETE)[1] is None
    reads = [q for q in statements.statements if q.lstrip().upper().startswith("SELECT")]
    assert sum("submission_item" in q for q in reads) == 1  # with the lock's reread
    assert sum("budget_line" in q for q in reads) == 1
    assert sum(bool(re.search(r"FROM (organisation|call)\s+WHERE", q)) for q in reads) == 1  # the lock, not a reread


def test_a_projects_page_reads_only_the_collections_that_have_rows(app, db, world, statements):
    from gongyi.db import lock

    _, call, member, _ = world
    fresh = service.create_submission(db, member, call)
    written = service.create_submission(db, member, call, **COMPLETE)
    db.commit()
    fresh_id, written_id = fresh.id, written.id
    db.expire_all()
    with statements:
        s = service.load_submission(db, fresh_id)
        assert (s.items, s.budget_lines, s.funding_lines, s.attachments) == ([], [], [], [])
    assert len(statements) == 1
    db.expire_all()
    with statements:
        s = service.load_submission(db, written_id)
        assert len(s.items) == 2 and len(s.budget_lines) == 2 and s.funding_lines == [] and s.attachments == []
    assert len(statements) == 3  # the project, its items, its budget
    db.rollback()
    s = service.load_submission(db, fresh_id)
    with app.extensions["gongyi.engine"].begin() as other:  # written meanwhile
        other.execute(insert(BudgetLine).values(submission_id=fresh_id, position=0, what="物料", amount_fen=100))
    assert s.budget_lines == []  # as read
    assert [line.what for line in lock(db, s).budget_lines] == ["物料"]  # a lock reads it again


def test_submit_checks_the_items_and_budget_as_they_stand_when_it_holds_its_locks(app, db, world):
    """Changed in another transaction after the project was read (an autosave in another tab,
    say): submit's reread under its lock sees it."""
    from sqlalchemy import text

    _, call, member, _ = world
    s = service.create_submission(db, member, call, **COMPLETE)
    db.commit()
    assert len(s.budget_lines) == 2 and len(s.items) == 2  # read in this session, before the change
    with app.extensions["gongyi.engine"].begin() as other:
        other.execute(text("DELETE FROM budget_line WHERE submission_id = :id"), {"id": s.id})
        other.execute(text("DELETE FROM submission_item WHERE submission_id = :id AND item_code = '02.02'"), {"id": s.id})
    with pytest.raises(SubmissionInvalid) as exc:
        service.submit_project(db, member, s)
    assert {"items", "budget"} <= set(_problems(exc.value.errors))
