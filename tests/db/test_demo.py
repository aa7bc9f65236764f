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
    assert db.scalar(select(func.count()).select_from(Submission)) == 18  # 8 last year, 8 this spring, 2 now
    statuses = db.scalars(select(Review.status)).all()
    assert statuses.count("submitted") >= 15 and "draft" in statuses
    # Last year's provisional and final results, this spring's computation.
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
