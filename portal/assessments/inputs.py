"""Validate the engine's JSON input: ``{"profile": {...}, "reports": [{"period": "2025Q1", ...}]}``.

Rule encoded: the data dictionary ``report-fields.yaml`` (copied at portal/fields/) gives each
key's type; a key it does not list is rejected by name, and so is a value of the wrong type, an
enum value it does not list, a negative amount (except profits, which may be negative), a
percentage outside 0-100, a period not shaped like ``2025Q1`` and a period given twice. Errors
are :class:`InputError` with the offending path (e.g. ``reports[2].revenue``) and a Chinese
message. A field left out or null is accepted: the engine reads it as "not available";
whether a field is *required* is enforced by the reporting room at submission.

The schema below mirrors report-fields.yaml; a test compares the two so they cannot drift.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .derived import PERIOD_RE
from .types import InputError


@dataclass(frozen=True)
class Field:
    type: str                    # str | enum | date | int | decimal | bool | multi | map
    required: bool
    values: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


SIGNED = {"total_profit", "net_profit"}
# The same bound as the reporting form (portal/reporting/validation.py): 1e13 万元 is far beyond
# any enterprise, and larger numbers would overflow the engine's arithmetic.
MAX_ABS = 1e13

PROFILE_SCHEMA: dict[str, Field] = {
    "uscc": Field("str", True),
    "name": Field("str", True),
    "industry_code": Field("str", True),
    "cluster": Field("enum", True, values=('equipment', 'electronics', 'health', 'other')),
    "sub_direction": Field("str", False),
    "park": Field("enum", True, values=('hitech_core', 'damiao', 'town')),
    "town": Field("str", False),
    "founded_on": Field("date", True),
    "niche_since_year": Field("int", False),
    "land_area_mu": Field("decimal", False),
    "floor_area_m2": Field("decimal", False),
    "footprint_area_m2": Field("decimal", False),
    "is_above_scale": Field("bool", True),
    "high_tech_cert_until": Field("date", False),
    "product_field": Field("enum", False, values=('gap_filling', 'six_foundations', 'chain_leader_supplier', 'strategic_emerging', 'other')),
}
REPORT_SCHEMA: dict[str, Field] = {
    "gross_output_value": Field("decimal", True),
    "revenue": Field("decimal", True),
    "main_business_revenue": Field("decimal", True),
    "value_added": Field("decimal", True),
    "total_profit": Field("decimal", True),
    "net_profit": Field("decimal", True),
    "taxes_paid": Field("decimal", True),
    "export_delivery_value": Field("decimal", False),
    "high_tech_product_output": Field("decimal", False),
    "new_product_output": Field("decimal", False),
    "fixed_asset_investment": Field("decimal", False),
    "tech_renovation_investment": Field("decimal", False),
    "employees": Field("int", True),
    "total_assets": Field("decimal", True),
    "total_liabilities": Field("decimal", True),
    "external_equity_2y": Field("decimal", False),
    "niche_market_share_pct": Field("decimal", False),
    "niche_market_rank_cn": Field("int", False),
    "rd_expenditure": Field("decimal", True),
    "rd_personnel": Field("int", True),
    "ip_class1_count": Field("int", True),
    "ip_class1_self_developed": Field("int", False),
    "ip_high_value_count": Field("int", False),
    "ip_class2_count": Field("int", False),
    "rd_institution_level": Field("enum", True, values=('none', 'enterprise', 'district', 'municipal', 'national')),
    "standards_led_count": Field("int", False),
    "provincial_quality_award": Field("bool", False),
    "own_brand": Field("bool", False),
    "science_award_3y": Field("bool", False),
    "key_processes_total": Field("int", True),
    "key_processes_nc": Field("int", True),
    "equipment_total": Field("int", True),
    "equipment_digital": Field("int", True),
    "equipment_networked": Field("int", True),
    "run_data_upload_pct": Field("decimal", False),
    "design_tools": Field("multi", True, values=('none', 'cad2d', 'cad3d', 'cae', 'cam', 'capp', 'pdm_plm')),
    "design_tool_coverage_pct": Field("decimal", False),
    "systems": Field("map", True, values=('none', 'partial', 'full'), keys=('erp', 'mes', 'plm', 'scm', 'crm', 'wms', 'aps', 'qms', 'ems', 'scada_dcs')),
    "cloud_level": Field("enum", True, values=('none', 'infrastructure', 'platform', 'business')),
    "industrial_internet": Field("bool", True),
    "cybersecurity_level": Field("enum", False, values=('none', 'l1', 'l2', 'l3')),
    "sme_digital_grade": Field("enum", False, values=('g0', 'g1', 'g2', 'g3', 'g4')),
    "recognised_digital_workshops": Field("int", False),
    "cmmm_levels": Field("map", False),
    "baseline_year": Field("int", False),
    "efficiency_gain_pct": Field("decimal", False),
    "operating_cost_reduction_pct": Field("decimal", False),
    "defect_rate_reduction_pct": Field("decimal", False),
    "unit_energy_reduction_pct": Field("decimal", False),
    "electricity_kwh": Field("decimal", True),
    "renewable_self_kwh": Field("decimal", False),
    "natural_gas_m3": Field("decimal", True),
    "raw_coal_t": Field("decimal", False),
    "diesel_t": Field("decimal", False),
    "gasoline_t": Field("decimal", False),
    "fuel_oil_t": Field("decimal", False),
    "lpg_t": Field("decimal", False),
    "steam_t": Field("decimal", False),
    "heat_gj": Field("decimal", False),
    "other_energy_tce": Field("decimal", False),
    "water_withdrawal_m3": Field("decimal", True),
    "water_recycled_m3": Field("decimal", False),
    "wastewater_treated_m3": Field("decimal", False),
    "wastewater_reused_m3": Field("decimal", False),
    "solid_waste_generated_t": Field("decimal", True),
    "solid_waste_prior_stock_used_t": Field("decimal", False),
    "solid_waste_utilised_t": Field("decimal", True),
    "hazardous_waste_t": Field("decimal", False),
    "main_product_output_qty": Field("decimal", False),
    "main_product_unit": Field("str", False),
    "green_material_pct": Field("decimal", False),
    "certifications": Field("multi", True, values=('iso9001', 'iso14001', 'iso45001', 'iso50001', 'discharge_permit', 'cleaner_production_audit', 'green_product', 'carbon_footprint')),
    "violations_3y": Field("bool", True),
}

TYPE_NAMES = {"str": "文本", "enum": "选项", "date": "日期（YYYY-MM-DD）", "int": "整数", "decimal": "数字",
              "bool": "是/否（true/false）", "multi": "选项列表", "map": "键值表"}


def _check(path: str, name: str, spec: Field, value: Any) -> Any:
    """The validated, normalised value (Decimal -> float, ISO string -> date)."""
    if value is None:
        return None
    bad = InputError(path, f"应为{TYPE_NAMES[spec.type]}，收到 {value!r}")
    t = spec.type
    if t == "str":
        if not isinstance(value, str):
            raise bad
        return value
    if t == "enum":
        if not isinstance(value, str) or value not in spec.values:
            raise InputError(path, f"取值 {value!r} 不在允许范围内：{'、'.join(spec.values)}")
        return value
    if t == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if t == "date":
        if isinstance(value, date):
            return value
        if not isinstance(value, str):
            raise bad
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise bad from None
    if t in ("int", "decimal"):
        if isinstance(value, bool):
            raise bad
        if isinstance(value, str):
            try:
                value = Decimal(value.strip())
            except InvalidOperation:
                raise bad from None
        if isinstance(value, Decimal):
            value = float(value)
        if not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
            raise bad
        if t == "int":
            if float(value) != int(value):
                raise bad
            value = int(value)
        else:
            value = float(value)
        if abs(value) > MAX_ABS:
            raise InputError(path, f"数值超出合理范围（绝对值不超过 {MAX_ABS:g}），收到 {value:g}")
        if name not in SIGNED and value < 0:
            raise InputError(path, f"不能为负数，收到 {value:g}")
        if name.endswith("_pct") and value > 100:
            raise InputError(path, f"百分比应在 0-100 之间，收到 {value:g}")
        return value
    if t == "multi":
        if not isinstance(value, (list, tuple)) or any(not isinstance(v, str) for v in value):
            raise bad
        unknown = [v for v in value if v not in spec.values]
        if unknown:
            raise InputError(path, f"取值 {unknown[0]!r} 不在允许范围内：{'、'.join(spec.values)}")
        if len(set(value)) != len(value):
            raise InputError(path, "选项重复")
        return list(value)
    if t == "map":
        if not isinstance(value, Mapping):
            raise bad
        out = {}
        for k, v in value.items():
            if spec.keys and k not in spec.keys:
                raise InputError(f"{path}.{k}", f"未知的键，允许：{'、'.join(spec.keys)}")
            if spec.values:
                if v not in spec.values:
                    raise InputError(f"{path}.{k}", f"取值 {v!r} 不在允许范围内：{'、'.join(spec.values)}")
            elif isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 5:
                raise InputError(f"{path}.{k}", f"应为 0-5 的整数等级，收到 {v!r}")
            out[str(k)] = v
        return out
    raise bad


def _record(path: str, data: Any, schema: Mapping[str, Field], allowed_extra: tuple[str, ...] = ()) -> dict:
    if not isinstance(data, Mapping):
        raise InputError(path, "应为对象（键值表）")
    out = {}
    for key, value in data.items():
        if key in allowed_extra:
            out[key] = value
            continue
        if key not in schema:
            raise InputError(f"{path}.{key}", f"未知字段 {key}")
        out[key] = _check(f"{path}.{key}", key, schema[key], value)
    return out


def parse_input(data: Mapping) -> tuple[dict, list[dict]]:
    """Validate ``{"profile": {...}, "reports": [...]}``; returns (profile, reports) normalised."""
    if not isinstance(data, Mapping):
        raise InputError("$", "输入应为包含 profile 和 reports 的对象")
    unknown = set(data) - {"profile", "reports"}
    if unknown:
        key = sorted(unknown)[0]
        raise InputError(key, f"未知字段 {key}，只允许 profile 和 reports")
    profile = _record("profile", data.get("profile", {}), PROFILE_SCHEMA)
    raw_reports = data.get("reports")
    if not isinstance(raw_reports, list) or not raw_reports:
        raise InputError("reports", "应为至少包含一个季度报表的列表")
    reports = []
    seen: dict[str, int] = {}
    for i, rep in enumerate(raw_reports):
        path = f"reports[{i}]"
        if not isinstance(rep, Mapping):
            raise InputError(path, "应为对象（键值表）")
        period = rep.get("period")
        if not isinstance(period, str) or not PERIOD_RE.match(period):
            raise InputError(f"{path}.period", f"报告期应形如 2025Q1，收到 {period!r}")
        if period in seen:
            raise InputError(f"{path}.period", f"报告期 {period} 重复（与 reports[{seen[period]}] 相同）")
        seen[period] = i
        reports.append(_record(path, rep, REPORT_SCHEMA, allowed_extra=("period",)))
    return profile, reports
