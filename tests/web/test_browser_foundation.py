"""Tried as a new user would, in a real browser: register, register an organisation (a wrong
check character is refused beside the field), the administrator verifies it, browse and
search the catalogue, switch to English and back."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gongyi.mail.models import OutboxMessage
from tests.factories import make_admin

pytestmark = pytest.mark.browser


def test_newcomer_to_verified_organisation(live_server, live_session, browser):
    make_admin(live_session, "boss@example.org")
    live_session.commit()
    page = browser.new_page()
    page.set_default_timeout(5000)
    base = live_server.url

    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="注册").first.click()
    page.get_by_label("电子邮箱").fill("newcomer@example.org")
    page.get_by_label("姓名").fill("新用户")
    page.locator("#password").fill("newcomer-pass")
    page.get_by_label("确认密码").fill("newcomer-pass")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", name="请查收邮件")).to_be_visible()
    message = live_session.scalars(select(OutboxMessage).where(OutboxMessage.to == "newcomer@example.org")).one()
    page.goto(re.search(r"http://\S+", message.body).group(0).replace("http://localhost", base))

    page.wait_for_url("**/orgs/register")
    page.get_by_label("组织名称").fill("深圳市新芽社工服务中心")
    page.get_by_label("统一社会信用代码").fill("91440300708461136A")
    page.get_by_label("组织类型").select_option("social_service")
    page.get_by_label("所在区").select_option("440305")
    page.get_by_label("联系人").fill("李四")
    page.get_by_label("联系电话").fill("0755-22223333")
    page.get_by_label("地址").fill("南山区科技园")
    page.get_by_role("button", name="提交登记").click()
    error = page.locator("#credit_code-error")
    expect(error).to_contain_text("校验位错误")
    expect(error).to_contain_text("应为 T")
    expect(page.get_by_label("统一社会信用代码")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("统一社会信用代码").fill("９１４４０３００７０８４６１１３６Ｔ")  # full-width is accepted
    page.get_by_role("button", name="提交登记").click()
    page.wait_for_url("**/orgs/mine")
    expect(page.locator("body")).to_contain_text("待认证")
    page.locator("summary", has_text="新用户").click()
    page.get_by_role("button", name="退出").click()

    page.get_by_role("link", name="登录").click()
    page.get_by_label("电子邮箱").fill("boss@example.org")
    page.locator("#password").fill("password123")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="组织认证").click()
    page.get_by_role("link", name="深圳市新芽社工服务中心").click()
    page.get_by_role("button", name="认证通过").click()
    page.get_by_role("link", name="已认证").click()
    expect(page.get_by_role("link", name="深圳市新芽社工服务中心")).to_be_visible()

    page.get_by_role("link", name="服务目录").first.click()
    expect(page.locator("#counts")).to_contain_text("31 个类别，144 个服务项目")
    page.get_by_placeholder("搜索服务项目").fill("07.03")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#counts")).to_contain_text("1 个类别，1 个服务项目")
    expect(page.locator("#item-07\\.03")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("body")).to_contain_text("Service catalogue")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.close()
