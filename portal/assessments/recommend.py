"""Recommendations: the smallest change of the enterprise's own figures that earns more.

Rule encoded (the portal's own method, no external standard): for every item below its maximum
take the nearest band worth more points and work out, from the actual figures, the change of one
reported input that reaches it (e.g. extra R&D 万元 = target ratio x revenue - R&D); for every
failed gate with a numeric condition, the change that meets its threshold. Each candidate is
re-scored with the framework's own rule, so the stated gain is exactly what the engine would
give. Amounts are rounded up to 0.1 万元 and counts to whole units, so the target is reached.
Ranking: changes that clear a blocking gate first, then those that change the grade / pass,
then points gained per unit of effort (effort: money as a share of revenue, headcount as a share
of employees, fixed weights for IP items, certificates and grades; documented in
docs/assessments.md).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import derived
from .bands import HIGHER
from .engine import Evaluation, columns_from_indicators, evaluate, indicator_name
from .loader import Condition, Criteria
from .types import Recommendation, Result


@dataclass(frozen=True)
class Change:
    """A concrete change of reported inputs and how to say it."""

    fields: Mapping[str, Any]      # new values of base fields
    text: str                      # Chinese, e.g. "研发费用再增加 35.2 万元"
    delta: float
    unit: str
    effort: float


def _up(x: float, step: float) -> float:
    return math.ceil(round(x / step, 9)) * step


def _f(ind: Mapping, k: str) -> float | None:
    v = ind.get(k)
    return None if v is None or isinstance(v, (str, list, dict)) else float(v)


def _money(ind, field, delta, label, extra_fields=()) -> Change | None:
    cur = _f(ind, field)
    if cur is None or delta <= 0:
        return None
    d = round(_up(delta, 0.1), 1)
    fields = {field: cur + d}
    for other in extra_fields:
        if _f(ind, other) is not None:
            fields[other] = _f(ind, other) + d
    rev = _f(ind, "revenue") or 0.0
    return Change(fields, f"{label}再增加 {d:g} 万元", d, "万元", 100.0 * d / max(rev, 1.0))


def _rd_intensity(ind, t, strict):
    rev, rd = _f(ind, "revenue"), _f(ind, "rd_expenditure")
    if rev is None or rd is None or rev <= 0:
        return None
    return _money(ind, "rd_expenditure", t * rev / 100 - rd + (0.05 if strict else 0), "研发费用")


def _rd_amount(ind, t, strict):
    rd = _f(ind, "rd_expenditure")
    return None if rd is None else _money(ind, "rd_expenditure", t - rd + (0.05 if strict else 0), "研发费用")


def _rd_2y(ind, t, strict):
    tot = _f(ind, "rd_2y_total")
    return None if tot is None else _money(ind, "rd_expenditure", t - tot + (0.05 if strict else 0), "本年研发费用")


def _rd_min2(ind, t, strict):
    now, prev = _f(ind, "rd_intensity_pct"), _f(ind, "rd_intensity_prev1_pct")
    if now is None or prev is None or prev < t:
        return None    # last year's figure can no longer be changed
    return _rd_intensity(ind, t, strict)


def _main_share(ind, t, strict):
    rev, mbr = _f(ind, "revenue"), _f(ind, "main_business_revenue")
    if rev is None or mbr is None or t >= 100:
        return None
    x = (t * rev - 100 * mbr) / (100 - t) + (0.05 if strict else 0)
    return _money(ind, "main_business_revenue", x, "主营业务收入（其他业务收入不变）", ("revenue",))


def _debt(ind, t, strict):
    assets, liab = _f(ind, "total_assets"), _f(ind, "total_liabilities")
    if assets is None or liab is None:
        return None
    d = liab - t * assets / 100 + (0.05 if strict else 0)
    if d <= 0:
        return None
    d = round(_up(d, 0.1), 1)
    return Change({"total_liabilities": liab - d}, f"负债减少 {d:g} 万元", d, "万元",
                  100.0 * d / max(_f(ind, "revenue") or 1.0, 1.0))


def _net_margin(ind, t, strict):
    rev, npf = _f(ind, "revenue"), _f(ind, "net_profit")
    if rev is None or npf is None:
        return None
    return _money(ind, "net_profit", t * rev / 100 - npf + (0.05 if strict else 0), "净利润")


def _growth_to(base_key: str, years: int, fields=("main_business_revenue", "revenue"), label="主营业务收入"):
    def lever(ind, t, strict):
        base = _f(ind, base_key)
        cur = _f(ind, fields[0])
        if base is None or cur is None or base <= 0:
            return None
        target = base * (1 + t / 100) ** years
        return _money(ind, fields[0], target - cur + (0.05 if strict else 0), label, fields[1:])
    return lever


def _revenue(ind, t, strict):
    cur = _f(ind, "revenue")
    return None if cur is None else _money(ind, "revenue", t - cur + (0.05 if strict else 0), "营业收入",
                                           ("main_business_revenue",))


def _count(field: str, label: str, unit: str, effort_each: float, ratio_of: str | None = None):
    """A count field; with ``ratio_of`` the target is a percentage of that field (hiring adds to both)."""
    def lever(ind, t, strict):
        cur = _f(ind, field)
        if cur is None:
            return None
        if ratio_of is None:
            need = t - cur + (1 if strict else 0)
            fields = {}
        else:
            total = _f(ind, ratio_of)
            if total is None or t >= 100:
                return None
            need = (t * total - 100 * cur) / (100 - t) if ratio_of == "employees" else t * total / 100 - cur
            need = need + (1e-6 if strict else 0)
            fields = {ratio_of: total + math.ceil(round(need, 9))} if ratio_of == "employees" else {}
        k = math.ceil(round(need, 9))
        if k <= 0:
            return None
        fields[field] = cur + k
        if ratio_of == "employees":
            effort = 100.0 * k / max(_f(ind, "employees") or 1.0, 1.0)
        else:
            effort = effort_each * k
        return Change(fields, f"{label} {k} {unit}", k, unit, effort)
    return lever


def _nc_rate(ind, t, strict):
    total, nc = _f(ind, "key_processes_total"), _f(ind, "key_processes_nc")
    if total is None or nc is None or total <= 0:
        return None
    k = math.ceil(round(t * total / 100 - nc + (1e-6 if strict else 0), 9))
    if k <= 0 or nc + k > total:
        return None
    return Change({"key_processes_nc": nc + k}, f"再对 {k} 道关键工序实施数控化改造", k, "道", 3.0 * k)


def _ip_level(ind, t, strict):
    level = _f(ind, "ip_level")
    c1 = _f(ind, "ip_class1_count") or 0.0
    target = int(math.ceil(t))
    if level is None or target <= level:
        return None
    if target == 1:
        return Change({"ip_class2_count": (_f(ind, "ip_class2_count") or 0) + 1}, "新增 1 项Ⅱ类知识产权（实用新型等）",
                      1, "项", 1.0)
    if target == 2:
        return Change({"ip_class1_count": c1 + 1}, "新增 1 项与主导产品相关的Ⅰ类知识产权（发明专利等）", 1, "项", 4.0)
    fields = {"ip_class1_count": c1 + 1, "ip_class1_self_developed": (_f(ind, "ip_class1_self_developed") or 0) + 1}
    if target == 3:
        return Change(fields, "新增 1 项自主研发的Ⅰ类知识产权", 1, "项", 5.0)
    fields["ip_high_value_count"] = (_f(ind, "ip_high_value_count") or 0) + 1
    return Change(fields, "新增 1 项高价值发明专利", 1, "项", 6.0)


def _years(ind, t, strict):
    since, now = _f(ind, "niche_since_year"), _f(ind, "years_in_niche")
    if since is None or now is None:
        return None
    k = math.ceil(round(t - now + (1 if strict else 0), 9))
    if k <= 0:
        return None
    return Change({"niche_since_year": since - k}, f"继续深耕细分市场 {k} 年后", k, "年", 20.0 * k)


def _quality(ind, t, strict):
    certs = list(ind.get("certifications") or [])
    if not ind.get("own_brand"):
        return Change({"own_brand": True}, "建立自主品牌", 1, "项", 3.0)
    if "iso9001" not in certs:
        return Change({"certifications": [*certs, "iso9001"]}, "取得 ISO 9001 质量管理体系认证", 1, "项", 3.0)
    if not _f(ind, "standards_led_count"):
        return Change({"standards_led_count": 1}, "主导或参与制定 1 项国家/行业标准", 1, "项", 5.0)
    if not ind.get("provincial_quality_award"):
        return Change({"provincial_quality_award": True}, "获得省级以上质量奖", 1, "项", 8.0)
    return None


Lever = Callable[[Mapping, float, bool], Change | None]

LEVERS: dict[str, Lever] = {
    "rd_intensity_pct": _rd_intensity,
    "rd_expenditure": _rd_amount,
    "rd_2y_total": _rd_2y,
    "rd_2y_avg": lambda ind, t, s: _rd_2y(ind, 2 * t, s),
    "rd_intensity_min_2y_pct": _rd_min2,
    "main_business_share_pct": _main_share,
    "debt_ratio_pct": _debt,
    "net_margin_pct": _net_margin,
    "main_business_growth_pct": _growth_to("main_business_revenue_prev1", 1),
    "main_business_growth_2y_avg_pct": _growth_to("main_business_revenue_prev2", 2),
    "revenue_cagr_2y_pct": _growth_to("revenue_prev2", 2, ("revenue", "main_business_revenue"), "营业收入"),
    "revenue": _revenue,
    "rd_staff_share_pct": _count("rd_personnel", "新增研发人员", "人", 1.0, "employees"),
    "ip_class1_count": _count("ip_class1_count", "新增与主导产品相关的Ⅰ类知识产权", "项", 4.0),
    "ip_level": _ip_level,
    "years_in_niche": _years,
    "quality_count": _quality,
    "key_process_nc_rate_pct": _nc_rate,
    "info_system_count": _count("info_system_count", "在核心业务中应用信息系统", "个", 5.0),
    "mgmt_cert_count": _count("mgmt_cert_count", "取得管理体系认证", "项", 3.0),
}

CATEGORY_EFFORT = {"sme_digital_grade": 8.0, "rd_institution_level": 10.0}
CATEGORY_NAMES = {
    "rd_institution_level": {"national": "国家级", "municipal": "重庆市级（省级）", "district": "区级", "enterprise": "企业自建"},
    "sme_digital_grade": {"g1": "一级", "g2": "二级", "g3": "三级", "g4": "四级"},
}
CATEGORY_TEXT = {"sme_digital_grade": "中小企业数字化水平提升至{label}", "rd_institution_level": "建立{label}研发机构"}


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{x:g}"


def _apply(crit: Criteria, ind: Mapping, change: Change, options: Mapping) -> tuple[dict, Evaluation]:
    new = dict(ind)
    new.update(change.fields)
    year = np.array([float(new["as_of"][:4]) if isinstance(new.get("as_of"), str) else np.nan])
    ordinal = np.array([np.nan])
    if isinstance(new.get("as_of"), str):
        from datetime import date
        ordinal = np.array([float(date.fromisoformat(new["as_of"]).toordinal())])
    recomputed = derived.compute({k: [v] for k, v in new.items()}, 1, year, ordinal, options)
    for k, arr in recomputed.items():
        if k in change.fields:      # a count changed directly (e.g. info_system_count) is not recomputed
            continue
        new[k] = derived.plain(arr[0])
    return new, evaluate(crit, columns_from_indicators(new), options)


def recommend(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result,
              options: Mapping | None = None) -> tuple[Recommendation, ...]:
    """Ranked recommendations for one scored enterprise (``ev`` has one row)."""
    options = dict(options or {})
    base_total = 0.0 if result.total is None else result.total
    base_passed = result.passed
    pass_mark = crit.pass_mark.value if crit.pass_mark is not None else None
    cands: list[tuple[str, str, Change, float | str | None, float | str | None, str | None]] = []

    # items below their maximum
    for spec in crit.items:
        it = ev.items.get(spec.code)
        if it is None or it.points[0] >= spec.max_points:
            continue
        tables = [(spec.indicator, spec.table)] if spec.table is not None else \
            [(a.indicator, a.table) for a in spec.alternatives]
        for indicator, table in tables:
            if table is None:
                continue
            idx = table.index(_f(ind, indicator))
            nxt = table.next_better(idx)
            if nxt is None:
                continue
            j, edge = nxt
            up = j > idx
            strict = (table.on_boundary != HIGHER) if up else (table.on_boundary == HIGHER)
            lever = LEVERS.get(indicator)
            change = lever(ind, edge, strict) if lever else None
            if change is not None:
                unit = spec.unit if spec.table is not None else next(
                    (a.unit for a in spec.alternatives if a.indicator == indicator), None)
                verb = "超过" if strict and up else ("低于" if strict else ("达到" if up else "降至"))
                target_txt = f"{indicator_name(indicator)}{verb} {_fmt(edge)}{'' if unit == '%' else ' '}{unit}" if unit else \
                    f"{indicator_name(indicator)}达到「{table.labels[j]}」档"
                cands.append((spec.code, target_txt, change, edge, _f(ind, indicator), unit))
        if spec.categories is not None and spec.indicator in CATEGORY_TEXT:
            here = it.points[0]
            better = sorted((p, k) for k, p in spec.categories.points.items() if p > here)
            if better:
                p, key = better[0]
                label = CATEGORY_NAMES.get(spec.indicator, {}).get(key) or spec.categories.labels.get(key, key)
                text = CATEGORY_TEXT[spec.indicator].format(label=label)
                change = Change({spec.indicator: key}, text, 1, "级", CATEGORY_EFFORT[spec.indicator])
                cands.append((spec.code, "", change, key, ind.get(spec.indicator), None))

    # failed gates with numeric conditions
    for gate, gspec in zip(result.gates, crit.gates, strict=True):
        if gate.passed is not False or gspec.mode not in ("all_of", "any_of"):
            continue
        options_for_gate = []
        for cond in gspec.conditions:
            change = _condition_change(ind, cond)
            if change is not None:
                options_for_gate.append((cond, change))
        if gspec.mode == "any_of" and options_for_gate:
            options_for_gate = [min(options_for_gate, key=lambda oc: oc[1].effort)]
        for cond, change in options_for_gate:
            verb = "达到" if cond.op in (">=", ">") else "降至"
            unit_txt = "" if not cond.unit else (cond.unit if cond.unit == "%" else f" {cond.unit}")
            target_txt = f"{indicator_name(cond.indicator)}{verb} {_fmt(cond.value)}{unit_txt}"
            cands.append((gspec.code, target_txt, change, cond.value, _f(ind, cond.indicator), cond.unit))

    # failed custom gates that a framework ties to one indicator (``GATE_INDICATORS`` in its module)
    from .frameworks import module_for

    gate_indicators = getattr(module_for(crit.framework), "GATE_INDICATORS", {})
    for gate in result.gates:
        indicator = gate_indicators.get(gate.code)
        if gate.passed is not False or indicator is None or gate.shortfall is None:
            continue
        cur = _f(ind, indicator)
        if cur is None or not isinstance(gate.value, (int, float)) or abs(float(gate.value) - cur) > 1e-6:
            continue
        lever = LEVERS.get(indicator)
        target = cur + gate.shortfall
        change = lever(ind, target, False) if lever else None
        if change is not None:
            unit_txt = "" if not gate.unit else (gate.unit if gate.unit == "%" else f" {gate.unit}")
            cands.append((gate.code, f"{indicator_name(indicator)}达到 {_fmt(target)}{unit_txt}", change, target,
                          cur, gate.unit))

    recs = []
    seen = set()
    for code, target_txt, change, target, current, unit in cands:
        # one change that earns points in two items (e.g. an R&D institution also counts in 特色化)
        # is stated once
        key = change.text
        if key in seen:
            continue
        seen.add(key)
        _, new_ev = _apply(crit, ind, change, options)
        new_total = float(new_ev.total[0]) if not math.isnan(new_ev.total[0]) else 0.0
        gain = round(new_total - base_total, 4)
        new_passed = None if math.isnan(new_ev.passed[0]) else bool(new_ev.passed[0] == 1)
        cleared = [g.spec.name for g in new_ev.gates.values()
                   if g.passed[0] == 1 and next(x for x in result.gates if x.code == g.spec.code).passed is False]
        if gain <= 0 and not cleared:
            continue
        changes_grade = new_passed != base_passed or new_ev.grade[0] != result.grade
        parts = [change.text]
        if target_txt:
            parts.append(target_txt)
        if gain > 0:
            parts.append(f"可得 +{_fmt(gain)} 分")
        if cleared:
            parts.append("满足「" + "」「".join(cleared) + "」")
        if gain > 0 and pass_mark is not None and new_total >= pass_mark > base_total:
            parts.append(f"总分达到 {_fmt(new_total)} 分，达到 {_fmt(pass_mark)} 分认定线")
        elif gain > 0:
            parts.append(f"总分达到 {_fmt(new_total)} 分")
        if new_passed and not base_passed:
            parts.append(f"可达到「{new_ev.grade[0]}」")
        recs.append(Recommendation(code=code, text="，".join(parts), points_gain=gain,
                                   target_value=target if isinstance(target, str) else round(float(target), 4),
                                   current_value=current if current is None or isinstance(current, str)
                                   else round(float(current), 4),
                                   unit=unit, clears_gate=bool(cleared), changes_grade=changes_grade,
                                   effort=round(change.effort, 4)))
    blocking = {g.code for g in result.gates if g.passed is False}

    def rank_key(r: Recommendation):
        tier = 0 if r.clears_gate and r.code in blocking else (1 if r.clears_gate else (2 if r.changes_grade else 3))
        # within the first tiers the cheapest change wins; otherwise points per unit of effort
        return (tier, r.effort if tier < 3 else -(r.points_gain / max(r.effort or 0.0, 0.01)), -r.points_gain, r.code)

    recs.sort(key=rank_key)
    return tuple(Recommendation(**{**r.__dict__, "rank": k + 1}) for k, r in enumerate(recs))


def _condition_change(ind: Mapping, cond: Condition) -> Change | None:
    if cond.op not in (">=", ">", "<=", "<"):
        return None
    lever = LEVERS.get(cond.indicator)
    if lever is None:
        return None
    cur = _f(ind, cond.indicator)
    if cur is None:
        return None
    return lever(ind, float(cond.value), cond.op in (">", "<"))
