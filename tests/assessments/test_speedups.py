"""The speed-ups of the one-at-a-time path give exactly what the plain code gives.

- ``engine.BandItems`` (all band items of a set in one stacked lookup) equals
  ``BandTable.points_array`` per table, edges and the "lower" rule included;
- ``engine.NumericConditions`` (all numeric conditions in one stacked comparison) equals
  ``engine.condition`` per condition;
- ``engine.plain_floats`` and ``derived._flt`` convert like the one-by-one conversion;
- ``assess()`` (changed rows derived once for all frameworks, shared evaluations and
  candidates) gives the same results as scoring each framework alone without any of that.
"""
from collections import defaultdict
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.assessments import assess, derived, engine, loader
from portal.demo.generator import generate

SETS = [c.code for c in loader.load_all()]

values = st.one_of(st.none(), st.just(float("nan")), st.floats(-1e12, 1e12),
                   st.integers(-10, 200).map(float), st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0, 50.0, 60.0, 100.0]))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _columns(crit, draw_values, n):
    names = {s.indicator for s in crit.items if s.table is not None} | {
        c.indicator for g in (*crit.gates, *crit.routes) if g.mode in ("all_of", "any_of") for c in g.conditions}
    return engine.Columns({name: draw_values(name) for name in names}, n)


@pytest.mark.parametrize("code", SETS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 7))
def test_stacked_band_lookup_equals_one_table_at_a_time(code, data, n):
    crit = loader.by_code(code)
    stacked = engine.band_items(crit.items)
    if stacked is None:
        return
    cols = _columns(crit, lambda name: data.draw(st.lists(values, min_size=n, max_size=n)), n)
    found = stacked.evaluate(cols)
    for spec in stacked.specs:
        idx, pts = spec.table.points_array(cols.num(spec.indicator))
        it = found[spec.code]
        assert np.array_equal(it.band_index, idx) and _same(it.points, pts)
        assert [it.band[i] for i in range(n)] == [engine.score_item(spec, cols).band[i] for i in range(n)]


@pytest.mark.parametrize("code", SETS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 7))
def test_stacked_conditions_equal_one_condition_at_a_time(code, data, n):
    crit = loader.by_code(code)
    stacked = engine.numeric_conditions(crit)
    if stacked is None:
        return
    cols = _columns(crit, lambda name: data.draw(st.lists(values, min_size=n, max_size=n)), n)
    judged = stacked.evaluate(cols)
    for cond in stacked.conds:
        for a, b in zip(judged[id(cond)], engine.condition(cond, cols), strict=True):
            assert _same(a, b)


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats()), min_size=1, max_size=9))
def test_plain_number_conversion_equals_one_by_one(raw):
    n = len(raw)
    assert _same(engine.plain_floats(raw, n), [engine._to_float(v) for v in raw])
    assert _same(derived._flt(raw, n), [derived._num(v) for v in raw])


def test_plain_floats_leaves_text_and_nested_values_to_the_one_by_one_conversion():
    assert engine.plain_floats(["3", 1.0], 2) is None
    assert engine.plain_floats([[1.0, 2.0]], 1) is None
    assert _same(engine.Columns({"x": ["abc", 2, None]}, 3).num("x"), [np.nan, 2.0, np.nan])


def _cases(n_enterprises: int):
    data = generate(seed=3, n_enterprises=n_enterprises)
    by = defaultdict(list)
    for r in data.reports:
        by[r.enterprise_index].append({"period": f"{r.year}Q{r.quarter}",
                                       **{k: v for k, v in r.values.items() if v is not None}})
    for i, ent in enumerate(data.enterprises):
        profile = {k: v for k, v in ent.profile.items() if v is not None}
        reps = by[i]
        yield profile, reps, None
        cut = [r for r in reps if derived.period_end(r["period"]) <= date(2025, 12, 31)]
        if cut:
            yield profile, cut, date(2025, 12, 31)


def test_assess_equals_each_framework_scored_alone():
    checked = 0
    for profile, reps, as_of in _cases(5):
        results = assess(profile, reps, None, as_of)
        day = as_of or max(derived.period_end(r["period"]) for r in reps)
        indicators = derived.derive(profile, reps, day)
        alone = [engine.score(c, indicators, None, day) for c in engine.resolve(None, day)]
        assert [r.to_dict() for r in results] == [r.to_dict() for r in alone]
        checked += len(results)
    assert checked > 25
