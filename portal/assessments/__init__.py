"""The scoring engine: criteria as versioned data, pure functions from reports to results.

Public API (the Flask side calls exactly these; see docs/assessments.md):

- ``assess(profile, reports, frameworks=None, as_of=None, options=None) -> list[Result]``
- ``parse_input(data) -> (profile, reports)``; raises ``InputError(field, message)``
- ``FAMILIES``, ``framework_codes()``, ``criteria_for(code_or_family, as_of)``
- ``derive(profile, reports, as_of=None, options=None) -> dict``
- ``derive_frame(profiles, quarters, as_of=None, options=None) -> DataFrame``
- ``score_frame(code_or_family, frame, as_of=None, options=None) -> DataFrame``
- ``peer_percentiles(frame, indicators=None) -> DataFrame``
- ``english_names(code) -> EnglishNames``, ``indicator_name_en(name)``, ``unit_en(unit)``: English
  names of the criteria data, looked up by what a stored result carries (results stay Chinese)

Rule: the result of a framework depends only on the profile, the reports, ``as_of`` and the
options; the criteria set used is the one in force at ``as_of`` (default: the end of the latest
reported period). Options: ``review_kind`` ("re_review" for 小巨人 re-reviews), ``grid_factor``
(kg CO2/kWh, default 0.5366), ``energy_basis`` ("calorific" | "equivalent"), ``special_items``
(a province's own 特色化 items), ``certified`` ({"innovative": bool, "sts": bool}).
The engine imports nothing from Flask, SQLAlchemy, WTForms or other rooms of the portal.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from . import engine, loader, recommend
from .batch import derive_frame, score_frame
from .derived import derive, period_end
from .english import EnglishNames, english_names, indicator_name_en, unit_en
from .frameworks import MODULES
from .inputs import parse_input
from .loader import Criteria
from .peers import peer_percentiles
from .types import CriteriaError, Gate, InputError, Item, Recommendation, Result

FAMILIES: tuple[str, ...] = tuple(MODULES)


def framework_codes() -> tuple[str, ...]:
    """Codes of every criteria set shipped (all versions), e.g. ("sts2022", "sts2026", ...)."""
    return tuple(c.code for c in loader.load_all())


def criteria_for(code_or_family: str, as_of: date) -> Criteria:
    """The criteria set for a code, or the set of a family in force on ``as_of``."""
    found = engine.resolve([code_or_family], as_of)
    return found[0]


def reference_date(reports: Sequence[Mapping], as_of: date | None = None) -> date:
    """``as_of`` if given, else the end of the latest reported period."""
    if as_of is not None:
        return as_of
    if not reports:
        raise InputError("reports", "至少需要一个季度报表")
    return max(period_end(r["period"]) for r in reports)


def assess(profile: Mapping, reports: Sequence[Mapping], frameworks: Iterable[str] | None = None,
           as_of: date | None = None, options: Mapping | None = None) -> list[Result]:
    """Score one enterprise on the given frameworks (codes or families; None = every family in force)."""
    day = reference_date(reports, as_of)
    indicators = derive(profile, reports, day, options)
    cols = engine.columns_from_indicators(indicators)    # shared: proxy evaluations are made once
    found = engine.resolve(frameworks, day, options)
    recommend.prefetch(found, indicators, day, options, cols)   # the changed rows of all frameworks in one call
    return [engine.score(c, indicators, options, day, cols=cols) for c in found]


__all__ = ["FAMILIES", "Criteria", "CriteriaError", "EnglishNames", "Gate", "InputError", "Item", "Recommendation",
           "Result", "assess", "criteria_for", "derive", "derive_frame", "english_names", "framework_codes",
           "indicator_name_en", "parse_input", "peer_percentiles", "score_frame", "unit_en"]
