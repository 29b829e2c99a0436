"""Band lookup: the boundary rule, scalar and numpy paths agreeing, labels."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.assessments.bands import BandTable, CategoryTable

RD = BandTable.build([1, 2, 3, 5], [0, 5, 10, 15, 20], unit="%")          # 创新型 R&D intensity
DEBT = BandTable.build([55, 75], [10, 5, 0], on_boundary="lower", unit="%")  # ≤55% 10 / 55–75 5 / >75 0


@pytest.mark.parametrize("value, points", [
    (0.0, 0), (0.99, 0), (1.0, 5), (1.99, 5), (2.0, 10), (2.999, 10), (3.0, 15), (4.99, 15), (5.0, 20), (50, 20),
    (2.9999999999, 15),   # floating noise below the edge still counts as the edge
])
def test_value_on_a_boundary_takes_the_higher_band(value, points):
    assert RD.lookup(value)[1] == points


@pytest.mark.parametrize("value, points", [(40, 10), (55, 10), (55.01, 5), (75, 5), (75.01, 0)])
def test_lower_boundary_rule_puts_the_edge_in_the_band_below(value, points):
    assert DEBT.lookup(value)[1] == points


@pytest.mark.parametrize("value", [None, math.nan])
def test_missing_value_matches_no_band_and_scores_zero(value):
    assert RD.lookup(value) == (-1, 0.0)


def test_labels_follow_the_boundary_rule():
    assert RD.labels == ("<1%", "≥1% 且 <2%", "≥2% 且 <3%", "≥3% 且 <5%", "≥5%")
    assert DEBT.labels == ("≤55%", ">55% 且 ≤75%", ">75%")


@pytest.mark.parametrize("edges, points", [([2, 1], [0, 1, 2]), ([1, 2], [0, 1]), ([1, 1], [0, 1, 2])])
def test_malformed_tables_are_rejected(edges, points):
    with pytest.raises(ValueError):
        BandTable.build(edges, points)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=30),
       st.sampled_from(["higher", "lower"]))
def test_numpy_lookup_equals_scalar_lookup(values, rule):
    table = BandTable.build([0, 4, 6, 8, 10], [0, 2, 4, 6, 8, 10], on_boundary=rule)
    arr = np.array([np.nan if v is None else v for v in values])
    idx, pts = table.points_array(arr)
    for v, i, p in zip(values, idx, pts, strict=True):
        assert (int(i), float(p)) == table.lookup(v)


@pytest.mark.parametrize("index, expected", [(0, (1, 1.0)), (3, (4, 5.0)), (4, None), (-1, None)])
def test_next_better_band_of_an_ascending_table(index, expected):
    assert RD.next_better(index) == expected


def test_next_better_band_of_a_descending_table_is_below():
    assert DEBT.next_better(2) == (1, 75.0)
    assert DEBT.next_better(1) == (0, 55.0)


def test_category_table_unknown_category_is_not_available():
    t = CategoryTable.build({"national": 10, "none": 0})
    assert t.lookup("National") == ("national", 10.0)
    assert t.lookup("galactic") == (None, 0.0)
    keys, pts = t.points_array(np.array(["none", None, "x"], dtype=object))
    assert list(keys) == ["none", None, None] and list(pts) == [0.0, 0.0, 0.0]
