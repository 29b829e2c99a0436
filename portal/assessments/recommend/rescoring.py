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
from ..engine import Columns, Evaluation, evaluate, options_key
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
                 options: Mapping | None = None, rows: dict | None = None) -> Evaluation:
    """Evaluate ``criteria`` once on ``len(changes)`` rows: row i is ``indicators`` with ``changes[i]``.

    The derived indicators are recomputed from the changed fields (:func:`derived.compute`, one
    vectorised call for all rows); a field changed directly (e.g. a count) keeps its new value,
    and an indicator that cannot be recomputed from the dict (given directly) keeps its value.
    The single and the batch path are the same code, so row i equals a one-row evaluation.
    ``rows``: the changed rows of these ``indicators`` and ``options`` already derived (see
    :func:`row_cache`); only the changes not found there are derived.
    """
    columns = changed_columns(indicators, changes, options, rows)
    return evaluate(criteria, Columns(columns, len(changes)), options)


def row_cache(cols: Columns | None, options: Mapping | None) -> dict | None:
    """The changed rows derived so far for the indicators of ``cols`` under ``options`` (shared by
    every framework of one ``assess`` call; None without ``cols``)."""
    if cols is None:
        return None
    return cols.memo.setdefault(("changed rows", options_key(options)), {})


def _row_key(fields: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, type(v).__name__, repr(v)) for k, v in fields.items()))


def changed_columns(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                     options: Mapping | None, rows: dict | None = None) -> dict[str, list]:
    """Columns of ``indicators`` with row i changed by ``changes[i]`` and derived again.

    Each row depends only on its own change (the formulas work element by element), so a row
    derived once (``rows``: key of the change -> the values where the row differs from
    ``indicators``) is reused as it is; the changes not found there are derived in one call and
    added to ``rows``.
    """
    if rows is None:
        return _derive_changed(indicators, changes, options)[0]
    keys = [_row_key(c) for c in changes]
    todo: dict[tuple, Mapping[str, Any]] = {}
    for key, c in zip(keys, changes, strict=True):
        if key not in rows and key not in todo:
            todo[key] = c
    if todo:
        columns, computed = _derive_changed(indicators, list(todo.values()), options)
        for j, (key, c) in enumerate(todo.items()):
            diff = dict(c)
            for name in computed:
                v = columns[name][j]
                if name not in c and not _same(v, indicators.get(name, _ABSENT)):
                    diff[name] = v
            rows[key] = diff
    n = len(changes)
    out: dict[str, list] = {k: [v] * n for k, v in indicators.items()}
    for j, key in enumerate(keys):
        for name, v in rows[key].items():
            col = out.get(name)
            if col is None:
                col = out[name] = [None] * n
            col[j] = v
    return out


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


def _derive_changed(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                    options: Mapping | None) -> tuple[dict[str, list], list[str]]:
    """(columns, names of the derived columns): row i is ``indicators`` with ``changes[i]``."""
    n = len(changes)
    columns: dict[str, list] = {k: [v] * n for k, v in indicators.items()}
    for i, fields in enumerate(changes):
        for k, v in fields.items():
            columns.setdefault(k, [None] * n)[i] = v
    day = _day(indicators)
    year = np.full(n, float(day.year) if day else np.nan)
    ordinal = np.full(n, float(day.toordinal()) if day else np.nan)
    changed = set().union(*changes)
    computed = derived.compute(columns, n, year, ordinal, options)
    for key, arr in computed.items():
        old = columns.get(key) or [None] * n
        values = arr.tolist()
        float_col = arr.dtype.kind == "f"
        if float_col and key not in changed:
            # NaN: not computable here, keep what was given (the same rule as the loop below)
            columns[key] = [o if v != v else v for v, o in zip(values, old, strict=True)]
            continue
        new = []
        for i in range(n):
            v = values[i]
            if float_col and v != v:      # NaN: not computable here, keep what was given
                v = None
            elif not float_col:
                v = derived.plain(v)
            new.append(old[i] if v is None or key in changes[i] else v)
        columns[key] = new
    return columns, list(computed)


def changed_rows(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                 options: Mapping | None = None, rows: dict | None = None) -> list[dict[str, Any]]:
    """``indicators`` with each of ``changes`` applied and the derived indicators recomputed."""
    columns = changed_columns(indicators, changes, options, rows)
    return [{k: col[i] for k, col in columns.items()} for i in range(len(changes))]


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


def outcomes(criteria: Criteria, indicators: Mapping[str, Any], candidates: Sequence[Candidate],
             options: Mapping | None = None, batch: bool = True, rows: dict | None = None) -> list[Outcome]:
    """Re-score every candidate (in one evaluation when ``batch``, else one evaluation each)."""
    if not candidates:
        return []
    if not batch:
        return [o for c in candidates for o in outcomes(criteria, indicators, [c], options, True, rows)]
    ev = rescore_many(criteria, indicators, [c.fields for c in candidates], options, rows)
    dims = ev.dimension_totals()
    out = []
    for i, c in enumerate(candidates):
        total = float(ev.total[i])
        out.append(Outcome(c, 0.0 if math.isnan(total) else total,
                           None if math.isnan(ev.passed[i]) else bool(ev.passed[i] == 1), ev.grade[i],
                           {code: float(g.passed[i]) for code, g in ev.gates.items()},
                           {code: _gate_number(g, i) for code, g in ev.gates.items()},
                           {d: float(v[i]) for d, v in dims.items()}))
    return out
