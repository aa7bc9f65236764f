"""What a person does in every browser test: open their own browser, log in, log out; and the
journeys of every role, each step photographed and checked for accessibility (axe-core) and layout."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from tests.factories import PASSWORD


def person_page(browser):
    """A page in a browser context of its own (one person's browser, or another device) that
    accepts confirmations and remembers their texts in `page.confirmations`."""
    page = browser.new_context().new_page()
    page.set_default_timeout(5000)
    page.confirmations = []
    page.on("dialog", lambda dialog: (page.confirmations.append(dialog.message), dialog.accept()))
    return page


def login(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/auth/login")
    page.get_by_label("电子邮箱").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)  # the workspace (or registering an organisation)


def logout(page, name: str) -> None:
    page.locator("summary", has_text=name).click()
    page.get_by_role("button", name="退出").click()
    page.get_by_role("link", name="登录").wait_for()


# ---------------------------------------------------------------------------------------------
# Journeys: every step is photographed, checked with axe-core and measured against the screen.

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(os.environ.get("GONGYI_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" / "screenshots"))
AXE = "/static/vendor/axe-core/axe.min.js"
SERIOUS = ("serious", "critical")

# Elements whose right edge must be on the screen, and boxes that must not scroll sideways.
_LAYOUT_JS = """(phone) => {
  const width = document.documentElement.clientWidth, out = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
    getComputedStyle(el).visibility !== 'hidden' && !el.closest('.visually-hidden, thead, details:not([open]) > :not(summary)'); };
  if (document.documentElement.scrollWidth > width + 1) out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
  const boxes = phone ? 'table.cards, .overflow-auto:has(> table.cards)' : '.overflow-auto';
  document.querySelectorAll(boxes).forEach((el) => {
    if (visible(el) && el.scrollWidth > el.clientWidth + 1) out.push(name(el) + ' scrolls sideways: ' + el.scrollWidth + ' > ' + el.clientWidth);
  });
  const essential = 'main h1, main h2, main p, main td.card-key, main button, main [role=button], main input, main select, main textarea, main svg, main img, main .error-summary, main .step-checks';
  document.querySelectorAll(essential).forEach((el) => {
    if (!visible(el) || el.closest('.overflow-auto:not(:has(> table.cards))')) return;
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.right > width + 1) out.push(name(el) + ' outside the screen: ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + width);
  });
  return out;
}"""


def check_accessibility(page) -> None:
    """axe-core (vendored in static/vendor) on the page as it is: no serious or critical violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        here = urlsplit(page.url)
        page.add_script_tag(url=f"{here.scheme}://{here.netloc}{AXE}")  # same origin: the CSP allows it
    found = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(0, 2).join(' '))}));
    }""")
    serious = [v for v in found if v["impact"] in SERIOUS]
    assert not serious, f"axe on {page.url}:\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in serious)


def check_layout(page, phone: bool) -> None:
    """Nothing sideways: the page itself, the card tables on a phone, every table box on a laptop;
    headings, text, buttons, fields, pictures and the outcome and money cells inside the screen."""
    problems = page.evaluate(_LAYOUT_JS, phone)
    assert not problems, f"layout on {page.url} at {page.viewport_size}:\n" + "\n".join(problems[:15])


class Journey:
    """One person's way through the site at one screen size: `step(name)` photographs the page into
    SCREENSHOTS/<journey>/<NN-name>.png, then checks accessibility and layout there."""

    def __init__(self, browser, name: str, size: dict, locale: str | None = None):
        self.name, self.size, self.count = name, size, 0
        self.folder = SCREENSHOTS / name
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        context = browser.new_context(viewport=size, locale=locale or "zh-CN")
        self.page = context.new_page()
        self.page.set_default_timeout(8000)
        self.page.confirmations = []
        self.page.on("dialog", lambda dialog: (self.page.confirmations.append(dialog.message), dialog.accept()))

    @property
    def phone(self) -> bool:
        return self.size["width"] < 768

    def shot(self, label: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def step(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        self.shot(label)
        check_accessibility(self.page)
        check_layout(self.page, self.phone)

    def failed(self) -> None:
        """Keep what the page showed when the test failed."""
        try:
            self.shot("FAILED")
        except Exception:  # the browser may be gone already; the earlier steps are kept anyway
            pass
