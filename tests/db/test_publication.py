"""Publishing results and objections, with the services, on the hand-worked sample package.

The sample's results (see test_call_package): A 50,000, B 30,000, C 20,000 matching
(rank_order, pool 100,000, cap 50,000); G 13,333.33 and D 16,666.67 from the library pool
(pro_rata, 30,000). In the correction path B's 30,000 funding line turns out not to have been
received: with R = 0 B's demand is 0, so B gets no matching and joins the library; C's 40,000
now fit in the pool in full; the library pool (30,000) is shared by B 45,000, G 20,000 and
D 25,000 requested: B 15,000, G 6,666.67 (the rounding fen: .666 beats D's .333), D 8,333.33.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.calls.service import transition_call
from gongyi.mail.models import OutboxMessage
from gongyi.orgs.models import Organisation
from gongyi.results import publication
from gongyi.results.models import Objection, Run, RunRow
from gongyi.results.service import compare_runs, compute_call, withdraw_after_results
from gongyi.submissions.attachments import AttachmentError, Upload
from gongyi.submissions.models import FundingLine, Submission
from gongyi.submissions.screening import reject_funding_line
from tests.factories import make_admin, make_org

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
CST = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 6, 1, 10, 0, tzinfo=CST)  # 2026-06-01 is a Monday
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LIMIT = 1024 * 1024


@pytest.fixture
def call(app, runner, db):
    """The sample call, computed once, in "results"; an app context for the mail texts."""
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "sz-2026"]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "sz-2026"))
    admin = make_admin(db)
    transition_call(db, admin, call, "finish_review")
    db.commit()
    with app.test_request_context():
        yield call


def member_of(db, name: str, email: str):
    """A member user acting for one of the sample's (verified) organisations."""
    user = create_user(db, None, email=email, name="成员", password="password123", roles=("member",))
    user.organisation_id = db.scalar(select(Organisation.id).where(Organisation.name == name))
    db.flush()
    return user


def row(db, run: Run, ref: str) -> RunRow:
    return db.scalar(select(RunRow).where(RunRow.run_id == run.id, RunRow.ref == ref))


def latest(db, call) -> Run:
    return db.scalar(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc()).limit(1))


def actions(db) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize("start, days, end", [
    (MONDAY, 5, datetime(2026, 6, 6, 0, 0, tzinfo=CST)),  # Mon..Fri, ends at midnight after Friday
    (datetime(2026, 6, 5, 18, 0, tzinfo=CST), 5, datetime(2026, 6, 12, 0, 0, tzinfo=CST)),  # Fri counts; Thu next week
    (datetime(2026, 6, 6, 9, 0, tzinfo=CST), 5, datetime(2026, 6, 13, 0, 0, tzinfo=CST)),  # Saturday: Mon..Fri
    (datetime(2026, 6, 7, 23, 0, tzinfo=CST), 1, datetime(2026, 6, 9, 0, 0, tzinfo=CST)),  # Sunday: Monday only
    (datetime(2026, 6, 7, 17, 0, tzinfo=timezone.utc), 1, datetime(2026, 6, 9, 0, 0, tzinfo=CST)),  # Mon 01:00 in Beijing
])
def test_publicity_ends_at_the_end_of_the_nth_working_day_in_beijing(start, days, end):
    assert publication.publicity_end(start, days) == end
    assert publication.publicity_end(start, days).tzinfo == timezone.utc


def test_publish_provisional_opens_the_window_and_is_audited(db, call, admin):
    run = latest(db, call)
    published = publication.publish_results(db, admin, run, "provisional", working_days=5, now=MONDAY)
    db.commit()
    assert (published.published, call.status) == ("provisional", "publicity")
    assert published.published_at == MONDAY and published.publicity_until == datetime(2026, 6, 6, tzinfo=CST)
    assert publication.last_publicity_day(published).isoformat() == "2026-06-05"
    assert publication.published_run(db, call) == published
    assert actions(db)[-2:] == ["call.publish_provisional", "run.publish"]
    with pytest.raises(publication.PublicationError, match="已由 .* 发布"):
        publication.publish_results(db, admin, run, "provisional", working_days=5)


def test_provisional_results_need_the_results_stage_and_current_data(db, call, admin):
    run = latest(db, call)
    transition_call(db, admin, call, "publish_provisional", via="publication")  # as if the stage had moved on
    with pytest.raises(publication.PublicationError, match="结果已计算"):
        publication.publish_results(db, admin, run, "provisional", working_days=5)
    db.rollback()
    line = db.scalar(select(FundingLine).where(FundingLine.donor == "某基金会"))
    reject_funding_line(db, admin, line, "未到账")
    with pytest.raises(publication.PublicationError, match="请重新计算后再发布"):
        publication.publish_results(db, admin, run, "provisional", working_days=5)
    assert run.published is None and call.status == "results"


def test_objections_only_from_verified_organisations_during_the_window(db, call, admin):
    run = publication.publish_results(db, admin, latest(db, call), "provisional", working_days=5, now=MONDAY)
    contested = row(db, run, "B")
    fields = {"real_name": "李四", "contact": "13800000000", "reason": "B 的捐赠尚未到账", "max_bytes": LIMIT}

    loner = create_user(db, None, email="loner@example.org", name="个人", password="password123")
    with pytest.raises(publication.PublicationError, match="已认证社会组织"):
        publication.file_objection(db, loner, contested, now=MONDAY, **fields)
    pending_member, _org = make_org(db, admin, verified=False)
    with pytest.raises(publication.PublicationError, match="已认证社会组织"):
        publication.file_objection(db, pending_member, contested, now=MONDAY, **fields)

    member = member_of(db, "深圳市长者关爱协会", "m@example.org")
    with pytest.raises(publication.PublicationError, match="公示期已于 2026-06-05 结束"):
        publication.file_objection(db, member, contested, now=datetime(2026, 6, 6, tzinfo=CST), **fields)
    with pytest.raises(publication.PublicationError, match="真实姓名") as exc:
        publication.file_objection(db, member, contested, now=MONDAY, **{**fields, "real_name": "  "})
    assert exc.value.field == "real_name"
    with pytest.raises(publication.PublicationError, match="异议理由"):
        publication.file_objection(db, member, contested, now=MONDAY, **{**fields, "reason": ""})
    with pytest.raises(AttachmentError, match="内容不是其中任何一种"):
        publication.file_objection(db, member, contested, now=MONDAY, evidence=Upload("证明.pdf", b"MZ\x90\x00"), **fields)
    assert db.scalar(select(Objection.id)) is None

    objection = publication.file_objection(db, member, contested, now=MONDAY, evidence=Upload("回单.pdf", PDF), **fields)
    assert (objection.status, objection.evidence_type, objection.evidence_name) == ("pending", "application/pdf", "回单.pdf")
    assert objection.organisation_id == member.organisation_id and objection.submission_id == contested.submission_id
    assert actions(db)[-1] == "objection.file"
    assert [v.ref for v in publication.call_objections(db, call)] == ["B"]
    assert [v.ref for v in publication.organisation_objections(db, member.organisation_id)] == ["B"]


def test_answers_need_a_reason_are_given_once_and_reach_the_objector(db, call, admin):
    run = publication.publish_results(db, admin, latest(db, call), "provisional", working_days=5, now=MONDAY)
    member = member_of(db, "深圳市长者关爱协会", "m@example.org")
    objection = publication.file_objection(db, member, row(db, run, "B"), real_name="李四", contact="138",
                                           reason="未到账", max_bytes=LIMIT, now=MONDAY)
    with pytest.raises(publication.PublicationError, match="答复理由"):
        publication.answer_objection(db, admin, objection, "upheld", " ")
    with pytest.raises(publication.PublicationError, match="是否成立"):
        publication.answer_objection(db, admin, objection, "maybe", "理由")
    publication.answer_objection(db, admin, objection, "upheld", "经核实，该笔捐赠未到账，已驳回")
    assert (objection.status, objection.answer, objection.answered_by_id) == ("upheld", "经核实，该笔捐赠未到账，已驳回", admin.id)
    with pytest.raises(publication.PublicationError, match="已由 .* 答复"):
        publication.answer_objection(db, admin, objection, "dismissed", "改主意")
    mail = db.scalar(select(OutboxMessage))
    assert mail.to == "m@example.org" and "异议成立" in mail.body and "已驳回" in mail.body
    assert "objection.answer" in actions(db)


def test_final_results_wait_for_the_window_and_every_answer(db, call, admin):
    provisional = publication.publish_results(db, admin, latest(db, call), "provisional", working_days=5, now=MONDAY)
    member = member_of(db, "深圳市长者关爱协会", "m@example.org")
    objection = publication.file_objection(db, member, row(db, provisional, "B"), real_name="李四", contact="138",
                                           reason="未到账", max_bytes=LIMIT, now=MONDAY)
    after = datetime(2026, 6, 8, 9, 0, tzinfo=CST)
    with pytest.raises(publication.PublicationError, match="已由 .* 发布"):
        publication.publish_results(db, admin, provisional, "final", working_days=5, now=after)
    rerun = compute_call(db, admin, call)
    with pytest.raises(publication.PublicationError, match="公示期至 2026-06-05 结束"):
        publication.publish_results(db, admin, rerun, "final", working_days=5, now=MONDAY + timedelta(days=1))
    with pytest.raises(publication.PublicationError, match="还有 1 件异议未答复"):
        publication.publish_results(db, admin, rerun, "final", working_days=5, now=after)
    publication.answer_objection(db, admin, objection, "dismissed", "捐赠已到账，有银行回单")
    final = publication.publish_results(db, admin, rerun, "final", working_days=5, now=after)
    assert (final.published, final.publicity_until, call.status) == ("final", None, "final")
    assert provisional.published == "provisional"  # the provisional results stay as they were shown
    assert publication.published_run(db, call) == final
    changes = publication.changes_against_previous(db, call, final)
    assert changes.previous == provisional and changes.changes == []
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "run.publish").order_by(AuditEntry.id.desc()).limit(1))
    assert entry.detail == {"call": "sz-2026", "number": final.number, "kind": "final", "replaces": provisional.number,
                            "changed": 0}


def test_the_whole_correction_path_shows_what_changed(db, call, admin):
    """Provisional -> objection -> upheld -> funding line rejected -> recompute -> final, with the differences."""
    provisional = publication.publish_results(db, admin, latest(db, call), "provisional", working_days=5, now=MONDAY)
    member = member_of(db, "深圳市长者关爱协会", "m@example.org")
    objection = publication.file_objection(db, member, row(db, provisional, "B"), real_name="李四", contact="138",
                                           reason="B 申报的基金会捐赠 30,000 元尚未到账", max_bytes=LIMIT, now=MONDAY)
    publication.answer_objection(db, admin, objection, "upheld", "经核实未到账，已驳回该笔资金")
    line = db.scalar(select(FundingLine).join(Submission).where(Submission.ref == "B"))
    reject_funding_line(db, admin, line, "捐赠未到账（异议成立）")
    rerun = compute_call(db, admin, call, note="异议成立后重新计算")
    final = publication.publish_results(db, admin, rerun, "final", working_days=5, now=datetime(2026, 6, 8, tzinfo=CST))
    db.commit()

    changed = {c.ref: c for c in publication.changes_against_previous(db, call, final).changes}
    assert set(changed) == {"B", "C", "G", "D"}
    b = changed["B"]
    assert (b.before.outcome, b.after.outcome) == ("matched", "library")
    assert (b.before.matching_fen, b.after.matching_fen, b.after.library_grant_fen) == (30_000_00, 0, 15_000_00)
    assert b.changed == {"outcome", "verified_raised_fen", "matching_fen", "library_grant_fen"}
    assert (changed["C"].before.matching_fen, changed["C"].after.matching_fen) == (20_000_00, 40_000_00)
    assert (changed["G"].after.library_grant_fen, changed["D"].after.library_grant_fen) == (6_666_67, 8_333_33)
    trail = actions(db)
    assert trail[trail.index("objection.file"):] == [
        "objection.file", "objection.answer", "mail.queue", "funding_line.reject", "run.compute",
        "call.finalise", "run.publish"] + ["execution.open"] * 5 + ["library.final_results"]  # B, G and D enter the library


def test_a_withdrawal_after_final_results_is_published_as_revised_final_results(db, call, admin):
    """After final results a matched project withdraws; the recomputed run is published as revised
    final results, compared against the final results it replaces (not the provisional ones)."""
    publication.publish_results(db, admin, latest(db, call), "provisional", working_days=5, now=MONDAY)
    after = datetime(2026, 6, 8, tzinfo=CST)
    skipped = compute_call(db, admin, call)
    final = publication.publish_results(db, admin, compute_call(db, admin, call), "final", working_days=5, now=after)
    with pytest.raises(publication.PublicationError, match="只能发布第 3 次计算之后重新计算的结果"):
        publication.publish_results(db, admin, skipped, "final", working_days=5, now=after)
    a = db.scalar(select(Submission).where(Submission.ref == "A"))
    revised = withdraw_after_results(db, admin, a, "机构无法执行")
    with pytest.raises(publication.PublicationError, match="已由 .* 发布"):
        publication.publish_results(db, admin, final, "final", working_days=5, now=after)
    publication.publish_results(db, admin, revised, "final", working_days=5, now=after + timedelta(days=3))
    assert (revised.published, call.status) == ("final", "final")
    assert publication.published_run(db, call) == revised

    changes = publication.changes_against_previous(db, call, revised)
    assert changes.previous == final
    by_ref = {c.ref: c for c in changes.changes}
    assert by_ref["A"].after is None and by_ref["A"].before.matching_fen == 50_000_00
    assert changes.changes[-1].ref == "A"  # rows no longer in the results come last
    assert (by_ref["C"].before.matching_fen, by_ref["C"].after.matching_fen) == (20_000_00, 40_000_00)
    # The database's answer is compare_runs' answer, restricted to the rows that changed.
    expected = [(c.ref, c.changed) for c in compare_runs(db, final, revised) if c.changed]
    assert [(c.ref, c.changed) for c in changes.changes] == expected
    assert changes.titles[by_ref["A"].submission_id] == "长者助餐"
