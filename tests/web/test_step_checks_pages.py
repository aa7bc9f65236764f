"""The checks before an irreversible step stand above its button: ending the review (call page),
computing (its confirmation page, from the ranking page) and publishing (publicity page)."""
from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
WARNING = "以下 1 项仍可能改变结果"


@pytest.fixture
def imported(client, auth, make_user, runner):
    """The sample call under review (A, ranked first, has a 10,000 line pending), the administrator signed in."""
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")


def _before(page: str, first: str, then: str) -> bool:
    return first in page and then in page and page.index(first) < page.index(then)


def test_ending_the_review_lists_pending_funds_above_the_button(client, imported):
    page = client.get("/admin/calls/sz-2026").get_data(as_text=True)
    assert _before(page, 'id="checks-finish-review"', 'value="finish_review"')
    assert WARNING in page and "第 1 名（配套名额为前 3 名）" in page and "¥10,000.00 待核实" in page
    assert "上方列出的 1 项仍可能改变结果。" in page  # the confirmation question says so too


def test_computing_and_publishing_show_the_same_checks(client, imported):
    client.post("/admin/calls/sz-2026/transition", data={"transition": "finish_review"})
    ranking = client.get("/admin/calls/sz-2026/results").get_data(as_text=True)
    assert 'href="/admin/calls/sz-2026/results/compute"' in ranking  # the button leads to the checks first
    page = client.get("/admin/calls/sz-2026/results/compute").get_data(as_text=True)
    assert _before(page, 'id="checks-compute"', "确认计算") and WARNING in page
    page = client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert _before(page, 'id="checks-publish"', "发布公示结果") and WARNING in page


def test_the_disabled_final_button_says_from_when_it_can_be_used(client, imported):
    client.post("/admin/calls/sz-2026/transition", data={"transition": "finish_review"})
    client.post("/admin/calls/sz-2026/publication/publish", data={"kind": "provisional", "run": "1"})
    client.post("/admin/calls/sz-2026/publication/recompute", data={"note": "复核"})
    page = client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert 'disabled aria-describedby="publish-final-when"' in page
    assert '<small id="publish-final-when">公示期 ' in page and "24:00（北京时间）结束后即可发布。" in page
