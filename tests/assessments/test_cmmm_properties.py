"""智能制造能力成熟度: properties over generated self-assessments, and batch equal to scalar scoring."""
from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.assessments import batch, derived, engine, loader
from portal.assessments.frameworks import cmmm

CRIT = loader.by_code("cmmm2020")
KEYS = [k for k, _, _ in cmmm.subdomains(CRIT)]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
self_assessments = st.fixed_dictionaries({}, optional={k: st.integers(0, 5) for k in KEYS})
industry = st.sampled_from(["3311", "2710", "3971", None])


def level_of(result) -> int:
    return -1 if result.extra["maturity_level"] is None else int(result.extra["maturity_level"])


def score(levels, code="3311"):
    ind = {"cmmm_levels": levels, "industry_code": code, "as_of": "2026-11-29"}
    return engine.score(CRIT, ind, with_recommendations=False)


@SETTINGS
@given(levels=self_assessments, code=industry)
def test_overall_score_stays_within_0_and_5_and_never_exceeds_the_level_plus_one(levels, code):
    r = score(levels, code)
    if not levels:
        assert r.total is None
        return
    assert 0 <= r.total <= 5
    assert level_of(r) <= r.total + 0.2 and r.total <= level_of(r) + 1


@SETTINGS
@given(levels=self_assessments, key=st.sampled_from(KEYS), step=st.integers(1, 5))
def test_raising_a_sub_domain_never_lowers_the_score_or_the_level(levels, key, step):
    better = {**levels, key: min(levels.get(key, 0) + step, 5)}
    before, after = score(levels), score(better)
    assert (after.total or 0) >= (before.total or 0)
    assert level_of(after) >= level_of(before)


@SETTINGS
@given(rows=st.lists(st.tuples(industry, st.one_of(st.none(), self_assessments)), min_size=1, max_size=5))
def test_batch_scoring_equals_one_at_a_time_scoring(rows):
    profiles = [{"enterprise_id": i, "industry_code": code} for i, (code, _) in enumerate(rows)]
    quarters = [{"enterprise_id": i, "period": "2026Q3", "cmmm_levels": lv} for i, (_, lv) in enumerate(rows)]
    frame = batch.derive_frame(pd.DataFrame(profiles), pd.DataFrame(quarters))
    scored = batch.score_frame("cmmm2020", frame)
    for i in range(len(rows)):
        r = engine.score(CRIT, derived.derive(profiles[i], [quarters[i]]), with_recommendations=False)
        row = scored.loc[i]
        assert (None if pd.isna(row["total"]) else float(row["total"])) == r.total
        assert row["grade"] == r.grade
        assert (None if pd.isna(row["passed"]) else bool(row["passed"])) == r.passed
        for it in r.items:
            assert float(row[f"points:{it.code}"]) == it.points, it.code


@SETTINGS
@given(levels=self_assessments, k=st.integers(1, 5))
def test_vectorised_shortfall_count_equals_the_sub_domains_the_advice_lifts(levels, k):
    import numpy as np
    mat, _ = cmmm.level_matrix(CRIT, np.array([levels or {"data": 0}], dtype=object))
    weights = cmmm.weight_vectors(CRIT)["discrete"]
    count = cmmm.lift_counts(mat, weights[None, :], k, 0.8)[0]
    need, picked = cmmm.raise_needed(mat[0], weights, k, 0.8)
    assert count == need == len(picked)
