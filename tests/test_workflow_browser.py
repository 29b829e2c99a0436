"""In a real browser, the whole review cycle in Chinese: the enterprise fills its report, explains a
warning and submits; a reviewer returns it with a comment; the enterprise reads the comment,
corrects and resubmits; the reviewer approves."""
from __future__ import annotations

import os
from datetime import timedelta

import factories
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Report, ReportStatus
from portal.reporting import services as reporting_services

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("REVIEW_SCREENSHOTS")    # a folder, to look at the pages

FILL = {
    "gross_output_value": "10000", "revenue": "9000", "main_business_revenue": "8500",
    "value_added": "500",            # 5% of output: outside the usual range, a warning to explain
    "total_profit": "800", "net_profit": "600", "taxes_paid": "300", "employees": "200",
    "total_assets": "20000", "total_liabilities": "8000", "rd_expenditure": "400", "rd_personnel": "30",
    "ip_class1_count": "5", "key_processes_total": "20", "key_processes_nc": "15", "equipment_total": "100",
    "equipment_digital": "60", "equipment_networked": "50", "electricity_kwh": "1000000",
    "natural_gas_m3": "50000", "water_withdrawal_m3": "20000", "solid_waste_generated_t": "100",
    "solid_waste_utilised_t": "80",
}
SELECTS = {"rd_institution_level": "municipal", "cloud_level": "platform", "industrial_internet": "1",
           "violations_3y": "0"}
WARNING = "value_added.ratio_range"
EXPLANATION = "本季度以来料加工为主，增加值率偏低属实。"
COMMENT = "工业增加值与产值之比偏低，请核实增加值口径后重新提交。"


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _login(page, base, user):
    page.goto(f"{base}/auth/login")
    page.fill("input[name=login]", user.login)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/home")


def _logout(page, base):
    page.click("#logout")
    page.wait_for_url(f"{base}/auth/login")


def _status(report_id: int) -> ReportStatus:
    db.session.rollback()          # end the test's own transaction to read what the server wrote
    return db.session.get(Report, report_id).status


def test_return_with_comment_correct_resubmit_and_approve(app, live_server, page):
    today = reporting_services.local_today()
    enterprise_user = factories.user("enterprise")
    enterprise_name = enterprise_user.enterprise.name
    reviewer = factories.user("reviewer")
    factories.period(2026, 3, opens_on=today - timedelta(days=5), due_on=today + timedelta(days=20))
    db.session.commit()
    base = live_server

    # 1. The enterprise fills the form, meets a warning, explains it and submits.
    _login(page, base, enterprise_user)
    page.goto(f"{base}/reports/")
    page.click("button:has-text('开始填报')")
    page.wait_for_url("**/edit")
    for key, value in FILL.items():
        page.fill(f"#{key}", value)
    for key, value in SELECTS.items():
        page.select_option(f"#{key}", value)
    page.check("input[name=design_tools][value=cad3d]")
    page.check("input[name=certifications][value=iso9001]")
    for box in page.locator("select.map-select[name^='systems-']").all():
        box.select_option("partial")
    explanation = page.locator(f"textarea[name='explain-{WARNING}']")
    explanation.wait_for()
    explanation.fill(EXPLANATION)
    page.click("#submit-report")
    page.wait_for_url("**/reports/*")
    assert "报表已提交，等待审核" in page.content()
    db.session.rollback()
    report_id = db.session.scalar(select(Report.id))
    assert _status(report_id) == ReportStatus.SUBMITTED
    _logout(page, base)

    # 2. The reviewer finds it in the queue, reads the warning and the explanation, and returns it.
    _login(page, base, reviewer)
    page.click("nav.mainnav >> text=审核队列")
    page.wait_for_url("**/review/queue**")
    assert page.locator("h1").inner_text() == "审核队列"
    row = page.locator("tr", has_text=enterprise_name)
    row.locator("a:has-text('审核')").click()
    page.wait_for_url(f"**/review/reports/{report_id}")
    warnings = page.locator("#warnings").inner_text()
    assert "工业增加值" in warnings and EXPLANATION in warnings
    _shot(page, "review-1-report")
    page.click("#return")                               # without a comment the browser refuses to send
    assert page.locator("textarea[name=comment]").evaluate("el => el.validity.valueMissing")
    assert _status(report_id) == ReportStatus.SUBMITTED
    page.fill("textarea[name=comment]", "   ")             # blanks get past the browser, not the server
    page.click("#return")
    page.wait_for_load_state()
    assert "退回时必须填写退回意见" in page.content()
    assert _status(report_id) == ReportStatus.SUBMITTED
    page.fill("textarea[name=comment]", COMMENT)
    with page.expect_navigation(url=f"**/review/reports/{report_id}"):
        page.click("#return")
    assert "报表已退回企业修改" in page.content()
    assert _status(report_id) == ReportStatus.RETURNED
    _logout(page, base)

    # 3. The enterprise sees the comment, corrects the value and resubmits.
    _login(page, base, enterprise_user)
    page.goto(f"{base}/reports/")
    page.click("a:has-text('继续填报')")
    page.wait_for_url("**/edit")
    assert COMMENT in page.content()
    _shot(page, "review-2-returned")
    page.fill("#value_added", "3000")
    page.click("#submit-report")
    page.wait_for_url("**/reports/*")
    assert "报表已提交，等待审核" in page.content()
    assert _status(report_id) == ReportStatus.SUBMITTED
    _logout(page, base)

    # 4. The reviewer sees the change in the history and approves.
    _login(page, base, reviewer)
    page.goto(f"{base}/review/reports/{report_id}")
    history = page.locator("#history").inner_text()
    assert "退回" in history and COMMENT in history and "工业增加值（万元）" in history and "3000" in history
    with page.expect_navigation(url=f"**/review/reports/{report_id}"):   # the same URL: wait for the new page
        page.click("#approve")
    assert "报表已审核通过" in page.content()
    assert "审核操作" not in page.content()             # nothing left to press on an approved report
    _shot(page, "review-3-approved")
    assert _status(report_id) == ReportStatus.APPROVED
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "Report",
                                                                 AuditEvent.object_id == report_id)
                                 .order_by(AuditEvent.id)).all()
    assert [a for a in actions if a in ("report.submit", "report.return", "report.approve")] == [
        "report.submit", "report.return", "report.submit", "report.approve"]
