"""亩均论英雄 land-efficiency scores and classes on hand-built frames."""

import numpy as np
import pandas as pd
import pytest

from portal.dashboards import land
from portal.dashboards.indicators import PeriodSpec

BASE = {
    "cluster": "equipment", "park": "hitech_core", "town": None, "is_above_scale": True,
    "high_tech_cert_until": pd.NaT, "industry_code": "3411",
}
# Every quarter: energy 1e5 kWh = 12.29 tce, gas 0.
QUARTER = dict(
    land_area_mu=10.0, taxes_paid=25.0, revenue=1000.0, value_added=200.0, gross_output_value=1100.0,
    rd_expenditure=20.0, employees=50, electricity_kwh=100_000.0, natural_gas_m3=0.0,
)


def enterprise(eid, year=2025, **overrides):
    values = {**QUARTER, **overrides}
    return [{"enterprise_id": eid, "year": year, "quarter": q, **BASE, **values} for q in (1, 2, 3, 4)]


def frame(*groups):
    return pd.DataFrame([row for g in groups for row in g])


def test_annual_components_per_mu():
    # Annual: tax 4 x 25 = 100 / 10 亩 = 10 万元/亩; sales 4000 / 10 = 400; VA 800 / 10 = 80;
    # output 4400 / 10 = 440; energy 4 x 12.29 = 49.16 tce -> VA/energy 800 / 49.16 = 16.2734;
    # R&D 80 / 4000 = 2 %; labour productivity 800 / 50 = 16 万元/人.
    t = land.land_efficiency(frame(enterprise(1)), PeriodSpec.full_year(2025)).iloc[0]
    assert t.tax_per_mu == pytest.approx(10.0)
    assert t.sales_per_mu == pytest.approx(400.0)
    assert t.va_per_mu == pytest.approx(80.0)
    assert t.output_per_mu == pytest.approx(440.0)
    assert t.va_per_energy == pytest.approx(800 / 49.16)
    assert t.rd_intensity == pytest.approx(2.0)
    assert t.labour_productivity == pytest.approx(16.0)
    # A single rated enterprise is 100th percentile on everything and class A.
    assert t.score == pytest.approx(100.0) and t["class"] == "A" and t["rank"] == 1


def test_partial_year_is_annualised():
    # Q1..Q2 tax 50 x 2 = 100 annual -> 10 万元/亩, same as the full year.
    r = frame(enterprise(1)).query("quarter <= 2")
    t = land.land_efficiency(r, PeriodSpec.ytd(2025, 2)).iloc[0]
    assert t.tax_per_mu == pytest.approx(10.0)


def test_weighted_percentile_score_by_hand():
    # E1 has the highest tax but the lowest everything else; E2 the opposite; E3 in between.
    # Percentile ranks among 3: 33.3 / 66.7 / 100.
    # E1: 45 x 100 + (20 + 15 + 15 + 5) x 33.33 = 4500 + 1833.3 -> / 100 = 63.33
    # E2: 45 x 66.67 + 55 x 100 = 3000 + 5500 -> 85.00
    # E3: 45 x 33.33 + 55 x 66.67 = 1500 + 3666.7 -> 51.67
    low = dict(revenue=1000.0, value_added=100.0, rd_expenditure=10.0, employees=100)
    r = frame(
        enterprise(1, taxes_paid=90.0, **low),
        enterprise(2, taxes_paid=60.0, revenue=3000.0, value_added=300.0, rd_expenditure=90.0, employees=100),
        enterprise(3, taxes_paid=30.0, revenue=2000.0, value_added=200.0, rd_expenditure=40.0, employees=100),
    )
    t = land.land_efficiency(r, "2025").set_index("enterprise_id")
    assert t.loc[1, "score"] == pytest.approx(63.3333, abs=1e-3)
    assert t.loc[2, "score"] == pytest.approx(85.0)
    assert t.loc[3, "score"] == pytest.approx(51.6667, abs=1e-3)
    assert list(t.sort_values("rank").index) == [2, 1, 3]
    # n = 3, share ranked ahead: 0 (< 25 % -> A), 1/3 and 2/3 (< 70 % -> B).
    assert list(t.loc[[2, 1, 3], "class"]) == ["A", "B", "B"]


def test_classes_at_the_edges_of_twenty_enterprises():
    # 20 enterprises differing only in tax (1..20 万元 per quarter): rank 1 = tax 20.
    # n = 20, share ranked ahead = (rank - 1) / 20: rank 5 -> 20 % (A), rank 6 -> 25 % (B),
    # rank 14 -> 65 % (B), rank 15 -> 70 % (C), rank 19 -> 90 % (C), rank 20 -> 95 % (D).
    r = frame(*[enterprise(i, taxes_paid=float(i)) for i in range(1, 21)])
    t = land.land_efficiency(r, "2025").set_index("rank")
    expected = {1: "A", 5: "A", 6: "B", 14: "B", 15: "C", 19: "C", 20: "D"}
    for rank, cls in expected.items():
        assert t.loc[rank, "class"] == cls, rank
    counts = land.class_summary(t.reset_index()).set_index("class")["n"]
    assert counts.to_dict() == {"A": 5, "B": 9, "C": 5, "D": 1, "不可评": 0}


def test_enterprises_without_land_area_are_not_rated():
    r = frame(
        enterprise(1), enterprise(2, taxes_paid=50.0), enterprise(3, land_area_mu=np.nan),
        enterprise(4, land_area_mu=0.0), enterprise(5, employees=np.nan),
    )
    t = land.land_efficiency(r, "2025").set_index("enterprise_id")
    assert t.loc[3, "class"] == land.NOT_RATED and t.loc[3, "reason"] == "缺少用地面积"
    assert t.loc[4, "class"] == land.NOT_RATED
    assert pd.isna(t.loc[3, "score"]) and pd.isna(t.loc[3, "rank"])
    # Missing employees: not rated, and the reason names the component.
    assert t.loc[5, "class"] == land.NOT_RATED and "全员劳动生产率" in t.loc[5, "reason"]
    # The two rated enterprises are ranked among themselves: E2 (more tax) first.
    assert t.loc[2, "rank"] == 1 and t.loc[1, "rank"] == 2
    # Rated rows come first in the table.
    assert list(land.land_efficiency(r, "2025")["class"].iloc[:2]) == ["A", "B"]


def test_below_scale_enterprises_are_outside_the_population():
    r = frame(enterprise(1), enterprise(2, is_above_scale=False))
    assert list(land.land_efficiency(r, "2025")["enterprise_id"]) == [1]


def test_custom_weights_and_ratio_to_max():
    # Only tax counts; ratio to max: E1 10 万元/亩 / 20 = 50, E2 100. Bound 0.5 of n = 2:
    # E2 has 0 ahead (< 1 -> A), E1 has 1 ahead (not < 1 -> B).
    cfg = land.LandConfig(weights={"tax_per_mu": 1.0}, classes=(("A", 0.5), ("B", 1.0)),
                          normalisation="ratio_to_max")
    r = frame(enterprise(1), enterprise(2, taxes_paid=50.0))
    t = land.land_efficiency(r, "2025", config=cfg).set_index("enterprise_id")
    assert t.loc[1, "score"] == pytest.approx(50.0) and t.loc[2, "score"] == pytest.approx(100.0)
    assert t.loc[2, "class"] == "A" and t.loc[1, "class"] == "B"


def test_config_file_matches_the_reference_example():
    cfg = land.load_config()
    assert dict(cfg.weights) == {"tax_per_mu": 45, "sales_per_mu": 20, "va_per_energy": 15,
                                 "rd_intensity": 15, "labour_productivity": 5}
    assert cfg.classes == (("A", 0.25), ("B", 0.70), ("C", 0.95), ("D", 1.0))
    assert cfg.provisional
    with pytest.raises(ValueError):
        land.LandConfig(weights={"floor_area": 1.0}, classes=(("A", 1.0),))
