"""The hand-worked sample call (tests/data/sample) taken to final results, for the library tests.

Its final results: A 50,000, B 30,000, C 20,000 matching; G (requested 20,000) 13,333.33 and
D (requested 25,000) 16,666.67 from the library pool; E and F not shortlisted.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
import shutil
from pathlib import Path

from sqlalchemy import select

from gongyi.calls.models import Call
from gongyi.calls.service import transition_call
from gongyi.results import publication
from gongyi.results.models import Run
from gongyi.results.service import compute_call
from tests.factories import make_admin

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
CST = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 6, 1, 10, 0, tzinfo=CST)
AFTER = datetime(2026, 6, 8, 9, 0, tzinfo=CST)


def latest(db, call) -> Run:
    return db.scalar(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc()).limit(1))


def final_sample(runner, db, package: Path = SAMPLE) -> tuple[Call, object]:
    """Import, compute, finish review, publish provisional then final results of the sample (or of
    `package`, a variant of it); (call, admin)."""
    assert runner.invoke(args=["calls", "import", str(package)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "sz-2026"]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "sz-2026"))
    admin = make_admin(db)
    transition_call(db, admin, call, "finish_review")
    publication.publish_results(db, admin, latest(db, call), "provisional", working_days=5, now=MONDAY)
    rerun = compute_call(db, admin, call)
    publication.publish_results(db, admin, rerun, "final", working_days=5, now=AFTER)
    db.flush()
    return call, admin


def waiting_sample(runner, db, tmp_path: Path) -> tuple[Call, object]:
    """The sample with its library pool cut to 20,000.00 under rank_order and a verified 8,000.00
    from an enterprise for D, to final results: G (rank 4, requested 20,000.00) gets the whole pool,
    D (rank 5, requested 25,000.00, counted R 8,000.00) waits in the library with 0."""
    package = tmp_path / "sample"
    shutil.copytree(SAMPLE, package)
    toml = (package / "call.toml").read_text(encoding="utf-8")
    (package / "call.toml").write_text(toml.replace('pool = "30000.00"\npolicy = "pro_rata"',
                                                    'pool = "20000.00"\npolicy = "rank_order"'), encoding="utf-8")
    with open(package / "funds.csv", "a", encoding="utf-8") as funds:
        funds.write("D,enterprise,某企业,8000.00,verified\n")
    return final_sample(runner, db, package)


def later_final_results(db, admin, call, *, pool_fen: int, allocated_fen: int):
    """The next edition created from `call`, its waiting entries carried into it, and final results of
    its own saved (a run with no rows) whose library pool was `pool_fen`, `allocated_fen` of it spent."""
    from gongyi.library import editions, entries
    from gongyi.money import fen_to_str
    from tests.dashboard_world import save_run

    nxt = editions.new_edition(db, admin, call, slug="sz-2027", title="2027 深圳市公益创投大赛")
    entries.carry_entries(db, admin, call, nxt)
    run = save_run(db, nxt, [], published="final")
    run.rules = {**run.rules, "library": {**run.rules["library"], "pool": fen_to_str(pool_fen)}}
    run.library_pool_fen, run.library_allocated_fen = pool_fen, allocated_fen
    db.flush()
    return nxt


_orgs = iter(range(900, 999))


def other_org(db, admin, name: str | None = None):
    """A verified organisation (and its member) beside the sample's three, whose codes it never takes."""
    from gongyi.auth.service import create_user
    from gongyi.orgs.service import register_organisation, verify_organisation
    from tests.factories import PASSWORD, credit_code

    n = next(_orgs)
    member = create_user(db, None, email=f"other{n}@example.org", name=f"成员{n}", password=PASSWORD, roles=("member",))
    org = register_organisation(db, member, name=name or f"宝安区社工服务中心{n}", credit_code=credit_code(n, "51"),
                                org_type="social_service", district_code="440306", contact_person="联系人",
                                phone="0755-1234", address="宝安区")
    verify_organisation(db, admin, org)
    return member, org


def final_evaluation(db, admin, submission, *, passed: bool = True) -> None:
    """The project's final evaluation by a third-party evaluator, published and confirmed after its
    publicity, through the execution services (the project is in execution since its final results)."""
    from gongyi.execution import evaluations
    from gongyi.execution.models import ExecutionRecord

    rec = db.scalar(select(ExecutionRecord).where(ExecutionRecord.submission_id == submission.id))
    n = next(_orgs)
    evaluator = evaluations.create_evaluator(db, admin, email=f"evaluator{n}@example.org", name="评估机构",
                                             password="password123", affiliation_id=None)
    evaluations.assign_evaluator(db, admin, rec, evaluator)
    criteria, pass_mark = evaluations.rubric_of(db, submission.call)
    share = 9 if passed else 3  # tenths of each criterion's maximum: 90 or 30 of 100, the pass mark 60
    evaluation = evaluations.save_evaluation(db, evaluator, rec, "final", comment="评估意见", submit=True,
                                             scores={c["code"]: str(int(c["max"]) * share // 10) for c in criteria})
    at = datetime(2027, 3, 1, 10, 0, tzinfo=CST)
    evaluations.publish_evaluation(db, admin, evaluation, working_days=5, now=at)
    evaluations.confirm_evaluation(db, admin, evaluation, now=at + timedelta(days=10))
    assert evaluation.passed is passed
