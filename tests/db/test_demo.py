from sqlalchemy import func, select

from gongyi.auth.models import User
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
    assert calls == {"demo-2025": "final", "demo-2026": "reviewing", "demo-2027": "open"}
    # 8 + 2 in the demo's two editions, 5 in the past edition of the library step, 1 replication draft
    assert db.scalar(select(func.count()).select_from(Submission)) == 16
    statuses = db.scalars(select(Review.status)).all()
    assert statuses.count("submitted") >= 15 and "draft" in statuses
    # one for demo-2026; demo-2025's at the end of review and after publicity
    assert db.scalar(select(func.count()).select_from(Run)) == 3
    users = db.scalar(select(func.count()).select_from(User))

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User)) == users

    assert auth.login("org1@demo.gongyi.cn", "gongyi-demo").status_code == 302
    auth.logout()
    assert auth.login("admin@demo.gongyi.cn", "gongyi-demo").status_code == 302
    assert client.get("/admin/calls/demo-2026/results").status_code == 200


def test_the_demo_shows_the_library_a_brand_a_replication_and_a_pledge(db, app):
    from gongyi.demo import load_demo
    from gongyi.library.models import Brand, LibraryEntry, Pledge, Replication

    with app.test_request_context():
        load_demo(db)
    db.commit()
    found = {(e.call.slug, e.submission.title): e.status for e in db.scalars(select(LibraryEntry))}
    assert found == {
        ("demo-2025", "儿童阅读角"): "funded",  # the library pool (10,000, rank order) reached the first only
        ("demo-2025", "社区法律服务站"): "carried", ("demo-2025", "社区防跌倒行动"): "carried",
        ("demo-2026", "社区法律服务站"): "waiting", ("demo-2026", "社区防跌倒行动"): "waiting",
    }
    brand = db.scalar(select(Brand))
    replication = db.scalar(select(Replication))
    assert brand.name == "长者健康管家" and replication.brand_id == brand.id
    assert replication.submission.call.slug == "demo-2027" and replication.submission.status == "draft"
    assert sorted((p.status, p.amount_fen) for p in db.scalars(select(Pledge))) == [
        ("confirmed", 1_000_000), ("pending", 500_000)]
