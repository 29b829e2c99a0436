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

Indicators this module adds to the derived ones (same formulas on one or many enterprises):
certification flags ``has_<cert>``, ``ems_level``, renewable electricity share (self-generated
renewable ÷ (purchased + self-generated) electricity), 容积率 (floor area ÷ land area, 1 亩 =
10000/15 m²) and its ratio to the cluster's control minimum, 建筑密度 (footprint ÷ land area),
hazardous waste per 万元 output, and energy / CO2 per unit of qualified main product.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .. import engine
from ..loader import Criteria, ItemSpec
from ..types import CriteriaError

FAMILY = "green"

SQM_PER_MU = 10000.0 / 15.0
CERTS = ("iso9001", "iso14001", "iso45001", "iso50001", "discharge_permit", "cleaner_production_audit",
         "green_product", "carbon_footprint")
ONSITE_NOTE = "现场评价项：季度报表不含该项数据，需在现场评价或自评价报告中评分，本门户暂按 0 分计"
TOLERANCE = 1e-9


def _ratio(a: np.ndarray, b: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """a * scale / b; NaN where either is missing or b <= 0."""
    ok = (b > 0) & ~np.isnan(a)
    out = np.full(a.shape, np.nan)
    np.divide(a * scale, b, out=out, where=ok)
    return out


def _has(values: np.ndarray, member: str) -> np.ndarray:
    """Object array: True/False whether ``member`` is in each row's list, None where the list is missing."""
    return np.array([None if v is None else member in (v if isinstance(v, (list, tuple, set, frozenset))
                                                       else list(v)) for v in values], dtype=object)


def system_level(systems: np.ndarray, key: str) -> np.ndarray:
    """Object array of ``systems[key]`` (none / partial / full); None when the map is missing.

    A map reported without the key means the system is not used ("none").
    """
    return np.array([None if s is None else str(s.get(key) or "none") for s in systems], dtype=object)


def by_cluster(value: float | Mapping, clusters: np.ndarray) -> np.ndarray:
    """A per-row float array from a number or a map cluster -> number (NaN for an unknown cluster)."""
    if isinstance(value, Mapping):
        return np.array([float(value[c]) if c in value else np.nan for c in clusters], dtype=float)
    return np.full(len(clusters), float(value))


def indicators(criteria: Criteria, cols: engine.Columns) -> dict[str, np.ndarray]:
    """The green-factory indicators :mod:`derived` does not provide, computed from report fields."""
    out: dict[str, np.ndarray] = {}
    certs = cols.obj("certifications")
    for cert in CERTS:
        out[f"has_{cert}"] = _has(certs, cert)
    out["ems_level"] = system_level(cols.obj("systems"), "ems")
    elec, renew = cols.num("electricity_kwh"), cols.num("renewable_self_kwh")
    out["renewable_electricity_share_pct"] = _ratio(renew, elec + renew)
    land_m2 = cols.num("land_area_mu") * SQM_PER_MU
    out["plot_ratio"] = _ratio(cols.num("floor_area_m2"), land_m2, 1.0)
    out["building_density_pct"] = _ratio(cols.num("footprint_area_m2"), land_m2)
    if "plot_ratio_min" in criteria.params:
        minimum = by_cluster(criteria.param("plot_ratio_min"), cols.obj("cluster"))
        out["plot_ratio_attainment"] = _ratio(out["plot_ratio"], minimum, 1.0)
    out["hazardous_waste_t_per_10k_output"] = _ratio(cols.num("hazardous_waste_t"), cols.num("gross_output_value"), 1.0)
    qty = cols.num("main_product_output_qty")
    out["energy_per_unit_kgce"] = _ratio(cols.num("energy_tce"), qty, 1000.0)
    out["co2_per_unit_kg"] = _ratio(cols.num("co2_t"), qty, 1000.0)
    return out


def linear_points(value: np.ndarray, baseline: np.ndarray, leading: np.ndarray, max_points: float) -> np.ndarray:
    """Linear between baseline (0) and leading value (max), clamped; works for either direction.

    For "lower is better" the leading value is below the baseline and the same formula holds.
    NaN where the value or a bound is missing.
    """
    span = leading - baseline
    frac = np.full(value.shape, np.nan)
    np.divide(value - baseline, span, out=frac, where=(span != 0) & ~np.isnan(value))
    return np.round(np.clip(frac, 0.0, 1.0) * max_points, 9)


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
    notes = np.array([f"已计算：{x:.4g} {spec.unit}；需对照行业先进值评分，本门户未收录该基准，暂按 0 分计"
                      if not np.isnan(x) else "缺少数据（主要产品产量或能源数据），且需对照行业先进值评分"
                      for x in v], dtype=object)
    return engine.custom_item(spec, v, np.zeros(cols.n), np.zeros(cols.n, dtype=bool), note=notes)


def _linear(spec: ItemSpec, rule: Mapping, cols: engine.Columns) -> engine.ItemEval:
    clusters = cols.obj("cluster")
    v = cols.num(spec.indicator)
    base, lead = by_cluster(rule["baseline"], clusters), by_cluster(rule["leading"], clusters)
    pts = linear_points(v, base, lead, spec.max_points)
    avail = ~np.isnan(pts)
    unit = spec.unit or ""
    band = np.array([f"基准值 {b:g}{unit}，引领值 {lead_v:g}{unit}" if not np.isnan(b) and not np.isnan(lead_v) else None
                     for b, lead_v in zip(base, lead, strict=True)], dtype=object)
    return engine.custom_item(spec, v, np.where(avail, pts, 0.0), avail, band=band)


def custom_items(criteria: Criteria, cols: engine.Columns) -> dict[str, engine.ItemEval]:
    onsite = set(onsite_codes(criteria))
    bench = set(criteria.param("benchmark_items")) if "benchmark_items" in criteria.params else set()
    linear: Mapping = criteria.param("linear") if "linear" in criteria.params else {}
    out: dict[str, engine.ItemEval] = {}
    for spec in criteria.items:
        if not spec.custom:
            continue
        if spec.code in onsite:
            out[spec.code] = _onsite(spec, cols.n)
        elif spec.code in bench:
            out[spec.code] = _benchmark(spec, cols)
        elif spec.code in linear:
            out[spec.code] = _linear(spec, linear[spec.code], cols)
        else:
            raise CriteriaError(f"{criteria.path}: custom item {spec.code} is neither on-site, benchmark nor linear")
    return out


def evaluate(criteria: Criteria, cols: engine.Columns, options: dict) -> engine.Evaluation:
    """Vetoes, item points and the pass rule on ``cols.n`` enterprises (see the module docstring)."""
    check(criteria)
    view = cols.with_overrides(indicators(criteria, cols))
    onsite = set(onsite_codes(criteria))
    onsite_max = sum(it.max_points for it in criteria.items if it.code in onsite)
    extra = {"onsite_points_max": np.full(cols.n, onsite_max)}
    return engine.evaluate_generic(criteria, view, custom_items(criteria, view), extra=extra)


def onsite_codes(criteria: Criteria) -> Sequence[str]:
    """Codes of the items judged on site (never scored from report data)."""
    return tuple(criteria.param("onsite_items")) if "onsite_items" in criteria.params else ()
