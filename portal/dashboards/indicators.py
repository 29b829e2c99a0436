"""District indicators of the advanced-manufacturing plan, computed from approved reports.

Pure pandas: frames in, frames out; no database, no clock, no Flask. ``queries`` builds the two
input frames:

* ``reports``: one row per approved enterprise report with ``enterprise_id``, ``year``,
  ``quarter``, the profile columns (``cluster``, ``sub_direction``, ``park``, ``town``,
  ``is_above_scale``, ``high_tech_cert_until``, ``land_area_mu``, ``industry_code``), every
  report-field key of ``report-fields.yaml`` as a column (numbers as float, NaN when empty;
  ``design_tools``/``certifications`` as lists, ``systems`` as a dict) and the booleans
  ``smart_factory``, ``green_factory``, ``sts`` (recognitions known to the portal).
  ``reports`` may instead hold windows already summed by the database (``queries.load_windows``):
  one row per enterprise and window, tagged with the window's code in ``WINDOW_COLUMN`` and with
  ``n_quarters``; ``select_period`` then only picks the window's rows (see there). Such a frame
  may carry the states of ``systems`` as ``systems.<key>`` columns instead of the dict.
* ``expected``: one row per enterprise expected to report in a quarter (``enterprise_id``,
  ``year``, ``quarter`` and the profile columns). It is the denominator of coverage.

Rules that hold for every indicator (see docs/indicators.md for each formula):

* A window (one quarter, year-to-date or a full year) sums *flows* over its quarters per
  enterprise and takes *stocks* from the enterprise's latest report in the window. An enterprise
  that lacks a quarter of the window, or left a flow empty in one, has no value for that flow:
  it drops out of coverage instead of pulling the sum down.
* Ratios are ratio-of-sums over the enterprises having both numerator and denominator inputs.
  An empty field is never read as zero. The only exceptions are optional *addends* the form asks
  for only when they apply (fuels other than electricity and gas, prior-year solid waste stock
  used, recognised digital workshops next to a portal-recognised smart factory); they are listed
  per indicator in ``IndicatorDef.optional``.
* Coverage counts the enterprises expected at the window's last quarter (within the
  indicator's population) whose inputs are all present: ``n_used / n_expected``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from .targets import Target, load_targets

# ---------------------------------------------------------------------------------------------
# Fields and coefficients
# ---------------------------------------------------------------------------------------------

#: Numeric report fields of kind "flow" (amount during the quarter); summed over a window.
FLOW_FIELDS: tuple[str, ...] = (
    "gross_output_value", "revenue", "main_business_revenue", "value_added", "total_profit",
    "net_profit", "taxes_paid", "export_delivery_value", "high_tech_product_output",
    "new_product_output", "fixed_asset_investment", "tech_renovation_investment",
    "rd_expenditure",
    "electricity_kwh", "renewable_self_kwh", "natural_gas_m3", "raw_coal_t", "diesel_t",
    "gasoline_t", "fuel_oil_t", "lpg_t", "steam_t", "heat_gj", "other_energy_tce",
    "water_withdrawal_m3", "water_recycled_m3", "wastewater_treated_m3", "wastewater_reused_m3",
    "solid_waste_generated_t", "solid_waste_prior_stock_used_t", "solid_waste_utilised_t",
    "hazardous_waste_t", "main_product_output_qty",
)

PROFILE_COLUMNS: tuple[str, ...] = (
    "cluster", "sub_direction", "park", "town", "is_above_scale", "high_tech_cert_until",
    "land_area_mu", "industry_code",
)

CLUSTER_LABELS = MappingProxyType(
    {"equipment": "装备制造", "electronics": "电子信息", "health": "大健康", "other": "其他"}
)
PARK_LABELS = MappingProxyType({"hitech_core": "高新区中心城区", "damiao": "高新区大庙组团", "town": "镇街"})
SYSTEM_KEYS: tuple[str, ...] = ("erp", "mes", "plm", "scm", "crm", "wms", "aps", "qms", "ems", "scada_dcs")
SYSTEM_LABELS = MappingProxyType({
    "erp": "ERP", "mes": "MES", "plm": "PLM", "scm": "SCM", "crm": "CRM", "wms": "WMS", "aps": "APS",
    "qms": "QMS", "ems": "能源管理系统", "scada_dcs": "SCADA/DCS",
})

#: GB/T 2589-2020 conversion to standard coal, kgce per reported unit (criteria-reference §6a).
#: Steam is 0.1286 kgce/kg, reported in t (x1000); heat 0.03412 kgce/MJ, reported in GJ (x1000).
#: Only electricity and natural gas are confirmed in use; the rest are provisional.
KGCE_PER_UNIT = MappingProxyType({
    "electricity_kwh": 0.1229,
    "natural_gas_m3": 1.2143,
    "raw_coal_t": 0.7143 * 1000,
    "diesel_t": 1.4571 * 1000,
    "gasoline_t": 1.4714 * 1000,
    "fuel_oil_t": 1.4286 * 1000,
    "lpg_t": 1.7143 * 1000,
    "steam_t": 0.1286 * 1000,
    "heat_gj": 0.03412 * 1000,
    "other_energy_tce": 1000.0,
})

#: Fuel CO2 factors, tCO2 per reported unit (criteria-reference §6c; provisional). Raw coal
#: uses the 烟煤 (bituminous) default because §6c has no 原煤 column; natural gas 21.62 t per
#: 10^4 Nm3; heat 0.11 tCO2/GJ; steam 0.11 x 2.76 GJ/t (1 t low-pressure steam ~ 2.76 GJ).
#: ``other_energy_tce`` has no fuel type and is left out of CO2.
TCO2_PER_UNIT = MappingProxyType({
    "natural_gas_m3": 21.62 / 10000,
    "raw_coal_t": 2.072,
    "diesel_t": 3.145,
    "gasoline_t": 3.043,
    "fuel_oil_t": 3.047,
    "lpg_t": 2.954,
    "heat_gj": 0.11,
    "steam_t": 0.11 * 2.76,
})

#: Energy inputs that must be present (required on the form); the others are optional addends.
ENERGY_REQUIRED: tuple[str, ...] = ("electricity_kwh", "natural_gas_m3")
ENERGY_OPTIONAL: tuple[str, ...] = (
    "raw_coal_t", "diesel_t", "gasoline_t", "fuel_oil_t", "lpg_t", "steam_t", "heat_gj", "other_energy_tce",
)

#: The column of a pre-summed window frame naming its window (``PeriodSpec.code``).
WINDOW_COLUMN = "window"

LARGE_ENTERPRISE_REVENUE = 50000.0  # 万元: 销售收入超5亿元


@dataclass(frozen=True)
class Params:
    """Configurable factors. ``grid_kgco2_per_kwh`` defaults to the 2022 national average (§6b)."""

    grid_kgco2_per_kwh: float = 0.5366
    kgce_per_unit: Mapping[str, float] = field(default_factory=lambda: KGCE_PER_UNIT)
    tco2_per_unit: Mapping[str, float] = field(default_factory=lambda: TCO2_PER_UNIT)
    large_revenue_wan: float = LARGE_ENTERPRISE_REVENUE


DEFAULT_PARAMS = Params()

# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

_KINDS = ("quarter", "ytd", "year")


@dataclass(frozen=True)
class PeriodSpec:
    """A window of quarters in one year: ``quarter`` (Qq), ``ytd`` (Q1..Qq) or ``year`` (Q1..Q4)."""

    year: int
    quarter: int = 4
    kind: str = "quarter"

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"period kind must be one of {_KINDS}, not {self.kind!r}")
        if not 1 <= int(self.quarter) <= 4:
            raise ValueError(f"quarter must be 1-4, not {self.quarter!r}")
        if self.kind == "year" and self.quarter != 4:
            raise ValueError("a full-year window ends in Q4")

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> PeriodSpec:
        return cls(int(year), int(quarter), "quarter")

    @classmethod
    def ytd(cls, year: int, quarter: int) -> PeriodSpec:
        return cls(int(year), int(quarter), "ytd")

    @classmethod
    def full_year(cls, year: int) -> PeriodSpec:
        return cls(int(year), 4, "year")

    @classmethod
    def parse(cls, text: str) -> PeriodSpec:
        """Parse ``2025Q3`` (quarter), ``2025YTD3`` / ``2025Q1-Q3`` (year to date) or ``2025``."""
        s = str(text).strip().upper()
        if s.isascii() and s.isdigit() and len(s) == 4:
            return cls.full_year(int(s))
        if "YTD" in s:
            y, q = s.split("YTD")
            return cls.ytd(int(y), int(q.lstrip("Q")))
        if "-" in s:
            head, tail = s.split("-")
            y, q1 = head.split("Q")
            if int(q1) != 1:
                raise ValueError(f"a year-to-date window starts in Q1: {text!r}")
            return cls.ytd(int(y), int(tail.lstrip("Q")))
        if "Q" in s:
            y, q = s.split("Q")
            return cls.of_quarter(int(y), int(q))
        raise ValueError(f"unrecognised period {text!r}")

    @property
    def quarters(self) -> tuple[int, ...]:
        if self.kind == "quarter":
            return (self.quarter,)
        return tuple(range(1, self.quarter + 1))

    @property
    def is_full_year(self) -> bool:
        return len(self.quarters) == 4

    @property
    def annualisation_factor(self) -> float:
        """Multiply a flow summed over the window by this to get an annual figure."""
        return 4.0 / len(self.quarters)

    @property
    def end_date(self) -> pd.Timestamp:
        return pd.Timestamp(year=self.year, month=3 * self.quarter, day=1) + pd.offsets.MonthEnd(0)

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}年第{self.quarter}季度"
        if self.is_full_year:
            return f"{self.year}年"
        return f"{self.year}年1-{self.quarter}季度"

    @property
    def code(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}Q{self.quarter}"
        if self.is_full_year:
            return f"{self.year}"
        return f"{self.year}YTD{self.quarter}"

    def previous_year(self) -> PeriodSpec:
        return replace(self, year=self.year - 1)


def as_period_spec(spec: PeriodSpec | str) -> PeriodSpec:
    return spec if isinstance(spec, PeriodSpec) else PeriodSpec.parse(spec)


def _numeric(frame: pd.DataFrame, cols: Iterable[str]) -> pd.DataFrame:
    return frame.loc[:, list(cols)].apply(pd.to_numeric, errors="coerce").astype(float)


def select_period(reports: pd.DataFrame, spec: PeriodSpec | str) -> pd.DataFrame:
    """One row per enterprise for the window, indexed by ``enterprise_id``.

    Flows are summed over the window's quarters and are NaN unless the enterprise reported a
    value in every quarter of the window. Stocks and profile columns come from the latest report
    in the window. Adds ``n_quarters`` (quarters reported) and ``complete`` (all of them).
    """
    spec = as_period_spec(spec)
    n_needed = len(spec.quarters)
    if WINDOW_COLUMN in reports.columns:
        return _presummed_window(reports, spec)
    win = reports.loc[(reports["year"] == spec.year) & reports["quarter"].isin(spec.quarters)]
    # One approved report per enterprise and quarter; keep the last row if the caller sent more.
    win = win.sort_values(["enterprise_id", "quarter"], kind="stable").drop_duplicates(
        ["enterprise_id", "quarter"], keep="last"
    )
    latest = win.drop_duplicates("enterprise_id", keep="last").set_index("enterprise_id")
    flows = [c for c in FLOW_FIELDS if c in win.columns]
    n_quarters = win.groupby("enterprise_id").size()
    out = latest.drop(columns=flows)
    if flows:
        values = _numeric(win, flows)
        values["enterprise_id"] = win["enterprise_id"].to_numpy()
        grouped = values.groupby("enterprise_id")
        sums = grouped.sum()
        counts = grouped.count()
        out = out.join(sums.where(counts == n_needed))
    out["n_quarters"] = n_quarters.reindex(out.index).astype(int)
    out["complete"] = out["n_quarters"] == n_needed
    out.index.name = "enterprise_id"
    return out


def _presummed_window(reports: pd.DataFrame, spec: PeriodSpec) -> pd.DataFrame:
    """``select_period`` of a frame whose rows are already windows: flows summed over the window
    (NaN unless reported in every quarter), stocks and profile from the latest report, and
    ``n_quarters``. Only the rows of ``spec``'s window are taken, one per enterprise."""
    rows = np.flatnonzero((reports[WINDOW_COLUMN] == spec.code).to_numpy(dtype=bool))
    ids = reports["enterprise_id"].to_numpy()[rows]
    rows = rows[~pd.Index(ids).duplicated(keep="last")]
    columns = [i for i, c in enumerate(reports.columns) if c not in (WINDOW_COLUMN, "enterprise_id")]
    out = reports.iloc[rows, columns]        # one take of the window's rows and columns
    out.index = pd.Index(reports["enterprise_id"].to_numpy()[rows], name="enterprise_id")
    out["n_quarters"] = out["n_quarters"].astype(int)
    out["complete"] = out["n_quarters"] == len(spec.quarters)
    return out


def expected_for(expected: pd.DataFrame | None, spec: PeriodSpec | str) -> pd.DataFrame | None:
    """The enterprises expected at the window's last quarter, one row each, indexed by id."""
    if expected is None:
        return None
    spec = as_period_spec(spec)
    rows = expected.loc[(expected["year"] == spec.year) & (expected["quarter"] == spec.quarter)]
    return rows.drop_duplicates("enterprise_id", keep="last").set_index("enterprise_id")


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
    kept = d.drop(columns=[c for c in out if c in d.columns])
    return pd.concat([kept, pd.DataFrame(out, index=d.index)], axis=1)


# ---------------------------------------------------------------------------------------------
# Indicator definitions
# ---------------------------------------------------------------------------------------------

Population = Callable[[pd.DataFrame], pd.Series]


def _all(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(True, index=frame.index)


def _above_scale(frame: pd.DataFrame) -> pd.Series:
    return bool_to_float(_col(frame, "is_above_scale")) == 1.0


def _hitech_parks(frame: pd.DataFrame) -> pd.Series:
    return _col(frame, "park").isin(["hitech_core", "damiao"])


def _above_scale_cluster(cluster: str) -> Population:
    def population(frame: pd.DataFrame) -> pd.Series:
        return _above_scale(frame) & (_col(frame, "cluster") == cluster)

    return population


@dataclass(frozen=True)
class IndicatorDef:
    """How one indicator is computed from the derived per-enterprise frame.

    kind: ``sum`` (sum of ``num`` x scale), ``ratio`` (sum num / sum den x scale over enterprises
    having both) or ``mean_ratio`` (simple mean of enterprise num/den x scale).
    """

    code: str
    zh: str
    unit: str
    kind: str
    num: str
    den: str | None = None
    scale: float = 1.0
    population: Population = _all
    population_zh: str = "全部报送企业"
    direction: str = "up"
    flow: bool = False  # True when the value is a flow total (annualised for progress)
    enterprise_level: bool = True  # a per-enterprise value is meaningful (ranking, position)
    inputs: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    formula_zh: str = ""


def _defs() -> tuple[IndicatorDef, ...]:
    above = dict(population=_above_scale, population_zh="规上工业企业")
    share = dict(kind="ratio", den="_one", scale=100.0, unit="%", enterprise_level=False)
    defs = [
        IndicatorDef("advanced_mfg_output", "规上先进制造业工业总产值", "亿元", "sum", "gross_output_value",
                     scale=1e-4, flow=True, inputs=("gross_output_value",),
                     formula_zh="Σ工业总产值(万元) ÷ 10000", **above),
    ]
    for cluster, zh in (("equipment", "装备制造"), ("electronics", "电子信息"), ("health", "大健康")):
        defs.append(IndicatorDef(
            f"{cluster}_output", f"{zh}产业工业总产值", "亿元", "sum", "gross_output_value", scale=1e-4,
            flow=True, population=_above_scale_cluster(cluster), population_zh=f"{zh}集群规上企业",
            inputs=("gross_output_value",), formula_zh="Σ工业总产值(万元) ÷ 10000"))
    defs += [
        IndicatorDef("rd_intensity", "规上工业企业研发投入强度", "%", "ratio", "rd_expenditure", "revenue",
                     scale=100.0, flow=False, inputs=("rd_expenditure", "revenue"),
                     formula_zh="Σ研发费用 ÷ Σ营业收入 × 100%", **above),
        IndicatorDef("nc_rate", "高新区制造企业关键工序数控化率", "%", "ratio", "key_processes_nc",
                     "key_processes_total", scale=100.0, population=_hitech_parks,
                     population_zh="高新区（中心城区+大庙组团）企业", inputs=("key_processes_nc", "key_processes_total"),
                     formula_zh="Σ数控化关键工序数 ÷ Σ关键工序数 × 100%"),
        IndicatorDef("nc_rate_mean", "高新区关键工序数控化率（企业简单平均）", "%", "mean_ratio", "key_processes_nc",
                     "key_processes_total", scale=100.0, population=_hitech_parks,
                     population_zh="高新区（中心城区+大庙组团）企业", inputs=("key_processes_nc", "key_processes_total"),
                     formula_zh="各企业（数控化关键工序数 ÷ 关键工序数）的简单平均 × 100%，关键工序数为0的企业不计"),
        IndicatorDef("nc_rate_district", "全区关键工序数控化率", "%", "ratio", "key_processes_nc",
                     "key_processes_total", scale=100.0, inputs=("key_processes_nc", "key_processes_total"),
                     formula_zh="Σ数控化关键工序数 ÷ Σ关键工序数 × 100%"),
        IndicatorDef("digital_workshops_smart_factories", "建成数字化车间/智能工厂数", "个", "sum",
                     "_workshops_smart", enterprise_level=False,
                     inputs=("recognised_digital_workshops", "smart_factory"),
                     optional=("recognised_digital_workshops",),
                     formula_zh="Σ已获认定数字化车间数 + 智能工厂（门户或市级认定）企业数"),
        IndicatorDef("high_tech_output_share", "规上高新技术产业产值占规上工业产值比重", "%", "ratio",
                     "_high_tech_output", "gross_output_value", scale=100.0, enterprise_level=False,
                     inputs=("gross_output_value", "high_tech_cert_until"),
                     formula_zh="期末持有效高新技术企业证书企业的工业总产值之和 ÷ 规上工业总产值之和 × 100%", **above),
        IndicatorDef("large_enterprises", "销售收入超5亿元骨干企业数", "家", "sum", "_large", enterprise_level=False,
                     inputs=("revenue",), formula_zh="年营业收入 > 50000万元的企业数（非全年按年化营业收入）"),
        IndicatorDef("rd_platforms", "市级以上研发平台数", "个", "sum", "_rd_platform", enterprise_level=False,
                     inputs=("rd_institution_level",), formula_zh="最高级别研发机构为重庆市级或国家级的企业数"),
        IndicatorDef("industrial_investment", "工业固定资产投资", "亿元", "sum", "fixed_asset_investment",
                     scale=1e-4, flow=True, inputs=("fixed_asset_investment",),
                     formula_zh="Σ工业固定资产投资(万元) ÷ 10000"),
        IndicatorDef("water_reuse_rate", "工业用水重复利用率", "%", "ratio", "water_recycled_m3", "_water_total",
                     scale=100.0, inputs=("water_recycled_m3", "water_withdrawal_m3"),
                     formula_zh="Σ重复利用水量 ÷ (Σ重复利用水量 + Σ取水量) × 100%"),
        IndicatorDef("solid_waste_utilisation_rate", "工业固体废物综合利用率", "%", "ratio", "solid_waste_utilised_t",
                     "_waste_available", scale=100.0,
                     inputs=("solid_waste_utilised_t", "solid_waste_generated_t", "solid_waste_prior_stock_used_t"),
                     optional=("solid_waste_prior_stock_used_t",),
                     formula_zh="Σ综合利用量 ÷ (Σ产生量 + Σ综合利用往年贮存量) × 100%"),
        IndicatorDef("energy_intensity", "单位工业增加值能耗", "tce/万元", "ratio", "_energy_tce", "value_added",
                     direction="down", inputs=("value_added",) + ENERGY_REQUIRED + ENERGY_OPTIONAL,
                     optional=ENERGY_OPTIONAL,
                     formula_zh="Σ综合能耗(tce，GB/T 2589折标系数) ÷ Σ工业增加值(万元)"),
        IndicatorDef("co2_intensity", "单位工业增加值二氧化碳排放", "tCO2/万元", "ratio", "_co2_t", "value_added",
                     direction="down", inputs=("value_added",) + ENERGY_REQUIRED + ENERGY_OPTIONAL[:-1],
                     optional=ENERGY_OPTIONAL[:-1],
                     formula_zh="Σ能源活动二氧化碳排放(t) ÷ Σ工业增加值(万元)"),
        IndicatorDef("design_tool_penetration", "数字化研发设计工具普及率", num="_design_tool",
                     inputs=("design_tools",), formula_zh="使用任一数字化研发设计工具（非“无”）的企业数 ÷ 填报企业数", **share),
        IndicatorDef("cloud_rate", "工业企业上云率", num="_cloud", inputs=("cloud_level",),
                     formula_zh="上云情况不为“未上云”的企业数 ÷ 填报企业数", **share),
        IndicatorDef("green_factories", "绿色工厂数", "个", "sum", "_green_factory", enterprise_level=False,
                     inputs=("green_factory",), formula_zh="已认定绿色工厂的企业数"),
        IndicatorDef("sts_enterprises", "专精特新企业数", "家", "sum", "_sts", enterprise_level=False,
                     inputs=("sts",), formula_zh="已认定专精特新的企业数"),
    ]
    for key in SYSTEM_KEYS:
        defs.append(IndicatorDef(
            f"system_{key}_share", f"{SYSTEM_LABELS[key]}应用率", num=f"_sys_{key}", inputs=("systems",),
            formula_zh=f"{SYSTEM_LABELS[key]}部分或全面应用的企业数 ÷ 填报企业数", **share))
    defs += [
        IndicatorDef("digital_equipment_share", "数字化（数控）生产设备占比", "%", "ratio", "equipment_digital",
                     "equipment_total", scale=100.0, inputs=("equipment_digital", "equipment_total"),
                     formula_zh="Σ数字化生产设备 ÷ Σ主要生产设备 × 100%"),
        IndicatorDef("networked_equipment_share", "生产设备联网率", "%", "ratio", "equipment_networked",
                     "equipment_total", scale=100.0, inputs=("equipment_networked", "equipment_total"),
                     formula_zh="Σ已联网设备 ÷ Σ主要生产设备 × 100%"),
        IndicatorDef("industrial_internet_share", "接入工业互联网平台企业占比", num="_industrial_internet",
                     inputs=("industrial_internet",), formula_zh="接入工业互联网平台的企业数 ÷ 填报企业数", **share),
        IndicatorDef("iso50001_share", "能源管理体系（ISO 50001）认证企业占比", num="_iso50001",
                     inputs=("certifications",), formula_zh="持有ISO 50001的企业数 ÷ 填报企业数", **share),
        IndicatorDef("iso14001_share", "环境管理体系（ISO 14001）认证企业占比", num="_iso14001",
                     inputs=("certifications",), formula_zh="持有ISO 14001的企业数 ÷ 填报企业数", **share),
    ]
    return tuple(defs)


INDICATORS: Mapping[str, IndicatorDef] = MappingProxyType({d.code: d for d in _defs()})


def _check_indicator(code: str) -> IndicatorDef:
    try:
        return INDICATORS[code]
    except KeyError:
        raise KeyError(f"unknown indicator {code!r}") from None


def _inputs(defn: IndicatorDef, d: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    num = _num_col(d, defn.num)
    den = _num_col(d, defn.den) if defn.den else pd.Series(1.0, index=d.index)
    return num, den


def enterprise_values(d: pd.DataFrame, defn: IndicatorDef) -> pd.Series:
    """Each enterprise's own value of the indicator (NaN without inputs or with a zero base)."""
    num, den = _inputs(defn, d)
    if defn.kind == "sum":
        return num * defn.scale
    return (num / den.where(den > 0)) * defn.scale


def aggregate(d: pd.DataFrame, defn: IndicatorDef) -> tuple[float, pd.Series]:
    """The indicator's value over ``d`` (already restricted to its population) and the mask of
    the enterprises it rests on."""
    num, den = _inputs(defn, d)
    used = num.notna() & den.notna()
    if defn.kind == "mean_ratio":
        rates = num / den.where(den > 0)
        used = rates.notna()
        value = float(rates[used].mean() * defn.scale) if used.any() else np.nan
    elif defn.kind == "sum":
        value = float(num[used].sum() * defn.scale) if used.any() else np.nan
    else:
        total_den = den[used].sum()
        value = float(num[used].sum() / total_den * defn.scale) if used.any() and total_den > 0 else np.nan
    return value, used


# ---------------------------------------------------------------------------------------------
# The indicator table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    spec: PeriodSpec
    data: pd.DataFrame  # derived per-enterprise frame
    expected: pd.DataFrame | None
    # Population masks and input columns, computed once per window (many indicators share them).
    _masks: dict = field(default_factory=dict, compare=False, repr=False)
    _columns: dict = field(default_factory=dict, compare=False, repr=False)

    def members(self, population: Population, expected: bool = False) -> np.ndarray:
        """The boolean mask of ``population`` over ``data`` (or ``expected``)."""
        key = (population, expected)
        if key not in self._masks:
            self._masks[key] = population(self.expected if expected else self.data).to_numpy(dtype=bool)
        return self._masks[key]

    def expected_members(self, population: Population) -> np.ndarray:
        """Over ``data``: whether the row's enterprise is an expected member of ``population``."""
        key = (population, "expected rows")
        if key not in self._masks:
            ids = self.expected.index[self.members(population, expected=True)]
            self._masks[key] = np.asarray(self.data.index.isin(ids), dtype=bool)
        return self._masks[key]

    def column(self, name: str | None) -> np.ndarray:
        """An input column as float (NaN where missing or absent; 1.0 everywhere for ``None``)."""
        if name not in self._columns:
            if name is None:
                values = np.ones(len(self.data), dtype=float)
            else:
                values = _num_col(self.data, name).to_numpy(dtype=float, na_value=np.nan)
            self._columns[name] = values
        return self._columns[name]


def _window(reports, expected, spec, params) -> _Window:
    spec = as_period_spec(spec)
    return _Window(spec, derive(select_period(reports, spec), spec, params), expected_for(expected, spec))


def _aggregate_arrays(num: np.ndarray, den: np.ndarray, defn: IndicatorDef) -> tuple[float, np.ndarray]:
    """``aggregate`` on float arrays (the indicator table's path; same rules and results)."""
    used = ~np.isnan(num) & ~np.isnan(den)
    if defn.kind == "mean_ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            rates = num / np.where(den > 0, den, np.nan)
        used = ~np.isnan(rates)
        value = float(pd.Series(rates[used]).mean() * defn.scale) if used.any() else np.nan
    elif defn.kind == "sum":
        value = float(pd.Series(num[used]).sum() * defn.scale) if used.any() else np.nan
    else:
        total_den = pd.Series(den[used]).sum()
        value = (float(pd.Series(num[used]).sum() / total_den * defn.scale)
                 if used.any() and total_den > 0 else np.nan)
    return value, used


def _value_and_coverage(defn: IndicatorDef, w: _Window) -> dict:
    population = w.members(defn.population)
    num = w.column(defn.num)[population]
    den = w.column(defn.den)[population]     # no denominator: 1.0 (``column(None)``)
    value, used = _aggregate_arrays(num, den, defn)
    if w.expected is None:
        n_expected = np.nan
        n_used = int(used.sum())
    else:
        n_expected = int(w.members(defn.population, expected=True).sum())
        n_used = int((used & w.expected_members(defn.population)[population]).sum())
    share = n_used / n_expected if n_expected else np.nan
    return {
        "value": value,
        "n_used": n_used,
        "n_reporting": int(population.sum()),
        "n_expected": n_expected,
        "n_missing": (n_expected - n_used) if n_expected == n_expected else np.nan,
        "coverage": share,
    }


def _progress(defn: IndicatorDef, target: Target | None, value: float, spec: PeriodSpec) -> tuple[float, str]:
    basis = value
    note = ""
    if defn.flow and not spec.is_full_year and value == value:
        basis = value * spec.annualisation_factor
        note = f"非全年数据，按年化值 {basis:.2f} 计算进度"
    if target is None or target.target is None or value != value:
        return np.nan, note
    if defn.direction == "down":
        return np.nan, note
    if target.baseline is not None and target.target != target.baseline:
        return (basis - target.baseline) / (target.target - target.baseline), note
    return (basis / target.target if target.target else np.nan), note


def _change_note(defn: IndicatorDef, value: float, prev: float) -> str:
    if value != value or prev != prev:
        return "无上年同期可比数据"
    if prev == 0:
        return "上年同期为0"
    pct = (value - prev) / abs(prev) * 100
    trend = "持平" if abs(pct) < 0.05 else ("上升" if pct > 0 else "下降")
    good = ""
    if trend != "持平":
        better = (pct < 0) if defn.direction == "down" else (pct > 0)
        good = "，向好" if better else "，需关注"
    lower = "数值越低越好；" if defn.direction == "down" else ""
    return f"{lower}较上年同期{trend}{abs(pct):.1f}%{good}"


def _rows(
    codes, current: _Window, previous: _Window | None, targets: Mapping[str, Target], with_targets: bool = True
) -> list[dict]:
    rows = []
    for code in codes:
        defn = _check_indicator(code)
        in_plan = code in targets
        # District targets do not apply to a single cluster, park or town.
        target = targets.get(code) if with_targets else None
        cur = _value_and_coverage(defn, current)
        prev = _value_and_coverage(defn, previous)["value"] if previous is not None else np.nan
        value = cur["value"]
        progress, progress_note = _progress(defn, target, value, current.spec)
        change = value - prev
        notes = [n for n in (progress_note,) if n]
        if code == "large_enterprises" and not current.spec.is_full_year:
            notes.append("非全年数据，按年化营业收入（× 4 ÷ 季度数）判断")
        rows.append({
            "code": code,
            "zh": defn.zh,
            "unit": defn.unit,
            "period": current.spec.code,
            "period_zh": current.spec.label,
            **cur,
            "target": target.target if target and target.target is not None else np.nan,
            "baseline": target.baseline if target and target.baseline is not None else np.nan,
            "direction": defn.direction,
            "progress": progress,
            "value_prev_year": prev,
            "change": change,
            "change_pct": (change / abs(prev) * 100) if prev == prev and prev != 0 else np.nan,
            "change_note": _change_note(defn, value, prev),
            "in_plan": in_plan,
            "population_zh": defn.population_zh,
            "note": "；".join(notes),
        })
    return rows


TABLE_COLUMNS = (
    "code", "zh", "unit", "period", "period_zh", "value", "n_used", "n_reporting", "n_expected",
    "n_missing", "coverage", "target", "baseline", "direction", "progress", "value_prev_year",
    "change", "change_pct", "change_note", "in_plan", "population_zh", "note",
)


def _frame(rows: list[dict], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=list(columns))


def indicator_table(
    reports: pd.DataFrame,
    expected: pd.DataFrame | None,
    period_spec: PeriodSpec | str,
    codes: Iterable[str] | None = None,
    params: Params = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """One row per indicator for the window: value, target, progress, change, coverage.

    ``progress`` is a fraction (1.0 = target reached): (value - baseline) / (target - baseline)
    when the plan gives a baseline, else value / target; flow totals of a partial year are
    annualised first (said in ``note``). Indicators where lower is better have no progress and
    ``change_note`` describes the movement against the same window last year.
    """
    codes = list(INDICATORS) if codes is None else list(codes)
    spec = as_period_spec(period_spec)
    current = _window(reports, expected, spec, params)
    previous = _window(reports, expected, spec.previous_year(), params)
    return _frame(_rows(codes, current, previous, load_targets()), TABLE_COLUMNS)


BREAKDOWN_KEYS = ("cluster", "sub_direction", "park", "town", "size_class")


def _group_labels(by: str) -> Mapping[str, str]:
    return {"cluster": CLUSTER_LABELS, "park": PARK_LABELS}.get(by, {})


def breakdown(
    reports: pd.DataFrame,
    expected: pd.DataFrame | None,
    period_spec: PeriodSpec | str,
    by: str = "cluster",
    codes: Iterable[str] | None = None,
    params: Params = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """The indicator table per group (long format: one row per group and indicator).

    Groups come from each enterprise's latest profile in the window. District targets do not
    apply to a group, so ``target``, ``baseline`` and ``progress`` are NaN. ``size_class`` is derived
    from the reports (NBS 2017 classes, see ``size_class``); expected enterprises that did not
    report have no class and are grouped as "未知".
    """
    if by not in BREAKDOWN_KEYS:
        raise ValueError(f"breakdown by must be one of {BREAKDOWN_KEYS}, not {by!r}")
    codes = list(INDICATORS) if codes is None else list(codes)
    spec = as_period_spec(period_spec)
    windows = [_window(reports, expected, s, params) for s in (spec, spec.previous_year())]
    if by == "size_class":
        windows = [_with_size_class(w) for w in windows]
    current, previous = windows
    groups = pd.concat([current.data[by]] + ([current.expected[by]] if current.expected is not None else []))
    labels = _group_labels(by)
    targets = load_targets()
    rows = []
    for group in sorted(groups.dropna().unique(), key=str):
        cur_g, prev_g = (_restrict(w, by, group) for w in (current, previous))
        for row in _rows(codes, cur_g, prev_g, targets, with_targets=False):
            rows.append({"group_by": by, "group": group, "group_zh": labels.get(group, str(group)), **row})
    return _frame(rows, ("group_by", "group", "group_zh") + TABLE_COLUMNS)


def _with_size_class(w: _Window) -> _Window:
    if w.expected is None:
        return w
    exp = w.expected.copy()
    exp["size_class"] = w.data["size_class"].reindex(exp.index).fillna("未知")
    data = w.data.copy()
    data["size_class"] = data["size_class"].fillna("未知")
    return _Window(w.spec, data, exp)


def _restrict(w: _Window, by: str, group) -> _Window:
    exp = None if w.expected is None else w.expected.loc[_col(w.expected, by) == group]
    return _Window(w.spec, w.data.loc[_col(w.data, by) == group], exp)


def trend(
    reports: pd.DataFrame,
    expected: pd.DataFrame | None,
    indicator_code: str,
    params: Params = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """The indicator quarter by quarter over every quarter present in ``reports``."""
    _check_indicator(indicator_code)
    periods = reports[["year", "quarter"]].drop_duplicates().sort_values(["year", "quarter"])
    targets = load_targets()
    rows = []
    for year, quarter in periods.itertuples(index=False, name=None):
        w = _window(reports, expected, PeriodSpec.of_quarter(year, quarter), params)
        row = _rows([indicator_code], w, None, targets)[0]
        rows.append({"year": int(year), "quarter": int(quarter), **row})
    cols = ("year", "quarter", "period", "code", "zh", "unit", "value", "n_used", "n_expected", "n_missing", "coverage")
    return _frame(rows, cols)


def ranking(
    reports: pd.DataFrame,
    period_spec: PeriodSpec | str,
    indicator_code: str,
    params: Params = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Per-enterprise values of one indicator in its population, best first (commission view).

    Enterprises without the inputs are left out. ``rank`` 1 is the best (highest, or lowest for
    indicators where lower is better); ties share the better rank.
    """
    defn = _check_indicator(indicator_code)
    spec = as_period_spec(period_spec)
    d = derive(select_period(reports, spec), spec, params)
    d = d.loc[defn.population(d)]
    values = enterprise_values(d, defn).dropna()
    ascending = defn.direction == "down"
    out = pd.DataFrame({"enterprise_id": values.index, "value": values.to_numpy()})
    for col in ("cluster", "park", "town", "size_class"):
        out[col] = _col(d, col).reindex(values.index).to_numpy()
    out["rank"] = out["value"].rank(method="min", ascending=ascending).astype(int)
    out = out.sort_values(["rank", "enterprise_id"], kind="stable").reset_index(drop=True)
    out.insert(0, "code", indicator_code)
    out["unit"] = defn.unit
    return out


def enterprise_position(
    reports: pd.DataFrame,
    enterprise_id,
    period_spec: PeriodSpec | str,
    codes: Iterable[str] | None = None,
    min_peers: int = 5,
    params: Params = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """The enterprise's own values and where it stands in its cluster; no other identities.

    ``percentile`` is the share (0-100) of cluster peers with values (the enterprise included)
    that it matches or beats: value >= theirs, or <= for lower-is-better indicators.
    ``peer_median`` and ``percentile`` are withheld (NaN) when fewer than ``min_peers``
    enterprises have a value, so a small cluster cannot reveal a neighbour's figure.
    """
    spec = as_period_spec(period_spec)
    d = derive(select_period(reports, spec), spec, params)
    columns = ("code", "zh", "unit", "period", "value", "cluster", "n_peers", "percentile", "peer_median", "direction")
    if enterprise_id not in d.index:
        return _frame([], columns)
    cluster = d.at[enterprise_id, "cluster"]
    peers = d.loc[_col(d, "cluster") == cluster]
    if codes is None:
        codes = [c for c, defn in INDICATORS.items() if defn.enterprise_level]
    rows = []
    for code in codes:
        defn = _check_indicator(code)
        pool = peers.loc[defn.population(peers)]
        values = enterprise_values(pool, defn).dropna()
        own = values.get(enterprise_id, np.nan)
        n = len(values)
        percentile = median = np.nan
        if own == own and n >= min_peers:
            beaten = values >= own if defn.direction == "down" else values <= own
            percentile = float(beaten.mean() * 100)
            median = float(values.median())
        rows.append({
            "code": code, "zh": defn.zh, "unit": defn.unit, "period": spec.code, "value": own,
            "cluster": cluster, "n_peers": n, "percentile": percentile, "peer_median": median,
            "direction": defn.direction,
        })
    return _frame(rows, columns)
