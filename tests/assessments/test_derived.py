"""Derived indicators: formulas by hand, annualisation, missing inputs, energy and CO2."""
from datetime import date

import pytest

from portal.assessments import derive, energy


def quarters(year, n=4, **fields):
    return [{"period": f"{year}Q{q}", **fields} for q in range(1, n + 1)]


PROFILE = {"cluster": "equipment", "sub_direction": "轨道交通", "niche_since_year": 2020, "land_area_mu": 40}


def test_flows_are_summed_over_the_four_quarters_and_stocks_take_the_latest():
    reps = quarters(2025, revenue=250, rd_expenditure=10, employees=100)
    reps[-1]["employees"] = 120
    d = derive(PROFILE, reps)
    assert d["revenue"] == 1000 and d["rd_expenditure"] == 40 and d["employees"] == 120
    assert d["rd_intensity_pct"] == 4.0 and d["annualised"] is False


def test_a_year_with_fewer_quarters_is_annualised_by_scaling_and_flagged():
    d = derive(PROFILE, quarters(2025, n=3, revenue=300))
    assert d["revenue"] == 1200 and d["annualised"] is True and d["quarters_in_year"] == 3


def test_results_do_not_depend_on_quarter_order():
    reps = quarters(2024, revenue=100, main_business_revenue=90) + quarters(2025, revenue=120, main_business_revenue=100)
    assert derive(PROFILE, reps) == derive(PROFILE, list(reversed(reps)))


@pytest.mark.parametrize("fields, key, expected", [
    ({"key_processes_total": 8, "key_processes_nc": 6}, "key_process_nc_rate_pct", 75.0),
    ({"equipment_total": 50, "equipment_digital": 30}, "digital_equipment_share_pct", 60.0),
    ({"equipment_total": 50, "equipment_networked": 10}, "networked_equipment_share_pct", 20.0),
    ({"employees": 200, "rd_personnel": 30}, "rd_staff_share_pct", 15.0),
    ({"revenue": 250, "main_business_revenue": 200}, "main_business_share_pct", 80.0),
    ({"total_assets": 1000, "total_liabilities": 450}, "debt_ratio_pct", 45.0),
    ({"revenue": 250, "net_profit": 20}, "net_margin_pct", 8.0),
    ({"water_withdrawal_m3": 300, "water_recycled_m3": 700}, "water_reuse_rate_pct", 70.0),
    ({"solid_waste_generated_t": 90, "solid_waste_prior_stock_used_t": 10, "solid_waste_utilised_t": 80},
     "solid_waste_utilisation_pct", 80.0),
    ({"wastewater_treated_m3": 100, "wastewater_reused_m3": 25}, "wastewater_reuse_pct", 25.0),
    ({"gross_output_value": 500}, "output_per_mu", 50.0),          # 2000 / 40 mu
    ({"taxes_paid": 20}, "tax_per_mu", 2.0),
    ({"value_added": 100, "employees": 40}, "labour_productivity", 10.0),
])
def test_ratio_indicators_by_hand(fields, key, expected):
    assert derive(PROFILE, quarters(2025, **fields))[key] == pytest.approx(expected)


@pytest.mark.parametrize("fields, key", [
    ({"key_processes_total": 0, "key_processes_nc": 0}, "key_process_nc_rate_pct"),
    ({"revenue": 0, "rd_expenditure": 0}, "rd_intensity_pct"),
    ({"revenue": 100}, "rd_intensity_pct"),
    ({}, "debt_ratio_pct"),
    ({"electricity_kwh": 1000}, "energy_tce"),   # natural gas (required) missing
])
def test_missing_or_zero_denominator_is_not_available_never_zero(fields, key):
    assert derive(PROFILE, quarters(2025, **fields))[key] is None


def test_growth_rates_from_prior_years():
    reps = quarters(2023, revenue=100, main_business_revenue=100) + \
        quarters(2024, revenue=110, main_business_revenue=110) + quarters(2025, revenue=121, main_business_revenue=121)
    d = derive(PROFILE, reps)
    assert d["main_business_growth_pct"] == pytest.approx(10.0)
    assert d["main_business_growth_2y_avg_pct"] == pytest.approx(10.0)   # sqrt(484/400) - 1
    assert d["revenue_cagr_2y_pct"] == pytest.approx(10.0)


def test_growth_without_prior_year_is_not_available():
    d = derive(PROFILE, quarters(2025, revenue=100, main_business_revenue=100))
    assert d["main_business_growth_pct"] is None and d["main_business_growth_2y_avg_pct"] is None


def test_years_in_niche_from_niche_since_year_and_as_of():
    reps = quarters(2025, revenue=1)
    assert derive(PROFILE, reps)["years_in_niche"] == 5
    assert derive(PROFILE, reps, as_of=date(2027, 1, 1))["years_in_niche"] == 7
    assert derive({**PROFILE, "niche_since_year": None}, reps)["years_in_niche"] is None


def test_energy_in_tce_uses_gb_t_2589_coefficients():
    # 1,000,000 kWh x 0.1229 kgce + 10,000 m3 x 1.2143 kgce + 10 t diesel x 1.4571 tce = 122.9 + 12.143 + 14.571
    amounts = {"electricity_kwh": 1_000_000, "natural_gas_m3": 10_000, "diesel_t": 10}
    assert energy.energy_tce(amounts) == pytest.approx(149.614)


def test_co2_uses_the_grid_factor_default_and_override():
    amounts = {"electricity_kwh": 1_000_000, "natural_gas_m3": 10_000}
    assert energy.co2_t(amounts) == pytest.approx(536.6 + 21.62)
    assert energy.co2_t(amounts, 0.2268) == pytest.approx(226.8 + 21.62)


def test_energy_and_co2_per_value_added():
    reps = quarters(2025, electricity_kwh=250_000, natural_gas_m3=0, value_added=50)
    d = derive(PROFILE, reps, options={"grid_factor": 0.5})
    assert d["energy_tce"] == pytest.approx(122.9)
    assert d["energy_per_10k_va"] == pytest.approx(122.9 / 200)
    assert d["co2_per_10k_va"] == pytest.approx(500 / 200)


def test_derive_does_not_mutate_its_input():
    reps = quarters(2025, revenue=1)
    before = [dict(r) for r in reps]
    profile = dict(PROFILE)
    derive(profile, reps)
    assert reps == before and profile == PROFILE
