"""A stored scorecard result shown in the reader's language.

Snapshots stay Chinese (``Result.to_dict()`` as stored). On an English page the engine's English
names (``portal.assessments.english_names``, looked up by the framework code and by what the
snapshot already carries) replace the framework, grade, item, dimension, gate, requirement,
route, category-band and unit names of a display copy; anything without an English entry keeps
its Chinese text. Sentences the engine composes with numbers (numeric band ranges such as
"≥3% 且 <5%", gate details, notes, recommendation texts) have no English form and stay Chinese.
On a Chinese page, or outside a request, the stored dict is returned as it is.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.assessments import EnglishNames, english_names, unit_en
from portal.fields import reader_language


def _names(framework: Any) -> EnglishNames | None:
    try:
        return english_names(str(framework))
    except KeyError:          # a framework no longer shipped: show the snapshot as stored
        return None


def display_result(result: Mapping) -> Mapping:
    """``result`` (a stored ``Result.to_dict()``) for the current reader: English names on an English page."""
    if not result or reader_language() != "en":
        return result
    return english_result(result)


def display_grade(framework: Any, grade: str | None) -> str | None:
    """A stored grade label (``Scorecard.grade``) for the current reader."""
    if not grade or reader_language() != "en":
        return grade
    names = _names(framework)
    return _grade(names, grade) if names is not None else grade


def _grade(names: EnglishNames, grade: str) -> str:
    return names.grades.get(grade) or names.terms.get(grade) or grade


def _unit(unit: str | None) -> str | None:
    return unit_en(unit) if isinstance(unit, str) else unit


def english_result(result: Mapping) -> Mapping:
    """A copy of ``result`` with the English names of its criteria set (missing ones stay Chinese)."""
    names = _names(result.get("framework"))
    if names is None:
        return result
    out = dict(result)
    out["framework_name"] = names.framework or result.get("framework_name")
    if result.get("grade"):
        out["grade"] = _grade(names, result["grade"])
    out["gates"] = [{**g, "name": names.gates.get(g.get("code"), g.get("name")),
                     "required": names.required.get(g.get("code"), g.get("required")),
                     "unit": _unit(g.get("unit"))}
                    for g in result.get("gates") or ()]
    out["items"] = [{**it, "name": names.items.get(it.get("code"), it.get("name")),
                     "dimension": names.dimensions.get(it.get("dimension"), it.get("dimension")),
                     "band": names.bands.get(it.get("code"), {}).get(it.get("band"), it.get("band")),
                     "unit": _unit(it.get("unit"))}
                    for it in result.get("items") or ()]
    out["routes"] = [names.routes.get(r, r) for r in result.get("routes") or ()]
    out["recommendations"] = [{**rec, "unit": _unit(rec.get("unit"))} for rec in result.get("recommendations") or ()]
    extra = result.get("extra")
    if isinstance(extra, Mapping) and isinstance(extra.get("dimensions"), Mapping):
        out["extra"] = {**extra, "dimensions": {names.dimensions.get(k, k): v for k, v in extra["dimensions"].items()}}
    return out
