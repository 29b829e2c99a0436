"""Parsing and validation of the quarterly report and the enterprise profile.

``parse_form`` turns raw text (an HTML form or a spreadsheet cell) into typed values and never
raises: every problem becomes a message for its field (Chinese, or English in an English request). Empty input is ``None`` ("not
filled"), never zero. ``validate_report`` applies the registry rules (see
:mod:`portal.reporting.rules`) and the cross-period rules against the enterprise's own history.
A draft may be saved with required fields missing; values that are present are still checked.
On submit, missing required fields are errors and every warning needs a written explanation
(:meth:`ValidationResult.unexplained`).

Typed values: decimal -> ``Decimal``, int -> ``int``, bool -> ``bool``, enum -> ``str`` (the
value key), multi -> ``list[str]`` in dictionary order, map -> ``dict[str, str | int]``, date ->
``datetime.date``, str -> stripped ``str``.
"""
from __future__ import annotations

import calendar
import copy
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from portal.assessments.energy import ENERGY_FIELDS
from portal.assessments.energy import energy_tce as _engine_energy_tce
from portal.fields import FieldSpec, join_items, registry
from portal.reporting.rules import (
    ERROR,
    WARN,
    Issue,
    fmt_num,
    requirement_for,
    rules_for,
    spec,
    to_decimal,
)
from portal.reporting.rules import cross_period_rules as _cross_period_rules

__all__ = [
    "Issue", "ValidationResult", "parse_form", "parse_value", "validate_report", "validate_profile",
    "carry_forward", "energy_tce", "choice_label", "period_end",
]

MAX_ABS_DECIMAL = Decimal("1e13")
MAX_ABS_INT = 2**31 - 1          # fits a 32-bit integer column on every database
MAX_STR_CHARS = 500
MAX_NUMBER_CHARS = 40
MAX_MAP_ENTRIES = 50
MIN_EXPLANATION_CHARS = 5

_TRUE = {"1", "true", "t", "yes", "y", "on", "是", "有", "√", "✓", "✔"}
_FALSE = {"0", "false", "f", "no", "n", "off", "否", "无", "×", "✗", "✘"}
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?")
_MAP_SUBKEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_LIST_SEP = re.compile(r"[,，;；、\s]+")
_MAP_ENTRY_SEP = re.compile(r"[;；\n\r,，]+")
_MAP_KV_SEP = re.compile(r"\s*[=:：]\s*")


class _Invalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def choice_label(field: FieldSpec, value: str) -> str:
    """The Chinese label of a choice value (what input text and spreadsheets match; else the key).

    Pages show :meth:`FieldSpec.value_label`, the label in the reader's language.
    """
    return field.label_for(value)


def _options(field: FieldSpec) -> str:
    return join_items(field.value_label(v) for v in field.values)


def _normalise(text: str) -> str:
    # NFKC folds full-width digits, letters, punctuation and the ideographic space to ASCII.
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2212", "-").replace("\u00a0", " ").strip()


# --------------------------------------------------------------------------- converters


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _Invalid(_("请输入数字。"))
    if isinstance(value, (int, float, Decimal)):
        d = to_decimal(value)
        if d is None:
            raise _Invalid(_("请输入有限的数字。"))
    else:
        text = _normalise(str(value))
        if len(text) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(text):
            raise _Invalid(_("请输入数字。"))
        try:
            d = Decimal(text.replace(",", ""))
        except (InvalidOperation, ValueError):
            raise _Invalid(_("请输入数字。")) from None
    if abs(d) > MAX_ABS_DECIMAL:
        raise _Invalid(_("数值过大，请检查单位（金额以万元计）。"))
    return d


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Invalid(_("请输入整数。"))
    if isinstance(value, int):
        n = value
    else:
        try:
            d = _decimal(value)
        except _Invalid:
            raise _Invalid(_("请输入整数。")) from None
        if d != d.to_integral_value():
            raise _Invalid(_("请输入整数。"))
        n = int(d)
    if abs(n) > MAX_ABS_INT:
        raise _Invalid(_("数值过大。"))
    return n


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = _normalise(str(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Invalid(_("请选择“是”或“否”。"))


_CHOICE_CACHE: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}


def _choice_lookup(field: FieldSpec) -> dict[str, str]:
    """Normalised key or label -> value, built once per field (NFKC folds （） to (), so both
    sides of the comparison go through the same normalisation)."""
    cache_key = (field.key, field.values)
    lookup = _CHOICE_CACHE.get(cache_key)
    if lookup is None:
        lookup = {}
        for v in field.values:
            lookup[_normalise(v).lower()] = v
            lookup.setdefault(_normalise(choice_label(field, v)).lower(), v)
        _CHOICE_CACHE[cache_key] = lookup
    return lookup


def _choice(field: FieldSpec, text: str) -> str | None:
    return _choice_lookup(field).get(_normalise(text).lower())


def _enum(field: FieldSpec, value: Any) -> str:
    found = _choice(field, str(value))
    if found is None:
        raise _Invalid(_("请从以下选项中选择：%(options)s。", options=_options(field)))
    return found


def _multi(field: FieldSpec, value: Any) -> list[str] | None:
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [str(v) for v in value]
    else:
        items = _LIST_SEP.split(_normalise(str(value)))
    chosen: set[str] = set()
    for item in items:
        if not item.strip():
            continue
        found = _choice(field, item)
        if found is None:
            raise _Invalid(_("无法识别的选项“%(item)s”，可选：%(options)s。", item=item.strip()[:30],
                             options=_options(field)))
        chosen.add(found)
    if not chosen:
        return None
    if "none" in chosen and len(chosen) > 1:
        raise _Invalid(_("“%(none)s”不能与其他选项同时选择。", none=field.value_label("none")))
    return [v for v in field.values if v in chosen]


def _map_value(field: FieldSpec, sub: str, value: Any) -> str | int:
    if field.values:
        found = _choice(field, str(value))
        if found is None:
            raise _Invalid(_("%(key)s 的取值无法识别，可选：%(options)s。", key=sub.upper(), options=_options(field)))
        return found
    # Free-keyed maps (the CMMM self-assessment): an integer level 0-5 per sub-domain.
    try:
        level = _int(value)
    except _Invalid:
        raise _Invalid(_("%(key)s 的等级应为 0 到 5 的整数。", key=sub)) from None
    if not 0 <= level <= 5:
        raise _Invalid(_("%(key)s 的等级应为 0 到 5 的整数。", key=sub))
    return level


def _map(field: FieldSpec, value: Any) -> dict[str, str | int] | None:
    if isinstance(value, Mapping):
        pairs = [(str(k), v) for k, v in value.items()]
    else:
        pairs = []
        for entry in _MAP_ENTRY_SEP.split(_normalise(str(value))):
            if not entry.strip():
                continue
            parts = _MAP_KV_SEP.split(entry.strip(), maxsplit=1)
            if len(parts) != 2:
                raise _Invalid(_("格式应为“子项=取值”，多项用分号分隔，如 erp=full; mes=partial。"))
            pairs.append((parts[0], parts[1]))
    if len(pairs) > MAX_MAP_ENTRIES:
        raise _Invalid(_("子项过多。"))
    out: dict[str, str | int] = {}
    for raw_key, raw_value in pairs:
        sub = _normalise(raw_key).lower()
        if field.keys and sub not in field.keys or not field.keys and not _MAP_SUBKEY.fullmatch(sub):
            allowed = join_items(k.upper() for k in field.keys) if field.keys else _("小写字母、数字和下划线")
            raise _Invalid(_("未知的子项“%(key)s”，可用：%(allowed)s。", key=raw_key.strip()[:30], allowed=allowed))
        if sub in out:
            raise _Invalid(_("子项 %(key)s 重复。", key=sub.upper()))
        if raw_value is None or isinstance(raw_value, str) and not raw_value.strip():
            continue
        out[sub] = _map_value(field, sub, raw_value)
    if field.keys:
        out = {k: out[k] for k in field.keys if k in out}
    return out or None


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _normalise(str(value))
    m = _DATE.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not m:
        raise _Invalid(_("请按 YYYY-MM-DD 格式填写日期，如 2024-03-05。"))
    year, month, day = (int(g) for g in m.groups())
    if not 1900 <= year <= 2100:
        raise _Invalid(_("日期的年份应在 1900 到 2100 之间。"))
    try:
        return date(year, month, day)
    except ValueError:
        raise _Invalid(_("日期不存在，请核对月份和日期。")) from None


def _str(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).strip()
    if not text:
        return None
    if len(text) > MAX_STR_CHARS:
        raise _Invalid(_("内容过长（不超过 %(n)s 个字符）。", n=MAX_STR_CHARS))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise _Invalid(_("内容含有不可见的控制字符，请删除后重新填写。"))
    return text


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return not value
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_is_empty(v) for v in value)
    return False


def parse_value(field: FieldSpec, value: Any) -> tuple[Any, str | None]:
    """Convert one raw or already-typed value of ``field``; returns (typed value or None, error)."""
    try:
        if isinstance(value, (list, tuple)) and field.type != "multi":
            non_empty = [v for v in value if not _is_empty(v)]
            value = non_empty[-1] if non_empty else None
        if _is_empty(value):
            return None, None
        kind = field.type
        if kind == "decimal":
            return _decimal(value), None
        if kind == "int":
            return _int(value), None
        if kind == "bool":
            return _bool(value), None
        if kind == "enum":
            return _enum(field, value), None
        if kind == "multi":
            return _multi(field, value), None
        if kind == "map":
            return _map(field, value), None
        if kind == "date":
            return _date(value), None
        return _str(value), None
    except _Invalid as exc:
        return None, exc.message
    except Exception:  # noqa: BLE001 - arbitrary user input must never crash a request
        return None, _("无法识别的输入，请检查后重新填写。")


def _flattened_map(raw: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """Sub-values of a map field posted as ``key.sub``, ``key-sub`` or ``key[sub]``."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if not isinstance(name, str):
            continue
        for sep in (".", "-", "["):
            if name.startswith(key + sep):
                sub = name[len(key) + 1:].rstrip("]")
                if isinstance(value, (list, tuple)):
                    value = value[-1] if value else None
                out[sub] = value
    return out or None


def parse_form(raw: Mapping[str, Any], fields: Iterable[FieldSpec] | None = None
               ) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values and per-field errors (in the reader's language) for ``fields`` (default: all report fields).

    Every field of ``fields`` appears in ``values`` (None when absent or empty); keys of ``raw``
    that are not among ``fields`` are ignored. Never raises.
    """
    if fields is None:
        fields = registry().report_fields
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        items = dict(raw) if raw is not None else {}
    except Exception:  # noqa: BLE001
        items = {}
    for field in fields:
        value = items.get(field.key)
        if field.type == "map" and _is_empty(value):
            value = _flattened_map(items, field.key)
        typed, error = parse_value(field, value)
        values[field.key] = typed
        if error:
            errors[field.key] = error
    return values, errors


# --------------------------------------------------------------------------- energy


def energy_tce(values: Mapping[str, Any]) -> Decimal | None:
    """Comprehensive energy use in tce (GB/T 2589-2020); None when electricity or gas is missing.

    The scoring engine owns the authoritative coefficient table (portal/assessments/energy.py,
    criteria/common.yaml); this only adapts report values to it, so the plausibility check of
    energy intensity and the scores use the same numbers. Optional carriers left empty count as
    not used, as in the engine.
    """
    amounts = {}
    for key in ENERGY_FIELDS:
        amount = to_decimal(values.get(key))
        amounts[key] = None if amount is None else float(amount)
    return to_decimal(_engine_energy_tce(amounts))


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ValidationResult:
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_field(self, key: str) -> list[Issue]:
        return [i for i in (*self.errors, *self.warnings) if i.field == key]

    def unexplained(self, explanations: Mapping[str, str]) -> list[Issue]:
        """Warnings without an explanation of at least five non-blank characters, keyed by code."""
        missing = []
        for issue in self.warnings:
            text = explanations.get(issue.code) if explanations else None
            if not isinstance(text, str) or len("".join(text.split())) < MIN_EXPLANATION_CHARS:
                missing.append(issue)
        return missing


def period_end(year: int, quarter: int) -> date:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1-4, not {quarter!r}")
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def _previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _period_words(period: tuple[int, int]) -> str:
    return _("%(year)s年第%(quarter)s季度", year=period[0], quarter=period[1])


def _missing_required(field: FieldSpec, value: Any) -> str | None:
    if field.type == "map" and field.keys and isinstance(value, Mapping):
        absent = [k.upper() for k in field.keys if k not in value]
        if absent:
            return _("请填写%(field)s（尚未选择：%(keys)s）。", field=field.label, keys=join_items(absent))
        return None
    if _is_empty(value):
        return _("请填写%(field)s。", field=field.label)
    return None


def _amount(field: FieldSpec, value: Decimal) -> str:
    return f"{fmt_num(value)} {field.unit_text}"


def _relative_change(new: Decimal, old: Decimal) -> Decimal:
    return (new - old) / old


def _cross_period(typed: Mapping[str, Any], profile: Mapping[str, Any], year: int, quarter: int,
                  history: Mapping[tuple[int, int], Mapping[str, Any]]) -> list[Issue]:
    issues: list[Issue] = []
    same_last_year = (year - 1, quarter)
    previous = _previous_quarter(year, quarter)

    def past(period: tuple[int, int], key: str) -> Decimal | None:
        row = history.get(period) if history else None
        return to_decimal(row.get(key)) if row else None

    for rule in _cross_period_rules():
        if rule.kind == "before_founded":
            founded, _problem = parse_value(spec("founded_on"), (profile or {}).get("founded_on"))
            if founded is not None and period_end(year, quarter) < founded:
                issues.append(Issue(rule.code(), "founded_on",
                                    _("报告期（%(period)s）早于企业成立日期（%(founded)s），不能填报。",
                                      period=_period_words((year, quarter)), founded=founded.isoformat()),
                                    rule.severity))
        elif rule.kind == "change":
            for key in rule.fields:
                current = to_decimal(typed.get(key))
                base_period = same_last_year
                base = past(base_period, key)
                if base is None and rule.fallback_previous_quarter:
                    base_period = previous
                    base = past(base_period, key)
                if current is None or base is None or base <= 0:
                    continue    # a relative change from zero or nothing is undefined
                change = _relative_change(current, base)
                if abs(change) > rule.threshold:
                    f = spec(key)
                    words = {"field": f.label, "value": _amount(f, current), "period": _period_words(base_period),
                             "base": _amount(f, base), "change": fmt_num(abs(change * 100).quantize(Decimal("0.1"))),
                             "threshold": fmt_num(rule.threshold * 100)}
                    if base_period == same_last_year and change > 0:
                        text = _("%(field)s为 %(value)s，较去年同期（%(period)s，%(base)s）增长 %(change)s%%，"
                                 "变化超过 %(threshold)s%%，请说明原因。", **words)
                    elif base_period == same_last_year:
                        text = _("%(field)s为 %(value)s，较去年同期（%(period)s，%(base)s）下降 %(change)s%%，"
                                 "变化超过 %(threshold)s%%，请说明原因。", **words)
                    elif change > 0:
                        text = _("%(field)s为 %(value)s，较上一季度（%(period)s，%(base)s）增长 %(change)s%%，"
                                 "变化超过 %(threshold)s%%，请说明原因。", **words)
                    else:
                        text = _("%(field)s为 %(value)s，较上一季度（%(period)s，%(base)s）下降 %(change)s%%，"
                                 "变化超过 %(threshold)s%%，请说明原因。", **words)
                    issues.append(Issue(rule.code(key), key, text, rule.severity))
        elif rule.kind == "energy_intensity":
            def intensity(vals: Mapping[str, Any] | None) -> Decimal | None:
                if not vals:
                    return None
                tce, va = energy_tce(vals), to_decimal(vals.get("value_added"))
                if tce is None or va is None or va <= 0:
                    return None
                return tce / va
            now = intensity(typed)
            before = intensity(history.get(same_last_year) if history else None)
            if now is None or before is None or before <= 0:
                continue
            change = _relative_change(now, before)
            if abs(change) > rule.threshold:
                words = {"value": fmt_num(now.quantize(Decimal("0.0001"))), "period": _period_words(same_last_year),
                         "base": fmt_num(before.quantize(Decimal("0.0001"))),
                         "change": fmt_num(abs(change * 100).quantize(Decimal("0.1"))),
                         "threshold": fmt_num(rule.threshold * 100)}
                if change > 0:
                    text = _("单位工业增加值能耗为 %(value)s 吨标准煤/万元，较去年同期（%(period)s，%(base)s 吨标准煤/万元）"
                             "上升 %(change)s%%，变化超过 %(threshold)s%%，请核实能源消费量和工业增加值并说明原因。", **words)
                else:
                    text = _("单位工业增加值能耗为 %(value)s 吨标准煤/万元，较去年同期（%(period)s，%(base)s 吨标准煤/万元）"
                             "下降 %(change)s%%，变化超过 %(threshold)s%%，请核实能源消费量和工业增加值并说明原因。", **words)
                issues.append(Issue(rule.code(), "value_added", text, rule.severity))
        elif rule.kind == "drop":
            for key in rule.fields:
                current = to_decimal(typed.get(key))
                base = past(previous, key)
                if current is None or base is None or base <= 0:
                    continue
                fall = (base - current) / base
                if fall > rule.threshold:
                    f = spec(key)
                    issues.append(Issue(
                        rule.code(key), key,
                        _("%(field)s由上一季度的 %(base)s减少到 %(value)s（下降 %(fall)s%%，超过 %(threshold)s%%），"
                          "请说明原因。", field=f.label, base=_amount(f, base), value=_amount(f, current),
                          fall=fmt_num((fall * 100).quantize(Decimal("0.1"))), threshold=fmt_num(rule.threshold * 100)),
                        rule.severity))
    return issues


def validate_report(values: Mapping[str, Any], *, profile: Mapping[str, Any], year: int, quarter: int,
                    history: Mapping[tuple[int, int], Mapping[str, Any]], for_submit: bool
                    ) -> ValidationResult:
    """Validate one quarterly report.

    ``values`` may hold typed values or raw strings (they are converted as in ``parse_form``).
    ``history`` maps earlier ``(year, quarter)`` periods to their report values. On save
    (``for_submit=False``) missing required fields are allowed; everything present is checked.
    """
    period_end(year, quarter)   # rejects an invalid quarter early
    errors: list[Issue] = []
    warnings: list[Issue] = []
    typed: dict[str, Any] = {}
    fields = registry().report_fields
    values = values or {}
    for field in fields:
        value, problem = parse_value(field, values.get(field.key))
        typed[field.key] = value
        if problem:
            errors.append(Issue(f"{field.key}.type", field.key, _("%(field)s：%(problem)s", field=field.label,
                                                                  problem=problem), ERROR))

    if for_submit:
        bad = {i.field for i in errors}
        for field in fields:
            if field.key in bad:
                continue
            message = _missing_required(field, typed[field.key]) if field.required else None
            requirement = requirement_for(field.key)
            if message is None and requirement and requirement.applies(typed) and _is_empty(typed[field.key]):
                message = requirement.message()
            if message:
                errors.append(Issue(f"{field.key}.required", field.key, message, ERROR))

    for field in fields:
        for rule in rules_for(field.key):
            issue = rule.check(typed)
            if issue:
                (warnings if issue.severity == WARN else errors).append(issue)

    for issue in _cross_period(typed, profile, year, quarter, history):
        (warnings if issue.severity == WARN else errors).append(issue)
    return ValidationResult(tuple(errors), tuple(warnings))


# --------------------------------------------------------------------------- profile


def validate_profile(values: Mapping[str, Any], *, for_create: bool, today: date | None = None
                     ) -> dict[str, str]:
    """Errors (field key -> message, first problem per field) for the enterprise profile.

    On create every required field must be present; on update only the keys present in
    ``values`` are checked (a required field present but empty is still an error). ``today``,
    when given, rejects a founding date in the future (this module never reads the clock).
    """
    errors: dict[str, str] = {}
    typed: dict[str, Any] = {}
    values = values or {}
    checked = [f for f in registry().profile if for_create or f.key in values]
    for field in registry().profile:
        value, problem = parse_value(field, values.get(field.key))
        typed[field.key] = value
        if problem and field in checked:
            errors[field.key] = _("%(field)s：%(problem)s", field=field.label, problem=problem)
    if "non_manufacturing" in values:
        typed["non_manufacturing"] = values["non_manufacturing"]
    if isinstance(typed.get("uscc"), str):
        typed["uscc"] = typed["uscc"].upper()

    for field in checked:
        if field.key in errors:
            continue
        if field.required and _is_empty(typed[field.key]):
            errors[field.key] = _("请填写%(field)s。", field=field.label)
            continue
        requirement = requirement_for(field.key)
        park_given = for_create or requirement is not None and requirement.when_field in values
        if requirement and park_given and requirement.applies(typed) and _is_empty(typed[field.key]):
            errors[field.key] = requirement.message()
            continue
        for rule in rules_for(field.key):
            issue = rule.check(typed)
            if issue and issue.severity == ERROR:
                errors[field.key] = issue.message
                break
    # The town is required with park = town even when only the park is being changed.
    town_rule = requirement_for("town")
    if town_rule and "park" in values and "town" not in errors and town_rule.applies(typed) \
            and _is_empty(typed.get("town")):
        errors["town"] = town_rule.message()

    founded = typed.get("founded_on")
    if founded and today and founded > today and "founded_on" not in errors:
        errors["founded_on"] = _("成立日期不能晚于今天。")
    since = typed.get("niche_since_year")
    if since is not None and "niche_since_year" not in errors and (since < 1900 or since > 2100 or
                                                                   today and since > today.year):
        errors["niche_since_year"] = _("进入当前细分市场年份应为有效的四位年份，且不晚于今年。")
    return errors


# --------------------------------------------------------------------------- carry forward


def carry_forward(previous_values: Mapping[str, Any]) -> dict[str, Any]:
    """Stock fields of the previous approved report, as pre-fill for a new draft.

    Flows (amounts of the quarter itself) are not carried; empty values are left out.
    """
    out: dict[str, Any] = {}
    for field in registry().report_fields:
        if field.kind != "stock":
            continue
        value = (previous_values or {}).get(field.key)
        if not _is_empty(value):
            out[field.key] = copy.deepcopy(value)
    return out
