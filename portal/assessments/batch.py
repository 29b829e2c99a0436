"""Batch path: derive and score many enterprises at once with pandas / numpy.

Rule encoded: exactly the rules of the one-at-a-time path. :func:`derive_frame` aggregates the
quarter rows with ``groupby`` (flows of the latest year and the two before, scaled by 4/n for
incomplete years; stocks = latest reported value) and runs the same vectorised formulas
(:func:`derived.compute`); :func:`score_frame` runs the framework module's vectorised
``evaluate`` on all rows, the same function the single path runs on one row. Recommendations
are not produced here.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from . import derived, engine, loader
from .derived import FLOW_FIELDS, PRIOR_FLOWS, PROFILE_FIELDS, STOCK_FIELDS


def derive_frame(profiles: pd.DataFrame, quarters: pd.DataFrame, as_of: date | None = None,
                 options: Mapping | None = None, key: str = "enterprise_id") -> pd.DataFrame:
    """One row of indicators per enterprise.

    ``profiles``: one row per enterprise, ``key`` column (or index) plus profile fields;
    ``quarters``: one row per (enterprise, period) with ``key``, ``period`` ("2025Q1") and report
    fields. ``as_of`` defaults, per enterprise, to the end of its latest reported period.
    """
    prof = profiles.set_index(key) if key in profiles.columns else profiles
    q = quarters.copy()   # the caller's frame is not modified
    q["_year"] = q["period"].str.slice(0, 4).astype(int)
    q["_q"] = q["period"].str.slice(5, 6).astype(int)
    q = q.sort_values([key, "_year", "_q"], kind="mergesort")
    latest = q.groupby(key, sort=True)[["_year", "_q"]].last()
    ids = latest.index
    q = q.join(latest["_year"].rename("_latest"), on=key)
    base: dict[str, object] = {}
    for offset, suffix in ((0, ""), (1, "_prev1"), (2, "_prev2")):
        fields = [f for f in (FLOW_FIELDS if offset == 0 else PRIOR_FLOWS) if f in q.columns]
        rows = q[q["_year"] == q["_latest"] - offset]
        num = rows[fields].apply(pd.to_numeric, errors="coerce") if fields else rows[[]]
        grouped = num.groupby(rows[key])
        sums = grouped.sum(min_count=1).reindex(ids)
        counts = grouped.count().reindex(ids)
        for f in fields:
            c = counts[f].to_numpy(dtype=float)
            s = sums[f].to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                base[f + suffix] = np.where(c >= 4, s, s * 4 / c)
        if offset == 0:
            n_rows = rows.groupby(key).size().reindex(ids).fillna(0).to_numpy()
            scaled = (counts < 4).where(counts > 0, False).any(axis=1).to_numpy() if fields else np.zeros(len(ids))
            base["quarters_in_year"] = n_rows.astype(int)
            base["annualised"] = (n_rows < 4) | scaled.astype(bool)
    stocks = [f for f in STOCK_FIELDS if f in q.columns]
    last = q.groupby(key, sort=True)[stocks].last().reindex(ids) if stocks else pd.DataFrame(index=ids)
    for f in stocks:
        base[f] = last[f].to_numpy(dtype=object)
    prof = prof.reindex(ids)
    for f in PROFILE_FIELDS:
        if f in prof.columns:
            base[f] = prof[f].to_numpy(dtype=object)
    base["year"] = latest["_year"].to_numpy()
    if as_of is None:
        q_end = latest["_q"].to_numpy()
        ends = [date(int(y), 3 * int(k), 31 if k in (1, 4) else 30) for y, k in zip(latest["_year"], q_end, strict=True)]
    else:
        ends = [as_of] * len(ids)
    n = len(ids)
    computed = derived.compute(base, n, np.array([d.year for d in ends], dtype=float),
                               np.array([d.toordinal() for d in ends], dtype=float), options)
    out = pd.DataFrame({k: v for k, v in base.items()}, index=ids)
    out = pd.concat([out, pd.DataFrame(computed, index=ids)], axis=1)
    out["as_of"] = [d.isoformat() for d in ends]
    return out


def score_frame(code_or_family: str, frame: pd.DataFrame, as_of: date | None = None,
                options: Mapping | None = None) -> pd.DataFrame:
    """Score every row of ``frame`` (derived indicators) on one criteria set.

    A family name needs ``as_of`` to pick the set in force. Returns one row per input row:
    framework, criteria_version, total, max_total, grade, passed, ``points:<item>``,
    ``gate:<gate>`` (True / False / <NA>), ``route:<route>``.
    """
    if code_or_family in {c.code for c in loader.load_all()}:
        crit = loader.by_code(code_or_family)
    else:
        if as_of is None:
            raise ValueError("score_frame needs as_of to choose the criteria of a family")
        crit = engine.resolve([code_or_family], as_of, options)[0]
    return engine.score_frame(crit, frame, options)
