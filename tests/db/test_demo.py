from sqlalchemy import func, select

from gongyi.auth.models import User
from gongyi.calls.service import find_call
from gongyi.clock import utcnow
from gongyi.demo import load_demo
from gongyi.results import publication
from gongyi.results.service import compute_call
from gongyi.calls.models import Call
from gongyi.results.models import Run
from gongyi.review.models import Review
from gongyi.submissions.models import Submission


def test_demo_loads_once_through_the_services(runner, db, client, auth):
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.gongyi.cn" in result.output and "gongyi-demo" in result.output
    db.rollback()
    calls = {c.slug: c.status for c in db.scalars(select(Call))}
    assert calls == {"demo-2024": "final", "demo-2025": "final", "demo-2025-publicity": "publicity",
                     "demo-2025-rounds": "results", "demo-2026": "reviewing", "demo-2027": "open"}
    # 8 last year, 8 in last year's micro-venture, 8 this spring, 2 now, the rounds edition's 6,
    # the library step's 5 and its replication draft
    assert db.scalar(select(func.count()).select_from(Submission)) == 38
    statuses = db.scalars(select(Review.status)).all()
    assert statuses.count("submitted") >= 15 and "draft" in statuses
    # Last year's provisional and final results, the micro-venture's provisional ones, this spring's
    # computation, the rounds edition's before and after the hold, the library step's provisional
    # and final results.
    assert db.scalar(select(func.count()).select_from(Run)) == 8
    users = db.scalar(select(func.count()).select_from(User))

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User)) == users

    assert auth.login("org1@demo.gongyi.cn", "gongyi-demo").status_code == 302
    auth.logout()
    assert auth.login("admin@demo.gongyi.cn", "gongyi-demo").status_code == 302
    assert client.get("/admin/calls/demo-2026/results").status_code == 200


def test_the_demo_shows_every_clause_of_rules_version_2(runner, db, client, auth):
    """The rounds edition: two rounds, experts 0.7 and public 0.3, a donor over the cap, a
    government line that does not count, and one held project."""
    from gongyi.calls.models import CallRound
    from gongyi.results.models import RunRow

    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "demo-2025-rounds"))
    final = call.rules["rounds"][1]
    assert [(p["code"], p["weight"]) for p in final["panels"]] == [("expert", "0.7"), ("public", "0.3")]
    assert db.scalar(select(CallRound.status).where(CallRound.call_id == call.id, CallRound.code == "online")) == "closed"
    panels = set(db.scalars(select(Review.round).join(Submission).where(Submission.call_id == call.id)))
    assert panels == {"online", "final"}
    run = db.scalar(select(Run).where(Run.call_id == call.id).order_by(Run.number.desc()))
    rows = {r.ref: r for r in db.scalars(select(RunRow).where(RunRow.run_id == run.id))}
    reasons = {line["reason"] for r in rows.values() for line in r.ledger["funds"]["lines"]}
    assert {"over_donor_cap", "source_not_counted"} <= reasons
    assert [r.outcome for r in rows.values() if r.held] == ["held"]
    assert {r.round for r in rows.values()} == {"online", "final"}
    auth.login("admin@demo.gongyi.cn", "gongyi-demo")
    held = next(r for r in rows.values() if r.held)
    page = client.get(f"/results/demo-2025-rounds/projects/{held.ref}?run={run.number}").get_data(as_text=True)
    assert "来自腾讯，按捐赠方上限计入 ¥50,000.00" in page
    assert client.get("/admin/review/demo-2025-rounds/rounds/online").status_code == 200


def test_demo_has_a_call_whose_publicity_ended_ready_for_final_results(app, db):
    """A newcomer can try final publication on demo-2025-publicity: recompute, then publish."""
    load_demo(db)
    db.commit()
    call = find_call(db, "demo-2025-publicity")
    provisional = publication.published_run(db, call, "provisional")
    assert provisional is not None and provisional.publicity_until < utcnow()
    assert [o.objection.status for o in publication.call_objections(db, call)] == ["dismissed"]
    admin = db.scalar(select(User).where(User.email == "admin@demo.gongyi.cn"))
    with app.test_request_context():
        run = compute_call(db, admin, call, note="复核后重新计算")
        publication.publish_results(db, admin, run, "final", working_days=5)
    assert call.status == "final"


def test_the_demo_shows_the_library_a_brand_a_replication_and_a_pledge(db, app):
    from gongyi.demo import load_demo
    from gongyi.library.models import Brand, LibraryEntry, Pledge, Replication

    with app.test_request_context():
        load_demo(db)
    db.commit()
    found = {(e.call.slug, e.submission.title): (e.status, e.editions) for e in db.scalars(select(LibraryEntry))}
    two_years_back = {title: status for (slug, title), status in found.items() if slug == "demo-2024"}
    assert two_years_back == {
        "儿童阅读角": ("funded", 1),  # the library pool (10,000, rank order) reached the first only
        "社区法律服务站": ("carried", 1), "社区防跌倒行动": ("carried", 1),
    }
    assert found[("demo-2025", "社区法律服务站")] == found[("demo-2025", "社区防跌倒行动")] == ("waiting", 2)
    # demo-2025's own final results put their library projects there too (its pool shared pro rata)
    assert {status for (slug, _), status in found.items() if slug == "demo-2025"} == {("waiting", 2), ("funded", 1)}
    brand = db.scalar(select(Brand))
    replication = db.scalar(select(Replication))
    assert brand.name == "长者健康管家" and replication.brand_id == brand.id
    assert brand.facts["evaluation"] == "passed"  # its final evaluation, confirmed after publicity
    assert replication.submission.call.slug == "demo-2027" and replication.submission.status == "draft"
    assert sorted((p.status, p.amount_fen) for p in db.scalars(select(Pledge))) == [
        ("confirmed", 1_000_000), ("pending", 500_000)]
