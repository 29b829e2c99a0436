"""The whole advice of one scored enterprise: candidates merged, re-scored, stated and ranked.

Rule encoded (the portal's own): the framework module's own candidates (``candidates`` in the
module), the generic item and gate changes (a code the module advises on is not advised again),
plans for failed score gates and, for a failed "already recognised as X" gate estimated by X's
own criteria (``STATUS_GATES``), the changes that meet X. All candidates of one result are
re-scored in one vectorised evaluation; within one ``assess`` call the changed rows of every
framework's single changes are derived in one call (:func:`prefetch`) and reused.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from .. import loader
from ..engine import Columns, Evaluation, columns_from_indicators, evaluate, first_result, options_key
from ..loader import Criteria
from ..types import Recommendation, Result
from .candidates import gate_candidates, item_candidates, once
from .plans import merge, plan_text, score_plans
from .ranking import rank_key, ranked, recommendation
from .rescoring import Candidate, Outcome, changed_diffs, outcomes, row_cache


def status_plans(criteria: Criteria, ind: Mapping, result: Result, module, options: Mapping,
                 cols: Columns | None = None) -> list[Candidate]:
    """For a failed "already recognised as X" gate estimated by X's own criteria (``STATUS_GATES``
    of the module): the changes that let the enterprise meet X (each alone, or X's failed gates
    cleared together)."""
    out: list[Candidate] = []
    certified = options.get("certified") or {}
    for code, (kind, param) in getattr(module, "STATUS_GATES", {}).items():
        gate = next((g for g in result.gates if g.code == code), None)
        if gate is None or gate.passed is not False or certified.get(kind) is not None:
            continue
        proxy = loader.by_code(str(criteria.param(param)))
        popts = {k: v for k, v in options.items() if k != "certified"}
        cols = cols if cols is not None else columns_from_indicators(ind)
        pev = evaluate(proxy, cols, popts)
        presult = first_result(pev, result.as_of, cols)
        pairs = advise(proxy, ind, pev, presult, popts, cols)
        suffix = f"（可达到{proxy.name}条件）"
        alone = [o.candidate for r, o in pairs if o.passed is True]
        if alone:
            out.extend(replace(c, code=code, text=c.text + suffix, target=proxy.grades["passed"],
                               current=presult.grade, unit=None) for c in alone[:3])
            continue
        parts: list[Candidate] = []
        used: set[str] = set()
        for g in presult.gates:
            if g.passed is not False:
                continue
            best = next((o.candidate for r, o in pairs if o.gate_passed.get(g.code) == 1
                         and not used & set(o.candidate.fields)), None)
            if best is None:
                break
            parts.append(best)
            used |= set(best.fields)
        else:
            if len(parts) > 1:
                out.append(Candidate(code, plan_text(parts) + suffix, merge(parts), proxy.grades["passed"],
                                     presult.grade, None, sum(c.effort for c in parts)))
    return out


# --------------------------------------------------------------------------- the whole advice of one result


def advise(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result, options: Mapping | None = None,
           cols: Columns | None = None) -> list[tuple[Recommendation, Outcome]]:
    """Every recommendation of one scored enterprise with the outcome it rests on (unranked).

    Candidates: the framework module's own (``candidates`` in its module, when present), the
    generic item and gate changes of this module, plans for failed score gates and for failed
    status gates. A code the module advises on is not advised again by the generic rules.
    """
    from ..frameworks import module_for

    options = dict(options or {})
    key = ("advice", crit.code, options_key(options))
    if cols is not None and key in cols.memo and cols.memo[key][0] is crit:
        return cols.memo[key][1]
    pairs = _advise(crit, ind, ev, result, options, module_for(crit.framework), cols)
    if cols is not None:
        cols.memo[key] = (crit, pairs)
    return pairs


def single_candidates(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result, options: dict,
                      cols: Columns | None = None) -> list[Candidate]:
    """The generic item and gate changes followed by the framework module's own (``candidates``),
    for one scored enterprise; a code the module advises on is not advised again by the generic
    rules. Made once per criteria set and options on ``cols``."""
    from ..frameworks import module_for

    key = ("candidates", crit.code, options_key(options))
    if cols is not None and key in cols.memo and cols.memo[key][0] is crit:
        return cols.memo[key][1]
    mod = module_for(crit.framework)
    own = list(mod.candidates(crit, ind, result, options)) if hasattr(mod, "candidates") else []
    own_codes = {c.code for c in own}
    generic = [c for c in once([*item_candidates(crit, ind, ev.items),
                                 *gate_candidates(crit, ind, result, getattr(mod, "GATE_INDICATORS", {}), options,
                                                  row_cache(cols, options))])
               if c.code not in own_codes]
    # the generic gate changes first: a recommendation stated twice keeps the code of the gate it aims at
    cands = [*generic, *own]
    if cols is not None:
        cols.memo[key] = (crit, cands)
    return cands


def prefetch(criteria: Sequence[Criteria], ind: Mapping, as_of: date, options: Mapping | None,
             cols: Columns) -> None:
    """Derive the changed rows of every framework's single changes in one vectorised call.

    ``assess`` calls this before scoring its frameworks one by one: their re-scorings then find
    these rows in :func:`row_cache` (the same rows, derived once), and only plans and status
    changes are derived later.
    """
    options = dict(options or {})
    changes: list[Mapping[str, Any]] = []
    for crit in criteria:
        ev = evaluate(crit, cols, options)
        changes.extend(c.fields for c in single_candidates(crit, ind, ev, first_result(ev, as_of, cols), options,
                                                        cols))
    if changes:
        changed_diffs(ind, changes, options, row_cache(cols, options))


def _advise(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result, options: dict, mod,
            cols: Columns | None) -> list[tuple[Recommendation, Outcome]]:
    rows = row_cache(cols, options)
    cands = [*single_candidates(crit, ind, ev, result, options, cols),
             *status_plans(crit, ind, result, mod, options, cols)]
    found = outcomes(crit, ind, cands, options, rows=rows)
    plans = score_plans(crit, result, found, set(getattr(mod, "SCORE_GATES", ())))
    partial: list[Outcome] = []
    if plans:
        cleared: set[str] = set()
        longest: dict[str, Outcome] = {}
        for o in outcomes(crit, ind, plans, options, rows=rows):
            code = o.candidate.code
            longest[code] = o
            if code not in cleared and o.gate_passed.get(code) == 1:
                cleared.add(code)
                found.append(o)
        partial = [o for code, o in longest.items() if code not in cleared]
    pairs = []
    seen: set[str] = set()
    for o in [*found, *partial]:
        r = recommendation(crit, result, o, partial=o in partial)
        if r is not None and r.text not in seen:
            seen.add(r.text)
            pairs.append((r, o))
    pairs.sort(key=lambda ro: rank_key(ro[0]))
    return pairs


def recommend(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result, options: Mapping | None = None,
              cols: Columns | None = None) -> tuple[Recommendation, ...]:
    """Ranked recommendations for one scored enterprise (``ev`` has one row; ``cols`` its columns)."""
    return ranked([r for r, _ in advise(crit, ind, ev, result, options, cols)])
