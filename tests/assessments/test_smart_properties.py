"""数字化车间 / 智能工厂: properties over generated enterprises, and batch scoring equal to scalar scoring."""
from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.assessments import batch, derived, engine, loader

CRIT = loader.by_code("smart_cq")
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LEVEL_RANK = {"none": 0, "workshop": 1, "factory": 2}
SYSTEM_KEYS = ["erp", "mes", "plm", "scada_dcs", "aps"]

pct = st.one_of(st.none(), st.integers(0, 10000).map(lambda x: x / 100))
gain = st.one_of(st.none(), st.integers(-2000, 5000).map(lambda x: x / 100))


@st.composite
def reports(draw, period="2025Q4"):
    total = draw(st.integers(0, 300))
    return {
        "period": period, "equipment_total": total,
        "equipment_digital": draw(st.integers(0, total)), "equipment_networked": draw(st.integers(0, total)),
        "run_data_upload_pct": draw(pct), "design_tool_coverage_pct": draw(pct),
        "recognised_digital_workshops": draw(st.one_of(st.none(), st.integers(0, 4))),
        "systems": draw(st.fixed_dictionaries({}, optional={k: st.sampled_from(["none", "partial", "full"])
                                                            for k in SYSTEM_KEYS})),
        "operating_cost_reduction_pct": draw(gain), "efficiency_gain_pct": draw(gain),
        "defect_rate_reduction_pct": draw(gain), "unit_energy_reduction_pct": draw(gain),
    }


uscc = st.sampled_from(["91500224MA5U000000", "91510100MA6C000000", None])


def score(prof, rep):
    return engine.score(CRIT, derived.derive(prof, [rep]), with_recommendations=False)


@SETTINGS
@given(rep=reports(), code=uscc)
def test_readiness_stays_within_0_and_100_and_the_grade_matches_the_level(rep, code):
    r = score({"uscc": code}, rep)
    assert 0 <= r.total <= 100
    assert r.passed is (True if r.extra["level"] != "none" else r.passed)
    if r.extra["level"] == "none":
        assert r.grade in ("未达到认定条件", "资料不全，无法判定")


@SETTINGS
@given(rep=reports(), code=uscc, field=st.sampled_from(["equipment_digital", "equipment_networked"]),
       extra=st.integers(0, 300))
def test_more_digital_or_networked_equipment_never_lowers_score_or_level(rep, code, field, extra):
    better = {**rep, field: min(rep[field] + extra, rep["equipment_total"])}
    before, after = score({"uscc": code}, rep), score({"uscc": code}, better)
    assert after.total >= before.total
    assert LEVEL_RANK[after.extra["level"]] >= LEVEL_RANK[before.extra["level"]]


@SETTINGS
@given(rep=reports(), code=uscc, key=st.sampled_from(SYSTEM_KEYS))
def test_a_fuller_information_system_never_lowers_score_or_level(rep, code, key):
    better = {**rep, "systems": {**rep["systems"], key: "full"}}
    before, after = score({"uscc": code}, rep), score({"uscc": code}, better)
    assert after.total >= before.total
    assert LEVEL_RANK[after.extra["level"]] >= LEVEL_RANK[before.extra["level"]]


@SETTINGS
@given(rows=st.lists(st.tuples(uscc, reports()), min_size=1, max_size=5))
def test_batch_scoring_equals_one_at_a_time_scoring(rows):
    profiles = [{"enterprise_id": i, "uscc": code} for i, (code, _) in enumerate(rows)]
    quarters = [{"enterprise_id": i, **rep} for i, (_, rep) in enumerate(rows)]
    frame = batch.derive_frame(pd.DataFrame(profiles), pd.DataFrame(quarters))
    scored = batch.score_frame("smart_cq", frame)
    for i, (code, rep) in enumerate(rows):
        r = score({"uscc": code}, rep)
        row = scored.loc[i]
        assert float(row["total"]) == r.total
        assert row["grade"] == r.grade
        assert (None if pd.isna(row["passed"]) else bool(row["passed"])) == r.passed
        assert row["level"] == r.extra["level"]
        assert (None if pd.isna(row["blocking_gates"]) else row["blocking_gates"]) == r.extra["blocking_gates"]
        for it in r.items:
            assert float(row[f"points:{it.code}"]) == it.points, it.code
