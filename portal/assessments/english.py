"""English names of the engine's data, for an English page or PDF of a (stored) result.

Rule encoded: results stay Chinese (the ``assess`` JSON and the stored snapshots are unchanged);
the English names are data kept beside the Chinese ones: ``name_en``, ``grades_en``,
``dimensions_en``, ``labels_en`` and ``required_en`` in the criteria files (and ``name_en`` of
the level, element and sub-domain entries of their params), and the tables below for derived
indicators, report fields and units. They are looked up by what a result already carries:
item, gate and framework codes, and the Chinese labels of grades, routes, dimensions and
category bands, so a snapshot stored before this module existed reads in English as well.
Texts the engine composes with numbers (band ranges such as "≥3% 且 <5%", gate details,
recommendations) have no English form here; their numbers are in the result's fields.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import loader
from .derived import SYSTEMS

_CERTS_EN = {
    "iso9001": "ISO 9001 quality management system certification",
    "iso14001": "ISO 14001 environmental management system certification",
    "iso45001": "ISO 45001 occupational health and safety management system certification",
    "iso50001": "ISO 50001 energy management system certification",
    "discharge_permit": "a pollutant discharge permit", "cleaner_production_audit": "a cleaner production audit",
    "green_product": "a green design product recognition", "carbon_footprint": "a product carbon footprint account",
}

# derived indicator -> English name (the Chinese names are derived.INDICATORS)
INDICATORS_EN: dict[str, str] = {
    "key_process_nc_rate_pct": "NC rate of key processes",
    "digital_equipment_share_pct": "Share of digital production equipment",
    "networked_equipment_share_pct": "Equipment networking rate",
    "rd_intensity_pct": "R&D intensity",
    "rd_intensity_prev1_pct": "R&D intensity last year",
    "rd_intensity_min_2y_pct": "Lower R&D intensity of the last two years",
    "rd_2y_total": "R&D expenditure over the last two years",
    "rd_2y_avg": "Average annual R&D expenditure over the last two years",
    "rd_staff_share_pct": "Share of R&D personnel",
    "main_business_share_pct": "Main business revenue as a share of operating revenue",
    "revenue_growth_pct": "Growth of operating revenue",
    "main_business_growth_pct": "Growth of main business revenue",
    "main_business_growth_2y_avg_pct": "Two-year average growth of main business revenue",
    "revenue_cagr_2y_pct": "Two-year compound growth of operating revenue",
    "debt_ratio_pct": "Debt-to-asset ratio",
    "net_margin_pct": "Net profit margin",
    "energy_tce": "Total energy use",
    "co2_t": "CO₂ emissions",
    "energy_per_10k_va": "Energy use per unit of value added",
    "co2_per_10k_va": "CO₂ emissions per unit of value added",
    "water_reuse_rate_pct": "Water reuse rate",
    "solid_waste_utilisation_pct": "General industrial solid waste utilisation rate",
    "wastewater_reuse_pct": "Wastewater treatment and reuse rate",
    "output_per_mu": "Output per mu",
    "tax_per_mu": "Tax per mu",
    "revenue_per_mu": "Operating revenue per mu",
    "labour_productivity": "Labour productivity",
    "years_in_niche": "Years in the market niche",
    "focus_direction_member": "In a key industrial cluster with a stated key development direction",
    "ip_level": "Intellectual property level",
    "quality_count": "Quality management items (provincial quality award, ISO 9001, own brand, standard setting)",
    "mgmt_cert_count": "Management system certifications",
    "info_system_count": "Information systems in use",
    "has_rd_institution": "Has an R&D institution",
    "high_tech_valid": "High-tech enterprise certificate in force",
    "niche_top3_or_10pct": "Market share ≥ 10% or top 3 in China",
    "renewable_electricity_share_pct": "Share of renewable electricity",
    "plot_ratio": "Plot ratio",
    "building_density_pct": "Building density",
    "hazardous_waste_t_per_10k_output": "Hazardous waste per unit of output value",
    "energy_per_unit_kgce": "Total energy use per unit of product",
    "co2_per_unit_kg": "CO₂ emissions per unit of product",
    "uscc_region": "Registration region code of the unified social credit code",
    **{f"has_{c}": f"Holds {name}" for c, name in _CERTS_EN.items()},
    **{f"{s}_level": f"Use of the {s.upper()} system" for s in SYSTEMS},
}

# report field -> English name (the Chinese names are derived.FIELD_NAMES)
FIELDS_EN: dict[str, str] = {
    "revenue": "Operating revenue", "main_business_revenue": "Main business revenue",
    "rd_expenditure": "R&D expenditure", "rd_expenditure_prev1": "R&D expenditure last year",
    "external_equity_2y": "New equity financing in the last two years",
    "ip_class1_count": "Class I intellectual property rights", "niche_market_share_pct": "Market share in the niche",
    "niche_market_rank_cn": "Rank in the national market niche", "rd_institution_level": "Level of the R&D institution",
    "product_field": "Field of the main product", "sme_digital_grade": "SME digitalisation level",
    "science_award_3y": "Provincial or higher science and technology award in the last three years",
    "own_brand": "Own brand", "violations_3y": "Major accident or serious violation in the last three years",
    "employees": "Employees", "rd_personnel": "R&D personnel", "net_profit": "Net profit",
    "total_liabilities": "Total liabilities", "total_assets": "Total assets",
}

# unit as the engine states it (items, gates, recommendations, indicators) -> English
UNITS_EN: dict[str, str] = {
    "%": "%", "万元": "10k yuan", "亿元": "100 million yuan", "年": "years", "人": "persons", "项": "items",
    "个": "", "名": "place", "分": "points", "级": "level", "倍": "times", "道": "processes", "台（套）": "sets",
    "个能力子域": "sub-domains", "万元/亩": "10k yuan/mu", "万元/人": "10k yuan/person", "tce": "tce",
    "tCO2": "tCO2", "tce/万元": "tce/10k yuan", "tCO2/万元": "tCO2/10k yuan", "t/万元": "t/10k yuan",
    "kgce/单位产品": "kgce/unit of product", "kgCO2/单位产品": "kgCO2/unit of product",
    "kgce/产品单位": "kgce/unit of product", "kgCO2/产品单位": "kgCO2/unit of product",
}


@dataclass(frozen=True)
class EnglishNames:
    """The English names of one criteria set, keyed as a result names things."""

    framework: str                               # Result.framework_name in English
    grades: Mapping[str, str]                    # Result.grade (Chinese label) -> English
    items: Mapping[str, str]                     # Item.code -> English name
    gates: Mapping[str, str]                     # Gate.code -> English name
    required: Mapping[str, str]                  # Gate.code -> the requirement (Gate.required) in English
    routes: Mapping[str, str]                    # Result.routes entry (Chinese name) -> English
    dimensions: Mapping[str, str]                # Item.dimension / extra["dimensions"] key -> English
    bands: Mapping[str, Mapping[str, str]]       # Item.code -> category band (Item.band) -> English
    terms: Mapping[str, str]                     # other names of the set (levels, sub-domains) -> English


@lru_cache(maxsize=64)
def english_names(code: str) -> EnglishNames:
    """English names of criteria set ``code`` (``Result.framework``); KeyError for an unknown code."""
    crit = loader.by_code(code)
    terms = dict(_param_terms(crit))
    grades = {zh: crit.grades_en[key] for key, zh in crit.grades.items() if key in crit.grades_en}
    for key, param in crit.params.items():       # a label param with an English twin (smart: no_level)
        twin = crit.params.get(f"{key}_en")
        if twin is not None and isinstance(param.value, str):
            grades[param.value] = str(twin.value)
    for level in _entries(crit.params.get("levels")):
        if "name_en" in level:
            grades[str(level["name"])] = str(level["name_en"])                       # smart: 智能工厂
            if "level" in level:                                                    # cmmm: L2 规范级
                grades[f"L{level['level']} {level['name']}"] = f"L{level['level']} {level['name_en']}"
    return EnglishNames(
        framework=crit.name_en or crit.name,
        grades=grades,
        items={it.code: it.name_en for it in crit.items if it.name_en},
        gates={g.code: g.name_en for g in crit.gates if g.name_en},
        required={g.code: g.required_en for g in crit.gates if g.required_en},
        routes={r.name: r.name_en for r in crit.routes if r.name_en},
        dimensions=dict(crit.dimensions_en),
        bands={it.code: {it.categories.labels[k]: en for k, en in it.labels_en.items()}
               for it in crit.items if it.categories is not None and it.labels_en},
        terms=terms,
    )


def _entries(param: Any) -> list[Mapping]:
    value = getattr(param, "value", None)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _param_terms(crit: loader.Criteria):
    """(Chinese, English) of every params entry, at any depth, that has both ``name`` and ``name_en``."""
    stack: list[Any] = [p.value for p in crit.params.values()]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if isinstance(node.get("name"), str) and isinstance(node.get("name_en"), str):
                yield node["name"], node["name_en"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def indicator_name_en(name: str) -> str | None:
    """English name of a derived indicator or report field (None when it has none)."""
    return INDICATORS_EN.get(name) or FIELDS_EN.get(name)


def unit_en(unit: str | None) -> str | None:
    """English form of a unit the engine states; the unit itself when it has none (e.g. "%")."""
    if unit is None:
        return None
    return UNITS_EN.get(unit, unit)

