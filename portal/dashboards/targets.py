"""The district plan's indicator targets, loaded from ``district_targets.yaml``.

The YAML is copied verbatim from the spec (重庆铜梁区先进制造业"十四五"发展规划, chapter 3 and
附表1); baselines are the plan's 2020 values. Loading is pure apart from reading that one file,
and the result is cached because the file ships with the package and never changes at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

TARGETS_FILE = Path(__file__).with_name("district_targets.yaml")


@dataclass(frozen=True)
class Target:
    """One plan indicator: what it measures, its unit, and the 2020 baseline / 2025 target."""

    code: str
    zh: str
    unit: str
    direction: str  # "up" (higher is better) or "down"
    target: float | None = None
    baseline: float | None = None
    formula: str | None = None
    note: str | None = None
    cluster: str | None = None


@dataclass(frozen=True)
class Plan:
    """The plan's metadata and its indicators in file order."""

    name: str
    target_year: int
    baseline_year: int
    indicators: tuple[Target, ...]

    def by_code(self) -> Mapping[str, Target]:
        return MappingProxyType({t.code: t for t in self.indicators})


def _num(value) -> float | None:
    return None if value is None else float(value)


def parse_plan(data: Mapping) -> Plan:
    """Build a ``Plan`` from the parsed YAML mapping (kept separate so tests can feed dicts)."""
    indicators = []
    for item in data["indicators"]:
        direction = item.get("direction", "up")
        if direction not in ("up", "down"):
            raise ValueError(f"indicator {item['code']}: direction must be up or down, not {direction!r}")
        indicators.append(
            Target(
                code=str(item["code"]),
                zh=str(item["zh"]),
                unit=str(item["unit"]),
                direction=direction,
                target=_num(item.get("target")),
                baseline=_num(item.get("baseline")),
                formula=item.get("formula"),
                note=item.get("note"),
                cluster=item.get("cluster"),
            )
        )
    codes = [t.code for t in indicators]
    if len(codes) != len(set(codes)):
        raise ValueError("duplicate indicator codes in district targets")
    return Plan(
        name=str(data.get("plan", "")),
        target_year=int(data["target_year"]),
        baseline_year=int(data["baseline_year"]),
        indicators=tuple(indicators),
    )


@lru_cache(maxsize=4)
def load_plan(path: str | Path = TARGETS_FILE) -> Plan:
    """Load and cache the plan from ``path`` (the packaged YAML by default)."""
    with open(path, encoding="utf-8") as fh:
        return parse_plan(yaml.safe_load(fh))


def load_targets(path: str | Path = TARGETS_FILE) -> Mapping[str, Target]:
    """Targets keyed by indicator code, in file order."""
    return load_plan(path).by_code()
