"""Review and mail pages: the outbox and the reviewer list in pages, review pages only for calls
that have left draft, the reviewer's note on when scoring opens, and a `next` that leaves the site."""
from __future__ import annotations

import pytest

from gongyi.mail.service import queue_message
from gongyi.review import service
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission

RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 50}, {"code": "plan", "name": "方案", "max": 50}],
                    "reviewers_per_submission": 2}}


@pytest.fixture
def admin(db):
    user = make_admin(db, email="boss@example.org")
    db.commit()
    return user


def test_the_outbox_is_paged_with_its_counts_over_every_message(client, auth, db, admin):
    for i in range(55):
        queue_message(db, None, to=f"r{i:02d}@example.org", subject=f"提醒 {i:02d}", body="正文", kind="review_due")
    db.commit()
    auth.login("boss@example.org")
    first = client.get("/admin/mail").get_data(as_text=True)
    assert "待发送 55" in first and "r54@example.org" in first and "r04@example.org" not in first
    assert 'rel="next"' in first and "第 1 / 2 页" in first
    second = client.get("/admin/mail?page=2").get_data(as_text=True)
    assert "r04@example.org" in second and "r54@example.org" not in second and 'rel="prev"' in second
    assert "r00@example.org" in client.get("/admin/mail?page=99").get_data(as_text=True)  # the last page


def test_the_reviewer_list_is_paged(client, auth, db, admin):
    _, org = make_org(db, admin, name="龙岗社工服务社")
    for i in range(51):
        make_reviewer(db, admin, name=f"专家{i:02d}", affiliation=org if i == 50 else None)
    db.commit()
    auth.login("boss@example.org")
    first = client.get("/admin/reviewers").get_data(as_text=True)
    assert "专家00" in first and "专家50" not in first and 'rel="next"' in first
    second = client.get("/admin/reviewers?page=2").get_data(as_text=True)
    assert "专家50" in second and "龙岗社工服务社" in second and "专家00" not in second


def test_a_draft_call_has_no_review_pages(client, auth, db, admin):
    draft = make_call(db, admin, status="draft", rules=RULES)
    db.commit()
    auth.login("boss@example.org")
    for page in ("", "/calibration", "/scores.csv"):
        assert client.get(f"/admin/review/{draft.slug}{page}").status_code == 404
    assert client.post(f"/admin/review/{draft.slug}/assign").status_code == 404
    assert draft.title not in client.get("/admin/review").get_data(as_text=True).split("</h1>")[1]


def test_the_reviewer_is_told_when_scoring_opens_and_when_it_has_ended(client, auth, db, admin):
    closed = make_call(db, admin, status="closed", rules=RULES, slug="closed-call")
    ended = make_call(db, admin, status="reviewing", rules=RULES, slug="ended-call")
    _, org = make_org(db, admin)
    reviewer = make_reviewer(db, admin, email="r@example.org")
    for call in (closed, ended):
        service.add_reviewer(db, admin, make_submission(db, call, org, eligibility="eligible"), reviewer)
    ended.status = "results"  # as finishing the review leaves it
    db.commit()
    auth.login("r@example.org")
    page = client.get("/review/").get_data(as_text=True)
    ended_part, closed_part = (section.split("<table>")[0] for section in page.split("<section>")[1:])  # newest first
    assert "评审阶段已结束" in ended_part and "评审阶段开始后才能打分" not in ended_part
    assert "评审阶段开始后才能打分" in closed_part and "评审阶段已结束" not in closed_part


def test_extra_reviewer_never_follows_a_next_off_the_site(client, auth, db, admin):
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin)
    submission = make_submission(db, call, org, eligibility="eligible")
    make_reviewer(db, admin)
    db.commit()
    auth.login("boss@example.org")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        r = client.post(f"/admin/review/submissions/{submission.id}/extra", data={"next": target})
        assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/review/submissions/{submission.id}")
