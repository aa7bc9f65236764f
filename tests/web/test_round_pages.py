"""The pages that run rounds: the board's rounds and panels, a round's standings, closing it, opening
the next one, and what reviewers see and may score."""
from __future__ import annotations

from sqlalchemy import select

from gongyi.calls.models import CallRound
from gongyi.review import service
from gongyi.review.models import Review, ReviewerPanel
from tests.factories import PASSWORD, make_admin, make_call, make_org, make_reviewer, make_submission
from tests.db.test_running_rounds import RULES

ADMIN = "rounds-admin@example.org"


def arrange(db):
    admin = make_admin(db, ADMIN)
    call = make_call(db, admin, status="reviewing", rules=RULES)
    _, org = make_org(db, admin)
    subs = [make_submission(db, call, org, ref=f"P{i}", eligibility="eligible", title=f"项目{i}") for i in range(1, 5)]
    expert = make_reviewer(db, admin, email="expert@example.org")
    public = make_reviewer(db, admin, email="public@example.org")
    for sub, value in zip(subs, (90, 80, 80, 70)):
        review = service.add_reviewer(db, admin, sub, expert)
        service.save_review(db, expert, review, scores={"plan": str(value)}, comments={}, overall_comment="", submit=True)
    db.commit()
    return admin, call, subs, expert, public


def test_the_board_shows_the_rounds_and_puts_reviewers_on_panels(client, auth, db):
    admin, call, subs, expert, public = arrange(db)
    auth.login(ADMIN)
    page = client.get(f"/admin/review/{call.slug}").get_data(as_text=True)
    assert "网评" in page and "路演" in page and "当前轮次" in page
    assert f'name="panel-{public.id}"' in page
    r = client.post(f"/admin/review/{call.slug}/panels", data={f"panel-{public.id}": "public"})
    assert r.status_code == 302
    db.rollback()
    assert db.scalar(select(ReviewerPanel.panel).where(ReviewerPanel.user_id == public.id)) == "public"
    # An unknown panel, or a reviewer who already scored: refused, nothing changed.
    client.post(f"/admin/review/{call.slug}/panels", data={f"panel-{public.id}": "jury"})
    client.post(f"/admin/review/{call.slug}/panels", data={f"panel-{expert.id}": "public"})
    page = client.get(f"/admin/review/{call.slug}").get_data(as_text=True)
    assert "未知的评审组：jury" in page and "不能再更换评审组" in page
    db.rollback()
    assert db.scalar(select(ReviewerPanel.panel).where(ReviewerPanel.user_id == expert.id)) is None


def test_the_board_lists_reviewers_a_page_at_a_time_and_saves_panels_of_the_page_shown(client, auth, db):
    admin, call, subs, expert, public = arrange(db)
    many = [make_reviewer(db, admin, name=f"专家{i:02d}") for i in range(60)]  # 62 with expert and public
    db.commit()
    auth.login(ADMIN)
    first = client.get(f"/admin/review/{call.slug}").get_data(as_text=True)
    assert f'name="panel-{expert.id}"' in first and f'name="panel-{many[47].id}"' in first
    assert f'name="panel-{many[48].id}"' not in first and "reviewers_page=2#reviewers" in first
    second = client.get(f"/admin/review/{call.slug}?reviewers_page=2").get_data(as_text=True)
    assert f'name="panel-{many[48].id}"' in second and f'name="panel-{expert.id}"' not in second
    assert '<input type="hidden" name="reviewers_page" value="2">' in second
    r = client.post(f"/admin/review/{call.slug}/panels", data={f"panel-{many[59].id}": "public", "reviewers_page": "2"})
    assert r.status_code == 302 and r.location.endswith(f"/admin/review/{call.slug}?reviewers_page=2#reviewers")
    db.rollback()
    assert db.scalars(select(ReviewerPanel.user_id).where(ReviewerPanel.call_id == call.id)).all() == [many[59].id]
    assert client.get(f"/admin/review/{call.slug}?reviewers_page=99").status_code == 200  # clamped to the last page


def test_closing_a_round_shows_who_advances_and_the_next_round_opens_on_confirmation(client, auth, db):
    admin, call, subs, expert, public = arrange(db)
    auth.login(ADMIN)
    page = client.get(f"/admin/review/{call.slug}/rounds/online").get_data(as_text=True)
    assert "结束本轮评审" in page and "项目4" in page
    r = client.post(f"/admin/review/{call.slug}/rounds/online/close")
    assert r.status_code == 302 and r.location.endswith("/rounds/online")
    page = client.get(r.location).get_data(as_text=True)
    assert "3 个项目晋级" in page
    assert "第 2 名有 2 个项目得分相同" in page and "晋级名额 2 个，实际晋级 3 个" in page
    assert "名次在晋级名额（前 2 名）之外" in page
    assert "确认晋级名单，开始路演评分" in page and "结束本轮评审</button>" not in page
    # Closing again is refused with its message, not a 500.
    client.post(f"/admin/review/{call.slug}/rounds/online/close")
    assert "已经结束" in client.get(f"/admin/review/{call.slug}").get_data(as_text=True)
    r = client.post(f"/admin/review/{call.slug}/rounds/open-next")
    assert r.status_code == 302
    db.rollback()
    assert db.scalar(select(CallRound.status).where(CallRound.code == "final")) == "open"
    page = client.get(f"/admin/review/{call.slug}").get_data(as_text=True)
    assert page.count("<code>P") == 3  # the board lists the round's three participants
    assert client.get(f"/admin/review/{call.slug}/rounds/nosuch").status_code == 404


def test_reviewers_see_and_score_only_the_current_round(client, auth, db):
    admin, call, subs, expert, public = arrange(db)
    online = db.scalars(select(Review).where(Review.reviewer_id == expert.id).order_by(Review.id)).all()
    service.reopen_review(db, admin, online[3], "补充评语")
    service.close_round(db, admin, call, "online")
    db.commit()
    auth.login("expert@example.org", PASSWORD)
    queue = client.get("/review/").get_data(as_text=True)
    assert "本轮评审已结束，下一轮开始前不能打分" in queue
    page = client.get(f"/review/{online[3].id}").get_data(as_text=True)
    assert "暂时不能保存评分" in page
    r = client.post(f"/review/{online[3].id}", data={"score_0": "10", "overall_comment": "", "submit": "1"})
    assert r.status_code == 422 and "评分已锁定" in r.get_data(as_text=True)
    db.rollback()
    db.expire_all()
    assert db.get(Review, online[3].id).scores[0].points_centi == 7000
    # The next round opens: the expert reviews P1 there on the final rubric.
    service.open_next_round(db, admin, db.merge(call))
    final = service.add_reviewer(db, admin, db.merge(subs[0]), db.merge(expert))
    db.commit()
    queue = client.get("/review/").get_data(as_text=True)
    assert f"/review/{final.id}" in queue and f"/review/{online[3].id}" not in queue  # the current round only
    page = client.get(f"/review/{final.id}").get_data(as_text=True)
    assert "路演" in page and "方案" not in page
