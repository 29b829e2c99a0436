"""Band lookup: turn an indicator value into the points of the band it falls in.

Rule encoded: a points table is a sorted list of edges ``e1 < e2 < ... < ek`` cutting the number
line into k+1 bands, band 0 being everything below ``e1``. Each band has its points and a label.
A value lying exactly on an edge takes the **higher** band (the band starting at that edge,
i.e. "≥ edge") by default. This is the Guangdong rule quoted for the 创新型中小企业 table
(criteria-reference.md §3a, S2) and the reading of every "≥x%" row of the 专精特新 tables (§3b).
A table may say ``on_boundary: lower`` instead when its text puts the edge in the lower band
(e.g. "资产负债率 ≤55% 得 10 分": 55 belongs to the band below the edge).

Values are rounded to 9 decimals before comparison, so that 3% computed as 2.9999999999 from
floating-point division still lands on the 3% edge; the scalar and the numpy path round the
same way (``numpy.round``) so they agree bit for bit. A missing value (None / NaN) is "not
available": it matches no band (index -1) and earns 0 points.

Categorical tables map a category (e.g. ``national`` / ``municipal``) to points; an unknown or
missing category is "not available".
"""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

HIGHER = "higher"
LOWER = "lower"
ROUND_DECIMALS = 9
SMALL = 64   # below this many rows plain Python beats building pandas objects


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class BandTable:
    """A numeric band table: ``points[i]`` for band i, ``len(points) == len(edges) + 1``."""

    edges: tuple[float, ...]
    points: tuple[float, ...]
    labels: tuple[str, ...]
    on_boundary: str = HIGHER

    @classmethod
    def build(cls, edges: Sequence[float], points: Sequence[float], labels: Sequence[str] | None = None,
              on_boundary: str = HIGHER, unit: str = "") -> BandTable:
        """Validate and build; labels default to "<e1", "e1–e2", ..., "≥ek" (honouring the boundary rule)."""
        edges_t = tuple(float(e) for e in edges)
        points_t = tuple(float(p) for p in points)
        if on_boundary not in (HIGHER, LOWER):
            raise ValueError(f"on_boundary must be '{HIGHER}' or '{LOWER}', not {on_boundary!r}")
        if len(points_t) != len(edges_t) + 1:
            raise ValueError(f"{len(edges_t)} edges need {len(edges_t) + 1} points, got {len(points_t)}")
        if any(b <= a for a, b in zip(edges_t, edges_t[1:], strict=False)):
            raise ValueError(f"edges must be strictly increasing: {list(edges_t)}")
        if any(math.isnan(x) for x in edges_t + points_t):
            raise ValueError("edges and points must be numbers")
        if labels is None:
            labels = default_labels(edges_t, on_boundary, unit)
        labels_t = tuple(str(s) for s in labels)
        if len(labels_t) != len(points_t):
            raise ValueError(f"{len(points_t)} bands need {len(points_t)} labels, got {len(labels_t)}")
        return cls(edges_t, points_t, labels_t, on_boundary)

    @property
    def max_points(self) -> float:
        return max(self.points)

    def index(self, value: float | None) -> int:
        """Band index of one value; -1 when the value is missing."""
        if value is None:
            return -1
        v = float(np.round(float(value), ROUND_DECIMALS))
        if math.isnan(v):
            return -1
        if self.on_boundary == HIGHER:
            return bisect_right(self.edges, v)
        return bisect_left(self.edges, v)

    def lookup(self, value: float | None) -> tuple[int, float]:
        """(band index, points) for one value; (-1, 0.0) when missing."""
        i = self.index(value)
        return i, (self.points[i] if i >= 0 else 0.0)

    def index_array(self, values: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`index`: int array, -1 where the value is NaN."""
        v = np.round(np.asarray(values, dtype=float), ROUND_DECIMALS)
        side = "right" if self.on_boundary == HIGHER else "left"
        idx = np.searchsorted(np.asarray(self.edges, dtype=float), v, side=side)
        return np.where(np.isnan(v), -1, idx)

    def points_array(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`lookup`: (index array, points array)."""
        idx = self.index_array(values)
        pts = np.asarray(self.points, dtype=float)[np.maximum(idx, 0)]
        return idx, np.where(idx >= 0, pts, 0.0)

    def next_better(self, index: int) -> tuple[int, float] | None:
        """The nearest band with more points than band ``index`` as (band, edge to reach), if any.

        For an ascending table that is the next edge above; for a descending table (e.g. debt
        ratio) the edge below. ``index == -1`` (missing) has no next band.
        """
        if index < 0:
            return None
        here = self.points[index]
        best: tuple[int, float] | None = None
        for j, p in enumerate(self.points):
            if p <= here:
                continue
            edge = self.edges[j - 1] if j > index else self.edges[j]
            if best is None or abs(j - index) < abs(best[0] - index):
                best = (j, edge)
        return best


def default_labels(edges: Sequence[float], on_boundary: str = HIGHER, unit: str = "") -> tuple[str, ...]:
    """Readable band labels such as "<1%", "≥1% 且 <2%", "≥5%"."""
    ge, lt = ("≥", "<") if on_boundary == HIGHER else (">", "≤")
    u = unit or ""
    if not edges:
        return ("全部",)
    labels = [f"{lt}{_fmt(edges[0])}{u}"]
    for a, b in zip(edges, edges[1:], strict=False):
        labels.append(f"{ge}{_fmt(a)}{u} 且 {lt}{_fmt(b)}{u}")
    labels.append(f"{ge}{_fmt(edges[-1])}{u}")
    return tuple(labels)


@dataclass(frozen=True)
class CategoryTable:
    """A categorical table: category -> points; anything else is "not available"."""

    points: Mapping[str, float]
    labels: Mapping[str, str]

    @classmethod
    def build(cls, points: Mapping, labels: Mapping | None = None) -> CategoryTable:
        pts = {category_key(k): float(v) for k, v in points.items()}
        if not pts:
            raise ValueError("a category table needs at least one category")
        labs = {category_key(k): str(v) for k, v in (labels or {}).items()}
        return cls(pts, {k: labs.get(k, k) for k in pts})

    @property
    def max_points(self) -> float:
        return max(self.points.values())

    def lookup(self, value: object) -> tuple[str | None, float]:
        key = category_key(value) if value is not None else None
        if key is None or key not in self.points:
            return None, 0.0
        return key, self.points[key]

    def key_of(self, value: object) -> str | None:
        """The category ``value`` falls in; None when missing or not a category of the table."""
        k = category_key(value) if _present(value) else None
        return k if k in self.points else None

    def points_array(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(matched-category object array with None where unmatched, points array)."""
        keys = map_distinct(values, self.key_of)
        pts = np.array([self.points[k] if k is not None else 0.0 for k in keys], dtype=float) \
            if len(keys) <= SMALL else map_distinct(keys, lambda k: self.points[k] if k is not None else 0.0, float)
        return keys, pts


def map_distinct(values: np.ndarray, fn, dtype=object) -> np.ndarray:
    """``[fn(v) for v in values]`` computed once per distinct value (pandas.factorize for many rows)."""
    values = np.asarray(values, dtype=object)
    if len(values) <= SMALL:
        return np.array(map_small(values, fn), dtype=dtype)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [fn(None)], dtype=dtype)
    return mapped[codes]


def map_small(values: np.ndarray, fn) -> list:
    """``[fn(v) for v in values]``, ``fn`` called once per distinct text / bool / None (the values
    a category takes; other values, e.g. floats where -0.0 == 0.0, are mapped one by one)."""
    seen: dict = {}
    out = []
    for v in values:
        if v is None or type(v) is str or type(v) is bool:
            key = (type(v), v)
            if key not in seen:
                seen[key] = fn(v)
            out.append(seen[key])
        else:
            out.append(fn(v))
    return out


def _present(v: object) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def category_key(v: object) -> str:
    """Categories are compared as lower-case strings; booleans become "true"/"false"."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return str(v).strip().lower()
