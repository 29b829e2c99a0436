"""专精特新中小企业: the 2022 认定 (four conditions + 100-point table) and the 2026 认定.

Rules encoded (criteria-reference.md §3b, §3d, §3e):
- sts2022 (《优质中小企业梯度培育管理暂行办法》 工信部企业〔2022〕63号, until 2026-03-31): all four
  conditions (niche ≥2 years; R&D ≥100 万元 and ≥3% of revenue; revenue ≥1000 万元 or equity
  ≥2000 万元; ≥60 points or a direct route). Points: 专业化 25, 精细化 25, 特色化 15, 创新能力 35.
  特色化 is set by each province; Chongqing's list was not found, so the portal uses a
  provisional Tongliang default from ``common.yaml`` (cluster + focus direction, R&D platform,
  key-process NC rate against Chongqing's 2027 targets). A caller can pass its own list as
  ``options["special_items"]`` (same item format, 15 points in total).
- sts2026 (《优质中小企业梯度培育管理办法》 工信部企业〔2026〕2号, from 2026-04-01): the listed
  conditions of §3d plus 发展评价 ≥50. The official 发展评价 score is computed by the MIIT
  platform; the portal estimates it with the 7 dimensions and weights of §3e (S2, provisional).
  The condition "holds 科技和创新型 status" is taken from ``options["certified"]["innovative"]``
  when given, otherwise estimated by the 创新型中小企业 (2022) evaluation on the same data
  (provisional, said so in the gate's detail).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import engine, loader
from ..engine import Columns, Evaluation, custom_gate, evaluate_generic
from ..loader import Criteria
from ..types import CriteriaError

FAMILY = "sts"
SPECIAL = "特色化"
# status gates estimated by another criteria set: gate -> (key of options["certified"], param naming the set);
# the recommend package advises the changes that meet that set
STATUS_GATES = {"innovative_status": ("innovative", "status_proxy")}


def prepare(criteria: Criteria, options: Mapping) -> Criteria:
    """Swap in the caller's own 特色化 items (``options["special_items"]``), keeping the same maximum."""
    raw = options.get("special_items")
    if not raw:
        return criteria
    own = [loader.parse_item({**it, "dimension": SPECIAL}, "options.special_items") for it in raw]
    old_max = sum(it.max_points for it in criteria.items if it.dimension == SPECIAL)
    new_max = sum(it.max_points for it in own)
    if abs(old_max - new_max) > 1e-9:
        raise CriteriaError(f"options.special_items: 特色化 items must total {old_max:g} points, got {new_max:g}")
    kept = [it for it in criteria.items if it.dimension != SPECIAL]
    return criteria.with_items([*kept, *own])


def certified_gate(criteria: Criteria, code: str, cols: Columns, options: Mapping, kind: str,
                   proxy_code: str) -> object:
    """Gate "already holds <kind> status": from options, else estimated by another criteria set."""
    spec = next(g for g in criteria.gates if g.code == code)
    n = cols.n
    given = (options.get("certified") or {}).get(kind)
    if given is not None:
        passed = np.full(n, 1.0 if given else 0.0)
        detail = np.full(n, "依据已认定情况（调用方提供）", dtype=object)
    else:
        proxy = loader.by_code(proxy_code)
        # without "certified": the proxy's own status gates are estimated in turn
        ev = engine.evaluate(proxy, cols, {k: v for k, v in options.items() if k != "certified"})
        passed = ev.passed
        detail = np.array([f"未提供认定情况，按{proxy.name}推定：{g}" for g in ev.grade], dtype=object)
    return custom_gate(spec, passed, passed, np.full(n, np.nan), None, detail)


def evaluate(criteria: Criteria, cols: Columns, options: Mapping) -> Evaluation:
    criteria = prepare(criteria, options)
    gates = {}
    if any(g.code == "innovative_status" for g in criteria.gates):
        gates["innovative_status"] = certified_gate(criteria, "innovative_status", cols, options, "innovative",
                                                    str(criteria.param("status_proxy")))
    ev = evaluate_generic(criteria, cols, custom_gates=gates)
    if "development_score_min" in criteria.params:
        ev.extra["development_score"] = ev.total.copy()
    return ev
