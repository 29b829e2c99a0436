"""The field registry: one source of truth for every enterprise-profile and report field.

Loaded from ``report_fields.yaml`` (a copy of the shared data dictionary, extended here when
needed; its keys are the contract between intake, scoring, dashboards, spreadsheets and the
``assess`` command). Models build their columns from it, forms build their inputs from it,
validation reads its rules, and spreadsheets take their columns from it, so these never drift.

Every field has a Chinese name (``zh``) and an English one (``en``); choice values have Chinese
``labels`` and English ``labels_en``. ``zh``, ``unit_label`` and ``label_for`` are always Chinese
(spreadsheet templates, certificates and audit texts are Chinese documents); ``label``,
``unit_text``, ``title``, ``value_label`` and ``help_note`` follow the reader's language
(:func:`reader_language`: English only inside an English request, Chinese everywhere else).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from portal.fields.words import join_clauses, join_items, reader_language

__all__ = ["FieldSpec", "Section", "Registry", "registry", "report_fields", "profile_fields", "join_items",
           "join_clauses", "reader_language", "UNIT_LABELS", "UNIT_LABELS_EN", "NUMERIC_TYPES"]

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
UNIT_LABELS_EN = {
    "wan_yuan": "× 10k CNY",
    "persons": "persons",
    "items": "items",
    "sets": "sets",
    "pct": "%",
    "kWh": "kWh",
    "m3": "m³",
    "t": "t",
    "GJ": "GJ",
    "tce": "tce",
    "mu": "mu",
    "m2": "m²",
    "rank": "rank",
}

NUMERIC_TYPES = ("decimal", "int")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


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
    labels_en: dict[str, str] = field(default_factory=dict)
    keys_en: dict[str, str] = field(default_factory=dict)   # map fields: English names of sub-keys
    note_en: str | None = None

    @property
    def unit_label(self) -> str | None:
        """The unit in Chinese (万元, 千瓦时 ...)."""
        if self.unit is None:
            return None
        return UNIT_LABELS.get(self.unit, self.unit)

    @property
    def label(self) -> str:
        """The field's name in the reader's language."""
        return self.en if reader_language() == "en" else self.zh

    @property
    def unit_text(self) -> str | None:
        """The unit in the reader's language."""
        if self.unit is None:
            return None
        if self.unit.startswith("per "):
            # "per main_product_unit": counted in the unit the enterprise names in another field.
            return _("按主要产品计量单位")
        if reader_language() != "en":
            return self.unit_label
        return UNIT_LABELS_EN.get(self.unit, self.unit)

    @property
    def title(self) -> str:
        """The name with its unit, e.g. 营业收入（万元） / Operating revenue (× 10k CNY)."""
        unit = self.unit_text
        return _("%(label)s（%(unit)s）", label=self.label, unit=unit) if unit else self.label

    @property
    def help_note(self) -> str | None:
        """The note meant for people filling the form (English notes of the dictionary are for developers)."""
        if reader_language() == "en":
            return self.note_en
        return self.note if self.note and _has_cjk(self.note) else None

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    def label_for(self, value: str) -> str:
        """A choice value's Chinese label (the key itself when unlabelled)."""
        return self.labels.get(value, value)

    def value_label(self, value: str) -> str:
        """A choice value's label in the reader's language."""
        if reader_language() == "en":
            return self.labels_en.get(value) or self.labels.get(value, value)
        return self.labels.get(value, value)


@dataclass(frozen=True, eq=False)
class Section:
    key: str
    zh: str
    fields: tuple[FieldSpec, ...]
    en: str = ""

    @property
    def label(self) -> str:
        """The section's name in the reader's language."""
        return self.en if reader_language() == "en" and self.en else self.zh


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
        labels_en=dict(raw.get("labels_en", {})),
        keys_en=dict(raw.get("keys_en", {})),
        note_en=raw.get("note_en"),
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
        Section(key=key, zh=sec["zh"], en=sec.get("en", ""), fields=tuple(_spec(f, key) for f in sec["fields"]))
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
