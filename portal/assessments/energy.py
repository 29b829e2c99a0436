"""Comprehensive energy consumption (tce) and CO2 emissions from the reported energy carriers.

Rule encoded: GB/T 2589-2020 《综合能耗计算通则》: each carrier's physical amount times its
standard-coal coefficient, summed (electricity at its calorific value 0.1229 kgce/kWh by
default, or the "equivalent" value on request). CO2 = purchased electricity x the grid emission
factor (default 0.5366 kg/kWh, the 2022 national average published by MEE/NBS, overridable per
call, e.g. 0.2268 for the 西南 grid) + fuels x the 2015 guideline default factors. All
coefficients live in ``criteria/common.yaml`` with their confidence marks; apart from the grid
factor they are provisional (criteria-reference.md §6).

Electricity and natural gas are required report fields: when either is missing the total is
None. The optional carriers (coal, oils, LPG, steam, heat, other) left empty are read as "not
used", because a report leaves them empty exactly when the enterprise does not use them.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .loader import common

REQUIRED_CARRIERS = ("electricity_kwh", "natural_gas_m3")


def tce_coefficients(energy_basis: str = "calorific") -> dict[str, float]:
    """tce per field unit for each carrier field."""
    coef = {k: float(v["value"]) for k, v in common()["energy"]["coefficients"].items()}
    if energy_basis == "equivalent":
        coef["electricity_kwh"] = float(common()["energy"]["electricity_equivalent_kgce_per_kwh"]["value"]) / 1000
    elif energy_basis != "calorific":
        raise ValueError(f"energy_basis must be 'calorific' or 'equivalent', not {energy_basis!r}")
    return coef


def co2_factors(grid_factor_kg_per_kwh: float | None = None) -> dict[str, float]:
    """tCO2 per field unit for each carrier field (electricity from the grid factor in kg/kWh)."""
    carbon = common()["carbon"]
    grid = float(carbon["grid_factor_kg_per_kwh"]["value"]) if grid_factor_kg_per_kwh is None \
        else float(grid_factor_kg_per_kwh)
    out = {k: float(v["value"]) for k, v in carbon["factors"].items()}
    out["electricity_kwh"] = grid / 1000.0
    return out


def default_grid_factor() -> float:
    return float(common()["carbon"]["grid_factor_kg_per_kwh"]["value"])


def _weighted(amounts: Mapping[str, np.ndarray], coef: Mapping[str, float]) -> np.ndarray:
    """Sum of amount x coefficient; NaN where a required carrier is NaN, optional NaN read as 0."""
    n = len(next(iter(amounts.values()))) if amounts else 0
    total = np.zeros(n)
    for name, factor in coef.items():
        if name not in amounts:
            continue
        a = np.asarray(amounts[name], dtype=float)
        if name in REQUIRED_CARRIERS:
            total = total + a * factor
        else:
            total = total + np.where(np.isnan(a), 0.0, a) * factor
    for name in REQUIRED_CARRIERS:
        if name not in amounts:
            total = total * np.nan
    return total


def energy_tce_array(amounts: Mapping[str, np.ndarray], energy_basis: str = "calorific") -> np.ndarray:
    """Vectorised comprehensive energy consumption in tce."""
    return _weighted(amounts, tce_coefficients(energy_basis))


def co2_t_array(amounts: Mapping[str, np.ndarray], grid_factor_kg_per_kwh: float | None = None) -> np.ndarray:
    """Vectorised CO2 emissions in tonnes."""
    return _weighted(amounts, co2_factors(grid_factor_kg_per_kwh))


def _scalar(fn, amounts: Mapping[str, float | None], arg) -> float | None:
    arrays = {k: np.array([np.nan if v is None else float(v)]) for k, v in amounts.items()}
    out = float(fn(arrays, arg)[0])
    return None if np.isnan(out) else out


def energy_tce(amounts: Mapping[str, float | None], energy_basis: str = "calorific") -> float | None:
    """Comprehensive energy consumption in tce for one set of annual amounts; None if not available."""
    return _scalar(energy_tce_array, amounts, energy_basis)


def co2_t(amounts: Mapping[str, float | None], grid_factor_kg_per_kwh: float | None = None) -> float | None:
    """CO2 emissions in tonnes for one set of annual amounts; None if not available."""
    return _scalar(co2_t_array, amounts, grid_factor_kg_per_kwh)


ENERGY_FIELDS = ("electricity_kwh", "renewable_self_kwh", "natural_gas_m3", "raw_coal_t", "diesel_t",
                 "gasoline_t", "fuel_oil_t", "lpg_t", "steam_t", "heat_gj", "other_energy_tce")
