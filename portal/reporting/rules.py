"""Executable form of the rule strings in the field registry.

The data dictionary writes each rule in words (``">= 0"``, ``"<= revenue"``,
``"warn: value_added / gross_output_value outside 0.10-0.60"``, ``"when park = town"`` ...).
This module parses every one of them once, on first use, into small frozen rule objects that
know their field, severity (``error`` or ``warn``), a stable code and how to phrase a message
with the numbers involved (Chinese, or English in an English request: each message is one
Flask-Babel msgid with named %(...)s fields). A rule string this parser does not understand raises
:class:`RuleSyntaxError` naming the field and the text, so a new rule in the dictionary can never
be silently ignored.

Grammar understood (the severity is ``error`` unless the text starts with ``warn:`` or ends
with ``(warn)``):

- ``>= N`` / ``<= expr``: a bound; ``expr`` is a sum of terms ``key``, ``k * key`` or numbers.
- ``warn: > expr`` / ``warn: field > expr``: a warning triggered when the value exceeds ``expr``.
- ``A-B``: an inclusive numeric range; ``A-B chars``: a text length range.
- ``warn: field / other outside A-B``: a ratio outside its usual range.
- ``18 chars, GB 32100-2015 ...``: the unified social credit code check.
- ``4-digit class code in divisions A-B ...``: a GB/T 4754-2017 class code in those divisions.
- ``when key = value`` / ``when key given``: conditional requirements (``required_when``).

Cross-period rules (``cross_period_rules``) are parsed here as well so that their thresholds
come from the dictionary; they are evaluated in :mod:`portal.reporting.validation`, which has
the enterprise's history.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from flask_babel import gettext as _

from portal.fields import FieldSpec, registry
from portal.fields.uscc import uscc_problem

ERROR = "error"
WARN = "warn"


class RuleSyntaxError(ValueError):
    """A rule string of the data dictionary that this module cannot parse."""

    def __init__(self, field: str, text: str, why: str = "无法识别的规则"):
        super().__init__(f"字段 {field} 的规则无法解析（{why}）：{text!r}")
        self.field = field
        self.text = text


@dataclass(frozen=True)
class Issue:
    """One validation finding: ``code`` is stable (used to attach explanations to warnings)."""

    code: str
    field: str
    message: str
    severity: str = ERROR


# --------------------------------------------------------------------------- helpers


def to_decimal(value: Any) -> Decimal | None:
    """A typed numeric value as Decimal; None for empty, non-numeric or non-finite values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        d = Decimal(repr(value)) if value == value and value not in (float("inf"), float("-inf")) else None
        return d
    if isinstance(value, str):
        try:
            d = Decimal(value.strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            return None
        return d if d.is_finite() else None
    return None


def fmt_num(value: Decimal | int | float) -> str:
    """Plain number for messages: no exponent, no trailing zeros, at most 4 decimals."""
    d = to_decimal(value)
    if d is None:
        return str(value)
    if d != d.to_integral_value() and d.as_tuple().exponent < -4:  # type: ignore[operator]
        d = d.quantize(Decimal("0.0001"))
    if d == d.to_integral_value():
        return f"{d.to_integral_value():f}"
    return f"{d.normalize():f}"


@cache
def _specs_by_key() -> dict[str, FieldSpec]:
    # Registry.get/field hash the frozen Registry, whose FieldSpecs hold dicts (labels) and so
    # are unhashable; a plain dict built once here avoids that path.
    reg = registry()
    return {f.key: f for f in (*reg.profile, *reg.report_fields)}


def spec(key: str) -> FieldSpec | None:
    """The registry entry of ``key`` (None when unknown)."""
    return _specs_by_key().get(key)


def _label(key: str) -> str:
    """A field's name in the reader's language."""
    spec = _specs_by_key().get(key)
    return spec.label if spec else key


def _with_unit(key: str, value: Decimal) -> str:
    spec = _specs_by_key().get(key)
    unit = spec.unit_text if spec else None
    if unit == "%":
        return f"{fmt_num(value)}%"
    return f"{fmt_num(value)} {unit}" if unit else fmt_num(value)


def _pct(ratio: Decimal) -> str:
    return f"{fmt_num((ratio * 100).quantize(Decimal('0.1')))}%"


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule(ABC):
    """Base of every parsed rule."""

    field: str
    text: str
    code: str
    severity: str

    @property
    def refs(self) -> tuple[str, ...]:
        """Other fields the rule reads."""
        return ()

    def check(self, values: Mapping[str, Any]) -> Issue | None:
        message = self.message(values)
        if message is None:
            return None
        return Issue(self.code, self.field, message, self.severity)

    @abstractmethod
    def message(self, values: Mapping[str, Any]) -> str | None:
        """The message (in the reader's language) when ``values`` break the rule, else None."""


@dataclass(frozen=True)
class Term:
    coef: Decimal
    key: str


@dataclass(frozen=True)
class Bound(Rule):
    """``value <op> const + sum(coef * other)``; violated values produce the issue."""

    op: str = "ge"                  # "ge" | "le": the constraint that must hold
    terms: tuple[Term, ...] = ()
    const: Decimal = Decimal(0)

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.terms)

    def rhs(self, values: Mapping[str, Any]) -> Decimal | None:
        total = self.const
        for term in self.terms:
            v = to_decimal(values.get(term.key))
            if v is None:
                other = spec(term.key)
                if len(self.terms) > 1 and other is not None and not other.required:
                    # In a sum, an optional amount left empty adds nothing ("utilised <=
                    # generated + prior stock used" still holds with no prior stock used).
                    continue
                return None        # the other side is not available: nothing to compare
            total += term.coef * v
        return total

    def _rhs_words(self, rhs: Decimal) -> str:
        """The other side as a noun phrase: 营业收入（100 万元） / 营业收入（…）的 50% / A与B之和（…）."""
        if len(self.terms) == 1:
            t = self.terms[0]
            other = to_decimal(rhs / t.coef) if t.coef else rhs
            if t.coef != 1:
                return _("%(other)s（%(value)s）的 %(pct)s%%", other=_label(t.key), value=_with_unit(t.key, other),
                         pct=fmt_num(t.coef * 100))
            return _("%(other)s（%(value)s）", other=_label(t.key), value=_with_unit(t.key, other))
        names = _label(self.terms[0].key)
        for t in self.terms[1:]:
            names = _("%(first)s与%(second)s", first=names, second=_label(t.key))
        return _("%(names)s之和（%(value)s）", names=names, value=_with_unit(self.terms[0].key, rhs))

    def message(self, values: Mapping[str, Any]) -> str | None:
        value = to_decimal(values.get(self.field))
        if value is None:
            return None
        rhs = self.rhs(values)
        if rhs is None:
            return None
        if self.op == "ge" and value >= rhs or self.op == "le" and value <= rhs:
            return None
        mine = {"field": _label(self.field), "value": _with_unit(self.field, value)}
        if not self.terms:
            number = fmt_num(rhs)
            if self.op == "ge" and rhs == 0:
                return _("%(field)s（%(value)s）不能为负数。", **mine)
            if self.severity == WARN:
                if self.op == "le":
                    return _("%(field)s（%(value)s）超过 %(number)s，请核实并说明原因。", number=number, **mine)
                return _("%(field)s（%(value)s）低于 %(number)s，请核实并说明原因。", number=number, **mine)
            if self.op == "le":
                return _("%(field)s（%(value)s）不能大于 %(number)s。", number=number, **mine)
            return _("%(field)s（%(value)s）不能小于 %(number)s。", number=number, **mine)
        limit = self._rhs_words(rhs)
        if self.severity == WARN:
            if self.op == "le":
                return _("%(field)s（%(value)s）超过%(limit)s，请核实并说明原因。", limit=limit, **mine)
            return _("%(field)s（%(value)s）低于%(limit)s，请核实并说明原因。", limit=limit, **mine)
        if self.op == "le":
            return _("%(field)s（%(value)s）不能大于%(limit)s。", limit=limit, **mine)
        return _("%(field)s（%(value)s）不能小于%(limit)s。", limit=limit, **mine)


@dataclass(frozen=True)
class Range(Rule):
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(100)

    def message(self, values: Mapping[str, Any]) -> str | None:
        value = to_decimal(values.get(self.field))
        if value is None or self.low <= value <= self.high:
            return None
        return _("%(field)s应在 %(low)s 到 %(high)s 之间（当前为 %(value)s）。", field=_label(self.field),
                 low=fmt_num(self.low), high=fmt_num(self.high), value=fmt_num(value))


@dataclass(frozen=True)
class Length(Rule):
    low: int = 0
    high: int = 0

    def message(self, values: Mapping[str, Any]) -> str | None:
        value = values.get(self.field)
        if not isinstance(value, str):
            return None
        n = len(value.strip())
        if self.low <= n <= self.high:
            return None
        return _("%(field)s应为 %(low)s 到 %(high)s 个字符（当前 %(n)s 个）。", field=_label(self.field),
                 low=self.low, high=self.high, n=n)


@dataclass(frozen=True)
class UsccFormat(Rule):
    def message(self, values: Mapping[str, Any]) -> str | None:
        value = values.get(self.field)
        if value is None or value == "":
            return None
        return uscc_problem(str(value))


@dataclass(frozen=True)
class IndustryCode(Rule):
    """A 4-digit GB/T 4754-2017 class code whose first two digits are a manufacturing division.

    The dictionary allows non-manufacturing enterprises "when marked": a truthy
    ``non_manufacturing`` value in the same mapping lifts the division check (the 4-digit
    format is still required).
    """

    low: int = 13
    high: int = 43

    def message(self, values: Mapping[str, Any]) -> str | None:
        value = values.get(self.field)
        if value is None or value == "":
            return None
        code = str(value).strip()
        if not re.fullmatch(r"\d{4}", code):
            return _("%(field)s应为 4 位数字的行业小类代码（如 3670），当前为“%(code)s”。",
                     field=_label(self.field), code=code)
        if values.get("non_manufacturing"):
            return None
        if not self.low <= int(code[:2]) <= self.high:
            return _("%(field)s %(code)s 不属于制造业（行业大类 %(low)s–%(high)s），"
                     "请核对或联系管理员标记为非制造业企业。", field=_label(self.field), code=code,
                     low=self.low, high=self.high)
        return None


@dataclass(frozen=True)
class RatioRange(Rule):
    denominator: str = ""
    low: Decimal = Decimal(0)
    high: Decimal = Decimal(1)

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.denominator,)

    def message(self, values: Mapping[str, Any]) -> str | None:
        num = to_decimal(values.get(self.field))
        den = to_decimal(values.get(self.denominator))
        if num is None or den is None or den <= 0:
            return None
        ratio = num / den
        if self.low <= ratio <= self.high:
            return None
        return _("%(field)s（%(value)s）与%(other)s（%(other_value)s）之比为 %(ratio)s，"
                 "不在通常范围 %(low)s–%(high)s 之内，请核实并说明原因。",
                 field=_label(self.field), value=_with_unit(self.field, num), other=_label(self.denominator),
                 other_value=_with_unit(self.denominator, den), ratio=_pct(ratio), low=_pct(self.low),
                 high=_pct(self.high))


@dataclass(frozen=True)
class Requirement:
    """A conditional requirement: ``field`` must be filled when the condition holds."""

    field: str
    text: str
    when_field: str
    equals: str | None = None       # None: "when <when_field> given"

    @property
    def code(self) -> str:
        return f"{self.field}.required"

    def applies(self, values: Mapping[str, Any]) -> bool:
        other = values.get(self.when_field)
        if self.equals is None:
            return other is not None and other != "" and other != [] and other != {}
        return other == self.equals

    def message(self) -> str:
        cond = spec(self.when_field)
        cond_label = cond.label if cond else self.when_field
        if self.equals is None:
            return _("填写了%(other)s时，请同时填写%(field)s。", other=cond_label, field=_label(self.field))
        shown = cond.value_label(self.equals) if cond else self.equals
        return _("%(other)s为“%(value)s”时，请填写%(field)s。", other=cond_label, value=shown, field=_label(self.field))


@dataclass(frozen=True)
class CrossPeriodRule:
    """A rule comparing a report with the enterprise's own earlier reports."""

    kind: str                       # "change" | "energy_intensity" | "drop" | "before_founded"
    text: str
    severity: str
    fields: tuple[str, ...] = ()
    threshold: Decimal = Decimal(0)  # as a fraction: 0.5 for "more than 50%"
    fallback_previous_quarter: bool = False

    def code(self, field: str | None = None) -> str:
        if self.kind == "change":
            return "yoy_output" if field == "gross_output_value" else f"yoy_{field}"
        if self.kind == "energy_intensity":
            return "yoy_energy_intensity"
        if self.kind == "drop":
            return f"drop_{field}"
        return "before_founded"


# --------------------------------------------------------------------------- parsing

_KEY = r"[a-z][a-z0-9_]*"
_NUM = r"\d+(?:\.\d+)?"


def _known(field: str, key: str, text: str) -> str:
    if spec(key) is None:
        raise RuleSyntaxError(field, text, f"未知字段 {key}")
    return key


def _parse_expr(field: str, expr: str, text: str) -> tuple[tuple[Term, ...], Decimal]:
    terms: list[Term] = []
    const = Decimal(0)
    for part in expr.split("+"):
        part = part.strip()
        if re.fullmatch(_NUM, part):
            const += Decimal(part)
            continue
        m = re.fullmatch(rf"(?:({_NUM})\s*\*\s*)?({_KEY})", part)
        if not m:
            raise RuleSyntaxError(field, text, f"无法识别的表达式 {part!r}")
        terms.append(Term(Decimal(m.group(1) or 1), _known(field, m.group(2), text)))
    return tuple(terms), const


def _expr_code(terms: tuple[Term, ...], const: Decimal) -> str:
    parts = [t.key if t.coef == 1 else f"{fmt_num(t.coef)}*{t.key}" for t in terms]
    if const or not parts:
        parts.append(fmt_num(const))
    return "+".join(parts)


def parse_rule(field: str, text: str) -> Rule:
    """Parse one rule string of ``field``; raises :class:`RuleSyntaxError` when not understood."""
    body = " ".join(text.split())
    severity = ERROR
    if body.startswith("warn:"):
        severity, body = WARN, body[5:].strip()
    if body.endswith("(warn)"):
        severity, body = WARN, body[:-6].strip()

    if m := re.fullmatch(r"18 chars, GB 32100-2015\b.*", body):
        return UsccFormat(field, text, f"{field}.format", severity)
    if m := re.fullmatch(r"4-digit class code in divisions (\d+)-(\d+)\b.*", body):
        return IndustryCode(field, text, f"{field}.format", severity, low=int(m[1]), high=int(m[2]))
    if m := re.fullmatch(r"(\d+)-(\d+) chars", body):
        return Length(field, text, f"{field}.length", severity, low=int(m[1]), high=int(m[2]))
    if m := re.fullmatch(rf"(-?{_NUM})-({_NUM})", body):
        return Range(field, text, f"{field}.range", severity, low=Decimal(m[1]), high=Decimal(m[2]))
    if m := re.fullmatch(rf"({_KEY})\s*/\s*({_KEY}) outside ({_NUM})-({_NUM})", body):
        if m[1] != field:
            raise RuleSyntaxError(field, text, "比值规则的分子应为本字段")
        return RatioRange(field, text, f"{field}.ratio_range", severity,
                          denominator=_known(field, m[2], text), low=Decimal(m[3]), high=Decimal(m[4]))
    if m := re.fullmatch(rf"(?:({_KEY})\s+)?(<=|>=|<|>)\s*(.+)", body):
        lhs, op, expr = m[1], m[2], m[3]
        if lhs is not None and lhs != field:
            raise RuleSyntaxError(field, text, "规则左侧应为本字段")
        if op in ("<", ">") and severity != WARN:
            # "> x" in the dictionary names the condition that triggers a warning; as a hard
            # error it would be ambiguous about the boundary, so it is refused.
            raise RuleSyntaxError(field, text, "严格比较只用于警告")
        constraint = {"<=": "le", ">=": "ge", ">": "le", "<": "ge"}[op]
        terms, const = _parse_expr(field, expr, text)
        code = f"{field}.{constraint}.{_expr_code(terms, const)}"
        return Bound(field, text, code, severity, op=constraint, terms=terms, const=const)
    raise RuleSyntaxError(field, text)


def parse_requirement(field: str, text: str) -> Requirement:
    body = " ".join(text.split())
    if m := re.fullmatch(rf"when ({_KEY}) = (\S+)", body):
        return Requirement(field, text, _known(field, m[1], text), m[2])
    if m := re.fullmatch(rf"when ({_KEY}) given", body):
        return Requirement(field, text, _known(field, m[1], text), None)
    raise RuleSyntaxError(field, text, "无法识别的条件必填")


def parse_cross_period_rule(text: str) -> CrossPeriodRule:
    body = " ".join(text.split())
    m = re.fullmatch(r"(warn|error): (.+)", body)
    if not m:
        raise RuleSyntaxError("cross_period_rules", text, "缺少 warn:/error: 前缀")
    severity, body = m[1], m[2]
    if m := re.fullmatch(rf"({_KEY}) changes by more than ({_NUM})% against the same quarter last year"
                         r"( \(or the previous quarter when that is missing\))?", body):
        return CrossPeriodRule("change", text, severity, (_known("cross_period_rules", m[1], text),),
                               Decimal(m[2]) / 100, fallback_previous_quarter=bool(m[3]))
    if m := re.fullmatch(rf"energy use per 万元 value added changes by more than ({_NUM})% "
                         r"against the same quarter last year", body):
        return CrossPeriodRule("energy_intensity", text, severity, ("value_added",), Decimal(m[1]) / 100)
    if m := re.fullmatch(rf"a stock count \(([a-z0-9_, ]+)\) falls by more than ({_NUM})% "
                         r"against the previous quarter", body):
        keys = tuple(_known("cross_period_rules", k.strip(), text) for k in m[1].split(","))
        return CrossPeriodRule("drop", text, severity, keys, Decimal(m[2]) / 100)
    if re.fullmatch(r"a report for a period before the enterprise was founded", body):
        return CrossPeriodRule("before_founded", text, severity)
    raise RuleSyntaxError("cross_period_rules", text)


# --------------------------------------------------------------------------- cached views


def _all_specs() -> tuple[FieldSpec, ...]:
    reg = registry()
    return (*reg.profile, *reg.report_fields)


@cache
def _compiled() -> dict[str, tuple[Rule, ...]]:
    return {f.key: tuple(parse_rule(f.key, r) for r in f.rules) for f in _all_specs()}


@cache
def _requirements() -> dict[str, Requirement]:
    return {f.key: parse_requirement(f.key, f.required_when) for f in _all_specs() if f.required_when}


def rules_for(key: str) -> tuple[Rule, ...]:
    """The parsed rules of one field (empty for an unknown key)."""
    return _compiled().get(key, ())


def all_rules() -> tuple[Rule, ...]:
    """Every parsed rule of the registry, profile first, in dictionary order."""
    return tuple(r for rules in _compiled().values() for r in rules)


def requirement_for(key: str) -> Requirement | None:
    return _requirements().get(key)


def all_requirements() -> tuple[Requirement, ...]:
    return tuple(_requirements().values())


@cache
def cross_period_rules() -> tuple[CrossPeriodRule, ...]:
    return tuple(parse_cross_period_rule(t) for t in registry().cross_period_rules)


def min_bound(key: str) -> Decimal | None:
    """The constant lower bound of a field (from ``>= N`` or a range), for spreadsheet validation."""
    lows = [r.const for r in rules_for(key) if isinstance(r, Bound) and r.op == "ge" and not r.terms
            and r.severity == ERROR]
    lows += [r.low for r in rules_for(key) if isinstance(r, Range) and r.severity == ERROR]
    return max(lows) if lows else None


def max_bound(key: str) -> Decimal | None:
    """The constant upper bound of a field (from a range), for spreadsheet validation."""
    highs = [r.high for r in rules_for(key) if isinstance(r, Range) and r.severity == ERROR]
    return min(highs) if highs else None
