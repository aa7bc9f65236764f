"""The reviewer's side in the browser's place: queue, scoring form, invalid scores, drafts, locking,
no peeking at other reviewers, blind mode, declaring a conflict."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from gongyi.review import service
from gongyi.review.models import Conflict, Review
from gongyi.submissions.models import Attachment
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

RULES = {"review": {"criteria": [{"code": "need", "name": "需求真实", "max": 20, "guide": "社区需求是否有调研依据"},
                                 {"code": "plan", "name": "方案可行", "max": 30}]}}


def _world(db, *, blind: bool = False):
    admin = make_admin(db)
    rules = {"review": {**RULES["review"], "blind": blind}}
    call = make_call(db, admin, status="reviewing", rules=rules,
                     review_deadline=datetime.now(timezone.utc) + timedelta(days=10))
    _, org = make_org(db, admin, name="罗湖阳光社工服务中心")
    submission = make_submission(db, call, org, eligibility="eligible", title="长者助餐计划", team="阳光社工团队五人")
    submission.attachments.append(Attachment(filename="机构年报.pdf", content_type="application/pdf", size=4,
                                             data=b"%PDF"))
    a = make_reviewer(db, admin, email="a@example.org", name="评审甲")
    b = make_reviewer(db, admin, email="b@example.org", name="评审乙")
    review_a = service.add_reviewer(db, admin, submission, a)
    review_b = service.add_reviewer(db, admin, submission, b)
    db.commit()
    return admin, call, org, submission, review_a, review_b


def reread(db):
    """Forget what this session holds, to see what the requests wrote."""
    db.rollback()
    db.expire_all()


def _post(client, review, **fields):
    data = {"score_0": "", "score_1": "", "comment_0": "", "comment_1": "", "overall_comment": ""}
    data.update(fields)
    return client.post(f"/review/{review.id}", data=data)


def test_queue_shows_assigned_submissions_with_status_and_deadline(client, auth, db):
    admin, call, org, submission, review_a, _ = _world(db)
    auth.login("a@example.org")
    page = client.get("/review/").get_data(as_text=True)
    assert "长者助餐计划" in page and "未开始" in page and "评审截止" in page and "已提交 0 / 1" in page
    assert f"/review/{review_a.id}" in page


@pytest.mark.parametrize("typed, message", [
    ("20.5", "不能超过满分 20"),
    ("18.255", "最多保留两位小数"),
    ("很好", "请输入数字"),
    ("-2", "不能为负数"),
])
def test_invalid_score_is_refused_beside_the_field_and_nothing_stored_is_lost(client, auth, db, typed, message):
    *_, review_a, _ = _world(db)
    auth.login("a@example.org")
    assert _post(client, review_a, score_0="15.5", comment_0="有入户调研", score_1="").status_code == 302
    r = _post(client, review_a, score_0=typed, score_1="22", comment_0="改过的评语")
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="score_0-error"' in page and message in page and 'aria-invalid="true"' in page
    assert f'value="{typed}"' in page and "改过的评语" in page  # what was typed is shown again
    reread(db)
    stored = db.get(Review, review_a.id)
    assert [(s.criterion, s.points_centi, s.comment) for s in stored.scores] == [("need", 1550, "有入户调研")]


def test_draft_then_submit_locks_the_review(client, auth, db):
    *_, review_a, _ = _world(db)
    auth.login("a@example.org")
    page = client.get(f"/review/{review_a.id}").get_data(as_text=True)
    assert "社区需求是否有调研依据" in page and "满分 20" in page and "满分 30" in page
    assert 'data-score-max="20"' in page and "js/review.js" in page and 'id="score-total"' in page
    r = _post(client, review_a, score_0="18", submit="1")
    assert r.status_code == 422 and 'id="score_1-error"' in r.get_data(as_text=True)
    assert _post(client, review_a, score_0="18", score_1="25.5", overall_comment="值得资助", save="1").status_code == 302
    reread(db)
    assert db.get(Review, review_a.id).status == "draft"
    page = client.get(f"/review/{review_a.id}").get_data(as_text=True)
    assert 'value="18.00"' in page and "43.50" in page  # the draft comes back, with its total
    assert _post(client, review_a, score_0="18", score_1="25.5", overall_comment="值得资助", submit="1").status_code == 302
    reread(db)
    review = db.get(Review, review_a.id)
    assert review.status == "submitted" and review.versions[0].snapshot["overall_comment"] == "值得资助"
    r = _post(client, review_a, score_0="1", score_1="1", save="1")
    assert r.status_code == 302
    reread(db)
    assert sorted(s.points_centi for s in db.get(Review, review_a.id).scores) == [1800, 2550]
    page = client.get(f"/review/{review_a.id}", follow_redirects=True).get_data(as_text=True)
    assert "已锁定" in page and 'name="score_0"' not in page


def test_a_reviewer_never_sees_another_reviewers_scores_or_comments(client, auth, db):
    admin, call, org, submission, review_a, review_b = _world(db)
    auth.login("a@example.org")
    _post(client, review_a, score_0="19.75", score_1="28", comment_0="甲的独立评语", overall_comment="甲的总体评价",
          submit="1")
    auth.logout()
    auth.login("b@example.org")
    for _ in ("before", "after"):
        page = client.get(f"/review/{review_b.id}").get_data(as_text=True)
        assert "甲的独立评语" not in page and "甲的总体评价" not in page and "19.75" not in page
        assert client.get(f"/review/{review_a.id}").status_code == 403
        assert client.get(f"/admin/reviews/{review_a.id}").status_code == 403
        assert client.post(f"/review/{review_a.id}", data={"score_0": "1"}).status_code == 403
        _post(client, review_b, score_0="10", score_1="10", submit="1")
    reread(db)
    assert db.get(Review, review_b.id).status == "submitted"


def test_blind_mode_hides_the_organisation_and_its_attachments(client, auth, db):
    *_, org, submission, review_a, _ = _world(db, blind=True)
    auth.login("a@example.org")
    page = client.get(f"/review/{review_a.id}").get_data(as_text=True)
    assert "长者助餐计划" in page and "盲评" in page
    assert org.name not in page and org.credit_code not in page and "机构年报.pdf" not in page
    attachment = submission.attachments[0]
    assert client.get(f"/review/{review_a.id}/attachments/{attachment.id}").status_code == 404


def test_without_blind_mode_the_reviewer_sees_the_organisation_and_attachments(client, auth, db):
    *_, org, submission, review_a, review_b = _world(db, blind=False)
    auth.login("a@example.org")
    page = client.get(f"/review/{review_a.id}").get_data(as_text=True)
    assert org.name in page and org.credit_code in page and "机构年报.pdf" in page
    attachment = submission.attachments[0]
    r = client.get(f"/review/{review_a.id}/attachments/{attachment.id}")
    assert r.status_code == 200 and r.data == b"%PDF" and "attachment" in r.headers["Content-Disposition"]
    assert client.get(f"/review/{review_b.id}/attachments/{attachment.id}").status_code == 403


def test_reviewer_declares_a_conflict_with_a_reason(client, auth, db):
    *_, submission, review_a, _ = _world(db)
    review_id = review_a.id
    auth.login("a@example.org")
    r = client.post(f"/review/{review_id}/conflict", data={"reason": ""})
    assert r.status_code == 422 and 'id="reason-error"' in r.get_data(as_text=True)
    r = client.post(f"/review/{review_id}/conflict", data={"reason": "我是该机构理事"}, follow_redirects=True)
    assert "已声明回避" in r.get_data(as_text=True) and "长者助餐计划" not in r.get_data(as_text=True).split("</h1>")[1]
    reread(db)
    assert db.scalar(select(Review.id).where(Review.id == review_id)) is None
    assert db.scalar(select(Conflict.reason)) == "我是该机构理事"


def test_members_and_anonymous_visitors_cannot_review(client, auth, db, make_user):
    *_, review_a, _ = _world(db)
    assert client.get("/review/").status_code == 302  # to the login page
    make_user("m@example.org")
    auth.login("m@example.org")
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/{review_a.id}").status_code == 403
