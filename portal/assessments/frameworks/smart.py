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

import numpy as np

from .. import engine
from ..loader import Criteria
from ..types import CriteriaError
from .green import system_level

FAMILY = "smart"

SYSTEMS = ("erp", "mes", "plm", "scada_dcs", "aps")
# share indicator -> (count field, what is counted); the shortfall of these gates is in 台（套）.
SHARE_COUNTS = {
    "digital_equipment_share_pct": ("equipment_digital", "数字化设备"),
    "networked_equipment_share_pct": ("equipment_networked", "联网设备"),
}
UNIT_SETS = "台（套）"


def indicators(criteria: Criteria, cols: engine.Columns) -> dict[str, np.ndarray]:
    """System levels and the USCC region code (characters 3-4) used by the gates."""
    systems = cols.obj("systems")
    out = {f"{key}_level": system_level(systems, key) for key in SYSTEMS}
    out["uscc_region"] = np.array([str(u)[2:4] if isinstance(u, str) and len(u) == 18 else None
                                   for u in cols.obj("uscc")], dtype=object)
    return out


def sets_needed(count: float, total: float, min_pct: float) -> float:
    """Smallest number of extra counted sets (out of ``total``) bringing count*100/total to ``min_pct``."""
    if math.isnan(count) or math.isnan(total) or total <= 0:
        return math.nan
    return float(max(0, math.ceil((min_pct * total - 100.0 * count) / 100.0 - 1e-9)))


def _in_sets(gate: engine.GateEval, cols: engine.Columns) -> engine.GateEval:
    """Restate a failed equipment-share gate's shortfall as the number of sets to add."""
    cond = gate.spec.conditions[0] if gate.spec.conditions else None
    if cond is None or cond.indicator not in SHARE_COUNTS or cond.op != ">=":
        return gate
    field, what = SHARE_COUNTS[cond.indicator]
    count, total = cols.num(field), cols.num("equipment_total")
    need = np.array([sets_needed(c, t, float(cond.value)) if p == 0 else math.nan
                     for c, t, p in zip(count, total, gate.passed, strict=True)])
    detail = np.array([f"{what}还需增加 {k:g} {UNIT_SETS}（现有 {c:g}/{t:g} {UNIT_SETS}，需 ≥{cond.value:g}%）"
                       if not math.isnan(k) else d
                       for k, c, t, d in zip(need, count, total, gate.detail, strict=True)], dtype=object)
    units = np.array([UNIT_SETS if not math.isnan(k) else u for k, u in zip(need, gate.units, strict=True)],
                     dtype=object)
    return dataclasses.replace(gate, shortfall=need, detail=detail, units=units)


def readiness_items(criteria: Criteria, cols: engine.Columns) -> dict[str, engine.ItemEval]:
    """Linear readiness items: 0 at 0, full points at the configured value, capped."""
    rules: Mapping = criteria.param("readiness_linear")
    out = {}
    for spec in criteria.items:
        if not spec.custom:
            continue
        if spec.code not in rules:
            raise CriteriaError(f"{criteria.path}: custom item {spec.code} has no params.readiness_linear entry")
        full = float(rules[spec.code]["full"])
        v = cols.num(spec.indicator)
        pts = np.round(np.clip(v / full, 0.0, 1.0) * spec.max_points, 9)
        avail = ~np.isnan(v)
        band = np.full(cols.n, f"{full:g}{spec.unit or ''} 得满分", dtype=object)
        out[spec.code] = engine.custom_item(spec, v, np.where(avail, pts, 0.0), avail, band=band)
    return out


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
