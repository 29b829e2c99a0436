"""Frozen result types shared by every framework of the scoring engine.

The engine turns plain data (an enterprise profile and its quarterly reports, keyed as in
``portal/fields/report_fields.yaml``) into these immutable results. Nothing here knows about
Flask or a database: a result is serialised with :meth:`Result.to_dict` and stored as a snapshot
by the reporting room.

A value that could not be computed because an input is missing is ``None`` ("not available"),
never zero.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


class InputError(ValueError):
    """Invalid engine input; ``field`` names the offending key (e.g. ``reports[2].revenue``)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CriteriaError(ValueError):
    """A malformed criteria file; the message names the file and the problem."""


@dataclass(frozen=True)
class Item:
    """One scored indicator of a framework's points table."""

    code: str
    name: str                      # Chinese label shown to users
    value: float | str | None      # the input value the band was matched on; None = not available
    unit: str | None
    band: str | None               # human-readable band matched, e.g. "≥3% 且 <5%"
    points: float
    max_points: float
    dimension: str | None = None   # e.g. 创新能力 / 成长性 / 专业化
    source: str | None = None      # criteria source key(s), e.g. "[R-zct-gd]"
    provisional: bool = False
    available: bool = True         # False when an input needed for the item is missing
    note: str | None = None


@dataclass(frozen=True)
class Gate:
    """A required condition or veto (一票否决); ``passed`` is None when it cannot be judged."""

    code: str
    name: str
    passed: bool | None
    value: float | str | bool | None
    required: str                  # the threshold in words, e.g. "≥ 100 万元"
    shortfall: float | None = None  # how far from passing, in ``unit`` (None when passed / n.a.)
    unit: str | None = None
    detail: str | None = None
    source: str | None = None
    provisional: bool = False


@dataclass(frozen=True)
class Recommendation:
    """The smallest change that earns more points or clears a gate, with its numbers."""

    code: str                      # the item or gate code it concerns
    text: str                      # Chinese, with the numbers
    points_gain: float
    target_value: float | str | None
    current_value: float | str | None = None
    unit: str | None = None
    clears_gate: bool = False
    changes_grade: bool = False
    effort: float | None = None    # relative effort estimate used for ranking (lower is easier)
    rank: int = 0


@dataclass(frozen=True)
class Result:
    """The outcome of one framework for one enterprise at one point in time."""

    framework: str
    framework_name: str
    criteria_version: str
    effective_from: date
    effective_to: date | None
    as_of: date
    total: float | None
    max_total: float
    grade: str | None              # level/grade label, e.g. "智能工厂" / "L2" / "认定"
    passed: bool | None
    gates: tuple[Gate, ...] = ()
    items: tuple[Item, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    routes: tuple[str, ...] = ()   # direct routes (直通条件) that apply
    provisional: bool = False      # any provisional number used
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings); the ``assess`` command's contract."""
        data = asdict(self)
        for key in ("effective_from", "effective_to", "as_of"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return _json_ready(data)


def _json_ready(value: Any) -> Any:
    """Plain JSON types only: numpy scalars and Decimal become float/int/bool, floats are rounded
    to 4 decimals, NaN becomes None, tuples become lists, dates ISO strings."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (int, float)):   # numpy scalar
        value = value.item()
        if isinstance(value, bool):
            return value
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 4) + 0.0
    if isinstance(value, int):
        return value
    return str(value)
