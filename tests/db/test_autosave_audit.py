"""Autosave keeps a draft's history readable: one "saved" line per person per quarter of an hour,
while every change of a submitted project stays on record."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.auth.service import create_user
from gongyi.submissions import service
from tests.factories import make_admin, make_call, make_org

COMPLETE = {
    "community_name": "莲花北社区", "community_street": "莲花街道", "community_district": "440304",
    "title": "长者食堂与探访", "summary": "为独居长者提供助餐和探访。", "problem": "独居长者 320 人。",
    "objectives": "服务 120 名长者。", "activities": "助餐与探访", "beneficiary_group": "独居长者",
    "beneficiary_count": "120", "team": "社工 3 名", "items": {"02.01": "独居长者缺少照看"},
    "budget": [{"what": "人员费用", "amount": "60000"}],
}


def _entries(db, submission) -> list[tuple[str, int | None]]:
    return [(e.action, e.actor_id) for e in db.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "submission", AuditEntry.object_id == str(submission.id))
        .order_by(AuditEntry.id))]


def _age_latest_entry(monkeypatch, minutes: int) -> None:
    """Let `minutes` pass for the service (the audit trail is append-only: its times are never edited)."""
    from gongyi.clock import utcnow

    offset = getattr(_age_latest_entry, "offset", timedelta(0)) + timedelta(minutes=minutes)
    _age_latest_entry.offset = offset
    monkeypatch.setattr(service, "utcnow", lambda: utcnow() + offset)


def test_draft_saves_are_recorded_once_per_quarter_hour_per_person(db, monkeypatch):
    _age_latest_entry.offset = timedelta(0)
    admin = make_admin(db)
    call = make_call(db, admin)
    member, org = make_org(db, admin)
    colleague = create_user(db, None, email="colleague@example.org", name="同事", password="password123",
                            roles=("member",))
    colleague.organisation_id = org.id
    submission = service.create_submission(db, member, call)
    db.commit()

    for title in ("标题一", "标题二", "标题三"):
        assert service.save_draft(db, member, submission, {"title": title}) == []
    assert submission.title == "标题三"  # every autosave is stored; only its history line is spared
    assert _entries(db, submission) == [("submission.create", member.id), ("submission.save", member.id)]

    service.save_draft(db, colleague, submission, {"title": "标题四"})  # someone else: a line of their own
    service.save_draft(db, colleague, submission, {"title": "标题五"})
    assert _entries(db, submission)[2:] == [("submission.save", colleague.id)]

    _age_latest_entry(monkeypatch, 14)
    service.save_draft(db, colleague, submission, {"title": "标题六"})
    assert len(_entries(db, submission)) == 3  # 14 minutes is still within the quarter hour
    _age_latest_entry(monkeypatch, 2)  # now 16 minutes old
    service.save_draft(db, colleague, submission, {"title": "标题七"})
    service.save_draft(db, member, submission, {"title": "标题八"})  # the latest line is the colleague's
    assert _entries(db, submission)[3:] == [("submission.save", colleague.id), ("submission.save", member.id)]
    db.commit()
    assert db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "submission.save")).all()[-1] == {
        "fields": ["title"]}


def test_every_change_of_a_submitted_project_is_recorded(db):
    admin = make_admin(db)
    call = make_call(db, admin)
    member, _ = make_org(db, admin)
    submission = service.create_submission(db, member, call, **COMPLETE)
    service.submit_project(db, member, submission)
    for title in ("改过的标题", "再改的标题"):
        service.save_draft(db, member, submission, {"title": title})
    actions = [action for action, _ in _entries(db, submission)]
    assert actions == ["submission.create", "submission.submit", "submission.edit", "submission.edit"]
