"""Plans: several changes together for a failed points gate that no single change clears.

Rule encoded (the portal's own): the changes with the most gain of that gate's score per unit
of effort (a dimension below its minimum, e.g. 创新型 成长性 ≥15, served first), one per field,
added one by one as plans of 2..MAX_PLAN changes; the caller keeps the shortest plan that
clears the gate, or else states the longest with what is still missing.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..loader import Criteria
from ..types import Result
from .rescoring import Candidate, Outcome

MAX_PLAN = 12


def plan_text_of(texts: Sequence[str]) -> str:
    return f"同时实施以下 {len(texts)} 项：" + "；".join(texts)


def plan_text(parts: Sequence[Candidate]) -> str:
    return plan_text_of([c.text for c in parts])


def merge(parts: Sequence[Candidate]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for c in parts:
        fields.update(c.fields)
    return fields


def score_plans(criteria: Criteria, result: Result, found: Sequence[Outcome], points_gates: set[str]) -> list[Candidate]:
    """For a failed points gate (a score threshold) that no single change clears: the changes with
    the most gain of that score per effort, added one by one (changes of different fields), as
    plans of 2..MAX_PLAN changes; the caller keeps the shortest plan that clears the gate."""
    plans: list[Candidate] = []
    for g, spec in zip(result.gates, criteria.gates, strict=True):
        if g.passed is not False or not (spec.mode == "score" or g.code in points_gates):
            continue
        base = g.value if isinstance(g.value, (int, float)) and not isinstance(g.value, bool) else None
        if base is None or any(o.gate_passed.get(g.code) == 1 for o in found):
            continue
        base_dims: dict[str, float] = {}
        for it in result.items:
            base_dims[it.dimension or ""] = base_dims.get(it.dimension or "", 0.0) + it.points
        useful = [(o.gate_value.get(g.code) - base, o) for o in found
                  if o.gate_value.get(g.code) is not None and o.gate_value[g.code] > base + 1e-9]
        # a dimension below its minimum (创新型: 成长性 ≥15 ...) is served first, then the total
        lacking = {d: m - base_dims.get(d, 0.0) for d, m in spec.min_dimensions.items() if base_dims.get(d, 0.0) < m}

        def dim_gain(o: Outcome, base_dims=base_dims, lacking=lacking) -> float:
            return sum(min(o.dimensions.get(d, 0.0) - base_dims.get(d, 0.0), need) for d, need in lacking.items())

        useful.sort(key=lambda go: (-dim_gain(go[1]) / max(go[1].candidate.effort, 0.01),
                                    -go[0] / max(go[1].candidate.effort, 0.01), go[1].candidate.text))
        picked: list[Candidate] = []
        used: set[str] = set()
        for _, o in useful:
            c = o.candidate
            if used & set(c.fields):
                continue
            picked.append(c)
            used |= set(c.fields)
            if len(picked) >= 2:
                target = None if g.shortfall is None else base + g.shortfall
                plans.append(Candidate(g.code, plan_text(picked), merge(picked), target, base, g.unit or "分",
                                       sum(x.effort for x in picked), True))
            if len(picked) == MAX_PLAN:
                break
    return plans
