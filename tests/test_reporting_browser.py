"""In a real browser: an enterprise user fills the report form, watches a live figure, explains a
warning and submits; every screen is in Chinese."""
from __future__ import annotations

import os
from datetime import timedelta

import factories
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Report, ReportStatus
from portal.reporting import services

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("REPORTING_SCREENSHOTS")   # a folder, to look at the pages


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _login(page, base, user):
    page.goto(f"{base}/auth/login")
    page.fill("input[name=login]", user.login)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/home")


FILL = {
    "gross_output_value": "10,000", "revenue": "9000", "main_business_revenue": "8500",
    "value_added": "500",            # 5% of output: outside the usual 10%-60%, a warning
    "total_profit": "800", "net_profit": "600", "taxes_paid": "300", "employees": "200",
    "total_assets": "20000", "total_liabilities": "8000", "rd_expenditure": "400", "rd_personnel": "30",
    "ip_class1_count": "5", "key_processes_total": "20", "equipment_total": "100", "equipment_digital": "60",
    "equipment_networked": "50", "electricity_kwh": "1000000", "natural_gas_m3": "50000",
    "water_withdrawal_m3": "20000", "solid_waste_generated_t": "100", "solid_waste_utilised_t": "80",
}
SELECTS = {"rd_institution_level": "municipal", "cloud_level": "platform", "industrial_internet": "1",
           "violations_3y": "0"}


def test_enterprise_fills_form_sees_live_figure_explains_warning_and_submits(app, live_server, page):
    today = services.local_today()
    user = factories.user("enterprise")
    factories.period(2026, 3, opens_on=today - timedelta(days=5), due_on=today + timedelta(days=20))
    db.session.commit()
    _login(page, live_server, user)

    page.click("text=进入季度填报")
    page.wait_for_url(f"{live_server}/reports/")
    assert page.locator("h1").inner_text() == "季度填报"
    _shot(page, "1-list")
    page.click("button:has-text('开始填报')")
    page.wait_for_url("**/edit")
    assert "季度报表" in page.locator("h1").inner_text()
    assert page.locator("legend", has_text="生产经营").count() == 1

    for key, value in FILL.items():
        page.fill(f"#{key}", value)
    for key, value in SELECTS.items():
        page.select_option(f"#{key}", value)
    page.check("input[name=design_tools][value=cad3d]")
    page.check("input[name=certifications][value=iso9001]")
    for box in page.locator("select.map-select[name^='systems-']").all():
        box.select_option("partial")

    # the live panel: 15 of 20 key processes numerically controlled -> 75.0 %
    figure = page.locator("[data-figure=key_process_nc_rate_pct] .fig-value")
    assert figure.inner_text() == "—"
    page.fill("#key_processes_nc", "15")
    expect(figure).to_have_text("75.0")
    # and the warning shows up, with a box for its explanation, before any submit
    explanation = page.locator("textarea[name='explain-value_added.ratio_range']")
    explanation.wait_for()
    assert "不在通常范围" in page.locator("[data-messages-for=value_added]").inner_text()
    _shot(page, "2-form-live")

    # submit without explaining: refused, the reason is named, nothing typed is lost
    page.click("#submit-report")
    page.wait_for_load_state()
    assert "报表未提交" in page.content()
    assert "请说明" in page.locator("#blocking").inner_text()
    assert page.input_value("#revenue") == "9000"
    _shot(page, "3-refused")

    page.fill("textarea[name='explain-value_added.ratio_range']", "本季度以来料加工为主，增加值率偏低属实。")
    page.click("#submit-report")
    page.wait_for_url("**/reports/*")
    assert "报表已提交，等待审核" in page.content()
    assert "本季度以来料加工为主" in page.content()
    _shot(page, "4-submitted")

    db.session.rollback()          # end the test's own transaction to read what the server wrote
    report = db.session.scalar(select(Report))
    assert report.status == ReportStatus.SUBMITTED
    assert report.explanations == {"value_added.ratio_range": "本季度以来料加工为主，增加值率偏低属实。"}
    assert report.key_processes_nc == 15 and report.gross_output_value == 10000.0


def test_form_works_without_javascript(app, live_server, browser):
    today = services.local_today()
    user = factories.user("enterprise")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=5), due_on=today + timedelta(days=20))
    report = factories.report(user.enterprise, period)
    db.session.commit()
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        _login(page, live_server, user)
        page.goto(f"{live_server}/reports/{report.id}/edit")
        page.fill("#key_processes_total", "8")
        page.fill("#key_processes_nc", "2")
        page.click("button[name=save]")
        page.wait_for_load_state()
        assert "草稿已保存" in page.content()
        assert page.locator("[data-figure=key_process_nc_rate_pct] .fig-value").inner_text() == "25.0"
    finally:
        context.close()
