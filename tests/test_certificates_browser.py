"""In a real browser: an enterprise user downloads its certificate and checks it on the public page."""
from __future__ import annotations

from datetime import date

import factories
import pytest
from pypdf import PdfReader

from portal.certificates import services
from portal.extensions import db

pytestmark = pytest.mark.browser

NAME = "重庆铜梁龙腾智能装备制造有限公司"


def test_enterprise_user_downloads_its_certificate_and_verifies_the_serial(app, live_server, page, tmp_path):
    enterprise = factories.enterprise(name=NAME)
    user = factories.user("enterprise", enterprise_obj=enterprise)
    report = factories.report(enterprise, factories.period(2026, 3), status="approved", revenue=5000.0)
    cert = services.issue_certificate(factories.scorecard(report), actor=factories.user("reviewer"),
                                      today=date(2026, 11, 20))
    db.session.commit()

    page.goto(f"{live_server}/auth/login?next=/certificates/mine")
    page.fill("input[name=login]", user.login)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/certificates/mine")
    assert page.locator("nav.mainnav a", has_text="证书").get_attribute("href") == "/certificates/mine"
    row = page.locator("#my-certificates tbody tr", has_text=cert.serial)
    assert "有效" in row.inner_text()

    with page.expect_download() as info:
        row.get_by_text("下载证书（PDF）").click()
    download = info.value
    assert download.suggested_filename == f"{NAME}铜梁区智能工厂证书_{cert.serial}.pdf"
    saved = tmp_path / "certificate.pdf"
    download.save_as(saved)
    assert cert.serial in PdfReader(str(saved)).pages[0].extract_text()

    page.click("#logout")
    page.wait_for_url(f"{live_server}/auth/login")
    page.goto(f"{live_server}/verify")
    page.fill("input[name=serial]", cert.serial.lower())
    page.click("#verify-form button[type=submit]")
    page.wait_for_url(f"{live_server}/verify/{cert.serial}")
    result = page.locator("#verify-result").inner_text()
    assert "有效" in result and NAME in result and "铜梁区智能工厂" in result
    page.screenshot(path=str(tmp_path / "verify.png"), full_page=True)
