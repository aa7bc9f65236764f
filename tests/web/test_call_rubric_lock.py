"""Once a reviewer has scored anything in a call, the rubric's criterion codes and maxima are fixed:
changing them would make submitted reviews incomplete or leave scores above a lowered maximum.
Names and guides may still be reworded."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from gongyi.calls.models import Call, RulesVersion
from gongyi.calls.service import CallError, CallInvalid, amend_rules, check_call, update_call
from gongyi.review import service as review
from tests.factories import make_admin, make_call, make_org, make_reviewer, make_submission
from tests.web.test_calls_admin import form_post

RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 50}, {"code": "plan", "name": "方案", "max": 50}]}}
LOCKED = "已有评审专家打分，不能再修改评分项的代码或满分"
REASON = "评分标准调整"


@pytest.fixture
def world(db):
    """A call under review, one reviewer assigned to one project (nothing scored yet)."""
    admin = make_admin(db, "boss@example.org")
    call = make_call(db, admin, slug="c1", status="reviewing", rules=RULES,
                     opens_at=datetime(2026, 3, 1, 1, tzinfo=timezone.utc),
                     closes_at=datetime(2026, 4, 30, 9, tzinfo=timezone.utc))
    _, org = make_org(db, admin)
    reviewer = make_reviewer(db, admin)
    assignment = review.add_reviewer(db, admin, make_submission(db, call, org, eligibility="eligible"), reviewer)
    db.commit()
    return admin, call, reviewer, assignment


def _score(db, reviewer, assignment, submit=False):
    review.save_review(db, reviewer, assignment, scores={"need": "40", "plan": "25" if submit else ""}, comments={},
                       overall_comment="", submit=submit)
    db.commit()


def _rules(call, **changes):
    rules = copy.deepcopy(call.rules)
    for code, fields in changes.items():
        next(c for c in rules["review"]["criteria"] if c["code"] == code).update(fields)
    return rules


def _versions(db, call) -> int:
    return db.scalar(select(func.count()).select_from(RulesVersion).where(RulesVersion.call_id == call.id))


def test_before_any_score_the_rubric_may_change(db, world):
    admin, call, reviewer, assignment = world
    update_call(db, admin, call, rules=_rules(call, plan={"max": 30}), reason=REASON)
    assert [c["max"] for c in call.rules["review"]["criteria"]] == [50, 30]


@pytest.mark.parametrize("change", [{"plan": {"max": 30}}, {"need": {"max": 60}}, {"plan": {"code": "design"}}])
def test_once_scored_codes_and_maxima_are_refused_beside_the_rubric(db, world, change):
    admin, call, reviewer, assignment = world
    _score(db, reviewer, assignment)  # a draft score is enough: it will be submitted against this rubric
    before = copy.deepcopy(call.rules)
    rules = _rules(call, **change)
    with pytest.raises(CallInvalid) as exc:
        update_call(db, admin, call, rules=rules, reason=REASON)
    assert [(e.field, e.message) for e in exc.value.errors if e.field == "review.criteria"] == \
        [("review.criteria", LOCKED + "（名称和说明仍可修改）")]
    with pytest.raises(CallInvalid, match=LOCKED):
        check_call(db, call, rules=rules, reason=REASON)
    with pytest.raises(CallError, match=LOCKED):
        amend_rules(db, admin, call, rules, REASON)
    db.rollback()
    assert call.rules == before and _versions(db, call) == 1


def test_once_scored_names_guides_and_other_settings_may_still_change(db, world):
    admin, call, reviewer, assignment = world
    _score(db, reviewer, assignment, submit=True)
    rules = _rules(call, need={"name": "需求真实", "guide": "需求是否有调研依据"})
    rules["review"]["criteria"].reverse()  # the order is only how the form lists them
    rules["review"]["disagreement_threshold"] = "15"
    update_call(db, admin, call, rules=rules, reason=REASON)
    db.commit()
    assert _versions(db, call) == 2
    assert {c["code"]: c["name"] for c in call.rules["review"]["criteria"]} == {"need": "需求真实", "plan": "方案"}
    assert review.review_total(assignment) == 6500  # the submitted review is still complete


def test_the_edit_page_shows_the_refusal_beside_the_rubric_and_keeps_what_was_typed(client, auth, db, world):
    admin, call, reviewer, assignment = world
    _score(db, reviewer, assignment)
    auth.login("boss@example.org")
    rules = _rules(call, plan={"max": 30})
    page = client.post("/admin/calls/c1/edit", data=form_post(
        rules, slug="c1", title="测试征集", description="", opens_at="2026-03-01T09:00",
        closes_at="2026-04-30T17:00", reason=REASON)).get_data(as_text=True)
    rubric = page[page.index('id="rubric"'):page.index('id="criteria-table"')]
    assert f'<p class="field-error" role="alert">{LOCKED}' in rubric
    assert 'name="review-criteria-1-max"' in page and 'value="30"' in page  # nothing typed is lost
    db.rollback()
    assert db.get(Call, call.id).rules["review"]["criteria"][1]["max"] == 50 and _versions(db, call) == 1
