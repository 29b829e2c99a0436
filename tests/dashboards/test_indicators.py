"""Indicator formulas on tiny hand-built frames; the expected numbers are worked out in comments."""

import math

import numpy as np
import pandas as pd
import pytest

from portal.dashboards import indicators as ind
from portal.dashboards.indicators import PeriodSpec
from portal.dashboards.targets import load_targets

PROFILE = {
    "cluster": "equipment",
    "sub_direction": "轨道交通",
    "park": "hitech_core",
    "town": None,
    "is_above_scale": True,
    "high_tech_cert_until": pd.NaT,
    "land_area_mu": np.nan,
    "industry_code": "3411",
}


def report(eid, year=2025, quarter=4, **values):
    row = {"enterprise_id": eid, "year": year, "quarter": quarter, "period": f"{year}Q{quarter}", **PROFILE}
    row.update(values)
    return row


def full_year(eid, year=2025, **values):
    """Four quarterly reports carrying the same values (flows are per quarter)."""
    return [report(eid, year, q, **values) for q in (1, 2, 3, 4)]


def frame(*groups):
    rows = []
    for g in groups:
        rows.extend(g if isinstance(g, list) else [g])
    return pd.DataFrame(rows)


def expected_of(reports, extra=()):
    """Everyone who reported is expected in every quarter they reported, plus ``extra`` rows."""
    cols = ["enterprise_id", "year", "quarter", *PROFILE]
    exp = reports[cols].drop_duplicates(["enterprise_id", "year", "quarter"])
    if extra:
        exp = pd.concat([exp, pd.DataFrame(list(extra))[cols]], ignore_index=True)
    return exp


def row_of(reports, expected, spec, code, **kwargs):
    table = ind.indicator_table(reports, expected, spec, codes=[code], **kwargs)
    assert len(table) == 1
    return table.iloc[0]


# --------------------------------------------------------------------------- periods


def test_period_spec_parse_and_windows():
    assert PeriodSpec.parse("2025Q3") == PeriodSpec.of_quarter(2025, 3)
    assert PeriodSpec.parse("2025YTD3") == PeriodSpec.ytd(2025, 3)
    assert PeriodSpec.parse("2025Q1-Q3") == PeriodSpec.ytd(2025, 3)
    assert PeriodSpec.parse("2025") == PeriodSpec.full_year(2025)
    assert PeriodSpec.of_quarter(2025, 3).quarters == (3,)
    assert PeriodSpec.ytd(2025, 3).quarters == (1, 2, 3)
    assert PeriodSpec.full_year(2025).quarters == (1, 2, 3, 4)
    assert PeriodSpec.ytd(2025, 2).annualisation_factor == 2.0
    assert PeriodSpec.of_quarter(2025, 2).end_date == pd.Timestamp("2025-06-30")
    assert PeriodSpec.full_year(2025).previous_year() == PeriodSpec.full_year(2024)
    with pytest.raises(ValueError):
        PeriodSpec(2025, 5)


def test_quarter_window_takes_only_that_quarter():
    r = frame([report(1, quarter=q, gross_output_value=100.0 * q, employees=10 * q) for q in (1, 2, 3)])
    e = ind.select_period(r, "2025Q2")
    assert e.loc[1, "gross_output_value"] == 200.0
    assert e.loc[1, "employees"] == 20


def test_ytd_sums_flows_and_takes_latest_stock():
    # Q1..Q3 output 100 + 200 + 300 = 600; employees (stock) from Q3 = 30; Q4 is outside.
    r = frame([report(1, quarter=q, gross_output_value=100.0 * q, employees=10 * q) for q in (1, 2, 3, 4)])
    e = ind.select_period(r, PeriodSpec.ytd(2025, 3))
    assert e.loc[1, "gross_output_value"] == 600.0
    assert e.loc[1, "employees"] == 30
    assert bool(e.loc[1, "complete"]) and e.loc[1, "n_quarters"] == 3


def test_full_year_with_missing_quarter_is_out_of_flow_coverage():
    # E1 reports Q1..Q4 (4 x 100 = 400); E2 misses Q3, so its flows are unknown (not 300),
    # while its stock still comes from its latest report (Q4).
    r = frame(
        full_year(1, gross_output_value=100.0, employees=5),
        [report(2, quarter=q, gross_output_value=100.0, employees=q) for q in (1, 2, 4)],
    )
    e = ind.select_period(r, PeriodSpec.full_year(2025))
    assert e.loc[1, "gross_output_value"] == 400.0
    assert math.isnan(e.loc[2, "gross_output_value"])
    assert not bool(e.loc[2, "complete"]) and e.loc[2, "n_quarters"] == 3
    assert e.loc[2, "employees"] == 4
    # The district total rests on E1 only: 400 万元 = 0.04 亿元, coverage 1 of 2.
    row = row_of(r, expected_of(r), "2025", "advanced_mfg_output")
    assert row.value == pytest.approx(0.04)
    assert (row.n_used, row.n_expected, row.n_missing, row.coverage) == (1, 2, 1, 0.5)


def test_empty_flow_in_one_quarter_makes_the_window_sum_unknown():
    r = frame(report(1, quarter=1, revenue=100.0), report(1, quarter=2, revenue=np.nan))
    e = ind.select_period(r, PeriodSpec.ytd(2025, 2))
    assert math.isnan(e.loc[1, "revenue"])


# --------------------------------------------------------------------------- outputs


def test_advanced_mfg_output_sums_above_scale_in_yi_yuan():
    # E1 4 x 10000 = 40000 万元, E2 4 x 5000 = 20000 万元 -> 60000 万元 = 6.0 亿元.
    # E3 is not above scale (outside the population); E4 (above scale) has no Q3 report.
    r = frame(
        full_year(1, gross_output_value=10000.0),
        full_year(2, gross_output_value=5000.0),
        full_year(3, gross_output_value=99999.0, is_above_scale=False),
        [report(4, quarter=q, gross_output_value=7000.0) for q in (1, 2, 4)],
    )
    row = row_of(r, expected_of(r), "2025", "advanced_mfg_output")
    assert row.value == pytest.approx(6.0)
    # expected above-scale: E1, E2, E4 -> 2 used of 3
    assert (row.n_used, row.n_expected, row.n_missing) == (2, 3, 1)
    # progress = (6 - 606.24) / (2000 - 606.24)
    assert row.progress == pytest.approx((6.0 - 606.24) / (2000 - 606.24))
    assert row.target == 2000 and row.baseline == 606.24


@pytest.mark.parametrize("code, cluster", [
    ("equipment_output", "equipment"), ("electronics_output", "electronics"), ("health_output", "health"),
])
def test_cluster_output_counts_only_that_cluster(code, cluster):
    # Each cluster has one enterprise with 4 x 2500 = 10000 万元 = 1.0 亿元, except the measured
    # cluster which has a second one with 4 x 5000 = 20000: total 3.0 亿元.
    r = frame(
        *[full_year(i, gross_output_value=2500.0, cluster=c) for i, c in
          enumerate(["equipment", "electronics", "health", "other"], start=1)],
        full_year(9, gross_output_value=5000.0, cluster=cluster),
    )
    row = row_of(r, expected_of(r), "2025", code)
    assert row.value == pytest.approx(3.0)
    assert (row.n_used, row.n_expected) == (2, 2)


def test_partial_year_output_progress_uses_annualised_value_and_says_so():
    # Q1..Q2 of 2025: 2 x 10000 = 20000 万元 = 2 亿元; annualised x 2 = 4 亿元.
    r = frame([report(1, quarter=q, gross_output_value=10000.0) for q in (1, 2)])
    row = row_of(r, None, PeriodSpec.ytd(2025, 2), "advanced_mfg_output")
    assert row.value == pytest.approx(2.0)
    assert row.progress == pytest.approx((4.0 - 606.24) / (2000 - 606.24))
    assert "年化" in row.note


# --------------------------------------------------------------------------- ratios


def test_rd_intensity_is_ratio_of_sums_without_missing_as_zero():
    # E1 rd 30 / rev 1000, E2 rd 10 / rev 1000, E3 rd empty / rev 8000 (out).
    # (30 + 10) / (1000 + 1000) = 2.0 %; reading E3's rd as 0 would give 40 / 10000 = 0.4 %.
    r = frame(
        report(1, rd_expenditure=30.0, revenue=1000.0),
        report(2, rd_expenditure=10.0, revenue=1000.0),
        report(3, rd_expenditure=np.nan, revenue=8000.0),
    )
    row = row_of(r, expected_of(r), "2025Q4", "rd_intensity")
    assert row.value == pytest.approx(2.0)
    assert (row.n_used, row.n_expected, row.coverage) == (2, 3, pytest.approx(2 / 3))
    # progress = (2.0 - 1.9) / (2.5 - 1.9) = 1/6
    assert row.progress == pytest.approx(0.1 / 0.6)


def test_nc_rate_weighted_mean_and_district():
    # E1 hitech_core 9/10, E2 damiao 10/40, E3 town 0/50, E4 hitech_core total empty.
    # weighted hitech: (9 + 10) / (10 + 40) = 38 %; simple mean: (90 + 25) / 2 = 57.5 %;
    # whole district: (9 + 10 + 0) / (10 + 40 + 50) = 19 %.
    r = frame(
        report(1, key_processes_nc=9, key_processes_total=10, park="hitech_core"),
        report(2, key_processes_nc=10, key_processes_total=40, park="damiao"),
        report(3, key_processes_nc=0, key_processes_total=50, park="town", town="安居镇"),
        report(4, key_processes_nc=3, key_processes_total=np.nan, park="hitech_core"),
    )
    exp = expected_of(r)
    nc = row_of(r, exp, "2025Q4", "nc_rate")
    assert nc.value == pytest.approx(38.0)
    assert (nc.n_used, nc.n_expected) == (2, 3)
    # no baseline: progress = value / target = 38 / 40
    assert nc.progress == pytest.approx(0.95)
    assert row_of(r, exp, "2025Q4", "nc_rate_mean").value == pytest.approx(57.5)
    district = row_of(r, exp, "2025Q4", "nc_rate_district")
    assert district.value == pytest.approx(19.0)
    assert (district.n_used, district.n_expected) == (3, 4)


def test_high_tech_output_share_uses_certificate_valid_at_period_end():
    # 2025Q4 ends 2025-12-31. E1 300 (valid to 2026-06-30), E2 500 (expired 2025-12-30),
    # E5 100 (valid to exactly 2025-12-31), E3 100 (no certificate), E4 output empty (out).
    # (300 + 100) / (300 + 500 + 100 + 100) = 40 %.
    r = frame(
        report(1, gross_output_value=300.0, high_tech_cert_until=pd.Timestamp("2026-06-30")),
        report(2, gross_output_value=500.0, high_tech_cert_until=pd.Timestamp("2025-12-30")),
        report(5, gross_output_value=100.0, high_tech_cert_until=pd.Timestamp("2025-12-31")),
        report(3, gross_output_value=100.0),
        report(4, gross_output_value=np.nan, high_tech_cert_until=pd.Timestamp("2027-01-01")),
    )
    row = row_of(r, expected_of(r), "2025Q4", "high_tech_output_share")
    assert row.value == pytest.approx(40.0)
    assert (row.n_used, row.n_expected) == (4, 5)


def test_water_reuse_rate_excludes_enterprises_without_recycled_figure():
    # E1 900 recycled + 100 withdrawn, E2 0 + 100, E3 recycled empty (out) + 1000.
    # 900 / (900 + 100 + 0 + 100) = 81.818 %; reading E3's empty as 0 would give 900 / 2100.
    r = frame(
        report(1, water_recycled_m3=900.0, water_withdrawal_m3=100.0),
        report(2, water_recycled_m3=0.0, water_withdrawal_m3=100.0),
        report(3, water_recycled_m3=np.nan, water_withdrawal_m3=1000.0),
    )
    row = row_of(r, expected_of(r), "2025Q4", "water_reuse_rate")
    assert row.value == pytest.approx(900 / 1100 * 100)
    assert (row.n_used, row.n_missing) == (2, 1)


def test_solid_waste_utilisation_rate():
    # E1 80 used of 100 generated (prior stock used: not reported, optional addend);
    # E2 50 used of 40 generated + 20 prior stock; E3 utilised empty (out).
    # (80 + 50) / (100 + 40 + 20) = 130 / 160 = 81.25 %.
    r = frame(
        report(1, solid_waste_utilised_t=80.0, solid_waste_generated_t=100.0),
        report(2, solid_waste_utilised_t=50.0, solid_waste_generated_t=40.0, solid_waste_prior_stock_used_t=20.0),
        report(3, solid_waste_utilised_t=np.nan, solid_waste_generated_t=100.0),
    )
    row = row_of(r, expected_of(r), "2025Q4", "solid_waste_utilisation_rate")
    assert row.value == pytest.approx(81.25)
    assert row.n_used == 2


ENERGY_E1 = dict(
    electricity_kwh=1_000_000.0, natural_gas_m3=10_000.0, diesel_t=1.0, steam_t=10.0, heat_gj=100.0,
    other_energy_tce=2.0, value_added=1000.0,
)
ENERGY_E2 = dict(
    electricity_kwh=0.0, natural_gas_m3=0.0, raw_coal_t=1.0, gasoline_t=1.0, fuel_oil_t=1.0, lpg_t=1.0,
    value_added=10.0,
)


def test_energy_tce_uses_gb2589_coefficients():
    # E1: 1e6 kWh x 0.1229 = 122.9 tce; 1e4 m3 x 1.2143 = 12.143; diesel 1 t x 1.4571 = 1.4571;
    #     steam 10 t x 128.6 kgce/t = 1.286; heat 100 GJ x 34.12 kgce/GJ = 3.412; other 2 tce.
    #     total 143.1981 tce.
    # E2: coal 0.7143 + gasoline 1.4714 + fuel oil 1.4286 + LPG 1.7143 = 5.3286 tce.
    r = frame(report(1, **ENERGY_E1), report(2, **ENERGY_E2))
    e = ind.select_period(r, "2025Q4")
    tce = ind.energy_tce(e)
    assert tce.loc[1] == pytest.approx(143.1981)
    assert tce.loc[2] == pytest.approx(5.3286)


def test_energy_intensity_ratio_of_sums_and_missing_required_energy():
    # (143.1981 + 5.3286) / (1000 + 10) = 148.5267 / 1010 = 0.147056 tce/万元.
    # E3 has value added but no electricity figure: out of coverage, not counted as zero energy.
    r = frame(report(1, **ENERGY_E1), report(2, **ENERGY_E2),
              report(3, electricity_kwh=np.nan, natural_gas_m3=0.0, value_added=5000.0))
    row = row_of(r, expected_of(r), "2025Q4", "energy_intensity")
    assert row.value == pytest.approx(148.5267 / 1010)
    assert (row.n_used, row.n_expected) == (2, 3)
    assert math.isnan(row.progress)  # lower is better: no progress fraction


def test_co2_intensity_with_default_and_configured_grid_factor():
    # E1: electricity 1e6 kWh x 0.5366 kg = 536.6 t; gas 1e4 m3 x 2.162 kg = 21.62 t;
    #     diesel 1 t x 3.145 = 3.145; steam 10 t x 2.76 GJ x 0.11 = 3.036; heat 100 GJ x 0.11 = 11;
    #     other_energy_tce not counted. Total 575.401 t / 1000 万元 = 0.575401.
    r = frame(report(1, **ENERGY_E1))
    assert row_of(r, None, "2025Q4", "co2_intensity").value == pytest.approx(0.575401)
    # 西南 grid 0.2268: 226.8 + 21.62 + 3.145 + 3.036 + 11 = 265.601 t -> 0.265601.
    params = ind.Params(grid_kgco2_per_kwh=0.2268)
    assert row_of(r, None, "2025Q4", "co2_intensity", params=params).value == pytest.approx(0.265601)
    # E2 fuels: coal 2.072 + gasoline 3.043 + fuel oil 3.047 + LPG 2.954 = 11.116 t.
    e2 = ind.select_period(frame(report(2, **ENERGY_E2)), "2025Q4")
    assert ind.co2_t(e2).loc[2] == pytest.approx(11.116)


# --------------------------------------------------------------------------- counts and shares


def test_digital_workshops_plus_smart_factories():
    # E1 2 workshops; E2 workshops empty but a recognised smart factory -> 1;
    # E3 1 workshop + smart factory -> 2; E4 nothing known (out). 2 + 1 + 2 = 5.
    r = frame(
        report(1, recognised_digital_workshops=2, smart_factory=False),
        report(2, recognised_digital_workshops=np.nan, smart_factory=True),
        report(3, recognised_digital_workshops=1, smart_factory=True),
        report(4, recognised_digital_workshops=np.nan, smart_factory=False),
    )
    row = row_of(r, expected_of(r), "2025Q4", "digital_workshops_smart_factories")
    assert row.value == 5
    assert (row.n_used, row.n_expected) == (3, 4)
    # progress = (5 - 12) / (30 - 12)
    assert row.progress == pytest.approx(-7 / 18)


def test_large_enterprises_full_year_and_annualised():
    # Full year: E1 4 x 15000 = 60000 > 50000 -> counts; E2 4 x 12500 = 50000, not above; E3 empty.
    r = frame(full_year(1, revenue=15000.0), full_year(2, revenue=12500.0), full_year(3, revenue=np.nan))
    row = row_of(r, expected_of(r), "2025", "large_enterprises")
    assert row.value == 1 and (row.n_used, row.n_expected) == (2, 3)
    assert row.note == ""
    # Q1..Q2: E1 30000 x 2 = 60000 annualised -> counts; E2 25000 x 2 = 50000 -> not.
    ytd = row_of(r, expected_of(r), PeriodSpec.ytd(2025, 2), "large_enterprises")
    assert ytd.value == 1
    assert "年化" in ytd.note


def test_rd_platforms_counts_municipal_and_national():
    r = frame(
        report(1, rd_institution_level="municipal"),
        report(2, rd_institution_level="national"),
        report(3, rd_institution_level="district"),
        report(4, rd_institution_level=None),
    )
    row = row_of(r, expected_of(r), "2025Q4", "rd_platforms")
    assert row.value == 2 and row.n_used == 3
    # progress = (2 - 44) / (60 - 44)
    assert row.progress == pytest.approx(-42 / 16)


def test_industrial_investment_sums_complete_enterprises():
    # E1 4 x 2500 = 10000 万元 = 1.0 亿元; E2 left Q2 empty: out.
    r = frame(
        full_year(1, fixed_asset_investment=2500.0),
        [report(2, quarter=q, fixed_asset_investment=(np.nan if q == 2 else 9000.0)) for q in (1, 2, 3, 4)],
    )
    row = row_of(r, expected_of(r), "2025", "industrial_investment")
    assert row.value == pytest.approx(1.0)
    assert (row.n_used, row.n_missing) == (1, 1)


def test_design_tool_penetration_and_cloud_rate():
    # tools: E1 cad3d (yes), E2 none (no), E3 empty list (no tool), E4 not answered (out) -> 1/3.
    # cloud: platform, none, business, not answered -> 2/3.
    r = frame(
        report(1, design_tools=["cad3d"], cloud_level="platform"),
        report(2, design_tools=["none"], cloud_level="none"),
        report(3, design_tools=[], cloud_level="business"),
        report(4, design_tools=None, cloud_level=None),
    )
    exp = expected_of(r)
    tools = row_of(r, exp, "2025Q4", "design_tool_penetration")
    assert tools.value == pytest.approx(100 / 3)
    assert (tools.n_used, tools.n_expected) == (3, 4)
    assert row_of(r, exp, "2025Q4", "cloud_rate").value == pytest.approx(200 / 3)


@pytest.mark.parametrize("code, column", [("green_factories", "green_factory"), ("sts_enterprises", "sts")])
def test_recognition_counts(code, column):
    # True, False, unknown -> 1 counted, 2 known of 3 expected.
    r = frame(report(1, **{column: True}), report(2, **{column: False}), report(3, **{column: None}))
    row = row_of(r, expected_of(r), "2025Q4", code)
    assert row.value == 1 and (row.n_used, row.n_expected) == (2, 3)


def test_recognition_count_without_column_is_unavailable():
    r = frame(report(1, revenue=1.0))
    row = row_of(r, expected_of(r), "2025Q4", "green_factories")
    assert math.isnan(row.value) and row.n_used == 0 and row.coverage == 0


def test_system_adoption_shares():
    # ERP: full, none -> 50 %; MES: partial, none -> 50 %; third enterprise did not answer.
    r = frame(
        report(1, systems={"erp": "full", "mes": "partial"}),
        report(2, systems={"erp": "none", "mes": "none"}),
        report(3, systems=None),
    )
    exp = expected_of(r)
    erp = row_of(r, exp, "2025Q4", "system_erp_share")
    assert erp.value == pytest.approx(50.0) and erp.n_used == 2
    assert row_of(r, exp, "2025Q4", "system_mes_share").value == pytest.approx(50.0)


def test_equipment_shares():
    # digital: (6 + 6) / (10 + 30) = 30 %; networked: E2 empty -> 3 / 10 = 30 %.
    r = frame(
        report(1, equipment_total=10, equipment_digital=6, equipment_networked=3),
        report(2, equipment_total=30, equipment_digital=6, equipment_networked=np.nan),
    )
    assert row_of(r, None, "2025Q4", "digital_equipment_share").value == pytest.approx(30.0)
    net = row_of(r, None, "2025Q4", "networked_equipment_share")
    assert net.value == pytest.approx(30.0) and net.n_used == 1


def test_iso_shares():
    # ISO 50001: 1 of 3 answered; ISO 14001: 1 of 3; the fourth did not answer.
    r = frame(
        report(1, certifications=["iso50001", "iso14001"]),
        report(2, certifications=["iso9001"]),
        report(3, certifications=[]),
        report(4, certifications=None),
    )
    row = row_of(r, expected_of(r), "2025Q4", "iso50001_share")
    assert row.value == pytest.approx(100 / 3) and (row.n_used, row.n_expected) == (3, 4)
    assert row_of(r, None, "2025Q4", "iso14001_share").value == pytest.approx(100 / 3)


# --------------------------------------------------------------------------- table, change, coverage


def test_table_lists_every_plan_indicator_with_targets():
    r = frame(report(1, revenue=1.0))
    table = ind.indicator_table(r, expected_of(r), "2025Q4")
    plan_codes = set(load_targets())
    assert plan_codes <= set(table["code"])
    assert set(table.loc[table["in_plan"], "code"]) == plan_codes
    assert table["code"].is_unique


def test_change_against_same_period_last_year():
    # rd intensity 2024Q4: 10 / 1000 = 1 %; 2025Q4: 30 / 1000 = 3 % -> +2 points, +200 %.
    r = frame(report(1, year=2024, rd_expenditure=10.0, revenue=1000.0),
              report(1, year=2025, rd_expenditure=30.0, revenue=1000.0))
    row = row_of(r, expected_of(r), "2025Q4", "rd_intensity")
    assert row.value_prev_year == pytest.approx(1.0)
    assert row.change == pytest.approx(2.0)
    assert row.change_pct == pytest.approx(200.0)
    assert "上升" in row.change_note


def test_down_indicator_change_note_says_lower_is_better():
    # energy 2024: 122.9 tce / 1000 = 0.1229; 2025: 122.9 / 2000 = 0.06145 -> -50 %, 向好.
    base = dict(electricity_kwh=1_000_000.0, natural_gas_m3=0.0)
    r = frame(report(1, year=2024, value_added=1000.0, **base), report(1, year=2025, value_added=2000.0, **base))
    row = row_of(r, None, "2025Q4", "energy_intensity")
    assert row.change_pct == pytest.approx(-50.0)
    assert "下降50.0%" in row.change_note and "向好" in row.change_note


def test_coverage_counts_expected_enterprises_that_did_not_report():
    # E1 reported; E2 expected but silent -> rd intensity coverage 1 / 2, value from E1 alone.
    r = frame(report(1, rd_expenditure=20.0, revenue=1000.0))
    exp = expected_of(r, extra=[{"enterprise_id": 2, "year": 2025, "quarter": 4, **PROFILE}])
    row = row_of(r, exp, "2025Q4", "rd_intensity")
    assert row.value == pytest.approx(2.0)
    assert (row.n_used, row.n_expected, row.n_missing, row.coverage) == (1, 2, 1, 0.5)


# --------------------------------------------------------------------------- breakdown, trend, ranking


def test_breakdown_by_cluster_and_park():
    # equipment: (20 + 10) / (1000 + 1000) = 1.5 %; electronics: 50 / 1000 = 5 %.
    r = frame(
        report(1, rd_expenditure=20.0, revenue=1000.0, cluster="equipment", park="hitech_core"),
        report(2, rd_expenditure=10.0, revenue=1000.0, cluster="equipment", park="damiao"),
        report(3, rd_expenditure=50.0, revenue=1000.0, cluster="electronics", park="damiao"),
    )
    out = ind.breakdown(r, expected_of(r), "2025Q4", by="cluster", codes=["rd_intensity"])
    got = out.set_index("group")["value"]
    assert got["equipment"] == pytest.approx(1.5) and got["electronics"] == pytest.approx(5.0)
    assert set(out["group_zh"]) == {"装备制造", "电子信息"}
    # damiao: (10 + 50) / 2000 = 3 %; hitech_core: 2 %.
    park = ind.breakdown(r, expected_of(r), "2025Q4", by="park", codes=["rd_intensity"]).set_index("group")
    assert park.loc["damiao", "value"] == pytest.approx(3.0)
    assert park.loc["hitech_core", "n_expected"] == 1
    # District targets are not applied to a single group.
    assert park["progress"].isna().all() and park["target"].isna().all()
    with pytest.raises(ValueError):
        ind.breakdown(r, None, "2025Q4", by="enterprise_id")


def test_breakdown_by_town_and_sub_direction():
    # 安居镇: 30 / 1000 = 3 %; 平滩镇: (10 + 20) / 2000 = 1.5 %.
    r = frame(
        report(1, rd_expenditure=30.0, revenue=1000.0, park="town", town="安居镇", sub_direction="医疗器械"),
        report(2, rd_expenditure=10.0, revenue=1000.0, park="town", town="平滩镇", sub_direction="医疗器械"),
        report(3, rd_expenditure=20.0, revenue=1000.0, park="town", town="平滩镇", sub_direction="美妆"),
    )
    town = ind.breakdown(r, expected_of(r), "2025Q4", by="town", codes=["rd_intensity"]).set_index("group")
    assert town.loc["安居镇", "value"] == pytest.approx(3.0) and town.loc["平滩镇", "value"] == pytest.approx(1.5)
    # 医疗器械: (30 + 10) / 2000 = 2 %; 美妆: 2 %.
    sub = ind.breakdown(r, expected_of(r), "2025Q4", by="sub_direction", codes=["rd_intensity"]).set_index("group")
    assert sub.loc["医疗器械", "n_used"] == 2 and sub.loc["美妆", "value"] == pytest.approx(2.0)


def test_breakdown_by_size_class_puts_silent_expected_enterprises_in_unknown():
    r = frame(
        report(1, employees=1500, revenue=12000.0, rd_expenditure=120.0),  # annual 48000 -> 大型
        report(2, employees=50, revenue=200.0, rd_expenditure=2.0),  # annual 800 -> 小型
    )
    exp = expected_of(r, extra=[{"enterprise_id": 3, "year": 2025, "quarter": 4, **PROFILE}])
    out = ind.breakdown(r, exp, "2025Q4", by="size_class", codes=["rd_intensity"]).set_index("group")
    assert set(out.index) == {"大型", "小型", "未知"}
    assert out.loc["大型", "value"] == pytest.approx(1.0)
    assert out.loc["未知", "n_expected"] == 1 and out.loc["未知", "n_used"] == 0


@pytest.mark.parametrize("employees, annual_revenue, expected", [
    (1000, 40000, "大型"), (1000, 39999, "中型"), (999, 90000, "中型"), (300, 2000, "中型"),
    (299, 2000, "小型"), (300, 1999, "小型"), (20, 300, "小型"), (19, 300, "微型"), (500, 299, "微型"),
])
def test_size_class_nbs_2017_edges(employees, annual_revenue, expected):
    e = pd.DataFrame({"employees": [employees], "revenue": [annual_revenue / 4]})
    assert ind.size_class(e, annualisation_factor=4.0).iloc[0] == expected


def test_size_class_unknown_without_inputs():
    e = pd.DataFrame({"employees": [np.nan], "revenue": [100.0]})
    assert pd.isna(ind.size_class(e).iloc[0])


def test_trend_by_quarter():
    # Q1 5/10 = 50 %, Q2 6/10 = 60 %, Q3 (E2 joins) (7 + 0) / (10 + 10) = 35 %.
    r = frame(
        report(1, quarter=1, key_processes_nc=5, key_processes_total=10),
        report(1, quarter=2, key_processes_nc=6, key_processes_total=10),
        report(1, quarter=3, key_processes_nc=7, key_processes_total=10),
        report(2, quarter=3, key_processes_nc=0, key_processes_total=10),
    )
    t = ind.trend(r, expected_of(r), "nc_rate")
    assert list(t["period"]) == ["2025Q1", "2025Q2", "2025Q3"]
    assert list(t["value"]) == pytest.approx([50.0, 60.0, 35.0])
    assert list(t["n_used"]) == [1, 1, 2]


def test_ranking_best_first_for_up_and_down_indicators():
    r = frame(
        report(1, rd_expenditure=10.0, revenue=1000.0, value_added=100.0, electricity_kwh=1e5, natural_gas_m3=0.0),
        report(2, rd_expenditure=30.0, revenue=1000.0, value_added=100.0, electricity_kwh=2e5, natural_gas_m3=0.0),
        report(3, rd_expenditure=np.nan, revenue=1000.0, value_added=100.0, electricity_kwh=5e4, natural_gas_m3=0.0),
    )
    up = ind.ranking(r, "2025Q4", "rd_intensity")
    assert list(up["enterprise_id"]) == [2, 1]  # E3 has no R&D figure: not ranked
    assert list(up["value"]) == pytest.approx([3.0, 1.0])
    down = ind.ranking(r, "2025Q4", "energy_intensity")
    # tce/万元: E3 6.145/100, E1 12.29/100, E2 24.58/100 -> lowest first
    assert list(down["enterprise_id"]) == [3, 1, 2]
    assert list(down["rank"]) == [1, 2, 3]


def test_enterprise_position_percentile_without_other_identities():
    # Five equipment peers with rd intensity 1, 2, 3, 4, 5 %; E3 (3 %) matches or beats 3 of 5 = 60 %.
    r = frame([report(i, rd_expenditure=10.0 * i, revenue=1000.0) for i in range(1, 6)],
              report(9, rd_expenditure=90.0, revenue=1000.0, cluster="health"))
    pos = ind.enterprise_position(r, 3, "2025Q4", codes=["rd_intensity"])
    row = pos.iloc[0]
    assert row.value == pytest.approx(3.0)
    assert row.n_peers == 5 and row.percentile == pytest.approx(60.0) and row.peer_median == pytest.approx(3.0)
    assert "enterprise_id" not in pos.columns
    # With fewer peers than min_peers the comparison is withheld.
    small = ind.enterprise_position(r, 3, "2025Q4", codes=["rd_intensity"], min_peers=6).iloc[0]
    assert math.isnan(small.percentile) and math.isnan(small.peer_median)
    assert ind.enterprise_position(r, 404, "2025Q4").empty


def test_inputs_are_not_mutated():
    r = frame(full_year(1, gross_output_value=1.0, design_tools=["cad2d"]))
    before = r.copy()
    ind.indicator_table(r, expected_of(r), "2025")
    pd.testing.assert_frame_equal(r, before)


def test_flags_stored_as_integers_or_nullable_booleans():
    # SQLite returns 0/1; pandas may hold nullable booleans. Both must read as True/False/unknown.
    r = frame(report(1, gross_output_value=100.0), report(2, gross_output_value=300.0),
              report(3, gross_output_value=50.0))
    r["is_above_scale"] = [1, 1, 0]
    r["green_factory"] = pd.array([True, False, None], dtype="boolean")
    assert row_of(r, None, "2025Q4", "advanced_mfg_output").value == pytest.approx(0.04)  # (100 + 300) / 1e4
    green = row_of(r, None, "2025Q4", "green_factories")
    assert green.value == 1 and green.n_used == 2


def test_certificate_dates_as_python_dates():
    # 2025Q4 ends 2025-12-31: E1 valid (2026-01-01), E2 none, E3 expired -> 100 / 300 = 33.3 %.
    import datetime as dt
    r = frame(report(1, gross_output_value=100.0, high_tech_cert_until=dt.date(2026, 1, 1)),
              report(2, gross_output_value=100.0, high_tech_cert_until=None),
              report(3, gross_output_value=100.0, high_tech_cert_until=dt.date(2020, 1, 1)))
    assert row_of(r, None, "2025Q4", "high_tech_output_share").value == pytest.approx(100 / 3)
