"""亩均论英雄: per-enterprise land efficiency, a weighted score and A/B/C/D classes (provisional).

The rule (criteria-reference §5, a published example from an unnamed city; no Chongqing table
was found, so every number is configurable in ``land_efficiency.yaml``): above-scale
enterprises are scored on tax per 亩 (45), sales per 亩 (20), value added per unit of energy
(15), R&D intensity (15) and labour productivity (5), and classed by score rank: A the top 25%,
B the next to 70%, C to 95%, D the bottom 5%.

How this module applies it:

* Annual figures: a full-year window is used as is; a partial window is annualised (x 4 /
  quarters) so that per-亩 values read per year. Flows need every quarter of the window
  (see ``indicators.select_period``).
* Each component is put on 0-100 before weighting: by default its percentile rank among the
  scored enterprises (robust to one very large enterprise); ``ratio_to_max`` divides by the
  district's best value instead. The score is the weighted mean, 0-100.
* An enterprise without a land area (or with 0 亩) is "不可评"; so is one lacking another input
  (reason given), rather than being scored as if the missing figure were zero.
* Classes: an enterprise falls in the first class whose bound exceeds the share of scored
  enterprises ranked strictly above it: fewer than 25% ahead -> A, fewer than 70% -> B, fewer
  than 95% -> C, else D. With 20 enterprises ranks 1-5 are A, 6-14 B, 15-19 C and 20 D; a
  lone enterprise is A. Tied scores share the better rank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import yaml

from .indicators import (
    DEFAULT_PARAMS,
    Params,
    PeriodSpec,
    as_period_spec,
    bool_to_float,
    energy_tce,
    select_period,
)

CONFIG_FILE = Path(__file__).with_name("land_efficiency.yaml")
NOT_RATED = "不可评"

COMPONENT_LABELS = MappingProxyType({
    "tax_per_mu": ("亩均税收", "万元/亩"),
    "sales_per_mu": ("亩均销售收入", "万元/亩"),
    "va_per_energy": ("单位能耗工业增加值", "万元/tce"),
    "rd_intensity": ("研发投入强度", "%"),
    "labour_productivity": ("全员劳动生产率", "万元/人"),
})
NORMALISATIONS = ("percentile", "ratio_to_max")


@dataclass(frozen=True)
class LandConfig:
    weights: Mapping[str, float]
    classes: tuple[tuple[str, float], ...]
    normalisation: str = "percentile"
    population: str = "above_scale"
    provisional: bool = True
    source: str = ""

    def __post_init__(self):
        unknown = set(self.weights) - set(COMPONENT_LABELS)
        if unknown:
            raise ValueError(f"unknown land-efficiency components: {sorted(unknown)}")
        if sum(self.weights.values()) <= 0:
            raise ValueError("land-efficiency weights must add up to more than 0")
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {NORMALISATIONS}")
        if self.population not in ("above_scale", "all"):
            raise ValueError("population must be above_scale or all")
        uppers = [u for _, u in self.classes]
        if not self.classes or uppers != sorted(uppers) or not math.isclose(uppers[-1], 1.0):
            raise ValueError("class bounds must rise and end at 1.0")


def parse_config(data: Mapping) -> LandConfig:
    return LandConfig(
        weights=MappingProxyType({k: float(v) for k, v in data["weights"].items()}),
        classes=tuple((str(c["code"]), float(c["upper"])) for c in data["classes"]),
        normalisation=str(data.get("normalisation", "percentile")),
        population=str(data.get("population", "above_scale")),
        provisional=bool(data.get("provisional", True)),
        source=str(data.get("source", "")),
    )


@lru_cache(maxsize=4)
def load_config(path: str | Path = CONFIG_FILE) -> LandConfig:
    with open(path, encoding="utf-8") as fh:
        return parse_config(yaml.safe_load(fh))


def _num(e: pd.DataFrame, name: str) -> pd.Series:
    if name not in e.columns:
        return pd.Series(np.nan, index=e.index, dtype=float)
    return pd.to_numeric(e[name], errors="coerce").astype(float)


def _positive(s: pd.Series) -> pd.Series:
    return s.where(s > 0)


def components(e: pd.DataFrame, spec: PeriodSpec, params: Params = DEFAULT_PARAMS) -> pd.DataFrame:
    """Annual per-enterprise figures (NaN where an input is missing or a base is 0)."""
    factor = spec.annualisation_factor
    mu = _positive(_num(e, "land_area_mu"))
    revenue = _num(e, "revenue") * factor
    value_added = _num(e, "value_added") * factor
    return pd.DataFrame({
        "land_area_mu": _num(e, "land_area_mu"),
        "output_per_mu": _num(e, "gross_output_value") * factor / mu,
        "tax_per_mu": _num(e, "taxes_paid") * factor / mu,
        "sales_per_mu": revenue / mu,
        "va_per_mu": value_added / mu,
        "va_per_energy": value_added / _positive(energy_tce(e, params) * factor),
        "rd_intensity": _num(e, "rd_expenditure") * factor / _positive(revenue) * 100,
        "labour_productivity": value_added / _positive(_num(e, "employees")),
    }, index=e.index)


def _normalise(values: pd.DataFrame, how: str) -> pd.DataFrame:
    if how == "percentile":
        return values.rank(pct=True, method="average") * 100
    best = values.max().where(lambda m: m > 0)
    return values.div(best).clip(lower=0) * 100


def _class_codes(position: pd.Series, n: int, classes) -> pd.Series:
    """Class of each rank: the first class whose bound exceeds the share ranked above it."""
    ahead = position - 1  # enterprises with a strictly better score
    codes = [code for code, _ in classes]
    conditions = [ahead < upper * n - 1e-9 for _, upper in classes]
    return pd.Series(np.select(conditions, codes, default=codes[-1]), index=position.index, dtype=object)


def land_efficiency(
    reports: pd.DataFrame,
    period_spec: PeriodSpec | str,
    config: LandConfig | None = None,
    params: Params = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """One row per enterprise in the population: annual per-亩 figures, score, rank and class.

    Columns: ``enterprise_id``, ``cluster``, ``park``, ``town``, the ``components`` figures,
    ``score_<component>`` (0-100 before weighting), ``score`` (0-100), ``rank`` (1 = best),
    ``class`` (A-D or "不可评") and ``reason`` (why an enterprise is not rated). Rated enterprises
    come first, best first.
    """
    config = config or load_config()
    spec = as_period_spec(period_spec)
    e = select_period(reports, spec)
    if config.population == "above_scale" and "is_above_scale" in e.columns:
        e = e.loc[bool_to_float(e["is_above_scale"]) == 1.0]
    comp = components(e, spec, params)
    weighted = list(config.weights)
    reason = pd.Series("", index=e.index, dtype=object)
    no_land = comp["land_area_mu"].isna() | (comp["land_area_mu"] <= 0)
    reason = reason.mask(no_land, "缺少用地面积")
    for name in weighted:
        label = COMPONENT_LABELS[name][0]
        lacking = comp[name].isna() & ~no_land
        reason = reason.mask(lacking, reason + np.where(reason == "", "缺少", "、") + label)
    rated = reason == ""
    scores = _normalise(comp.loc[rated, weighted], config.normalisation)
    total_weight = sum(config.weights.values())
    score = sum(scores[name] * config.weights[name] for name in weighted) / total_weight
    out = pd.DataFrame(index=e.index)
    for col in ("cluster", "park", "town"):
        out[col] = e[col] if col in e.columns else None
    out = out.join(comp)
    out = out.join(scores.add_prefix("score_"))
    out["score"] = score.reindex(out.index) if len(scores) else np.nan
    position = out["score"].rank(ascending=False, method="min")
    out["rank"] = position.astype("Int64")
    n = int(rated.sum())
    out["class"] = NOT_RATED
    if n:
        out.loc[rated, "class"] = _class_codes(position[rated], n, config.classes)
    out["reason"] = reason
    out["provisional"] = config.provisional
    out = out.reset_index().sort_values(["rank", "enterprise_id"], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def class_summary(table: pd.DataFrame, config: LandConfig | None = None) -> pd.DataFrame:
    """Number of enterprises per class (A..D, then 不可评) for the land-efficiency table."""
    config = config or load_config()
    order = [code for code, _ in config.classes] + [NOT_RATED]
    counts = table["class"].value_counts().reindex(order, fill_value=0)
    return pd.DataFrame({"class": order, "n": counts.to_numpy()})
