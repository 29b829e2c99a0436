"""Derived indicators: every ratio, growth rate and per-unit figure the frameworks score on.

Rule encoded (one place for all formulas; criteria-reference.md §2c, §3, §4a, §6):
- The assessed year is the calendar year of the latest reported period. Flow fields (kind
  ``flow`` in report-fields.yaml) are summed over that year's quarters; when fewer than four
  quarters carry a value the sum is scaled by 4/n and the result is flagged ``annualised``.
  The two previous years are built the same way (``*_prev1``, ``*_prev2``) when reported.
- Stock fields take the value of the latest period that reports them.
- Percentages are 0-100. A ratio is computed as ``a * 100 / b`` (multiplying first keeps
  3% exact for round inputs); a zero or missing denominator gives None, never zero.
- Two-year average growth is the geometric mean used by MIIT: (sqrt(x_t / x_{t-2}) - 1) x 100.
- Water reuse = recycled / (recycled + withdrawal); solid-waste utilisation = utilised /
  (generated + prior-year stock used); wastewater reuse = reused / treated.
- Energy in tce and CO2 in t come from :mod:`energy` (GB/T 2589-2020, grid factor option).
- Years in the niche = year of ``as_of`` - ``niche_since_year``.
- Green-factory and smart-factory inputs (criteria-reference.md §2c, §5): certificate flags
  ``has_<cert>``; system levels ``<system>_level`` (none / partial / full; a reported map
  without the key means "none"); renewable electricity share = self-generated renewable ÷
  (purchased + self-generated); 容积率 = floor area ÷ land area and 建筑密度 = footprint ÷ land
  area (1 亩 = 10000/15 m²); hazardous waste per 万元 output; energy (kgce) and CO2 (kg) per
  unit of main product; the USCC region = characters 3-4 of an 18-character code.

Missing input gives None ("not available"). The formulas are written once on numpy arrays;
:func:`derive` runs them on one enterprise and :func:`portal.assessments.batch.derive_frame`
on many, so both paths compute the same numbers.
"""
from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from . import energy

PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")

FLOW_FIELDS = (
    "gross_output_value", "revenue", "main_business_revenue", "value_added", "total_profit", "net_profit",
    "taxes_paid", "export_delivery_value", "high_tech_product_output", "new_product_output",
    "fixed_asset_investment", "tech_renovation_investment", "rd_expenditure",
    *energy.ENERGY_FIELDS,
    "water_withdrawal_m3", "water_recycled_m3", "wastewater_treated_m3", "wastewater_reused_m3",
    "solid_waste_generated_t", "solid_waste_prior_stock_used_t", "solid_waste_utilised_t", "hazardous_waste_t",
    "main_product_output_qty",
)
# Flows needed for the two previous years (growth, two-year R&D).
PRIOR_FLOWS = ("revenue", "main_business_revenue", "rd_expenditure", "value_added", "net_profit")

STOCK_FIELDS = (
    "employees", "total_assets", "total_liabilities", "external_equity_2y", "niche_market_share_pct",
    "niche_market_rank_cn", "rd_personnel", "ip_class1_count", "ip_class1_self_developed", "ip_high_value_count",
    "ip_class2_count", "rd_institution_level", "standards_led_count", "provincial_quality_award", "own_brand",
    "science_award_3y", "key_processes_total", "key_processes_nc", "equipment_total", "equipment_digital",
    "equipment_networked", "run_data_upload_pct", "design_tools", "design_tool_coverage_pct", "systems",
    "cloud_level", "industrial_internet", "cybersecurity_level", "sme_digital_grade",
    "recognised_digital_workshops", "cmmm_levels", "baseline_year", "efficiency_gain_pct",
    "operating_cost_reduction_pct", "defect_rate_reduction_pct", "unit_energy_reduction_pct",
    "main_product_unit", "green_material_pct", "certifications", "violations_3y",
)
PROFILE_FIELDS = ("uscc", "name", "industry_code", "cluster", "sub_direction", "park", "town", "founded_on",
                  "niche_since_year", "land_area_mu", "floor_area_m2", "footprint_area_m2", "is_above_scale",
                  "high_tech_cert_until", "product_field")

FOCUS_CLUSTERS = ("equipment", "electronics", "health")
MGMT_CERTS = ("iso9001", "iso14001", "iso45001", "iso50001")
CERTS = ("iso9001", "iso14001", "iso45001", "iso50001", "discharge_permit", "cleaner_production_audit",
         "green_product", "carbon_footprint")
SYSTEMS = ("erp", "mes", "plm", "scm", "crm", "wms", "aps", "qms", "ems", "scada_dcs")
SQM_PER_MU = 10000.0 / 15.0

# name -> (Chinese label, unit); the indicators :func:`compute` adds.
INDICATORS: dict[str, tuple[str, str | None]] = {
    "key_process_nc_rate_pct": ("关键工序数控化率", "%"),
    "digital_equipment_share_pct": ("数字化生产设备占比", "%"),
    "networked_equipment_share_pct": ("设备联网率", "%"),
    "rd_intensity_pct": ("研发投入强度", "%"),
    "rd_intensity_prev1_pct": ("上年研发投入强度", "%"),
    "rd_intensity_min_2y_pct": ("近两年研发投入强度较低值", "%"),
    "rd_2y_total": ("近两年研发费用合计", "万元"),
    "rd_2y_avg": ("近两年研发费用年均", "万元"),
    "rd_staff_share_pct": ("研发人员占比", "%"),
    "main_business_share_pct": ("主营业务收入占营业收入比重", "%"),
    "revenue_growth_pct": ("营业收入增长率", "%"),
    "main_business_growth_pct": ("主营业务收入增长率", "%"),
    "main_business_growth_2y_avg_pct": ("主营业务收入两年平均增长率", "%"),
    "revenue_cagr_2y_pct": ("营业收入两年复合增长率", "%"),
    "debt_ratio_pct": ("资产负债率", "%"),
    "net_margin_pct": ("净利润率", "%"),
    "energy_tce": ("综合能耗", "tce"),
    "co2_t": ("二氧化碳排放量", "tCO2"),
    "energy_per_10k_va": ("单位工业增加值能耗", "tce/万元"),
    "co2_per_10k_va": ("单位工业增加值二氧化碳排放", "tCO2/万元"),
    "water_reuse_rate_pct": ("水重复利用率", "%"),
    "solid_waste_utilisation_pct": ("一般工业固体废物综合利用率", "%"),
    "wastewater_reuse_pct": ("废水处理回用率", "%"),
    "output_per_mu": ("亩均产值", "万元/亩"),
    "tax_per_mu": ("亩均税收", "万元/亩"),
    "revenue_per_mu": ("亩均营业收入", "万元/亩"),
    "labour_productivity": ("全员劳动生产率", "万元/人"),
    "years_in_niche": ("从事细分市场年限", "年"),
    "focus_direction_member": ("属于重点产业集群并填报重点发展方向", None),
    "ip_level": ("知识产权等级", None),
    "quality_count": ("质量管理项数（省级质量奖、ISO 9001、自主品牌、标准制定）", "项"),
    "mgmt_cert_count": ("管理体系认证数", "项"),
    "info_system_count": ("应用的信息系统数", "个"),
    "has_rd_institution": ("建有研发机构", None),
    "high_tech_valid": ("高新技术企业证书有效", None),
    "niche_top3_or_10pct": ("细分市场占有率≥10%或国内前三", None),
    "renewable_electricity_share_pct": ("可再生能源电力占比", "%"),
    "plot_ratio": ("容积率", None),
    "building_density_pct": ("建筑密度", "%"),
    "hazardous_waste_t_per_10k_output": ("单位产值危险废物产生量", "t/万元"),
    "energy_per_unit_kgce": ("单位产品综合能耗", "kgce/单位产品"),
    "co2_per_unit_kg": ("单位产品二氧化碳排放量", "kgCO2/单位产品"),
    "uscc_region": ("统一社会信用代码登记地代码", None),
    **{f"has_{c}": (f"持有{name}", None) for c, name in (
        ("iso9001", "ISO 9001 质量管理体系认证"), ("iso14001", "ISO 14001 环境管理体系认证"),
        ("iso45001", "ISO 45001 职业健康安全管理体系认证"), ("iso50001", "ISO 50001 能源管理体系认证"),
        ("discharge_permit", "排污许可证"), ("cleaner_production_audit", "清洁生产审核"),
        ("green_product", "绿色设计产品认定"), ("carbon_footprint", "产品碳足迹核算"))},
    **{f"{s}_level": (f"{s.upper()} 系统应用水平", None) for s in SYSTEMS},
}


# Chinese names of the raw fields that criteria refer to directly.
FIELD_NAMES: dict[str, tuple[str, str | None]] = {
    "revenue": ("营业收入", "万元"), "main_business_revenue": ("主营业务收入", "万元"),
    "rd_expenditure": ("研发费用", "万元"), "rd_expenditure_prev1": ("上年研发费用", "万元"),
    "external_equity_2y": ("近两年新增股权融资", "万元"), "ip_class1_count": ("Ⅰ类知识产权数", "项"),
    "niche_market_share_pct": ("细分市场占有率", "%"), "niche_market_rank_cn": ("国内细分市场排名", "名"),
    "rd_institution_level": ("研发机构级别", None), "product_field": ("主导产品所属领域", None),
    "sme_digital_grade": ("中小企业数字化水平等级", None), "science_award_3y": ("近三年获省级以上科技奖励", None),
    "own_brand": ("拥有自主品牌", None), "violations_3y": ("近三年重大事故或严重违法行为", None),
    "employees": ("从业人员", "人"), "rd_personnel": ("研发人员", "人"), "net_profit": ("净利润", "万元"),
    "total_liabilities": ("负债合计", "万元"), "total_assets": ("资产总计", "万元"),
}


def parse_period(period: str) -> tuple[int, int]:
    """"2025Q3" -> (2025, 3); ValueError otherwise."""
    m = PERIOD_RE.match(str(period))
    if not m:
        raise ValueError(f"period must look like 2025Q1, got {period!r}")
    return int(m.group(1)), int(m.group(2))


def period_end(period: str) -> date:
    year, q = parse_period(period)
    return date(year, 3 * q, 31 if q in (1, 4) else 30)


_PLAIN_NUMBER = frozenset({float, int, bool, type(None)})


def _num(v: object) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def annualise(reports: Sequence[Mapping]) -> dict[str, object]:
    """Annual base values of one enterprise: flows of the latest year and the two before, latest stocks."""
    ordered = sorted(reports, key=lambda r: parse_period(r["period"]))
    if not ordered:
        return {"year": None, "quarters_in_year": 0, "annualised": False}
    year = parse_period(ordered[-1]["period"])[0]
    base: dict[str, object] = {"year": year}
    for offset, suffix in ((0, ""), (1, "_prev1"), (2, "_prev2")):
        rows = [r for r in ordered if parse_period(r["period"])[0] == year - offset]
        fields = FLOW_FIELDS if offset == 0 else PRIOR_FLOWS
        scaled_any = False
        for f in fields:
            vals = [_num(r.get(f)) for r in rows]
            vals = [v for v in vals if not math.isnan(v)]
            if not vals:
                base[f + suffix] = None
                continue
            total = math.fsum(vals)
            if len(vals) < 4:
                total = total * 4 / len(vals)
                scaled_any = True
            base[f + suffix] = total
        if offset == 0:
            base["quarters_in_year"] = len(rows)
            base["annualised"] = scaled_any or len(rows) < 4
    for f in STOCK_FIELDS:
        base[f] = None
        for r in reversed(ordered):
            if r.get(f) is not None:
                base[f] = r[f]
                break
    return base


_NUMBER_FIELDS = (*FLOW_FIELDS, *(p + s for p in PRIOR_FLOWS for s in ("_prev1", "_prev2")),
                  "employees", "total_assets", "total_liabilities", "external_equity_2y",
                  "niche_market_share_pct", "niche_market_rank_cn", "rd_personnel",
                  "ip_class1_count", "ip_class1_self_developed", "ip_high_value_count",
                  "ip_class2_count", "standards_led_count", "key_processes_total",
                  "key_processes_nc", "equipment_total", "equipment_digital",
                  "equipment_networked", "niche_since_year", "land_area_mu")


def _ratio(a: np.ndarray, b: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """a * scale / b; NaN where either is NaN or b <= 0."""
    ok = (b > 0) & ~np.isnan(a)
    out = np.full(a.shape, np.nan)
    np.divide(a * scale, b, out=out, where=ok)
    return out


_PLAIN_RATIOS = ("key_process_nc_rate_pct", "digital_equipment_share_pct", "networked_equipment_share_pct",
                 "rd_intensity_pct", "rd_intensity_prev1_pct", "rd_staff_share_pct", "main_business_share_pct",
                 "debt_ratio_pct", "net_margin_pct", "water_reuse_rate_pct", "solid_waste_utilisation_pct",
                 "wastewater_reuse_pct", "output_per_mu", "tax_per_mu", "revenue_per_mu", "labour_productivity")


def _ratios(parts: Sequence[tuple[np.ndarray, np.ndarray, float]]) -> list[np.ndarray]:
    """:func:`_ratio` of several (a, b, scale) of the same length in one stacked computation."""
    a = np.array([p[0] for p in parts], dtype=float)
    b = np.array([p[1] for p in parts], dtype=float)
    scale = np.array([p[2] for p in parts], dtype=float)[:, None]
    ok = (b > 0) & ~np.isnan(a)
    out = np.full(a.shape, np.nan)
    np.divide(a * scale, b, out=out, where=ok)
    return list(out)


def _growth(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    ok = (before > 0) & ~np.isnan(now)
    out = np.full(now.shape, np.nan)
    np.divide((now - before) * 100.0, before, out=out, where=ok)
    return out


def _cagr2(now: np.ndarray, before2: np.ndarray) -> np.ndarray:
    ok = (before2 > 0) & (now >= 0)
    q = np.full(now.shape, np.nan)
    np.divide(now, before2, out=q, where=ok)
    return (np.sqrt(q) - 1.0) * 100.0


def _obj(col: object, n: int) -> np.ndarray:
    if col is None:
        return np.full(n, None, dtype=object)
    arr = np.empty(n, dtype=object)
    arr[:] = list(col)
    return np.array([None if (isinstance(v, float) and math.isnan(v)) else v for v in arr], dtype=object)


def _flt(col: object, n: int) -> np.ndarray:
    if col is None:
        return np.full(n, np.nan)
    if not isinstance(col, np.ndarray) and _PLAIN_NUMBER.issuperset(map(type, col)):
        # plain floats / ints / bools / None: numpy converts them exactly as _num does, in one call
        try:
            arr = np.array(col, dtype=float)
        except (TypeError, ValueError, OverflowError):
            arr = None
        if arr is not None and arr.shape == (n,):
            return arr
    return np.array([_num(v) for v in col], dtype=float) if not isinstance(col, np.ndarray) or \
        col.dtype == object else col.astype(float)


def _floats(base: Mapping[str, object], keys: Sequence[str], n: int) -> dict[str, np.ndarray]:
    """``{k: _flt(base.get(k), n)}``: when every column is a list of plain numbers (the usual
    case) all of them in one numpy call, which converts each value as :func:`_flt` does."""
    cols = [base.get(k) for k in keys]
    if not any(isinstance(c, np.ndarray) or c is None or len(c) != n for c in cols) and \
            _PLAIN_NUMBER.issuperset(map(type, itertools.chain.from_iterable(cols))):
        try:
            stacked = np.array(cols, dtype=float)
        except (TypeError, ValueError, OverflowError):
            stacked = None
        if stacked is not None and stacked.shape == (len(keys), n):
            return dict(zip(keys, stacked, strict=True))
    return {k: _flt(c, n) for k, c in zip(keys, cols, strict=True)}


def _count_in(values: np.ndarray, members: Sequence[str]) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v is None:
            continue
        seq = list(v.values()) if isinstance(v, Mapping) else list(v)
        out[i] = float(sum(1 for x in seq if x in members))
    return out


def _date_ord(v: object) -> float:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return math.nan
    if isinstance(v, date):
        return float(v.toordinal())
    try:
        return float(date.fromisoformat(str(v)[:10]).toordinal())
    except ValueError:
        return math.nan


def compute(base: Mapping[str, object], n: int, as_of_year: np.ndarray, as_of_ord: np.ndarray,
            options: Mapping | None = None) -> dict[str, np.ndarray]:
    """Vectorised derivation on ``n`` enterprises: base columns in, base + derived columns out.

    ``base`` maps each annual/stock/profile field to a sequence of length n (missing = None/NaN);
    ``as_of_year``/``as_of_ord`` give each row's reference date (year and ordinal).
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        out = _compute(base, n, as_of_year, as_of_ord, dict(options or {}))
    # an overflow from absurd inputs (e.g. a subnormal denominator) is "not available", not infinity
    floats = [k for k, v in out.items() if v.dtype.kind == "f"]
    if floats:
        stacked = np.array([out[k] for k in floats], dtype=float).reshape(len(floats), n)
        stacked = np.where(np.isinf(stacked), np.nan, stacked)
        for k, row in zip(floats, stacked, strict=True):
            out[k] = row
    return out


def _compute(base: Mapping[str, object], n: int, as_of_year: np.ndarray, as_of_ord: np.ndarray,
             opts: dict) -> dict[str, np.ndarray]:
    f = _floats(base, _NUMBER_FIELDS, n)
    prior_used = np.where(np.isnan(f["solid_waste_prior_stock_used_t"]), 0.0, f["solid_waste_prior_stock_used_t"])
    # the plain ratios of report fields, all in one stacked call (element by element the same)
    ratio = dict(zip(_PLAIN_RATIOS, _ratios([
        (f["key_processes_nc"], f["key_processes_total"], 100.0),
        (f["equipment_digital"], f["equipment_total"], 100.0),
        (f["equipment_networked"], f["equipment_total"], 100.0),
        (f["rd_expenditure"], f["revenue"], 100.0),
        (f["rd_expenditure_prev1"], f["revenue_prev1"], 100.0),
        (f["rd_personnel"], f["employees"], 100.0),
        (f["main_business_revenue"], f["revenue"], 100.0),
        (f["total_liabilities"], f["total_assets"], 100.0),
        (f["net_profit"], f["revenue"], 100.0),
        (f["water_recycled_m3"], f["water_recycled_m3"] + f["water_withdrawal_m3"], 100.0),
        (f["solid_waste_utilised_t"], f["solid_waste_generated_t"] + prior_used, 100.0),
        (f["wastewater_reused_m3"], f["wastewater_treated_m3"], 100.0),
        (f["gross_output_value"], f["land_area_mu"], 1.0),
        (f["taxes_paid"], f["land_area_mu"], 1.0),
        (f["revenue"], f["land_area_mu"], 1.0),
        (f["value_added"], f["employees"], 1.0),
    ]), strict=True))
    out: dict[str, np.ndarray] = {}
    for key in ("key_process_nc_rate_pct", "digital_equipment_share_pct", "networked_equipment_share_pct",
                "rd_intensity_pct", "rd_intensity_prev1_pct"):
        out[key] = ratio[key]
    out["rd_intensity_min_2y_pct"] = np.minimum(out["rd_intensity_pct"], out["rd_intensity_prev1_pct"])
    out["rd_2y_total"] = f["rd_expenditure"] + f["rd_expenditure_prev1"]
    out["rd_2y_avg"] = out["rd_2y_total"] / 2.0
    out["rd_staff_share_pct"] = ratio["rd_staff_share_pct"]
    out["main_business_share_pct"] = ratio["main_business_share_pct"]
    out["revenue_growth_pct"] = _growth(f["revenue"], f["revenue_prev1"])
    out["main_business_growth_pct"] = _growth(f["main_business_revenue"], f["main_business_revenue_prev1"])
    out["main_business_growth_2y_avg_pct"] = _cagr2(f["main_business_revenue"], f["main_business_revenue_prev2"])
    out["revenue_cagr_2y_pct"] = _cagr2(f["revenue"], f["revenue_prev2"])
    out["debt_ratio_pct"] = ratio["debt_ratio_pct"]
    out["net_margin_pct"] = ratio["net_margin_pct"]
    amounts = {k: f[k] for k in energy.ENERGY_FIELDS}
    out["energy_tce"] = energy.energy_tce_array(amounts, opts.get("energy_basis", "calorific"))
    out["co2_t"] = energy.co2_t_array(amounts, opts.get("grid_factor"))
    out["energy_per_10k_va"] = _ratio(out["energy_tce"], f["value_added"], 1.0)
    out["co2_per_10k_va"] = _ratio(out["co2_t"], f["value_added"], 1.0)
    for key in ("water_reuse_rate_pct", "solid_waste_utilisation_pct", "wastewater_reuse_pct", "output_per_mu",
                "tax_per_mu", "revenue_per_mu", "labour_productivity"):
        out[key] = ratio[key]
    years = as_of_year.astype(float) - f["niche_since_year"]
    out["years_in_niche"] = np.where(years >= 0, years, np.where(np.isnan(years), np.nan, 0.0))

    cluster = _obj(base.get("cluster"), n)
    sub_dir = _obj(base.get("sub_direction"), n)
    out["focus_direction_member"] = np.array(
        [None if c is None else bool(c in FOCUS_CLUSTERS and s is not None and str(s).strip() != "")
         for c, s in zip(cluster, sub_dir, strict=True)], dtype=object)

    c1, c1s, hv, c2 = f["ip_class1_count"], f["ip_class1_self_developed"], f["ip_high_value_count"], f["ip_class2_count"]
    level = np.where(hv > 0, 4.0, np.where(c1s > 0, 3.0, np.where(c1 > 0, 2.0, np.where(c2 > 0, 1.0, 0.0))))
    out["ip_level"] = np.where(np.isnan(c1), np.nan, level)

    certs = _obj(base.get("certifications"), n)
    award = _obj(base.get("provincial_quality_award"), n)
    brand = _obj(base.get("own_brand"), n)
    quality = np.full(n, np.nan)
    for i in range(n):
        parts = [award[i], brand[i], None if certs[i] is None else ("iso9001" in certs[i]),
                 None if math.isnan(f["standards_led_count"][i]) else f["standards_led_count"][i] > 0]
        if any(p is not None for p in parts):
            quality[i] = float(sum(1 for p in parts if p))
    out["quality_count"] = quality
    out["mgmt_cert_count"] = _count_in(certs, MGMT_CERTS)
    systems = _obj(base.get("systems"), n)
    out["info_system_count"] = _count_in(systems, ("partial", "full"))
    inst = _obj(base.get("rd_institution_level"), n)
    out["has_rd_institution"] = np.array([None if v is None else v != "none" for v in inst], dtype=object)
    cert_until = np.array([_date_ord(v) for v in _obj(base.get("high_tech_cert_until"), n)])
    out["high_tech_valid"] = np.array([None if math.isnan(c) else bool(c >= a) for c, a in zip(cert_until, as_of_ord, strict=True)],
                                      dtype=object)
    share, rank = f["niche_market_share_pct"], f["niche_market_rank_cn"]
    top = np.where((share >= 10) | (rank <= 3), 1.0, np.where(np.isnan(share) & np.isnan(rank), np.nan, 0.0))
    out["niche_top3_or_10pct"] = top
    number = lambda k: out[k] if k in out else (f[k] if k in f else _flt(base.get(k), n))  # noqa: E731
    out.update(site_indicators(number, lambda k: _obj(base.get(k), n)))
    return out


def certificate_flags(certs: np.ndarray) -> dict[str, np.ndarray]:
    """``has_<cert>``: True/False whether each row's list holds the certificate, None where the list is missing."""
    lists = [None if v is None else (v if isinstance(v, (list, tuple, set, frozenset)) else list(v)) for v in certs]
    return {f"has_{c}": np.array([None if v is None else c in v for v in lists], dtype=object) for c in CERTS}


def system_level(systems: np.ndarray, key: str) -> np.ndarray:
    """Object array of ``systems[key]`` (none / partial / full); None when the map is missing.

    A map reported without the key means the system is not used ("none").
    """
    return np.array([None if s is None else str(s.get(key) or "none") for s in systems], dtype=object)


def site_indicators(num, obj) -> dict[str, np.ndarray]:
    """Certificate flags, system levels, land use, renewable share, per-unit figures, USCC region.

    ``num(name)`` gives a float array (NaN = missing) and ``obj(name)`` an object array (None =
    missing) of report, profile or derived columns; :func:`compute` and the framework modules
    call this with their own columns, so the formulas exist once.
    """
    out = certificate_flags(obj("certifications"))
    systems = obj("systems")
    for key in SYSTEMS:
        out[f"{key}_level"] = system_level(systems, key)
    elec, renew = num("electricity_kwh"), num("renewable_self_kwh")
    out["renewable_electricity_share_pct"] = _ratio(renew, elec + renew)
    land_m2 = num("land_area_mu") * SQM_PER_MU
    out["plot_ratio"] = _ratio(num("floor_area_m2"), land_m2, 1.0)
    out["building_density_pct"] = _ratio(num("footprint_area_m2"), land_m2)
    out["hazardous_waste_t_per_10k_output"] = _ratio(num("hazardous_waste_t"), num("gross_output_value"), 1.0)
    qty = num("main_product_output_qty")
    out["energy_per_unit_kgce"] = _ratio(num("energy_tce"), qty, 1000.0)
    out["co2_per_unit_kg"] = _ratio(num("co2_t"), qty, 1000.0)
    out["uscc_region"] = uscc_region(obj("uscc"))
    return out


def uscc_region(uscc: np.ndarray) -> np.ndarray:
    """Characters 3-4 of an 18-character unified social credit code (the registering province), else None."""
    return np.array([str(u)[2:4] if isinstance(u, str) and len(u) == 18 else None for u in uscc], dtype=object)


def derive(profile: Mapping, reports: Sequence[Mapping], as_of: date | None = None,
           options: Mapping | None = None) -> dict[str, object]:
    """Indicators of one enterprise: annual base values, profile fields and every derived indicator.

    ``as_of`` defaults to the end of the latest reported period. Values are plain Python
    (float / int / str / bool / None); None means not available.
    """
    base = annualise(reports)
    if as_of is None:
        as_of = max((period_end(r["period"]) for r in reports), default=None)
    merged: dict[str, object] = {k: profile.get(k) for k in PROFILE_FIELDS}
    merged.update(base)
    cols = {k: [v] for k, v in merged.items()}
    year = np.array([as_of.year if as_of else np.nan], dtype=float)
    ordinal = np.array([as_of.toordinal() if as_of else np.nan], dtype=float)
    computed = compute(cols, 1, year, ordinal, options)
    for k, arr in computed.items():
        merged[k] = plain(arr[0])
    merged["as_of"] = as_of.isoformat() if as_of else None
    return merged


def plain(v: object) -> object:
    """numpy scalar / NaN -> plain Python value / None."""
    if v is None:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v
