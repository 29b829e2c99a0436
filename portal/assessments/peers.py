"""Peer benchmark: where an enterprise stands within its cluster and size class.

Rule encoded: size class by the NBS 《统计上大中小微型企业划分办法（2017）》 industrial rule,
using annual 营业收入 (万元) and 从业人员: large = employees ≥1000 and revenue ≥40000; medium =
employees ≥300 and revenue ≥2000; small = employees ≥20 and revenue ≥300; otherwise micro
(a class needs both thresholds; missing inputs give no class). Percentile = the share of peers
(same cluster and size class) the enterprise does at least as well as, 0-100, using pandas'
average rank; for indicators where lower is better (debt ratio, energy and CO2 intensity) the
ranking is reversed, so a higher percentile is always better. Pure pandas: frame in, frame out.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SIZE_RULES = (("large", 1000, 40000), ("medium", 300, 2000), ("small", 20, 300))
SIZE_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}

MAIN_INDICATORS = ("rd_intensity_pct", "main_business_share_pct", "main_business_growth_pct", "net_margin_pct",
                   "debt_ratio_pct", "key_process_nc_rate_pct", "digital_equipment_share_pct",
                   "energy_per_10k_va", "co2_per_10k_va", "output_per_mu", "tax_per_mu", "labour_productivity")
LOWER_IS_BETTER = {"debt_ratio_pct", "energy_per_10k_va", "co2_per_10k_va"}


def size_class(revenue: pd.Series, employees: pd.Series) -> pd.Series:
    """NBS industrial size class ("large" / "medium" / "small" / "micro"); <NA> when an input is missing."""
    rev = pd.to_numeric(revenue, errors="coerce").to_numpy(dtype=float)
    emp = pd.to_numeric(employees, errors="coerce").to_numpy(dtype=float)
    out = np.full(len(rev), "micro", dtype=object)
    for name, e_min, r_min in reversed(SIZE_RULES):
        out = np.where((emp >= e_min) & (rev >= r_min), name, out)
    out = np.where(np.isnan(rev) | np.isnan(emp), None, out)
    return pd.Series(out, index=revenue.index, name="size_class", dtype=object)


def peer_percentiles(frame: pd.DataFrame, indicators: Sequence[str] | None = None,
                     group_by: Sequence[str] = ("cluster", "size_class")) -> pd.DataFrame:
    """Percentile (0-100, higher = better) of each row among its peers for each indicator.

    ``frame`` needs ``cluster``, ``revenue`` and ``employees`` (or ``size_class``) plus the
    indicator columns (as produced by ``derive_frame``). Returns a frame with the same index:
    ``size_class``, ``peer_count`` and ``<indicator>_pctile`` (NaN where the value is missing).
    """
    inds = [c for c in (indicators or MAIN_INDICATORS) if c in frame.columns]
    work = pd.DataFrame(index=frame.index)
    work["cluster"] = frame["cluster"] if "cluster" in frame.columns else None
    work["size_class"] = frame["size_class"] if "size_class" in frame.columns else \
        size_class(frame["revenue"], frame["employees"])
    keys = [work[g].astype(object).where(work[g].notna(), "unknown") for g in group_by]
    out = pd.DataFrame(index=frame.index)
    out["size_class"] = work["size_class"]
    out["peer_count"] = frame.groupby(keys, dropna=False)[frame.columns[0]].transform("size").astype(int)
    for ind in inds:
        values = pd.to_numeric(frame[ind], errors="coerce").astype(float)
        ranked = values.groupby(keys, dropna=False).rank(method="average", pct=True,
                                                         ascending=ind not in LOWER_IS_BETTER)
        out[f"{ind}_pctile"] = (ranked * 100).round(2)
    return out
