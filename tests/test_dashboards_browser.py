"""In a real browser: a reviewer opens the district overview and sees SVG progress bars in Chinese."""
from __future__ import annotations

import pytest

import factories
from portal.extensions import db

pytestmark = pytest.mark.browser


def test_reviewer_sees_overview_with_progress_bars_and_chinese_labels(app, live_server, page):
    period = factories.period(2025, 4)
    for i in range(3):
        factories.report(factories.enterprise(), period, status="approved", gross_output_value=50000.0 + i,
                         revenue=40000.0, rd_expenditure=800.0, key_processes_total=10, key_processes_nc=4)
    reviewer = factories.user("reviewer")
    db.session.commit()
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=login]", reviewer.login)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/home")
    page.click("text=全区指标")
    page.wait_for_url(f"{live_server}/dashboards/")
    assert page.locator("h1").first.inner_text().startswith("全区先进制造业指标")
    chart = page.locator("section.chart svg").first
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    assert "规划指标完成情况" in chart.locator("title").text_content()
    assert chart.locator("rect").count() > 5
    headings = [page.locator(f"h2#group-{key}").inner_text() for key in ("plan", "integration", "green")]
    assert headings == ["规划指标", "两化融合", "绿色制造"]
    text = page.locator("main").inner_text()
    for label in ("规上工业企业研发投入强度", "覆盖（使用/应报）", "2025年目标", "完成进度"):
        assert label in text
    # Printing hides the navigation and the period chooser but keeps the chart.
    page.emulate_media(media="print")
    assert not page.locator("nav.dash-nav").is_visible()
    assert not page.locator("form.dash-filters").is_visible()
    assert chart.is_visible()
