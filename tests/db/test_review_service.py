"""Review services on a real database: conflicts (service and triggers), assignment, scoring, reopening,
calibration, reminders and the outbox."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import IntegrityError

from gongyi.audit.models import AuditEntry
from gongyi.db import UTCDateTime
from gongyi.mail.models import OutboxMessage
from gongyi.mail.service import send_pending
from gongyi.review import service
from gongyi.review.models import Conflict, Review, ReviewVersion, Score
from gongyi.review.scoring import ScoreError
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 20, "guide": "需求是否真实"},
                                 {"code": "plan", "name": "方案", "max": 30}],
                    "reviewers_per_submission": 2, "disagreement_threshold": "10"}}

INSERT_REVIEW = text(
    "INSERT INTO review (submission_id, reviewer_id, status, overall_comment, version, assigned_at) "
    "VALUES (:s, :r, 'assigned', '', 1, :t)"
).bindparams(bindparam("t", type_=UTCDateTime()))


@pytest.fixture
def world(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin, name="福田长者服务中心")
    _, other = make_org(db, admin, name="南山青少年服务中心")
    db.commit()
    return admin, call, org, other


def _actions(db, obj):
    return db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == obj.__tablename__,
                                                      AuditEntry.object_id == str(obj.id)).order_by(AuditEntry.id)).all()


def _loads(db, call):
    return service.call_loads(db, call)


# --- conflicts: the database refuses them whatever path writes the row -------------------------


def test_database_refuses_a_conflicted_review_row_on_insert_and_update(db, world):
    admin, call, org, other = world
    submission = make_submission(db, call, org, eligibility="eligible")
    affiliated = make_reviewer(db, admin, affiliation=org)
    declared = make_reviewer(db, admin)
    free = make_reviewer(db, admin)
    db.add(Conflict(reviewer_id=declared.id, submission_id=submission.id, source="admin", reason="亲属任职"))
    db.commit()
    now = datetime.now(timezone.utc)
    for reviewer in (affiliated, declared):
        with pytest.raises(IntegrityError, match="review_conflict"):
            db.execute(INSERT_REVIEW, {"s": submission.id, "r": reviewer.id, "t": now})
        db.rollback()
    db.execute(INSERT_REVIEW, {"s": submission.id, "r": free.id, "t": now})
    db.commit()
    with pytest.raises(IntegrityError, match="review_conflict"):
        db.execute(text("UPDATE review SET reviewer_id = :bad WHERE reviewer_id = :ok"), {"bad": declared.id, "ok": free.id})
    db.rollback()
    # other columns of a row may change even if a conflict is declared later
    db.add(Conflict(reviewer_id=free.id, submission_id=submission.id, source="admin", reason="后来发现"))
    db.commit()
    db.execute(text("UPDATE review SET overall_comment = 'x' WHERE reviewer_id = :ok"), {"ok": free.id})
    db.commit()
    assert db.scalar(select(func.count()).select_from(Review)) == 1


def test_service_refuses_conflicted_duplicate_and_over_cap_manual_assignments(db, world):
    admin, call, org, other = world
    submission = make_submission(db, call, org, eligibility="eligible")
    second = make_submission(db, call, other, eligibility="eligible")
    affiliated = make_reviewer(db, admin, affiliation=org, name="机构专家")
    capped = make_reviewer(db, admin, max_reviews=1, name="上限专家")
    db.commit()
    with pytest.raises(service.ReviewError, match="回避"):
        service.add_reviewer(db, admin, submission, affiliated)
    service.add_reviewer(db, admin, second, capped)
    with pytest.raises(service.ReviewError, match="上限"):
        service.add_reviewer(db, admin, submission, capped)
    with pytest.raises(service.ReviewError, match="已在评审"):
        service.add_reviewer(db, admin, second, capped)
    with pytest.raises(service.ReviewError, match="评审专家"):
        service.add_reviewer(db, admin, submission, admin)  # not a reviewer
    pending = make_submission(db, call, other, eligibility="pending")
    with pytest.raises(service.ReviewError, match="形式审查合格"):
        service.add_reviewer(db, admin, pending, affiliated)


def test_reviewer_declares_a_conflict_which_removes_the_assignment(db, world):
    admin, call, org, other = world
    submission = make_submission(db, call, org, eligibility="eligible")
    reviewer = make_reviewer(db, admin)
    review = service.add_reviewer(db, admin, submission, reviewer)
    db.commit()
    with pytest.raises(service.ReviewError, match="理由"):
        service.declare_conflict(db, reviewer, submission, reviewer, "  ")
    service.declare_conflict(db, reviewer, submission, reviewer, "曾在该机构兼职")
    db.commit()
    assert db.get(Review, review.id) is None
    conflict = db.scalar(select(Conflict))
    assert (conflict.source, conflict.reason) == ("reviewer", "曾在该机构兼职")
    with pytest.raises(service.ReviewError, match="回避"):
        service.add_reviewer(db, admin, submission, reviewer)
    assert service.conflict_source(db, reviewer.id, submission) == "reviewer"
    service.withdraw_conflict(db, admin, conflict)
    service.add_reviewer(db, admin, submission, reviewer)


def test_after_submitting_only_an_admin_can_declare_and_the_scores_are_kept_in_the_audit(db, world):
    admin, call, org, other = world
    submission = make_submission(db, call, org, eligibility="eligible")
    reviewer = make_reviewer(db, admin)
    review = service.add_reviewer(db, admin, submission, reviewer)
    service.save_review(db, reviewer, review, scores={"need": "18", "plan": "25.5"}, comments={"need": "好"},
                        overall_comment="", submit=True)
    db.commit()
    with pytest.raises(service.ReviewError, match="联系管理员"):
        service.declare_conflict(db, reviewer, submission, reviewer, "想退出")
    service.declare_conflict(db, admin, submission, reviewer, "专家配偶在该机构任职")
    db.commit()
    assert db.scalar(select(func.count()).select_from(Review)) == 0
    removed = db.scalar(select(AuditEntry).where(AuditEntry.action == "review.remove"))
    assert removed.detail["content"]["scores"] == {"need": 1800, "plan": 2550}
    assert removed.detail["versions"][0]["version"] == 1


def test_new_affiliation_removes_unsubmitted_assignments_and_refuses_over_submitted_ones(db, world):
    admin, call, org, other = world
    first = make_submission(db, call, org, eligibility="eligible")
    second = make_submission(db, call, other, eligibility="eligible")
    reviewer = make_reviewer(db, admin)
    service.add_reviewer(db, admin, first, reviewer)
    review = service.add_reviewer(db, admin, second, reviewer)
    service.save_review(db, reviewer, review, scores={"need": "10", "plan": "10"}, comments={}, overall_comment="",
                        submit=True)
    db.commit()
    with pytest.raises(service.ReviewError) as exc:
        service.update_reviewer(db, admin, reviewer, name=reviewer.name, affiliation_id=other.id, expertise=[],
                                max_reviews=30)
    assert exc.value.field == "affiliation_id"
    db.rollback()
    removed = service.update_reviewer(db, admin, reviewer, name=reviewer.name, affiliation_id=org.id,
                                      expertise=["01"], max_reviews=30)
    db.commit()
    assert removed == 1
    assert db.scalars(select(Review.submission_id).where(Review.reviewer_id == reviewer.id)).all() == [second.id]
    assert service.conflict_source(db, reviewer.id, first) == "affiliation"


def test_reviewer_profile_checks(db, world):
    admin, *_ = world
    with pytest.raises(service.ReviewError, match="服务类别"):
        make_reviewer(db, admin, expertise=["99"])
    db.rollback()
    with pytest.raises(service.ReviewError) as exc:
        make_reviewer(db, admin, max_reviews=-1)
    assert exc.value.field == "max_reviews"
    db.rollback()
    reviewer = make_reviewer(db, admin, email="r@example.org")
    with pytest.raises(service.ReviewError, match="已是评审专家"):
        make_reviewer(db, admin, email="r@example.org")
    assert "reviewer" in reviewer.roles


# --- assignment ----------------------------------------------------------------------------------


def test_one_click_assignment_of_twenty_submissions_to_six_reviewers(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="closed")  # default: 5 reviewers per submission
    orgs = [make_org(db, admin)[1] for _ in range(4)]
    submissions = [make_submission(db, call, orgs[i % 4], eligibility="eligible", items=[f"0{1 + i % 3}.01"])
                   for i in range(20)]
    make_submission(db, call, orgs[0], eligibility="ineligible")  # screened out: never assigned
    affiliated = make_reviewer(db, admin, affiliation=orgs[0])
    others = [make_reviewer(db, admin, expertise=[f"0{1 + i % 3}"]) for i in range(5)]
    db.commit()

    report = service.assign_reviewers(db, admin, call)
    db.commit()
    assert (report.added, report.submissions, report.shortfalls) == (100, 20, ())
    # the affiliated reviewer can take at most the 15 other submissions: a spread of 2 is forced, and said
    assert report.spread == 2 and [params for _, params in report.notes()] == [{"spread": 2}]
    pairs = set(db.execute(select(Review.submission_id, Review.reviewer_id)).all())
    for s in submissions:
        reviewers = {r for sid, r in pairs if sid == s.id}
        if s.organisation_id == orgs[0].id:
            assert affiliated.id not in reviewers and reviewers == {r.id for r in others}
        else:
            assert len(reviewers) == 5
    loads = _loads(db, call)
    assert loads[affiliated.id] == 15 and all(loads[r.id] == 17 for r in others)
    assert "review.auto_assign" in _actions(db, call)

    # a second click keeps everything and adds nothing
    again = service.assign_reviewers(db, admin, call)
    assert again.added == 0 and set(db.execute(select(Review.submission_id, Review.reviewer_id)).all()) == pairs


def test_assignment_reports_what_it_could_not_satisfy(db, world):
    admin, call, org, other = world  # 2 reviewers per submission
    for _ in range(3):
        make_submission(db, call, org, eligibility="eligible")
    make_submission(db, call, other, eligibility="eligible")
    make_reviewer(db, admin, affiliation=org)
    make_reviewer(db, admin, max_reviews=2)
    db.commit()
    report = service.assign_reviewers(db, admin, call)
    assert report.added == 3
    notes = report.notes()
    assert notes[0] == ("%(count)s 个项目只有 %(eligible)s 位无需回避的评审专家（每个项目需要 %(k)s 位）",
                        {"count": 3, "eligible": 1, "k": 2})
    assert len(notes) == 1 or "上限" in notes[1][0]


def test_assignment_only_while_the_call_is_closed_or_reviewing_and_with_reviewers(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="open")
    with pytest.raises(service.ReviewError, match="截止后"):
        service.assign_reviewers(db, admin, call)
    closed = make_call(db, admin, status="closed")
    with pytest.raises(service.ReviewError, match="还没有评审专家"):
        service.assign_reviewers(db, admin, closed)


def test_swap_and_remove_keep_the_checks_and_refuse_submitted_reviews(db, world):
    admin, call, org, other = world
    submission = make_submission(db, call, other, eligibility="eligible")
    a, b = make_reviewer(db, admin), make_reviewer(db, admin)
    affiliated = make_reviewer(db, admin, affiliation=other)
    review = service.add_reviewer(db, admin, submission, a)
    with pytest.raises(service.ReviewError, match="回避"):
        service.swap_reviewer(db, admin, review, affiliated)
    swapped = service.swap_reviewer(db, admin, review, b)
    assert swapped.reviewer_id == b.id and swapped.id != review.id
    assert db.scalars(select(Review.reviewer_id)).all() == [b.id]
    service.save_review(db, b, swapped, scores={"need": "1", "plan": "1"}, comments={}, overall_comment="", submit=True)
    with pytest.raises(service.ReviewError, match="已提交"):
        service.remove_review(db, admin, swapped)
    with pytest.raises(service.ReviewError, match="已提交"):
        service.swap_reviewer(db, admin, swapped, a)


def test_extra_reviewer_respects_conflicts_and_caps(db, world):
    admin, call, org, other = world
    submission = make_submission(db, call, other, eligibility="eligible")
    on_it = make_reviewer(db, admin)
    make_reviewer(db, admin, affiliation=other)
    make_reviewer(db, admin, max_reviews=0)
    free = make_reviewer(db, admin)
    service.add_reviewer(db, admin, submission, on_it)
    extra = service.add_extra_reviewer(db, admin, submission)
    assert extra.reviewer_id == free.id
    with pytest.raises(service.ReviewError, match="没有可增派"):
        service.add_extra_reviewer(db, admin, submission)


# --- scoring -------------------------------------------------------------------------------------


@pytest.mark.parametrize("scores, field, message", [
    ({"need": "20.5", "plan": "1"}, "need", "满分"),
    ({"need": "1", "plan": "-1"}, "plan", "负数"),
    ({"need": "1.234", "plan": "1"}, "need", "两位小数"),
    ({"need": "很好", "plan": "1"}, "need", "数字"),
])
def test_invalid_scores_are_refused_and_nothing_stored_changes(db, world, scores, field, message):
    admin, call, org, other = world
    reviewer = make_reviewer(db, admin)
    review = service.add_reviewer(db, admin, make_submission(db, call, other, eligibility="eligible"), reviewer)
    service.save_review(db, reviewer, review, scores={"need": "12.5", "plan": ""}, comments={"need": "初评"},
                        overall_comment="草稿", submit=False)
    db.commit()
    with pytest.raises(ScoreError, match=message) as exc:
        service.save_review(db, reviewer, review, scores=scores, comments={}, overall_comment="改了", submit=False)
    assert exc.value.field == field
    db.rollback()
    stored = db.get(Review, review.id)
    assert [(s.criterion, s.points_centi, s.comment) for s in stored.scores] == [("need", 1250, "初评")]
    assert (stored.status, stored.overall_comment) == ("draft", "草稿")


def test_draft_then_submit_locks_and_keeps_a_version_then_reopen_and_resubmit(db, world):
    admin, call, org, other = world
    reviewer = make_reviewer(db, admin)
    review = service.add_reviewer(db, admin, make_submission(db, call, other, eligibility="eligible"), reviewer)
    with pytest.raises(service.ReviewError, match="评语的评分项"):
        service.save_review(db, reviewer, review, scores={}, comments={"plan": "方案清楚"}, overall_comment="",
                            submit=False)
    service.save_review(db, reviewer, review, scores={"need": "１８", "plan": ""}, comments={}, overall_comment="",
                        submit=False)
    assert review.status == "draft" and service.review_total(review) is None
    with pytest.raises(service.ReviewError, match="每一项") as exc:
        service.save_review(db, reviewer, review, scores={"need": "18"}, comments={}, overall_comment="", submit=True)
    assert exc.value.field == "plan"
    service.save_review(db, reviewer, review, scores={"need": "18", "plan": "27.25"}, comments={"plan": "清楚"},
                        overall_comment="推荐", submit=True)
    db.commit()
    assert (review.status, service.review_total(review)) == ("submitted", 4525)
    with pytest.raises(service.ReviewError, match="已提交"):
        service.save_review(db, reviewer, review, scores={"need": "1", "plan": "1"}, comments={}, overall_comment="",
                            submit=False)
    other_reviewer = make_reviewer(db, admin)
    with pytest.raises(service.ReviewError, match="自己的评审"):
        service.save_review(db, other_reviewer, review, scores={}, comments={}, overall_comment="", submit=False)

    with pytest.raises(service.ReviewError, match="理由"):
        service.reopen_review(db, admin, review, " ")
    service.reopen_review(db, admin, review, "第二项评分与评语不符")
    assert (review.status, review.version) == ("draft", 2)
    assert service.reopen_reason(db, review) == "第二项评分与评语不符"
    service.save_review(db, reviewer, review, scores={"need": "18", "plan": "20"}, comments={}, overall_comment="",
                        submit=True)
    db.commit()
    versions = db.scalars(select(ReviewVersion).where(ReviewVersion.review_id == review.id)
                          .order_by(ReviewVersion.version)).all()
    assert [(v.version, v.snapshot["scores"]) for v in versions] == [
        (1, {"need": 1800, "plan": 2725}), (2, {"need": 1800, "plan": 2000})]
    assert versions[0].snapshot["comments"] == {"plan": "清楚"} and versions[0].snapshot["criteria"][0]["max"] == 20
    assert _actions(db, review) == ["review.assign", "review.save_draft", "review.submit", "review.reopen",
                                    "review.submit"]


def test_an_imported_submitted_review_keeps_its_first_version_when_reopened(db, world):
    admin, call, org, other = world
    reviewer = make_reviewer(db, admin)
    review = Review(submission_id=make_submission(db, call, other, eligibility="eligible").id,
                    reviewer_id=reviewer.id, status="submitted", submitted_at=datetime.now(timezone.utc))
    review.scores = [Score(criterion="need", points_centi=1500), Score(criterion="plan", points_centi=2000)]
    db.add(review)
    db.commit()
    service.reopen_review(db, admin, review, "导入数据有误")
    db.commit()
    assert [(v.version, v.snapshot["scores"]["need"]) for v in review.versions] == [(1, 1500)]


def test_scoring_only_while_the_call_is_under_review(db):
    admin = make_admin(db)
    call = make_call(db, admin, status="closed")
    _, org = make_org(db, admin)
    reviewer = make_reviewer(db, admin)
    review = service.add_reviewer(db, admin, make_submission(db, call, org, eligibility="eligible"), reviewer)
    with pytest.raises(service.ReviewError, match="评审阶段"):
        service.save_review(db, reviewer, review, scores={}, comments={}, overall_comment="", submit=False)


# --- progress and calibration --------------------------------------------------------------------


def _submitted(db, admin, submission, reviewer, need, plan):
    review = service.add_reviewer(db, admin, submission, reviewer)
    service.save_review(db, reviewer, review, scores={"need": need, "plan": plan}, comments={}, overall_comment="",
                        submit=True)
    return review


def test_calibration_is_exact_with_z_scores_only_from_five_reviews_and_flags_disagreement(db, world):
    admin, call, org, other = world
    steady = make_reviewer(db, admin, name="稳定")
    harsh = make_reviewer(db, admin, name="严格")
    subs = [make_submission(db, call, other, eligibility="eligible") for _ in range(5)]
    steady_totals = ["30", "35", "40", "45", "50"]
    reviews = [_submitted(db, admin, s, steady, "20", str(int(t) - 20)) for s, t in zip(subs, steady_totals)]
    _submitted(db, admin, subs[0], harsh, "5", "5.5")   # 10.5 vs 30: spread 19.5 > 10
    _submitted(db, admin, subs[1], harsh, "15", "15")  # 30 vs 35: spread 5
    draft = service.add_reviewer(db, admin, subs[2], harsh)
    service.save_review(db, harsh, draft, scores={"need": "1"}, comments={}, overall_comment="", submit=False)
    db.commit()

    result, scored = service.calibration(db, call)
    assert len(scored) == 7
    s = result.reviewers[steady.id]
    assert (s.n, s.mean) == (5, Fraction(40))
    assert s.sd == Decimal(50).sqrt()  # population variance of 30..50 step 5 is 50
    h = result.reviewers[harsh.id]
    assert (h.n, h.mean) == (2, Fraction(81, 4))
    assert result.panel.n == 7 and result.panel.mean == Fraction(2405, 70)
    assert set(result.z_scores) == {r.id for r in reviews}  # the harsh reviewer has only 2
    assert result.z_scores[reviews[0].id] < 0 < result.z_scores[reviews[4].id]
    assert result.spreads[subs[0].id] == Fraction("19.5") and result.disagreements == {subs[0].id}


def test_progress_counts_and_overdue(db, world):
    admin, call, org, other = world
    a, b = make_reviewer(db, admin), make_reviewer(db, admin)
    s1 = make_submission(db, call, other, eligibility="eligible")
    make_submission(db, call, other, eligibility="eligible")
    _submitted(db, admin, s1, a, "1", "1")
    service.add_reviewer(db, admin, s1, b)
    call.review_deadline = datetime.now(timezone.utc) - timedelta(hours=1)
    db.commit()
    rows = {p.submission.id: (p.assigned, p.submitted, p.overdue) for p in service.submission_progress(db, call)}
    assert rows[s1.id] == (2, 1, True) and sorted(rows.values())[0] == (0, 0, False)
    people = {p.reviewer.id: (p.assigned, p.submitted, p.overdue) for p in service.reviewer_progress(db, call).rows}
    assert people[a.id] == (1, 1, False) and people[b.id] == (1, 0, True)


# --- reminders and the outbox ----------------------------------------------------------------


def test_reminders_go_once_before_the_deadline_and_once_when_overdue(app, db, world):
    admin, call, org, other = world
    reviewer = make_reviewer(db, admin, email="late@example.org")
    done = make_reviewer(db, admin)
    s = make_submission(db, call, other, eligibility="eligible")
    service.add_reviewer(db, admin, s, reviewer)
    _submitted(db, admin, s, done, "1", "1")
    deadline = datetime.now(timezone.utc) + timedelta(days=2)
    call.review_deadline = deadline
    db.commit()
    with app.app_context():
        assert service.queue_reminders(db, None, now=deadline - timedelta(days=5)) == 0
        assert service.queue_reminders(db, None, now=deadline - timedelta(days=1)) == 1
        assert service.queue_reminders(db, None, now=deadline - timedelta(hours=1)) == 0  # deduplicated
        assert service.queue_reminders(db, None, now=deadline + timedelta(hours=1)) == 1
        assert service.queue_reminders(db, None, now=deadline + timedelta(days=1)) == 0
        db.commit()
    messages = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.to, m.kind) for m in messages] == [("late@example.org", "review_due"), ("late@example.org", "review_overdue")]
    assert "1 份评审未提交" in messages[0].body and call.title in messages[0].subject


def test_send_logs_without_a_server_and_uses_smtp_when_configured(db, monkeypatch):
    from gongyi.mail import service as mail

    mail.queue_message(db, None, to="a@example.org", subject="提醒", body="正文", kind="test", dedupe_key="k1")
    assert mail.queue_message(db, None, to="a@example.org", subject="提醒", body="正文", kind="test", dedupe_key="k1") is None
    report = send_pending(db, {"MAIL_SERVER": None})
    assert (report.sent, report.via) == (1, "log")
    assert db.scalar(select(OutboxMessage.via)) == "log"

    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            if message["To"] == "bad@example.org":
                raise mail.smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
            sent.append(("send", message["To"], message["Subject"], message.get_content().strip()))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    mail.queue_message(db, None, to="b@example.org", subject="第二封", body="内容", kind="test")
    mail.queue_message(db, None, to="bad@example.org", subject="第三封", body="内容", kind="test")
    report = send_pending(db, {"MAIL_SERVER": "smtp.example.org", "MAIL_PORT": 2525, "MAIL_FROM": "x@example.org"})
    assert (report.sent, report.failed) == (1, 1)
    assert sent == [("connect", "smtp.example.org", 2525), ("send", "b@example.org", "第二封", "内容")]
    failed = db.scalar(select(OutboxMessage).where(OutboxMessage.to == "bad@example.org"))
    assert failed.sent_at is None and "no such user" in failed.error


def test_cli_remind_then_send(runner, db, world):
    admin, call, org, other = world
    reviewer = make_reviewer(db, admin)
    service.add_reviewer(db, admin, make_submission(db, call, other, eligibility="eligible"), reviewer)
    call.review_deadline = datetime.now(timezone.utc) - timedelta(minutes=5)
    db.commit()
    result = runner.invoke(args=["review", "remind"])
    assert result.exit_code == 0 and "1 reminders queued" in result.output
    assert "0 reminders queued" in runner.invoke(args=["review", "remind"]).output
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "1 logged" in result.output
    db.rollback()
    assert db.scalar(select(OutboxMessage.sent_at)) is not None
