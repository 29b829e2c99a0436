"""Load and validate the criteria files (one YAML per criteria set, in ``criteria/``).

Rule encoded: criteria are data. Each file names its code, family, version, the period it is in
force (``effective_from`` .. ``effective_to``, inclusive; open-ended when ``effective_to`` is
empty), its source, and for every scored item, gate, route and parameter the confidence mark of
criteria-reference.md (S, S2 or R) with ``provisional: true`` on everything not marked S. A
malformed file raises :class:`CriteriaError` naming the file and the problem. The version in
force at a date is chosen here (:func:`in_force`); criteria-reference.md "three version changes".

File layout (keys inside items / gates / routes that are not listed are rejected; other
top-level keys are kept in ``Criteria.data`` for the framework module, which validates them)::

    code, family (default: the code's leading letters), name, version, effective_from, effective_to, source, framework (module name; default: the family),
    max_total, pass_mark {value, confidence, provisional, source},
    grades {passed, failed, unknown}, params {name: {value, confidence, provisional, source}},
    special_set (name of a set in common.yaml whose items are appended; 专精特新 特色化),
    items:  [{code, name, dimension, indicator, unit, confidence, provisional, source, note,
              bands {edges, points, labels?, on_boundary?} | categories {cat: points} (+ labels)
              | alternatives [{indicator, unit, bands}] (item points = best alternative)
              | custom: true (points computed by the framework module), max_points}]
    gates:  [{code, name, required, confidence, provisional, source, unit,
              all_of | any_of: [{indicator, op, value, unit, label}]
              | score {min_total, min_dimensions, or_routes} | custom: true}]
    routes: [{code, name, confidence, provisional, source, all_of | any_of: [...]}]

English names (optional, read by :mod:`english`; results stay Chinese): ``name_en`` at the top,
on items, gates and routes; ``grades_en`` (the keys of ``grades``), ``dimensions_en`` (Chinese
dimension -> English, only dimensions the set uses), ``labels_en`` on category items (category ->
English, only categories of the item), ``required_en`` on gates. Each must be non-empty text.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .bands import BandTable, CategoryTable, category_key, default_labels
from .types import CriteriaError

CRITERIA_DIR = Path(__file__).parent / "criteria"
CONFIDENCE = ("S", "S2", "R")
OPS = (">=", ">", "<=", "<", "==", "!=", "in")
_FAMILY_RE = re.compile(r"^[a-z]+")


@dataclass(frozen=True)
class Condition:
    """``indicator op value``; judged three-valued (True / False / None when the input is missing)."""

    indicator: str
    op: str
    value: Any
    unit: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Alternative:
    indicator: str
    table: BandTable
    unit: str | None = None


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    dimension: str | None
    indicator: str | None
    unit: str | None
    max_points: float
    source: str | None
    confidence: str
    provisional: bool
    table: BandTable | None = None
    categories: CategoryTable | None = None
    alternatives: tuple[Alternative, ...] = ()
    custom: bool = False
    note: str | None = None
    name_en: str | None = None                                   # English name (data for an English UI)
    labels_en: Mapping[str, str] = field(default_factory=dict)   # category -> English label


@dataclass(frozen=True)
class GateSpec:
    code: str
    name: str
    required: str
    source: str | None
    confidence: str
    provisional: bool
    mode: str                      # all_of | any_of | score | custom
    conditions: tuple[Condition, ...] = ()
    unit: str | None = None
    min_total: float | None = None
    min_dimensions: Mapping[str, float] = field(default_factory=dict)
    or_routes: bool = False
    name_en: str | None = None
    required_en: str | None = None


@dataclass(frozen=True)
class Param:
    value: Any
    confidence: str
    provisional: bool
    source: str | None = None


@dataclass(frozen=True)
class Criteria:
    """One validated criteria set."""

    code: str
    family: str
    name: str
    version: str
    effective_from: date
    effective_to: date | None
    source: str
    framework: str
    max_total: float
    pass_mark: Param | None
    grades: Mapping[str, str]
    params: Mapping[str, Param]
    items: tuple[ItemSpec, ...]
    gates: tuple[GateSpec, ...]
    routes: tuple[GateSpec, ...]
    path: str
    data: Mapping[str, Any] = field(default_factory=dict)   # framework-specific top-level keys
    name_en: str | None = None
    grades_en: Mapping[str, str] = field(default_factory=dict)       # same keys as ``grades``
    dimensions_en: Mapping[str, str] = field(default_factory=dict)   # Chinese dimension -> English

    @property
    def provisional(self) -> bool:
        """True when any number of the set is provisional."""
        parts = [*self.items, *self.gates, *self.routes, *self.params.values()]
        if self.pass_mark is not None:
            parts.append(self.pass_mark)
        return any(p.provisional for p in parts) or _any_provisional(self.data)

    def param(self, name: str) -> Any:
        return self.params[name].value

    def item(self, code: str) -> ItemSpec:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def with_items(self, items: Sequence[ItemSpec]) -> Criteria:
        """A copy with another item list (e.g. a province's own 特色化 indicators)."""
        return dataclasses.replace(self, items=tuple(items))


def _any_provisional(node: Any) -> bool:
    """True when a framework-specific section marks any of its numbers provisional."""
    if isinstance(node, Mapping):
        return node.get("provisional") is True or any(_any_provisional(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_any_provisional(v) for v in node)
    return False


_TOP_KEYS = {"code", "family", "name", "version", "effective_from", "effective_to", "source", "framework",
             "max_total", "pass_mark", "grades", "params", "special_set", "items", "gates", "routes",
             "name_en", "grades_en", "dimensions_en"}
_ITEM_KEYS = {"code", "name", "dimension", "indicator", "unit", "confidence", "provisional", "source", "note",
              "bands", "categories", "labels", "alternatives", "custom", "max_points", "name_en", "labels_en"}
_GATE_KEYS = {"code", "name", "required", "confidence", "provisional", "source", "unit", "all_of", "any_of",
              "score", "custom", "note", "name_en", "required_en"}


class _Ctx:
    def __init__(self, path: str):
        self.path = path

    def fail(self, where: str, problem: str) -> CriteriaError:
        return CriteriaError(f"{self.path}: {where}: {problem}")


def _text(ctx: _Ctx, where: str, raw: Mapping, key: str) -> str | None:
    """An optional text (e.g. ``name_en``): absent, or a non-empty string."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail(where, f"{key} must be a non-empty text")
    return value


def _texts(ctx: _Ctx, where: str, raw: Mapping, key: str, allowed: set[str] | None = None,
           normalise=str) -> dict[str, str]:
    """An optional mapping of keys to non-empty texts (``grades_en``, ``labels_en``...), its keys
    among ``allowed`` (after ``normalise``)."""
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ctx.fail(where, f"{key} must be a mapping")
    out = {}
    for k, v in value.items():
        name = normalise(k)
        if allowed is not None and name not in allowed:
            raise ctx.fail(where, f"{key}: {k!r} is not one of {sorted(allowed)}")
        if not isinstance(v, str) or not v.strip():
            raise ctx.fail(where, f"{key}: {k!r} must be a non-empty text")
        out[name] = v
    return out


def _confidence(ctx: _Ctx, where: str, raw: Mapping) -> tuple[str, bool]:
    conf = raw.get("confidence")
    if conf not in CONFIDENCE:
        raise ctx.fail(where, f"confidence must be one of {CONFIDENCE}, got {conf!r}")
    prov = raw.get("provisional")
    if not isinstance(prov, bool):
        raise ctx.fail(where, "provisional must be given as true or false")
    if conf != "S" and not prov:
        raise ctx.fail(where, f"confidence {conf} is not S, so provisional must be true")
    return conf, prov


def _date(ctx: _Ctx, where: str, raw: Any, required: bool) -> date | None:
    if raw is None or raw == "":
        if required:
            raise ctx.fail(where, "a date is required")
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ctx.fail(where, f"not an ISO date: {raw!r}") from None


def _number(ctx: _Ctx, where: str, raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or math.isnan(float(raw)):
        raise ctx.fail(where, f"must be a number, got {raw!r}")
    return float(raw)


def _param(ctx: _Ctx, where: str, raw: Any) -> Param:
    if not isinstance(raw, Mapping) or "value" not in raw:
        raise ctx.fail(where, "must be a mapping with value, confidence, provisional")
    conf, prov = _confidence(ctx, where, raw)
    return Param(raw["value"], conf, prov, raw.get("source"))


def _band_table(ctx: _Ctx, where: str, raw: Any, unit: str | None) -> BandTable:
    if not isinstance(raw, Mapping):
        raise ctx.fail(where, "bands must be a mapping with edges and points")
    try:
        return BandTable.build(raw.get("edges", []), raw.get("points", []), raw.get("labels"),
                               raw.get("on_boundary", "higher"), unit or "")
    except (TypeError, ValueError) as exc:
        raise ctx.fail(where, str(exc)) from None


def parse_item(raw: Any, path: str = "<options>", where: str | None = None) -> ItemSpec:
    """Validate one item mapping (also used for a caller's own 特色化 items)."""
    ctx = _Ctx(path)
    where = where or "item"
    if not isinstance(raw, Mapping):
        raise ctx.fail(where, "an item must be a mapping")
    unknown = set(raw) - _ITEM_KEYS
    if unknown:
        raise ctx.fail(where, f"unknown keys {sorted(unknown)}")
    for key in ("code", "name"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ctx.fail(where, f"missing {key}")
    where = f"item {raw['code']}"
    conf, prov = _confidence(ctx, where, raw)
    unit = raw.get("unit")
    table = cats = None
    alts: list[Alternative] = []
    kinds = [k for k in ("bands", "categories", "alternatives", "custom") if raw.get(k)]
    if len(kinds) != 1:
        raise ctx.fail(where, f"needs exactly one of bands / categories / alternatives / custom, got {kinds}")
    if "bands" in raw:
        table = _band_table(ctx, where, raw["bands"], unit)
        max_points = table.max_points
    elif "categories" in raw:
        if not isinstance(raw["categories"], Mapping):
            raise ctx.fail(where, "categories must map a category to points")
        try:
            cats = CategoryTable.build(raw["categories"], raw.get("labels"))
        except (TypeError, ValueError) as exc:
            raise ctx.fail(where, f"categories: {exc}") from None
        max_points = cats.max_points
    elif "alternatives" in raw:
        if not isinstance(raw["alternatives"], Sequence) or not raw["alternatives"]:
            raise ctx.fail(where, "alternatives must be a non-empty list")
        for k, alt in enumerate(raw["alternatives"]):
            if not isinstance(alt, Mapping) or not isinstance(alt.get("indicator"), str):
                raise ctx.fail(f"{where} alternative {k}", "needs indicator and bands")
            alts.append(Alternative(alt["indicator"], _band_table(ctx, f"{where} alternative {k}",
                                                                  alt.get("bands"), alt.get("unit")),
                                    alt.get("unit")))
        max_points = max(a.table.max_points for a in alts)
    else:
        max_points = _number(ctx, f"{where} max_points", raw.get("max_points"))
    if "max_points" in raw and not raw.get("custom"):
        declared = _number(ctx, f"{where} max_points", raw["max_points"])
        if declared != max_points:
            raise ctx.fail(where, f"max_points {declared:g} does not match the table's best band {max_points:g}")
    indicator = raw.get("indicator")
    if (table is not None or cats is not None) and not isinstance(indicator, str):
        raise ctx.fail(where, "missing indicator")
    if "labels_en" in raw and cats is None:
        raise ctx.fail(where, "labels_en needs categories")
    labels_en = _texts(ctx, where, raw, "labels_en", set(cats.points) if cats is not None else None, category_key)
    return ItemSpec(code=raw["code"], name=raw["name"], dimension=raw.get("dimension"), indicator=indicator,
                    unit=unit, max_points=max_points, source=raw.get("source"), confidence=conf,
                    provisional=prov, table=table, categories=cats, alternatives=tuple(alts),
                    custom=bool(raw.get("custom")), note=raw.get("note"), name_en=_text(ctx, where, raw, "name_en"),
                    labels_en=labels_en)


def _conditions(ctx: _Ctx, where: str, raw: Any) -> tuple[Condition, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)) or not raw:
        raise ctx.fail(where, "conditions must be a non-empty list")
    out = []
    for k, c in enumerate(raw):
        w = f"{where} condition {k}"
        if not isinstance(c, Mapping) or not isinstance(c.get("indicator"), str):
            raise ctx.fail(w, "needs indicator, op, value")
        if c.get("op") not in OPS:
            raise ctx.fail(w, f"op must be one of {OPS}, got {c.get('op')!r}")
        if "value" not in c:
            raise ctx.fail(w, "missing value")
        value = c["value"]
        if c["op"] == "in":
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise ctx.fail(w, "op 'in' needs a list value")
            value = tuple(value)
        elif c["op"] not in ("==", "!="):
            value = _number(ctx, w, value)
        out.append(Condition(c["indicator"], c["op"], value, c.get("unit"), c.get("label")))
    return tuple(out)


def _gate(ctx: _Ctx, raw: Any, k: int, kind: str = "gate") -> GateSpec:
    where = f"{kind} {k}"
    if not isinstance(raw, Mapping):
        raise ctx.fail(where, f"a {kind} must be a mapping")
    unknown = set(raw) - _GATE_KEYS
    if unknown:
        raise ctx.fail(where, f"unknown keys {sorted(unknown)}")
    for key in ("code", "name"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ctx.fail(where, f"missing {key}")
    where = f"{kind} {raw['code']}"
    conf, prov = _confidence(ctx, where, raw)
    modes = [m for m in ("all_of", "any_of", "score", "custom") if m in raw]
    if len(modes) != 1:
        raise ctx.fail(where, f"needs exactly one of all_of / any_of / score / custom, got {modes}")
    mode = modes[0]
    common = dict(code=raw["code"], name=raw["name"], required=str(raw.get("required", "")),
                  source=raw.get("source"), confidence=conf, provisional=prov, mode=mode, unit=raw.get("unit"),
                  name_en=_text(ctx, where, raw, "name_en"), required_en=_text(ctx, where, raw, "required_en"))
    if mode in ("all_of", "any_of"):
        return GateSpec(conditions=_conditions(ctx, where, raw[mode]), **common)
    if mode == "score":
        s = raw["score"]
        if not isinstance(s, Mapping) or "min_total" not in s:
            raise ctx.fail(where, "score needs min_total")
        dims = s.get("min_dimensions") or {}
        if not isinstance(dims, Mapping):
            raise ctx.fail(where, "min_dimensions must map a dimension to a minimum")
        return GateSpec(min_total=_number(ctx, where, s["min_total"]),
                        min_dimensions={str(d): _number(ctx, where, v) for d, v in dims.items()},
                        or_routes=bool(s.get("or_routes", False)), **common)
    return GateSpec(**common)


def _special_items(set_name: str) -> list[Any]:
    common = _read_yaml(CRITERIA_DIR / "common.yaml")
    sets = common.get("special_sets") or {}
    if set_name not in sets:
        raise CriteriaError(f"{CRITERIA_DIR / 'common.yaml'}: special_sets: no set named {set_name!r}")
    return list(sets[set_name].get("items") or [])


def _read_yaml(path: Path) -> Mapping:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise CriteriaError(f"{path}: not valid YAML: {exc}") from None
    except OSError as exc:
        raise CriteriaError(f"{path}: cannot be read: {exc.strerror}") from None
    if not isinstance(data, Mapping):
        raise CriteriaError(f"{path}: the top level must be a mapping")
    return data


def load_file(path: str | Path) -> Criteria:
    """Read and validate one criteria file; raises CriteriaError naming the file and the problem."""
    path = Path(path)
    raw = _read_yaml(path)
    ctx = _Ctx(str(path))
    for key in ("code", "name", "version", "source"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ctx.fail("top level", f"missing or empty {key}")
    family = raw.get("family") or _FAMILY_RE.match(raw["code"]).group(0)
    framework = raw.get("framework") or family
    for key, val in (("family", family), ("framework", framework)):
        if not isinstance(val, str) or not val:
            raise ctx.fail("top level", f"{key} must be a non-empty string")
    eff_from = _date(ctx, "effective_from", raw.get("effective_from"), True)
    eff_to = _date(ctx, "effective_to", raw.get("effective_to"), False)
    if eff_to is not None and eff_to < eff_from:
        raise ctx.fail("effective_to", f"{eff_to} is before effective_from {eff_from}")
    items_raw = raw.get("items") or []
    if not isinstance(items_raw, Sequence):
        raise ctx.fail("items", "must be a list")
    items_raw = list(items_raw)
    if raw.get("special_set"):
        items_raw += _special_items(str(raw["special_set"]))
    items = tuple(parse_item(it, str(path), f"item {k}") for k, it in enumerate(items_raw))
    codes = [it.code for it in items]
    dup = {c for c in codes if codes.count(c) > 1}
    if dup:
        raise ctx.fail("items", f"duplicate item codes {sorted(dup)}")
    gates = tuple(_gate(ctx, g, k) for k, g in enumerate(raw.get("gates") or []))
    routes = tuple(_gate(ctx, g, k, "route") for k, g in enumerate(raw.get("routes") or []))
    max_total = _number(ctx, "max_total", raw.get("max_total", 0))
    if items:
        item_sum = sum(it.max_points for it in items)
        if abs(item_sum - max_total) > 1e-9:
            raise ctx.fail("max_total", f"{max_total:g} but the items' maxima add up to {item_sum:g}")
    params = raw.get("params") or {}
    if not isinstance(params, Mapping):
        raise ctx.fail("params", "must be a mapping")
    grades = raw.get("grades") or {"passed": "达标", "failed": "未达标"}
    if not isinstance(grades, Mapping) or not {"passed", "failed"} <= set(grades):
        raise ctx.fail("grades", "needs passed and failed labels")
    dimensions = {it.dimension for it in items if it.dimension} | {d for g in gates for d in g.min_dimensions}
    return Criteria(
        code=raw["code"], family=family, name=raw["name"], version=str(raw["version"]),
        effective_from=eff_from, effective_to=eff_to, source=raw["source"], framework=framework,
        max_total=max_total,
        pass_mark=_param(ctx, "pass_mark", raw["pass_mark"]) if raw.get("pass_mark") is not None else None,
        grades={str(k): str(v) for k, v in grades.items()},
        params={str(k): _param(ctx, f"params.{k}", v) for k, v in params.items()},
        items=items, gates=gates, routes=routes, path=str(path),
        data={k: v for k, v in raw.items() if k not in _TOP_KEYS},
        name_en=_text(ctx, "top level", raw, "name_en"),
        grades_en=_texts(ctx, "top level", raw, "grades_en", {str(k) for k in grades}),
        dimensions_en=_texts(ctx, "top level", raw, "dimensions_en", dimensions))


@lru_cache(maxsize=1)
def load_all() -> tuple[Criteria, ...]:
    """Every criteria set shipped in ``criteria/`` (common.yaml excluded), sorted by family and date."""
    out = [load_file(p) for p in sorted(CRITERIA_DIR.glob("*.yaml")) if p.name != "common.yaml"]
    codes = [c.code for c in out]
    dup = {c for c in codes if codes.count(c) > 1}
    if dup:
        raise CriteriaError(f"{CRITERIA_DIR}: duplicate criteria codes {sorted(dup)}")
    return tuple(sorted(out, key=lambda c: (c.family, c.effective_from)))


def by_code(code: str) -> Criteria:
    for c in load_all():
        if c.code == code:
            return c
    raise KeyError(code)


def families() -> tuple[str, ...]:
    return tuple(sorted({c.family for c in load_all()}))


def in_force(family: str, day: date) -> Criteria | None:
    """The set of ``family`` in force on ``day`` (the latest effective_from not after it)."""
    found = [c for c in load_all() if c.family == family and c.in_force(day)]
    return max(found, key=lambda c: c.effective_from) if found else None


@lru_cache(maxsize=1)
def common() -> Mapping:
    """common.yaml (energy coefficients, CO2 factors, province 特色化 sets), validated for confidence marks."""
    path = CRITERIA_DIR / "common.yaml"
    data = _read_yaml(path)
    ctx = _Ctx(str(path))
    for section, key in (("energy", "coefficients"), ("carbon", "factors")):
        for name, p in (data.get(section, {}).get(key) or {}).items():
            _param(ctx, f"{section}.{key}.{name}", p)
            _number(ctx, f"{section}.{key}.{name}", p["value"])
    _param(ctx, "carbon.grid_factor_kg_per_kwh", data["carbon"]["grid_factor_kg_per_kwh"])
    return data


__all__ = ["Alternative", "Condition", "Criteria", "GateSpec", "ItemSpec", "Param", "by_code", "common",
           "default_labels", "families", "in_force", "load_all", "load_file", "parse_item"]
