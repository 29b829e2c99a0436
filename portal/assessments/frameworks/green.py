"""绿色工厂评价: GB/T 36132-2018 (until 2025-12-30) and GB/T 36132-2025 (from 2025-12-31).

Rule encoded (criteria-reference.md §2; numbers in ``criteria/green2018.yaml`` and
``criteria/green2025.yaml``):

- 基本要求 are unscored vetoes (一票否决): no major accident or serious violation in three years
  and a discharge permit (2018); the 2025 set adds the 四体系 certifications ISO 9001 / 14001 /
  45001 / 50001 (S2, provisional). Any failed veto fails the assessment whatever the points.
- Points: 2018 has six categories (基础设施 20, 管理体系 15, 能源与资源投入 15, 产品 10, 环境排放
  10, 绩效 30; R, provisional); 2025 has the "新五化" first-level indicators, whose energy, carbon
  and resource indicators carry 60% of the weight (S). 2018 quantitative indicators are banded
  (a value on an edge takes the higher band); 2025 indicators score linearly from the 基准值
  (0 points) to the 引领值 (full points), clamped at both ends (linear rule R, provisional).
- Items the quarterly report cannot carry (building design, emission compliance, per-product
  pollutant figures...) are judged on site: here they are "not available" and score 0. 2018 per-
  product energy and carbon are computed and shown, but need an industry 先进值 the portal does
  not hold, so they are not scored either.
- Pass: every veto met and a total of at least 80 (R, provisional). When the points still
  missing (on-site or unreported items) could lift the total over 80 the result is "cannot be
  judged" (passed None) rather than failed.

The certificate flags, system levels, renewable share, 容积率, 建筑密度, hazardous waste per 万元
and per-unit energy / CO2 are formulas of :mod:`derived` (``derived.site_indicators``); this
module adds only the ratio of 容积率 to the cluster's control minimum, a number of its criteria.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import derived, energy, engine
from ..derived import SQM_PER_MU, _ratio  # the one ratio rule of the engine: a * scale / b, None-safe
from ..engine import POINTS_DECIMALS
from ..loader import Criteria, ItemSpec
from ..recommend import Candidate, build, fmt, number, round_up
from ..types import CriteriaError, Recommendation, Result

FAMILY = "green"

ONSITE_NOTE = "现场评价项：季度报表不含该项数据，需在现场评价或自评价报告中评分，本门户暂按 0 分计"
TOLERANCE = 1e-9


def for_cluster(value: float | Mapping, cluster: object) -> float:
    """A number, or the entry of a map cluster -> number (NaN for an unknown or missing cluster)."""
    if isinstance(value, Mapping):
        return float(value[cluster]) if cluster in value else math.nan
    return float(value)


def by_cluster(value: float | Mapping, clusters: np.ndarray) -> np.ndarray:
    """Per-row :func:`for_cluster` as a float array."""
    if isinstance(value, Mapping):
        return np.array([for_cluster(value, c) for c in clusters], dtype=float)
    return np.full(len(clusters), float(value))


def indicators(criteria: Criteria, cols: engine.Columns) -> dict[str, np.ndarray]:
    """The site indicators of :mod:`derived`, recomputed from the report fields of ``cols``, and
    the 容积率 attainment against this criteria set's cluster minimum."""
    out = derived.site_indicators(cols.num, cols.obj)
    if "plot_ratio_min" in criteria.params:
        minimum = by_cluster(criteria.param("plot_ratio_min"), cols.obj("cluster"))
        out["plot_ratio_attainment"] = _ratio(out["plot_ratio"], minimum, 1.0)
    return out


def linear_points(value: np.ndarray, baseline: np.ndarray, leading: np.ndarray, max_points: float) -> np.ndarray:
    """Linear between baseline (0) and leading value (max), clamped; works for either direction.

    For "lower is better" the leading value is below the baseline and the same formula holds.
    NaN where the value or a bound is missing. Points are rounded to ``POINTS_DECIMALS``.
    """
    span = leading - baseline
    frac = np.full(value.shape, np.nan)
    np.divide(value - baseline, span, out=frac, where=(span != 0) & ~np.isnan(value))
    return np.round(np.clip(frac, 0.0, 1.0) * max_points, POINTS_DECIMALS)


def check(criteria: Criteria) -> None:
    """The category weights and the 2025 60% rule must agree with the items' maxima."""
    sums: dict[str, float] = {}
    for it in criteria.items:
        sums[it.dimension or ""] = sums.get(it.dimension or "", 0.0) + it.max_points
    weights = {str(k): float(v) for k, v in criteria.param("category_weights").items()}
    if weights != sums:
        raise CriteriaError(f"{criteria.path}: params.category_weights {weights} do not match the items' maxima "
                            f"per dimension {sums}")
    if "quantitative_share" in criteria.params:
        codes = set(criteria.param("quantitative"))
        quant = sum(it.max_points for it in criteria.items if it.code in codes)
        target = float(criteria.param("quantitative_share")) * criteria.max_total
        if abs(quant - target) > TOLERANCE:
            raise CriteriaError(f"{criteria.path}: quantitative items carry {quant:g} points, "
                                f"the standard requires {target:g}")


def _onsite(spec: ItemSpec, n: int) -> engine.ItemEval:
    return engine.custom_item(spec, np.full(n, None, dtype=object), np.zeros(n), np.zeros(n, dtype=bool),
                              note=np.full(n, ONSITE_NOTE, dtype=object))


def _benchmark(spec: ItemSpec, cols: engine.Columns) -> engine.ItemEval:
    v = cols.num(spec.indicator)
    notes = engine.PerRow(lambda i: f"已计算：{v[i]:.4g} {spec.unit}；需对照行业先进值评分，本门户未收录该基准，暂按 0 分计"
                          if not np.isnan(v[i]) else "缺少数据（主要产品产量或能源数据），且需对照行业先进值评分")
    return engine.custom_item(spec, v, np.zeros(cols.n), np.zeros(cols.n, dtype=bool), note=notes)


def _linear(spec: ItemSpec, rule: Mapping, cols: engine.Columns) -> engine.ItemEval:
    """One linear item on every row (the criteria sets are scored with :class:`LinearItems`,
    which gives the same)."""
    clusters = cols.obj("cluster")
    v = cols.num(spec.indicator)
    base, lead = by_cluster(rule["baseline"], clusters), by_cluster(rule["leading"], clusters)
    pts = linear_points(v, base, lead, spec.max_points)
    avail = ~np.isnan(pts)
    labels = {c: _linear_label(spec, rule, c) for c in set(clusters)}     # one label per cluster, not per row
    band = np.array([labels[c] for c in clusters], dtype=object)
    return engine.custom_item(spec, v, np.where(avail, pts, 0.0), avail, band=band)


def _linear_label(spec: ItemSpec, rule: Mapping, cluster: object) -> str | None:
    b, lead = for_cluster(rule["baseline"], cluster), for_cluster(rule["leading"], cluster)
    unit = spec.unit or ""
    return None if math.isnan(b) or math.isnan(lead) else f"基准值 {b:g}{unit}，引领值 {lead:g}{unit}"


class LinearItems:
    """The linear items of a criteria set scored together: values, 基准值 and 引领值 stacked one
    row per item, :func:`linear_points` once on the stack (the same arithmetic, element by
    element, as :func:`_linear` per item)."""

    def __init__(self, specs: Sequence[ItemSpec], rules: Sequence[Mapping]):
        self.specs, self.rules = tuple(specs), tuple(rules)
        self.max_points = np.array([s.max_points for s in self.specs], dtype=float)[:, None]
        self._by_cluster: dict[object, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _bounds(self, cluster: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(baselines, leading values, band labels) of every item for one cluster."""
        found = self._by_cluster.get(cluster)
        if found is None:
            base = np.array([for_cluster(r["baseline"], cluster) for r in self.rules], dtype=float)
            lead = np.array([for_cluster(r["leading"], cluster) for r in self.rules], dtype=float)
            labels = np.array([_linear_label(s, r, cluster) for s, r in zip(self.specs, self.rules, strict=True)]
                              + [None], dtype=object)[:-1]
            found = self._by_cluster[cluster] = (base, lead, labels)
        return found

    def evaluate(self, cols: engine.Columns) -> dict[str, engine.ItemEval]:
        n, k = cols.n, len(self.specs)
        clusters = cols.obj("cluster")
        values = [cols.num(s.indicator) for s in self.specs]
        v = np.array(values, dtype=float).reshape(k, n)
        base, lead = np.empty((k, n)), np.empty((k, n))
        band = np.empty((k, n), dtype=object)
        for j, c in enumerate(clusters):
            base[:, j], lead[:, j], band[:, j] = self._bounds(c)
        pts = linear_points(v, base, lead, self.max_points)
        avail = ~np.isnan(pts)
        pts = np.where(avail, pts, 0.0)
        return {s.code: engine.custom_item(s, values[r], pts[r], avail[r], band=band[r])
                for r, s in enumerate(self.specs)}


_LINEAR: dict[int, tuple[Criteria, LinearItems]] = {}
_CHECKED: dict[int, Criteria] = {}


def linear_items(criteria: Criteria) -> LinearItems:
    """The stacked linear items of ``criteria`` (made once per criteria set)."""
    hit = _LINEAR.get(id(criteria))
    if hit is not None and hit[0] is criteria:
        return hit[1]
    onsite = set(onsite_codes(criteria))
    bench = set(criteria.param("benchmark_items")) if "benchmark_items" in criteria.params else set()
    linear: Mapping = criteria.param("linear") if "linear" in criteria.params else {}
    specs = [s for s in criteria.items if s.custom and s.code not in onsite and s.code not in bench
             and s.code in linear]
    found = LinearItems(specs, [linear[s.code] for s in specs])
    if len(_LINEAR) > 64:
        _LINEAR.clear()
    _LINEAR[id(criteria)] = (criteria, found)
    return found


def custom_items(criteria: Criteria, cols: engine.Columns) -> dict[str, engine.ItemEval]:
    onsite = set(onsite_codes(criteria))
    bench = set(criteria.param("benchmark_items")) if "benchmark_items" in criteria.params else set()
    linear: Mapping = criteria.param("linear") if "linear" in criteria.params else {}
    stacked = linear_items(criteria).evaluate(cols)
    out: dict[str, engine.ItemEval] = {}
    for spec in criteria.items:
        if not spec.custom:
            continue
        if spec.code in onsite:
            out[spec.code] = _onsite(spec, cols.n)
        elif spec.code in bench:
            out[spec.code] = _benchmark(spec, cols)
        elif spec.code in linear:
            out[spec.code] = stacked[spec.code]
        else:
            raise CriteriaError(f"{criteria.path}: custom item {spec.code} is neither on-site, benchmark nor linear")
    return out


def evaluate(criteria: Criteria, cols: engine.Columns, options: dict) -> engine.Evaluation:
    """Vetoes, item points and the pass rule on ``cols.n`` enterprises (see the module docstring)."""
    if _CHECKED.get(id(criteria)) is not criteria:      # once per criteria set
        check(criteria)
        if len(_CHECKED) > 64:
            _CHECKED.clear()
        _CHECKED[id(criteria)] = criteria
    view = cols.with_overrides(indicators(criteria, cols))
    onsite = set(onsite_codes(criteria))
    onsite_max = sum(it.max_points for it in criteria.items if it.code in onsite)
    extra = {"onsite_points_max": np.full(cols.n, onsite_max)}
    return engine.evaluate_generic(criteria, view, custom_items(criteria, view), extra=extra)


def onsite_codes(criteria: Criteria) -> Sequence[str]:
    """Codes of the items judged on site (never scored from report data)."""
    return tuple(criteria.param("onsite_items")) if "onsite_items" in criteria.params else ()


# --------------------------------------------------------------------------- recommendations
# The generic levers of recommend/levers.py move the 专精特新 indicators; the items of this framework
# rest on certificates, systems and linear 基准值/引领值 items, so it proposes its own candidate
# changes; the recommend package re-scores them with this framework's rule, merges and ranks them.


def _share_target(part: float, rest: float, t: float) -> float:
    """Smallest part' with part' / (part' + rest) >= t% when ``rest`` stays fixed."""
    return t * rest / (100.0 - t)


def _lever(ind: Mapping, indicator: str, t: float, criteria: Criteria, options: Mapping) -> tuple[str, dict, str, float] | None:
    """(text, changed fields, unit, effort) moving ``indicator`` to ``t``; None when no figure can do it."""
    g = lambda k: number(ind, k)  # noqa: E731 (short local accessor)
    cur = None
    if indicator == "water_reuse_rate_pct":
        r, w = g("water_recycled_m3"), g("water_withdrawal_m3")
        if r is None or w is None or t >= 100:
            return None
        d = round_up(_share_target(r, w, t) - r, 1.0)
        cur = r * 100 / (r + w) if r + w > 0 else 0.0
        return (f"年重复利用水量再增加 {fmt(d)} 立方米", {"water_recycled_m3": r + d}, "%", (t - cur) / 10) if d > 0 else None
    if indicator == "solid_waste_utilisation_pct":
        u, gen = g("solid_waste_utilised_t"), g("solid_waste_generated_t")
        prior = g("solid_waste_prior_stock_used_t") or 0.0
        if u is None or gen is None or gen + prior <= 0:
            return None
        d = round_up(t * (gen + prior) / 100 - u, 0.1)
        cur = u * 100 / (gen + prior)
        return (f"一般工业固体废物综合利用量再增加 {fmt(d)} 吨/年", {"solid_waste_utilised_t": u + d}, "%",
                (t - cur) / 10) if d > 0 and u + d <= gen + prior else None
    if indicator == "wastewater_reuse_pct":
        r, treated = g("wastewater_reused_m3"), g("wastewater_treated_m3")
        if r is None or treated is None or treated <= 0:
            return None
        d = round_up(t * treated / 100 - r, 1.0)
        cur = r * 100 / treated
        return (f"处理后回用水量再增加 {fmt(d)} 立方米/年", {"wastewater_reused_m3": r + d}, "%",
                (t - cur) / 10) if d > 0 and r + d <= treated else None
    if indicator == "renewable_electricity_share_pct":
        e, s = g("electricity_kwh"), g("renewable_self_kwh") or 0.0
        if e is None or e + s <= 0:
            return None
        d = round_up(t * (e + s) / 100 - s, 1.0)
        cur = s * 100 / (e + s)
        return (f"新增自发自用光伏等可再生电力 {fmt(d)} kWh/年（替代等量外购电）",
                {"renewable_self_kwh": s + d, "electricity_kwh": e - d}, "%", (t - cur) / 5) if 0 < d <= e else None
    if indicator == "green_material_pct":
        cur = g("green_material_pct")
        if cur is None or t <= cur:
            return None
        return ("提高绿色物料（无害、可再生、再生原料）在同类物料中的采购比例", {"green_material_pct": t}, "%",
                (t - cur) / 10)
    if indicator == "output_per_mu":
        out, land = g("gross_output_value"), g("land_area_mu")
        if out is None or land is None or land <= 0:
            return None
        d = round_up(t * land - out, 0.1)
        return (f"年工业总产值再增加 {fmt(d)} 万元（用地 {fmt(land)} 亩不变）", {"gross_output_value": out + d}, "万元/亩",
                100 * d / max(g("revenue") or out, 1.0)) if d > 0 else None
    land = g("land_area_mu")
    land_m2 = land * SQM_PER_MU if land else None
    if indicator == "building_density_pct":
        f = g("footprint_area_m2")
        if f is None or not land_m2:
            return None
        d = round_up(t * land_m2 / 100 - f, 1.0)
        return (f"建（构）筑物及露天堆场占地面积再增加 {fmt(d)} 平方米", {"footprint_area_m2": f + d}, "%",
                100 * d / land_m2 / 2) if d > 0 else None
    if indicator in ("plot_ratio", "plot_ratio_attainment"):
        f = g("floor_area_m2")
        if f is None or not land_m2:
            return None
        ratio = t
        if indicator == "plot_ratio_attainment":
            minimum = criteria.param("plot_ratio_min").get(ind.get("cluster"))
            if minimum is None:
                return None
            ratio = t * float(minimum)
        d = round_up(ratio * land_m2 - f, 1.0)
        return (f"总建筑面积再增加 {fmt(d)} 平方米（容积率达到 {fmt(ratio)}）", {"floor_area_m2": f + d}, "",
                100 * d / land_m2 / 2) if d > 0 else None
    if indicator in ("energy_per_10k_va", "co2_per_10k_va"):
        va, kwh = g("value_added"), g("electricity_kwh")
        amount = g("energy_tce" if indicator == "energy_per_10k_va" else "co2_t")
        if va is None or kwh is None or amount is None or va <= 0:
            return None
        excess = amount - t * va
        if excess <= 0:
            return None
        if indicator == "energy_per_10k_va":
            per_kwh = energy.tce_coefficients(options.get("energy_basis", "calorific"))["electricity_kwh"]
            d = round_up(excess / per_kwh, 1.0)
            text = f"年节约外购电 {fmt(d)} kWh（综合能耗降低 {fmt(round(excess, 2))} 吨标准煤）"
            fields = {"electricity_kwh": kwh - d}
        else:
            per_kwh = energy.co2_factors(options.get("grid_factor"))["electricity_kwh"]
            d = round_up(excess / per_kwh, 1.0)
            text = f"以自发自用可再生电力替代外购电 {fmt(d)} kWh/年（二氧化碳减少 {fmt(round(excess, 2))} 吨）"
            fields = {"electricity_kwh": kwh - d, "renewable_self_kwh": (g("renewable_self_kwh") or 0.0) + d}
        return (text, fields, "tce/万元" if indicator == "energy_per_10k_va" else "tCO2/万元",
                100 * d / kwh / 2) if d <= kwh else None
    if indicator == "hazardous_waste_t_per_10k_output":
        h, out = g("hazardous_waste_t"), g("gross_output_value")
        if h is None or out is None or out <= 0:
            return None
        d = round_up(h - t * out, 0.01)
        return (f"危险废物产生量减少 {fmt(d)} 吨/年", {"hazardous_waste_t": max(h - d, 0.0)}, "t/万元",
                100 * d / h / 5) if d > 0 else None
    return None


CERT_ACTIONS = {"iso9001": "取得 ISO 9001 质量管理体系认证", "iso14001": "取得 ISO 14001 环境管理体系认证",
                "iso45001": "取得 ISO 45001 职业健康安全管理体系认证", "iso50001": "取得 ISO 50001 能源管理体系认证",
                "discharge_permit": "依法申领排污许可证", "cleaner_production_audit": "完成清洁生产审核",
                "green_product": "至少 1 项产品取得绿色设计产品认定", "carbon_footprint": "完成主要产品碳足迹核算"}
LEVEL_TEXT = {"partial": "部分覆盖", "full": "全面覆盖并与其他系统集成"}


def candidates(criteria: Criteria, ind: Mapping, result: Result, options: Mapping) -> list[Candidate]:
    """Certificates, the energy-management system and band / linear items moved by their figures."""
    out: list[Candidate] = []
    certs = list(ind.get("certifications") or [])
    linear: Mapping = criteria.param("linear") if "linear" in criteria.params else {}
    for it, spec in zip(result.items, criteria.items, strict=True):
        if it.points >= it.max_points:
            continue
        if spec.indicator and spec.indicator.startswith("has_") and ind.get("certifications") is not None:
            cert = spec.indicator[4:]
            out.append(Candidate(spec.code, CERT_ACTIONS[cert], {"certifications": [*certs, cert]},
                                 "true", "false", None, 3.0))
        elif spec.indicator == "ems_level" and ind.get("systems") is not None:
            nxt = "partial" if it.value in (None, "none") else "full"
            systems = {**ind["systems"], "ems": nxt}
            out.append(Candidate(spec.code, f"能源管理系统（在线监测）提升为{LEVEL_TEXT[nxt]}", {"systems": systems},
                                 nxt, it.value, None, 5.0))
        elif spec.table is not None and it.available:
            nxt_band = spec.table.next_better(spec.table.index(it.value))
            if nxt_band is not None:
                out.extend(_indicator_candidate(criteria, ind, spec, nxt_band[1], it.value, options))
        elif spec.code in linear and it.available:
            lead = for_cluster(linear[spec.code]["leading"], ind.get("cluster"))
            if not math.isnan(lead):
                out.extend(_indicator_candidate(criteria, ind, spec, lead, it.value, options, "引领值"))
    for g, gspec in zip(result.gates, criteria.gates, strict=True):
        if g.passed is False and gspec.conditions and gspec.conditions[0].indicator.startswith("has_"):
            cert = gspec.conditions[0].indicator[4:]
            if ind.get("certifications") is not None and cert not in certs:
                out.append(Candidate(gspec.code, f"{CERT_ACTIONS[cert]}（基本要求）",
                                     {"certifications": [*certs, cert]}, "true", "false", None, 3.0))
    return out


def _indicator_candidate(criteria: Criteria, ind: Mapping, spec: ItemSpec, target: float, current: Any,
                         options: Mapping, target_name: str = "") -> list[Candidate]:
    moved = _lever(ind, spec.indicator, float(target), criteria, options)
    if moved is None:
        return []
    text, fields, unit, effort = moved
    what = f"{spec.name}达到{target_name}{fmt(float(target))}{spec.unit or ''}"
    return [Candidate(spec.code, f"{text}，{what}", fields, round(float(target), 4),
                      current if not isinstance(current, float) else round(current, 4), spec.unit, max(effort, 0.1))]


def recommendations(criteria: Criteria, indicators: Mapping[str, Any], result: Result,
                    options: Mapping | None = None) -> tuple[Recommendation, ...]:
    """Concrete changes, with their numbers, that earn points or clear a basic requirement."""
    opts = dict(options or {})
    return build(criteria, indicators, result, candidates(criteria, indicators, result, opts), opts)
