"""Recommendations: concrete targets from the actual figures, re-scored gains, ranking."""
import json

import pytest

from portal.assessments import assess

from .conftest import base_indicators, score


def recs(code, **over):
    return score(code, base_indicators(**over), recs=True).recommendations


def test_extra_rd_needed_is_target_ratio_times_revenue_minus_rd():
    # innovative: R&D 160 on revenue 4800 = 3.33% -> 15 points; 5% needs 240, i.e. +80 万元 for +5 points
    r = next(x for x in recs("innovative2022") if x.code == "rd_intensity")
    assert r.text.startswith("研发费用再增加 80 万元，研发投入强度达到 5%，可得 +5 分")
    assert r.points_gain == 5 and r.target_value == 5 and r.current_value == pytest.approx(3.3333, abs=1e-4)
    assert r.unit == "%"


def test_amount_is_rounded_up_to_a_tenth_so_the_band_is_reached():
    # revenue 4801: 5% = 240.05 -> +80.1 万元 (not 80.05 rounded down)
    r = next(x for x in recs("innovative2022", revenue=4801, main_business_revenue=4400) if x.code == "rd_intensity")
    assert "研发费用再增加 80.1 万元" in r.text


def test_recommendation_that_reaches_the_pass_mark_says_so_and_ranks_first():
    # sts2022 baseline 68; lower it to 58 by making the field "other" (-5) and digital g1 (-3) and margin 5% (-2)
    out = recs("sts2022", product_field="other", sme_digital_grade="g1", net_profit=240)
    assert out[0].changes_grade and "60 分认定线" in out[0].text
    assert [r.rank for r in out] == list(range(1, len(out) + 1))


def test_blocking_gate_recommendation_comes_first_with_its_shortfall():
    # R&D 100 on revenue 4000 = 2.5% < 3%: extra 20 万元 clears the gate
    out = recs("sts2022", rd_expenditure=100, revenue=4000, main_business_revenue=3700)
    first = out[0]
    assert first.clears_gate and first.code == "rd_input"
    assert "研发费用再增加 20 万元" in first.text and "满足" in first.text


def test_debt_ratio_recommendation_reduces_liabilities_below_the_edge():
    # sts2022 debt 55% (3 points); <50% needs liabilities below 5000 -> reduce by 500.1
    r = next(x for x in recs("sts2022") if x.code == "debt_ratio")
    assert "负债减少 500.1 万元" in r.text and r.points_gain == 2


def test_rd_staff_recommendation_counts_new_hires_in_both_numbers():
    # 25 of 200 = 12.5%; 20% needs (0.2*200-25)/(1-0.2) = 18.75 -> 19 new R&D staff
    r = next(x for x in recs("sts2022") if x.code == "rd_staff_share")
    assert "新增研发人员 19 人" in r.text


def test_items_at_maximum_get_no_recommendation():
    codes = {r.code for r in recs("sts2022")}
    assert "main_business_share" not in codes and "quality" not in codes


def test_recommendations_serialise_with_the_cli_contract_fields():
    reports = [{"period": f"2025Q{q}", "revenue": 1200, "main_business_revenue": 1100, "rd_expenditure": 40,
                "net_profit": 60, "total_assets": 10000, "total_liabilities": 5000, "employees": 200,
                "rd_personnel": 20, "ip_class1_count": 2, "rd_institution_level": "district"} for q in range(1, 5)]
    results = assess({"cluster": "equipment", "niche_since_year": 2018}, reports, ["sts", "innovative", "giant"])
    data = json.loads(json.dumps([r.to_dict() for r in results], ensure_ascii=False))
    for res in data:
        for key in ("framework", "criteria_version", "total", "max_total", "grade", "passed", "gates", "items",
                    "recommendations"):
            assert key in res
        for it in res["items"]:
            assert {"code", "value", "points", "max_points", "provisional"} <= set(it)
        for rec in res["recommendations"]:
            assert {"code", "points_gain", "target_value", "text"} <= set(rec)


def test_failed_custom_gate_gets_a_concrete_change():
    # giant2022 新: revenue 1.2亿, R&D 300 = 2.5% this year (last year 3.2%) -> +60 万元 reaches 3%
    out = recs("giant2022", revenue=12000, main_business_revenue=11000, rd_expenditure=300,
               revenue_prev1=10000, rd_expenditure_prev1=320)
    r = next(x for x in out if x.code == "xin_rd")
    assert "研发费用再增加 60 万元" in r.text and r.clears_gate
