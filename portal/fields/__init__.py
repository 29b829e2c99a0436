"""The field registry: one source of truth for every enterprise-profile and report field.

Loaded from ``report_fields.yaml`` (a copy of the shared data dictionary, extended here when
needed; its keys are the contract between intake, scoring, dashboards, spreadsheets and the
``assess`` command). Models build their columns from it, forms build their inputs from it,
validation reads its rules, and spreadsheets take their columns from it, so these never drift.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

UNIT_LABELS = {
    "wan_yuan": "万元",
    "persons": "人",
    "items": "项",
    "sets": "台（套）",
    "pct": "%",
    "kWh": "千瓦时",
    "m3": "立方米",
    "t": "吨",
    "GJ": "吉焦",
    "tce": "吨标准煤",
    "mu": "亩",
    "m2": "平方米",
    "rank": "名",
}

NUMERIC_TYPES = ("decimal", "int")


@dataclass(frozen=True, eq=False)
class FieldSpec:
    """One field of the data dictionary."""

    key: str
    zh: str
    en: str
    type: str                       # str | enum | date | int | decimal | bool | multi | map
    section: str                    # "profile" or a report section key
    kind: str = "profile"           # profile | flow | stock
    unit: str | None = None
    required: bool = False
    required_when: str | None = None  # a condition in words, e.g. "when park = town"
    rules: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    keys: tuple[str, ...] = ()      # for map fields: the map's keys
    note: str | None = None

    @property
    def unit_label(self) -> str | None:
        if self.unit is None:
            return None
        return UNIT_LABELS.get(self.unit, self.unit)

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    def label_for(self, value: str) -> str:
        return self.labels.get(value, value)


@dataclass(frozen=True, eq=False)
class Section:
    key: str
    zh: str
    fields: tuple[FieldSpec, ...]


def _spec(raw: dict[str, Any], section: str) -> FieldSpec:
    required = raw.get("required", False)
    return FieldSpec(
        key=raw["key"],
        zh=raw["zh"],
        en=raw.get("en", raw["key"].replace("_", " ")),
        type=raw["type"],
        section=section,
        kind=raw.get("kind", "profile"),
        unit=raw.get("unit"),
        required=required is True,
        required_when=required if isinstance(required, str) else None,
        rules=tuple(str(r) for r in raw.get("rules", ())),
        values=tuple(raw.get("values", ())),
        labels=dict(raw.get("labels", {})),
        keys=tuple(raw.get("keys", ())),
        note=raw.get("note"),
    )


@dataclass(frozen=True, eq=False)
class Registry:
    profile: tuple[FieldSpec, ...]
    sections: tuple[Section, ...]
    cross_period_rules: tuple[str, ...]

    @property
    def report_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, key: str) -> FieldSpec:
        return _by_key(self)[key]

    def get(self, key: str) -> FieldSpec | None:
        return _by_key(self).get(key)


@cache
def _by_key(registry: Registry) -> dict[str, FieldSpec]:
    return {f.key: f for f in (*registry.profile, *registry.report_fields)}


@cache
def registry() -> Registry:
    """Load the registry once per process."""
    raw = yaml.safe_load(Path(__file__).with_name("report_fields.yaml").read_text(encoding="utf-8"))
    sections = tuple(
        Section(key=key, zh=sec["zh"], fields=tuple(_spec(f, key) for f in sec["fields"]))
        for key, sec in raw["sections"].items()
    )
    return Registry(
        profile=tuple(_spec(f, "profile") for f in raw["profile"]),
        sections=sections,
        cross_period_rules=tuple(raw.get("cross_period_rules", ())),
    )


def report_fields() -> tuple[FieldSpec, ...]:
    return registry().report_fields


def profile_fields() -> tuple[FieldSpec, ...]:
    return registry().profile
