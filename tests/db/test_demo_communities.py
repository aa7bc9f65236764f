"""The demo edition's communities: records made through the services, needs lists kept by their
service centres' organisations, the demo's projects linked to them, and a coverage map with
needs answered and needs nobody answered."""
from sqlalchemy import func, select

from gongyi.calls.service import find_call
from gongyi.communities.models import Community, CommunityNeed, SubmissionCommunity
from gongyi.dashboards.coverage import coverage_map
from gongyi.dashboards.scope import scope
from gongyi.demo import load_demo
from gongyi.submissions.models import Submission


def test_the_demo_has_communities_with_needs_lists(db):
    load_demo(db)
    db.commit()
    statuses = dict(db.execute(select(Community.status, func.count()).group_by(Community.status)).all())
    assert statuses == {"confirmed": 5, "proposed": 1}
    assert db.scalar(select(func.count()).select_from(SubmissionCommunity)) == db.scalar(
        select(func.count()).select_from(Submission))  # every demo project names its community
    assert db.scalar(select(func.count(func.distinct(CommunityNeed.community_id)))) == 5
    found = coverage_map(db, scope(db, find_call(db, "demo-2026")))
    summary = dict(found.summary.rows)
    assert summary["已回应的需求"] > 0 and summary["无人回应的需求"] > 0
    hubei = [r for r in found.unanswered.rows if r[3] == "湖贝社区"]
    assert len(hubei) == 2  # a community with a needs list and no project yet
