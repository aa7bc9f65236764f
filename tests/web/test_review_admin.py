"""The administrator's review pages: reviewer profiles, one-click assignment, manual changes with their
checks, reopening, the board, calibration, exports, reminders and the outbox; permissions per role."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from gongyi.auth.models import User
from gongyi.mail.models import OutboxMessage
from gongyi.review import service
from gongyi.review.models import Conflict, Review, ReviewerProfile
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

RULES = {"review": {"criteria": [{"code": "need", "name": "需求真实", "max": 50},
                                 {"code": "plan", "name": "方案可行", "max": 50}],
                    "reviewers_per_submission": 2, "disagreement_threshold": "15"}}


def reread(db):
    db.rollback()
    db.expire_all()


@pytest.fixture
def admin(db):
    user = make_admin(db, email="boss@example.org")
    db.commit()
    return user


def _scored(db, admin, submission, reviewer, need: str, plan: str, comment: str = ""):
    review = service.add_reviewer(db, admin, submission, reviewer)
    service.save_review(db, reviewer, review, scores={"need": need, "plan": plan}, comments={"need": comment},
                        overall_comment="", submit=True)
    return review


# --- permissions ---------------------------------------------------------------------------------


ADMIN_PAGES = ["/admin/review", "/admin/reviewers", "/admin/reviewers/new", "/admin/mail"]


def test_only_administrators_reach_the_review_administration(client, auth, db, admin, make_user):
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin)
    submission = make_submission(db, call, org, eligibility="eligible")
    reviewer = make_reviewer(db, admin, email="r@example.org")
    review = service.add_reviewer(db, admin, submission, reviewer)
    db.commit()
    pages = ADMIN_PAGES + [f"/admin/review/{call.slug}", f"/admin/review/{call.slug}/calibration",
                           f"/admin/review/{call.slug}/scores.csv", f"/admin/review/submissions/{submission.id}",
                           f"/admin/reviews/{review.id}"]
    posts = [f"/admin/review/{call.slug}/assign", f"/admin/reviews/{review.id}/remove",
             f"/admin/review/submissions/{submission.id}/extra"]
    for page in pages:
        assert client.get(page).status_code == 302, page  # to the login page
    make_user("m@example.org")
    for email in ("m@example.org", "r@example.org"):
        auth.login(email)
        for page in pages:
            assert client.get(page).status_code == 403, (email, page)
        for page in posts:
            assert client.post(page).status_code == 403, (email, page)
        auth.logout()
    auth.login("boss@example.org")
    for page in pages:
        assert client.get(page).status_code == 200, page
    reread(db)
    assert db.scalar(select(func.count()).select_from(Review)) == 1


# --- reviewer profiles ---------------------------------------------------------------------------


def test_admin_creates_and_edits_a_reviewer_profile(client, auth, db, admin):
    _, org = make_org(db, admin, name="盐田社区基金会")
    db.commit()
    auth.login("boss@example.org")
    page = client.get("/admin/reviewers/new").get_data(as_text=True)
    assert "盐田社区基金会" in page and 'type="checkbox"' in page
    form = {"email": "expert@example.org", "name": "王专家", "password": "short", "affiliation_id": str(org.id),
            "expertise": ["01", "05"], "max_reviews": "12"}
    r = client.post("/admin/reviewers/new", data=form)
    assert 'id="password-error"' in r.get_data(as_text=True)
    r = client.post("/admin/reviewers/new", data={**form, "password": "long-enough-1", "max_reviews": "-3"})
    assert 'id="max_reviews-error"' in r.get_data(as_text=True)
    assert client.post("/admin/reviewers/new", data={**form, "password": "long-enough-1"}).status_code == 302
    reread(db)
    user = db.scalar(select(User).where(User.email == "expert@example.org"))
    profile = db.get(ReviewerProfile, user.id)
    assert "reviewer" in user.roles and (profile.affiliation_id, profile.expertise, profile.max_reviews) == (org.id, ["01", "05"], 12)
    listing = client.get("/admin/reviewers").get_data(as_text=True)
    assert "王专家" in listing and "盐田社区基金会" in listing and "01, 05" in listing
    r = client.post(f"/admin/reviewers/{user.id}", data={"name": "王老师", "affiliation_id": "", "max_reviews": "40"})
    assert r.status_code == 302
    reread(db)
    profile = db.get(ReviewerProfile, user.id)
    assert (db.get(User, user.id).name, profile.affiliation_id, profile.expertise, profile.max_reviews) == ("王老师", None, [], 40)
    auth.logout()
    assert auth.login("expert@example.org", "long-enough-1").status_code == 302


# --- the new-user path: one click, board, two reviewers, calibration ------------------------------


def test_one_click_assignment_then_board_and_calibration(client, auth, db, admin):
    call = make_call(db, admin, status="closed", rules={"review": {**RULES["review"], "reviewers_per_submission": 5}})
    orgs = [make_org(db, admin, name=f"社会组织{i}")[1] for i in range(4)]
    submissions = [make_submission(db, call, orgs[i % 4], eligibility="eligible", ref=f"P{i:02d}") for i in range(20)]
    affiliated = make_reviewer(db, admin, affiliation=orgs[0], name="关联专家")
    for i in range(5):
        make_reviewer(db, admin, name=f"专家{i}")
    db.commit()
    auth.login("boss@example.org")
    page = client.get(f"/admin/review/{call.slug}").get_data(as_text=True)
    assert "一键分配" in page and "P00" in page
    r = client.post(f"/admin/review/{call.slug}/assign", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "已新增 100 项评审分配" in page and "相差 2 份" in page
    reread(db)
    own = {s.id for s in submissions if s.organisation_id == orgs[0].id}
    pairs = db.execute(select(Review.submission_id, Review.reviewer_id)).all()
    assert len(pairs) == 100 and not [p for p in pairs if p[1] == affiliated.id and p[0] in own]
    # the board: per submission 5 assigned, per reviewer done/assigned
    assert page.count(">5<") >= 20 and "关联专家" in page

    # review starts; two reviewers score, the board and calibration follow
    call = db.merge(call)
    from gongyi.calls.service import transition_call

    transition_call(db, admin, call, "start_review")
    db.commit()
    first = db.scalars(select(Review).where(Review.submission_id == submissions[1].id).order_by(Review.id)).all()
    for review, (need, plan) in zip(first[:2], [("45", "40"), ("20", "10.5")]):
        reviewer = db.get(User, review.reviewer_id)
        service.save_review(db, reviewer, review, scores={"need": need, "plan": plan}, comments={}, overall_comment="",
                            submit=True)
    db.commit()
    page = client.get(f"/admin/review/{call.slug}/calibration").get_data(as_text=True)
    assert "54.50" in page and "分歧" in page and "增派一位评审" in page  # spread 85 - 30.5 = 54.5 > 15
    sheet = client.get(f"/admin/review/{call.slug}/calibration.csv").get_data(as_text=True).splitlines()
    assert len(sheet) == 3 and sorted(line.split(",")[1:] for line in sheet[1:]) == [
        ["P01", "30.50", "", "1"], ["P01", "85.00", "", "1"]]  # one review each: too few for a z-score
    r = client.post(f"/admin/review/submissions/{submissions[1].id}/extra",
                    data={"next": f"/admin/review/{call.slug}/calibration"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/calibration")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已增派评审专家" in page
    reread(db)
    assert db.scalar(select(func.count()).where(Review.submission_id == submissions[1].id)) == 6


# --- manual changes ------------------------------------------------------------------------------


def test_manual_add_remove_swap_with_errors_beside_the_field(client, auth, db, admin):
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin)
    submission = make_submission(db, call, org, eligibility="eligible")
    a = make_reviewer(db, admin, name="甲")
    b = make_reviewer(db, admin, name="乙")
    affiliated = make_reviewer(db, admin, name="丙", affiliation=org)
    db.commit()
    auth.login("boss@example.org")
    page = client.get(f"/admin/review/submissions/{submission.id}").get_data(as_text=True)
    assert "自动回避" in page and "丙" in page
    add_options = page.split('id="add-reviewer_id"')[1].split("</select>")[0]
    assert "甲" in add_options and "丙" not in add_options  # only reviewers who pass every check are offered
    r = client.post(f"/admin/review/submissions/{submission.id}/add", data={"add-reviewer_id": str(affiliated.id)})
    assert r.status_code == 422 and 'id="add-reviewer_id-error"' in r.get_data(as_text=True)
    assert "须回避" in r.get_data(as_text=True)
    assert client.post(f"/admin/review/submissions/{submission.id}/add", data={"add-reviewer_id": str(a.id)}).status_code == 302
    reread(db)
    review = db.scalar(select(Review))
    r = client.post(f"/admin/reviews/{review.id}/swap", data={f"swap{review.id}-reviewer_id": str(affiliated.id)})
    assert r.status_code == 422 and f'id="swap{review.id}-reviewer_id-error"' in r.get_data(as_text=True)
    assert client.post(f"/admin/reviews/{review.id}/swap", data={f"swap{review.id}-reviewer_id": str(b.id)}).status_code == 302
    reread(db)
    review = db.scalar(select(Review))
    assert review.reviewer_id == b.id
    client.post(f"/admin/reviews/{review.id}/remove")
    reread(db)
    assert db.scalar(select(func.count()).select_from(Review)) == 0

    r = client.post(f"/admin/review/submissions/{submission.id}/conflict",
                    data={"conflict-reviewer_id": str(a.id), "conflict-reason": ""})
    assert r.status_code == 422 and 'id="conflict-reason-error"' in r.get_data(as_text=True)
    client.post(f"/admin/review/submissions/{submission.id}/conflict",
                data={"conflict-reviewer_id": str(a.id), "conflict-reason": "甲曾为该项目提供咨询"})
    reread(db)
    conflict = db.scalar(select(Conflict))
    assert (conflict.reviewer_id, conflict.source) == (a.id, "admin")
    assert "甲曾为该项目提供咨询" in client.get(f"/admin/review/submissions/{submission.id}").get_data(as_text=True)
    client.post(f"/admin/conflicts/{conflict.id}/withdraw")
    reread(db)
    assert db.scalar(select(func.count()).select_from(Conflict)) == 0


def test_reopen_with_a_reason_keeps_every_version_viewable(client, auth, db, admin):
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin)
    reviewer = make_reviewer(db, admin, email="r@example.org")
    review = _scored(db, admin, make_submission(db, call, org, eligibility="eligible"), reviewer, "40", "41.25", "第一版评语")
    db.commit()
    auth.login("boss@example.org")
    r = client.post(f"/admin/reviews/{review.id}", data={"reason": ""})
    assert r.status_code == 422 and 'id="reason-error"' in r.get_data(as_text=True)
    assert client.post(f"/admin/reviews/{review.id}", data={"reason": "合计与评语明显不符"}).status_code == 302
    auth.logout()
    auth.login("r@example.org")
    page = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert "合计与评语明显不符" in page and 'value="41.25"' in page
    client.post(f"/review/{review.id}", data={"score_0": "30", "score_1": "41.25", "comment_0": "第二版评语",
                                              "comment_1": "", "overall_comment": "", "submit": "1"})
    auth.logout()
    auth.login("boss@example.org")
    page = client.get(f"/admin/reviews/{review.id}").get_data(as_text=True)
    assert "第 1 版" in page and "第 2 版" in page and "第一版评语" in page and "第二版评语" in page
    assert "81.25" in page and "71.25" in page and "合计与评语明显不符" in page


# --- deadline, reminders, outbox, exports ---------------------------------------------------------


def test_deadline_reminders_and_outbox(client, auth, db, admin):
    now = datetime.now(timezone.utc)
    call = make_call(db, admin, status="reviewing", rules=RULES, opens_at=now - timedelta(days=20),
                     closes_at=now - timedelta(days=2))
    _, org = make_org(db, admin)
    reviewer = make_reviewer(db, admin, email="slow@example.org")
    service.add_reviewer(db, admin, make_submission(db, call, org, eligibility="eligible"), reviewer)
    db.commit()
    auth.login("boss@example.org")
    early = (now - timedelta(days=3)).astimezone(timezone(timedelta(hours=8)))
    r = client.post(f"/admin/review/{call.slug}/deadline", data={"review_deadline": early.strftime("%Y-%m-%dT%H:%M"),
                                                               "reason": "x"})
    assert r.status_code == 422 and "不能早于申报截止时间" in r.get_data(as_text=True)
    soon = (now + timedelta(days=1)).astimezone(timezone(timedelta(hours=8)))
    r = client.post(f"/admin/review/{call.slug}/deadline", data={"review_deadline": soon.strftime("%Y-%m-%dT%H:%M"),
                                                               "reason": ""})
    assert r.status_code == 422 and 'id="reason-error"' in r.get_data(as_text=True)
    r = client.post(f"/admin/review/{call.slug}/deadline", data={"review_deadline": soon.strftime("%Y-%m-%dT%H:%M"),
                                                               "reason": "专家反馈需要更多时间"})
    assert r.status_code == 302
    reread(db)
    assert db.merge(call).review_deadline.astimezone(timezone.utc).replace(second=0, microsecond=0) == \
        soon.astimezone(timezone.utc).replace(second=0, microsecond=0)
    for _ in range(2):
        client.post(f"/admin/review/{call.slug}/remind")
    reread(db)
    assert db.scalars(select(OutboxMessage.to)).all() == ["slow@example.org"]
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "slow@example.org" in page and "待发送 1" in page and "MAIL_SERVER" in page


def test_exports_have_every_score_with_criterion_detail(client, auth, db, admin):
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin, name="宝安社区服务中心")
    submission = make_submission(db, call, org, eligibility="eligible", ref="BA-001", title="四点半课堂")
    _scored(db, admin, submission, make_reviewer(db, admin, email="x@example.org", name="许专家"), "45.5", "38", "扎实")
    service.add_reviewer(db, admin, submission, make_reviewer(db, admin, email="y@example.org", name="杨专家"))
    db.commit()
    auth.login("boss@example.org")
    r = client.get(f"/admin/review/{call.slug}/scores.csv")
    text = r.data.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert r.status_code == 200 and len(lines) == 3
    assert "需求真实（need，50）" in lines[0] and "合计" in lines[0]
    assert "BA-001,四点半课堂,宝安社区服务中心,许专家,x@example.org,已提交" in lines[1]
    assert ",45.50,38.00,83.50,扎实," in lines[1]
    assert "杨专家" in lines[2] and "未开始" in lines[2]
    r = client.get(f"/admin/review/{call.slug}/scores.xlsx")
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "BA-001" and float(rows[1][9]) == 83.5 and rows[2][9] is None
