"""Entry rules across editions through the services the submission pages use: failed final
evaluations in the last N editions, no second funding of the same project (a replication is not
the same project), the barred list; and brands, replication and the organisation's record."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.clock import china_date, utcnow
from gongyi.library import brands, entries, entry_check
from gongyi.library.models import Replication
from gongyi.library.org_record import org_record
from gongyi.library.record import known_record
from gongyi.orgs.models import Organisation
from gongyi.submissions import service as submissions
from gongyi.submissions.project import SubmissionError, SubmissionInvalid
from gongyi.submissions.models import Submission
from tests.db.library_world import final_evaluation, final_sample, other_org
from tests.factories import make_call

NOW = datetime.now(timezone.utc)


@pytest.fixture
def world(app, runner, db):
    with app.test_request_context():
        call, admin = final_sample(runner, db)
        later = make_call(db, admin, slug="open-2027")
        yield call, admin, later


def sub(db, ref: str) -> Submission:
    return db.scalar(select(Submission).join(Call).where(Call.slug == "sz-2026", Submission.ref == ref))


def member_of(db, org_id: int, email: str):
    user = create_user(db, None, email=email, name="成员", password="password123", roles=("member",))
    user.organisation_id = org_id
    db.flush()
    return user


def test_a_failed_final_evaluation_refuses_the_organisation_for_the_editions_the_call_sets(db, world):
    call, admin, later = world
    a = sub(db, "A")
    member = member_of(db, a.organisation_id, "a@example.org")
    assert known_record(db, a).evaluation is None  # in execution, not evaluated yet
    final_evaluation(db, admin, a, passed=False)
    assert (known_record(db, a).evaluation, known_record(db, a).execution) == ("failed", "stopped")
    assert submissions.create_submission(db, member, later) is not None  # the rule is off by default
    entries.update_settings(db, admin, later, failed_evaluation_editions=1)
    with pytest.raises(SubmissionError, match="近届资助项目评估不合格.*A") as refused:
        submissions.create_submission(db, member, later)
    assert refused.value.rule == "failed_evaluation"
    assert known_record(db, sub(db, "E")).evaluation is None  # not shortlisted: never funded, never evaluated


def test_the_same_project_is_not_funded_twice_and_the_refusal_is_beside_the_title(db, world):
    call, admin, later = world
    a = sub(db, "A")
    member = member_of(db, a.organisation_id, "a@example.org")
    draft = submissions.create_submission(db, member, later, title="长者 助餐")
    assert entry_check.entry_refusal(db, later, a.organisation_id, title="长者助餐") is None  # off by default
    entries.update_settings(db, admin, later, no_second_funding=True)
    with pytest.raises(SubmissionInvalid) as refused:
        submissions.submit_project(db, member, draft)
    rule = [p for p in refused.value.problems() if getattr(p, "rule", None) == "second_funding"]
    assert len(rule) == 1 and rule[0].field == "title" and rule[0].params["ref"] == "A"
    entries.update_settings(db, admin, later, no_second_funding=False)
    assert entry_check.entry_refusal(db, later, a.organisation_id, title="长者助餐") is None


def test_a_replication_is_not_the_same_project(db, world):
    call, admin, later = world
    a = sub(db, "A")
    final_evaluation(db, admin, a)
    brand = brands.designate_brand(db, admin, a, name="长者饭堂", what="助餐", for_whom="长者", results="好",
                                   criteria=["evaluation_passed"])
    # Another organisation that once ran (and was funded for) a project of the same title itself.
    member, org = other_org(db, admin)
    earlier = make_call(db, admin, slug="old-2025", opens_at=NOW - timedelta(days=700), closes_at=NOW - timedelta(days=600))
    from tests.factories import make_published_result, make_submission
    own = make_submission(db, earlier, org, title="长者助餐")
    make_published_result(db, own, outcome="matched", matching_fen=100_000)
    entries.update_settings(db, admin, later, no_second_funding=True)
    assert entry_check.entry_refusal(db, later, org.id, title="长者助餐").rule == "second_funding"
    draft = brands.replicate_brand(db, member, brand, later)
    assert db.scalar(select(Replication.brand_id).where(Replication.submission_id == draft.id)) == brand.id
    assert entry_check.entry_refusal(db, later, org.id, title=draft.title, submission_id=draft.id) is None
    assert [i.item_code for i in draft.items] == [i.item_code for i in a.items]
    assert [(l.what, l.amount_fen) for l in draft.budget_lines] == [(l.what, l.amount_fen) for l in a.budget_lines]
    assert brands.marked_replication(db, draft) is None  # the call does not show reviewers replications
    entries.update_settings(db, admin, later, mark_replications=True)
    assert brands.marked_replication(db, draft) == brand and brands.marked_replication(db, a) is None
    tree = brands.family_tree(db, brand)
    assert tree.submission.id == a.id and [n.submission.id for n in tree.children] == [draft.id]
    assert tree.disclosed and not tree.children[0].disclosed and tree.children[0].organisation == ""  # a draft
    assert brands.family_tree(db, brand, full=True).children[0].organisation == org.name
    assert [line.replicates.id for line in org_record(db, org).lines if line.replicates] == [brand.id]
    origin_record = org_record(db, db.get(Organisation, a.organisation_id))
    assert [r.submission_id for r in origin_record.replications_of_ours] == [draft.id]


def test_brands_need_funding_and_criteria_the_record_supports(db, world):
    call, admin, later = world
    with pytest.raises(brands.BrandError, match="获得资助的项目"):
        brands.designate_brand(db, admin, sub(db, "E"), name="x", what="", for_whom="", results="", criteria=["replicable"])
    with pytest.raises(brands.BrandError, match="不足两届"):
        brands.designate_brand(db, admin, sub(db, "B"), name="x", what="", for_whom="", results="",
                               criteria=["years_running"])
    brand = brands.designate_brand(db, admin, sub(db, "B"), name="四点半", what="", for_whom="", results="",
                                   criteria=["replicable"])
    assert brand.facts["outcome"] == "matched" and brand.facts["years_running"] == 1
    member = member_of(db, sub(db, "B").organisation_id, "b@example.org")
    with pytest.raises(brands.BrandError, match="其他组织"):
        brands.replicate_brand(db, member, brand, later)


def test_the_criteria_the_record_checks_are_added_when_met_beside_the_administrators(db, world):
    call, admin, later = world
    a, b = sub(db, "A"), sub(db, "B")
    final_evaluation(db, admin, a)  # passed; A was funded in one edition only
    assert brands.checked_criteria(known_record(db, a)) == {"evaluation_passed": True, "years_running": False}
    brand = brands.designate_brand(db, admin, a, name="长者饭堂", what="", for_whom="", results="", criteria=["replicable"])
    assert brand.criteria == ["evaluation_passed", "replicable"]
    profile = brands.brand_profile(db, brand.id)
    assert profile.own_criteria == ["replicable"] and profile.checked["evaluation_passed"]
    # B: no evaluation on record and one edition: nothing checked, so the administrator must judge one.
    assert brands.checked_criteria(known_record(db, b)) == {"evaluation_passed": False, "years_running": False}
    with pytest.raises(brands.BrandError, match="记录中没有核实的标准") as refused:
        brands.designate_brand(db, admin, b, name="四点半", what="", for_whom="", results="", criteria=[])
    assert refused.value.field == "criteria"


def test_a_barred_organisation_is_refused_on_its_days_only(db, world):
    call, admin, later = world
    member, org = other_org(db, admin)
    today = china_date(utcnow())  # the services' day: Beijing's, which is not the machine's near midnight UTC
    bar = entry_check.bar_organisation(db, admin, org, reason="虚报资金", starts_on=today - timedelta(days=10))
    with pytest.raises(SubmissionError, match="限制申报名单.*虚报资金"):
        submissions.create_submission(db, member, later)
    entries.update_settings(db, admin, later, barred_list=False)
    assert entry_check.entry_refusal(db, later, org.id) is None
    entries.update_settings(db, admin, later, barred_list=True)
    entry_check.lift_bar(db, admin, bar)
    assert bar.ends_on == today - timedelta(days=1) and entry_check.entry_refusal(db, later, org.id) is None
    with pytest.raises(Exception, match="结束日期不能早于开始日期"):
        entry_check.bar_organisation(db, admin, org, reason="x", starts_on=today, ends_on=today - timedelta(days=1))


def test_only_what_the_calls_rules_look_at_is_read(db, world, statements):
    """A submit at the deadline asks the entry rules of every project: with the defaults (the
    barred list only) the organisation's earlier editions and replications are not read."""
    call, admin, later = world
    a = sub(db, "A")
    assert entry_check.entry_refusal(db, later, a.organisation_id, title="长者助餐") is None
    with statements:
        assert entry_check.entry_refusal(db, later, a.organisation_id, title="长者助餐", submission_id=a.id) is None
    default = list(statements.statements)
    # the barred list; the settings were read with the call the first time
    assert len(default) == 1 and not any("FROM replication" in s or "run_row" in s for s in default), default
    entries.update_settings(db, admin, later, no_second_funding=True)
    with statements:
        refused = entry_check.entry_refusal(db, later, a.organisation_id, title="长者助餐", submission_id=a.id)
    assert refused is not None and refused.rule == "second_funding"
    assert any("FROM replication" in s for s in statements.statements) and len(statements) > len(default)
