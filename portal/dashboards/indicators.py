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
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from .coefficients import (  # noqa: F401 - re-exported: the public names of the indicators
    CLUSTER_LABELS,
    DEFAULT_PARAMS,
    ENERGY_OPTIONAL,
    ENERGY_REQUIRED,
    FLOW_FIELDS,
    KGCE_PER_UNIT,
    LARGE_ENTERPRISE_REVENUE,
    PARK_LABELS,
    PROFILE_COLUMNS,
    SYSTEM_KEYS,
    SYSTEM_LABELS,
    TCO2_PER_UNIT,
    WINDOW_COLUMN,
    Params,
)
from .derive import (  # noqa: F401 - re-exported
    _col,
    _num_col,
    bool_to_float,
    co2_t,
    derive,
    energy_tce,
    size_class,
)
from .periods import (  # noqa: F401 - re-exported
    PeriodSpec,
    as_period_spec,
    expected_for,
    select_period,
)
from .targets import Target, load_targets

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


def note_facts(code: str, spec: PeriodSpec, value: float) -> tuple[tuple[str, float], ...]:
    """The row's notes as facts: ``("annualised", annual value)`` when a part-year flow total's
    progress is computed on its annualised value, ``("annualised_revenue", nan)`` when the large-
    enterprise test uses annualised revenue. The Chinese notes (``_rows``) and the web layer's
    other languages are worded from these."""
    defn = _check_indicator(code)
    facts: list[tuple[str, float]] = []
    if defn.flow and not spec.is_full_year and value == value:
        facts.append(("annualised", value * spec.annualisation_factor))
    if code == "large_enterprises" and not spec.is_full_year:
        facts.append(("annualised_revenue", np.nan))
    return tuple(facts)


_NOTES_ZH = {
    "annualised": "非全年数据，按年化值 {:.2f} 计算进度",
    "annualised_revenue": "非全年数据，按年化营业收入（× 4 ÷ 季度数）判断",
}


def _progress(defn: IndicatorDef, target: Target | None, value: float, spec: PeriodSpec) -> float:
    basis = value
    if defn.flow and not spec.is_full_year and value == value:
        basis = value * spec.annualisation_factor
    if target is None or target.target is None or value != value:
        return np.nan
    if defn.direction == "down":
        return np.nan
    if target.baseline is not None and target.target != target.baseline:
        return (basis - target.baseline) / (target.target - target.baseline)
    return basis / target.target if target.target else np.nan


def change_facts(direction: str, value: float, prev: float) -> tuple[str, float, bool | None]:
    """The movement against the same window last year: (``"none"`` without a comparable figure,
    ``"zero"`` when last year's is 0, else ``"up"``/``"down"``/``"flat"``; the change in %;
    whether it is an improvement, None when flat or not comparable). The notes in Chinese
    (``_change_note``) and in the web layer's other languages are worded from these."""
    if value != value or prev != prev:
        return "none", np.nan, None
    if prev == 0:
        return "zero", np.nan, None
    pct = (value - prev) / abs(prev) * 100
    if abs(pct) < 0.05:
        return "flat", pct, None
    trend = "up" if pct > 0 else "down"
    return trend, pct, (pct < 0) if direction == "down" else (pct > 0)


def _change_note(defn: IndicatorDef, value: float, prev: float) -> str:
    state, pct, better = change_facts(defn.direction, value, prev)
    if state == "none":
        return "无上年同期可比数据"
    if state == "zero":
        return "上年同期为0"
    trend = {"flat": "持平", "up": "上升", "down": "下降"}[state]
    good = "" if better is None else ("，向好" if better else "，需关注")
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
        progress = _progress(defn, target, value, current.spec)
        change = value - prev
        notes = [_NOTES_ZH[kind].format(number) for kind, number in note_facts(code, current.spec, value)]
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
