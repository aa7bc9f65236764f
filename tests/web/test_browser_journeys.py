"""The main journeys of every role on the demo edition, in Chromium on a laptop (1366x768) and a
phone (390x844), once in English: the public, an organisation, a reviewer and the administrator.
Every step is photographed (build/screenshots/<journey>/, kept when a test fails), checked with
axe-core (no serious or critical violation) and measured: nothing sideways on the page, no table
box scrolling on a laptop, the card tables within the phone's width."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.browser_actions import LAPTOP, PHONE, Journey, login

pytestmark = pytest.mark.browser
SIZES = [pytest.param(LAPTOP, id="laptop"), pytest.param(PHONE, id="phone")]


@pytest.fixture
def demo(live_server):
    result = live_server.app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return live_server.url


@pytest.fixture
def journey(request, browser):
    made = []

    def start(name: str, size: dict, **kwargs) -> Journey:
        j = Journey(browser, f"{request.node.name}-{name}".replace("[", "-").replace("]", ""), size, **kwargs)
        made.append(j)
        return j

    yield start
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for j in made:
            j.failed()


@pytest.mark.parametrize("size", SIZES)
def test_public_visitor(demo, journey, size):
    j = journey("public", size)
    page = j.page
    page.goto(demo + "/")
    expect(page.locator("#open-calls")).to_contain_text("申报截止：北京时间")
    j.step("home")
    page.get_by_role("link", name="阅读申报指南").click()
    j.step("guide")
    page.goto(demo + "/calls/")
    j.step("calls")
    page.get_by_role("link", name="2027年社区公益创投大赛（演示，征集中）").first.click()
    expect(page.locator("#rules-card")).to_be_visible()
    j.step("open-call")
    page.goto(demo + "/results/demo-2025-publicity")
    expect(page.locator("#publicity")).to_contain_text("公示公告")
    j.step("provisional-results")
    outcome = page.locator("#results-table tbody tr").first.locator("td.card-key").first
    expect(outcome).to_be_visible()
    if j.phone:  # the outcome and the money are on the screen, not behind a sideways scroll
        box = outcome.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
