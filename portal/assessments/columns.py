"""Columns: one enterprise or many as read-only arrays, the input of every framework evaluation.

Rule encoded: a column reads as float64 (``num``: bools as 1.0 / 0.0, missing or not a number
as NaN) or as objects (``obj``: missing as None); an absent column reads as all missing; the
caller's data is never written to. The same conversion serves one row (``assess``) and a whole
frame (``score_frame``), value by value, so both paths see the same numbers.
:class:`ChangedRows` is the re-scoring form: rows that differ from one enterprise's base row
only where a change (and what it moves in the derived indicators) says so.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

NA = np.nan


class Columns:
    """Read-only column access over a mapping of name -> sequence (a DataFrame or dict of lists).

    ``num`` gives float64 arrays (bools as 1.0/0.0, missing as NaN), ``obj`` object arrays
    (missing as None). A column that is absent reads as all-missing. Arrays are cached and never
    written to, so the caller's data is not mutated.
    """

    def __init__(self, data: Mapping[str, Any] | pd.DataFrame, n: int | None = None,
                 overrides: Mapping[str, np.ndarray] | None = None):
        self._data = data
        if n is None:
            n = len(data) if isinstance(data, pd.DataFrame) else len(next(iter(data.values()), []))
        self.n = n
        self._num: dict[str, np.ndarray] = {}
        self._obj: dict[str, np.ndarray] = {}
        self._over = dict(overrides or {})
        # results computed on exactly these (read-only) columns: evaluations of a criteria set
        # under given options, the advice of :mod:`recommend`; a proxy gate (sts2026 "is 创新型",
        # giant2026 "is 专精特新") then reuses the evaluation the same call has already made
        self.memo: dict[Any, Any] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._over or name in self._data

    def _raw(self, name: str) -> Any:
        if name in self._over:
            return self._over[name]
        if name not in self._data:
            return None
        col = self._data[name]
        return col.to_numpy() if isinstance(col, pd.Series) else col

    def num(self, name: str) -> np.ndarray:
        if name not in self._num:
            raw = self._raw(name)
            if raw is None:
                arr = np.full(self.n, NA)
            elif isinstance(raw, np.ndarray) and raw.dtype.kind in "fiub":
                arr = raw.astype(float)
            else:
                arr = None
                if self.n > 64:
                    obj = np.asarray(raw, dtype=object)
                    missing = pd.isna(obj)
                    try:
                        arr = np.where(missing, 0.0, obj).astype(float)
                        arr[missing] = NA
                    except (TypeError, ValueError):
                        arr = None       # text among the values: convert one by one below
                if arr is None:
                    arr = plain_floats(raw, self.n)
                if arr is None:
                    arr = np.array([to_float(v) for v in raw], dtype=float)
            arr.setflags(write=False)
            self._num[name] = arr
        return self._num[name]

    def obj(self, name: str) -> np.ndarray:
        if name not in self._obj:
            raw = self._raw(name)
            arr = np.empty(self.n, dtype=object)
            if raw is not None:
                if isinstance(raw, np.ndarray) and raw.dtype.kind in "fiub":
                    arr[:] = raw.astype(object)
                    if raw.dtype.kind == "f":
                        arr[np.isnan(raw)] = None
                elif self.n <= 64:
                    arr[:] = [None if is_missing(v) else v for v in raw]
                else:
                    ser = pd.Series(list(raw) if not isinstance(raw, np.ndarray) else raw, dtype=object)
                    arr[:] = ser.where(ser.notna(), None).to_numpy()
            arr.setflags(write=False)
            self._obj[name] = arr
        return self._obj[name]

    def with_overrides(self, overrides: Mapping[str, np.ndarray]) -> Columns:
        """A view where some columns are replaced (used by sub-evaluations and recommendations)."""
        return Columns(self._data, self.n, {**self._over, **overrides})


class _RowsData(Mapping):
    """Raw columns of :class:`ChangedRows`, each built when first read."""

    def __init__(self, base: Columns, diffs: Sequence[Mapping[str, Any]], touched: frozenset[str]):
        self._base, self._diffs, self._touched = base, diffs, touched

    def __getitem__(self, name: str) -> list:
        raw = self._base._raw(name)
        if raw is None and name not in self._touched:
            raise KeyError(name)
        b = None if raw is None else raw[0]
        if name not in self._touched:
            return [b] * len(self._diffs)
        return [d[name] if name in d else b for d in self._diffs]

    def __contains__(self, name: object) -> bool:
        return name in self._touched or name in self._base

    def __iter__(self):
        return iter(dict.fromkeys([*self._base._data, *self._base._over, *self._touched]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class ChangedRows(Columns):
    """``len(diffs)`` rows over one-row columns: row i is ``base`` with the values of ``diffs[i]``
    (name -> value) in place of its own.

    The same values as a :class:`Columns` over lists built row by row; a column no row changes is
    the base's converted value repeated, so a re-scoring converts only the changed columns.
    """

    def __init__(self, base: Columns, diffs: Sequence[Mapping[str, Any]],
                 overrides: Mapping[str, np.ndarray] | None = None):
        if base.n != 1:
            raise ValueError("ChangedRows needs one-row base columns")
        diffs = list(diffs)
        touched = frozenset().union(*diffs)
        super().__init__(_RowsData(base, diffs, touched), len(diffs), overrides)
        self._base, self._diffs, self._touched = base, diffs, touched

    def num(self, name: str) -> np.ndarray:
        if name not in self._num and name not in self._over and name not in self._touched:
            arr = np.repeat(self._base.num(name), self.n)
            arr.setflags(write=False)
            self._num[name] = arr
        return super().num(name)

    def obj(self, name: str) -> np.ndarray:
        if name not in self._obj and name not in self._over and name not in self._touched:
            arr = np.repeat(self._base.obj(name), self.n)
            arr.setflags(write=False)
            self._obj[name] = arr
        return super().obj(name)

    def with_overrides(self, overrides: Mapping[str, np.ndarray]) -> Columns:
        return ChangedRows(self._base, self._diffs, {**self._over, **overrides})


def is_missing(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    return isinstance(v, (float, np.floating)) and math.isnan(v)


_PLAIN_NUMBER = frozenset({float, int, bool, type(None)})


def plain_floats(raw: Any, n: int) -> np.ndarray | None:
    """``raw`` as a float array in one numpy call when every value is a plain float / int / bool /
    None (numpy converts these exactly as :func:`to_float` does: None -> NaN, bools -> 1.0 / 0.0);
    None when some value needs the one-by-one conversion."""
    if isinstance(raw, np.ndarray) or not _PLAIN_NUMBER.issuperset(map(type, raw)):
        return None
    try:
        arr = np.array(raw, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None
    return arr if arr.shape == (n,) else None


def to_float(v: Any) -> float:
    if is_missing(v):
        return NA
    if isinstance(v, (bool, np.bool_)):
        return 1.0 if v else 0.0
    try:
        return float(v)
    except (TypeError, ValueError):
        return NA


class PerRow:
    """A column computed only for the rows asked for (labels and texts of the one-row result);
    the batch path never builds them, which keeps it vectorised."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __getitem__(self, i: int):
        return self.fn(i)


def columns_from_indicators(indicators: Mapping[str, Any]) -> Columns:
    """Columns of length 1 from one enterprise's indicator dict."""
    return Columns({k: [v] for k, v in indicators.items()}, 1)
