"""专精特新"小巨人": the 2022 six-part conditions and the 2026 seven indicators, all required.

Rules encoded (criteria-reference.md §3c, §3d):
- giant2022 (工信部企业〔2022〕63号, until 2026-03-31; still used for 2026 re-reviews per
  [R-zct-miit], S2): 专 (niche ≥3 years, 2 for 补短板/填空白 firms; main business ≥70%; two-year
  average main-business growth ≥5%), 精 (information system, certification, debt ≤70%), 特
  (niche share ≥10%, own brand), 新 (R&D share each of the last two years ≥3% when revenue
  ≥1 亿元, ≥6% at 5000 万-1 亿元; below 5000 万元: equity ≥8000 万元 and two-year R&D ≥3000 万元
  and R&D staff ≥50%; an R&D institution; ≥2 Class-I IP), 链·品 (provisional).
- giant2026 (工信部企业〔2026〕2号, from 2026-04-01): status + niche ≥3 years; revenue ≥5000 万元,
  main business ≥90%, two-year revenue CAGR ≥5% (not at re-review), debt ≤75%; two-year R&D
  ≥1200 万元 and ≥3% each year; ≥4 Class-I IP; niche share ≥10% or top 3; 六基 / key chain
  link; 发展评价 ≥60 (estimated with the sts2026 items, provisional).
Every gate reports its shortfall; there is no points table (total is None).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import loader
from ..engine import Columns, Evaluation, custom_gate, evaluate_generic, score_item, score_items
from ..loader import Criteria
from ..types import Result
from .sts import certified_gate

FAMILY = "giant"
NA = np.nan
# custom gates judged on one indicator (recommend/candidates.py turns their shortfall into a concrete change)
GATE_INDICATORS = {"zhuan_niche": "years_in_niche", "revenue_cagr": "revenue_cagr_2y_pct",
                   "xin_rd": "rd_intensity_min_2y_pct"}
# status gates estimated by another criteria set (see sts.STATUS_GATES) and gates on a points score
STATUS_GATES = {"sts_status": ("sts", "status_proxy")}
SCORE_GATES = ("development_score",)


def candidates(criteria: Criteria, indicators: Mapping, result: Result, options: Mapping) -> list:
    """A failed 发展评价 gate: the items of the estimate (``development_proxy``) moved to their next band.

    the recommend package measures each change on the gate's score and combines them into a plan.
    """
    from .. import engine, recommend

    gate = next((g for g in result.gates if g.code == "development_score"), None)
    if gate is None or gate.passed is not False:
        return []
    proxy = loader.by_code(str(criteria.param("development_proxy")))
    cols = engine.columns_from_indicators(indicators)
    items = {spec.code: score_item(spec, cols) for spec in proxy.items}    # as development_score() scores them
    return recommend.item_candidates(proxy, indicators, items, code="development_score", only_if_clears=True)


def _spec(criteria: Criteria, code: str):
    return next(g for g in criteria.gates if g.code == code)


def niche_gate(criteria: Criteria, cols: Columns):
    spec = _spec(criteria, "zhuan_niche")
    years = cols.num("years_in_niche")
    gap = np.array([v == "gap_filling" for v in cols.obj("product_field")])
    need = np.where(gap, 2.0, 3.0)
    passed = np.where(np.isnan(years), NA, (years >= need).astype(float))
    detail = np.array([None if p != 0 else f"从事细分市场 {y:g} 年，需≥{m:g} 年"
                       for p, y, m in zip(passed, years, need, strict=True)], dtype=object)
    return custom_gate(spec, passed, years, need - years, "年", detail)


def rd_gate(criteria: Criteria, cols: Columns):
    """新 (1): the R&D rule depends on the revenue class."""
    spec = _spec(criteria, "xin_rd")
    rules = criteria.param("rd_rules")
    n = cols.n
    revenue = cols.num("revenue")
    min_int = cols.num("rd_intensity_min_2y_pct")
    equity, rd2, staff = cols.num("external_equity_2y"), cols.num("rd_2y_total"), cols.num("rd_staff_share_pct")
    large = revenue >= rules["large"]["revenue_min"]
    medium = ~large & (revenue >= rules["medium"]["revenue_min"])
    need_int = np.where(large, float(rules["large"]["intensity_min"]), float(rules["medium"]["intensity_min"]))
    int_met = np.where(np.isnan(min_int), NA, (min_int >= need_int).astype(float))
    s = rules["small"]
    parts = [(equity, float(s["equity_min"]), "万元", "股权融资"), (rd2, float(s["rd_2y_min"]), "万元", "两年研发费用"),
             (staff, float(s["rd_staff_min"]), "%", "研发人员占比")]
    small_mets = [np.where(np.isnan(v), NA, (v >= t).astype(float)) for v, t, _, _ in parts]
    stack = np.vstack(small_mets)
    small_met = np.where((stack == 0).any(axis=0), 0.0, np.where(np.isnan(stack).any(axis=0), NA, 1.0))
    passed = np.where(np.isnan(revenue), NA, np.where(large | medium, int_met, small_met))
    shortfall = np.full(n, NA)
    units = np.full(n, None, dtype=object)
    detail = np.full(n, None, dtype=object)
    value = np.where(large | medium, min_int, revenue)
    for i in range(n):
        if passed[i] != 0:
            continue
        if large[i] or medium[i]:
            shortfall[i] = need_int[i] - min_int[i]
            units[i] = "%"
            detail[i] = f"营业收入 {revenue[i]:g} 万元，近两年研发投入强度较低值 {min_int[i]:.2f}%，需每年≥{need_int[i]:g}%"
        else:
            fails = [(t - v[i], u, name, t) for (v, t, u, name), m in zip(parts, small_mets, strict=True) if m[i] == 0]
            shortfall[i], units[i] = fails[0][0], fails[0][1]
            detail[i] = "营业收入不足 5000 万元，未满足：" + "；".join(f"{name}≥{t:g}{u}" for _, u, name, t in fails)
    g = custom_gate(spec, passed, value, shortfall, None, detail)
    g.units = units
    return g


def cagr_gate(criteria: Criteria, cols: Columns, options: Mapping):
    spec = _spec(criteria, "revenue_cagr")
    cagr = cols.num("revenue_cagr_2y_pct")
    n = cols.n
    if options.get("review_kind") == "re_review":
        return custom_gate(spec, np.ones(n), cagr, np.full(n, NA), "%",
                           np.full(n, "复核时不考核营业收入增长率", dtype=object))
    passed = np.where(np.isnan(cagr), NA, (cagr >= 5).astype(float))
    return custom_gate(spec, passed, cagr, 5 - cagr, "%")


def development_score(cols: Columns, code: str) -> tuple[np.ndarray, np.ndarray]:
    """(estimated 发展评价 score, points still possible from missing items) with the items of ``code``."""
    crit = loader.by_code(code)
    total = np.zeros(cols.n)
    missing = np.zeros(cols.n)
    scored = score_items(crit.items, cols)
    for spec in crit.items:
        it = scored[spec.code]
        total = total + it.points
        missing = missing + np.where(it.available, 0.0, spec.max_points)
    return total, missing


def evaluate(criteria: Criteria, cols: Columns, options: Mapping) -> Evaluation:
    codes = {g.code for g in criteria.gates if g.mode == "custom"}
    gates = {}
    extra = {}
    if "zhuan_niche" in codes:
        gates["zhuan_niche"] = niche_gate(criteria, cols)
    if "xin_rd" in codes:
        gates["xin_rd"] = rd_gate(criteria, cols)
    if "revenue_cagr" in codes:
        gates["revenue_cagr"] = cagr_gate(criteria, cols, options)
    if "sts_status" in codes:
        gates["sts_status"] = certified_gate(criteria, "sts_status", cols, options, "sts",
                                             str(criteria.param("status_proxy")))
    if "development_score" in codes:
        score, missing = development_score(cols, str(criteria.param("development_proxy")))
        minimum = float(criteria.param("development_score_min"))
        passed = np.where(score >= minimum, 1.0, np.where(score + missing >= minimum, NA, 0.0))
        detail = np.array([f"按本门户估算的发展评价得分 {s:g} 分（需≥{minimum:g}，估算口径为暂定）" for s in score],
                          dtype=object)
        gates["development_score"] = custom_gate(_spec(criteria, "development_score"), passed, score,
                                                 minimum - score, "分", detail)
        extra["development_score"] = score
    return evaluate_generic(criteria, cols, custom_gates=gates, extra=extra)
