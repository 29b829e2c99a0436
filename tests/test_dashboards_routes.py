"""Dashboard routes: access by role, what each page shows, exports and the JSON endpoint."""
from __future__ import annotations

import io
from datetime import date

import factories
import pytest
from markupsafe import escape
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import AuditEvent

REVIEWER_PAGES = (
    "/dashboards/",
    "/dashboards/?period=2025YTD4",
    "/dashboards/breakdown?by=park&indicator=rd_intensity",
    "/dashboards/breakdown?by=size_class",
    "/dashboards/trends?indicator=cloud_rate",
    "/dashboards/ranking?indicator=rd_intensity",
    "/dashboards/land",
    "/dashboards/definitions",
    "/dashboards/export/indicators.xlsx",
    "/dashboards/export/breakdown.xlsx?by=cluster",
    "/dashboards/export/trends.xlsx",
    "/dashboards/export/ranking.xlsx",
    "/dashboards/export/land.xlsx",
    "/dashboards/export/definitions.xlsx",
)
ENTERPRISE_PAGES = ("/dashboards/my-position", "/dashboards/export/position.xlsx")

VALUES = dict(revenue=1000.0, gross_output_value=1200.0, value_added=300.0, taxes_paid=40.0, rd_expenditure=30.0,
              electricity_kwh=100000.0, natural_gas_m3=500.0, employees=120, key_processes_total=10,
              key_processes_nc=5, equipment_total=40, equipment_digital=20, design_tools=["cad"],
              systems={"erp": "full", "mes": "partial"}, cloud_level="basic", certifications=["iso14001"])


@pytest.fixture
def district(app):
    """Seven equipment enterprises (so percentiles are shown) with approved 2024-2025 reports and
    one expected enterprise that never reported."""
    ents = [factories.enterprise(name=f"铜梁样本装备企业{i}号", founded_on=date(2010, 1, 1)) for i in range(7)]
    silent = factories.enterprise(name="未报送的企业", founded_on=date(2010, 1, 1))
    for year in (2024, 2025):
        for quarter in (1, 2, 3, 4):
            period = factories.period(year, quarter)
            for i, ent in enumerate(ents):
                factories.report(ent, period, status="approved",
                                 **{**VALUES, "revenue": 1000.0 + 100 * i, "rd_expenditure": 10.0 + 5 * i})
    own_user = factories.user("enterprise", enterprise_obj=ents[0])
    reviewer = factories.user("reviewer")
    admin = factories.user("admin")
    db.session.commit()
    return {"ents": ents, "silent": silent, "enterprise": own_user, "reviewer": reviewer, "admin": admin}


@pytest.mark.parametrize("url", REVIEWER_PAGES + ENTERPRISE_PAGES)
def test_anonymous_is_sent_to_login(client, district, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", REVIEWER_PAGES)
def test_enterprise_user_gets_403_on_commission_pages(client, auth, district, url):
    auth.login_as(district["enterprise"])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", REVIEWER_PAGES)
def test_reviewer_sees_commission_pages(client, auth, district, url):
    auth.login_as(district["reviewer"])
    assert client.get(url).status_code == 200


def test_admin_sees_commission_pages(client, auth, district):
    auth.login_as(district["admin"])
    for url in ("/dashboards/", "/dashboards/ranking", "/dashboards/definitions", "/dashboards/export/land.xlsx"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("url", ENTERPRISE_PAGES)
def test_enterprise_user_sees_own_position(client, auth, district, url):
    auth.login_as(district["enterprise"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ENTERPRISE_PAGES)
def test_reviewer_gets_403_on_enterprise_pages(client, auth, district, url):
    auth.login_as(district["reviewer"])
    assert client.get(url).status_code == 403


def test_commission_page_denial_is_audited(client, auth, district):
    auth.login_as(district["enterprise"])
    client.get("/dashboards/ranking")
    assert db.session.query(AuditEvent).filter_by(action="access.denied").count() == 1


def test_overview_shows_groups_svg_progress_coverage_and_provisional_marks(client, auth, district):
    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/").get_data(as_text=True)
    for text in ("规划指标", "两化融合", "绿色制造", "规上工业企业研发投入强度", "2025年第4季度", "暂定", "较上年同期"):
        assert text in html
    assert "<svg" in html and "规划指标完成情况" in html
    assert "7 / 8" in html                     # seven of eight expected enterprises reported
    assert "low-coverage" not in html or "缺 1 家" in html


def test_low_coverage_is_highlighted(client, auth, app):
    period = factories.period(2025, 4)
    reporting = factories.enterprise()
    for _ in range(3):
        factories.enterprise()
    factories.report(reporting, period, status="approved", **VALUES)
    reviewer = factories.user("reviewer")
    db.session.commit()
    auth.login_as(reviewer)
    html = client.get("/dashboards/").get_data(as_text=True)
    assert "low-coverage" in html and "1 / 4" in html and "缺 3 家" in html


def test_default_period_is_latest_quarter_with_approved_data(client, auth, district):
    factories.period(2026, 1)       # opened but nothing approved yet
    db.session.commit()
    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/").get_data(as_text=True)
    assert '<option value="2025Q4" selected>' in html
    assert "2026Q1" not in html


@pytest.mark.parametrize("query, message", [
    ("period=abc", "无法识别的统计期"),
    ("period=2025Q9", "无法识别的统计期"),
    ("period=1800", "统计期年份超出范围"),
])
def test_bad_period_shows_a_chinese_message_and_the_default(client, auth, district, query, message):
    auth.login_as(district["reviewer"])
    response = client.get(f"/dashboards/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html and "2025年第4季度" in html


def test_bad_indicator_and_grouping_fall_back_with_a_message(client, auth, district):
    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/breakdown?by=nope&indicator=nope").get_data(as_text=True)
    assert "未知的分组方式" in html and "未知的指标" in html
    # A district-only count has no per-enterprise value: not rankable.
    html = client.get("/dashboards/ranking?indicator=green_factories").get_data(as_text=True)
    assert "未知的指标" in html


def test_pages_without_any_approved_report(client, auth, app):
    factories.period(2025, 4)
    reviewer = factories.user("reviewer")
    db.session.commit()
    auth.login_as(reviewer)
    for url in ("/dashboards/", "/dashboards/breakdown", "/dashboards/ranking", "/dashboards/land",
                "/dashboards/trends"):
        response = client.get(url)
        assert response.status_code == 200
        assert "暂无已审核通过" in response.get_data(as_text=True)


def test_breakdown_shows_chart_and_groups(client, auth, district):
    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/breakdown?by=cluster&indicator=rd_intensity").get_data(as_text=True)
    assert "<svg" in html and "装备制造" in html and "2024年第4季度" in html


def test_trends_lists_every_quarter(client, auth, district):
    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/trends?indicator=rd_intensity").get_data(as_text=True)
    assert "<svg" in html and "<polyline" in html
    for label in ("2024Q1", "2025Q4"):
        assert label in html


def test_ranking_lists_enterprises_best_first_and_paginates(client, auth, district, monkeypatch):
    from portal.dashboards import routes

    monkeypatch.setattr(routes, "RANKING_PAGE_SIZE", 5)
    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/ranking?indicator=rd_intensity").get_data(as_text=True)
    # rd intensity rises with i: enterprise 6 is first.
    assert html.index("铜梁样本装备企业6号") < html.index("铜梁样本装备企业5号")
    assert "铜梁样本装备企业1号" not in html and "第 1 / 2 页" in html
    page2 = client.get("/dashboards/ranking?indicator=rd_intensity&page=2").get_data(as_text=True)
    assert "铜梁样本装备企业0号" in page2 and "铜梁样本装备企业6号" not in page2
    assert client.get("/dashboards/ranking?indicator=rd_intensity&page=99").status_code == 200


def test_ranking_links_to_report_page_only_if_that_endpoint_exists(client, auth, district, app):
    from flask import url_for

    from portal.models import Report

    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/ranking?indicator=rd_intensity&period=2025Q4").get_data(as_text=True)
    if "review.view_report" in app.view_functions:
        report = db.session.query(Report).filter_by(enterprise_id=district["ents"][6].id).order_by(
            Report.period_id.desc()).first()
        with app.test_request_context():
            href = url_for("review.view_report", report_id=report.id)
        assert f'href="{href}">铜梁样本装备企业6号</a>' in html
    else:
        assert "铜梁样本装备企业6号</a>" not in html


@pytest.mark.parametrize("url", ["/dashboards/", "/dashboards/land", "/dashboards/definitions",
                                 "/dashboards/breakdown", "/dashboards/export/indicators.xlsx"])
def test_pages_render_in_english_locale(client, auth, district, url):
    auth.login_as(district["reviewer"])
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert client.get(url).status_code == 200


def test_land_page_shows_classes_and_provisional_weights(client, auth, district):
    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/land").get_data(as_text=True)
    for text in ("亩均税收", "暂定", "A 类", "不可评", "<svg", "铜梁样本装备企业0号"):
        assert text in html


def test_definitions_render_every_indicator_from_the_registry(client, auth, district):
    from portal.dashboards.indicators import INDICATORS

    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/definitions").get_data(as_text=True)
    for code, defn in INDICATORS.items():
        assert f'id="{code}"' in html
        assert str(escape(defn.formula_zh)) in html
    assert "606.24" in html and "2,000" in html      # baseline and target of advanced_mfg_output


def test_every_indicator_is_in_exactly_one_overview_group():
    from portal.dashboards.indicators import INDICATORS
    from portal.dashboards.services import GROUPS

    codes = [c for _, _, group in GROUPS for c in group]
    assert sorted(codes) == sorted(INDICATORS)


def test_enterprise_position_never_shows_another_enterprise(client, auth, district):
    auth.login_as(district["enterprise"])
    own = district["ents"][0]
    for url in ("/dashboards/my-position", "/dashboards/my-position?indicator=rd_intensity&period=2025"):
        html = client.get(url).get_data(as_text=True)
        assert "百分位" in html and "装备制造" in html
        for other in district["ents"][1:] + [district["silent"]]:
            assert other.name not in html and other.uscc not in html
    workbook = load_workbook(io.BytesIO(client.get("/dashboards/export/position.xlsx").data))
    text = " ".join(str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value is not None)
    assert "集群内百分位" in text
    for other in district["ents"][1:]:
        assert other.name not in text
    assert own.id  # the enterprise's own data is what the sheet holds


def test_enterprise_position_without_reports(client, auth, district):
    newcomer = factories.user("enterprise")
    db.session.commit()
    auth.login_as(newcomer)
    html = client.get("/dashboards/my-position").get_data(as_text=True)
    assert "本企业暂无已审核通过的季度报表" in html


def _sheet_text(ws) -> str:
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_indicator_export_has_title_period_chinese_headers_and_coverage(client, auth, district):
    auth.login_as(district["reviewer"])
    response = client.get("/dashboards/export/indicators.xlsx?period=2025Q4")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    assert "2025年第4季度" in ws["A1"].value and "生成时间" in ws["A1"].value
    assert "统计期：2025年第4季度" in ws["A2"].value and "覆盖率" in ws["A2"].value
    headers = [c.value for c in ws[3]]
    for header in ("指标", "数值", "2025年目标", "应报企业数（家）", "缺报企业数（家）", "覆盖率（%）"):
        assert header in headers
    rows = {r[headers.index("指标代码")]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    from portal.dashboards.indicators import INDICATORS
    assert set(rows) == set(INDICATORS)
    rd = rows["rd_intensity"]
    assert rd[headers.index("应报企业数（家）")] == 8 and rd[headers.index("使用数据企业数（家）")] == 7
    assert rd[headers.index("覆盖率（%）")] == pytest.approx(87.5)
    assert db.session.query(AuditEvent).filter_by(action="dashboards.export").count() == 1


@pytest.mark.parametrize("view, header", [
    ("breakdown", "产业集群"), ("trends", "季度"), ("ranking", "企业名称"), ("land", "亩均税收（万元/亩）"),
    ("definitions", "计算公式"),
])
def test_each_table_exports_with_chinese_headers(client, auth, district, view, header):
    auth.login_as(district["reviewer"])
    ws = load_workbook(io.BytesIO(client.get(f"/dashboards/export/{view}.xlsx").data)).active
    assert header in [c.value for c in ws[3]]
    assert "生成时间" in ws["A1"].value and "统计期" in ws["A2"].value
    assert ws.max_row > 3


def test_unknown_export_is_404(client, auth, district):
    auth.login_as(district["reviewer"])
    assert client.get("/dashboards/export/secrets.xlsx").status_code == 404


@pytest.fixture
def token_client(make_app, district):
    app = make_app(API_TOKENS=["gov-system-token-1", "gov-system-token-2"])
    return app.test_client()


def test_api_with_token(token_client, district):
    response = token_client.get("/dashboards/api/indicators.json?period=2025",
                                headers={"Authorization": "Bearer gov-system-token-2"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["period"] == "2025" and data["period_zh"] == "2025年"
    by_code = {i["code"]: i for i in data["indicators"]}
    assert by_code["rd_intensity"]["n_expected"] == 8 and by_code["rd_intensity"]["value"] > 0
    assert by_code["energy_intensity"]["provisional"]
    assert by_code["advanced_mfg_output"]["group"] == "plan"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"},
                                     {"Authorization": "Bearer "}])
def test_api_without_valid_token_is_401(token_client, district, headers):
    response = token_client.get("/dashboards/api/indicators.json", headers=headers)
    assert response.status_code == 401
    assert "error" in response.get_json()


def test_api_with_reviewer_session(client, auth, district):
    auth.login_as(district["reviewer"])
    response = client.get("/dashboards/api/indicators.json")
    assert response.status_code == 200 and response.get_json()["period"] == "2025Q4"


def test_api_with_enterprise_session_is_403(client, auth, district):
    auth.login_as(district["enterprise"])
    assert client.get("/dashboards/api/indicators.json").status_code == 403


def test_api_bad_period_is_400(client, auth, district):
    auth.login_as(district["reviewer"])
    response = client.get("/dashboards/api/indicators.json?period=zz")
    assert response.status_code == 400 and "统计期" in response.get_json()["error"]


def test_api_without_tokens_configured_rejects_any_bearer(client, district):
    response = client.get("/dashboards/api/indicators.json", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 401


def test_pages_use_no_external_resources(client, auth, district):
    auth.login_as(district["reviewer"])
    html = client.get("/dashboards/").get_data(as_text=True)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script" not in html


def test_api_tokens_are_compared_in_constant_time(token_client, district, monkeypatch):
    import hmac

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    ok = token_client.get("/dashboards/api/indicators.json", headers={"Authorization": "Bearer gov-system-token-1"})
    assert ok.status_code == 200
    assert (b"gov-system-token-1", b"gov-system-token-1") in calls
    calls.clear()
    bad = token_client.get("/dashboards/api/indicators.json", headers={"Authorization": "Bearer gov-system-token-x"})
    assert bad.status_code == 401
    assert len(calls) == 2                # every configured token is compared, in constant time


def test_english_pages_name_indicators_units_and_windows_in_english(client, auth, district):
    auth.login_as(district["reviewer"])
    with client.session_transaction() as session:
        session["lang"] = "en"
    html = client.get("/dashboards/?period=2025YTD3").get_data(as_text=True)
    assert "R&amp;D intensity of above-scale industrial enterprises" in html
    assert "100 million yuan" in html and "规上工业企业研发投入强度" not in html
    assert "Q1–Q3 2025" in html
    assert "Unchanged from the same period last year" in html and "较上年同期" not in html
    assert "Part-year data: progress computed on the annualised value" in html
    breakdown = client.get("/dashboards/breakdown?by=cluster&indicator=rd_intensity&period=2025Q4").get_data(as_text=True)
    assert "Equipment manufacturing" in breakdown
    with client.session_transaction() as session:
        session["lang"] = "zh"
    chinese = client.get("/dashboards/?period=2025YTD3").get_data(as_text=True)
    assert "规上工业企业研发投入强度" in chinese and "2025年1-3季度" in chinese
    assert "较上年同期持平0.0%" in chinese and "非全年数据，按年化值" in chinese
