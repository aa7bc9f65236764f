"""The calls service on a real database: the submission window, the late list, amendments, the lifecycle."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from gongyi.audit.models import AuditEntry
from gongyi.audit.service import history
from gongyi.calls.models import Call, RulesVersion
from gongyi.calls.rules import RulesError, default_rules, validate_rules
from gongyi.calls.service import (CallError, CallInvalid, add_late_entry, create_call, remove_late_entry,
                                  rules_history, submissions_open_for, transition_call, update_call)
from gongyi.calls.workflow import TRANSITIONS
from tests.factories import make_admin, make_call, make_org

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)  # 09:00 in Beijing
T1 = datetime(2026, 4, 30, 9, 0, tzinfo=timezone.utc)  # 17:00 in Beijing
T2 = T1 + timedelta(days=3)
TICK = timedelta(microseconds=1)


VIA = {t.name: t.via for t in TRANSITIONS}


def path_to(state: str) -> list[str]:
    """Transition names leading from draft to `state` along the table (never going back)."""
    path, current = [], "draft"
    while current != state:
        step = next(t for t in TRANSITIONS if t.source == current and t.name != "reopen")
        path.append(step.name)
        current = step.target
    return path


def call_in(db, admin, state: str, **fields) -> Call:
    call = make_call(db, admin, status="draft", **fields)
    for name in path_to(state):
        transition_call(db, admin, call, name, via=VIA.get(name))
    return call


@pytest.fixture
def window(db, admin):
    """An open call with an editing deadline, and two verified organisations."""
    call = call_in(db, admin, "open", opens_at=T0, closes_at=T1, edit_deadline=T2)
    _, org = make_org(db, admin)
    _, other = make_org(db, admin)
    db.commit()
    return call, org, other


def test_window_edges(db, window):
    call, org, _ = window
    assert not submissions_open_for(db, call, org.id, now=T0 - TICK)
    assert submissions_open_for(db, call, org.id, now=T0)  # exactly at opens_at: open
    assert submissions_open_for(db, call, org.id, now=T1 - TICK)
    assert not submissions_open_for(db, call, org.id, now=T1)  # exactly at closes_at: closed
    # Editing a submitted project runs until the editing deadline, also once the call is closed.
    assert submissions_open_for(db, call, org.id, now=T1, editing=True)
    assert submissions_open_for(db, call, org.id, now=T2 - TICK, editing=True)
    assert not submissions_open_for(db, call, org.id, now=T2, editing=True)
    transition_call(db, make_admin(db), call, "close")
    assert not submissions_open_for(db, call, org.id, now=T0 + TICK)  # closed early: no new entries
    assert submissions_open_for(db, call, org.id, now=T1, editing=True)


def test_without_editing_deadline_editing_ends_with_submissions(db, admin):
    call = call_in(db, admin, "open", opens_at=T0, closes_at=T1)
    _, org = make_org(db, admin)
    assert submissions_open_for(db, call, org.id, now=T1 - TICK, editing=True)
    assert not submissions_open_for(db, call, org.id, now=T1, editing=True)


def test_draft_and_review_states_accept_nothing(db, admin):
    _, org = make_org(db, admin)
    draft = call_in(db, admin, "draft", opens_at=T0, closes_at=T1)
    reviewing = call_in(db, admin, "reviewing", opens_at=T0, closes_at=T1)
    for call in (draft, reviewing):
        assert not submissions_open_for(db, call, org.id, now=T0 + TICK)
        assert not submissions_open_for(db, call, org.id, now=T0 + TICK, editing=True)


def test_late_list_without_until(db, admin, window):
    call, org, other = window
    add_late_entry(db, admin, call, org.id, "系统故障，材料未能上传")
    late = T2 + timedelta(days=30)
    assert submissions_open_for(db, call, org.id, now=late)
    assert submissions_open_for(db, call, org.id, now=late, editing=True)
    assert not submissions_open_for(db, call, other.id, now=late)  # only the listed organisation
    assert not submissions_open_for(db, call, org.id, now=T0 - TICK)  # never before the call opens
    transition_call(db, admin, call, "close")
    assert submissions_open_for(db, call, org.id, now=late)
    transition_call(db, admin, call, "start_review")
    assert not submissions_open_for(db, call, org.id, now=late)  # until review starts


def test_late_list_with_until(db, admin, window):
    call, org, _ = window
    until = T1 + timedelta(days=2)
    add_late_entry(db, admin, call, org.id, "暴雨停电", until=until)
    assert submissions_open_for(db, call, org.id, now=until - TICK)
    assert not submissions_open_for(db, call, org.id, now=until)
    assert submissions_open_for(db, call, org.id, now=until, editing=True)  # the editing deadline T2 is later


def test_late_list_checks_and_audit(db, admin, window):
    call, org, other = window
    _, pending = make_org(db, admin, verified=False)
    with pytest.raises(CallError) as exc:
        add_late_entry(db, admin, call, pending.id, "理由")
    assert exc.value.field == "organisation_id"
    with pytest.raises(CallError) as exc:
        add_late_entry(db, admin, call, org.id, "  ")
    assert exc.value.field == "reason"
    with pytest.raises(CallError) as exc:
        add_late_entry(db, admin, call, org.id, "理由", until=T1)
    assert exc.value.field == "until"
    add_late_entry(db, admin, call, org.id, "第一次")
    add_late_entry(db, admin, call, org.id, "改为限期", until=T2)  # adding again updates the entry
    with pytest.raises(CallError):
        remove_late_entry(db, admin, call, other.id)
    remove_late_entry(db, admin, call, org.id)
    actions = [(e.action, e.detail.get("reason")) for e in history(db, call) if "late" in e.action]
    assert actions == [("call.late_entry", "第一次"), ("call.late_entry", "改为限期"), ("call.late_entry_removed", None)]
    transition_call(db, admin, call, "close")
    transition_call(db, admin, call, "start_review")
    with pytest.raises(CallError):
        add_late_entry(db, admin, call, org.id, "太晚了")


@pytest.mark.parametrize("state", ["draft", "open", "closed", "reviewing", "results", "publicity", "final", "archived"])
def test_state_table(db, admin, state):
    """Every transition of the table works from its source state; every other name is refused."""
    allowed = {t.name: t.target for t in TRANSITIONS if t.source == state}
    for name in [t.name for t in TRANSITIONS] + ["delete", ""]:
        call = call_in(db, admin, state)
        before = len(history(db, call))
        if name in allowed:
            if VIA[name]:  # taken only by publishing a run, never as a bare action
                with pytest.raises(CallError, match="公示与异议"):
                    transition_call(db, admin, call, name)
                assert call.status == state
            transition_call(db, admin, call, name, via=VIA[name])
            assert call.status == allowed[name]
            entry = history(db, call)[-1]
            assert (entry.action, entry.actor_id, entry.detail) == (
                f"call.{name}", admin.id, {"source": state, "target": allowed[name]})
        else:
            with pytest.raises(CallError):
                transition_call(db, admin, call, name)
            assert call.status == state and len(history(db, call)) == before


def test_only_the_tables_role_may_transition(db, admin):
    member, _ = make_org(db, admin)
    call = call_in(db, admin, "draft")
    with pytest.raises(CallError):
        transition_call(db, member, call, "open")
    assert call.status == "draft"


def test_create_lists_every_problem_and_stores_nothing(db, admin):
    rules = default_rules()
    rules["matching"]["pool"] = "1.234"
    rules["review"]["criteria"] = [{"code": "a", "name": "", "max": 0}]
    rules["entry"]["categories"] = ["01", "99"]
    with pytest.raises(CallInvalid) as exc:
        create_call(db, admin, slug="bad slug", title=" ", opens_at=T1, closes_at=T0, rules=rules)
    fields = sorted(e.field for e in exc.value.errors)
    assert fields == ["closes_at", "matching.pool", "review.criteria[1].max", "review.criteria[1].name", "slug", "title"]
    rules = default_rules()
    rules["entry"]["categories"] = ["01", "99"]
    with pytest.raises(CallInvalid) as exc:
        create_call(db, admin, slug="ok", title="标题", opens_at=T0, closes_at=T1, rules=rules)
    assert [(e.field, e.params) for e in exc.value.errors] == [("entry.categories", {"codes": "99"})]
    assert db.scalar(select(func.count()).select_from(Call)) == 0
    assert db.scalar(select(func.count()).select_from(RulesVersion)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.object_type == "call")) == 0


def test_rules_errors_carry_translatable_messages_and_file_problems():
    with pytest.raises(RulesError) as exc:
        validate_rules({"review": {"tie_breakers": ["raised_desc", "raised_desc"], "trim_from": 2}})
    assert exc.value.problems == [("review.trim_from", "must be at least 3"),
                                  ("review.tie_breakers", "must not repeat a tie-breaker")]
    assert [(e.field, e.message) for e in exc.value.errors] == [("review.trim_from", "不能小于 %(n)s"),
                                                                ("review.tie_breakers", "同一排序规则不能重复")]


def test_draft_changes_freely_in_place(db, admin):
    call = call_in(db, admin, "draft", opens_at=T0, closes_at=T1)
    rules = default_rules()
    rules["matching"]["pool"] = "500000"
    update_call(db, admin, call, rules=rules, closes_at=T2, slug="renamed")
    assert [v.version for v in call.rules_versions] == [1]
    assert call.rules["matching"]["pool"] == "500000.00" and call.slug == "renamed" and call.closes_at == T2
    entries = history(db, call)
    assert [e.action for e in entries][-2:] == ["call.update", "call.rules_edit"]
    assert entries[-1].detail == {"keys": ["matching.pool"]}
    assert "reason" not in entries[-2].detail


def test_after_opening_every_change_needs_a_reason_and_rules_get_a_new_version(db, admin):
    call = call_in(db, admin, "open", opens_at=T0, closes_at=T1)
    rules = default_rules()
    rules["matching"]["ratio"] = "2"
    with pytest.raises(CallInvalid) as exc:
        update_call(db, admin, call, rules=rules, closes_at=T2)
    assert [e.field for e in exc.value.errors] == ["reason"]
    with pytest.raises(CallInvalid) as exc:
        update_call(db, admin, call, slug="renamed", reason="改名")
    assert [e.field for e in exc.value.errors] == ["slug"]
    assert call.closes_at == T1 and call.rules["matching"]["ratio"] == "1" and call.slug.startswith("call-")

    update_call(db, admin, call, rules=rules, closes_at=T2, reason="追加配套资金，延期一周")
    assert [v.version for v in call.rules_versions] == [1, 2]
    assert call.rules_versions[0].rules["matching"]["ratio"] == "1"  # the frozen version is kept
    assert call.rules["matching"]["ratio"] == "2" and call.rules_version.reason == "追加配套资金，延期一周"
    update, amend = history(db, call)[-2:]
    assert update.action == "call.update" and update.detail["changes"] == {"closes_at": [T1.isoformat(), T2.isoformat()]}
    assert update.detail["reason"] == "追加配套资金，延期一周"
    assert amend.action == "call.amend_rules" and amend.detail["keys"] == ["matching.ratio"]
    assert [h["keys"] for h in rules_history(call)] == [[], ["matching.ratio"]]

    count = len(history(db, call))
    update_call(db, admin, call, rules=rules, closes_at=T2)  # nothing changes: no reason needed, nothing recorded
    assert len(call.rules_versions) == 2 and len(history(db, call)) == count


def test_published_calls_are_not_edited(db, admin):
    call = call_in(db, admin, "publicity")
    with pytest.raises(CallError):
        update_call(db, admin, call, title="新标题", reason="理由")
    assert call.title == "测试征集"
