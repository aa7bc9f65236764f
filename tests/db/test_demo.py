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
    assert calls == {"demo-2026": "reviewing", "demo-2027": "open", "demo-2025": "publicity"}
    assert db.scalar(select(func.count()).select_from(Submission)) == 18
    statuses = db.scalars(select(Review.status)).all()
    assert statuses.count("submitted") >= 15 and "draft" in statuses
    assert db.scalar(select(func.count()).select_from(Run)) == 2
    users = db.scalar(select(func.count()).select_from(User))

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User)) == users

    assert auth.login("org1@demo.gongyi.cn", "gongyi-demo").status_code == 302
    auth.logout()
    assert auth.login("admin@demo.gongyi.cn", "gongyi-demo").status_code == 302
    assert client.get("/admin/calls/demo-2026/results").status_code == 200


def test_demo_has_a_call_whose_publicity_ended_ready_for_final_results(app, db):
    """A newcomer can try final publication on demo-2025: recompute, then publish."""
    load_demo(db)
    db.commit()
    call = find_call(db, "demo-2025")
    provisional = publication.published_run(db, call, "provisional")
    assert provisional is not None and provisional.publicity_until < utcnow()
    assert [o.objection.status for o in publication.call_objections(db, call)] == ["dismissed"]
    admin = db.scalar(select(User).where(User.email == "admin@demo.gongyi.cn"))
    with app.test_request_context():
        run = compute_call(db, admin, call, note="复核后重新计算")
        publication.publish_results(db, admin, run, "final", working_days=5)
    assert call.status == "final"
