"""Generic candidates: the changes aimed at the next better band of an item or at a failed gate.

Rule encoded (the portal's own): for every banded / categorical item below its maximum, the
nearest band worth more points and the change of one reported input that reaches it (see
:mod:`levers`); for every failed gate with numeric conditions, the change meeting its threshold
(for an "or" gate the cheapest alternative; for an "and" gate failing on several conditions also
all of them together, each computed on the figures the previous ones leave); for a custom gate
judged on one indicator, the change reaching the threshold the gate states.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..bands import HIGHER
from ..engine import ItemEval, indicator_name
from ..loader import Condition, Criteria
from ..types import Result
from .levers import CATEGORY_EFFORT, CATEGORY_NAMES, CATEGORY_TEXT, LEVERS, Change, fmt, number
from .plans import plan_text_of
from .rescoring import Candidate, changed_rows


def item_candidates(crit: Criteria, ind: Mapping, items: Mapping[str, ItemEval], code: str | None = None,
                    only_if_clears: bool = False) -> list[Candidate]:
    """For every banded / categorical item below its maximum (``items``: the scored items of one
    row): the change reaching the next better band.

    ``code`` re-labels the candidates (e.g. the items of the 发展评价 estimate advise a gate).
    """
    out: list[Candidate] = []
    for spec in crit.items:
        it = items.get(spec.code)
        if it is None or it.points[0] >= spec.max_points:
            continue
        tables = [(spec.indicator, spec.table, spec.unit)] if spec.table is not None else \
            [(a.indicator, a.table, a.unit) for a in spec.alternatives]
        for indicator, table, unit in tables:
            if table is None:
                continue
            idx = table.index(number(ind, indicator))
            nxt = table.next_better(idx)
            lever = LEVERS.get(indicator)
            if nxt is None or lever is None:
                continue
            j, edge = nxt
            up = j > idx
            strict = (table.on_boundary != HIGHER) if up else (table.on_boundary == HIGHER)
            change = lever(ind, edge, strict)
            if change is None:
                continue
            verb = "超过" if strict and up else ("低于" if strict else ("达到" if up else "降至"))
            target_txt = f"{indicator_name(indicator)}{verb} {fmt(edge)}{'' if unit == '%' else ' '}{unit}" if unit \
                else f"{indicator_name(indicator)}达到「{table.labels[j]}」档"
            out.append(Candidate(code or spec.code, f"{change.text}，{target_txt}", change.fields, edge,
                                 number(ind, indicator), unit, change.effort, only_if_clears))
        if spec.categories is not None and spec.indicator in CATEGORY_TEXT:
            here = it.points[0]
            better = sorted((p, k) for k, p in spec.categories.points.items() if p > here)
            if better:
                p, key = better[0]
                label = CATEGORY_NAMES.get(spec.indicator, {}).get(key) or spec.categories.labels.get(key, key)
                text = CATEGORY_TEXT[spec.indicator].format(label=label)
                out.append(Candidate(code or spec.code, text, {spec.indicator: key}, key, ind.get(spec.indicator), None,
                                     CATEGORY_EFFORT[spec.indicator], only_if_clears))
    return out


def _unit_text(unit: str | None) -> str:
    return "" if not unit else (unit if unit == "%" else f" {unit}")


def _all_conditions(spec, ind: Mapping, options: Mapping, rows: dict | None = None) -> Candidate | None:
    """An "and" gate failing on several conditions: their changes one after the other (each
    computed on the figures the previous ones leave), as one candidate."""
    fields: dict[str, Any] = {}
    texts = []
    now = dict(ind)
    stale = False           # ``now`` lags behind ``fields`` (derived again only when read)
    for cond in spec.conditions:
        if stale:
            now, stale = changed_rows(ind, [fields], options, rows)[0], False
        cur = number(now, cond.indicator)
        t = float(cond.value) if cond.op in (">=", ">", "<=", "<") else None
        if cur is None or t is None:
            return None
        met = {">=": cur >= t, ">": cur > t, "<=": cur <= t, "<": cur < t}[cond.op]
        if met:
            continue
        change = _condition_change(now, cond)
        if change is None:
            return None
        fields.update(change.fields)
        texts.append(change.text)
        stale = True
    if len(texts) < 2:
        return None
    return Candidate(spec.code, plan_text_of(texts), fields, None, None, None, float(len(texts)))


def gate_candidates(crit: Criteria, ind: Mapping, result: Result, gate_indicators: Mapping[str, str],
                    options: Mapping | None = None, rows: dict | None = None) -> list[Candidate]:
    """For every failed gate with numeric conditions (or a custom gate judged on one indicator):
    the change meeting its threshold (for an "or" gate the cheapest alternative; for an "and" gate
    failing on several conditions also all changes together)."""
    out: list[Candidate] = []
    for gate, gspec in zip(result.gates, crit.gates, strict=True):
        if gate.passed is not False:
            continue
        if gspec.mode in ("all_of", "any_of"):
            found = [(cond, change) for cond in gspec.conditions
                     if (change := _condition_change(ind, cond)) is not None]
            if gspec.mode == "any_of" and found:
                found = [min(found, key=lambda oc: oc[1].effort)]
            for cond, change in found:
                verb = "达到" if cond.op in (">=", ">") else "降至"
                target_txt = f"{indicator_name(cond.indicator)}{verb} {fmt(cond.value)}{_unit_text(cond.unit)}"
                out.append(Candidate(gspec.code, f"{change.text}，{target_txt}", change.fields, cond.value,
                                     number(ind, cond.indicator), cond.unit, change.effort))
            if gspec.mode == "all_of" and len(found) > 1:
                together = _all_conditions(gspec, ind, dict(options or {}), rows)
                if together is not None:
                    out.append(replace(together, effort=sum(ch.effort for _, ch in found)))
            continue
        indicator = gate_indicators.get(gate.code)
        if indicator is None or gate.shortfall is None:
            continue
        cur = number(ind, indicator)
        # the gate must be judged on this very figure (a result states it to 4 decimals)
        if cur is None or not isinstance(gate.value, (int, float)) or abs(float(gate.value) - cur) > 1e-4:
            continue
        lever = LEVERS.get(indicator)
        target = float(gate.value) + gate.shortfall      # the threshold as the result states it
        change = lever(ind, target, False) if lever else None
        if change is not None:
            out.append(Candidate(gate.code, f"{change.text}，{indicator_name(indicator)}达到 {fmt(target)}"
                                 f"{_unit_text(gate.unit)}", change.fields, target, cur, gate.unit, change.effort))
    return out


def _condition_change(ind: Mapping, cond: Condition) -> Change | None:
    if cond.op not in (">=", ">", "<=", "<"):
        return None
    lever = LEVERS.get(cond.indicator)
    if lever is None or number(ind, cond.indicator) is None:
        return None
    return lever(ind, float(cond.value), cond.op in (">", "<"))


def once(cands: Sequence[Candidate]) -> list[Candidate]:
    """One change that earns points in two items (e.g. an R&D institution also counts in 特色化) is stated once."""
    seen: set[str] = set()
    out = []
    for c in cands:
        key = c.text.split("，")[0]
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
