"""Ranking: which re-scored changes are stated, how, and in which order.

Rule encoded (the portal's own, the same for every framework): a change is stated when it
gains points, clears a failed gate or changes the grade / pass. Changes that clear a blocking
gate come first (those that also reach the verdict ahead), then those that change the grade /
pass, cheapest first in these tiers; then the rest by points gained per unit of effort.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..loader import Criteria
from ..types import Recommendation, Result
from .levers import fmt
from .rescoring import Candidate, Outcome, outcomes


def recommendation(criteria: Criteria, result: Result, o: Outcome, partial: bool = False) -> Recommendation | None:
    """The recommendation stated for one outcome; None when it neither gains, clears a gate nor changes the grade.

    ``partial``: a plan that comes closest to a points gate it cannot clear; stated with what is
    still missing.
    """
    c = o.candidate
    if c.only_if_clears and o.gate_passed.get(c.code) != 1 and not partial:
        return None
    base_total = 0.0 if result.total is None else result.total
    gain = round(o.total - base_total, 4) + 0.0
    cleared = [g.name for g in result.gates if g.passed is False and o.gate_passed.get(g.code) == 1]
    changes_grade = o.grade != result.grade or o.passed != result.passed
    if gain <= 0 and not cleared and not changes_grade and not partial:
        return None
    parts = [c.text]
    if partial and isinstance(c.target, (int, float)) and o.gate_value.get(c.code) is not None:
        name = next(g.name for g in result.gates if g.code == c.code)
        parts.append(f"「{name}」的得分可由 {fmt(float(c.current))} 提高到 {fmt(o.gate_value[c.code])} 分，"
                     f"仍差 {fmt(float(c.target) - o.gate_value[c.code])} 分（其余需现场评价项或其他条件）")
    if gain > 0:
        parts.append(f"可得 +{fmt(gain)} 分")
    if cleared:
        parts.append("满足「" + "」「".join(cleared) + "」")
    if gain > 0:
        text = f"总分达到 {fmt(o.total)} 分"
        pass_mark = criteria.pass_mark.value if criteria.pass_mark is not None else None
        if pass_mark is not None and o.total >= pass_mark > base_total:
            text += f"，达到 {fmt(pass_mark)} 分认定线"
        parts.append(text)
    if changes_grade:
        parts.append(f"结论变为「{o.grade}」")
    current = c.current if c.current is None or isinstance(c.current, str) else round(float(c.current), 4)
    target = c.target if c.target is None or isinstance(c.target, str) else round(float(c.target), 4)
    return Recommendation(code=c.code, text="，".join(parts), points_gain=gain, target_value=target,
                          current_value=current, unit=c.unit, clears_gate=bool(cleared),
                          changes_grade=changes_grade, effort=round(c.effort, 4))


def rank_key(r: Recommendation) -> tuple:
    """One ranking for every framework: changes that clear a blocking gate (those that also reach
    the verdict first), then changes of the grade / pass, then points per unit of effort.
    Within the gate and grade tiers the cheapest change comes first."""
    tier = 0 if r.clears_gate and r.changes_grade else 1 if r.clears_gate else 2 if r.changes_grade else 3
    effort = r.effort or 0.0
    return (tier, effort if tier < 3 else -(r.points_gain / max(effort, 0.01)), -r.points_gain, r.code, r.text)


def ranked(recs: Sequence[Recommendation]) -> tuple[Recommendation, ...]:
    """``recs`` sorted by :func:`rank_key` with ``rank`` 1..n."""
    return tuple(replace(r, rank=k + 1) for k, r in enumerate(sorted(recs, key=rank_key)))


def build(criteria: Criteria, indicators: Mapping[str, Any], result: Result, candidates: Sequence[Candidate],
          options: Mapping | None = None) -> tuple[Recommendation, ...]:
    """Re-score ``candidates``; keep those that gain points, clear a gate or change the grade; rank."""
    found = (recommendation(criteria, result, o) for o in outcomes(criteria, indicators, candidates, options))
    return ranked([r for r in found if r is not None])
