"""Library entries from final results, carrying into the next edition, expiry, who moves up, and
a new edition from a previous one, through the services the library pages use."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.library import editions, entries
from gongyi.library.models import EditionSettings, LibraryEntry
from gongyi.results import publication
from gongyi.submissions.models import FundingLine, Submission
from tests.db.library_world import AFTER, final_sample, latest


@pytest.fixture
def world(app, runner, db):
    with app.test_request_context():
        yield final_sample(runner, db)


@pytest.fixture
def call(world):
    return world[0]


@pytest.fixture
def admin(world):
    return world[1]


def _entries(db, call) -> dict[str, LibraryEntry]:
    rows = db.execute(select(Submission.ref, LibraryEntry).join(Submission, Submission.id == LibraryEntry.submission_id)
                      .where(LibraryEntry.call_id == call.id)).all()
    return {ref: entry for ref, entry in rows}


def test_final_results_put_the_library_projects_in_the_library_with_frozen_figures(db, call):
    found = _entries(db, call)
    assert set(found) == {"G", "D"}
    g, d = found["G"], found["D"]
    assert (g.requested_fen, g.library_grant_fen, g.status, g.editions) == (2_000_000, 1_333_333, "funded", 1)
    assert (d.requested_fen, d.library_grant_fen, d.status) == (2_500_000, 1_666_667, "funded")
    assert g.rank is not None and g.aggregate_display and g.score_hundredths == round(float(g.aggregate_display) * 100)
    assert "library.final_results" in set(db.scalars(select(AuditEntry.action)))


def _next_edition(db, admin, call):
    return editions.new_edition(db, admin, call, slug="sz-2027", title="2027 深圳市公益创投大赛")


def test_new_edition_copies_rules_and_settings_with_dates_a_year_later(db, call, admin):
    entries.update_settings(db, admin, call, expires_after=3, failed_evaluation_editions=2, no_second_funding=True,
                            barred_list=True, mark_replications=True)
    nxt = _next_edition(db, admin, call)
    assert nxt.status == "draft" and nxt.rules == call.rules
    assert (nxt.opens_at.year, nxt.opens_at.month, nxt.opens_at.day) == (2027, 3, 1)
    assert nxt.closes_at - nxt.opens_at == call.closes_at - call.opens_at
    settings = db.get(EditionSettings, nxt.id)
    assert (settings.expires_after, settings.failed_evaluation_editions, settings.mark_replications) == (3, 2, True)
    assert editions.suggested(call) == {"slug": "sz-2027", "title": "2027 深圳市公益创投大赛"}


def test_carrying_moves_waiting_entries_with_their_scores_and_expires_the_old_ones(db, call, admin):
    found = _entries(db, call)
    found["D"].status = "waiting"  # as if the library pool had not reached it
    db.flush()
    nxt = _next_edition(db, admin, call)
    result = entries.carry_entries(db, admin, call, nxt)
    assert [db.get(Submission, e.submission_id).ref for e in result.carried] == ["D"]
    carried = _entries(db, nxt)["D"]
    assert (carried.editions, carried.status, carried.aggregate_display, carried.rank, carried.carried_from_id) == (
        2, "waiting", found["D"].aggregate_display, found["D"].rank, found["D"].id)
    assert found["D"].status == "carried" and found["G"].status == "funded"
    # In the third edition D has spent the library's two editions: it expires instead of moving on.
    third = editions.new_edition(db, admin, nxt, slug="sz-2028", title="2028")
    result = entries.carry_entries(db, admin, nxt, third)
    assert (result.carried, [e.id for e in result.expired]) == ([], [carried.id])
    assert carried.status == "expired" and _entries(db, third) == {}


def test_carrying_refuses_an_earlier_edition_and_nothing_to_carry(db, call, admin):
    nxt = _next_edition(db, admin, call)
    with pytest.raises(entries.LibraryError, match="之后举办"):
        entries.carry_entries(db, admin, nxt, call)
    with pytest.raises(entries.LibraryError, match="没有可转入"):
        entries.carry_entries(db, admin, call, nxt)  # G and D were funded from the library pool


def test_who_moves_up_previews_then_a_confirmed_withdrawal_is_a_new_run_that_updates_the_library(db, call, admin):
    a = db.scalar(select(Submission).where(Submission.call_id == call.id, Submission.ref == "A"))
    g = db.scalar(select(Submission).where(Submission.call_id == call.id, Submission.ref == "G"))
    # G (rank 4) raised 10,000 since: with A gone it is third, within award_top = 3, and matched 1:1.
    g.funding_lines.append(FundingLine(source="enterprise", donor="某企业", amount_fen=1_000_000, status="verified"))
    db.flush()
    before = latest(db, call).number
    changes = {c.ref: c for c in entries.who_moves_up(db, call, a)}
    assert (changes["G"].outcome_before, changes["G"].outcome_after, changes["G"].matching_after) == (
        "library", "matched", 1_000_000)
    assert "A" not in changes and latest(db, call).number == before  # a preview saves nothing
    run = entries.confirm_move_up(db, admin, call, a, "项目负责人离职")
    assert run.number == before + 1 and a.status == "withdrawn"
    assert _entries(db, call)["G"].status == "funded"  # the library follows published results only
    publication.publish_results(db, admin, run, "final", working_days=5, now=AFTER)
    found = _entries(db, call)
    assert found["G"].status == "matched" and found["D"].status == "funded"


def test_confirming_a_move_needs_a_reason(db, call, admin):
    a = db.scalar(select(Submission).where(Submission.call_id == call.id, Submission.ref == "A"))
    with pytest.raises(Exception, match="理由"):
        entries.confirm_move_up(db, admin, call, a, " ")
