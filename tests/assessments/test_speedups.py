"""The speed-ups of the one-at-a-time path give exactly what the plain code gives.

- ``engine.BandItems`` (all band items of a set in one stacked lookup) equals
  ``BandTable.points_array`` per table, edges and the "lower" rule included;
- ``engine.ConditionGates`` (all all_of / any_of gates and routes of a set in one stack) equals
  ``engine.judge_conditions`` per gate: passed, shortfall, units, value and detail;
- ``columns.plain_floats`` and ``derived._flt`` convert like the one-by-one conversion;
- ``assess()`` (changed rows derived once for all frameworks, shared evaluations and
  candidates) gives the same results as scoring each framework alone without any of that;
- ``columns.ChangedRows`` (a re-scoring's rows as differences from the base) reads like columns
  built row by row, and the changed rows equal the indicators derived again with the change;
- green's stacked linear items (``green.LinearItems``) equal ``green._linear`` per item;
- ``engine.CategoryItems`` (all category items of a set in one lookup) equals ``engine.score_item``
  per item, and ``derived._floats`` (number fields in one numpy call) equals ``derived._flt``;
- cmmm's level scores and lift counts of all five levels at once equal the level-by-level formulas.
"""
from collections import defaultdict
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.assessments import assess, columns, derived, engine, loader, recommend
from portal.assessments.frameworks import cmmm, green
from portal.demo.generator import generate

SETS = [c.code for c in loader.load_all()]

values = st.one_of(st.none(), st.just(float("nan")), st.floats(-1e12, 1e12),
                   st.integers(-10, 200).map(float), st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.0, 50.0, 60.0, 100.0]))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _columns(crit, draw_values, n):
    names = {s.indicator for s in crit.items if s.table is not None}
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


def _gate_columns(crit, data, n):
    """Random values for every indicator of the set's condition gates (numbers, and for text
    conditions their own values, others and missing)."""
    raw = {}
    for spec in (*crit.gates, *crit.routes):
        if spec.mode not in ("all_of", "any_of"):
            continue
        for c in spec.conditions:
            if engine._numeric(c):
                pick = values if not isinstance(c.value, bool) else st.sampled_from([None, True, False, 1.0, 0.0])
            else:
                options = list(c.value) if isinstance(c.value, tuple) else [c.value]
                pick = st.sampled_from([None, "other", *options])
            raw.setdefault(c.indicator, pick)
    return engine.Columns({name: data.draw(st.lists(pick, min_size=n, max_size=n)) for name, pick in raw.items()}, n)


@pytest.mark.parametrize("code", SETS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 7))
def test_stacked_condition_gates_equal_one_gate_at_a_time(code, data, n):
    crit = loader.by_code(code)
    stacked = engine.condition_gates(crit)
    if stacked is None:
        return
    cols = _gate_columns(crit, data, n)
    judged = stacked.evaluate(cols)
    for spec in stacked.specs:
        got, ref = judged[id(spec)], engine.judge_conditions(spec, cols)
        assert _same(got.passed, ref.passed) and _same(got.shortfall, ref.shortfall)
        assert got.unit == ref.unit
        assert list(got.units) == list(ref.units)
        for i in range(n):
            assert got.value[i] == ref.value[i] or (got.value[i] != got.value[i] and ref.value[i] != ref.value[i])
            assert got.detail[i] == ref.detail[i]


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats()), min_size=1, max_size=9))
def test_plain_number_conversion_equals_one_by_one(raw):
    n = len(raw)
    assert _same(columns.plain_floats(raw, n), [columns.to_float(v) for v in raw])
    assert _same(derived._flt(raw, n), [derived._num(v) for v in raw])


def test_plain_floats_leaves_text_and_nested_values_to_the_one_by_one_conversion():
    assert columns.plain_floats(["3", 1.0], 2) is None
    assert columns.plain_floats([[1.0, 2.0]], 1) is None
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


# --------------------------------------------------------------------------- re-scoring rows

cells = st.one_of(st.none(), st.just(float("nan")), st.floats(-1e6, 1e6), st.integers(-5, 50),
                  st.booleans(), st.sampled_from(["g2", "district", "equipment", ""]),
                  st.just(["iso9001", "iso14001"]))


@settings(max_examples=60, deadline=None)
@given(base=st.dictionaries(st.sampled_from("abcdef"), cells, max_size=6),
       diffs=st.lists(st.dictionaries(st.sampled_from("abcdefg"), cells, max_size=3), min_size=1, max_size=6))
def test_changed_rows_read_like_columns_built_row_by_row(base, diffs):
    cols = columns.ChangedRows(engine.columns_from_indicators(base), diffs)
    plain = engine.Columns({k: [d.get(k, base.get(k)) for d in diffs] for k in {*base, *(k for d in diffs for k in d)}},
                           len(diffs))
    for name in "abcdefgh":
        assert _same(cols.num(name), plain.num(name))
        assert [_key(v) for v in cols.obj(name)] == [_key(v) for v in plain.obj(name)]
    over = {"a": np.arange(len(diffs), dtype=float)}
    assert _same(cols.with_overrides(over).num("a"), plain.with_overrides(over).num("a"))


def _key(v):
    return ("nan",) if isinstance(v, float) and v != v else (type(v).__name__, repr(v))


def _rederived(indicators, change):
    """The re-derivation rule stated plainly (the code before the row differences): the changed
    fields, every derived indicator recomputed, a value that cannot be computed keeps what was given."""
    day = date.fromisoformat(indicators["as_of"])
    row = {**indicators, **change}
    computed = derived.compute({k: [v] for k, v in row.items()}, 1, np.array([float(day.year)]),
                               np.array([float(day.toordinal())]))
    for key, arr in computed.items():
        v = derived.plain(arr[0])
        if v is not None and key not in change:
            row[key] = v
        else:
            row.setdefault(key, None)
    return row


CHANGES = [{"rd_expenditure": 400.0}, {"revenue": 9000.0, "main_business_revenue": 8800.0},
           {"certifications": ["iso9001", "iso14001", "iso50001"]}, {"systems": {"erp": "full", "mes": "full"}},
           {"niche_since_year": 2010}, {"total_liabilities": 0.0}, {"employees": 0}, {"revenue": None},
           {"rd_intensity_pct": 12.5}, {"equipment_total": 40, "equipment_digital": 30},
           {"provincial_quality_award": True}, {"land_area_mu": 20.0, "floor_area_m2": 9000.0}]


@pytest.mark.parametrize("case", range(4))
def test_changed_rows_equal_the_indicators_derived_again_with_the_change(case):
    profile, reps, as_of = list(_cases(2))[case]
    day = as_of or max(derived.period_end(r["period"]) for r in reps)
    ind = derived.derive(profile, reps, day)
    rows = recommend.changed_rows(ind, CHANGES)
    for change, row in zip(CHANGES, rows, strict=True):
        ref = _rederived(ind, change)
        assert set(row) == set(ref)
        assert {k: _key(v) for k, v in row.items()} == {k: _key(v) for k, v in ref.items()}
    cache = recommend.row_cache(engine.columns_from_indicators(ind), None)
    assert recommend.changed_rows(ind, CHANGES, None, cache) == rows          # derived into the cache
    assert recommend.changed_rows(ind, CHANGES[::-1], None, cache) == rows[::-1]   # and read back


@pytest.mark.parametrize("code", ["green2018", "green2025"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 6))
def test_stacked_linear_items_equal_one_item_at_a_time(code, data, n):
    crit = loader.by_code(code)
    stacked = green.linear_items(crit)
    names = {s.indicator for s in stacked.specs}
    raw = {name: data.draw(st.lists(values, min_size=n, max_size=n)) for name in names}
    raw["cluster"] = data.draw(st.lists(st.sampled_from([None, "equipment", "electronics", "health", "other", "x"]),
                                        min_size=n, max_size=n))
    cols = engine.Columns(raw, n)
    found = stacked.evaluate(cols)
    for spec, rule in zip(stacked.specs, stacked.rules, strict=True):
        ref, got = green._linear(spec, rule, cols), found[spec.code]
        assert _same(got.points, ref.points) and list(got.available) == list(ref.available)
        assert [got.band[i] for i in range(n)] == [ref.band[i] for i in range(n)]
        assert [_key(got.value[i]) for i in range(n)] == [_key(ref.value[i]) for i in range(n)]


@pytest.mark.parametrize("code", SETS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 7))
def test_stacked_category_lookup_equals_one_item_at_a_time(code, data, n):
    crit = loader.by_code(code)
    stacked = engine.category_items(crit.items)
    if stacked is None:
        return
    raw = {}
    for spec in stacked.specs:
        keys = list(spec.categories.points)
        pick = st.one_of(st.none(), st.just(float("nan")), st.sampled_from([*keys, *(k.upper() for k in keys), "x"]),
                         st.booleans(), st.integers(0, 3))
        raw[spec.indicator] = data.draw(st.lists(pick, min_size=n, max_size=n))
    cols = engine.Columns(raw, n)
    found = stacked.evaluate(cols)
    for spec in stacked.specs:
        ref, got = engine.score_item(spec, cols), found[spec.code]
        assert _same(got.points, ref.points) and list(got.available) == list(ref.available)
        assert list(got.value) == list(ref.value)
        assert [got.band[i] for i in range(n)] == [ref.band[i] for i in range(n)]


@given(st.lists(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(),
                                   st.just("3"), st.just([1.0])), min_size=3, max_size=3), min_size=1, max_size=4))
def test_number_fields_in_one_call_equal_one_field_at_a_time(columns):
    keys = [f"k{i}" for i in range(len(columns))]
    base = dict(zip(keys, columns, strict=True))
    found = derived._floats(base, [*keys, "absent"], 3)
    for key in [*keys, "absent"]:
        assert _same(found[key], derived._flt(base.get(key), 3))


level_rows = st.one_of(st.just([float("nan")] * 20), st.lists(st.integers(0, 5).map(float), min_size=20, max_size=20))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(level_rows, min_size=1, max_size=5),
       weights=st.lists(st.floats(0.001, 0.2), min_size=20, max_size=20), above=st.sampled_from([0.8, 0.5, 0.95]))
def test_all_maturity_levels_at_once_equal_level_by_level(rows, weights, above):
    mat = np.array(rows, dtype=float)
    w = np.tile(np.array(weights), (len(rows), 1))
    by_level = np.column_stack([np.round((np.where(np.isnan(mat), np.nan, mat >= k) * w).sum(axis=1), cmmm.ROUND)
                                for k in range(1, cmmm.MAX_LEVEL + 1)])
    assert _same(cmmm.level_scores(mat, w), by_level)
    counts = cmmm.lift_counts_all(mat, w, above)
    for k in range(1, cmmm.MAX_LEVEL + 1):
        assert _same(counts[:, k - 1], cmmm.lift_counts(mat, w, k, above))
