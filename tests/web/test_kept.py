"""Figures over a whole call are kept between changes of the data (gongyi.kept): a page opened
again runs none of its aggregates, and any audited change is seen at once."""
from __future__ import annotations

import re

from flask import g
from sqlalchemy import func, insert, select, update

from gongyi.audit.models import AuditEntry
from gongyi.audit.service import record
from gongyi.kept import data_stamp
from tests.conftest import StatementRecorder
from tests.web.test_dashboard_statements import ADMIN, _grow, competition  # noqa: F401


def test_a_kept_figure_is_served_until_the_next_audited_change(app, client, auth, db, competition):  # noqa: F811
    call, run, orgs, places, reviewers = competition
    _grow(db, call, run, orgs, places, reviewers, 0, 1234)
    record(db, None, "call.import", call)  # how such rows arrive: an audited import
    db.commit()
    auth.login(ADMIN)
    url = f"/admin/calls/{call.slug}/dashboard"
    assert "2,468" in client.get(url).get_data(as_text=True)  # reviews assigned
    _grow(db, call, run, orgs, places, reviewers, 1234, 1)  # two reviews more, written behind the app's back
    page = client.get(url).get_data(as_text=True)
    assert "2,468" in page and "2,470" not in page  # kept: computed for the data as it was
    record(db, None, "call.import", call)
    db.commit()
    page = client.get(url).get_data(as_text=True)
    assert "2,470" in page and "2,468" not in page  # any audited change is seen at once


def test_a_page_opened_again_runs_none_of_its_aggregates(app, client, auth, db, competition):  # noqa: F811
    call, run, orgs, places, reviewers = competition
    _grow(db, call, run, orgs, places, reviewers, 0, 200)
    auth.login(ADMIN)
    engine = app.extensions["gongyi.engine"]
    for url in (f"/admin/review/{call.slug}/calibration", f"/admin/calls/{call.slug}/dashboard",
                f"/admin/coverage?call={call.slug}", "/admin/dashboard", f"/admin/review/{call.slug}"):
        record(db, None, "call.import", call)
        db.commit()
        with StatementRecorder(engine) as cold:
            assert client.get(url).status_code == 200
        with StatementRecorder(engine) as warm:
            assert client.get(url).status_code == 200
        assert len(warm) < len(cold), url
        assert not [s for s in warm.statements if "GROUP BY" in s and "review" in s.lower()], url
        assert not [s for s in warm.statements if re.search(r"\bFROM score\b|\bJOIN score\b", s)], url


def test_an_entry_committed_late_with_a_lower_id_changes_the_stamp(app, db):
    def stamp() -> str:
        with app.app_context():
            g.pop("gongyi_data_stamp", None)
            return data_stamp(db)

    latest = db.scalar(select(func.max(AuditEntry.id))) or 0
    db.execute(insert(AuditEntry), [{"id": latest + 5, "action": "x.a", "object_type": "call", "object_id": "1", "detail": {}}])
    db.commit()
    first = stamp()
    # a transaction that took id latest+2 earlier commits now, after the one holding latest+5
    db.execute(insert(AuditEntry), [{"id": latest + 2, "action": "x.b", "object_type": "call", "object_id": "1", "detail": {}}])
    db.commit()
    second = stamp()
    assert second != first
    db.execute(insert(AuditEntry), [{"action": "x.c", "object_type": "call", "object_id": "1", "detail": {}}])
    db.rollback()  # a change that did not happen leaves the stamp as it was
    assert stamp() == second


def test_the_calibration_pages_together_are_the_whole_summary(app, db, competition):  # noqa: F811
    from gongyi.review import service
    from gongyi.review.models import Score

    call, run, orgs, places, reviewers = competition
    _grow(db, call, run, orgs, places, reviewers, 0, 30)
    db.execute(update(Score).where(Score.review_id % 2 == 1).values(points_centi=0))  # every project disagrees
    record(db, None, "call.import", call)
    db.commit()
    with app.test_request_context("/"):
        summary = service.calibration_summary(db, call)
        assert len(summary.flagged) > 7  # several pages of disagreements, or this proves nothing
        last = -(-len(summary.flagged) // 7)
        pages = [service.calibration_page(db, call, n, 7) for n in range(1, last + 1)]
        assert [row for p in pages for row in p.flagged.rows] == summary.flagged
        assert {p.flagged.total for p in pages} == {len(summary.flagged)} and pages[-1].flagged.number == last
        beyond = service.calibration_page(db, call, last + 5, 7)
        assert (beyond.flagged.number, beyond.flagged.rows) == (last, pages[-1].flagged.rows)
        assert (beyond.panel, beyond.reviewers, beyond.compared) == (summary.panel, summary.reviewers, summary.compared)


def test_a_runs_row_count_is_kept_for_good_as_its_rows_never_change(app, client, auth, db, competition):  # noqa: F811
    call, run, orgs, places, reviewers = competition
    _grow(db, call, run, orgs, places, reviewers, 0, 120)
    db.commit()
    auth.login(ADMIN)
    engine = app.extensions["gongyi.engine"]

    def row_counts(url: str) -> tuple[str, list[str]]:
        with StatementRecorder(engine) as recorder:
            page = client.get(url).get_data(as_text=True)
        shown = re.search(r"共 (\d+) 项", page).group(1)
        return shown, [s for s in recorder.statements if "count(" in s.lower() and "run_row" in s]

    for url, total in ((f"/admin/calls/{call.slug}/results", "120"), (f"/admin/calls/{call.slug}/results?outcome=matched", None)):
        shown, counts = row_counts(url)
        assert counts and (total is None or shown == total), url  # counted once
        record(db, None, "call.import", call)  # other data changes: the run's rows do not
        db.commit()
        assert row_counts(url) == (shown, []), url


def test_a_figure_keeps_one_entry_however_often_the_data_changes(app, db):
    """Each audited change gives a new stamp; the figure is computed again and replaces its
    entry (a deadline day's changes never fill the cache with figures of past stamps)."""
    from gongyi.extensions import cache
    from gongyi.kept import kept
    from tests.factories import make_admin, make_call

    call = make_call(db, make_admin(db, "boss@example.org"))
    db.commit()
    computed = []

    def figure():
        computed.append(1)
        return len(computed)

    values = []
    for change in range(4):
        for _ in range(2):
            with app.test_request_context():
                values.append(kept(db, "figure", (7,), figure))
        record(db, None, "call.import", call, n=change)
        db.commit()
    assert values == [1, 1, 2, 2, 3, 3, 4, 4]  # once per stamp, then from the cache
    with app.test_request_context():
        stamp = data_stamp(db)
        assert cache.get("kept:figure:(7,)") != (stamp, 4)  # the last change came after it
        assert kept(db, "figure", (7,), figure) == 5 and cache.get("kept:figure:(7,)") == (stamp, 5)
    if hasattr(cache.cache, "_list_dir"):  # the file cache: one file for the figure
        assert sum(1 for _ in cache.cache._list_dir()) <= 2  # the figure and the cache's own count
