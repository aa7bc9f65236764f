"""The services that took over the results pages' rules: what-if trials and their saving, payments
as typed on the pools page, the uploaded package, and who may object. On the hand-worked sample
package (see test_call_package: C gets the last 20,000.00 of the 100,000 matching pool)."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gongyi import policy
from gongyi.auth.service import create_user
from gongyi.calls.models import Call
from gongyi.errors import UserError
from gongyi.funding import service as funding
from gongyi.funding.models import Disbursement
from gongyi.orgs.models import Organisation
from gongyi.results import publication, whatif
from gongyi.results.models import Run, RunRow
from gongyi.results.package_upload import import_uploaded_package
from gongyi.results.service import find_run
from tests.factories import make_admin, make_org

SAMPLE = Path(__file__).parent.parent / "data" / "sample"


@pytest.fixture
def call(app, runner, db):
    """The sample call under review, computed once (run 1); a request context for the run's note."""
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "sz-2026"]).exit_code == 0
    db.rollback()
    with app.test_request_context():
        yield db.scalar(select(Call).where(Call.slug == "sz-2026"))


def problems(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems()}


def test_a_trial_of_the_call_own_rules_changes_nothing(db, call):
    values = whatif.trial_values(call.rules)
    assert values["matching_pool"] == "100000.00" and values["matching_award_top"] == 3
    assert values["matching_tiers"] == "" and values["library_cap"] is None
    trial = whatif.try_changes(db, call, values)
    assert trial.rules == call.rules
    assert trial.results.matching_allocated_fen == find_run(db, call).matching_allocated_fen


def test_a_trial_names_every_problem_after_the_value_it_is_about(db, call):
    values = {**whatif.trial_values(call.rules), "matching_pool": "nan", "matching_award_top": "x",
              "matching_tiers": "1-3:2\n4to5:1\n6-7:-1", "library_policy": "lottery"}
    with pytest.raises(UserError) as exc:
        whatif.try_changes(db, call, values)
    found = problems(exc)
    assert set(found) == {"matching_pool", "matching_award_top", "matching_tiers", "library_policy"}
    assert found["matching_award_top"] == "请填写整数"
    assert found["matching_tiers"].startswith("第 %(n)s 行应写成")  # what could not be read comes first
    only_tiers = {**whatif.trial_values(call.rules), "matching_tiers": "1-3:-1"}
    with pytest.raises(UserError) as exc:
        whatif.try_changes(db, call, only_tiers)
    assert problems(exc) == {"matching_tiers": "不能为负数"}  # "matching.tiers[1].ratio" from the rules


def test_only_the_values_given_change(db, call):
    changes, found = whatif.read_changes({"matching_pool": " 200000 ", "matching_cap": "", "other": "x"})
    assert found == [] and changes == {"matching": {"pool": "200000", "cap": None}, "library": {}}
    trial = whatif.try_changes(db, call, {"matching_pool": "200000"})
    assert trial.rules["matching"]["pool"] == "200000.00" and trial.rules["library"] == call.rules["library"]
    assert trial.results.matching_allocated_fen == 120_000_00


def test_saving_a_trial_needs_a_reason_and_computes_a_new_run(db, call):
    admin = make_admin(db)
    assert whatif.can_save(call)  # under review
    trial = whatif.try_changes(db, call, {"matching_pool": "200000"})
    with pytest.raises(UserError) as exc:
        whatif.save_trial(db, admin, call, trial, "  ")
    assert problems(exc) == {"reason": "保存为规则修订须填写理由"}
    run = whatif.save_trial(db, admin, call, trial, " 追加配套资金 ")
    assert run.number == 2 and run.note == "规则修订：追加配套资金" and run.matching_allocated_fen == 120_000_00
    assert [v.version for v in call.rules_versions] == [1, 2] and call.rules_versions[1].reason == "追加配套资金"


@pytest.fixture
def final(db, call):
    """Run 1 as the final results, published on 2026-11-20."""
    run = find_run(db, call)
    run.published, run.published_at = "final", datetime(2026, 11, 20, 2, tzinfo=timezone.utc)
    call.status = "final"
    db.flush()
    return run


def pay(db, call, run, **changes):
    fields = {"pool": "matching", "ref": "C", "amount": "15000", "paid_on": "2026-12-01", "reference": "拨付-001"}
    return funding.record_disbursement(db, make_admin(db), call, run, **{**fields, **changes})


def test_payments_are_read_as_typed_with_every_problem_at_once(db, call, final):
    with pytest.raises(UserError) as exc:
        pay(db, call, final, ref="ZZZ", amount="-1", paid_on="1 December")
    assert set(problems(exc)) == {"ref", "amount", "paid_on"}
    with pytest.raises(UserError) as exc:
        pay(db, call, final, amount="5000.001")
    assert set(problems(exc)) == {"amount"}
    with pytest.raises(UserError, match="不能早于") as exc:
        pay(db, call, final, paid_on="2026-11-19")
    assert exc.value.field == "paid_on"
    with pytest.raises(UserError, match="凭证号") as exc:
        pay(db, call, final, reference=None)
    tranche = pay(db, call, final, ref=" C ")
    assert (tranche.amount_fen, tranche.pool, str(tranche.paid_on)) == (15_000_00, "matching", "2026-12-01")
    with pytest.raises(UserError, match="超出该项目的分配额") as exc:
        pay(db, call, final, amount="5000.01")
    assert exc.value.field == "amount"
    assert db.scalar(select(func.sum(Disbursement.amount_fen))) == 15_000_00


def test_payments_only_out_of_published_final_results(db, call):
    run = find_run(db, call)
    assert not funding.can_disburse(call, run) and not funding.can_disburse(call, None)
    with pytest.raises(UserError, match="最终结果发布之后才能拨付"):
        pay(db, call, run)
    run.published, run.published_at = "final", datetime(2026, 11, 20, 2, tzinfo=timezone.utc)
    assert not funding.can_disburse(call, run)  # the call is still under review
    call.status = "archived"
    assert funding.can_disburse(call, run)


def zipped(folder: Path, **replaced: bytes) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for path in folder.iterdir():
            zf.writestr(path.name, replaced.get(path.name.replace(".", "_"), path.read_bytes()))
    return data.getvalue()


def test_an_uploaded_package_reports_each_problem_beside_the_upload(app, db):
    admin = make_admin(db)
    db.commit()
    with pytest.raises(UserError) as exc:
        import_uploaded_package(db, admin, "", b"")
    assert problems(exc) == {"package": "请选择一个 .zip 文件"}
    funds = (SAMPLE / "funds.csv").read_bytes().replace(b"60000.00", b"-3", 1)
    with pytest.raises(UserError) as exc:
        import_uploaded_package(db, admin, "pkg.zip", zipped(SAMPLE, funds_csv=funds))
    assert [(p.field, p.translated()) for p in exc.value.problems()] == [
        ("package", "funds.csv:2: amount '-3': a negative amount")]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Call)) == 0
    report = import_uploaded_package(db, admin, "pkg.zip", zipped(SAMPLE))
    assert (report.slug, report.submissions) == ("sz-2026", 7)


def test_who_may_object_is_answered_in_one_place(db, call):
    run = find_run(db, call)
    run.published, run.publicity_until = "provisional", datetime(2999, 1, 1, tzinfo=timezone.utc)
    admin = make_admin(db)
    loner = create_user(db, None, email="loner@example.org", name="个人", password="password123")
    pending, _org = make_org(db, admin, verified=False)
    member, org = make_org(db, admin)
    db.flush()
    for user, organisation in ((None, None), (loner, None), (pending, None), (member, org)):
        assert publication.objecting_organisation(user) == organisation
        assert policy.can_file_objection(user, run) is (organisation is not None)
    run.publicity_until = datetime(2000, 1, 1, tzinfo=timezone.utc)
    assert publication.objecting_organisation(member) == org and not policy.can_file_objection(member, run)
    assert db.get(Organisation, org.id).is_verified


def test_an_objection_is_answered_once_by_an_administrator(db, call):
    run = find_run(db, call)
    run.published, run.publicity_until = "provisional", datetime(2999, 1, 1, tzinfo=timezone.utc)
    admin = make_admin(db)
    member, _org = make_org(db, admin)
    db.flush()
    row = db.scalar(select(RunRow).where(RunRow.run_id == run.id, RunRow.ref == "B"))
    objection = publication.file_objection(db, member, row, real_name="李四", contact="138", reason="未到账",
                                           max_bytes=1024)
    assert policy.can_answer_objection(admin, objection) and not policy.can_answer_objection(member, objection)
    publication.answer_objection(db, admin, objection, "dismissed", "捐赠已到账")
    assert not policy.can_answer_objection(admin, objection)
    assert db.scalar(select(func.count()).select_from(Run)) == 1


@pytest.mark.parametrize("status, saved", [("open", False), ("reviewing", True), ("results", True),
                                           ("publicity", False), ("final", False)])
def test_a_trial_is_saved_only_while_the_rules_may_change_and_results_be_computed(db, call, status, saved):
    call.status = status
    assert whatif.can_save(call) is saved
