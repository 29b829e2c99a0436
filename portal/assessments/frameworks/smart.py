"""重庆市数字化车间 / 智能工厂认定: which level the enterprise meets and what blocks the next one.

Rule encoded (《重庆市数字化车间和智能工厂认定管理办法(试行)》 2018, criteria-reference.md §5;
numbers in ``criteria/smart_cq.yaml``):

- 数字化车间: registered in Chongqing; digital/NC equipment ≥50% of production equipment;
  equipment networked (≥90%, R) and ≥90% of run data uploaded; MES in use.
- 智能工厂: registered in Chongqing; digital/NC equipment ≥65%; ≥2 recognised digital workshops;
  digital design tools ≥80%; ERP in full; MES in full and integrated; PLM (knowledge management);
  against the year before the retrofit operating cost −15% and efficiency +10% (S), defect rate
  and unit energy thresholds UNCONFIRMED (provisional defaults −10% / −5%).
- Recognition is gate-based. The grade is the highest level whose gates all pass (智能工厂 /
  数字化车间 / 未达到认定条件); ``passed`` is True when a level is met, None when missing data
  leaves it open. ``extra`` names the next level and its blocking gates; an equipment-share
  gate states its shortfall in 台（套） ("数字化设备还需增加 12 台（套）").
- The 100-point readiness score (portal design, R) ranks how close an enterprise is: shares
  and gains earn points linearly from 0 to the factory threshold, systems half for partial use
  and all for full use.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import derived, engine
from ..engine import POINTS_DECIMALS
from ..loader import Criteria
from ..recommend import Candidate, build
from ..types import CriteriaError, Recommendation, Result

FAMILY = "smart"

# share indicator -> (count field, what is counted); the shortfall of these gates is in 台（套）.
SHARE_COUNTS = {
    "digital_equipment_share_pct": ("equipment_digital", "数字化设备"),
    "networked_equipment_share_pct": ("equipment_networked", "联网设备"),
}
UNIT_SETS = "台（套）"


def indicators(criteria: Criteria, cols: engine.Columns) -> dict[str, np.ndarray]:
    """System levels and the USCC region code (characters 3-4) used by the gates, recomputed from
    the report fields of ``cols`` with the formulas of :mod:`derived`."""
    systems = cols.obj("systems")
    out = {f"{key}_level": derived.system_level(systems, key) for key in derived.SYSTEMS}
    out["uscc_region"] = derived.uscc_region(cols.obj("uscc"))
    return out


def sets_needed(count: float | np.ndarray, total: float | np.ndarray, min_pct: float) -> float | np.ndarray:
    """Smallest number of extra counted sets (out of ``total``) bringing count*100/total to ``min_pct``.

    NaN when a count is missing or there is no equipment; works on numbers and on arrays.
    """
    count, total = np.asarray(count, dtype=float), np.asarray(total, dtype=float)
    k = np.maximum(0.0, np.ceil(np.round((min_pct * total - 100.0 * count) / 100.0, 9)))
    out = np.where(np.isnan(count) | np.isnan(total) | ~(total > 0), np.nan, k)
    return float(out) if out.ndim == 0 else out


def _in_sets(gate: engine.GateEval, cols: engine.Columns) -> engine.GateEval:
    """Restate a failed equipment-share gate's shortfall as the number of sets to add."""
    cond = gate.spec.conditions[0] if gate.spec.conditions else None
    if cond is None or cond.indicator not in SHARE_COUNTS or cond.op != ">=":
        return gate
    field, what = SHARE_COUNTS[cond.indicator]
    count, total = cols.num(field), cols.num("equipment_total")
    need = np.where(gate.passed == 0, sets_needed(count, total, float(cond.value)), np.nan)

    def text(i: int) -> str | None:
        if math.isnan(need[i]):
            return None
        return (f"{what}还需增加 {need[i]:g} {UNIT_SETS}（现有 {count[i]:g}/{total[i]:g} {UNIT_SETS}，"
                f"需 ≥{cond.value:g}%）")

    units = np.where(np.isnan(need), gate.units if gate.units is not None else gate.unit, UNIT_SETS)
    base = gate.detail
    detail = engine.PerRow(lambda i: text(i) or (base[i] if base is not None else None))
    return dataclasses.replace(gate, shortfall=need, detail=detail, units=units)


def readiness_items(criteria: Criteria, cols: engine.Columns) -> dict[str, engine.ItemEval]:
    """Linear readiness items: 0 at 0, full points at the configured value, capped (all items of
    the set in one stack, element by element the same arithmetic as one item at a time)."""
    specs, full, bands = _readiness(criteria)
    if not specs:
        return {}
    n = cols.n
    values = [cols.num(spec.indicator) for spec in specs]
    v = np.array(values, dtype=float).reshape(len(specs), n)
    maxima = np.array([spec.max_points for spec in specs], dtype=float)[:, None]
    pts = np.round(np.clip(v / full, 0.0, 1.0) * maxima, POINTS_DECIMALS)
    avail = ~np.isnan(v)
    pts = np.where(avail, pts, 0.0)
    band = np.empty((len(specs), n), dtype=object)
    band[:] = bands
    return {spec.code: engine.custom_item(spec, values[r], pts[r], avail[r], band=band[r])
            for r, spec in enumerate(specs)}


_READINESS: dict[int, tuple[Criteria, tuple]] = {}


def _readiness(criteria: Criteria) -> tuple[tuple, np.ndarray, np.ndarray]:
    """(custom item specs, their "full" values as a column, their band labels as a column), once
    per criteria set."""
    hit = _READINESS.get(id(criteria))
    if hit is not None and hit[0] is criteria:
        return hit[1]
    rules: Mapping = criteria.param("readiness_linear")
    specs = []
    for spec in criteria.items:
        if not spec.custom:
            continue
        if spec.code not in rules:
            raise CriteriaError(f"{criteria.path}: custom item {spec.code} has no params.readiness_linear entry")
        specs.append(spec)
    full = [float(rules[spec.code]["full"]) for spec in specs]
    bands = np.array([f"{f:g}{spec.unit or ''} 得满分" for f, spec in zip(full, specs, strict=True)] + [None],
                     dtype=object)[:-1, None]
    found = (tuple(specs), np.array(full, dtype=float)[:, None], bands)
    if len(_READINESS) > 64:
        _READINESS.clear()
    _READINESS[id(criteria)] = (criteria, found)
    return found


def evaluate(criteria: Criteria, cols: engine.Columns, options: dict) -> engine.Evaluation:
    """Gates, level reached, next level's blocking gates and the readiness score on ``cols.n`` rows."""
    view = cols.with_overrides(indicators(criteria, cols))
    ev = engine.evaluate_generic(criteria, view, readiness_items(criteria, view))
    gates = {code: _in_sets(g, view) for code, g in ev.gates.items()}
    levels = criteria.param("levels")
    for lv in levels:
        unknown = [g for g in lv["gates"] if g not in gates]
        if unknown:
            raise CriteriaError(f"{criteria.path}: level {lv['code']} names unknown gates {unknown}")
    met = [engine.all_of([gates[g].passed for g in lv["gates"]], cols.n) for lv in levels]
    n = cols.n
    grade = np.full(n, None, dtype=object)
    level = np.full(n, None, dtype=object)
    nxt = np.full(n, None, dtype=object)
    blocking = np.full(n, None, dtype=object)
    for i in range(n):
        reached = [k for k in range(len(levels)) if met[k][i] == 1]
        top = max(reached) if reached else -1
        level[i] = levels[top]["code"] if top >= 0 else "none"
        if top >= 0:
            grade[i] = levels[top]["name"]
        elif all(m[i] == 0 for m in met):
            grade[i] = str(criteria.param("no_level"))
        else:
            grade[i] = criteria.grades.get("unknown", "无法判定")
        if top + 1 < len(levels):
            target = levels[top + 1]
            nxt[i] = target["code"]
            blocking[i] = "、".join(g for g in target["gates"] if gates[g].passed[i] != 1)
    passed = engine.any_of(met, n)
    extra = {**ev.extra, "level": level, "next_level": nxt, "blocking_gates": blocking}
    return dataclasses.replace(ev, gates=gates, passed=passed, grade=grade, extra=extra)


# --------------------------------------------------------------------------- recommendations

SYSTEM_ACTIONS = {
    ("mes", "partial"): "上线 MES（制造执行系统），覆盖计划排产、工艺执行、仓储、质量和设备管理",
    ("mes", "full"): "MES 全面覆盖并与设计、管理系统集成",
    ("erp", "partial"): "上线 ERP（企业资源计划）系统",
    ("erp", "full"): "ERP 全面覆盖订单、生产、售后并形成闭环",
    ("plm", "partial"): "应用 PLM（产品生命周期管理）系统，建立设计与工艺知识库",
    ("plm", "full"): "PLM 全面覆盖并与 MES、ERP 集成",
}
PCT_ACTIONS = {
    "run_data_upload_pct": "设备运行数据自动采集上传率提高到 {t}%（现为 {c}）",
    "design_tool_coverage_pct": "研发设计人员数字化工具覆盖率提高到 {t}%（现为 {c}）",
    "operating_cost_reduction_pct": "通过改造使运营成本较基准年降低 {t}% 以上（现为 {c}）",
    "efficiency_gain_pct": "通过改造使生产效率较基准年提升 {t}% 以上（现为 {c}）",
    "defect_rate_reduction_pct": "通过改造使产品不良品率较基准年降低 {t}% 以上（现为 {c}）",
    "unit_energy_reduction_pct": "通过改造使单位产值能耗较基准年降低 {t}% 以上（现为 {c}）",
}


def _gate_candidate(spec, ind: Mapping) -> Candidate | None:
    """The change of reported figures that meets one condition gate."""
    cond = spec.conditions[0] if spec.conditions else None
    if cond is None:
        return None
    t = cond.value
    systems = ind.get("systems")
    if cond.indicator.endswith("_level") and isinstance(systems, Mapping):
        key = cond.indicator[: -len("_level")]
        level = "full" if cond.op == "==" else "partial"
        text = SYSTEM_ACTIONS.get((key, level))
        if text is None:
            return None
        return Candidate(spec.code, text, {"systems": {**systems, key: level}}, level, systems.get(key) or "none",
                         None, 8.0 if level == "full" else 6.0)
    cur = ind.get(cond.indicator) if cond.indicator in ind else None
    if cond.indicator in SHARE_COUNTS:
        field, what = SHARE_COUNTS[cond.indicator]
        count, total = ind.get(field), ind.get("equipment_total")
        if count is None or total is None:
            return None
        k = sets_needed(float(count), float(total), float(t))
        if math.isnan(k) or k <= 0:
            return None
        verb = "实施数字化（数控）改造" if field == "equipment_digital" else "联网"
        label = "数字化设备占比" if field == "equipment_digital" else "联网率"
        return Candidate(spec.code, f"再将 {k:g} {UNIT_SETS}设备{verb}，{label}达到 {t:g}%", {field: float(count) + k},
                         float(t), None if cur is None else round(float(cur), 4), "%", 100.0 * k / float(total) / 5)
    if cond.indicator == "recognised_digital_workshops":
        have = float(cur or 0)
        k = math.ceil(float(t) - have)
        return Candidate(spec.code, f"再建成并申报认定 {k} 个数字化车间（现有 {have:g} 个）",
                         {"recognised_digital_workshops": have + k}, float(t), have, "个", 10.0 * k) if k > 0 else None
    if cond.indicator in PCT_ACTIONS:
        c = "未填报" if cur is None else f"{float(cur):g}%"
        text = PCT_ACTIONS[cond.indicator].format(t=f"{t:g}", c=c)
        return Candidate(spec.code, text, {cond.indicator: float(t)}, float(t),
                         None if cur is None else round(float(cur), 4), "%",
                         (float(t) - float(cur or 0)) / 5)
    return None


def recommendations(criteria: Criteria, indicators: Mapping[str, Any], result: Result,
                    options: Mapping | None = None) -> tuple[Recommendation, ...]:
    """What clears each failed gate of the next level, with its numbers, and all of them together."""
    return build(criteria, indicators, result, candidates(criteria, indicators, result, options), options)


def candidates(criteria: Criteria, indicators: Mapping[str, Any], result: Result,
               options: Mapping | None = None) -> list[Candidate]:
    """One change per failed gate of the next level, and all of them together."""
    nxt = result.extra.get("next_level")
    if nxt is None:
        return []
    levels = criteria.param("levels")
    k = next(i for i, lv in enumerate(levels) if lv["code"] == nxt)
    level = levels[k]
    specs = {g.code: g for g in criteria.gates}
    failed = [g.code for g in result.gates if g.code in level["gates"] and g.passed is False]
    cands = [c for c in (_gate_candidate(specs[code], indicators) for code in failed) if c is not None]
    # the failed gates of the levels beyond the next one, each on its own
    later = [g.code for g in result.gates if g.passed is False and g.code not in level["gates"]
             and any(g.code in lv["gates"] for lv in levels[k + 1:])]
    beyond = [c for c in (_gate_candidate(specs[code], indicators) for code in later) if c is not None]
    if len(cands) > 1:
        fields: dict[str, Any] = {}
        original = indicators.get("systems") or {}
        for c in cands:
            for key, value in c.fields.items():
                if key == "systems":   # merge only the system each candidate changes
                    changed = {k: v for k, v in value.items() if v != original.get(k)}
                    fields["systems"] = {**fields.get("systems", original), **changed}
                else:
                    fields[key] = value
        cands.append(Candidate(nxt, f"按本页各项建议同时整改 {len(cands)} 项未达标条件", fields, level["name"], result.grade, None,
                               sum(c.effort for c in cands)))
    return cands + beyond
