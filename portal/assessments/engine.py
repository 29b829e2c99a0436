"""The scoring engine: choose the criteria in force, score items, judge gates, build results.

Rule encoded: a framework result is (1) the points of each item, taken from its band table
(:mod:`bands`), 0 with ``available=False`` when the input is missing; (2) each gate (required
condition or veto) judged three-valued: passed, failed (with the shortfall to the threshold),
or None when an input is missing; (3) ``passed`` = every gate passed (None if any gate cannot
be judged and none failed); (4) the grade label of the criteria file. Which criteria set
applies is decided by date: the set of the family whose ``effective_from``..``effective_to``
contains the reference date (the end of the latest reported period, or an explicit ``as_of``),
criteria-reference.md "three version changes".

Everything is computed on numpy arrays, one element per enterprise. The one-at-a-time path
(:func:`score`) runs the same code on arrays of length 1, so the batch path
(:func:`score_frame`) gives exactly the same points, totals, grades and pass flags.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from . import loader
from .bands import HIGHER, ROUND_DECIMALS, SMALL, map_distinct, map_small
from .columns import Columns, PerRow, columns_from_indicators, is_missing
from .derived import FIELD_NAMES, INDICATORS, plain
from .loader import Condition, Criteria, GateSpec, ItemSpec
from .types import Gate, InputError, Item, Result

NA = np.nan
# Points are stated to 4 decimals, as results are: rounding where a framework computes points
# (not only when a result is built) keeps the batch frame and the single result equal where a
# 5th decimal would be a 5.
POINTS_DECIMALS = 4


# --------------------------------------------------------------------------- columns (see columns.py)


def _bool_array(values: np.ndarray) -> pd.arrays.BooleanArray:
    """float 1 / 0 / NaN -> pandas nullable boolean."""
    v = np.asarray(values, dtype=float)
    return pd.arrays.BooleanArray(v == 1, np.isnan(v))


# --------------------------------------------------------------------------- three-valued logic


_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
            "!=": operator.ne}


def _single(part: np.ndarray) -> np.ndarray:
    """all_of / any_of of one part: 1 where 1, 0 where 0, NaN elsewhere."""
    p = np.asarray(part, dtype=float)
    return np.where(p == 0, 0.0, np.where(np.isnan(p), NA, 1.0))


def all_of(parts: Sequence[np.ndarray], n: int) -> np.ndarray:
    """1 if every part is 1, 0 if any is 0, otherwise NaN."""
    if not parts:
        return np.ones(n)
    if len(parts) == 1:
        return _single(parts[0])
    stack = np.vstack(parts)
    return np.where((stack == 0).any(axis=0), 0.0, np.where(np.isnan(stack).any(axis=0), NA, 1.0))


def any_of(parts: Sequence[np.ndarray], n: int) -> np.ndarray:
    """1 if any part is 1, 0 if every part is 0, otherwise NaN."""
    if not parts:
        return np.zeros(n)
    if len(parts) == 1:
        p = np.asarray(parts[0], dtype=float)
        return np.where(p == 1, 1.0, np.where(np.isnan(p), NA, 0.0))
    stack = np.vstack(parts)
    return np.where((stack == 1).any(axis=0), 1.0, np.where(np.isnan(stack).any(axis=0), NA, 0.0))


def condition(cond: Condition, cols: Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(met 1/0/NaN, value as float or NaN, shortfall where unmet) of one condition."""
    op, target = cond.op, cond.value
    if _numeric(cond):
        v = cols.num(cond.indicator)
        t = float(target)
        with np.errstate(invalid="ignore"):
            met = _COMPARE[op](v, t)       # only the comparison asked for
        nan = np.isnan(v)
        met = np.where(nan, NA, met.astype(float))
        if op in (">=", ">"):
            short = t - v
        elif op in ("<=", "<"):
            short = v - t
        else:
            short = np.full(cols.n, NA)
        short = np.where(met == 0, short, NA)
        return met, v, short
    values = cols.obj(cond.indicator)
    if op == "in":
        members = {str(x) for x in target}
        met = map_distinct(values, lambda x: NA if x is None else float(str(x) in members), float)
    else:
        eq = map_distinct(values, lambda x: NA if x is None else float(str(x) == str(target)), float)
        met = eq if op == "==" else np.where(np.isnan(eq), NA, 1.0 - eq)
    return met, np.full(cols.n, NA), np.full(cols.n, NA)


def _numeric(cond: Condition) -> bool:
    op = cond.op
    return op in ("==", "!=") and isinstance(cond.value, bool) or op in (">=", ">", "<=", "<")


class ConditionGates:
    """The all_of / any_of gates and routes of a criteria set judged together: every condition
    in one stack (the numeric ones compared in one set of array operations), each gate's
    conditions a consecutive run of rows combined with ``reduceat``. The same passed flag,
    value, shortfall, unit and detail as :func:`judge_conditions` gives one gate at a time."""

    def __init__(self, specs: Sequence[GateSpec]):
        self.specs = tuple(specs)
        self.conds = tuple(c for spec in self.specs for c in spec.conditions)
        sizes = [len(spec.conditions) for spec in self.specs]
        self.starts = np.cumsum([0, *sizes[:-1]]).astype(np.intp)
        self.numeric = [k for k, c in enumerate(self.conds) if _numeric(c)]
        self.other = [k for k, c in enumerate(self.conds) if not _numeric(c)]
        num = [self.conds[k] for k in self.numeric]
        self.target = np.array([float(c.value) for c in num])[:, None]
        ops = [c.op for c in num]
        self.ops = {op: np.array([o == op for o in ops])[:, None] for op in dict.fromkeys(ops)}
        self.up = np.array([o in (">=", ">") for o in ops], dtype=bool)[:, None]
        self.down = np.array([o in ("<=", "<") for o in ops], dtype=bool)[:, None]
        self.all_of = np.array([spec.mode == "all_of" for spec in self.specs])[:, None]
        self.pos = np.arange(len(self.conds))[:, None]
        self.units = np.array([c.unit for c in self.conds] + [None], dtype=object)
        self.unit = [spec.unit or spec.conditions[0].unit for spec in self.specs]
        self.default_units = np.array(self.unit + [None], dtype=object)[:-1, None]

    def evaluate(self, cols: Columns) -> dict[int, GateEval]:
        """id(spec) -> its :class:`GateEval` on every row."""
        n, m = cols.n, len(self.conds)
        met = np.empty((m, n))
        short = np.full((m + 1, n), NA)         # the last row: no failing condition
        values: dict[int, np.ndarray] = {}
        if self.numeric:
            found = [cols.num(self.conds[k].indicator) for k in self.numeric]
            values = dict(zip(self.numeric, found, strict=True))
            v = np.array(found, dtype=float).reshape(len(found), n)
            ok = np.zeros(v.shape, dtype=bool)
            with np.errstate(invalid="ignore"):
                for op, rows in self.ops.items():
                    ok = np.where(rows, _COMPARE[op](v, self.target), ok)
            nmet = np.where(np.isnan(v), NA, ok.astype(float))
            nshort = np.where(self.up, self.target - v, np.where(self.down, v - self.target, NA))
            met[self.numeric] = nmet
            short[self.numeric] = np.where(nmet == 0, nshort, NA)
        if self.other:
            met[self.other] = np.array([_text_met(self.conds[k], cols.obj(self.conds[k].indicator))
                                        for k in self.other], dtype=float).reshape(len(self.other), n)
        is0, missing = met == 0, np.isnan(met)
        any0 = np.logical_or.reduceat(is0, self.starts, axis=0)
        any1 = np.logical_or.reduceat(met == 1, self.starts, axis=0)
        anyn = np.logical_or.reduceat(missing, self.starts, axis=0)
        passed = np.where(self.all_of, np.where(any0, 0.0, np.where(anyn, NA, 1.0)),
                          np.where(any1, 1.0, np.where(anyn, NA, 0.0)))
        # shortfall and unit: of the first failing condition (all_of), of the first condition (any_of)
        first0 = np.minimum.reduceat(np.where(is0, self.pos, m), self.starts, axis=0)
        chosen = np.where(self.all_of, first0, self.starts[:, None])
        failed = passed == 0
        shortfall = np.where(failed, short[chosen, np.arange(n)], NA)
        units = np.where(failed, self.units[chosen], None)
        units = np.where(units == None, self.default_units, units)  # noqa: E711 (element-wise)
        out: dict[int, GateEval] = {}
        for g, spec in enumerate(self.specs):
            start = int(self.starts[g])
            first = spec.conditions[0]
            if first.op in ("in", "==", "!="):
                value = cols.obj(first.indicator)
            else:
                value = _value_at(values[start])
            out[id(spec)] = GateEval(spec, passed[g], value, shortfall[g], self.unit[g],
                                     _detail_at(spec, met[start:start + len(spec.conditions)], passed[g]),
                                     units[g])
        return out


def _text_met(cond: Condition, values: np.ndarray) -> list[float] | np.ndarray:
    """Met (1 / 0 / NaN) of an in / == / != condition on text values, as :func:`condition` gives it."""
    if len(values) > SMALL:
        return condition(cond, _ValuesOf(cond.indicator, values))[0]
    if cond.op == "in":
        members = {str(x) for x in cond.value}
        return map_small(values, lambda x: NA if x is None else float(str(x) in members))
    target = str(cond.value)
    if cond.op == "==":
        return map_small(values, lambda x: NA if x is None else float(str(x) == target))
    return map_small(values, lambda x: NA if x is None else 1.0 - float(str(x) == target))


class _ValuesOf(Columns):
    """One object column as :class:`Columns` (for :func:`condition`)."""

    def __init__(self, name: str, values: np.ndarray):
        super().__init__({name: values}, len(values))
        self._obj[name] = values


def _value_at(v0: np.ndarray) -> PerRow:
    return PerRow(lambda i: None if math.isnan(v0[i]) else float(v0[i]))


def _detail_at(spec: GateSpec, mets: Sequence[np.ndarray], passed: np.ndarray) -> PerRow:
    """The detail text of an all_of / any_of gate on row i (``mets``: its conditions' met flags)."""

    def detail_at(i: int) -> str | None:
        missing = [_cond_text(c) for c, met in zip(spec.conditions, mets, strict=True) if math.isnan(met[i])]
        if passed[i] == 0:
            failing = [_cond_text(c) for c, met in zip(spec.conditions, mets, strict=True) if met[i] == 0]
            text = "未满足：" + "；".join(failing) if spec.mode == "all_of" else "均未满足：" + "；".join(failing)
            if missing:
                text += "（缺少数据：" + "；".join(missing) + "）"
            return text
        if math.isnan(passed[i]):
            return "缺少数据，无法判定：" + "；".join(missing)
        return None

    return PerRow(detail_at)


_CONDITIONS: dict[tuple[int, int], tuple[tuple, ConditionGates | None]] = {}


def condition_gates(criteria: Criteria) -> ConditionGates | None:
    """The stacked all_of / any_of gates and routes of ``criteria`` (made once per pair of gate
    and route tuples)."""
    key = (id(criteria.gates), id(criteria.routes))
    hit = _CONDITIONS.get(key)
    if hit is not None and hit[0][0] is criteria.gates and hit[0][1] is criteria.routes:
        return hit[1]
    specs = [spec for spec in (*criteria.gates, *criteria.routes)
             if spec.mode in ("all_of", "any_of") and spec.conditions]
    found = ConditionGates(specs) if specs else None
    if len(_CONDITIONS) > 256:
        _CONDITIONS.clear()
    _CONDITIONS[key] = ((criteria.gates, criteria.routes), found)
    return found


# --------------------------------------------------------------------------- evaluation


@dataclass
class ItemEval:
    """Vectorised outcome of one item."""

    spec: ItemSpec
    value: np.ndarray              # object array of the matched value (float / str), None if missing
    band: np.ndarray               # object array of band labels, None if missing
    points: np.ndarray             # float
    available: np.ndarray          # bool
    band_index: np.ndarray | None = None   # int band index for numeric tables (-1 missing)
    note: np.ndarray | None = None  # object array of per-row notes


@dataclass
class GateEval:
    """Vectorised outcome of one gate."""

    spec: GateSpec
    passed: np.ndarray             # float 1 / 0 / NaN
    value: np.ndarray              # object array for display
    shortfall: np.ndarray          # float, NaN when passed or not judged
    unit: str | None = None
    detail: np.ndarray | None = None
    units: np.ndarray | None = None   # per-row unit of the shortfall, when it differs by row


@dataclass
class Evaluation:
    """Vectorised outcome of one criteria set over ``n`` enterprises."""

    criteria: Criteria
    n: int
    items: dict[str, ItemEval]
    gates: dict[str, GateEval]
    routes: dict[str, np.ndarray]
    total: np.ndarray
    passed: np.ndarray
    grade: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def dimension_totals(self) -> dict[str, np.ndarray]:
        """Points per dimension (made once for the items of this evaluation)."""
        found = self.__dict__.get("_dims")
        if found is None or found[0] is not self.items:
            found = (self.items, dimension_totals(self.items, self.n))
            self.__dict__["_dims"] = found
        return found[1]

    def remember_dimensions(self, dims: dict[str, np.ndarray]) -> None:
        """Keep the dimension totals already computed for these items."""
        self.__dict__["_dims"] = (self.items, dims)

    def to_frame(self, index: Any = None) -> pd.DataFrame:
        """One row per enterprise: framework, total, grade, passed, points:<item>, gate:<gate>, route:<route>."""
        data: dict[str, Any] = {
            "framework": np.full(self.n, self.criteria.code, dtype=object),
            "criteria_version": np.full(self.n, self.criteria.version, dtype=object),
            "total": np.round(self.total, 4),
            "max_total": np.full(self.n, self.criteria.max_total),
            "grade": self.grade,
            "passed": _bool_array(self.passed),
        }
        for code, it in self.items.items():
            data[f"points:{code}"] = np.round(it.points, 4)
        for code, g in self.gates.items():
            data[f"gate:{code}"] = _bool_array(g.passed)
        for code, r in self.routes.items():
            data[f"route:{code}"] = _bool_array(r)
        for name, arr in self.extra.items():
            data[name] = np.round(arr, 4) if arr.dtype.kind == "f" else arr
        return pd.DataFrame(data, index=index)

    def result(self, i: int, as_of: date, notes: Sequence[str] = ()) -> Result:
        """The frozen :class:`Result` of row ``i``."""
        c = self.criteria
        items = []
        for it in self.items.values():
            s = it.spec
            avail = bool(it.available[i])
            note = it.note[i] if it.note is not None else None
            if not avail and note is None:
                note = f"缺少数据：{indicator_name(s.indicator) if s.indicator else s.name}，本项按 0 分计"
            items.append(Item(code=s.code, name=s.name, value=_clean(it.value[i]), unit=s.unit,
                              band=it.band[i], points=_r(it.points[i]), max_points=_r(s.max_points),
                              dimension=s.dimension, source=s.source, provisional=s.provisional,
                              available=avail, note=note))
        gates = []
        for g in self.gates.values():
            s = g.spec
            p = g.passed[i]
            detail = g.detail[i] if g.detail is not None else None
            if math.isnan(p) and detail is None:
                detail = "缺少数据，无法判定"
            gates.append(Gate(code=s.code, name=s.name, passed=None if math.isnan(p) else bool(p),
                              value=_clean(g.value[i]), required=s.required,
                              shortfall=None if math.isnan(g.shortfall[i]) else _r(g.shortfall[i]),
                              unit=(g.units[i] if g.units is not None else None) or g.unit or s.unit,
                              detail=detail, source=s.source, provisional=s.provisional))
        routes = tuple(rs.name for rs in c.routes if self.routes.get(rs.code) is not None
                       and self.routes[rs.code][i] == 1)
        passed = self.passed[i]
        extra = {k: _clean(v[i]) for k, v in self.extra.items()}
        extra["dimensions"] = {d: _r(v[i]) for d, v in self.dimension_totals().items()}
        return Result(framework=c.code, framework_name=c.name, criteria_version=c.version,
                      effective_from=c.effective_from, effective_to=c.effective_to, as_of=as_of,
                      total=None if math.isnan(self.total[i]) else _r(self.total[i]), max_total=_r(c.max_total), grade=self.grade[i],
                      passed=None if math.isnan(passed) else bool(passed), gates=tuple(gates), items=tuple(items),
                      routes=routes, provisional=c.provisional, notes=tuple(notes), extra=extra)


def _r(x: Any) -> float:
    return round(float(x), 4) + 0.0


def _clean(v: Any) -> Any:
    v = plain(v)
    if isinstance(v, float):
        return _r(v)
    return v


def indicator_name(name: str | None) -> str:
    if name is None:
        return ""
    return INDICATORS.get(name, FIELD_NAMES.get(name, (name, None)))[0]


def dimension_totals(items: Mapping[str, ItemEval], n: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for it in items.values():
        d = it.spec.dimension or ""
        out[d] = out.get(d, np.zeros(n)) + it.points
    return out


def _band_item(spec: ItemSpec, v: np.ndarray, idx: np.ndarray, pts: np.ndarray) -> ItemEval:
    """The outcome of a band item from its values, band indices and points."""
    labels = spec.table.labels
    return ItemEval(spec, PerRow(lambda i: None if math.isnan(v[i]) else float(v[i])),
                    PerRow(lambda i: labels[idx[i]] if idx[i] >= 0 else None), pts, idx >= 0, idx)


class BandItems:
    """The band tables of a criteria set's plain band items stacked, so that all of them are
    looked up in one set of array operations (:meth:`bands.BandTable.points_array` per table
    does the same lookup one table at a time): edges padded with NaN (no value is ≥ or > NaN),
    band index = number of edges ≤ the rounded value ("higher" rule, ``searchsorted`` right) or
    < it ("lower" rule, ``searchsorted`` left), -1 where the value is missing."""

    def __init__(self, specs: Sequence[ItemSpec]):
        self.specs = tuple(specs)
        k = len(self.specs)
        m = max(len(s.table.edges) for s in self.specs)
        self.edges = np.full((k, m, 1), NA)
        self.points = np.zeros((k, m + 1))
        for r, s in enumerate(self.specs):
            self.edges[r, :len(s.table.edges), 0] = s.table.edges
            self.points[r, :len(s.table.points)] = s.table.points
        self.higher = np.array([s.table.on_boundary == HIGHER for s in self.specs])[:, None]
        self.rows = np.arange(k)[:, None]

    def evaluate(self, cols: Columns) -> dict[str, ItemEval]:
        values = [cols.num(s.indicator) for s in self.specs]
        v = np.round(np.array(values, dtype=float).reshape(len(self.specs), cols.n), ROUND_DECIMALS)
        stacked = v[:, None, :]
        count = np.where(self.higher, (stacked >= self.edges).sum(axis=1), (stacked > self.edges).sum(axis=1))
        idx = np.where(np.isnan(v), -1, count)
        pts = np.where(idx >= 0, self.points[self.rows, np.maximum(idx, 0)], 0.0)
        return {s.code: _band_item(s, values[r], idx[r], pts[r]) for r, s in enumerate(self.specs)}


_BAND_ITEMS: dict[int, tuple[tuple[ItemSpec, ...], BandItems | None]] = {}


def band_items(items: tuple[ItemSpec, ...]) -> BandItems | None:
    """The stacked band tables of ``items`` (made once per tuple of item specs)."""
    hit = _BAND_ITEMS.get(id(items))
    if hit is not None and hit[0] is items:
        return hit[1]
    specs = [s for s in items if not s.custom and s.table is not None]
    found = BandItems(specs) if specs else None
    if len(_BAND_ITEMS) > 256:       # criteria adapted per call (special_items) are not kept for ever
        _BAND_ITEMS.clear()
    _BAND_ITEMS[id(items)] = (items, found)
    return found


class CategoryItems:
    """The category items of a criteria set looked up together on a few rows (at most
    ``bands.SMALL``): each value's category as :meth:`bands.CategoryTable.points_array` finds it
    (:meth:`~bands.CategoryTable.key_of`), the points and availability of all items in one
    array each."""

    def __init__(self, specs: Sequence[ItemSpec]):
        self.specs = tuple(specs)

    def evaluate(self, cols: Columns) -> dict[str, ItemEval]:
        n, k = cols.n, len(self.specs)
        if n > SMALL:
            return {}
        rows = [map_small(cols.obj(s.indicator), s.categories.key_of) for s in self.specs]
        keys = np.empty((k, n), dtype=object)
        keys[:] = rows
        pts = np.array([[s.categories.points[key] if key is not None else 0.0 for key in row]
                        for s, row in zip(self.specs, rows, strict=True)], dtype=float).reshape(k, n)
        available = keys != None  # noqa: E711 (element-wise)
        return {s.code: ItemEval(s, keys[r], _category_labels(s, keys[r]), pts[r], available[r])
                for r, s in enumerate(self.specs)}


def _category_labels(spec: ItemSpec, keys: np.ndarray) -> PerRow:
    labels = spec.categories.labels
    return PerRow(lambda i: labels.get(keys[i]) if keys[i] is not None else None)


_CATEGORY_ITEMS: dict[int, tuple[tuple[ItemSpec, ...], CategoryItems | None]] = {}


def category_items(items: tuple[ItemSpec, ...]) -> CategoryItems | None:
    """The stacked category items of ``items`` (made once per tuple of item specs)."""
    hit = _CATEGORY_ITEMS.get(id(items))
    if hit is not None and hit[0] is items:
        return hit[1]
    specs = [s for s in items if not s.custom and s.table is None and s.categories is not None]
    found = CategoryItems(specs) if specs else None
    if len(_CATEGORY_ITEMS) > 256:
        _CATEGORY_ITEMS.clear()
    _CATEGORY_ITEMS[id(items)] = (items, found)
    return found


def score_items(items: tuple[ItemSpec, ...], cols: Columns) -> dict[str, ItemEval]:
    """:func:`score_item` of every item that is not custom, the band items in one lookup and the
    category items in another."""
    stacked, cats = band_items(items), category_items(items)
    out = stacked.evaluate(cols) if stacked is not None else {}
    if cats is not None:
        out.update(cats.evaluate(cols))
    return {s.code: out[s.code] if s.code in out else score_item(s, cols) for s in items if not s.custom}


def score_item(spec: ItemSpec, cols: Columns) -> ItemEval:
    """Points of one band / category / alternatives item on every row."""
    n = cols.n
    if spec.table is not None:
        v = cols.num(spec.indicator)
        idx, pts = spec.table.points_array(v)
        return _band_item(spec, v, idx, pts)
    if spec.categories is not None:
        keys, pts = spec.categories.points_array(cols.obj(spec.indicator))
        return ItemEval(spec, keys, _category_labels(spec, keys), pts, keys != None)  # noqa: E711 (element-wise)
    if spec.alternatives:
        best_pts = np.zeros(n)
        best_alt = np.full(n, -1)
        found = []
        for k, alt in enumerate(spec.alternatives):
            v = cols.num(alt.indicator)
            idx, pts = alt.table.points_array(v)
            better = (idx >= 0) & ((best_alt < 0) | (pts > best_pts))
            best_alt = np.where(better, k, best_alt)
            best_pts = np.where(better, pts, best_pts)
            found.append((v, idx, alt))

        def value_at(i):
            k = best_alt[i]
            return None if k < 0 else float(found[k][0][i])

        def band_at(i):
            k = best_alt[i]
            if k < 0:
                return None
            v, idx, alt = found[k]
            return f"{indicator_name(alt.indicator)} {alt.table.labels[idx[i]]}"

        return ItemEval(spec, PerRow(value_at), PerRow(band_at), best_pts, best_alt >= 0)
    raise ValueError(f"item {spec.code} is custom: its framework module must score it")


def judge_conditions(spec: GateSpec, cols: Columns) -> GateEval:
    """An all_of / any_of gate (or route) on every row, one condition at a time (the criteria
    sets are judged with :class:`ConditionGates`, which gives the same)."""
    n = cols.n
    results = [condition(c, cols) for c in spec.conditions]
    mets = [r[0] for r in results]
    passed = all_of(mets, n) if spec.mode == "all_of" else any_of(mets, n)
    first = spec.conditions[0]
    value = cols.obj(first.indicator) if first.op in ("in", "==", "!=") else _value_at(results[0][1])
    # shortfall and unit of the first failing condition (for any_of: of the first alternative)
    shortfall = np.full(n, NA)
    failed = passed == 0
    if failed.any():
        unit = np.full(n, None, dtype=object)
        for k in range(len(results) - 1, -1, -1):
            met, _, short = results[k]
            pick = (met == 0) if spec.mode == "all_of" else np.full(n, k == 0)
            shortfall = np.where(pick & failed, short, shortfall)
            unit = np.where(pick & failed, spec.conditions[k].unit, unit)
        unit = np.where(unit == None, spec.unit or first.unit, unit)  # noqa: E711 (element-wise)
    else:       # no row failed: no shortfall, every row has the gate's unit
        unit = np.full(n, spec.unit or first.unit, dtype=object)
    return GateEval(spec, passed, value, shortfall, spec.unit or first.unit, _detail_at(spec, mets, passed), unit)


def _cond_text(c: Condition) -> str:
    if c.label:
        return c.label
    target = "、".join(map(str, c.value)) if isinstance(c.value, tuple) else (
        f"{c.value:g}" if isinstance(c.value, float) else str(c.value))
    op = {">=": "≥", "<=": "≤", "==": "为", "!=": "不为", "in": "属于"}.get(c.op, c.op)
    return f"{indicator_name(c.indicator)}{op}{target}{c.unit or ''}"


def judge_score_gate(spec: GateSpec, items: Mapping[str, ItemEval], routes: Mapping[str, np.ndarray],
                     n: int, total: np.ndarray | None = None,
                     dims: Mapping[str, np.ndarray] | None = None) -> GateEval:
    """``total >= min_total`` and each dimension minimum, or (when ``or_routes``) any direct route.

    When the score falls short only because some items are not available, and their maxima could
    close the gap, the gate cannot be judged (NaN) rather than failed. ``total`` and ``dims``:
    the items' total and :func:`dimension_totals` when the caller has them.
    """
    if total is None:
        total = sum((it.points for it in items.values()), np.zeros(n))
    missing = {code: np.where(it.available, 0.0, it.spec.max_points) for code, it in items.items()}
    missing_max = sum(missing.values(), np.zeros(n))
    parts = [np.where(total >= spec.min_total, 1.0, np.where(total + missing_max >= spec.min_total, NA, 0.0))]
    shortfall = np.maximum(spec.min_total - total, 0.0)
    if dims is None:
        dims = dimension_totals(items, n)
    for d, minimum in spec.min_dimensions.items():
        dt = dims.get(d, np.zeros(n))
        dmiss = sum((missing[code] for code, it in items.items() if it.spec.dimension == d), np.zeros(n))
        parts.append(np.where(dt >= minimum, 1.0, np.where(dt + dmiss >= minimum, NA, 0.0)))
        shortfall = np.maximum(shortfall, minimum - dt)
    score_ok = all_of(parts, n)
    passed = any_of([score_ok, *routes.values()], n) if spec.or_routes and routes else score_ok

    def detail_at(i: int) -> str:
        zero = np.zeros(n)
        lows = [f"{d} {dims.get(d, zero)[i]:g} 分（需≥{m:g}）" for d, m in spec.min_dimensions.items()
                if dims.get(d, zero)[i] < m]
        text = f"得分 {total[i]:g} 分（需≥{spec.min_total:g}）"
        if lows:
            text += "；" + "；".join(lows)
        if spec.or_routes and routes:
            hit = any(r[i] == 1 for r in routes.values())
            text += "；符合直通条件" if hit else "；无直通条件"
        if math.isnan(passed[i]):
            text += "；部分指标缺少数据，无法判定"
        return text

    detail = PerRow(detail_at)
    value = total
    return GateEval(spec, passed, value, np.where(passed == 1, NA, np.where(passed == 0, shortfall, NA)),
                    "分", detail)


def evaluate_generic(criteria: Criteria, cols: Columns, custom_items: Mapping[str, ItemEval] | None = None,
                     custom_gates: Mapping[str, GateEval] | None = None,
                     extra: Mapping[str, np.ndarray] | None = None) -> Evaluation:
    """Score every item, route and gate of ``criteria``; a framework passes its custom parts in.

    Custom items and gates (``custom: true`` in the file) must be supplied by the framework
    module under their codes; generic ones are computed here from the file.
    """
    n = cols.n
    custom_items = dict(custom_items or {})
    custom_gates = dict(custom_gates or {})
    items: dict[str, ItemEval] = {}
    scored = score_items(criteria.items, cols)
    for spec in criteria.items:
        if spec.custom:
            if spec.code not in custom_items:
                raise ValueError(f"{criteria.code}: custom item {spec.code} was not scored by its framework")
            items[spec.code] = custom_items[spec.code]
        else:
            items[spec.code] = scored[spec.code]
    # A direct route applies only when shown to apply: a missing input means "not claimed" (0),
    # so an absent optional field (e.g. no 高企 certificate date) never leaves a result undecided.
    stacked = condition_gates(criteria)
    judged = stacked.evaluate(cols) if stacked is not None else {}

    def judge(spec: GateSpec) -> GateEval:
        found = judged.get(id(spec))
        return found if found is not None else judge_conditions(spec, cols)

    routes = {r.code: np.where((judge(r).passed if r.mode in ("all_of", "any_of")
                                else custom_gates[r.code].passed) == 1, 1.0, 0.0) for r in criteria.routes}
    gates: dict[str, GateEval] = {}
    total = dims = None
    for spec in criteria.gates:
        if spec.mode == "custom":
            if spec.code not in custom_gates:
                raise ValueError(f"{criteria.code}: custom gate {spec.code} was not judged by its framework")
            gates[spec.code] = custom_gates[spec.code]
        elif spec.mode == "score":
            if total is None:
                total = sum((it.points for it in items.values()), np.zeros(n))
                dims = dimension_totals(items, n)
            gates[spec.code] = judge_score_gate(spec, items, routes, n, total, dims)
        else:
            gates[spec.code] = judge(spec)
    # a framework without a points table (e.g. 小巨人) has no total
    if not items:
        total = np.full(n, NA)
    elif total is None:
        total = sum((it.points for it in items.values()), np.zeros(n))
    passed = all_of([g.passed for g in gates.values()], n)
    grade = grade_labels(criteria, passed)
    ev = Evaluation(criteria, n, items, gates, routes, total, passed, grade, dict(extra or {}))
    if dims is not None:
        ev.remember_dimensions(dims)
    return ev


def grade_labels(criteria: Criteria, passed: np.ndarray) -> np.ndarray:
    g = criteria.grades
    unknown = g.get("unknown", "无法判定（缺少数据）")
    return np.where(np.isnan(passed), unknown, np.where(passed == 1, g["passed"], g["failed"])).astype(object)


def custom_item(spec: ItemSpec, value: np.ndarray, points: np.ndarray, available: np.ndarray,
                band: np.ndarray | None = None, note: np.ndarray | None = None) -> ItemEval:
    """Wrap a framework's own computation of a ``custom: true`` item."""
    value_o = PerRow(lambda i: None if is_missing(value[i]) else value[i])
    band_o = band if band is not None else PerRow(lambda i: None)
    return ItemEval(spec, value_o, band_o, np.where(available, points, 0.0), available.astype(bool), None, note)


def custom_gate(spec: GateSpec, passed: np.ndarray, value: np.ndarray, shortfall: np.ndarray,
                unit: str | None = None, detail: np.ndarray | None = None) -> GateEval:
    """Wrap a framework's own judgement of a ``custom: true`` gate (passed 1/0/NaN)."""
    value_o = PerRow(lambda i: None if is_missing(value[i]) else value[i])
    return GateEval(spec, passed.astype(float), value_o, np.where(passed == 0, shortfall, NA), unit or spec.unit,
                    detail)


# --------------------------------------------------------------------------- choosing criteria


def resolve(frameworks: Iterable[str] | None, as_of: date, options: Mapping | None = None) -> list[Criteria]:
    """Criteria sets to run: codes as given, families -> the set in force at ``as_of``.

    ``options["review_kind"] == "re_review"`` switches a set that declares ``re_review_uses``
    (小巨人 2026) to the set named there (criteria-reference.md: 2026 re-reviews use 2022).
    """
    from .frameworks import available_families

    opts = options or {}
    names = list(frameworks) if frameworks is not None else list(available_families())
    explicit = frameworks is not None
    out: list[Criteria] = []
    codes = {c.code for c in loader.load_all()}
    fams = set(loader.families())
    for name in names:
        if name in codes:
            crit = loader.by_code(name)
        elif name in fams:
            found = loader.in_force(name, as_of)
            if found is None:
                if explicit:
                    raise InputError("frameworks", f"{name} 在 {as_of.isoformat()} 没有有效的评价标准")
                continue
            crit = found
            if opts.get("review_kind") == "re_review" and "re_review_uses" in crit.params:
                crit = loader.by_code(str(crit.param("re_review_uses")))
        else:
            raise InputError("frameworks", f"未知的评价体系或标准代码：{name}")
        if crit.code not in {c.code for c in out}:
            out.append(crit)
    return out


def _module(criteria: Criteria):
    from .frameworks import module_for

    mod = module_for(criteria.framework)
    if mod is None:
        raise InputError("frameworks", f"{criteria.code} 的评价模块 {criteria.framework} 尚未提供")
    return mod


def options_key(options: Mapping | None) -> str:
    """A key telling option sets apart (for the memo of :class:`Columns`)."""
    return repr(sorted((options or {}).items()))


def evaluate(criteria: Criteria, cols: Columns, options: Mapping | None = None) -> Evaluation:
    """Run the framework module of ``criteria`` on columns (once per criteria set and options)."""
    key = ("evaluation", criteria.code, options_key(options))
    hit = cols.memo.get(key)
    if hit is not None and hit[0] is criteria:
        return hit[1]
    ev = _module(criteria).evaluate(criteria, cols, dict(options or {}))
    cols.memo[key] = (criteria, ev)
    return ev


def first_result(ev: Evaluation, as_of: date, cols: Columns | None = None) -> Result:
    """``ev.result(0, as_of)`` (no notes), made once per evaluation on ``cols``."""
    if cols is None:
        return ev.result(0, as_of)
    key = ("result", ev.criteria.code, as_of)
    hit = cols.memo.get(key)
    if hit is not None and hit[0] is ev:
        return hit[1]
    result = ev.result(0, as_of)
    cols.memo[key] = (ev, result)
    return result


def score(criteria: Criteria | str, indicators: Mapping[str, Any], options: Mapping | None = None,
          as_of: date | None = None, with_recommendations: bool = True, cols: Columns | None = None) -> Result:
    """Score one enterprise's derived indicators (see :func:`derived.derive`) on one criteria set.

    ``cols``: the one-row columns of ``indicators`` when the caller scores several sets on them
    (``assess``), so that evaluations shared between sets are made once.
    """
    crit = loader.by_code(criteria) if isinstance(criteria, str) else criteria
    if as_of is None:
        raw = indicators.get("as_of")
        as_of = date.fromisoformat(raw) if isinstance(raw, str) else (raw if isinstance(raw, date) else None)
    if as_of is None:
        raise InputError("as_of", "缺少评价基准日")
    cols = cols if cols is not None else columns_from_indicators(indicators)
    ev = evaluate(crit, cols, options)
    notes = []
    if indicators.get("annualised"):
        notes.append(f"{indicators.get('year')} 年仅有 {indicators.get('quarters_in_year')} 个季度数据，"
                     "流量指标已按季度数折算为全年")
    result = first_result(ev, as_of, cols)
    if notes:
        result = replace(result, notes=tuple(notes))
    if with_recommendations:
        # the generic advice and the framework module's own (``candidates``), merged and ranked
        from .recommend import recommend

        result = replace(result, recommendations=recommend(crit, indicators, ev, result, options, cols))
    return result


def score_frame(criteria: Criteria | str, frame: pd.DataFrame, options: Mapping | None = None) -> pd.DataFrame:
    """Vectorised scoring of one criteria set: one row of derived indicators per enterprise."""
    crit = loader.by_code(criteria) if isinstance(criteria, str) else criteria
    ev = evaluate(crit, Columns(frame), options)
    return ev.to_frame(index=frame.index)
