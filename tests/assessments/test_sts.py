"""专精特新 family: every band edge and gate of sts2022, sts2026, innovative2022, giant2022, giant2026.

Expected numbers are read off the tables in criteria-reference.md §3 by hand.
"""
import pytest

from .conftest import base_indicators, gate, item, score

# (item, indicator overrides, expected points) -- sts2022 table (§3b)
STS2022_EDGES = [
    ("main_business_share", {"main_business_share_pct": 59.99}, 0),
    ("main_business_share", {"main_business_share_pct": 60}, 1),
    ("main_business_share", {"main_business_share_pct": 70}, 3),
    ("main_business_share", {"main_business_share_pct": 79.9}, 3),
    ("main_business_share", {"main_business_share_pct": 80}, 5),
    ("main_business_growth_2y", {"main_business_growth_2y_avg_pct": -0.1}, 0),
    ("main_business_growth_2y", {"main_business_growth_2y_avg_pct": 0}, 2),
    ("main_business_growth_2y", {"main_business_growth_2y_avg_pct": 4}, 4),
    ("main_business_growth_2y", {"main_business_growth_2y_avg_pct": 6}, 6),
    ("main_business_growth_2y", {"main_business_growth_2y_avg_pct": 8}, 8),
    ("main_business_growth_2y", {"main_business_growth_2y_avg_pct": 9.99}, 8),
    ("main_business_growth_2y", {"main_business_growth_2y_avg_pct": 10}, 10),
    ("years_in_niche", {"niche_since_year": 2024}, 0),      # 1 year
    ("years_in_niche", {"niche_since_year": 2023}, 1),      # 2 years
    ("years_in_niche", {"niche_since_year": 2022}, 1),      # 3 years
    ("years_in_niche", {"niche_since_year": 2016}, 4),      # 9 years
    ("years_in_niche", {"niche_since_year": 2000}, 5),      # capped at 5
    ("product_field", {"product_field": "gap_filling"}, 5),
    ("product_field", {"product_field": "six_foundations"}, 3),
    ("product_field", {"product_field": "chain_leader_supplier"}, 3),
    ("product_field", {"product_field": "other"}, 0),
    ("digital_level", {"sme_digital_grade": "g4"}, 5),
    ("digital_level", {"sme_digital_grade": "g3"}, 5),
    ("digital_level", {"sme_digital_grade": "g2"}, 3),
    ("digital_level", {"sme_digital_grade": "g1"}, 0),
    ("quality", {"own_brand": False, "certifications": [], "standards_led_count": 0}, 0),
    ("quality", {"own_brand": True, "certifications": [], "standards_led_count": 0}, 3),
    ("quality", {"own_brand": True, "certifications": ["iso9001"], "standards_led_count": 2}, 5),
    ("net_margin", {"net_margin_pct": 1.99}, 0),
    ("net_margin", {"net_margin_pct": 2}, 2),
    ("net_margin", {"net_margin_pct": 4}, 4),
    ("net_margin", {"net_margin_pct": 6}, 6),
    ("net_margin", {"net_margin_pct": 8}, 8),
    ("net_margin", {"net_margin_pct": 10}, 10),
    ("debt_ratio", {"debt_ratio_pct": 49.9}, 5),
    ("debt_ratio", {"debt_ratio_pct": 50}, 3),
    ("debt_ratio", {"debt_ratio_pct": 60}, 1),
    ("debt_ratio", {"debt_ratio_pct": 69.9}, 1),
    ("debt_ratio", {"debt_ratio_pct": 70}, 0),
    ("ip", {"ip_class1_count": 0, "ip_class1_self_developed": 0, "ip_class2_count": 0}, 0),
    ("ip", {"ip_class1_count": 0, "ip_class1_self_developed": 0, "ip_class2_count": 1}, 2),
    ("ip", {"ip_class1_count": 1, "ip_class1_self_developed": 0}, 6),
    ("ip", {"ip_class1_count": 1, "ip_class1_self_developed": 1}, 8),
    ("ip", {"ip_class1_count": 1, "ip_high_value_count": 1}, 10),
    # R&D amount OR share, whichever gives more (revenue 4800)
    ("rd_input", {"rd_expenditure": 99.9}, 0),
    ("rd_input", {"rd_expenditure": 100}, 2),
    ("rd_input", {"rd_expenditure": 200}, 4),      # 4.17% -> 2, amount -> 4
    ("rd_input", {"rd_expenditure": 300}, 6),      # 6.25% -> 6
    ("rd_input", {"rd_expenditure": 400}, 8),      # 8.33% -> 8
    ("rd_input", {"rd_expenditure": 480}, 10),     # 10% -> 10 (share wins over amount 8)
    ("rd_input", {"rd_expenditure": 500}, 10),
    ("rd_input", {"revenue": 1000, "main_business_revenue": 900, "rd_expenditure": 60}, 6),   # 6% share -> 6, amount 0
    ("rd_staff_share", {"rd_personnel": 9}, 0),      # 4.5%
    ("rd_staff_share", {"rd_personnel": 10}, 1),     # 5%
    ("rd_staff_share", {"rd_personnel": 20}, 3),     # 10%
    ("rd_staff_share", {"rd_personnel": 40}, 5),     # 20%
    ("rd_institution", {"rd_institution_level": "national"}, 10),
    ("rd_institution", {"rd_institution_level": "municipal"}, 8),
    ("rd_institution", {"rd_institution_level": "district"}, 4),
    ("rd_institution", {"rd_institution_level": "enterprise"}, 2),
    ("rd_institution", {"rd_institution_level": "none"}, 0),
    ("special_cluster", {"cluster": "other"}, 0),
    ("special_cluster", {"cluster": "health", "sub_direction": "医疗器械"}, 5),
    ("special_cluster", {"cluster": "health", "sub_direction": None}, 0),
    ("special_nc_rate", {"key_processes_nc": 4}, 0),
    ("special_nc_rate", {"key_processes_nc": 5}, 1),
    ("special_nc_rate", {"key_processes_total": 20, "key_processes_nc": 13}, 3),
    ("special_nc_rate", {"key_processes_total": 20, "key_processes_nc": 15}, 5),
]


@pytest.mark.parametrize("code, over, points", STS2022_EDGES)
def test_sts2022_item_points_at_each_band_edge(code, over, points):
    assert item(score("sts2022", base_indicators(**over)), code).points == points


def test_sts2022_baseline_total_by_hand():
    # 5+10+3+5 | 3+5+6+3 | 5+3+3 | 8+2+3+4 : share 91.7, growth sqrt(4400/3600)-1=10.55%, 6 years,
    # gap_filling | g2, 2 quality items, margin 6.67%, debt 55% | cluster, district, NC 70% | IP self,
    # R&D 160 / 3.33%, staff 12.5%, district
    r = score("sts2022", base_indicators())
    assert r.total == 68 and r.passed is True and r.grade == "专精特新中小企业"


@pytest.mark.parametrize("over, gate_code, passed, shortfall", [
    ({"niche_since_year": 2024}, "niche_years", False, 1),
    ({"niche_since_year": 2023}, "niche_years", True, None),
    ({"niche_since_year": None}, "niche_years", None, None),
    ({"rd_expenditure": 99}, "rd_input", False, 1),
    ({"rd_expenditure": 100, "revenue": 3400, "main_business_revenue": 3000}, "rd_input", False, 0.0588),
    ({"rd_expenditure": 144}, "rd_input", True, None),                 # exactly 3% of 4800
    ({"revenue": 999, "main_business_revenue": 900, "rd_expenditure": 100}, "revenue_or_equity", False, 1),
    ({"revenue": 999, "main_business_revenue": 900, "rd_expenditure": 100, "external_equity_2y": 2000},
     "revenue_or_equity", True, None),
    ({"revenue": 1000, "main_business_revenue": 900, "rd_expenditure": 100}, "revenue_or_equity", True, None),
    ({"violations_3y": True}, "no_violations", False, None),
])
def test_sts2022_required_conditions(over, gate_code, passed, shortfall):
    g = gate(score("sts2022", base_indicators(**over)), gate_code)
    assert g.passed is passed
    assert g.shortfall == (None if shortfall is None else pytest.approx(shortfall, abs=1e-4))


def test_sts2022_score_below_sixty_fails_unless_a_direct_route_applies():
    low = dict(product_field="other", sme_digital_grade="g1", rd_institution_level="none", cluster="other",
               own_brand=False, certifications=[])
    r = score("sts2022", base_indicators(**low))
    assert r.total < 60 and gate(r, "score").passed is False and r.passed is False
    assert gate(r, "score").shortfall == 60 - r.total
    for route in ({"science_award_3y": True}, {"external_equity_2y": 6000},
                  {"rd_expenditure": 1000, "rd_expenditure_prev1": 1000}):
        r2 = score("sts2022", base_indicators(**low, **route))
        assert gate(r2, "score").passed is True and r2.routes, route


def test_sts2022_score_gate_cannot_be_judged_when_missing_items_could_close_the_gap():
    r = score("sts2022", base_indicators(product_field="other", sme_digital_grade=None, rd_institution_level=None,
                                         cluster="other", own_brand=False, certifications=[]))
    assert r.total < 60 and gate(r, "score").passed is None and r.passed is None
    assert not item(r, "digital_level").available and "缺少数据" in item(r, "digital_level").note


def test_sts2022_caller_may_replace_the_special_items():
    own = [{"code": "cq_export", "name": "出口", "indicator": "export_delivery_value", "confidence": "R",
            "provisional": True, "bands": {"edges": [1], "points": [0, 15]}}]
    r = score("sts2022", base_indicators(export_delivery_value=10), {"special_items": own})
    assert item(r, "cq_export").points == 15
    assert not any(i.code == "special_cluster" for i in r.items)


INNOVATIVE_EDGES = [
    ("ip", {"ip_class1_count": 0, "ip_class1_self_developed": 0, "ip_class2_count": 0}, 0),
    ("ip", {"ip_class1_count": 0, "ip_class1_self_developed": 0, "ip_class2_count": 1}, 5),
    ("ip", {"ip_class1_count": 1, "ip_class1_self_developed": 0}, 10), ("ip", {"ip_class1_count": 1}, 15),
    ("ip", {"ip_high_value_count": 1}, 20),
    ("rd_intensity", {"rd_intensity_pct": 0.99}, 0), ("rd_intensity", {"rd_intensity_pct": 1}, 5),
    ("rd_intensity", {"rd_intensity_pct": 2}, 10), ("rd_intensity", {"rd_intensity_pct": 3}, 15),
    ("rd_intensity", {"rd_intensity_pct": 5}, 20),
    ("main_business_growth", {"main_business_growth_pct": -0.01}, 0),
    ("main_business_growth", {"main_business_growth_pct": 0}, 5),
    ("main_business_growth", {"main_business_growth_pct": 5}, 10),
    ("main_business_growth", {"main_business_growth_pct": 10}, 15),
    ("main_business_growth", {"main_business_growth_pct": 15}, 20),
    ("debt_ratio", {"debt_ratio_pct": 55}, 10), ("debt_ratio", {"debt_ratio_pct": 55.01}, 5),
    ("debt_ratio", {"debt_ratio_pct": 75}, 5), ("debt_ratio", {"debt_ratio_pct": 75.01}, 0),
    ("product_field", {"product_field": "strategic_emerging"}, 10), ("product_field", {"product_field": "other"}, 5),
    ("main_business_share", {"main_business_share_pct": 49.9}, 0),
    ("main_business_share", {"main_business_share_pct": 50}, 5),
    ("main_business_share", {"main_business_share_pct": 55}, 10),
    ("main_business_share", {"main_business_share_pct": 60}, 15),
    ("main_business_share", {"main_business_share_pct": 70}, 20),
]


@pytest.mark.parametrize("code, over, points", INNOVATIVE_EDGES)
def test_innovative2022_item_points_at_each_band_edge(code, over, points):
    assert item(score("innovative2022", base_indicators(**over)), code).points == points


@pytest.mark.parametrize("over, passed", [
    # 60 points but 创新能力 only 15 (IP 0 + R&D 15): fails the sub-minimum
    ({"ip_class1_count": 0, "ip_class1_self_developed": 0, "ip_class2_count": 0, "rd_intensity_pct": 3, "main_business_growth_pct": 15,
      "main_business_share_pct": 70, "product_field": "other", "debt_ratio_pct": 80}, False),
    # same, with 高企 valid: direct route
    ({"ip_class1_count": 0, "ip_class1_self_developed": 0, "ip_class2_count": 0, "rd_intensity_pct": 3, "main_business_growth_pct": 15,
      "main_business_share_pct": 70, "product_field": "other", "debt_ratio_pct": 80,
      "high_tech_cert_until": "2026-06-30"}, True),
    # 创新能力 20, 成长性 15, 专业化 25 = 60: passes exactly
    ({"ip_class1_count": 1, "ip_class1_self_developed": 0, "rd_intensity_pct": 2, "main_business_growth_pct": 10,
      "debt_ratio_pct": 80, "main_business_share_pct": 70, "product_field": "other"}, True),
    # 成长性 14 impossible; 成长性 10 with total 65 fails
    ({"ip_high_value_count": 1, "rd_intensity_pct": 5, "main_business_growth_pct": 5, "debt_ratio_pct": 80,
      "main_business_share_pct": 70, "product_field": "other"}, False),
    ({"violations_3y": True}, False),
])
def test_innovative2022_pass_rule_with_sub_minimums_and_routes(over, passed):
    assert score("innovative2022", base_indicators(**over)).passed is passed


@pytest.mark.parametrize("over, gate_code, passed, shortfall", [
    ({"niche_since_year": 2023, "product_field": "other"}, "zhuan_niche", False, 1),
    ({"niche_since_year": 2023, "product_field": "gap_filling"}, "zhuan_niche", True, None),
    ({"main_business_share_pct": 69}, "zhuan_main_share", False, 1),
    ({"main_business_growth_2y_avg_pct": 4.5}, "zhuan_growth", False, 0.5),
    ({"systems": {"erp": "none"}}, "jing_info_system", False, 1),
    ({"certifications": []}, "jing_certification", False, 1),
    ({"debt_ratio_pct": 70}, "jing_debt", True, None),
    ({"debt_ratio_pct": 72.5}, "jing_debt", False, 2.5),
    ({"niche_market_share_pct": 9}, "te_share", False, 1),
    ({"own_brand": False}, "te_brand", False, None),
    # revenue ≥1亿: each of 2 years ≥3%
    ({"revenue": 12000, "main_business_revenue": 11000, "rd_expenditure": 360, "revenue_prev1": 10000,
      "rd_expenditure_prev1": 290}, "xin_rd", False, 0.1),
    ({"revenue": 12000, "main_business_revenue": 11000, "rd_expenditure": 360, "revenue_prev1": 10000,
      "rd_expenditure_prev1": 300}, "xin_rd", True, None),
    # 5000万-1亿: ≥6%
    ({"revenue": 6000, "main_business_revenue": 5500, "rd_expenditure": 330, "revenue_prev1": 5000,
      "rd_expenditure_prev1": 300}, "xin_rd", False, 0.5),
    # <5000万: equity ≥8000 and R&D 2y ≥3000 and staff ≥50%
    ({"external_equity_2y": 7000}, "xin_rd", False, 1000),
    ({"rd_institution_level": "none"}, "xin_institution", False, None),
    ({"ip_class1_count": 1}, "xin_ip", False, 1),
    ({"product_field": "other"}, "lian_pin", False, None),
])
def test_giant2022_conditions_and_shortfalls(over, gate_code, passed, shortfall):
    g = gate(score("giant2022", base_indicators(**over)), gate_code)
    assert g.passed is passed
    assert g.shortfall == (None if shortfall is None else pytest.approx(shortfall, abs=1e-4))


def giant_ok(**over):
    ind = base_indicators(revenue=12000, main_business_revenue=11000, revenue_prev1=11000, revenue_prev2=10000,
                          main_business_revenue_prev1=10000, main_business_revenue_prev2=9000,
                          rd_expenditure=700, rd_expenditure_prev1=600, ip_class1_count=5,
                          ip_high_value_count=1, niche_market_share_pct=15, product_field="six_foundations",
                          rd_institution_level="municipal", sme_digital_grade="g3", standards_led_count=2,
                          rd_personnel=45, niche_since_year=2015, total_liabilities=4000)
    ind.update(over)
    return ind


def test_giant_well_qualified_enterprise_passes_both_versions():
    assert score("giant2022", giant_ok()).passed is True
    r = score("giant2026", giant_ok(), {"certified": {"sts": True}})
    assert r.passed is True, [(g.code, g.passed, g.detail) for g in r.gates]
    assert r.total is None and r.extra["development_score"] >= 60


@pytest.mark.parametrize("over, gate_code, shortfall", [
    ({"revenue": 4900, "main_business_revenue": 4500, "rd_expenditure": 600}, "revenue", 100),
    ({"main_business_revenue": 10700}, "main_business_share", 0.8333),
    ({"debt_ratio_pct": 76}, "debt_ratio", 1),
    ({"rd_expenditure": 500, "rd_expenditure_prev1": 600}, "rd_input", 100),
    ({"ip_class1_count": 3}, "ip", 1),
    ({"niche_market_share_pct": 8, "niche_market_rank_cn": 4}, "market_share", 2),
    ({"revenue_prev2": 11000}, "revenue_cagr", 5 - 4.4466),
    ({"niche_since_year": 2024}, "niche_years", 2),
])
def test_giant2026_failed_indicator_reports_its_shortfall(over, gate_code, shortfall):
    r = score("giant2026", giant_ok(**over), {"certified": {"sts": True}})
    g = gate(r, gate_code)
    assert g.passed is False and r.passed is False
    assert g.shortfall == pytest.approx(shortfall, abs=1e-3)


def test_giant2026_revenue_growth_is_not_required_at_re_review():
    r = score("giant2026", giant_ok(revenue_prev2=11000), {"certified": {"sts": True}, "review_kind": "re_review"})
    assert gate(r, "revenue_cagr").passed is True


def test_giant2026_without_certification_estimates_status_from_sts2026():
    r = score("giant2026", giant_ok())
    assert "推定" in gate(r, "sts_status").detail


@pytest.mark.parametrize("over, gate_code, passed", [
    ({"revenue": 1499, "main_business_revenue": 1400, "rd_expenditure": 100}, "revenue_or_equity", False),
    ({"revenue": 1500, "main_business_revenue": 1400, "rd_expenditure": 100, "revenue_prev1": 1400,
      "rd_expenditure_prev1": 100}, "revenue_or_equity", True),
    ({"main_business_share_pct": 79.9}, "main_business_share", False),
    ({"main_business_share_pct": 80}, "main_business_share", True),
    ({"debt_ratio_pct": 80}, "debt_ratio", True),
    ({"debt_ratio_pct": 80.1}, "debt_ratio", False),
    ({"rd_expenditure_prev1": 99}, "rd_input", False),
    ({"revenue_prev1": 5100}, "rd_input", False),          # last year 150/5100 = 2.94%
    ({"niche_since_year": 2023}, "niche_years", False),
    ({"ip_class1_count": 0}, "ip", False),
    ({"ip_class1_count": 0, "rd_institution_level": "municipal"}, "ip", True),
])
def test_sts2026_conditions(over, gate_code, passed):
    assert gate(score("sts2026", base_indicators(**over), {"certified": {"innovative": True}}), gate_code).passed \
        is passed


def test_sts2026_development_score_uses_seven_dimensions_and_needs_fifty():
    r = score("sts2026", base_indicators(), {"certified": {"innovative": True}})
    assert set(r.extra["dimensions"]) == {"专业化", "精细化", "特色化", "创新能力", "经营效益", "成长性", "产业基础"}
    assert r.max_total == 100
    maxima = {}
    for i in r.items:
        maxima[i.dimension] = maxima.get(i.dimension, 0) + i.max_points
    assert maxima == {"专业化": 15, "精细化": 10, "特色化": 10, "创新能力": 35, "经营效益": 15, "成长性": 10, "产业基础": 5}
    g = gate(r, "development_score")
    assert g.passed is (r.total >= 50)
