"""Execution after the award, through the services: records opened by final results, agreements,
milestones, reports, evaluators and their conflicts, evaluations with publicity and objections,
tranche gates, recoveries and the disclosure figures against hand-computed totals."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from gongyi.audit.models import AuditEntry
from gongyi.execution import evaluations, records, reports, tranches
from gongyi.execution.disclosure import disclosure_of
from gongyi.execution.gates import GateError
from gongyi.execution.models import ExecutionRecord, ProgressReport, ReportVersion
from gongyi.errors import UserError
from gongyi.funding.models import Disbursement
from gongyi.funding.service import FundingError, record_disbursement
from gongyi.results.models import Run
from gongyi.review.models import Conflict
from gongyi.submissions.attachments import AttachmentError, Upload
from gongyi.submissions.models import BudgetLine
from tests.db.execution_world import (CST, FINAL_AT, LIMIT, PDF, finalise, import_sample, member_of, record_for,
                                      signed)
from tests.factories import make_admin

SUNNY, ELDERS = "深圳市阳光社工服务中心", "深圳市长者关爱协会"
AFTER_WINDOW = datetime(2026, 7, 20, 10, 0, tzinfo=CST)


@pytest.fixture
def world(app, runner, db):
    admin = make_admin(db)
    db.commit()
    call = import_sample(app, runner, db, admin)
    with app.test_request_context():
        final = finalise(db, admin, call)
        yield call, admin, final


def _problems(exc: UserError) -> dict[str, str]:
    return {p.field: p.message for p in exc.problems()}


def _evaluator(db, admin, email="eval@example.org", affiliation_id=None):
    return evaluations.create_evaluator(db, admin, email=email, name="评估机构", password="password123",
                                        affiliation_id=affiliation_id)


def _passed_midterm(db, admin, rec, evaluator, total=("20", "30", "15", "8")):
    evaluations.assign_evaluator(db, admin, rec, evaluator)
    scores = dict(zip(("plan", "results", "money", "disclosure"), total))
    ev = evaluations.save_evaluation(db, evaluator, rec, "midterm", scores=scores, comment="执行规范", submit=True)
    evaluations.publish_evaluation(db, admin, ev, working_days=5, now=datetime(2026, 7, 1, 10, tzinfo=CST))
    evaluations.confirm_evaluation(db, admin, ev, now=AFTER_WINDOW)
    return ev


def test_final_results_open_a_record_per_funded_project(world, db):
    call, admin, final = world
    opened = {r.submission.ref: r for r in db.scalars(select(ExecutionRecord).where(ExecutionRecord.call_id == call.id))}
    assert {ref: (r.pool, r.allocated_fen) for ref, r in opened.items()} == {
        "A": ("matching", 5_000_000), "B": ("matching", 3_000_000), "C": ("matching", 2_000_000),
        "D": ("library", 1_666_667), "G": ("library", 1_333_333)}
    d = opened["D"]
    assert [(t.gate, t.share, t.amount_fen) for t in d.tranches] == [
        ("signing", 50, 833_333), ("midterm", 30, 500_000), ("final", 20, 333_334)]
    assert all(r.run_id == final.id and r.status == "active" for r in opened.values())
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "execution.open")) == 5


def test_agreement_refuses_bad_input_beside_each_field(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "A")
    with pytest.raises(UserError) as caught:
        records.set_agreement(db, admin, rec, number=" ", signed_on="2026-13-01", starts_on="2026-07-01",
                              ends_on="2026-06-01", signed_file=Upload("协议.pdf", b"MZ\x90"), max_bytes=LIMIT)
    assert set(_problems(caught.value)) == {"number", "signed_on", "ends_on", "signed_file"}
    assert rec.signed_on is None and rec.agreement_name is None
    signed(db, admin, rec)
    assert (rec.agreement_number, rec.agreement_name) == (f"XY-{rec.id}", "协议.pdf")


def test_milestone_indicators_must_be_whole_targets(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "A")
    with pytest.raises(UserError) as caught:
        records.add_milestone(db, admin, rec, what="", due_on="someday", deliverable="", indicators="服务人次 | -5")
    assert set(_problems(caught.value)) == {"what", "due_on", "indicators"}
    milestone = records.add_milestone(db, admin, rec, what="开展助餐服务", due_on="2026-09-30", deliverable="服务记录",
                                      indicators="服务人次 | 200 | 人次\n探访次数|50|次")
    assert [(i.name, i.target, i.unit) for i in milestone.indicators] == [("服务人次", 200, "人次"), ("探访次数", 50, "次")]


def test_tranche_gates_order_and_the_allocation(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "A")  # 50,000.00 in 25,000 / 15,000 / 10,000
    first, second, last = rec.tranches
    with pytest.raises(UserError, match="签订协议后才能拨付"):
        tranches.release_tranche(db, admin, first, paid_on="2026-06-10", reference="P-1")
    signed(db, admin, rec)
    with pytest.raises(UserError, match="中期评估通过后才能拨付"):
        tranches.release_tranche(db, admin, second, paid_on="2026-06-10", reference="P-2")
    with pytest.raises(UserError, match="凭证号"):
        tranches.release_tranche(db, admin, first, paid_on="2026-06-10", reference=" ")
    tranches.release_tranche(db, admin, first, paid_on="2026-06-10", reference="P-1")
    assert (first.status, records.paid_fen(db, rec)) == ("released", 2_500_000)
    with pytest.raises(UserError, match="已经拨付"):
        tranches.release_tranche(db, admin, first, paid_on="2026-06-10", reference="P-1")
    # A payment on the pools page counts too: what is left can never be exceeded.
    final = db.get(Run, rec.run_id)
    record_disbursement(db, admin, call, final, pool="matching", ref="A", amount="20000", paid_on="2026-06-11",
                        reference="手工")
    with pytest.raises(FundingError, match="超出该项目的分配额"):
        record_disbursement(db, admin, call, final, pool="matching", ref="A", amount="5000.01", paid_on="2026-06-11",
                            reference="手工")
    evaluator = _evaluator(db, admin)
    _passed_midterm(db, admin, rec, evaluator)
    with pytest.raises(GateError, match="剩余部分"):
        tranches.release_tranche(db, admin, second, paid_on="2026-07-21", reference="P-2")
    assert second.status == "scheduled" and records.paid_fen(db, rec) == 4_500_000


def test_evaluators_never_evaluate_projects_they_are_conflicted_with(world, db):
    call, admin, _ = world
    rec_a = record_for(db, call, "A")
    sunny_id = rec_a.organisation_id
    affiliated = _evaluator(db, admin, "affiliated@example.org", affiliation_id=sunny_id)
    with pytest.raises(UserError, match="利益冲突") as caught:
        evaluations.assign_evaluator(db, admin, rec_a, affiliated)
    assert caught.value.field == "evaluator_id"
    member = member_of(db, SUNNY, "member-evaluator@example.org")  # an account of the organisation itself
    member_evaluator = evaluations.create_evaluator(db, admin, email=member.email, name="", password="x",
                                                    affiliation_id=None)
    with pytest.raises(UserError, match="利益冲突"):
        evaluations.assign_evaluator(db, admin, rec_a, member_evaluator)
    rec_c = record_for(db, call, "C")
    evaluations.assign_evaluator(db, admin, rec_c, affiliated)  # another organisation's project is fine
    with pytest.raises(UserError, match="已分配"):
        evaluations.assign_evaluator(db, admin, rec_c, affiliated)
    reviewer_only = member_of(db, ELDERS, "plain@example.org")
    with pytest.raises(UserError, match="请选择第三方评估机构"):
        evaluations.assign_evaluator(db, admin, rec_c, reviewer_only)
    # A declared conflict removes the assignment and the draft, and refuses it again.
    evaluations.save_evaluation(db, affiliated, rec_c, "midterm", scores={"plan": "10"}, comment="", submit=False)
    evaluations.declare_evaluator_conflict(db, affiliated, rec_c, affiliated, "曾为该机构提供咨询")
    assert db.scalar(select(Conflict.source).where(Conflict.reviewer_id == affiliated.id)) == "reviewer"
    assert evaluations.evaluation_of(db, rec_c, "midterm") is None and not evaluations.is_assigned(db, affiliated, rec_c)
    with pytest.raises(UserError, match="利益冲突"):
        evaluations.assign_evaluator(db, admin, rec_c, affiliated)
    with pytest.raises(UserError, match="没有被分配"):
        evaluations.save_evaluation(db, affiliated, rec_c, "midterm", scores={}, comment="", submit=False)


def test_scores_are_checked_against_the_rubric(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "C")
    evaluator = _evaluator(db, admin)
    evaluations.assign_evaluator(db, admin, rec, evaluator)
    with pytest.raises(UserError) as caught:
        evaluations.save_evaluation(db, evaluator, rec, "midterm", scores={"plan": "31", "results": "abc", "money": "-1"},
                                    comment="", submit=True)
    assert set(_problems(caught.value)) == {"score_plan", "score_results", "score_money", "score_disclosure"}
    assert "满分 30" in caught.value.problems()[0].message % caught.value.problems()[0].params
    assert evaluations.evaluation_of(db, rec, "midterm") is None
    with pytest.raises(UserError, match="合格分"):
        evaluations.set_rubric(db, admin, call, "执行 | 50\n成效 | 50", "101")
    evaluations.set_rubric(db, admin, call, "执行 | 50\n成效 | 50", "70", "本项目由深圳市福彩公益金资助")
    ev = evaluations.save_evaluation(db, evaluator, rec, "midterm", scores={"c1": "40", "c2": "29.5"}, comment="基本达标",
                                     submit=True)
    assert (ev.total_centi, ev.pass_mark, ev.passed) == (6950, 70, False)
    with pytest.raises(UserError, match="已有提交的评估"):
        evaluations.set_rubric(db, admin, call, "执行 | 100", "60")


def test_publicity_objection_answer_and_confirmation_release_the_second_tranche(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "C")  # 20,000.00: 10,000 / 6,000 / 4,000
    signed(db, admin, rec)
    tranches.release_tranche(db, admin, rec.tranches[0], paid_on="2026-06-10", reference="P-1")
    evaluator = _evaluator(db, admin)
    evaluations.assign_evaluator(db, admin, rec, evaluator)
    ev = evaluations.save_evaluation(db, evaluator, rec, "midterm", comment="按计划推进",
                                     scores={"plan": "25", "results": "30", "money": "15", "disclosure": "8"}, submit=True)
    assert (ev.total_centi, ev.passed) == (7800, True)
    with pytest.raises(UserError, match="中期评估通过并公示期满|公示期满"):
        tranches.release_tranche(db, admin, rec.tranches[1], paid_on="2026-07-21", reference="P-2")
    opened_at = datetime(2026, 7, 1, 10, tzinfo=CST)  # a Wednesday: the window ends after Tuesday 7 July
    evaluations.publish_evaluation(db, admin, ev, working_days=5, now=opened_at)
    objector = member_of(db, SUNNY, "objector@example.org")
    fields = {"real_name": "李四", "contact": "138", "reason": "服务人次有夸大", "max_bytes": LIMIT}
    with pytest.raises(UserError, match="真实姓名"):
        evaluations.file_evaluation_objection(db, objector, ev, now=opened_at, **{**fields, "real_name": ""})
    objection = evaluations.file_evaluation_objection(db, objector, ev, now=opened_at, **fields)
    assert (objection.evaluation_id, objection.run_id) == (ev.id, None)
    from gongyi.results import publication
    assert [v.ref for v in publication.organisation_objections(db, objector.organisation_id)] == ["C"]
    assert publication.call_objections(db, call) == []  # the results' publicity page lists results' objections only
    with pytest.raises(UserError, match="不在公示期"):
        evaluations.file_evaluation_objection(db, objector, ev, now=AFTER_WINDOW, **fields)
    with pytest.raises(UserError, match="公示期结束后"):
        evaluations.confirm_evaluation(db, admin, ev, now=opened_at)
    with pytest.raises(UserError, match="未答复"):
        evaluations.confirm_evaluation(db, admin, ev, now=AFTER_WINDOW)
    evaluations.answer_evaluation_objection(db, admin, objection, "dismissed", "经核对签到表，人次属实")
    evaluations.confirm_evaluation(db, admin, ev, now=AFTER_WINDOW)
    second = tranches.release_tranche(db, admin, rec.tranches[1], paid_on="2026-07-21", reference="P-2")
    assert (second.status, records.paid_fen(db, rec)) == ("released", 1_600_000)
    assert tranches.schedule_of(db, rec).next_due.tranche.gate == "final"


def test_an_upheld_objection_sends_the_evaluation_back(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "C")
    evaluator = _evaluator(db, admin)
    evaluations.assign_evaluator(db, admin, rec, evaluator)
    ev = evaluations.save_evaluation(db, evaluator, rec, "midterm", comment="好",
                                     scores={"plan": "25", "results": "30", "money": "15", "disclosure": "8"}, submit=True)
    evaluations.publish_evaluation(db, admin, ev, working_days=5, now=datetime(2026, 7, 1, 10, tzinfo=CST))
    objection = evaluations.file_evaluation_objection(db, member_of(db, SUNNY, "o@example.org"), ev, real_name="李四",
                                                      contact="138", reason="资金使用未公开", max_bytes=LIMIT,
                                                      now=datetime(2026, 7, 2, 10, tzinfo=CST))
    evaluations.answer_evaluation_objection(db, admin, objection, "upheld", "请评估机构复核资金使用")
    assert (ev.status, ev.passed, ev.scores["plan"]) == ("draft", None, 2500)


def test_a_failed_final_evaluation_stops_the_last_tranche(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "A")
    signed(db, admin, rec)
    tranches.release_tranche(db, admin, rec.tranches[0], paid_on="2026-06-10", reference="P-1")
    evaluator = _evaluator(db, admin)
    _passed_midterm(db, admin, rec, evaluator)
    tranches.release_tranche(db, admin, rec.tranches[1], paid_on="2026-07-21", reference="P-2")
    ev = evaluations.save_evaluation(db, evaluator, rec, "final", comment="目标未达成",
                                     scores={"plan": "10", "results": "15", "money": "10", "disclosure": "5"}, submit=True)
    assert ev.passed is False
    evaluations.publish_evaluation(db, admin, ev, working_days=5, now=datetime(2026, 8, 3, 10, tzinfo=CST))
    evaluations.confirm_evaluation(db, admin, ev, now=datetime(2026, 8, 20, tzinfo=CST))
    last = rec.tranches[2]
    assert (last.status, rec.status) == ("stopped", "stopped")
    with pytest.raises(UserError, match="尾款拨付已停止"):
        tranches.release_tranche(db, admin, last, paid_on="2026-08-21", reference="P-3")
    schedule = tranches.schedule_of(db, rec)
    assert (schedule.paid_fen, schedule.next_due) == (4_000_000, None)
    assert [line.status for line in schedule.lines] == ["released", "released", "stopped"]


def _milestone_and_lines(db, admin, rec):
    milestone = records.add_milestone(db, admin, rec, what="开展服务", due_on="2026-09-30", deliverable="记录",
                                      indicators="服务人次 | 200 | 人次")
    lines = list(db.scalars(select(BudgetLine).where(BudgetLine.submission_id == rec.submission_id)
                            .order_by(BudgetLine.position)))
    return milestone, lines


def test_reports_refuse_bad_figures_spending_and_milestones_of_other_projects(world, db):
    call, admin, _ = world
    rec, other = record_for(db, call, "A"), record_for(db, call, "C")
    milestone, (food, training) = _milestone_and_lines(db, admin, rec)
    foreign, _ = _milestone_and_lines(db, admin, other)
    member = member_of(db, SUNNY, "m@example.org")
    indicator = str(milestone.indicators[0].id)
    with pytest.raises(UserError) as caught:
        reports.save_report(db, member, rec, milestone_id=foreign.id, narrative="x", figures={}, spending={})
    assert caught.value.field == "milestone_id"
    for value, message in (("-3", "负数"), ("十二", "非负整数"), ("1.5", "非负整数")):
        with pytest.raises(UserError, match=message) as caught:
            reports.save_report(db, member, rec, milestone_id=milestone.id, narrative="x", figures={indicator: value},
                                spending={})
        assert caught.value.field == f"figure_{indicator}"
    with pytest.raises(UserError) as caught:
        reports.save_report(db, member, rec, milestone_id=milestone.id, narrative="x", figures={indicator: "80"},
                            spending={str(food.id): ("60000.01", ""), str(training.id): ("12.345", "")})
    assert set(_problems(caught.value)) == {f"explain_{food.id}", f"spent_{training.id}"}
    assert db.scalar(select(func.count()).select_from(ProgressReport)) == 0
    report = reports.save_report(db, member, rec, milestone_id=milestone.id, narrative="x", figures={indicator: "80"},
                                 spending={str(food.id): ("60000.01", "物价上涨，超支部分由自筹资金承担")})
    assert [(s.budget_line_id, s.amount_fen) for s in report.spending] == [(food.id, 6_000_001)]


def test_a_returned_report_is_revised_and_every_version_kept(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "A")
    milestone, (food, _training) = _milestone_and_lines(db, admin, rec)
    member = member_of(db, SUNNY, "m@example.org")
    indicator = str(milestone.indicators[0].id)
    report = reports.save_report(db, member, rec, milestone_id=milestone.id, narrative="第一季度开展助餐",
                                 figures={indicator: "60"}, spending={str(food.id): ("10000", "")})
    reports.submit_report(db, member, report)
    with pytest.raises(UserError, match="等待审核"):
        reports.save_report(db, member, rec, report=report, milestone_id=milestone.id, narrative="改", figures={},
                            spending={})
    with pytest.raises(UserError, match="退回意见"):
        reports.return_report(db, admin, report, " ")
    reports.return_report(db, admin, report, "请补充签到表")
    assert report.status == "returned"
    with pytest.raises(AttachmentError):
        reports.add_report_file(db, member, report, "receipt", Upload("票据.pdf", b"MZ"), LIMIT)
    reports.add_report_file(db, member, report, "receipt", Upload("票据.pdf", PDF), LIMIT)
    reports.save_report(db, member, rec, report=report, milestone_id=milestone.id, narrative="第一季度开展助餐，附签到表",
                        figures={indicator: "65"}, spending={str(food.id): ("10000", "")})
    reports.submit_report(db, member, report)
    reports.accept_report(db, admin, report)
    versions = list(db.scalars(select(ReportVersion).where(ReportVersion.report_id == report.id).order_by(ReportVersion.version)))
    assert [(v.version, v.snapshot["narrative"], v.snapshot.get("returned_with")) for v in versions] == [
        (1, "第一季度开展助餐", "请补充签到表"), (2, "第一季度开展助餐，附签到表", None)]
    assert versions[1].snapshot["files"] == ["票据.pdf"] and report.status == "accepted"


def test_recoveries_and_the_disclosure_figures_by_hand(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "A")  # 50,000.00 allocated
    signed(db, admin, rec)
    tranches.release_tranche(db, admin, rec.tranches[0], paid_on="2026-06-10", reference="P-1")  # 25,000.00
    milestone, (food, training) = _milestone_and_lines(db, admin, rec)
    member = member_of(db, SUNNY, "m@example.org")
    indicator = str(milestone.indicators[0].id)
    accepted = reports.save_report(db, member, rec, milestone_id=milestone.id, narrative="一", figures={indicator: "80"},
                                   spending={str(food.id): ("18000", ""), str(training.id): ("3000.50", "")})
    reports.submit_report(db, member, accepted)
    reports.accept_report(db, admin, accepted)
    pending = reports.save_report(db, member, rec, milestone_id=milestone.id, narrative="二", figures={indicator: "45"},
                                  spending={str(food.id): ("999", "")})
    reports.submit_report(db, member, pending)  # not accepted: not disclosed
    with pytest.raises(UserError, match="不能超过已拨付"):
        tranches.record_recovery(db, admin, rec, amount="25000.01", reason="违规使用", recovered_on="2026-07-01")
    with pytest.raises(UserError, match="追回原因"):
        tranches.record_recovery(db, admin, rec, amount="100", reason=" ", recovered_on="2026-07-01")
    tranches.record_recovery(db, admin, rec, amount="1500", reason="培训费用重复列支", recovered_on="2026-07-01")
    public = disclosure_of(db, rec).figures
    # paid 25,000.00; recovered 1,500.00; spent 18,000.00 + 3,000.50 = 21,000.50; unspent 25,000 - 1,500 - 21,000.50.
    assert (public.allocated_fen, public.paid_fen, public.recovered_fen) == (5_000_000, 2_500_000, 150_000)
    assert public.spent_fen == 2_100_050 and public.unspent_fen == 249_950 and public.unpaid_fen == 2_500_000
    assert [(line.what, line.planned_fen, line.spent_fen) for line in public.lines] == [
        ("餐费补贴", 6_000_000, 1_800_000), ("探访志愿者培训", 2_000_000, 300_050)]
    assert [(i.name, i.target, i.reached) for i in public.indicators] == [("服务人次", 200, 80)]
    assert db.scalar(select(func.sum(Disbursement.amount_fen)).where(Disbursement.submission_id == rec.submission_id)) == 2_500_000


def test_overdue_milestones(world, db):
    call, admin, _ = world
    rec = record_for(db, call, "A")
    milestone, _lines = _milestone_and_lines(db, admin, rec)
    day = milestone.due_on
    assert reports.overdue_milestones(db, [rec.id], day) == set()
    assert reports.overdue_milestones(db, [rec.id], day + timedelta(days=1)) == {milestone.id}
    member = member_of(db, SUNNY, "m@example.org")
    report = reports.save_report(db, member, rec, milestone_id=milestone.id, narrative="x", figures={}, spending={})
    assert reports.overdue_milestones(db, [rec.id], day + timedelta(days=1)) == {milestone.id}  # a draft is not a report
    reports.submit_report(db, member, report)
    assert reports.overdue_milestones(db, [rec.id], day + timedelta(days=1)) == set()


def test_reminders_go_to_the_organisation_once_per_milestone_and_returned_report(world, db, runner):
    from gongyi.execution.reminders import queue_execution_reminders
    from gongyi.mail.models import OutboxMessage

    call, admin, _ = world
    rec = record_for(db, call, "A")
    milestone, _lines = _milestone_and_lines(db, admin, rec)  # due 2026-09-30
    member = member_of(db, SUNNY, "m@example.org")
    week = timedelta(days=3)
    assert queue_execution_reminders(db, None, today=milestone.due_on - timedelta(days=10), before=week) == 0
    assert queue_execution_reminders(db, None, today=milestone.due_on - timedelta(days=2), before=week) == 1
    assert queue_execution_reminders(db, None, today=milestone.due_on - timedelta(days=1), before=week) == 0
    assert queue_execution_reminders(db, None, today=milestone.due_on + timedelta(days=1), before=week) == 1
    kinds = [(m.kind, m.to) for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert kinds == [("milestone_due", "m@example.org"), ("milestone_overdue", "m@example.org")]
    report = reports.save_report(db, member, rec, milestone_id=milestone.id, narrative="x", figures={}, spending={})
    reports.submit_report(db, member, report)
    reports.return_report(db, admin, report, "补充材料")
    # The overdue reminder went out once already; the returned report is reminded of once.
    assert queue_execution_reminders(db, None, today=milestone.due_on + timedelta(days=2), before=week) == 1
    assert list(db.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))[-1] == "report_returned"
    assert queue_execution_reminders(db, None, today=milestone.due_on + timedelta(days=3), before=week) == 0
    db.commit()
    result = runner.invoke(args=["mail", "remind"])
    assert result.exit_code == 0 and "execution reminders queued" in result.output


def test_revised_final_results_follow_the_allocation_until_money_is_paid(world, db):
    from gongyi.results import publication
    from gongyi.results.service import withdraw_after_results
    from gongyi.submissions.models import Submission

    call, admin, _ = world
    rec_b = record_for(db, call, "B")
    signed(db, admin, rec_b)
    tranches.release_tranche(db, admin, rec_b.tranches[0], paid_on="2026-06-10", reference="P-1")
    a = db.scalar(select(Submission).where(Submission.call_id == call.id, Submission.ref == "A"))
    revised = withdraw_after_results(db, admin, a, "机构无法执行")
    publication.publish_results(db, admin, revised, "final", working_days=5, now=FINAL_AT + timedelta(days=3))
    rec_a, rec_c = record_for(db, call, "A"), record_for(db, call, "C")
    # A withdrew: nothing more is paid; C's matching grew from 20,000 to 40,000 before any payment.
    assert rec_a.status == "stopped" and {t.status for t in rec_a.tranches} == {"stopped"}
    assert (rec_c.allocated_fen, [t.amount_fen for t in rec_c.tranches]) == (4_000_000, [2_000_000, 1_200_000, 800_000])
    assert rec_c.run_id == revised.id
    assert rec_b.allocated_fen == 3_000_000  # unchanged in the revision


def test_the_execution_lists_read_a_fixed_number_of_statements(world, db, statements):
    from gongyi.execution.overview import call_overview, organisation_overview

    call, admin, _ = world
    rec = record_for(db, call, "A")
    signed(db, admin, rec)
    tranches.release_tranche(db, admin, rec.tranches[0], paid_on="2026-06-10", reference="P-1")
    tranches.record_recovery(db, admin, rec, amount="100", reason="重复列支", recovered_on="2026-07-01")
    db.commit()
    db.expire_all()
    with statements:
        five = call_overview(db, call.id, FINAL_AT.date())
    many = len(statements)
    db.expire_all()
    with statements:
        two = organisation_overview(db, rec.organisation_id, FINAL_AT.date())
    assert (len(five), len(two)) == (5, 2) and len(statements) == many  # not one more per record
    row = next(r for r in five if r.submission.ref == "A")
    assert (row.schedule.paid_fen, row.schedule.recovered_fen, row.schedule.next_due.tranche.position) == (2_500_000, 10_000, 2)
