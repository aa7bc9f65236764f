"""The money of a grant from an edition's library pool (entries.fund_from_pool) kept right: only an
entry carried in from an earlier edition is granted, the engine allocates the pool less the grants
already made from it, a grant is given back when its entry leaves the library, a co-funder's pledge
confirmed meanwhile is counted, and the grant is paid, executed and counted like a results grant.

The worlds are those of tests/db/test_library_pool_grants.py: the sample with a library pool of
20,000.00 (G funded 20,000.00, D waiting), D carried into the next edition, whose saved final
results had a pool of 30,000.00 and allocated 25,000.00, leaving 5,000.00.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.auth.service import create_user
from gongyi.clock import china_date, utcnow
from gongyi.errors import UserErrors
from gongyi.execution.models import ExecutionRecord
from gongyi.funding.service import FundingError, pool_status, record_disbursement
from gongyi.library import cofunders, entries, figures
from gongyi.library.entry_check import entry_refusal
from gongyi.library.models import LibraryEntry
from gongyi.library.org_record import org_record
from gongyi.library.record import known_record
from gongyi.results import publication
from gongyi.results.inputs import calculate, input_digest, load_inputs
from gongyi.results.service import published_run
from tests.db.library_world import AFTER
from tests.db import test_library_pool_grants as pool_grants
from tests.factories import make_call, make_org, make_submission

world, carried, _entry = pool_grants.world, pool_grants.carried, pool_grants._entry  # its fixtures and finder


def _publish(db, admin, run):
    publication.publish_results(db, admin, run, "final", working_days=5, now=AFTER)
    db.flush()
    db.expire_all()


def _co_funder(db, admin):
    create_user(db, None, email="fund@example.org", name="资助方", password="password123", roles=())
    cofunders.add_co_funder(db, admin, email="fund@example.org", name="某基金会", kind="foundation")
    return db.scalar(select(User).where(User.email == "fund@example.org"))


# --- 1. the engine allocates the pool less the grants made from it ---------------------------------


def test_the_engine_counts_the_grants_from_the_calls_pool_as_committed(db, carried):
    call, nxt, d, admin = carried
    before = load_inputs(db, nxt, nxt.rules)
    assert before.library_committed_fen == 0 and calculate(before, nxt.rules).library_pool_fen == 2_000_000
    entries.fund_from_pool(db, admin, d, amount="5000")
    after = load_inputs(db, nxt, nxt.rules)
    assert after.library_committed_fen == 500_000
    assert calculate(after, nxt.rules).library_pool_fen == 1_500_000  # the rules' 20,000.00 less 5,000.00
    assert input_digest(after, nxt.rules) != input_digest(before, nxt.rules)  # its results are no longer current
    # The sample's own edition has no grant: its engine sees the rules' pool, its digest unchanged.
    own = load_inputs(db, call, call.rules)
    assert own.library_committed_fen == 0
    assert input_digest(own, call.rules) == published_run(db, call, "final").input_digest


def test_revised_results_of_a_granting_edition_never_overspend_its_pool(db, world):
    """X, a project of an earlier edition carried into the sample's library, holds a grant of
    5,000.00 from the sample's pool (written as fund_from_pool writes it: the sample's results spend
    the whole pool, so there never is room to grant it here). G withdraws after results: the revised
    results give D the pool less the grant, 15,000.00 (not 20,000.00), and the pool's balance is 0."""
    call, admin = world
    _member, org = make_org(db, admin)
    earlier = make_call(db, admin, slug="sz-2025", opens_at=call.opens_at - timedelta(days=365),
                        closes_at=call.opens_at - timedelta(days=300))
    x = make_submission(db, earlier, org, ref="X", requested_fen=1_000_000)
    db.add(LibraryEntry(call_id=call.id, submission_id=x.id, run_number=1, rank=1, round="review",
                        requested_fen=1_000_000, library_grant_fen=500_000, status="funded", editions=2,
                        pool_granted_at=utcnow()))
    db.flush()
    g = _entry(db, call, "G")
    _publish(db, admin, entries.confirm_move_up(db, admin, call, g.submission, "机构无法实施"))
    run = published_run(db, call, "final")
    rows = {row.ref: row for row in run.rows}
    assert (rows["D"].outcome, rows["D"].library_grant_fen) == ("library", 1_500_000)
    assert (run.library_pool_fen, run.library_allocated_fen) == (1_500_000, 1_500_000)
    balance = entries.pool_balance(db, call)
    assert (balance.pool_fen, balance.allocated_fen, balance.granted_fen, balance.left_fen) == (
        2_000_000, 1_500_000, 500_000, 0)
    library = next(p for p in pool_status(db, call, run) if p.pool == "library")  # the pools page, same figures
    assert (library.total_fen, library.allocated_fen) == (balance.pool_fen, balance.allocated_fen + balance.granted_fen)
    assert (_entry(db, call, "D").status, _entry(db, call, "D").library_grant_fen) == ("funded", 1_500_000)


# --- 2. a grant is given back when its entry leaves the library ------------------------------------


def test_a_carried_project_withdrawing_gives_its_grant_back(db, carried):
    call, nxt, d, admin = carried
    entries.fund_from_pool(db, admin, d, amount="5000")
    rec = db.scalar(select(ExecutionRecord).where(ExecutionRecord.submission_id == d.submission_id))
    assert (rec.call_id, rec.status) == (nxt.id, "active")
    _publish(db, admin, entries.confirm_move_up(db, admin, call, d.submission, "机构解散"))
    d = db.get(LibraryEntry, d.id)
    assert (d.status, d.library_grant_fen, d.pool_granted_at) == ("withdrawn", 0, None)
    assert _entry(db, call, "D").status == "withdrawn"
    released = db.scalar(select(AuditEntry).where(AuditEntry.action == "library.grant_released"))
    assert (released.object_id, released.detail["grant_fen"], released.detail["because"]) == (
        str(d.id), 500_000, "withdrawn")
    balance = entries.pool_balance(db, nxt)
    assert (balance.granted_fen, balance.left_fen) == (0, 500_000)
    assert db.get(ExecutionRecord, rec.id).status == "stopped"
    assert nxt.slug not in {c.slug for c, _f in figures.across_calls(db)}  # no project of it counts any more
    assert known_record(db, d.submission).library_fen == 0


def test_a_carried_project_funded_by_its_own_editions_revised_results_leaves_the_later_library(db, carried):
    call, nxt, d, admin = carried
    entries.fund_from_pool(db, admin, d, amount="5000")
    g = _entry(db, call, "G")
    _publish(db, admin, entries.confirm_move_up(db, admin, call, g.submission, "机构无法实施"))
    d = db.get(LibraryEntry, d.id)
    assert (d.status, d.library_grant_fen, d.pool_granted_at) == ("withdrawn", 0, None)
    assert d.status_reason == entries.FUNDED_BY_OWN_EDITION
    assert (_entry(db, call, "D").status, _entry(db, call, "D").library_grant_fen) == ("funded", 2_000_000)
    assert entries.pool_balance(db, nxt).granted_fen == 0
    # Its execution record (nothing paid yet) now follows its own edition's results.
    rec = db.scalar(select(ExecutionRecord).where(ExecutionRecord.submission_id == d.submission_id))
    assert (rec.call_id, rec.pool, rec.allocated_fen, rec.status) == (call.id, "library", 2_000_000, "active")
    assert known_record(db, d.submission).library_fen == 2_000_000  # not 25,000.00


# --- 3. a co-funder's pledge and a grant -----------------------------------------------------------


def test_a_pledge_that_completes_a_funded_entry_leaves_it_funded(db, carried):
    _call, _nxt, d, admin = carried
    entries.fund_from_pool(db, admin, d, amount="5000")
    funder = _co_funder(db, admin)
    with pytest.raises(cofunders.PledgeError, match=r"尚需的金额 ¥20,000.00"):
        cofunders.make_pledge(db, funder, d.submission, amount="20000.01")
    cofunders.confirm_pledge(db, admin, cofunders.make_pledge(db, funder, d.submission, amount="20000"))
    assert cofunders.need_of(db, d.submission).covered
    assert (d.status, d.library_grant_fen) == ("funded", 500_000)  # the pledge is one more source, not an adoption


def test_a_pledge_that_covers_a_waiting_entrys_need_adopts_it(db, carried):
    _call, _nxt, d, admin = carried
    funder = _co_funder(db, admin)
    cofunders.confirm_pledge(db, admin, cofunders.make_pledge(db, funder, d.submission, amount="24999.99"))
    assert d.status == "waiting"
    cofunders.confirm_pledge(db, admin, cofunders.make_pledge(db, funder, d.submission, amount="0.01"))
    assert d.status == "adopted"
    with pytest.raises(entries.LibraryError, match="现在不在等待资助"):
        entries.fund_from_pool(db, admin, d, amount="1")


def test_a_grant_waits_for_a_pledge_being_confirmed_and_counts_it(app, db, carried, request):
    """confirm_pledge locks the project's row; fund_from_pool locks the call, the project, then the
    entry, so it waits and then sees D needs only 3,000.00 more."""
    if request.node.callspec.params["app"] != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serializes every write")
    _call, _nxt, d, admin = carried
    pledge = cofunders.make_pledge(db, _co_funder(db, admin), d.submission, amount="22000")
    db.commit()
    maker = app.extensions["gongyi.sessionmaker"]
    first, second = maker(), maker()
    outcome: dict[str, object] = {}
    cofunders.confirm_pledge(first, first.get(User, admin.id), first.get(type(pledge), pledge.id))

    def fund():
        with app.test_request_context():
            try:
                entries.fund_from_pool(second, second.get(User, admin.id), second.get(LibraryEntry, d.id), amount="5000")
                second.commit()
                outcome["grant"] = "funded"
            except entries.LibraryError as exc:
                second.rollback()
                outcome["grant"] = exc.message % exc.params

    thread = threading.Thread(target=fund)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive()  # waiting for the pledge's confirmation
    first.commit()
    thread.join()
    first.close(), second.close()
    db.rollback()
    assert "尚需的金额 ¥3,000.00" in outcome["grant"]
    assert db.scalar(select(LibraryEntry.library_grant_fen).where(LibraryEntry.id == d.id)) == 0


# --- 4. a grant is paid, executed and counted like a results grant ---------------------------------


def test_a_grant_is_paid_in_tranches_from_the_granting_editions_pool(db, carried):
    _call, nxt, d, admin = carried
    nxt.status = "final"  # as its saved final results (payments are made once they are final)
    run = published_run(db, nxt, "final")
    with pytest.raises(UserErrors, match="没有编号为 D 的项目"):  # not before it is granted
        record_disbursement(db, admin, nxt, run, pool="library", ref="D", amount="1000",
                            paid_on=china_date(utcnow()), reference="转账 1")
    entries.fund_from_pool(db, admin, d, amount="5000")
    rec = db.scalar(select(ExecutionRecord).where(ExecutionRecord.submission_id == d.submission_id))
    assert (rec.call_id, rec.run_id, rec.pool, rec.allocated_fen) == (nxt.id, run.id, "library", 500_000)
    assert sum(t.amount_fen for t in rec.tranches) == 500_000 and len(rec.tranches) > 1
    record_disbursement(db, admin, nxt, run, pool="library", ref="D", amount="3000", paid_on=china_date(utcnow()),
                        reference="转账 1")
    with pytest.raises(FundingError, match=r"已拨付 ¥3,000.00，分配 ¥5,000.00"):
        record_disbursement(db, admin, nxt, run, pool="library", ref="D", amount="2000.01",
                            paid_on=china_date(utcnow()), reference="转账 2")
    with pytest.raises(FundingError, match="该项目不在本次结果中"):  # nothing of the matching pool
        record_disbursement(db, admin, nxt, run, pool="matching", ref="D", amount="1", paid_on=china_date(utcnow()),
                            reference="转账 3")
    library = next(p for p in pool_status(db, nxt, run) if p.pool == "library")
    assert (library.total_fen, library.allocated_fen, library.disbursed_fen) == (3_000_000, 3_000_000, 300_000)


def test_a_grant_counts_as_funding_for_the_entry_rules_and_the_organisations_record(db, carried):
    _call, nxt, d, admin = carried
    s = d.submission
    entries.update_settings(db, admin, nxt, no_second_funding=True)
    assert entry_refusal(db, nxt, s.organisation_id, title=s.title) is None  # D was never funded
    line = next(x for x in org_record(db, s.organisation).lines if x.submission.id == s.id)
    assert (line.library_fen, line.funded) == (0, False)
    entries.fund_from_pool(db, admin, d, amount="5000")
    refused = entry_refusal(db, nxt, s.organisation_id, title=s.title)
    assert refused is not None and refused.rule == "second_funding"
    line = next(x for x in org_record(db, s.organisation).lines if x.submission.id == s.id)
    assert (line.library_fen, line.funded) == (500_000, True)
