"""Screening services on a real database: decisions with reasons, bulk plans, the list query."""
import pytest
from sqlalchemy import select

from gongyi.pagination import paginate
from gongyi.audit.models import AuditEntry
from gongyi.submissions import screening, screening_lists
from gongyi.submissions.funds import funding_totals
from gongyi.submissions.screening import ScreeningError, StalePreviewError
from gongyi.submissions.screening_lists import SubmissionFilters
from tests.factories import make_admin, make_call, make_org, make_submission


@pytest.fixture
def world(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="closed")
    _, org = make_org(db, admin, name="福田长者服务中心")
    db.commit()
    return admin, call, org


def _actions(db, obj):
    stmt = select(AuditEntry.action).where(AuditEntry.object_type == obj.__tablename__,
                                           AuditEntry.object_id == str(obj.id))
    return db.scalars(stmt.order_by(AuditEntry.id)).all()


def test_ineligible_needs_a_reason_the_organisation_sees(db, world):
    admin, call, org = world
    s = make_submission(db, call, org)
    with pytest.raises(ScreeningError) as exc:
        screening.set_eligibility(db, admin, s, False, "  ")
    assert exc.value.field == "reason" and s.eligibility == "pending"
    screening.set_eligibility(db, admin, s, False, " 缺少机构年检材料 ")
    assert (s.eligibility, s.eligibility_reason) == ("ineligible", "缺少机构年检材料")
    with pytest.raises(ScreeningError, match="没有变化"):
        screening.set_eligibility(db, admin, s, False, "缺少机构年检材料")
    screening.set_eligibility(db, admin, s, True)
    assert (s.eligibility, s.eligibility_reason) == ("eligible", None)
    assert _actions(db, s) == ["submission.mark_ineligible", "submission.mark_eligible"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "submission.mark_ineligible"))
    assert entry.actor_id == admin.id and entry.detail == {"previous": "pending", "reason": "缺少机构年检材料"}


def test_only_submitted_projects_of_calls_before_final_results_can_be_screened(db, world):
    admin, call, org = world
    for status in ("draft", "withdrawn"):
        with pytest.raises(ScreeningError, match="只有已提交"):
            screening.set_eligibility(db, admin, make_submission(db, call, org, status=status), True)
    s = make_submission(db, call, org, funds=[("enterprise", "甲公司", 100, "pending")])
    call.status = "publicity"  # corrections after an upheld objection are still possible
    screening.verify_funding_line(db, admin, s.funding_lines[0])
    assert s.funding_lines[0].status == "verified"
    s = make_submission(db, call, org, funds=[("enterprise", "甲公司", 100, "pending")])
    call.status = "final"
    with pytest.raises(ScreeningError, match="结果已确定"):
        screening.set_eligibility(db, admin, s, True)
    with pytest.raises(ScreeningError, match="结果已确定"):
        screening.verify_funding_line(db, admin, s.funding_lines[0])
    assert s.eligibility == "pending" and s.funding_lines[0].status == "pending"


def test_funding_lines_are_verified_or_rejected_with_a_reason(db, world):
    admin, call, org = world
    s = make_submission(db, call, org, funds=[("enterprise", "甲公司", 500_000, "pending"),
                                              ("individual", "张先生", 20_000, "pending")])
    first, second = s.funding_lines
    screening.verify_funding_line(db, admin, first)
    with pytest.raises(ScreeningError, match="已(由 .* 于 .* )?核实"):
        screening.verify_funding_line(db, admin, first)
    with pytest.raises(ScreeningError) as exc:
        screening.reject_funding_line(db, admin, second, "")
    assert exc.value.field == "reason" and second.status == "pending"
    screening.reject_funding_line(db, admin, second, "转账凭证与捐赠方不符")
    assert (second.status, second.status_reason) == ("rejected", "转账凭证与捐赠方不符")
    totals = funding_totals(s.funding_lines)
    assert (totals.declared_fen, totals.verified_fen, totals.pending_fen) == (520_000, 500_000, 0)
    screening.verify_funding_line(db, admin, second)  # a rejected line can be verified after all
    assert (second.status, second.status_reason) == ("verified", None)
    assert _actions(db, second) == ["funding_line.reject", "funding_line.verify"]


def _refs(db, filters):
    return [row.ref for row in db.execute(screening_lists.filtered_submissions(db, filters))]


def test_filters_sorting_and_fund_totals(db, world):
    admin, call, org = world
    other_call = make_call(db, admin)
    _, other_org = make_org(db, admin, name="南山青少年100%成长中心")
    make_submission(db, call, org, ref="A1", items=["01.01", "01.02"], district="440304", requested_fen=300,
                    funds=[("enterprise", "甲", 100, "verified"), ("individual", "乙", 50, "pending"),
                           ("other", "丙", 7, "rejected")])
    make_submission(db, call, other_org, ref="A2", items=["02.01"], district="440305", requested_fen=100,
                    eligibility="eligible", funds=[("enterprise", "丁", 900, "verified")])
    make_submission(db, call, org, ref="A3", status="withdrawn", items=["02.01"])
    make_submission(db, call, org, ref="A4", status="draft")
    make_submission(db, other_call, org, ref="B1")
    db.flush()
    everything = SubmissionFilters()
    assert _refs(db, everything) == ["A1", "A2", "A3", "B1"]  # drafts only when asked
    assert _refs(db, SubmissionFilters(status="all")) == ["A1", "A2", "A3", "A4", "B1"]
    assert _refs(db, SubmissionFilters(status="draft")) == ["A4"]
    assert _refs(db, SubmissionFilters(call_id=call.id, status="submitted")) == ["A1", "A2"]
    assert _refs(db, SubmissionFilters(eligibility="eligible")) == ["A2"]
    assert _refs(db, SubmissionFilters(category="02")) == ["A2", "A3"]
    assert _refs(db, SubmissionFilters(category="01")) == ["A1", "B1"]  # one row per submission, not per item
    assert _refs(db, SubmissionFilters(district="440305")) == ["A2"]
    assert _refs(db, SubmissionFilters(organisation="100%")) == ["A2"]  # % is a character, not a wildcard
    assert _refs(db, SubmissionFilters(organisation="长者")) == ["A1", "A3", "B1"]
    assert _refs(db, SubmissionFilters(organisation=org.credit_code.lower())) == ["A1", "A3", "B1"]
    assert _refs(db, SubmissionFilters(sort="-verified")) == ["A2", "A1", "A3", "B1"]
    assert _refs(db, SubmissionFilters(sort="requested")) == ["A2", "A1", "A3", "B1"]  # ties by ref
    rows = {r.ref: r for r in db.execute(screening_lists.filtered_submissions(db, everything))}
    assert (rows["A1"].declared_fen, rows["A1"].verified_fen, rows["A1"].pending_fen) == (157, 100, 50)
    assert (rows["A3"].declared_fen, rows["A3"].verified_fen, rows["A3"].pending_fen) == (0, 0, 0)
    assert rows["A2"].organisation_name == "南山青少年100%成长中心"
    with pytest.raises(ValueError):
        screening_lists.filtered_submissions(db, SubmissionFilters(sort="password"))
    counts = screening_lists.status_counts(db, SubmissionFilters(call_id=call.id))
    assert counts == {"submitted": 2, "withdrawn": 1, "draft": 1}
    assert screening_lists.status_counts(db, SubmissionFilters(category="02")) == {"submitted": 1, "withdrawn": 1}
    items = screening_lists.items_by_submission(db, screening_lists.filtered_submissions(db, SubmissionFilters(call_id=call.id)))
    assert sorted(items.values()) == [["01.01", "01.02"], ["02.01"], ["02.01"]]


def test_pages_are_clamped_and_counted(db, world):
    admin, call, org = world
    for i in range(5):
        make_submission(db, call, org, ref=f"P{i}")
    stmt = screening_lists.filtered_submissions(db, SubmissionFilters())
    page = paginate(db, stmt, 2, per_page=2)
    assert (page.total, page.pages, [r.ref for r in page.rows]) == (5, 3, ["P2", "P3"])
    assert paginate(db, stmt, 99, per_page=2).number == 3
    assert paginate(db, stmt, -1, per_page=2).number == 1


def test_bulk_eligibility_preview_then_apply_all(db, world):
    admin, call, org = world
    a = make_submission(db, call, org, ref="A")
    b = make_submission(db, call, org, ref="B", eligibility="ineligible", eligibility_reason="超出服务范围")
    c = make_submission(db, call, org, ref="C", status="withdrawn")
    with pytest.raises(ScreeningError) as exc:
        screening.plan_eligibility(db, [a.id], False, "")
    assert exc.value.field == "reason"
    with pytest.raises(ScreeningError) as exc:
        screening.plan_eligibility(db, [], True, "")
    assert exc.value.field == "ids"
    plan = screening.plan_eligibility(db, [c.id, b.id, a.id], False, "超出服务范围")
    assert [(r.obj.ref, r.current, r.new) for r in plan.changes] == [("A", "pending", "ineligible")]
    assert [(r.obj.ref, r.note) for r in plan.skipped] == [("B", "结论没有变化"), ("C", "只有已提交的项目可以审查")]
    plan = screening.plan_eligibility(db, [a.id, b.id], True, "")
    assert screening.bulk_set_eligibility(db, admin, plan.expected(), True, "") == 2
    assert (a.eligibility, b.eligibility, b.eligibility_reason) == ("eligible", "eligible", None)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.object_type == "submission",
                                               AuditEntry.object_id == str(b.id)))
    assert entry.detail == {"previous": "ineligible", "bulk": 2}


def test_bulk_eligibility_refuses_a_stale_preview_and_changes_nothing(db, world):
    admin, call, org = world
    a = make_submission(db, call, org, ref="A")
    b = make_submission(db, call, org, ref="B")
    plan = screening.plan_eligibility(db, [a.id, b.id], False, "材料不全")
    screening.set_eligibility(db, admin, b, True, "另一位管理员已审")  # someone else, meanwhile
    db.commit()
    audit_before = db.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    with pytest.raises(StalePreviewError) as exc:
        screening.bulk_set_eligibility(db, admin, plan.expected(), False, "材料不全")
    assert exc.value.labels == ["B"] and "B" in str(exc.value)
    assert (a.eligibility, b.eligibility) == ("pending", "eligible")
    assert db.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) == audit_before
    # a forged or deleted row is refused too
    with pytest.raises(StalePreviewError):
        screening.bulk_set_eligibility(db, admin, {a.id: "0" * 16}, False, "材料不全")
    with pytest.raises(StalePreviewError) as exc:
        screening.bulk_set_eligibility(db, admin, {**plan.expected(), 999999: "x"}, False, "材料不全")
    assert "#999999" in exc.value.labels


def test_bulk_funding_review_checks_amounts_seen_in_the_preview(db, world):
    admin, call, org = world
    s = make_submission(db, call, org, ref="F", funds=[("enterprise", "甲公司", 1000, "pending"),
                                                      ("foundation", "乙基金会", 2000, "pending"),
                                                      ("government", "街道办", 3000, "verified")])
    one, two, three = s.funding_lines
    plan = screening.plan_funding_review(db, [one.id, two.id, three.id], True, "")
    assert [r.obj.donor for r in plan.changes] == ["甲公司", "乙基金会"]
    assert [(r.obj.donor, r.note) for r in plan.skipped] == [("街道办", "状态没有变化")]
    two.amount_fen = 200_000  # the organisation corrected the amount after the preview
    db.flush()
    with pytest.raises(StalePreviewError) as exc:
        screening.bulk_review_funding(db, admin, plan.expected(), True, "")
    assert exc.value.labels == ["F·乙基金会"] and one.status == "pending"
    with pytest.raises(ScreeningError) as exc:
        screening.plan_funding_review(db, [one.id], False, " ")
    assert exc.value.field == "reason"
    plan = screening.plan_funding_review(db, [one.id, two.id], False, "未到账")
    assert screening.bulk_review_funding(db, admin, plan.expected(), False, "未到账") == 2
    assert [(l.status, l.status_reason) for l in (one, two)] == [("rejected", "未到账")] * 2
