"""What a person does in every browser test: open their own browser, log in, log out."""
from __future__ import annotations

from tests.factories import PASSWORD


def person_page(browser):
    """A page in a browser context of its own (one person's browser, or another device) that
    accepts confirmations and remembers their texts in `page.confirmations`."""
    page = browser.new_context().new_page()
    page.set_default_timeout(5000)
    page.confirmations = []
    page.on("dialog", lambda dialog: (page.confirmations.append(dialog.message), dialog.accept()))
    return page


def login(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.get_by_label("电子邮箱").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)  # the workspace (or registering an organisation)


def logout(page, name: str) -> None:
    page.locator("summary", has_text=name).click()
    page.get_by_role("button", name="退出").click()
    page.get_by_role("link", name="登录").wait_for()
