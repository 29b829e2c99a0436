"""In a real browser: a reviewer opens the district overview and sees SVG progress bars in Chinese."""
from __future__ import annotations

import factories
import pytest

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


def _login(page, live_server, user):
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=login]", user.login)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/home")


def test_reviewer_switches_period_breaks_down_by_cluster_and_exports_the_workbook(app, live_server, page, tmp_path):
    from openpyxl import load_workbook

    q3, q4 = factories.period(2025, 3), factories.period(2025, 4)
    equipment = [factories.enterprise(cluster="equipment") for _ in range(2)]
    electronics = factories.enterprise(cluster="electronics")
    factories.enterprise(cluster="health")                      # expected, never reports
    for i, ent in enumerate([*equipment, electronics]):
        factories.report(ent, q3, status="approved", gross_output_value=10000.0 * (i + 1), revenue=20000.0,
                         rd_expenditure=200.0 * (i + 1))
        factories.report(ent, q4, status="approved", gross_output_value=50000.0, revenue=20000.0,
                         rd_expenditure=100.0)
    reviewer = factories.user("reviewer")
    db.session.commit()
    _login(page, live_server, reviewer)

    # The overview opens on the latest quarter; the period chooser switches to 2025Q3.
    page.goto(f"{live_server}/dashboards/")
    assert "2025年第4季度" in page.locator("h1").inner_text()
    output = page.locator('tr[data-code="advanced_mfg_output"] td.value')
    assert output.inner_text() == "15"                          # 3 x 50000 万元
    page.select_option("select#period", "2025Q3")
    page.click("form.dash-filters button[type=submit]")
    page.wait_for_url("**/dashboards/?period=2025Q3")
    assert "2025年第3季度" in page.locator("h1").inner_text()
    assert output.inner_text() == "6"                           # (10000 + 20000 + 30000) 万元
    coverage = page.locator('tr[data-code="advanced_mfg_output"] td.num').last.inner_text()
    assert "3 / 4" in coverage and "75.0%" in coverage

    # The breakdown: R&D intensity by cluster for the same quarter.
    page.click("nav.dash-nav >> text=分组比较")
    page.wait_for_url("**/dashboards/breakdown")
    page.select_option("select#period", "2025Q3")
    page.select_option("select#by", "park")
    page.select_option("select#by", "cluster")
    page.select_option("select#indicator", "rd_intensity")
    page.click("form.dash-filters button[type=submit]")
    page.wait_for_url("**/dashboards/breakdown?*by=cluster*")
    rows = {r.locator("td").first.inner_text(): r.locator("td.value").inner_text()
            for r in page.locator("table.dash-table tbody tr").all()}
    assert rows["装备制造"] == "1.5"                              # (200 + 400) / 40000 x 100
    assert rows["电子信息"] == "3"                                # 600 / 20000 x 100
    assert "大健康" in rows                                       # expected there, no data
    assert page.locator("section.chart svg").first.is_visible()

    # Back on the overview for 2025Q3, the workbook downloads with Chinese headers.
    page.goto(f"{live_server}/dashboards/?period=2025Q3")
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    sheet = load_workbook(path)["指标总览"]
    assert "2025年第3季度" in sheet["A1"].value and "统计期：2025年第3季度" in sheet["A2"].value
    headers = [c.value for c in sheet[3]]
    for header in ("指标", "数值", "2025年目标", "应报企业数（家）", "覆盖率（%）"):
        assert header in headers
    rows = {r[headers.index("指标代码")]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    row = rows["advanced_mfg_output"]
    assert row[headers.index("指标")] == "规上先进制造业工业总产值"
    assert row[headers.index("数值")] == pytest.approx(6.0)
    assert row[headers.index("使用数据企业数（家）")] == 3
    assert row[headers.index("应报企业数（家）")] == 4
    assert row[headers.index("覆盖率（%）")] == pytest.approx(75.0)
