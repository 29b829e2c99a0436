"""绿色工厂评价: properties over generated enterprises, and batch scoring equal to one-at-a-time scoring."""
from __future__ import annotations

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.assessments import batch, derived, engine, loader

CODES = ("green2018", "green2025")
CERTS = ["iso9001", "iso14001", "iso45001", "iso50001", "discharge_permit", "cleaner_production_audit",
         "green_product", "carbon_footprint"]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# report values carry at most two decimals, as entered on the form
amount = st.one_of(st.none(), st.integers(min_value=0, max_value=10**8).map(lambda x: x / 100))
pct = st.one_of(st.none(), st.integers(min_value=0, max_value=10**4).map(lambda x: x / 100))


@st.composite
def indicator_dicts(draw):
    """Derived-level indicators as the engine receives them (some missing, some zero)."""
    return {
        "as_of": "2026-06-30",
        "cluster": draw(st.sampled_from(["equipment", "electronics", "health", "other", None])),
        "violations_3y": draw(st.sampled_from([False, True, None])),
        "certifications": draw(st.one_of(st.none(), st.lists(st.sampled_from(CERTS), unique=True))),
        "systems": draw(st.one_of(st.none(), st.fixed_dictionaries({"ems": st.sampled_from(["none", "partial", "full"])}))),
        "land_area_mu": draw(amount), "floor_area_m2": draw(amount), "footprint_area_m2": draw(amount),
        "electricity_kwh": draw(amount), "renewable_self_kwh": draw(amount),
        "water_reuse_rate_pct": draw(pct), "solid_waste_utilisation_pct": draw(pct),
        "wastewater_reuse_pct": draw(pct), "green_material_pct": draw(pct), "output_per_mu": draw(amount),
        "energy_per_10k_va": draw(st.one_of(st.none(), st.integers(0, 20000).map(lambda x: x / 10000))),
        "co2_per_10k_va": draw(st.one_of(st.none(), st.integers(0, 50000).map(lambda x: x / 10000))),
        "hazardous_waste_t": draw(amount), "gross_output_value": draw(amount),
        "energy_tce": draw(amount), "co2_t": draw(amount), "main_product_output_qty": draw(amount),
    }


def score(code, ind):
    return engine.score(code, ind, with_recommendations=False)


@SETTINGS
@given(ind=indicator_dicts(), code=st.sampled_from(CODES))
def test_points_stay_within_zero_and_the_maximum(ind, code):
    r = score(code, ind)
    assert 0 <= r.total <= r.max_total == 100
    for it in r.items:
        assert 0 <= it.points <= it.max_points


# direction of improvement for each indicator: +1 higher is better, -1 lower is better
BETTER = {"water_reuse_rate_pct": 1, "solid_waste_utilisation_pct": 1, "wastewater_reuse_pct": 1,
          "green_material_pct": 1, "output_per_mu": 1, "renewable_self_kwh": 1, "floor_area_m2": 1,
          "footprint_area_m2": 1, "energy_per_10k_va": -1, "co2_per_10k_va": -1, "hazardous_waste_t": -1}


@SETTINGS
@given(ind=indicator_dicts(), code=st.sampled_from(CODES), key=st.sampled_from(sorted(BETTER)),
       step=st.integers(min_value=0, max_value=10**6).map(lambda x: x / 100))
def test_an_improvement_never_lowers_the_score(ind, code, key, step):
    if ind[key] is None:
        return
    better = dict(ind)
    better[key] = max(ind[key] + BETTER[key] * step, 0.0)
    assert score(code, better).total >= score(code, ind).total


@SETTINGS
@given(ind=indicator_dicts(), code=st.sampled_from(CODES), cert=st.sampled_from(CERTS))
def test_an_added_certificate_never_lowers_the_score_or_the_verdict(ind, code, cert):
    if ind["certifications"] is None or cert in ind["certifications"]:
        return
    before = score(code, ind)
    after = score(code, {**ind, "certifications": [*ind["certifications"], cert]})
    assert after.total >= before.total
    rank = {False: 0, None: 1, True: 2}
    assert rank[after.passed] >= rank[before.passed]


# --------------------------------------------------------------------------- batch == scalar

@st.composite
def enterprises(draw):
    n = draw(st.integers(min_value=1, max_value=4))
    profiles, quarters = [], []
    for eid in range(n):
        profiles.append({"enterprise_id": eid, "cluster": draw(st.sampled_from(["equipment", "health", "other"])),
                         "land_area_mu": draw(amount), "floor_area_m2": draw(amount),
                         "footprint_area_m2": draw(amount)})
        year = draw(st.sampled_from([2025, 2026]))
        for q in draw(st.lists(st.integers(1, 4), min_size=1, max_size=4, unique=True)):
            quarters.append({
                "enterprise_id": eid, "period": f"{year}Q{q}",
                "gross_output_value": draw(amount), "value_added": draw(amount),
                "electricity_kwh": draw(amount), "renewable_self_kwh": draw(amount), "natural_gas_m3": draw(amount),
                "water_withdrawal_m3": draw(amount), "water_recycled_m3": draw(amount),
                "wastewater_treated_m3": draw(amount), "wastewater_reused_m3": draw(amount),
                "solid_waste_generated_t": draw(amount), "solid_waste_utilised_t": draw(amount),
                "hazardous_waste_t": draw(amount), "main_product_output_qty": draw(amount),
                "green_material_pct": draw(pct),
                "certifications": draw(st.lists(st.sampled_from(CERTS), unique=True)),
                "systems": {"ems": draw(st.sampled_from(["none", "partial", "full"]))},
                "violations_3y": draw(st.booleans()),
            })
    return profiles, quarters


def same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA:
        return b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA
    return a == b


@SETTINGS
@given(data=enterprises(), code=st.sampled_from(CODES))
def test_batch_scoring_equals_one_at_a_time_scoring(data, code):
    profiles, quarters = data
    frame = batch.derive_frame(pd.DataFrame(profiles), pd.DataFrame(quarters))
    scored = batch.score_frame(code, frame)
    crit = loader.by_code(code)
    for prof in profiles:
        reports = [q for q in quarters if q["enterprise_id"] == prof["enterprise_id"]]
        r = engine.score(crit, derived.derive(prof, reports), with_recommendations=False)
        row = scored.loc[prof["enterprise_id"]]
        assert same(None if pd.isna(row["total"]) else float(row["total"]), r.total)
        assert row["grade"] == r.grade
        assert same(None if pd.isna(row["passed"]) else bool(row["passed"]), r.passed)
        for it in r.items:
            assert float(row[f"points:{it.code}"]) == it.points, it.code
        for g in r.gates:
            assert same(None if pd.isna(row[f"gate:{g.code}"]) else bool(row[f"gate:{g.code}"]), g.passed), g.code
