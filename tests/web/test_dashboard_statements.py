"""Every list page, dashboard, map and export runs the same SQL statements at 10 submissions as at
10,000, and no page is over 300 KiB at 10,000: the figures are aggregated in the database (GROUP
BY), never loaded row by row, and lists show one page of rows (the ranking, the public results,
screening, the review board, calibration's flagged disagreements)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from gongyi.communities import needs, service as communities
from gongyi.communities.models import SubmissionCommunity
from gongyi.communities.years import edition_year
from gongyi.library.models import LibraryEntry
from gongyi.results.models import RunRow
from gongyi.review.models import Review, Score
from gongyi.submissions.models import FundingLine, Submission, SubmissionItem
from tests.conftest import StatementRecorder
from tests.dashboard_world import RULES, save_run
from tests.factories import make_admin, make_call, make_org, make_reviewer

ADMIN = "boss@example.org"
ITEMS = ["01.01", "02.01", "02.04", "03.01", "12.01", "20.01", "31.05"]
DISTRICTS = ["440304", "440305", "440307"]


def _grow(session, call, run, orgs, places, reviewers, start: int, count: int) -> None:
    """`count` more submitted projects, each with two items, a funding line, two submitted reviews
    with two scores each and a row in the published run, written in bulk."""
    now = datetime.now(timezone.utc)
    refs = [f"B{n:06d}" for n in range(start, start + count)]
    session.execute(insert(Submission), [
        {"call_id": call.id, "organisation_id": orgs[n % len(orgs)].id, "ref": ref, "title": f"项目{n}",
         "community_district": DISTRICTS[n % len(DISTRICTS)], "community_name": "社区", "requested_fen": 10_000 + n,
         "status": "submitted", "eligibility": "eligible", "submitted_at": now - timedelta(minutes=n)}
        for n, ref in zip(range(start, start + count), refs)])
    ids = dict(session.execute(select(Submission.ref, Submission.id).where(Submission.ref.in_(refs))).all())
    rows = [(n, ids[ref]) for n, ref in zip(range(start, start + count), refs)]
    session.execute(insert(SubmissionItem), [{"submission_id": sid, "item_code": ITEMS[(n + k) % len(ITEMS)], "need": "需"}
                                             for n, sid in rows for k in (0, 3)])
    session.execute(insert(SubmissionCommunity), [{"submission_id": sid, "community_id": places[n % len(places)].id}
                                                  for n, sid in rows if n % 4])
    session.execute(insert(FundingLine), [{"submission_id": sid, "source": ("enterprise", "individual", "government")[n % 3],
                                           "donor": f"捐赠方{n}", "amount_fen": 1_000 + n, "status": "verified"}
                                          for n, sid in rows])
    session.execute(insert(Review), [{"submission_id": sid, "reviewer_id": reviewers[(n + k) % len(reviewers)].id,
                                      "round": "review", "status": "submitted"} for n, sid in rows for k in (0, 1)])
    review_ids = session.execute(select(Review.id, Review.submission_id).where(
        Review.submission_id.in_([sid for _n, sid in rows]))).all()
    session.execute(insert(Score), [{"review_id": rid, "criterion": c, "points_centi": (rid * 37 + i * 11) % 5001}
                                    for rid, _sid in review_ids for i, c in enumerate(("need", "plan"))])
    outcomes = ("matched", "library", "not_shortlisted", "unranked")
    session.execute(insert(RunRow), [
        {"run_id": run.id, "submission_id": sid, "position": 100 + n, "ref": f"B{n:06d}", "totals": [],
         "requested_fen": 10_000 + n, "complete_reviews": 1, "rank": n, "outcome": outcomes[n % 4],
         "verified_raised_fen": 1_000 + n, "matching_fen": 500 if n % 4 == 0 else 0,
         "library_grant_fen": 300 if n % 4 == 1 else 0} for n, sid in rows])
    entries = [{"call_id": call.id, "submission_id": sid, "run_number": run.number, "rank": n, "round": "review",
                "aggregate_display": "61.00", "score_hundredths": 6100, "requested_fen": 10_000 + n,
                "library_grant_fen": 300, "status": "funded"} for n, sid in rows if n % 4 == 1]
    if entries:  # (an empty list would insert one row of defaults)
        session.execute(insert(LibraryEntry), entries)
    session.commit()


@pytest.fixture
def competition(db):
    admin = make_admin(db, ADMIN)
    orgs = [make_org(db, admin) for _ in range(3)]
    places = [communities.create_community(db, admin, district_code=d, street="街道", name=f"社区{i}", keeper_id=org.id)
              for i, (d, (_m, org)) in enumerate(zip(DISTRICTS, orgs))]
    call = make_call(db, admin, slug="big", rules=RULES, opens_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    for (member, _org), place in zip(orgs, places):
        needs.save_needs(db, member, place, edition_year(call.opens_at),
                         {code: ("high", "") for code in ITEMS[:4]} | {"05.01": ("low", "")})
    reviewers = [make_reviewer(db, admin) for _ in range(4)]
    call.status = "final"
    run = save_run(db, call, [], published="final")
    db.commit()
    return call, run, [org for _m, org in orgs], places, reviewers


PAGE_BYTES = 300 * 1024


def _count(app, client, url: str) -> tuple[int, int]:
    """The statements rendering `url` runs and the bytes it answers (pages, not exports, are bounded)."""
    assert client.get(url).status_code == 200, url  # warm up the login and caches
    with StatementRecorder(app.extensions["gongyi.engine"]) as recorder:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(recorder), len(response.get_data()) if response.mimetype == "text/html" else 0


def test_list_pages_and_dashboards_run_the_same_statements_at_10_and_at_10000_submissions(app, client, auth, db, competition):
    app.config["KEPT_FIGURES"] = False  # every figure computed afresh, as after a change (tests/web/test_kept.py)
    call, run, orgs, places, reviewers = competition
    urls = [f"/admin/coverage?call={call.slug}", "/admin/coverage?district=440305", "/admin/coverage?show=unanswered",
            f"/admin/coverage.xlsx?call={call.slug}", f"/admin/calls/{call.slug}/dashboard",
            f"/admin/calls/{call.slug}/dashboard.xlsx", "/admin/dashboard", "/admin/dashboard.xlsx",
            f"/communities/{places[0].id}", f"/calls/{call.slug}", "/communities/", "/admin/communities/?status=all",
            f"/admin/calls/{call.slug}/results/export/results.csv?outcome=matched",
            f"/admin/calls/{call.slug}/results/export/ranking.csv?q=B00",
            f"/admin/calls/{call.slug}/results", f"/admin/calls/{call.slug}/results?page=3&sort=matching&dir=desc",
            f"/results/{call.slug}", f"/results/{call.slug}?outcome=library", f"/admin/submissions/?call={call.id}",
            f"/admin/review/{call.slug}", f"/admin/review/{call.slug}/calibration",
            f"/admin/library/{call.slug}", f"/admin/library/{call.slug}?page=2", f"/library/?call={call.id}",
            "/admin/library/"]
    _grow(db, call, run, orgs, places, reviewers, 0, 10)
    auth.login(ADMIN)
    small = {url: _count(app, client, url)[0] for url in urls}
    _grow(db, call, run, orgs, places, reviewers, 10, 9_990)
    large = {url: _count(app, client, url) for url in urls}
    assert {url: n for url, (n, _size) in large.items()} == small
    assert {url: size for url, (_n, size) in large.items() if size > PAGE_BYTES} == {}
    page = client.get(f"/admin/calls/{call.slug}/dashboard").get_data(as_text=True)
    assert "20,000" in page  # the figures did grow: 20,000 reviews assigned
    board = client.get(f"/admin/review/{call.slug}").get_data(as_text=True)
    assert "共 10000 个项目" in board and "第 1 / 200 页" in board
    calibration = client.get(f"/admin/review/{call.slug}/calibration").get_data(as_text=True)
    assert calibration.count(">分歧</mark>") == 50 and "第 1 / " in calibration  # 50 flagged a page
    library = client.get(f"/admin/library/{call.slug}").get_data(as_text=True)
    assert "本届项目库（2500 个项目）" in library and "第 1 / 50 页" in library
