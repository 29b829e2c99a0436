"""Registry of framework modules, one per family of criteria sets.

Rule encoded: each criteria file (``criteria/*.yaml``) names its ``family`` (sts, innovative,
giant, green, smart, cmmm) and the ``framework`` module that scores it. A family's module is
listed here by import name and imported on first use. A module whose file does not exist yet is
skipped (its family is simply not offered); an error raised *inside* a module that exists is
never swallowed.

THE FRAMEWORK MODULE PROTOCOL
-----------------------------
A framework module ``portal/assessments/frameworks/<name>.py`` provides:

``FAMILY: str``
    The family code, e.g. ``"green"``; must equal ``family`` in its criteria files.

``evaluate(criteria: loader.Criteria, cols: engine.Columns, options: dict) -> engine.Evaluation``
    Vectorised: ``cols`` holds n enterprises (``cols.num(name)`` -> float array with NaN for
    missing, ``cols.obj(name)`` -> object array with None for missing; names are the derived
    indicators of ``derived.py`` plus every report/profile field). The one-at-a-time path calls
    it with n == 1 and the batch path with n == len(frame), so one implementation serves both
    and the results agree exactly. Must not mutate ``cols`` or ``criteria``, read the clock or do
    I/O beyond ``loader``.

    Usually it is one call: ``engine.evaluate_generic(criteria, cols, custom_items, custom_gates)``.
    Items with ``bands`` / ``categories`` / ``alternatives`` and gates with ``all_of`` /
    ``any_of`` / ``score`` are computed from the file by the engine; the module computes only the
    parts marked ``custom: true`` in the file and passes them as dicts keyed by code, built with
    ``engine.custom_item(spec, value, points, available, band=None, note=None)`` and
    ``engine.custom_gate(spec, passed, value, shortfall, unit=None, detail=None)`` (``passed`` is
    a float array 1 / 0 / NaN = cannot be judged). ``extra`` (name -> array) adds columns to the
    batch frame and keys to ``Result.extra``. A module may instead build ``engine.Evaluation``
    itself, e.g. to set its own grades (``grade`` object array) for a levelled framework.

Optional: ``candidates(criteria, indicators, result, options) -> list[recommend.Candidate]``, the
module's own recommendations (concrete changes of reported figures; :mod:`recommend` re-scores,
merges and ranks them with the generic ones, whose levers are in ``recommend/levers.py``);
``prepare(criteria, options) -> Criteria`` to adapt the criteria to options before evaluation
(e.g. a province's own 特色化 items); ``GATE_INDICATORS: dict[str, str]`` mapping a custom gate
to the one indicator it judges, so that :mod:`recommend` can turn its shortfall into a concrete
change; ``SCORE_GATES`` (custom gates that are points thresholds, planned like a score gate) and
``STATUS_GATES`` (gate code -> (certified key, criteria param naming the proxy set)).

HOW TO ADD A FRAMEWORK
----------------------
1. Write ``criteria/<code>.yaml`` (see ``loader.py`` for the keys): code, family, name, version,
   effective_from / effective_to, source, ``framework: <module name>``, max_total (= sum of the
   items' maxima), grades {passed, failed, unknown}, items, gates, routes. Give every item,
   gate, route and param ``confidence: S|S2|R`` and ``provisional: true`` unless S. Several
   versions of one family are several files with the same ``family``; the one in force at the
   report date is chosen by date. Give the English names too (``name_en``, ``grades_en``,
   ``dimensions_en``, ``labels_en``, ``required_en``; see ``loader.py``): ``test_english.py``
   requires them for every shipped set.
2. Write ``frameworks/<module name>.py`` with a docstring stating the rule and the standard,
   ``FAMILY`` and ``evaluate`` as above. Put new indicator formulas in ``derived.py`` (ask its
   owner) rather than in the module, so that batch and single paths share them.
3. Add the module name to ``MODULES`` below (green, smart and cmmm are already listed).
4. Test it in ``tests/assessments/test_<family>*.py``: band edges and gates by hand, and
   ``batch.score_frame`` equal to ``engine.score`` (see ``test_batch.py`` for the pattern).
"""
from __future__ import annotations

import importlib
from types import ModuleType

from .. import loader

# family -> module name (in this package)
MODULES: dict[str, str] = {
    "sts": "sts",
    "innovative": "innovative",
    "giant": "giant",
    "green": "green",
    "smart": "smart",
    "cmmm": "cmmm",
}


def module_for(name: str) -> ModuleType | None:
    """Import ``frameworks.<name>``; None only when that module file does not exist."""
    full = f"{__name__}.{name}"
    try:
        mod = importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name == full:
            return None
        raise
    for attr in ("FAMILY", "evaluate"):
        if not hasattr(mod, attr):
            raise TypeError(f"framework module {full} lacks {attr} (see portal.assessments.frameworks)")
    return mod


def available_families() -> tuple[str, ...]:
    """Families that have both a criteria file and an importable module, in MODULES order."""
    have = set(loader.families())
    return tuple(f for f, m in MODULES.items() if f in have and module_for(m) is not None)
