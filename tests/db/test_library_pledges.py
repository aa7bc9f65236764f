"""Co-funders and pledges through the services: the need, the limits, confirmation as a verified
funding line (audited), adoption, and concurrent confirmations serialized on PostgreSQL.

G (sample, tests/db/library_world.py) requested 20,000.00 and got 13,333.33 from the library
pool: 6,666.67 is still needed."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from gongyi.audit.models import AuditEntry
from gongyi.auth.models import User
from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.library import cofunders
from gongyi.library.models import LibraryEntry, Pledge
from gongyi.results.service import is_current
from gongyi.submissions.models import FundingLine, Submission
from tests.db.library_world import final_sample, latest


@pytest.fixture
def world(app, runner, db):
    with app.test_request_context():
        call, admin = final_sample(runner, db)
        user = create_user(db, None, email="fund@example.org", name="资助方", password="password123", roles=())
        funder = cofunders.add_co_funder(db, admin, email="fund@example.org", name="某企业", kind="enterprise")
        yield call, admin, user, funder


def sub(db, ref: str) -> Submission:
    return db.scalar(select(Submission).join(Call).where(Call.slug == "sz-2026", Submission.ref == ref))


def test_a_co_funder_account_gets_the_role_and_its_kind(db, world):
    _, admin, user, funder = world
    assert "co_funder" in user.roles and funder.kind == "enterprise"
    with pytest.raises(cofunders.PledgeError, match="已是共同资助方"):
        cofunders.add_co_funder(db, admin, email="fund@example.org", name="x", kind="other")
    with pytest.raises(cofunders.PledgeError, match="不能兼任"):
        cofunders.add_co_funder(db, admin, email=admin.email, name="x", kind="other")


def test_the_need_and_the_pledge_limit(db, world):
    _, admin, user, _ = world
    g = sub(db, "G")
    need = cofunders.need_of(db, g)
    assert (need.requested_fen, need.public_fen, need.pledged_fen, need.remaining_fen) == (2_000_000, 1_333_333, 0, 666_667)
    with pytest.raises(cofunders.PledgeError, match="超出该项目尚需的金额 ¥6,666.67"):
        cofunders.make_pledge(db, user, g, amount="6666.68")
    with pytest.raises(cofunders.PledgeError, match="金额必须大于零"):
        cofunders.make_pledge(db, user, g, amount="0")
    with pytest.raises(cofunders.PledgeError):
        cofunders.make_pledge(db, user, g, amount="abc")
    with pytest.raises(cofunders.PledgeError, match="只有共同资助方"):
        cofunders.make_pledge(db, admin, g, amount="1")
    with pytest.raises(cofunders.PledgeError, match="项目库中等待资助的项目或品牌项目"):
        cofunders.make_pledge(db, user, sub(db, "A"), amount="1")  # matched, not in the library


def test_a_confirmed_pledge_is_a_verified_funding_line_and_covering_a_funded_entrys_need_leaves_it_funded(db, world):
    _, admin, user, _ = world
    g = sub(db, "G")
    first = cofunders.make_pledge(db, user, g, amount="6000", conditions="用于场地", message="支持")
    second = cofunders.make_pledge(db, user, g, amount="666.67")
    cofunders.confirm_pledge(db, admin, first)
    line = db.get(FundingLine, first.funding_line_id)
    assert (line.submission_id, line.source, line.donor, line.amount_fen, line.status) == (
        g.id, "enterprise", "某企业", 600_000, "verified")
    entry = db.scalar(select(LibraryEntry).where(LibraryEntry.submission_id == g.id))
    assert entry.status == "funded"
    # Money drawn after the results is not counted towards matching: the final results stay current.
    call = world[0]
    assert is_current(db, call, latest(db, call))
    cofunders.confirm_pledge(db, admin, second)  # 6,000 + 666.67 = 6,666.67: covered
    assert cofunders.need_of(db, g).covered
    assert entry.status == "funded"  # funded by its results, the pledges one more source (a waiting entry is adopted)
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"pledge.make", "pledge.confirm", "funding_line.pledged", "co_funder.add"} <= actions
    with pytest.raises(cofunders.PledgeError, match="已处理过"):
        cofunders.confirm_pledge(db, admin, second)


def test_confirmation_rechecks_the_need_unless_the_administrator_allows_more(db, world):
    _, admin, user, _ = world
    g = sub(db, "G")
    a = cofunders.make_pledge(db, user, g, amount="5000")
    b = cofunders.make_pledge(db, user, g, amount="5000")  # each fits alone; not both
    cofunders.confirm_pledge(db, admin, a)
    with pytest.raises(cofunders.PledgeError, match="超出该项目尚需的金额 ¥1,666.67"):
        cofunders.confirm_pledge(db, admin, b)
    assert b.status == "pending"
    cofunders.confirm_pledge(db, admin, b, allow_over=True)
    assert (b.status, b.over_need_allowed) == ("confirmed", True)


def test_declining_needs_a_reason(db, world):
    _, admin, user, _ = world
    p = cofunders.make_pledge(db, user, sub(db, "D"), amount="100")
    with pytest.raises(cofunders.PledgeError, match="理由"):
        cofunders.decline_pledge(db, admin, p, "")
    cofunders.decline_pledge(db, admin, p, "条件不符合规定")
    assert (p.status, p.decision_reason, p.funding_line_id) == ("declined", "条件不符合规定", None)


def test_concurrent_confirmations_cannot_both_fit_in_the_need(app, db, world, request):
    """Two administrators confirm two 5,000 pledges to G (6,666.67 needed) at once: the project's
    row lock makes the second wait for the first and then see it."""
    if request.node.callspec.params["app"] != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serializes every write")
    _, admin, user, _ = world
    g = sub(db, "G")
    ids = [cofunders.make_pledge(db, user, g, amount="5000").id for _ in range(2)]
    db.commit()
    maker = app.extensions["gongyi.sessionmaker"]
    first, second = maker(), maker()
    outcome: dict[str, object] = {}
    cofunders.confirm_pledge(first, first.get(User, admin.id), first.get(Pledge, ids[0]))  # holds G's row lock

    def confirm_second():
        with app.test_request_context():
            try:
                cofunders.confirm_pledge(second, second.get(User, admin.id), second.get(Pledge, ids[1]))
                second.commit()
                outcome["second"] = "confirmed"
            except cofunders.PledgeError as exc:
                second.rollback()
                outcome["second"] = exc.message

    thread = threading.Thread(target=confirm_second)
    thread.start()
    thread.join(timeout=1)  # it waits on the lock meanwhile
    assert thread.is_alive()
    first.commit()
    thread.join()
    first.close(), second.close()
    db.rollback()
    assert outcome["second"].startswith("超出该项目尚需的金额")
    assert [db.get(Pledge, i).status for i in ids] == ["confirmed", "pending"]
