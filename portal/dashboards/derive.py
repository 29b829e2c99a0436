"""Per-enterprise derived inputs of the indicator formulas (``_``-prefixed columns). Pure pandas."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .coefficients import DEFAULT_PARAMS, ENERGY_OPTIONAL, ENERGY_REQUIRED, SYSTEM_KEYS, Params
from .periods import PeriodSpec, as_period_spec

# ---------------------------------------------------------------------------------------------
# Per-enterprise derived inputs
# ---------------------------------------------------------------------------------------------

_LIST_TYPES = (list, tuple, set, frozenset, np.ndarray)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(np.nan, index=frame.index, dtype=float)


def _num_col(frame: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_numeric(_col(frame, name), errors="coerce").astype(float)


def _flag(v) -> float:
    if v is None or v is pd.NA:
        return np.nan
    if isinstance(v, (bool, np.bool_, int, np.integer)):
        return float(bool(v))
    if isinstance(v, (float, np.floating)):
        return np.nan if np.isnan(v) else float(bool(v))
    return np.nan


_FLAG_VALUES = {True: 1.0, False: 0.0}   # 1 and 0 (and 1.0, 0.0) hash and compare equal to these
_MISSING = object()


def bool_to_float(s: pd.Series) -> pd.Series:
    """True/1 -> 1.0, False/0 -> 0.0, anything else (None, NA, NaN) -> NaN.

    Accepts object, bool, nullable boolean and 0/1 integer columns (SQLite stores booleans as
    integers), so the DB side does not have to normalise them. Vectorised for typed columns and
    for object columns holding only booleans, 0/1 and missing values; any other value (e.g. 2,
    text) takes the per-value rule of ``_flag``.
    """
    if s.dtype.kind in "biuf":
        values = s.to_numpy(dtype=float, na_value=np.nan)
        return pd.Series(np.where(np.isnan(values), np.nan, values != 0), index=s.index, dtype=float)
    values = s.to_numpy(dtype=object)
    missing = pd.isna(values)
    try:
        ones = (values == True) & ~missing    # noqa: E712 - elementwise: True, 1 and 1.0
        zeros = (values == False) & ~missing  # noqa: E712 - elementwise: False, 0 and 0.0
    except (TypeError, ValueError):
        ones = zeros = np.zeros(len(values), dtype=bool)
    if isinstance(ones, np.ndarray) and bool((ones | zeros | missing).all()):
        out = np.where(ones, 1.0, np.where(zeros, 0.0, np.nan))
        return pd.Series(out, index=s.index, dtype=float)
    return pd.Series([_flag(v) for v in values], index=s.index, dtype=float)


def _by_identity(s: pd.Series, fn: Callable[[object], float]) -> np.ndarray:
    """``fn`` of each cell, computed once per distinct object: the loaders share one list object
    per distinct value, so a column of 50,000 lists holds a handful of objects."""
    values = s.to_numpy(dtype=object)
    if not len(values):
        return np.empty(0, dtype=float)
    ids = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    return np.array([fn(values[i]) for i in first], dtype=float)[inverse.reshape(-1)]


def _list_has(s: pd.Series, include: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> pd.Series:
    """1.0 if the list holds a value in ``include`` (or any value not in ``exclude``), 0.0 if
    not, NaN if the cell is not a list (the question was not answered)."""
    include = None if include is None else frozenset(include)
    exclude = frozenset(exclude)

    def within(item, values: frozenset) -> bool:
        try:
            return item in values
        except TypeError:                           # an unhashable item equals no listed value
            return False

    def has(v) -> float:
        if not isinstance(v, _LIST_TYPES):
            return np.nan
        items = [i for i in v if i is not None and i == i]
        if include is not None:
            return float(any(within(i, include) for i in items))
        return float(any(not within(i, exclude) for i in items))

    return pd.Series(_by_identity(s, has), index=s.index, dtype=float)


def _dict_frame(s: pd.Series, keys: Iterable[str]) -> pd.DataFrame:
    """A dict column spread into one column per key; NaN where the cell is not a dict or lacks
    the key. One pass over the column instead of one per key."""
    dicts = [d if isinstance(d, Mapping) else {} for d in s.to_numpy()]
    return pd.DataFrame({k: [d.get(k) for d in dicts] for k in keys}, index=s.index, dtype=object)


def _system_states(d: pd.DataFrame) -> pd.DataFrame:
    """One column per system key: the state (none/partial/full) or NaN. Read from the
    ``systems.<key>`` columns when the frame has them (the database extracted the states), else
    spread from the ``systems`` dict column."""
    split = [f"systems.{key}" for key in SYSTEM_KEYS]
    if all(name in d.columns for name in split):
        return pd.DataFrame({key: d[name] for key, name in zip(SYSTEM_KEYS, split, strict=True)}, index=d.index)
    return _dict_frame(_col(d, "systems"), SYSTEM_KEYS)


def energy_tce(e: pd.DataFrame, params: Params = DEFAULT_PARAMS) -> pd.Series:
    """Total energy in tce per enterprise (GB/T 2589); NaN unless electricity and gas are given."""
    total = pd.Series(0.0, index=e.index)
    for name in ENERGY_REQUIRED:
        total = total + _num_col(e, name) * params.kgce_per_unit[name]
    for name in ENERGY_OPTIONAL:
        total = total + _num_col(e, name).fillna(0.0) * params.kgce_per_unit[name]
    return total / 1000.0


def co2_t(e: pd.DataFrame, params: Params = DEFAULT_PARAMS) -> pd.Series:
    """Energy-related CO2 in t per enterprise; NaN unless electricity and gas are given.

    Purchased electricity at the grid factor; self-generated renewable power emits nothing;
    ``other_energy_tce`` is left out because its fuel is unknown.
    """
    total = _num_col(e, "electricity_kwh") * params.grid_kgco2_per_kwh / 1000.0
    total = total + _num_col(e, "natural_gas_m3") * params.tco2_per_unit["natural_gas_m3"]
    for name in ENERGY_OPTIONAL:
        if name in params.tco2_per_unit:
            total = total + _num_col(e, name).fillna(0.0) * params.tco2_per_unit[name]
    return total


def size_class(e: pd.DataFrame, annualisation_factor: float = 1.0) -> pd.Series:
    """NBS 《统计上大中小微型企业划分办法(2017)》, industry: 大型/中型/小型/微型 or NaN.

    Large: employees >= 1000 and annual revenue >= 40000 万元; medium: >= 300 and >= 2000;
    small: >= 20 and >= 300; otherwise micro. Large, medium and small must meet both lower
    limits, else the enterprise falls one class. Revenue is annualised for a partial year.
    """
    emp = _num_col(e, "employees")
    rev = _num_col(e, "revenue") * annualisation_factor
    conditions = [
        (emp >= 1000) & (rev >= 40000),
        (emp >= 300) & (rev >= 2000),
        (emp >= 20) & (rev >= 300),
    ]
    out = pd.Series(np.select(conditions, ["大型", "中型", "小型"], default="微型"), index=e.index, dtype=object)
    return out.where(emp.notna() & rev.notna())


def derive(e: pd.DataFrame, spec: PeriodSpec | str, params: Params = DEFAULT_PARAMS) -> pd.DataFrame:
    """Add the derived per-enterprise inputs (``_``-prefixed) the indicator table reads.

    NaN in a derived column means the enterprise lacks an input for it.
    """
    spec = as_period_spec(spec)
    d = e
    out: dict[str, pd.Series] = {}     # the new columns, joined to ``e`` once at the end
    gov = _num_col(d, "gross_output_value")
    revenue = _num_col(d, "revenue")
    out["_annual_revenue"] = revenue * spec.annualisation_factor
    out["_one"] = pd.Series(1.0, index=d.index)
    cert_until = pd.to_datetime(_col(d, "high_tech_cert_until"), errors="coerce")
    # A missing certificate date means "no certificate" (the profile field is optional and only
    # filled in by certified enterprises), so it is not a missing input here.
    valid_cert = cert_until >= spec.end_date  # NaT compares False
    out["_high_tech_output"] = gov.where(valid_cert, 0.0).where(gov.notna())
    out["_large"] = (out["_annual_revenue"] > params.large_revenue_wan).astype(float).where(revenue.notna())
    level = _col(d, "rd_institution_level")
    out["_rd_platform"] = level.isin(["municipal", "national"]).astype(float).where(level.notna())
    workshops = _num_col(d, "recognised_digital_workshops")
    smart = bool_to_float(_col(d, "smart_factory"))
    known = workshops.notna() | (smart == 1.0)
    out["_workshops_smart"] = (workshops.fillna(0.0) + smart.fillna(0.0)).where(known)
    out["_water_total"] = _num_col(d, "water_recycled_m3") + _num_col(d, "water_withdrawal_m3")
    out["_waste_available"] = _num_col(d, "solid_waste_generated_t") + _num_col(
        d, "solid_waste_prior_stock_used_t"
    ).fillna(0.0)
    out["_energy_tce"] = energy_tce(d, params)
    out["_co2_t"] = co2_t(d, params)
    out["_design_tool"] = _list_has(_col(d, "design_tools"), exclude=["none"])
    cloud = _col(d, "cloud_level")
    out["_cloud"] = (cloud != "none").astype(float).where(cloud.notna())
    out["_green_factory"] = bool_to_float(_col(d, "green_factory"))
    out["_sts"] = bool_to_float(_col(d, "sts"))
    certs = _col(d, "certifications")
    out["_iso50001"] = _list_has(certs, include=["iso50001"])
    out["_iso14001"] = _list_has(certs, include=["iso14001"])
    systems = _system_states(d)
    for key in SYSTEM_KEYS:
        state = systems[key]
        out[f"_sys_{key}"] = state.isin(["partial", "full"]).astype(float).where(state.notna())
    out["_industrial_internet"] = bool_to_float(_col(d, "industrial_internet"))
    out["size_class"] = size_class(d, spec.annualisation_factor)
    # One join instead of ~40 column inserts (each of which would copy or re-block the frame).
    replaced = [c for c in out if c in d.columns]
    kept = d.drop(columns=replaced) if replaced else d
    return pd.concat([kept, pd.DataFrame(out, index=d.index)], axis=1, copy=False)
