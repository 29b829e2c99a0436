"""English names of the indicators, their units and populations (pure data).

The definitions in ``indicators`` are Chinese, as the plan and the statistics they follow; the
services swap these in on English pages (``services.localized_def``/``localized_rows``).
"""
from __future__ import annotations

from types import MappingProxyType

NAMES = MappingProxyType({
    "advanced_mfg_output": "Gross output of above-scale advanced manufacturing",
    "equipment_output": "Gross output of the equipment manufacturing cluster",
    "electronics_output": "Gross output of the electronic information cluster",
    "health_output": "Gross output of the health industry cluster",
    "rd_intensity": "R&D intensity of above-scale industrial enterprises",
    "nc_rate": "Key-process numerical control rate, high-tech zone manufacturers",
    "nc_rate_mean": "Key-process numerical control rate, high-tech zone (simple mean of enterprises)",
    "nc_rate_district": "Key-process numerical control rate, whole district",
    "digital_workshops_smart_factories": "Digital workshops and smart factories built",
    "high_tech_output_share": "High-tech output as a share of above-scale industrial output",
    "large_enterprises": "Leading enterprises with revenue above 500 million yuan",
    "rd_platforms": "R&D platforms at municipal level or above",
    "industrial_investment": "Industrial fixed-asset investment",
    "water_reuse_rate": "Industrial water reuse rate",
    "solid_waste_utilisation_rate": "Industrial solid waste utilisation rate",
    "energy_intensity": "Energy use per unit of industrial value added",
    "co2_intensity": "CO2 emissions per unit of industrial value added",
    "design_tool_penetration": "Penetration of digital R&D design tools",
    "cloud_rate": "Share of industrial enterprises on the cloud",
    "green_factories": "Green factories",
    "sts_enterprises": "Specialised and sophisticated (专精特新) enterprises",
    "system_erp_share": "ERP adoption rate",
    "system_mes_share": "MES adoption rate",
    "system_plm_share": "PLM adoption rate",
    "system_scm_share": "SCM adoption rate",
    "system_crm_share": "CRM adoption rate",
    "system_wms_share": "WMS adoption rate",
    "system_aps_share": "APS adoption rate",
    "system_qms_share": "QMS adoption rate",
    "system_ems_share": "Energy management system adoption rate",
    "system_scada_dcs_share": "SCADA/DCS adoption rate",
    "digital_equipment_share": "Share of digital (numerically controlled) production equipment",
    "networked_equipment_share": "Networked production equipment rate",
    "industrial_internet_share": "Share of enterprises on an industrial internet platform",
    "iso50001_share": "Share of enterprises certified to ISO 50001 (energy management)",
    "iso14001_share": "Share of enterprises certified to ISO 14001 (environmental management)",
})

UNITS = MappingProxyType({
    "亿元": "100 million yuan",
    "万元": "10,000 yuan",
    "个": "",
    "家": "enterprises",
    "tce/万元": "tce per 10,000 yuan",
    "tCO2/万元": "tCO2 per 10,000 yuan",
})

POPULATIONS = MappingProxyType({
    "全部报送企业": "All reporting enterprises",
    "规上工业企业": "Above-scale industrial enterprises",
    "装备制造集群规上企业": "Above-scale enterprises of the equipment manufacturing cluster",
    "电子信息集群规上企业": "Above-scale enterprises of the electronic information cluster",
    "大健康集群规上企业": "Above-scale enterprises of the health industry cluster",
    "高新区（中心城区+大庙组团）企业": "Enterprises in the high-tech zone (central urban area and Damiao)",
})


def unit(text: str) -> str:
    return UNITS.get(text, text)


def population(text: str) -> str:
    return POPULATIONS.get(text, text)
