"""绿色工厂评价 GB/T 36132-2018 / -2025: vetoes, band edges, linear scoring, pass rule, version switch.

Every expected number is worked out by hand from criteria/green2018.yaml and green2025.yaml.
"""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from portal.assessments import engine, loader
from portal.assessments.frameworks import green
from portal.assessments.types import CriteriaError

AS_OF = date(2026, 11, 29)
G2018 = loader.by_code("green2018")
G2025 = loader.by_code("green2025")
ALL_CERTS = ["iso9001", "iso14001", "iso45001", "iso50001", "discharge_permit", "cleaner_production_audit",
             "green_product", "carbon_footprint"]


def best(**over) -> dict:
    """An enterprise that earns every point the report data can earn under both versions."""
    ind = {
        "cluster": "equipment", "violations_3y": False, "certifications": list(ALL_CERTS),
        "systems": {"ems": "full"},
        # 15 亩 = 10000 m2: floor 20000 -> 容积率 2.0; footprint 6000 -> 建筑密度 60%
        "land_area_mu": 15.0, "floor_area_m2": 20000.0, "footprint_area_m2": 6000.0,
        "electricity_kwh": 700.0, "renewable_self_kwh": 300.0,          # 30% renewable
        "water_reuse_rate_pct": 90.0, "solid_waste_utilisation_pct": 95.0, "wastewater_reuse_pct": 60.0,
        "green_material_pct": 60.0, "output_per_mu": 500.0,
        "energy_per_10k_va": 0.06, "co2_per_10k_va": 0.16,
        "hazardous_waste_t": 3.75, "gross_output_value": 7500.0,          # 0.0005 t/万元; 500 万元/亩
        "energy_tce": 10.0, "co2_t": 30.0, "main_product_output_qty": 1000.0,
    }
    ind.update(over)
    return ind


def run(criteria, **over):
    return engine.score(criteria, best(**over), as_of=AS_OF, with_recommendations=False)


def item(result, code):
    return next(i for i in result.items if i.code == code)


def gate(result, code):
    return next(g for g in result.gates if g.code == code)


# --------------------------------------------------------------------------- version switch

@pytest.mark.parametrize("day, code", [
    (date(2018, 12, 1), "green2018"),
    (date(2025, 12, 30), "green2018"),
    (date(2025, 12, 31), "green2025"),
    (date(2026, 11, 29), "green2025"),
])
def test_gbt36132_2025_replaces_2018_on_2025_12_31(day, code):
    assert loader.in_force("green", day).code == code
    assert [c.code for c in engine.resolve(["green"], day)] == [code]


def test_green_2018_is_not_in_force_before_its_effective_date():
    assert loader.in_force("green", date(2018, 11, 30)) is None


# --------------------------------------------------------------------------- structure of the files

def test_2018_category_weights_are_20_15_15_10_10_30_and_match_the_items():
    assert G2018.param("category_weights") == {"基础设施": 20, "管理体系": 15, "能源与资源投入": 15, "产品": 10,
                                               "环境排放": 10, "绩效": 30}
    green.check(G2018)


def test_2025_quantitative_energy_carbon_resource_items_carry_60_percent():
    codes = set(G2025.param("quantitative"))
    assert sum(i.max_points for i in G2025.items if i.code in codes) == 60
    green.check(G2025)


def test_category_weight_that_disagrees_with_items_is_a_criteria_error():
    params = dict(G2018.params)
    weights = dict(G2018.param("category_weights"), 绩效=20)
    params["category_weights"] = dataclasses.replace(params["category_weights"], value=weights)
    with pytest.raises(CriteriaError, match="category_weights"):
        green.check(dataclasses.replace(G2018, params=params))


def test_every_unconfirmed_number_is_provisional():
    for crit in (G2018, G2025):
        assert crit.provisional
        for part in (*crit.items, *crit.gates):
            assert part.provisional == (part.confidence != "S"), part.code


# --------------------------------------------------------------------------- vetoes

@pytest.mark.parametrize("criteria", [G2018, G2025], ids=["2018", "2025"])
def test_major_violation_in_three_years_vetoes_whatever_the_points(criteria):
    r = run(criteria, violations_3y=True)
    assert gate(r, "no_major_violation").passed is False
    assert r.passed is False
    assert r.grade == "未达到绿色工厂评价要求"


@pytest.mark.parametrize("criteria", [G2018, G2025], ids=["2018", "2025"])
def test_missing_discharge_permit_vetoes(criteria):
    certs = [c for c in ALL_CERTS if c != "discharge_permit"]
    r = run(criteria, certifications=certs)
    assert gate(r, "discharge_permit").passed is False
    assert r.passed is False


@pytest.mark.parametrize("cert", ["iso9001", "iso14001", "iso45001", "iso50001"])
def test_2025_each_of_the_four_management_systems_is_a_basic_requirement(cert):
    r = run(G2025, certifications=[c for c in ALL_CERTS if c != cert])
    assert gate(r, cert).passed is False
    assert r.passed is False


def test_2018_missing_management_certification_costs_3_points_but_is_no_veto():
    r = run(G2018, certifications=[c for c in ALL_CERTS if c != "iso45001"])
    assert item(r, "iso45001").points == 0
    assert all(g.passed is not False for g in r.gates)
    assert r.total == 52


def test_unreported_violation_flag_leaves_the_veto_undecided():
    r = run(G2025, violations_3y=None)
    assert gate(r, "no_major_violation").passed is None
    assert r.passed is None


# --------------------------------------------------------------------------- totals and pass rule

def test_2018_best_report_data_earns_55_and_cannot_be_judged_without_the_onsite_items():
    # 55 data points; 37 on-site + 8 benchmark points not available: 55 + 45 >= 80 -> undecided
    r = run(G2018)
    assert r.total == 55
    assert r.extra["onsite_points_max"] == 37
    assert gate(r, "total_score").passed is None
    assert r.passed is None
    assert r.grade == "待现场评价后判定"


def test_2018_total_that_cannot_reach_80_even_with_every_missing_item_fails():
    # no 能源管理系统 (-6), only the discharge permit (-12 四体系, -5 绿色设计产品, -3 清洁生产, -3 碳足迹),
    # no renewable electricity (-5): 55 - 34 = 21; 21 + 45 not available = 66 < 80 -> failed
    r = run(G2018, systems={"ems": "none"}, certifications=["discharge_permit"], renewable_self_kwh=0.0)
    assert r.total == 21
    assert gate(r, "total_score").passed is False
    assert r.passed is False


def test_2025_best_report_data_earns_85_and_passes():
    r = run(G2025)
    assert r.total == 85          # 100 - 15 on-site points
    assert r.passed is True
    assert r.grade == "达到绿色工厂评价要求"


def test_2025_score_below_80_with_only_onsite_points_missing_is_undecided_not_failed():
    # water reuse at the baseline (-6): 79 + 15 on-site >= 80 -> undecided
    r = run(G2025, water_reuse_rate_pct=50.0)
    assert r.total == 79
    assert r.passed is None


# --------------------------------------------------------------------------- 2018 band edges

@pytest.mark.parametrize("code, over, points", [
    ("water_reuse", {"water_reuse_rate_pct": 49.99}, 0),
    ("water_reuse", {"water_reuse_rate_pct": 50.0}, 1.5),
    ("water_reuse", {"water_reuse_rate_pct": 74.99}, 1.5),
    ("water_reuse", {"water_reuse_rate_pct": 75.0}, 3),
    ("water_reuse", {"water_reuse_rate_pct": 89.99}, 3),
    ("water_reuse", {"water_reuse_rate_pct": 90.0}, 5),
    # renewable share = self-generated / (purchased + self-generated)
    ("renewable_share", {"electricity_kwh": 9010.0, "renewable_self_kwh": 90.0}, 0),     # 0.989%
    ("renewable_share", {"electricity_kwh": 99.0, "renewable_self_kwh": 1.0}, 1.5),      # 1%
    ("renewable_share", {"electricity_kwh": 95.0, "renewable_self_kwh": 5.0}, 3),        # 5%
    ("renewable_share", {"electricity_kwh": 901.0, "renewable_self_kwh": 99.0}, 3),      # 9.9%
    ("renewable_share", {"electricity_kwh": 90.0, "renewable_self_kwh": 10.0}, 5),       # 10%
    # 建筑密度: 15 亩 = 10000 m2
    ("building_density", {"footprint_area_m2": 2999.0}, 0),
    ("building_density", {"footprint_area_m2": 3000.0}, 3),
    # 容积率 against the cluster minimum: equipment 0.7, electronics 1.0
    ("plot_ratio", {"floor_area_m2": 6999.0}, 0),
    ("plot_ratio", {"floor_area_m2": 7000.0}, 3),
    ("plot_ratio", {"cluster": "electronics", "floor_area_m2": 9999.0}, 0),
    ("plot_ratio", {"cluster": "electronics", "floor_area_m2": 10000.0}, 3),
    ("land_output", {"output_per_mu": 149.99}, 0),
    ("land_output", {"output_per_mu": 150.0}, 1.5),
    ("land_output", {"output_per_mu": 300.0}, 3),
    ("green_material", {"green_material_pct": 19.9}, 0),
    ("green_material", {"green_material_pct": 20.0}, 1),
    ("green_material", {"green_material_pct": 50.0}, 2),
    ("solid_waste_utilisation", {"solid_waste_utilisation_pct": 49.9}, 0),
    ("solid_waste_utilisation", {"solid_waste_utilisation_pct": 50.0}, 1),
    ("solid_waste_utilisation", {"solid_waste_utilisation_pct": 73.0}, 2),
    ("solid_waste_utilisation", {"solid_waste_utilisation_pct": 90.0}, 3),
    ("wastewater_reuse", {"wastewater_reuse_pct": 29.99}, 0),
    ("wastewater_reuse", {"wastewater_reuse_pct": 30.0}, 1),
    ("wastewater_reuse", {"wastewater_reuse_pct": 60.0}, 2),
    ("energy_metering", {"systems": {"ems": "partial"}}, 3),
    ("energy_metering", {"systems": {}}, 0),
])
def test_2018_band_edge_value_on_the_edge_takes_the_higher_band(code, over, points):
    assert item(run(G2018, **over), code).points == points


@pytest.mark.parametrize("code, over", [
    ("water_reuse", {"water_reuse_rate_pct": None}),
    ("plot_ratio", {"land_area_mu": None}),
    ("plot_ratio", {"cluster": None}),
    ("building_density", {"land_area_mu": 0.0}),
    ("renewable_share", {"renewable_self_kwh": None}),
    ("energy_metering", {"systems": None}),
])
def test_2018_missing_input_is_not_available_and_scores_zero(code, over):
    it = item(run(G2018, **over), code)
    assert it.available is False
    assert it.points == 0


def test_2018_per_product_energy_is_computed_but_needs_an_industry_benchmark():
    # 10 tce x 1000 / 1000 units = 10 kgce per unit
    it = item(run(G2018), "energy_per_unit")
    assert it.value == 10
    assert it.points == 0 and it.available is False
    assert "已计算" in it.note and "行业先进值" in it.note


def test_2018_onsite_items_are_not_available_and_say_so():
    it = item(run(G2018), "buildings_onsite")
    assert it.available is False and it.points == 0 and "现场评价" in it.note


# --------------------------------------------------------------------------- 2025 linear scoring

@pytest.mark.parametrize("code, over, points", [
    # higher is better: baseline 50 -> 0, leading 90 -> 6 (water reuse, 6 points)
    ("water_reuse", {"water_reuse_rate_pct": 40.0}, 0),
    ("water_reuse", {"water_reuse_rate_pct": 50.0}, 0),
    ("water_reuse", {"water_reuse_rate_pct": 70.0}, 3),
    ("water_reuse", {"water_reuse_rate_pct": 90.0}, 6),
    ("water_reuse", {"water_reuse_rate_pct": 100.0}, 6),
    # lower is better, per cluster: equipment baseline 0.20, leading 0.06 (12 points)
    ("energy_intensity", {"energy_per_10k_va": 0.25}, 0),
    ("energy_intensity", {"energy_per_10k_va": 0.20}, 0),
    ("energy_intensity", {"energy_per_10k_va": 0.13}, 6),
    ("energy_intensity", {"energy_per_10k_va": 0.06}, 12),
    ("energy_intensity", {"energy_per_10k_va": 0.01}, 12),
    # electronics: baseline 0.16, leading 0.04 -> 0.10 is half way
    ("energy_intensity", {"cluster": "electronics", "energy_per_10k_va": 0.10}, 6),
    # carbon, health: baseline 0.72, leading 0.20 -> 0.46 half way of 10 points
    ("carbon_intensity", {"cluster": "health", "co2_per_10k_va": 0.46}, 5),
    # renewable: 0 -> 0, 30% -> 4; 15% -> 2 (700/300 in best(); here 85/15)
    ("renewable_share", {"electricity_kwh": 85.0, "renewable_self_kwh": 15.0}, 2),
    ("solid_waste_utilisation", {"solid_waste_utilisation_pct": 77.5}, 4),
    ("wastewater_reuse", {"wastewater_reuse_pct": 15.0}, 1),
    ("green_material", {"green_material_pct": 35.0}, 2),
    # hazardous waste per 万元 output: baseline 0.005, leading 0.0005; 20.625 t / 7500 万元 half way of 4
    ("hazardous_waste_intensity", {"hazardous_waste_t": 20.625}, 2),
    ("land_output", {"output_per_mu": 300.0}, 4),
    # 容积率: 15 亩 = 10000 m2; equipment baseline 0.7, leading 2.0: 1.35 is half way of 5
    ("plot_ratio", {"floor_area_m2": 13500.0}, 2.5),
    ("building_density", {"footprint_area_m2": 4500.0}, 2.5),
])
def test_2025_indicator_scores_linearly_from_baseline_to_leading_value(code, over, points):
    assert item(run(G2025, **over), code).points == pytest.approx(points, abs=1e-9)


def test_2025_indicator_without_a_known_cluster_baseline_is_not_available():
    it = item(run(G2025, cluster=None), "energy_intensity")
    assert it.available is False and it.points == 0


def test_2025_band_text_names_baseline_and_leading_value():
    assert item(run(G2025), "energy_intensity").band == "基准值 0.2tce/万元，引领值 0.06tce/万元"


def test_linear_points_clamp_and_keep_direction():
    import numpy as np
    v = np.array([0.0, 5.0, 10.0, 20.0, np.nan])
    up = green.linear_points(v, np.full(5, 5.0), np.full(5, 15.0), 10.0)
    down = green.linear_points(v, np.full(5, 15.0), np.full(5, 5.0), 10.0)
    assert up[:4].tolist() == [0, 0, 5, 10] and np.isnan(up[4])
    assert down[:4].tolist() == [10, 10, 5, 0]


def test_scoring_does_not_mutate_the_input():
    ind = best()
    before = repr(ind)
    engine.score(G2025, ind, as_of=AS_OF, with_recommendations=False)
    assert repr(ind) == before


# --------------------------------------------------------------------------- recommendations

def advise(criteria, **over):
    ind = best(**over)
    result = engine.score(criteria, ind, as_of=AS_OF, with_recommendations=False)
    return result, green.recommendations(criteria, ind, result)


def test_2018_advice_states_the_water_to_reuse_for_the_next_band():
    # 8000 / (8000 + 2000) = 80% (3 points); 90% needs 90 x 2000 / 10 = 18000 m3: +10000 m3, +2 points
    _, recs = advise(G2018, water_reuse_rate_pct=80.0, water_recycled_m3=8000.0, water_withdrawal_m3=2000.0)
    rec = next(r for r in recs if r.code == "water_reuse")
    assert rec.text.startswith("年重复利用水量再增加 10,000 立方米，水重复利用率达到90%，可得 +2 分")
    assert rec.points_gain == 2 and rec.target_value == 90


def test_2018_advice_states_the_renewable_electricity_to_add():
    # 50 / (950 + 50) = 5% (3 points); 10% of 1000 kWh = 100: +50 kWh replacing purchased power, +2 points
    _, recs = advise(G2018, electricity_kwh=950.0, renewable_self_kwh=50.0)
    rec = next(r for r in recs if r.code == "renewable_share")
    assert rec.text.startswith("新增自发自用光伏等可再生电力 50 kWh/年（替代等量外购电），可再生能源电力占比达到10%")
    assert rec.points_gain == 2


def test_2025_advice_puts_a_missing_basic_requirement_first():
    result, recs = advise(G2025, certifications=[c for c in ALL_CERTS if c != "iso45001"])
    assert result.passed is False
    top = recs[0]
    assert top.code == "iso45001" and top.clears_gate and top.changes_grade
    assert top.text.startswith("取得 ISO 45001 职业健康安全管理体系认证（基本要求）")
    assert "结论变为「达到绿色工厂评价要求」" in top.text


def test_2025_advice_for_a_linear_indicator_aims_at_the_leading_value():
    # 0.1229 tce/万元 (1,000,000 kWh x 0.1229 kgce / 1000 万元); the leading value 0.06 needs
    # 62.9 tce less: 62.9 / 0.0001229 = 511,798.2 -> 511,799 kWh
    _, recs = advise(G2025, electricity_kwh=1_000_000.0, renewable_self_kwh=0.0, natural_gas_m3=0.0,
                     value_added=1000.0, energy_per_10k_va=0.1229, energy_tce=122.9,
                     co2_per_10k_va=0.5366, co2_t=536.6)
    rec = next(r for r in recs if r.code == "energy_intensity")
    assert rec.text.startswith("年节约外购电 511,799 kWh（综合能耗降低 62.9 吨标准煤），单位工业增加值综合能耗达到引领值0.06tce/万元")
    # energy item 6.6086 -> 12 (+5.3914); the saved power also cuts CO2: 0.5366 -> 0.26197 t/万元,
    # carbon item 1.4409 -> 7.6825 (+6.2416): the stated gain is the engine's own re-score
    assert rec.points_gain == pytest.approx(5.3914 + 6.2416, abs=2e-4)


def test_no_advice_for_items_already_at_full_points():
    _, recs = advise(G2025)
    assert all(r.code not in {"water_reuse", "energy_intensity", "iso9001"} for r in recs)


@pytest.mark.parametrize("day, code", [(date(2025, 12, 30), "green2018"), (date(2025, 12, 31), "green2025")])
def test_assess_picks_the_green_version_in_force_and_its_result_is_plain_json(day, code):
    import json

    from portal.assessments import assess

    profile = {"cluster": "equipment", "industry_code": "3311", "land_area_mu": 30.0}
    reports = [{"period": f"2025Q{q}", "gross_output_value": 2500.0, "value_added": 600.0,
                "electricity_kwh": 500000.0, "natural_gas_m3": 1000.0, "certifications": ["iso9001"],
                "violations_3y": False, "systems": {"ems": "partial"}} for q in (1, 2, 3, 4)]
    (result,) = assess(profile, reports, ["green"], as_of=day)
    assert result.framework == code
    json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False)
