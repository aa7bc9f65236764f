"""An administrator funds a waiting library entry (a carried one here) from its edition's library
pool, and an entry's status across editions; through the services the entry page uses.

The world, worked by hand: the sample (tests/db/library_world.py) with its library pool cut to
20,000.00 under rank_order and a verified 8,000.00 from an enterprise for D before the final
results. The final results then fund G (rank 4, requested 20,000.00) with the whole pool and leave
D (rank 5, requested 25,000.00, counted R 8,000.00) waiting with 0. D is carried into the next
edition, whose final results (a saved run) had a library pool of 30,000.00 and allocated 25,000.00
to that edition's own library projects: 5,000.00 is left for the administrators to grant.
"""
from __future__ import annotations

import threading
from fractions import Fraction

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.auth.service import create_user
from gongyi.library import cofunders, editions, entries, figures
from gongyi.library.models import LibraryEntry
from gongyi.submissions.models import Submission
from tests.dashboard_world import save_run
from tests.db.library_world import waiting_sample


@pytest.fixture
def world(app, runner, db, tmp_path):
    with app.test_request_context():
        yield waiting_sample(runner, db, tmp_path)


def _entry(db, call, ref: str) -> LibraryEntry:
    return db.scalar(select(LibraryEntry).join(Submission, Submission.id == LibraryEntry.submission_id)
                     .where(LibraryEntry.call_id == call.id, Submission.ref == ref))


@pytest.fixture
def carried(db, world):
    """(sample, next edition, D's entry there, admin) with the next edition's final results saved."""
    call, admin = world
    nxt = editions.new_edition(db, admin, call, slug="sz-2027", title="2027 深圳市公益创投大赛")
    entries.carry_entries(db, admin, call, nxt)
    d = _entry(db, nxt, "D")
    assert (d.status, d.editions, d.library_grant_fen) == ("waiting", 2, 0)
    with pytest.raises(entries.LibraryError, match="最终结果发布后"):
        entries.fund_from_pool(db, admin, d, amount="1000")
    run = save_run(db, nxt, [], published="final")
    run.rules = {**run.rules, "library": {**run.rules["library"], "pool": "30000.00"}}
    run.library_pool_fen, run.library_allocated_fen = 3_000_000, 2_500_000
    db.flush()
    return call, nxt, d, admin


def test_the_final_results_fund_g_and_leave_d_waiting(db, world):
    call, _ = world
    g, d = _entry(db, call, "G"), _entry(db, call, "D")
    assert (g.status, g.library_grant_fen, d.status, d.library_grant_fen) == ("funded", 2_000_000, "waiting", 0)
    balance = entries.pool_balance(db, call)
    assert (balance.pool_fen, balance.allocated_fen, balance.granted_fen, balance.left_fen) == (
        2_000_000, 2_000_000, 0, 0)
    # Its own edition funds it through its results only (so revised results can never pay it twice).
    with pytest.raises(entries.LibraryError, match="本届自己的项目只由本届的结果计算从项目库资金池资助") as refused:
        entries.fund_from_pool(db, world[1], d, amount="1")
    assert refused.value.field == "amount"


def test_a_carried_entry_is_funded_from_the_later_pool_within_its_request_its_need_and_the_pool(db, carried):
    call, nxt, d, admin = carried
    balance = entries.pool_balance(db, nxt)
    assert (balance.pool_fen, balance.allocated_fen, balance.granted_fen, balance.left_fen) == (
        3_000_000, 2_500_000, 0, 500_000)
    with pytest.raises(entries.LibraryError, match=r"不能超过该项目的申请金额 ¥25,000.00") as refused:
        entries.fund_from_pool(db, admin, d, amount="25000.01")
    assert refused.value.field == "amount"
    # A co-funder's confirmed 15,000.00: D still needs 10,000.00.
    create_user(db, None, email="fund@example.org", name="资助方", password="password123", roles=())
    cofunders.add_co_funder(db, admin, email="fund@example.org", name="某基金会", kind="foundation")
    funder = db.scalar(select(User).where(User.email == "fund@example.org"))
    cofunders.confirm_pledge(db, admin, cofunders.make_pledge(db, funder, d.submission, amount="15000"))
    assert d.status == "waiting"
    with pytest.raises(entries.LibraryError, match=r"尚需的金额 ¥10,000.00（申请 ¥25,000.00，已有公共资金和认捐 ¥15,000.00）"):
        entries.fund_from_pool(db, admin, d, amount="10000.01")
    with pytest.raises(entries.LibraryError, match=r"超出本届项目库资金池的余额 ¥5,000.00"):
        entries.fund_from_pool(db, admin, d, amount="6000")
    for junk, message in (("0", "大于零"), ("abc", "格式不正确"), ("", "请填写金额"), ("-1", "负数")):
        with pytest.raises(entries.LibraryError, match=message):
            entries.fund_from_pool(db, admin, d, amount=junk)
    entries.fund_from_pool(db, admin, d, amount="5,000", reason="2027 年项目库资金池的余额")
    assert (d.status, d.library_grant_fen, d.status_reason) == ("funded", 500_000, "2027 年项目库资金池的余额")
    assert d.pool_granted_at is not None
    assert entries.pool_balance(db, nxt).left_fen == 0
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "library.fund"))
    assert (audit.object_type, audit.object_id, audit.actor_id) == ("library_entry", str(d.id), admin.id)
    assert (audit.detail["grant_fen"], audit.detail["ref"], audit.detail["edition"]) == (500_000, "D", "sz-2027")
    with pytest.raises(entries.LibraryError, match=r"D 已由 .* 于 .* 资助"):
        entries.fund_from_pool(db, admin, d, amount="1")
    # The grant is public money of the project: the co-funders see 5,000.00 still needed, not 10,000.00.
    need = cofunders.need_of(db, d.submission)
    assert (need.public_fen, need.pledged_fen, need.remaining_fen) == (500_000, 1_500_000, 500_000)


def test_the_later_pool_grant_is_library_money_of_the_granting_edition(db, carried):
    call, nxt, d, admin = carried
    before = dict((c.slug, f) for c, f in figures.across_calls(db))
    assert nxt.slug not in before  # its saved final results hold no project
    entries.fund_from_pool(db, admin, d, amount="5000")
    after = dict((c.slug, f) for c, f in figures.across_calls(db))
    later = after[nxt.slug]
    # D's counted R of its own results (8,000.00) drawn by 5,000.00 of the later edition's pool: 8/5.
    assert (later.projects, later.counted_fen, later.matching_fen, later.library_fen, later.pledged_fen) == (
        1, 800_000, 0, 500_000, 0)
    assert later.leverage == Fraction(8, 5)
    assert after[call.slug] == before[call.slug]  # D's own edition gave it nothing and still counts nothing
    rows = {ref: p for ref, _title, p in figures.call_projects(db, nxt)}
    assert (rows["D"].by_source, rows["D"].counted_fen, rows["D"].library_fen) == ({}, 800_000, 500_000)


def test_the_entry_chain_follows_the_carrying(db, carried):
    call, nxt, d, admin = carried
    first = _entry(db, call, "D")
    third = editions.new_edition(db, admin, nxt, slug="sz-2028", title="2028")
    entries.update_settings(db, admin, nxt, expires_after=3)
    entries.carry_entries(db, admin, nxt, third)
    last = _entry(db, third, "D")
    for entry in (first, d, last):
        assert [(e.id, c.slug) for e, c in entries.entry_chain(db, entry)] == [
            (first.id, "sz-2026"), (d.id, "sz-2027"), (last.id, "sz-2028")]
    assert [e.status for e, _c in entries.entry_chain(db, d)] == ["carried", "carried", "waiting"]
    g = _entry(db, call, "G")
    assert [e.id for e, _c in entries.entry_chain(db, g)] == [g.id]


def test_two_administrators_funding_at_once_fund_it_once(app, db, carried, request):
    """The edition's and the entry's row locks make the second wait for the first, then see it."""
    if request.node.callspec.params["app"] != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serializes every write")
    _call, _nxt, d, admin = carried
    db.commit()
    maker = app.extensions["gongyi.sessionmaker"]
    first, second = maker(), maker()
    outcome: dict[str, object] = {}
    entries.fund_from_pool(first, first.get(User, admin.id), first.get(LibraryEntry, d.id), amount="3000")

    def fund_second():
        with app.test_request_context():
            try:
                entries.fund_from_pool(second, second.get(User, admin.id), second.get(LibraryEntry, d.id), amount="3000")
                second.commit()
                outcome["second"] = "funded"
            except entries.LibraryError as exc:
                second.rollback()
                outcome["second"] = exc.message

    thread = threading.Thread(target=fund_second)
    thread.start()
    thread.join(timeout=1)  # it waits on the lock meanwhile
    assert thread.is_alive()
    first.commit()
    thread.join()
    first.close(), second.close()
    db.rollback()
    assert outcome["second"].startswith("%(ref)s 已由")
    assert db.scalar(select(LibraryEntry.library_grant_fen).where(LibraryEntry.id == d.id)) == 300_000
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "library.fund").offset(1)) is None
