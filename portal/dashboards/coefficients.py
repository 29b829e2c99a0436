"""Report fields the indicators read, labels, and the energy and CO2 coefficients (pure data)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# ---------------------------------------------------------------------------------------------
# Fields and coefficients
# ---------------------------------------------------------------------------------------------

#: Numeric report fields of kind "flow" (amount during the quarter); summed over a window.
FLOW_FIELDS: tuple[str, ...] = (
    "gross_output_value", "revenue", "main_business_revenue", "value_added", "total_profit",
    "net_profit", "taxes_paid", "export_delivery_value", "high_tech_product_output",
    "new_product_output", "fixed_asset_investment", "tech_renovation_investment",
    "rd_expenditure",
    "electricity_kwh", "renewable_self_kwh", "natural_gas_m3", "raw_coal_t", "diesel_t",
    "gasoline_t", "fuel_oil_t", "lpg_t", "steam_t", "heat_gj", "other_energy_tce",
    "water_withdrawal_m3", "water_recycled_m3", "wastewater_treated_m3", "wastewater_reused_m3",
    "solid_waste_generated_t", "solid_waste_prior_stock_used_t", "solid_waste_utilised_t",
    "hazardous_waste_t", "main_product_output_qty",
)

PROFILE_COLUMNS: tuple[str, ...] = (
    "cluster", "sub_direction", "park", "town", "is_above_scale", "high_tech_cert_until",
    "land_area_mu", "industry_code",
)

CLUSTER_LABELS = MappingProxyType(
    {"equipment": "装备制造", "electronics": "电子信息", "health": "大健康", "other": "其他"}
)
PARK_LABELS = MappingProxyType({"hitech_core": "高新区中心城区", "damiao": "高新区大庙组团", "town": "镇街"})
SYSTEM_KEYS: tuple[str, ...] = ("erp", "mes", "plm", "scm", "crm", "wms", "aps", "qms", "ems", "scada_dcs")
SYSTEM_LABELS = MappingProxyType({
    "erp": "ERP", "mes": "MES", "plm": "PLM", "scm": "SCM", "crm": "CRM", "wms": "WMS", "aps": "APS",
    "qms": "QMS", "ems": "能源管理系统", "scada_dcs": "SCADA/DCS",
})

#: GB/T 2589-2020 conversion to standard coal, kgce per reported unit (criteria-reference §6a).
#: Steam is 0.1286 kgce/kg, reported in t (x1000); heat 0.03412 kgce/MJ, reported in GJ (x1000).
#: Only electricity and natural gas are confirmed in use; the rest are provisional.
KGCE_PER_UNIT = MappingProxyType({
    "electricity_kwh": 0.1229,
    "natural_gas_m3": 1.2143,
    "raw_coal_t": 0.7143 * 1000,
    "diesel_t": 1.4571 * 1000,
    "gasoline_t": 1.4714 * 1000,
    "fuel_oil_t": 1.4286 * 1000,
    "lpg_t": 1.7143 * 1000,
    "steam_t": 0.1286 * 1000,
    "heat_gj": 0.03412 * 1000,
    "other_energy_tce": 1000.0,
})

#: Fuel CO2 factors, tCO2 per reported unit (criteria-reference §6c; provisional). Raw coal
#: uses the 烟煤 (bituminous) default because §6c has no 原煤 column; natural gas 21.62 t per
#: 10^4 Nm3; heat 0.11 tCO2/GJ; steam 0.11 x 2.76 GJ/t (1 t low-pressure steam ~ 2.76 GJ).
#: ``other_energy_tce`` has no fuel type and is left out of CO2.
TCO2_PER_UNIT = MappingProxyType({
    "natural_gas_m3": 21.62 / 10000,
    "raw_coal_t": 2.072,
    "diesel_t": 3.145,
    "gasoline_t": 3.043,
    "fuel_oil_t": 3.047,
    "lpg_t": 2.954,
    "heat_gj": 0.11,
    "steam_t": 0.11 * 2.76,
})

#: Energy inputs that must be present (required on the form); the others are optional addends.
ENERGY_REQUIRED: tuple[str, ...] = ("electricity_kwh", "natural_gas_m3")
ENERGY_OPTIONAL: tuple[str, ...] = (
    "raw_coal_t", "diesel_t", "gasoline_t", "fuel_oil_t", "lpg_t", "steam_t", "heat_gj", "other_energy_tce",
)

#: The column of a pre-summed window frame naming its window (``PeriodSpec.code``).
WINDOW_COLUMN = "window"

LARGE_ENTERPRISE_REVENUE = 50000.0  # 万元: 销售收入超5亿元


@dataclass(frozen=True)
class Params:
    """Configurable factors. ``grid_kgco2_per_kwh`` defaults to the 2022 national average (§6b)."""

    grid_kgco2_per_kwh: float = 0.5366
    kgce_per_unit: Mapping[str, float] = field(default_factory=lambda: KGCE_PER_UNIT)
    tco2_per_unit: Mapping[str, float] = field(default_factory=lambda: TCO2_PER_UNIT)
    large_revenue_wan: float = LARGE_ENTERPRISE_REVENUE


DEFAULT_PARAMS = Params()
