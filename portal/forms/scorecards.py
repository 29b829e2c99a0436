"""Scorecard forms: the reviewer's decision and the what-if panel."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from portal.fields import registry

MAX_ABS = 1e13   # the reporting form's bound (portal/reporting/validation.py MAX_ABS_DECIMAL)

# The figures an enterprise can try changing in the what-if panel: those the criteria score on.
WHAT_IF_KEYS = (
    "revenue", "main_business_revenue", "net_profit", "total_assets", "total_liabilities", "rd_expenditure",
    "rd_personnel", "employees", "ip_class1_count", "key_processes_total", "key_processes_nc", "equipment_total",
    "equipment_digital", "equipment_networked", "run_data_upload_pct", "design_tool_coverage_pct",
    "electricity_kwh", "natural_gas_m3", "water_withdrawal_m3", "water_recycled_m3", "solid_waste_generated_t",
    "solid_waste_utilised_t", "efficiency_gain_pct", "operating_cost_reduction_pct",
)


class ScorecardDecisionForm(FlaskForm):
    decision = StringField()
    note = TextAreaField(_l("审核说明"), validators=[Length(max=2000)])
    submit = SubmitField(_l("提交"))


def what_if_form(values: dict, formdata=None) -> FlaskForm:
    """A form with one numeric input per what-if figure, pre-filled with the report's values."""

    class WhatIfForm(FlaskForm):
        submit = SubmitField(_l("试算"))

    reg = registry()
    for key in WHAT_IF_KEYS:
        spec = reg.field(key)
        label = spec.title
        minimum = None if key == "net_profit" else 0
        validators = [Optional(), NumberRange(min=-MAX_ABS, max=MAX_ABS, message=_l("数值超出合理范围。"))]
        if minimum == 0:
            validators.append(NumberRange(min=minimum, message=_l("不能为负数。")))
        setattr(WhatIfForm, key, DecimalField(label, places=None, validators=validators))
    return WhatIfForm(formdata=formdata, data={k: values.get(k) for k in WHAT_IF_KEYS})
