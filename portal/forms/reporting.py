"""Report forms, built from the field registry (as Indico builds survey forms from stored questions).

One input per report field, grouped by section; labels, units, hints and choices all come from
``report_fields.yaml``, so the form, the validation, the spreadsheet columns and the exports
never drift. The form class is built once per process, so every label, choice and hint that
depends on the reader's language is a lazy string (or computed per request). Numbers are text inputs with ``inputmode="decimal"``: full-width digits and
thousands separators are accepted and converted by :func:`portal.reporting.validation.parse_form`,
which is also what :meth:`ReportForm.validate` runs, so a value that cannot be parsed is kept in
the form with its message instead of being dropped by a stricter browser or WTForms field.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.assessments import criteria_for
from portal.fields import FieldSpec, join_clauses, join_items, reader_language, registry
from portal.reporting.rules import WARN, Bound, Range, RatioRange, fmt_num, rules_for, spec, to_decimal
from portal.reporting.validation import parse_form

BLANK = SelectChoice("", "—")
BOOL_CHOICES = (BLANK, SelectChoice("1", _l("是")), SelectChoice("0", _l("否")))
LEVEL_CHOICES = (BLANK, *(SelectChoice(str(n), _l("%(n)s 级", n=n)) for n in range(6)))
MAP_KEY_LABELS = {"scada_dcs": "SCADA/DCS"}
# Sub-inputs of a map are named "<prefix><key>": a sub-domain called "data" must not shadow Form.data.
SUB_PREFIX = "k_"


@cache
def cmmm_subdomains() -> tuple[tuple[str, str], ...]:
    """(key, Chinese name) of the 20 CMMM sub-domains, from the engine's criteria file."""
    criteria = criteria_for("cmmm2020", date(2021, 5, 1))
    return tuple((s["code"], s["name"]) for element in criteria.param("elements") for s in element["subdomains"])


def map_keys(field: FieldSpec) -> tuple[tuple[str, str], ...]:
    """(key, name in the reader's language) of a map field's sub-inputs."""
    if field.keys:
        return tuple((k, MAP_KEY_LABELS.get(k, k.upper())) for k in field.keys)
    if field.key == "cmmm_levels":
        if reader_language() == "en":
            return tuple((code, field.keys_en.get(code, code)) for code, _name in cmmm_subdomains())
        return cmmm_subdomains()
    return ()


def _map_key_name(field: FieldSpec, key: str) -> str:
    return dict(map_keys(field)).get(key, key)


def _choice(field: FieldSpec, value: str) -> SelectChoice:
    return SelectChoice(value, LazyString(field.value_label, value))


def _choices(field: FieldSpec) -> list[SelectChoice]:
    return [BLANK, *(_choice(field, v) for v in field.values)]


def _label(field: FieldSpec) -> LazyString:
    return LazyString(lambda: field.label)


# --------------------------------------------------------------------------- hints


def _term_words(rule: Bound) -> str:
    parts = []
    for term in rule.terms:
        other = spec(term.key)
        name = other.label if other else term.key
        parts.append(name if term.coef == 1 else _("%(name)s的 %(pct)s%%", name=name, pct=fmt_num(term.coef * 100)))
    words = parts[0] if parts else ""
    for part in parts[1:]:
        words = _("%(first)s与%(second)s", first=words, second=part)
    if len(parts) > 1:
        words = _("%(names)s之和", names=words)
    if rule.const:
        words = f"{words} + {fmt_num(rule.const)}" if parts else fmt_num(rule.const)
    return words


def rule_hints(field: FieldSpec) -> list[str]:
    """The field's rules in plain words (the reader's language), for the hint under its input."""
    hints: list[str] = []
    for rule in rules_for(field.key):
        if isinstance(rule, Bound):
            if not rule.terms:
                number = fmt_num(rule.const)
                text = _("不小于 %(number)s", number=number) if rule.op == "ge" else _("不大于 %(number)s", number=number)
            elif rule.op == "le":
                text = _("不超过%(limit)s", limit=_term_words(rule))
            else:
                text = _("不低于%(limit)s", limit=_term_words(rule))
        elif isinstance(rule, Range):
            text = f"{fmt_num(rule.low)}–{fmt_num(rule.high)}"
        elif isinstance(rule, RatioRange):
            other = spec(rule.denominator)
            text = _("与%(other)s之比通常在 %(low)s%%–%(high)s%%", other=other.label if other else rule.denominator,
                     low=fmt_num(rule.low * 100), high=fmt_num(rule.high * 100))
        else:
            continue
        if rule.severity == WARN:
            text = _("通常%(rule)s，超出时需书面说明", rule=text)
        hints.append(text)
    return hints


def field_help(field: FieldSpec) -> str:
    """The hint under an input: required or not, flow or stock, its rules, the dictionary's note."""
    parts = []
    if field.required:
        parts.append(_("必填"))
    elif field.required_when:
        parts.append(_("条件必填"))
    else:
        parts.append(_("选填，不填表示无数据（不等于 0）"))
    if field.kind == "flow":
        parts.append(_("本季度发生额（非累计）"))
    elif field.kind == "stock":
        parts.append(_("季末数"))
    parts.extend(rule_hints(field))
    if field.help_note:
        parts.append(field.help_note)
    return join_clauses(parts)


# --------------------------------------------------------------------------- form


def _sub_form(field: FieldSpec) -> type[Form]:
    attrs: dict[str, Any] = {}
    for key, _name in map_keys(field):
        choices = _choices(field) if field.values else list(LEVEL_CHOICES)
        attrs[SUB_PREFIX + key] = SelectField(LazyString(_map_key_name, field, key), choices=choices,
                                              validate_choice=False)
    return type(f"{field.key.title().replace('_', '')}Form", (Form,), attrs)


def _input_for(field: FieldSpec):
    label = _label(field)
    if field.type in ("decimal", "int"):
        mode = "decimal" if field.type == "decimal" else "numeric"
        return StringField(label, render_kw={"inputmode": mode, "autocomplete": "off", "class": "num-input"})
    if field.type == "enum":
        return SelectField(label, choices=_choices(field), validate_choice=False)
    if field.type == "bool":
        return SelectField(label, choices=list(BOOL_CHOICES), validate_choice=False)
    if field.type == "multi":
        return SelectMultipleField(label, choices=[_choice(field, v) for v in field.values],
                                   validate_choice=False, widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())
    if field.type == "map":
        return FormField(_sub_form(field), label=label, separator="-")
    return StringField(label, render_kw={"autocomplete": "off"})


class BaseReportForm(FlaskForm):
    """The report form; its subclass (built once) adds one input per registry field."""

    version = HiddenField()
    save = SubmitField(_l("保存草稿"))
    submit = SubmitField(_l("提交审核"))

    parsed: dict[str, Any] | None = None
    parse_errors: dict[str, str]

    def validate(self, extra_validators=None) -> bool:
        """Parse every input with ``parse_form``; True when every value could be read."""
        ok = super().validate(extra_validators)
        self.parsed, self.parse_errors = parse_form(self.raw_values())
        return ok and not self.parse_errors

    def raw_values(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for field in registry().report_fields:
            if field.type == "map":
                sub = self[field.key].form
                raw[field.key] = {key: sub[SUB_PREFIX + key].data for key, _ in map_keys(field)}
            else:
                raw[field.key] = self[field.key].data
        return raw

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    def explanations(self) -> dict[str, str]:
        """Warning code -> explanation text, from the ``explain-<code>`` textareas of the page."""
        out: dict[str, str] = {}
        source = getattr(self, "_formdata", None) or {}
        for name in source:
            if isinstance(name, str) and name.startswith("explain-"):
                text = (source.get(name) or "").strip()
                if text:
                    out[name[len("explain-"):][:80]] = text[:2000]
        return out

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        formdata = self.meta.wrap_formdata(self, formdata)
        self._formdata = formdata
        super().process(formdata, obj, data, extra_filters, **kwargs)


@cache
def report_form_class() -> type[BaseReportForm]:
    attrs = {field.key: _input_for(field) for field in registry().report_fields}
    return type("ReportForm", (BaseReportForm,), attrs)


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    """Stored report values as form data (numbers as plain text, booleans as "1"/"0")."""
    data: dict[str, Any] = {}
    for field in registry().report_fields:
        value = values.get(field.key)
        if value is None:
            data[field.key] = {} if field.type == "map" else ([] if field.type == "multi" else "")
        elif field.type in ("decimal", "int"):
            data[field.key] = plain_number(value)
        elif field.type == "bool":
            data[field.key] = "1" if value else "0"
        elif field.type == "map":
            data[field.key] = {SUB_PREFIX + str(k): str(v) for k, v in dict(value).items()}
        elif field.type == "multi":
            data[field.key] = [str(v) for v in value]
        else:
            data[field.key] = str(value)
    return data


def plain_number(value: Any) -> str:
    d = to_decimal(value)
    if d is None:
        return str(value)
    if d == d.to_integral_value():
        return f"{d.to_integral_value():f}"
    return f"{d.normalize():f}" if abs(d.normalize().as_tuple().exponent) < 12 else f"{d.quantize(Decimal('1e-10')):f}"


def build_report_form(values: dict[str, Any], version: int, *, formdata=None) -> BaseReportForm:
    """A report form over ``values``; on POST the submitted input wins (nothing typed is lost)."""
    cls = report_form_class()
    if formdata is not None:
        return cls(formdata=formdata)
    form = cls(formdata=None, data=form_data(values))
    form.version.data = str(version)
    return form


def display_value(field: FieldSpec | None, value: Any) -> str:
    """A stored value as display text in the reader's language (choices by label, maps as "子项：取值")."""
    if value is None or value == [] or value == {}:
        return "—"
    if field is None:
        return str(value)
    if field.type == "bool":
        return _("是") if value else _("否")
    if field.type in ("decimal", "int"):
        return plain_number(value)
    if field.type == "enum":
        return field.value_label(str(value))
    if field.type == "multi" and isinstance(value, (list, tuple)):
        return join_items(field.value_label(str(v)) for v in value)
    if field.type == "map" and isinstance(value, dict):
        names = dict(map_keys(field))
        return join_clauses([_("%(key)s：%(value)s", key=names.get(k, k),
                                value=field.value_label(str(v)) if field.values else _("%(n)s 级", n=v))
                              for k, v in value.items()])
    return str(value)


# --------------------------------------------------------------------------- small forms


class AttachmentForm(FlaskForm):
    file = FileField(_l("选择文件（PDF、JPG、PNG）"))
    target = SelectField(_l("关联到"), validate_choice=True)
    upload = SubmitField(_l("上传附件"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice("", _l("整份报表"))]
        indent = "\u00a0\u00a0\u00a0" if reader_language() == "en" else "\u3000"
        for section in registry().sections:
            choices.append(SelectChoice(f"section:{section.key}", _("%(section)s（整节）", section=section.label)))
            for field in section.fields:
                choices.append(SelectChoice(f"field:{field.key}", indent + field.label))
        self.target.choices = choices


class SpreadsheetForm(FlaskForm):
    file = FileField(_l("选择填好的 .xlsx 模板"))
    upload = SubmitField(_l("上传并预览"))


class AmendmentForm(FlaskForm):
    reason = TextAreaField(_l("更正原因"), validators=[InputRequired(message=_l("请填写更正原因。")),
                                                       Length(max=2000, message=_l("更正原因不超过 2000 字。"))])
    submit = SubmitField(_l("申请更正"))


class ConfirmForm(FlaskForm):
    """Only the CSRF token, for POST buttons (start a report, apply, undo, delete)."""
    submit = SubmitField(_l("确认"))
