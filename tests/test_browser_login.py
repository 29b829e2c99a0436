"""In a real browser: each role logs in and sees its home page, in Chinese."""
from __future__ import annotations

import factories
import pytest

from portal.extensions import db

pytestmark = pytest.mark.browser


def _login(page, base, user):
    page.goto(f"{base}/auth/login")
    page.fill("input[name=login]", user.login)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("input[type=submit]")


def test_each_role_logs_in_and_sees_its_home_page(app, live_server, page):
    enterprise_user = factories.user("enterprise")
    reviewer = factories.user("reviewer")
    admin = factories.user("admin")
    factories.period(2026, 3)
    db.session.commit()
    expected = [(enterprise_user, enterprise_user.enterprise.name), (reviewer, "审核工作台"), (admin, "系统管理")]
    for user, heading in expected:
        _login(page, live_server, user)
        page.wait_for_url(f"{live_server}/home")
        assert page.locator("h1").first.inner_text() == heading
        assert "退出" in page.content()
        page.click("#logout")
        page.wait_for_url(f"{live_server}/auth/login")
        assert "您已安全退出" in page.content()


def test_wrong_password_shows_a_chinese_message(app, live_server, page):
    user = factories.user("reviewer")
    db.session.commit()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=login]", user.login)
    page.fill("input[name=password]", "not-the-password-1")
    page.click("input[type=submit]")
    assert "用户名或密码不正确" in page.content()
