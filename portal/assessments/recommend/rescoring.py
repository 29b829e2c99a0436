"""Re-scoring: what the engine gives when some reported figures of one enterprise change.

Rule encoded: a candidate change is applied to the enterprise's figures, the derived indicators
are recomputed from the changed fields (:func:`derived.compute`, the one place of every
formula) and the framework is evaluated with its own rule on all changed rows at once (the
vectorised path), so every stated gain is the engine's own. Within one ``assess`` call the rows
derived for one change are kept (:func:`row_cache`) and reused by every framework.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from .. import derived
from ..columns import ChangedRows, Columns, columns_from_indicators
from ..engine import Evaluation, evaluate, options_key
from ..loader import Criteria


@dataclass(frozen=True)
class Candidate:
    """A concrete change of reported figures (``fields``) for one item or gate, worded in Chinese."""

    code: str                       # item or gate concerned
    text: str                       # the change and the target, e.g. "研发费用再增加 80 万元，研发投入强度达到 5%"
    fields: Mapping[str, Any]       # new values of report / profile fields (or of an indicator given directly)
    target: float | str | None
    current: float | str | None
    unit: str | None
    effort: float                   # relative effort (lower is easier), see docs/assessments.md
    only_if_clears: bool = False    # state it only when it clears the gate ``code`` (else a plan ingredient)


def _day(indicators: Mapping) -> date | None:
    day = indicators.get("as_of")
    if isinstance(day, str):
        return date.fromisoformat(day)
    return day if isinstance(day, date) else None


def rescore_many(criteria: Criteria, indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                 options: Mapping | None = None, rows: RowCache | None = None) -> Evaluation:
    """Evaluate ``criteria`` once on ``len(changes)`` rows: row i is ``indicators`` with ``changes[i]``.

    The derived indicators are recomputed from the changed fields (:func:`derived.compute`, one
    vectorised call for all rows); a field changed directly (e.g. a count) keeps its new value,
    and an indicator that cannot be recomputed from the dict (given directly) keeps its value.
    The single and the batch path are the same code, so row i equals a one-row evaluation.
    ``rows``: the changed rows of these ``indicators`` and ``options`` already derived (see
    :func:`row_cache`); only the changes not found there are derived.
    """
    diffs = changed_diffs(indicators, changes, options, rows)
    base = rows.base if rows is not None else columns_from_indicators(indicators)
    return evaluate(criteria, ChangedRows(base, diffs), options)


class RowCache(dict):
    """Key of a change -> the values where its derived row differs from the base indicators,
    for the indicators of the one-row columns ``base`` under one set of options."""

    def __init__(self, base: Columns):
        super().__init__()
        self.base = base


def row_cache(cols: Columns | None, options: Mapping | None) -> RowCache | None:
    """The changed rows derived so far for the indicators of ``cols`` under ``options`` (shared by
    every framework of one ``assess`` call; None without ``cols``)."""
    if cols is None:
        return None
    key = ("changed rows", options_key(options))
    found = cols.memo.get(key)
    if found is None:
        found = cols.memo[key] = RowCache(cols)
    return found


def _row_key(fields: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, type(v).__name__, repr(v)) for k, v in fields.items()))


def changed_diffs(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                  options: Mapping | None, rows: dict | None = None) -> list[dict[str, Any]]:
    """For each change, the values where ``indicators`` with the change, derived again, differ
    from ``indicators`` (the changed fields themselves and every derived indicator that moves).

    Each row depends only on its own change (the formulas work element by element), so a row
    derived once (``rows``: key of the change -> its differences) is reused as it is; the
    changes not found there are derived in one call and added to ``rows``.
    """
    if rows is None:
        return _derive_diffs(indicators, changes, options)
    keys = [_row_key(c) for c in changes]
    todo: dict[tuple, Mapping[str, Any]] = {}
    for key, c in zip(keys, changes, strict=True):
        if key not in rows and key not in todo:
            todo[key] = c
    if todo:
        for key, diff in zip(todo, _derive_diffs(indicators, list(todo.values()), options), strict=True):
            rows[key] = diff
    return [rows[key] for key in keys]


_ABSENT = object()


def _same(v: Any, base: Any) -> bool:
    """``v`` can stand for ``base`` exactly: the same object, or an equal str / bool / int, or a
    float equal to it with the same sign (NaN never)."""
    if v is base:
        return True
    t = type(v)
    if t is not type(base):
        return False
    if t is float:
        return v == base and (v != 0.0 or math.copysign(1.0, v) == math.copysign(1.0, base))
    return t in (str, bool, int) and v == base


class _Changed(Mapping):
    """Columns of ``indicators`` with row i changed by ``changes[i]``, each built when read
    (:func:`derived.compute` reads about half of them)."""

    def __init__(self, indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]]):
        self._ind, self._changes = indicators, changes
        self._touched = frozenset().union(*changes)

    def __getitem__(self, k: str) -> list:
        if k in self._touched:
            b = self._ind.get(k)
            return [c[k] if k in c else b for c in self._changes]
        return [self._ind[k]] * len(self._changes)      # KeyError when absent: Mapping.get gives None

    def __contains__(self, k: object) -> bool:
        return k in self._touched or k in self._ind

    def __iter__(self):
        return iter(dict.fromkeys([*self._ind, *self._touched]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _derive_diffs(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                  options: Mapping | None) -> list[dict[str, Any]]:
    """Row i is ``indicators`` with ``changes[i]``, derived again: its values that differ from
    ``indicators`` (see :func:`changed_diffs`).

    A field changed directly keeps its new value; a derived value that cannot be computed here
    (NaN) keeps what was given; a derived value counts as different unless :func:`_same` (a
    float the same number with the same sign, or the same object).
    """
    n = len(changes)
    day = _day(indicators)
    year = np.full(n, float(day.year) if day else np.nan)
    ordinal = np.full(n, float(day.toordinal()) if day else np.nan)
    computed = derived.compute(_Changed(indicators, changes), n, year, ordinal, options)
    diffs = [dict(c) for c in changes]
    floats = [k for k, arr in computed.items() if arr.dtype.kind == "f"]
    if floats:
        # every float indicator at once: a row differs where its value is a number and the base
        # is not the same float (absent: every row, None where not computable)
        values = np.vstack([computed[k] for k in floats])
        bases = [indicators.get(k, _ABSENT) for k in floats]
        is_float = np.array([type(b) is float for b in bases])[:, None]
        absent = np.array([b is _ABSENT for b in bases])[:, None]
        b = np.array([b if type(b) is float else np.nan for b in bases])[:, None]
        same = (values == b) & (np.signbit(values) == np.signbit(b))
        differs = absent | (~np.isnan(values) & ~(is_float & same))
        for r, j in zip(*np.nonzero(differs), strict=True):
            key = floats[r]
            if key not in changes[j]:
                v = float(values[r, j])
                diffs[j][key] = None if v != v else v
    for key, arr in computed.items():
        if arr.dtype.kind == "f":
            continue
        base = indicators.get(key, _ABSENT)
        old = None if base is _ABSENT else base
        for j, v in enumerate(arr.tolist()):
            if v is base or key in changes[j]:
                continue
            v = derived.plain(v)
            new = old if v is None else v
            if not _same(new, base):
                diffs[j][key] = new
    return diffs


def changed_rows(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                 options: Mapping | None = None, rows: dict | None = None) -> list[dict[str, Any]]:
    """``indicators`` with each of ``changes`` applied and the derived indicators recomputed."""
    return [{**indicators, **d} for d in changed_diffs(indicators, changes, options, rows)]


def rescore(criteria: Criteria, indicators: Mapping[str, Any], fields: Mapping[str, Any],
            options: Mapping | None = None) -> Evaluation:
    """Evaluate ``indicators`` with ``fields`` replaced (one row; see :func:`rescore_many`)."""
    return rescore_many(criteria, indicators, [fields], options)


@dataclass(frozen=True)
class Outcome:
    """What the engine gives for one candidate (one row of a re-scoring)."""

    candidate: Candidate
    total: float
    passed: bool | None
    grade: str
    gate_passed: Mapping[str, float]
    gate_value: Mapping[str, float | None]
    dimensions: Mapping[str, float]


def _gate_number(g, i: int) -> float | None:
    v = g.value[i]
    if v is None or isinstance(v, (bool, np.bool_, str)):
        return None
    v = float(v)
    return None if math.isnan(v) else v


class _GateValues(Mapping):
    """Gate code -> the gate's value on row ``i`` as a number (None when not a number), each
    computed when first read (plans read the values of the points gates only)."""

    __slots__ = ("_gates", "_i", "_found")

    def __init__(self, gates: Mapping[str, Any], i: int):
        self._gates, self._i, self._found = gates, i, {}

    def __getitem__(self, code: str) -> float | None:
        if code not in self._found:
            self._found[code] = _gate_number(self._gates[code], self._i)
        return self._found[code]

    def __iter__(self):
        return iter(self._gates)

    def __len__(self) -> int:
        return len(self._gates)


def outcomes(criteria: Criteria, indicators: Mapping[str, Any], candidates: Sequence[Candidate],
             options: Mapping | None = None, batch: bool = True, rows: dict | None = None) -> list[Outcome]:
    """Re-score every candidate (in one evaluation when ``batch``, else one evaluation each)."""
    if not candidates:
        return []
    if not batch:
        return [o for c in candidates for o in outcomes(criteria, indicators, [c], options, True, rows)]
    ev = rescore_many(criteria, indicators, [c.fields for c in candidates], options, rows)
    # whole columns as Python floats once, then one row each
    passed = {code: np.asarray(g.passed, dtype=float).tolist() for code, g in ev.gates.items()}
    dims = {d: np.asarray(v, dtype=float).tolist() for d, v in ev.dimension_totals().items()}
    totals, verdicts = ev.total.tolist(), np.asarray(ev.passed, dtype=float).tolist()
    out = []
    for i, c in enumerate(candidates):
        total, verdict = float(totals[i]), verdicts[i]
        out.append(Outcome(c, 0.0 if math.isnan(total) else total,
                           None if math.isnan(verdict) else verdict == 1, ev.grade[i],
                           {code: p[i] for code, p in passed.items()}, _GateValues(ev.gates, i),
                           {d: v[i] for d, v in dims.items()}))
    return out
