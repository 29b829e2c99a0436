"""A pure, deterministic generator of demo enterprises and quarterly reports.

``generate(seed)`` returns the same :class:`DemoData` for the same arguments: every random draw
comes from one ``random.Random(seed)``; there is no clock and no I/O. The figures are shaped on the
Tongliang plan (2020: 346 above-scale enterprises, output 606.24 亿元, of which equipment 360.4,
electronics 93.98 and health 27.77; R&D intensity 1.9%) and move toward, but stay short of, the
2025 targets: district output in 2025 lands at roughly 1,300-1,500 亿元, about 20 enterprises
have an annual revenue above 5 亿元.

Every report satisfies every hard rule of ``report_fields.yaml``. About 3% of the reports carry a
deliberate warning (an output jump or fall of more than 50% against the same quarter last year, an
energy-per-value-added change of more than 40%); each such report explains it in
``warnings_explained`` under the warning code used by ``portal.reporting.validation``
(``yoy_output``, ``yoy_energy_intensity``, ``drop_<field>``). :func:`report_warnings` is the check used to attach those explanations.
"""
from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field
from typing import Any

from portal.demo.names import (
    CLUSTER_SHARES,
    CMMM_KEYS,
    DIRECTIONS,
    EXPLANATIONS,
    PARK_PROBS,
    TOWNS,
    TRADE_FIRST,
    TRADE_LOCAL,
    TRADE_SECOND,
    ProductLine,
)
from portal.fields.uscc import CHARSET, check_char

USCC_PREFIX = "91500151"   # 9 = registered by market regulation, 1 = enterprise, 500151 = 铜梁区

CLUSTERS = ("equipment", "electronics", "health", "other")
SYSTEM_KEYS = ("erp", "mes", "plm", "scm", "crm", "wms", "aps", "qms", "ems", "scada_dcs")
DESIGN_TOOLS = ("cad2d", "cad3d", "cae", "cam", "capp", "pdm_plm")
CERTIFICATIONS = ("iso9001", "iso14001", "iso45001", "iso50001", "discharge_permit",
                  "cleaner_production_audit", "green_product", "carbon_footprint")
RD_LEVELS = ("none", "enterprise", "district", "municipal", "national")
CLOUD_LEVELS = ("none", "infrastructure", "platform", "business")
STOCK_COUNT_KEYS = ("ip_class1_count", "key_processes_total", "equipment_total")

# Standard-coal coefficients (GB/T 2589-2020, equivalent values): tce per unit.
TCE_PER_UNIT = {
    "electricity_kwh": 0.0001229,
    "natural_gas_m3": 0.0012143,
    "raw_coal_t": 0.7143,
    "diesel_t": 1.4571,
    "gasoline_t": 1.4714,
    "fuel_oil_t": 1.4286,
    "lpg_t": 1.7143,
    "steam_t": 0.1286,
    "heat_gj": 0.03412,
    "other_energy_tce": 1.0,
}

# Share of annual output by quarter: Q1 low (Spring Festival), Q4 high.
SEASON = (0.21, 0.245, 0.25, 0.295)

# value added / output, tce per 万元 value added, water m3 per 万元 output, solid waste t per 万元 output
CLUSTER_RATIOS = {
    "equipment": {"va": 0.25, "energy": 0.07, "water": 3.0, "waste": 0.045, "productivity": 150.0},
    "electronics": {"va": 0.22, "energy": 0.045, "water": 4.5, "waste": 0.012, "productivity": 110.0},
    "health": {"va": 0.31, "energy": 0.065, "water": 9.0, "waste": 0.05, "productivity": 120.0},
    "other": {"va": 0.26, "energy": 0.10, "water": 5.0, "waste": 0.12, "productivity": 140.0},
}


@dataclass(frozen=True)
class DemoEnterprise:
    profile: dict          # keys exactly the ``profile`` keys of report_fields.yaml
    login: str | None      # login name of the enterprise user; None for most


@dataclass(frozen=True)
class DemoReport:
    enterprise_index: int  # index into DemoData.enterprises
    year: int
    quarter: int
    values: dict           # keys exactly the report-section keys; optional ones may be None
    status: str            # "approved" | "submitted" | "returned" | "draft"
    submitted_on: datetime.date | None   # None for drafts; after the due date => late
    warnings_explained: dict  # warning code -> explanation (Chinese), may be empty


@dataclass(frozen=True)
class DemoData:
    enterprises: tuple[DemoEnterprise, ...]
    periods: tuple[tuple[int, int, datetime.date, datetime.date], ...]  # (year, quarter, opens_on, due_on)
    reports: tuple[DemoReport, ...]


# --------------------------------------------------------------------------------------------
# small helpers


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _noise(rng: random.Random, sd: float, lim: float) -> float:
    """A multiplicative factor around 1 with standard deviation ``sd``, clipped to 1 +- lim."""
    return 1.0 + _clip(rng.gauss(0.0, sd), -lim, lim)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _quotas(n: int, shares: dict[str, float]) -> dict[str, int]:
    """Largest-remainder rounding of ``n * share``."""
    raw = {k: n * s / sum(shares.values()) for k, s in shares.items()}
    out = {k: int(v) for k, v in raw.items()}
    rest = n - sum(out.values())
    for k in sorted(raw, key=lambda k: (out[k] - raw[k], k))[:rest]:
        out[k] += 1
    return out


def quarters(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    y, q = first
    while (y, q) <= tuple(last):
        out.append((y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def period_dates(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """(opens_on, due_on): the day after the quarter ends, and the 20th of the following month."""
    opens = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    return opens, opens.replace(day=20)


def _r2(x: float) -> float:
    return round(x, 2)


def _r1(x: float) -> float:
    return round(x, 1)


# --------------------------------------------------------------------------------------------
# enterprises


@dataclass
class _Latent:
    """Hidden parameters of one enterprise that drive its quarterly figures."""

    cluster: str
    park: str
    line: ProductLine
    base_output: float = 0.0      # annual gross output value in 2025, 万元
    tier_a: bool = False          # a large enterprise (annual revenue > 5 亿元)
    strong: bool = False          # 专精特新-like profile
    growth: float = 0.09
    high_tech: bool = False
    extras: dict[str, Any] = field(default_factory=dict)


def _uscc(rng: random.Random, used: set[str]) -> str:
    while True:
        body = USCC_PREFIX + "".join(rng.choice(CHARSET) for _ in range(9))
        code = body + check_char(body)
        if code not in used:
            used.add(code)
            return code


def _trade_name(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return rng.choice(TRADE_LOCAL)
    a = rng.choice(TRADE_FIRST)
    b = rng.choice(TRADE_SECOND)
    while b == a:
        b = rng.choice(TRADE_SECOND)
    return a + b


def _company_name(rng: random.Random, lat: _Latent, used: set[str]) -> str:
    for _ in range(200):
        trade = _trade_name(rng)
        word = rng.choice(lat.line.name_words)
        suffix = "股份有限公司" if lat.tier_a and rng.random() < 0.35 else (
            "有限责任公司" if rng.random() < 0.12 else "有限公司")
        r = rng.random()
        if r < 0.35:
            name = f"重庆铜梁{trade}{word}{suffix}"
        elif r < 0.43 and lat.cluster == "electronics":
            name = f"{trade}（重庆）{word}{suffix}"
        else:
            name = f"重庆{trade}{word}{suffix}"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("could not draw a unique company name")  # pragma: no cover


def _draw_latents(rng: random.Random, n: int) -> list[_Latent]:
    counts = _quotas(n, CLUSTER_SHARES)
    clusters = [c for c in CLUSTERS for _ in range(counts[c])]
    rng.shuffle(clusters)
    in_town: set[int] = set()
    for cluster in CLUSTERS:
        members = [i for i, c in enumerate(clusters) if c == cluster]
        in_town.update(rng.sample(members, round(len(members) * PARK_PROBS[cluster][0])))
    lats = []
    for i, cluster in enumerate(clusters):
        p_core = PARK_PROBS[cluster][1]
        park = "town" if i in in_town else ("hitech_core" if rng.random() < p_core else "damiao")
        dirs = DIRECTIONS[cluster]
        sub = _pick(rng, {k: v[0] for k, v in dirs.items()})
        line = rng.choice(dirs[sub][1])
        lat = _Latent(cluster=cluster, park=park, line=line)
        lat.extras["sub_direction"] = sub
        lats.append(lat)

    # Large enterprises (annual revenue > 5 亿元): 20 of 350, mostly equipment and
    # electronics, rarely in towns.
    n_a = max(1, round(n * 20 / 350))
    a_quota = _quotas(n_a, {"equipment": 0.47, "electronics": 0.36, "health": 0.05, "other": 0.12})
    for cluster in CLUSTERS:
        pool = [i for i in range(n) if lats[i].cluster == cluster]
        for _ in range(min(a_quota[cluster], len(pool))):
            i = rng.choices(pool, weights=[0.3 if lats[j].park == "town" else 1.0 for j in pool])[0]
            pool.remove(i)
            lats[i].tier_a = True

    for lat in lats:
        if lat.tier_a:
            lat.base_output = _clip(math.exp(rng.gauss(math.log(230000), 0.7)), 62000, 600000)
        else:
            mult = {"health": 0.8, "other": 0.9}.get(lat.cluster, 1.0) * (0.75 if lat.park == "town" else 1.0)
            lat.base_output = _clip(math.exp(rng.gauss(math.log(16000 * mult), 0.8)), 2300, 40000)
    # Fit the 2025 district total to ~1,400 亿元 (+-5%) without leaving each tier's range.
    target = 14_000_000 * n / 350 * rng.uniform(0.95, 1.05)
    for _ in range(8):
        total = sum(lat.base_output for lat in lats)
        f = target / total
        for lat in lats:
            lo, hi = (62000, 600000) if lat.tier_a else (2300, 40000)
            lat.base_output = _clip(lat.base_output * f, lo, hi)

    # Strong (专精特新-like) profiles: ~10%, mostly mid-sized.
    for lat in lats:
        p = 0.06 if lat.tier_a else (0.14 if lat.base_output > 8000 else 0.05)
        lat.strong = rng.random() < p
    # High-tech certificates: ~12% hold one (some expired), favouring strong and large firms.
    for lat in lats:
        p = 0.55 if lat.strong else (0.30 if lat.tier_a else 0.05)
        lat.high_tech = rng.random() < p
    for lat in lats:
        lat.growth = _clip(rng.gauss(0.095, 0.05), -0.08, 0.22)
        if lat.cluster in ("electronics", "health"):
            lat.growth = _clip(lat.growth + 0.02, -0.08, 0.22)
    return lats


def _profile(rng: random.Random, lat: _Latent, used_uscc: set[str], used_names: set[str]) -> dict:
    founded_year = rng.randint(1995, 2022)
    if lat.tier_a:
        founded_year = rng.randint(1995, 2016)
    founded = datetime.date(founded_year, rng.randint(1, 12), rng.randint(1, 28))
    niche = None
    if rng.random() < 0.75:
        niche = rng.randint(founded_year, min(2023, founded_year + 6))
    land = None
    floor = footprint = None
    if rng.random() < 0.95:
        productivity = rng.uniform(250, 1200) * (1.5 if lat.cluster == "electronics" else 1.0)
        land = _r1(_clip(lat.base_output / productivity, 4.0, 900.0))
        site_m2 = land * 666.67
        if rng.random() < 0.95:
            footprint = _r1(site_m2 * rng.uniform(0.35, 0.62))
            floor = _r1(footprint * rng.uniform(1.1, 2.6))
    if lat.high_tech:
        if rng.random() < 0.25:   # expired
            until = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 990))
        else:
            until = datetime.date(2026, 12, 1) + datetime.timedelta(days=rng.randint(0, 760))
    else:
        until = None
    if lat.strong:
        pf_w = {"gap_filling": 3, "six_foundations": 3, "chain_leader_supplier": 3, "strategic_emerging": 3, "other": 0.5}
    else:
        pf_w = {"gap_filling": 0.6, "six_foundations": 1.2, "chain_leader_supplier": 3.0,
                "strategic_emerging": 2.2, "other": 3.0}
    product_field = _pick(rng, pf_w) if rng.random() < 0.93 else None
    return {
        "uscc": _uscc(rng, used_uscc),
        "name": _company_name(rng, lat, used_names),
        "industry_code": lat.line.industry_code,
        "cluster": lat.cluster,
        "sub_direction": lat.extras["sub_direction"],
        "park": lat.park,
        "town": _pick(rng, dict(TOWNS)) if lat.park == "town" else None,
        "founded_on": founded,
        "niche_since_year": niche,
        "land_area_mu": land,
        "floor_area_m2": floor,
        "footprint_area_m2": footprint,
        "is_above_scale": True,
        "high_tech_cert_until": until,
        "product_field": product_field,
    }


# --------------------------------------------------------------------------------------------
# quarterly series


def _upgrade(rng: random.Random, levels: tuple[str, ...], current: str, p: float) -> str:
    i = levels.index(current)
    if i + 1 < len(levels) and rng.random() < p:
        return levels[i + 1]
    return current


def _series(rng: random.Random, lat: _Latent, qs: list[tuple[int, int]]) -> list[dict]:
    """The report values of one enterprise for every quarter in ``qs``."""
    c = CLUSTER_RATIOS[lat.cluster]
    strong = lat.strong
    big = lat.tier_a
    hitech_park = lat.park != "town"
    size = lat.base_output

    # ---- fixed per-enterprise ratios
    va_ratio = _clip(rng.gauss(c["va"], 0.03), 0.20, 0.35)
    rev_ratio = _clip(rng.gauss(1.0, 0.035), 0.92, 1.08)
    main_share = _clip(rng.gauss(0.93, 0.05), 0.75, 0.99)
    margin = _clip(rng.gauss(0.055, 0.04), -0.08, 0.16)
    income_tax = 0.15 if lat.high_tech or rng.random() < 0.5 else 0.25   # 西部大开发 15%
    tax_rate = rng.uniform(0.02, 0.06)
    rd_int = _clip(math.exp(rng.gauss(math.log(0.0165), 0.5)), 0.005, 0.06)
    if strong:
        rd_int = _clip(rd_int * 2.2, 0.035, 0.08)
    exporter = rng.random() < (0.5 if lat.cluster == "electronics" else 0.25)
    export_share = rng.uniform(0.02, 0.45) if exporter else 0.0
    export_blank = not exporter and rng.random() < 0.5
    ht_share = rng.uniform(0.45, 0.92) if lat.high_tech else (rng.uniform(0.05, 0.3) if strong else 0.0)
    ht_blank = not lat.high_tech and not strong and rng.random() < 0.55
    new_share = rng.uniform(0.05, 0.4) if rng.random() < 0.8 else None
    invest_ratio = _clip(math.exp(rng.gauss(math.log(0.14), 0.6)), 0.01, 0.8)
    invest_blank = rng.random() < 0.08
    reno_share = rng.uniform(0.15, 0.8)
    productivity = _clip(math.exp(rng.gauss(math.log(c["productivity"]), 0.35)), 45, 420)
    asset_ratio = _clip(rng.gauss(1.0, 0.25), 0.5, 1.8)
    leverage = _clip(rng.gauss(0.55, 0.12), 0.30, 0.80)
    equity = None
    if strong and rng.random() < 0.4:
        equity = _r2(rng.uniform(1000, 20000))
    elif rng.random() < 0.1:
        equity = 0.0
    if strong or rng.random() < 0.25:
        share = _clip(rng.gauss(15 if strong else 3, 8 if strong else 2.5), 0.3, 60)
        rank = max(1, int(rng.gauss(4 if strong else 25, 3 if strong else 12)))
    else:
        share = rank = None
    # energy and resources
    e_int = _clip(math.exp(rng.gauss(math.log(c["energy"]), 0.35)), 0.02, 0.25)
    shares = {"electricity_kwh": rng.uniform(0.65, 0.92), "natural_gas_m3": rng.uniform(0.03, 0.25)}
    if lat.cluster in ("other", "health") and rng.random() < 0.12:
        shares["raw_coal_t"] = rng.uniform(0.08, 0.3)
    if rng.random() < 0.3:
        shares["diesel_t"] = rng.uniform(0.01, 0.05)
    if rng.random() < 0.4:
        shares["gasoline_t"] = rng.uniform(0.003, 0.02)
    if rng.random() < 0.04:
        shares["fuel_oil_t"] = rng.uniform(0.01, 0.06)
    if rng.random() < 0.06:
        shares["lpg_t"] = rng.uniform(0.01, 0.08)
    if lat.cluster in ("health", "other") and rng.random() < 0.1:
        shares["steam_t"] = rng.uniform(0.05, 0.2)
    if rng.random() < 0.02:
        shares["heat_gj"] = rng.uniform(0.02, 0.1)
    if rng.random() < 0.03:
        shares["other_energy_tce"] = rng.uniform(0.01, 0.05)
    total_share = sum(shares.values())
    shares = {k: v / total_share for k, v in shares.items()}
    fuel_blank = rng.random() < 0.5      # absent fuels left blank rather than entered as 0
    pv_share = rng.uniform(0.03, 0.15) if rng.random() < (0.3 if hitech_park else 0.1) else None
    water_int = _clip(math.exp(rng.gauss(math.log(c["water"]), 0.4)), 0.5, 40)
    reuse = _clip(rng.gauss(0.78, 0.09), 0.6, 0.95)
    recycled_blank = rng.random() < 0.1
    treated_share = rng.uniform(0.55, 0.9) if rng.random() < 0.85 else None
    reused_share = rng.uniform(0.05, 0.5) if treated_share is not None and rng.random() < 0.8 else None
    waste_int = _clip(math.exp(rng.gauss(math.log(c["waste"]), 0.5)), 0.002, 0.6)
    util = _clip(rng.gauss(0.88, 0.06), 0.70, 0.98)
    prior_mode = rng.random()           # < 0.15: sometimes uses prior stock; < 0.6: reports 0; else blank
    haz_int = rng.uniform(0.0002, 0.002) if rng.random() < 0.85 else None
    qty_given = rng.random() < 0.65
    green_pct = _clip(rng.gauss(55, 20), 5, 98) if rng.random() < 0.5 else None

    # ---- stocks at the start
    emp = max(12.0, size / productivity)
    rd_share = _clip(rng.gauss(0.2 if strong else 0.1, 0.04), 0.04, 0.35)
    ip1 = int(_clip(rng.gauss(4 + math.log10(size) * (6 if strong else 2) - 8, 3), 0, 80)) + (10 if strong else 0)
    if big:
        ip1 += rng.randint(5, 30)
    ip1_self = rng.uniform(0.6, 1.0)
    ip_hv = rng.uniform(0.1, 0.5) if rng.random() < 0.6 else None
    ip2 = int(ip1 * rng.uniform(1.5, 5) + rng.randint(3, 25)) if rng.random() < 0.92 else None
    rd_level = _pick(rng, {"none": 0.24, "enterprise": 0.40, "district": 0.27, "municipal": 0.07, "national": 0.01})
    if strong:
        rd_level = _pick(rng, {"district": 0.3, "municipal": 0.6, "national": 0.1})
    elif big:
        rd_level = _pick(rng, {"enterprise": 0.25, "district": 0.25, "municipal": 0.42, "national": 0.08})
    standards = (rng.randint(1, 8) if strong else (rng.randint(0, 2) if rng.random() < 0.3 else 0)) \
        if rng.random() < 0.85 else None
    award = (rng.random() < (0.3 if strong else 0.03)) if rng.random() < 0.9 else None
    brand = (rng.random() < (0.95 if strong else 0.6)) if rng.random() < 0.95 else None
    sci_award = (rng.random() < (0.3 if strong else 0.03)) if rng.random() < 0.9 else None
    kp_total = int(_clip(rng.gauss(6 + 3 * math.log10(size), 3), 4, 40))
    nc_rate = _clip(rng.gauss(0.37 if hitech_park else 0.25, 0.12) + (0.08 if strong or big else 0), 0.12, 0.85)
    kp_nc = round(kp_total * nc_rate)
    eq_total = int(_clip(emp * rng.uniform(0.15, 0.5), 15, 3000))
    eq_dig = round(eq_total * _clip(nc_rate + rng.gauss(0.05, 0.1), 0.1, 0.95))
    eq_net = round(eq_dig * rng.uniform(0.3, 0.95))
    upload = _clip(rng.gauss(40 if hitech_park else 25, 18), 0, 95) if rng.random() < 0.7 else None
    level_digital = _clip(rng.gauss(0.45 + (0.25 if strong or big else 0) + (0.05 if hitech_park else -0.1), 0.2), 0, 1)
    tools: set[str] = set()
    if rng.random() < 0.93:
        tools.add("cad2d")
        for t, p in (("cad3d", 0.6), ("cae", 0.35), ("cam", 0.4), ("capp", 0.2), ("pdm_plm", 0.3)):
            if rng.random() < p * (0.5 + level_digital):
                tools.add(t)
    tool_cov = _clip(rng.gauss(60 + 30 * level_digital, 15), 0, 100) if tools and rng.random() < 0.8 else None
    systems = {}
    for k, p in zip(SYSTEM_KEYS, (0.9, 0.45, 0.25, 0.3, 0.35, 0.4, 0.15, 0.35, 0.15, 0.2), strict=True):
        r = rng.random()
        p_use = p * (0.6 + 0.8 * level_digital)
        systems[k] = "none" if r > p_use else ("full" if r < p_use * 0.35 * (0.5 + level_digital) else "partial")
    cloud = CLOUD_LEVELS[min(3, int(level_digital * 4 + rng.random() * 0.8))]
    internet = rng.random() < 0.2 + 0.6 * level_digital
    cyber = _pick(rng, {"none": 0.5 - 0.3 * level_digital, "l1": 0.2, "l2": 0.25 + 0.2 * level_digital,
                        "l3": 0.02 + 0.1 * level_digital}) if rng.random() < 0.8 else None
    grade_i = min(4, int(level_digital * 4 + rng.random()))
    sme_grade = f"g{grade_i}" if rng.random() < 0.7 else None
    workshops = (1 if rng.random() < (0.25 if (strong or big) else 0.01) else 0) if rng.random() < 0.9 else None
    cmmm = None
    if rng.random() < 0.3 + 0.3 * level_digital - 0.12:
        base_l = 1 + level_digital * 2.4
        cmmm = {k: int(_clip(round(rng.gauss(base_l, 0.7)), 0, 5)) for k in CMMM_KEYS}
    improving = rng.random() < 0.2 + 0.4 * level_digital
    baseline_year = rng.randint(2019, 2022) if improving else None
    gains = [rng.uniform(8, 35), rng.uniform(5, 25), rng.uniform(8, 40), rng.uniform(3, 20)] if improving else None
    certs = {"iso9001"} if rng.random() < 0.88 else set()
    for ct, p in (("iso14001", 0.45), ("iso45001", 0.4), ("iso50001", 0.06), ("cleaner_production_audit", 0.12),
                  ("green_product", 0.03), ("carbon_footprint", 0.02)):
        if rng.random() < p * (1.6 if strong or big else 1.0):
            certs.add(ct)
    if rng.random() < (0.75 if lat.cluster in ("other", "health") else 0.5):
        certs.add("discharge_permit")
    if not certs:
        certs.add("discharge_permit")   # an empty selection would read as "not answered"
    violations = rng.random() < 0.02

    # ---- year-level output
    years = sorted({y for y, _ in qs})
    year_noise = {y: _noise(rng, 0.02, 0.04) for y in years}

    rows = []
    for t, (y, q) in enumerate(qs):
        annual = size * (1 + lat.growth) ** (y - 2025) * year_noise[y]
        out = annual * SEASON[q - 1] * _noise(rng, 0.02, 0.05)
        rev = out * rev_ratio * _noise(rng, 0.01, 0.02)
        va = out * va_ratio * _noise(rng, 0.015, 0.03)
        profit = rev * (margin + rng.gauss(0, 0.01))
        total_profit = _r2(profit)
        net = total_profit if total_profit <= 0 else min(total_profit, _r2(total_profit * (1 - income_tax)))
        drift = (1 + lat.growth * 0.5) ** (t / 4)
        emp = emp * _noise(rng, 0.012, 0.03) * (1 + lat.growth * 0.4) ** 0.25
        employees = max(10, round(emp))
        rd_share = _clip(rd_share + rng.uniform(-0.002, 0.004), 0.03, 0.4)
        rd_int_q = rd_int * (1.04 ** (y - 2025)) * (1.25 if q == 4 else 0.92) * _noise(rng, 0.05, 0.1)
        # stocks
        if rng.random() < (0.35 if strong else 0.15):
            ip1 += rng.randint(1, 3 if strong else 2)
        if ip1 > 4 and rng.random() < 0.04:
            ip1 -= 1
        if ip2 is not None and rng.random() < 0.35:
            ip2 += rng.randint(1, 4)
        if rd_level != "municipal" and rng.random() < 0.006:
            rd_level = _upgrade(rng, RD_LEVELS, rd_level, 1.0)
        if standards is not None and rng.random() < (0.08 if strong else 0.01):
            standards += 1
        if rng.random() < 0.03:
            kp_total += 1
        if kp_nc < kp_total and rng.random() < 0.12:
            kp_nc += 1
        if rng.random() < 0.25:
            add = max(1, round(eq_total * rng.uniform(0.005, 0.03)))
            eq_total += add
            eq_dig = min(eq_total, eq_dig + add + (1 if rng.random() < 0.4 else 0))
            eq_net = min(eq_total, eq_net + add + (1 if rng.random() < 0.5 else 0))
        if upload is not None:
            upload = _clip(upload + rng.uniform(-0.5, 2.0), 0, 100)
        if rng.random() < 0.04:
            missing = [d for d in DESIGN_TOOLS if d not in tools]
            if missing:
                tools.add(missing[0] if "cad2d" not in tools else rng.choice(missing))
        if tool_cov is not None:
            tool_cov = _clip(tool_cov + rng.uniform(0, 1.5), 0, 100)
        if rng.random() < 0.06:
            k = rng.choice(SYSTEM_KEYS)
            systems[k] = _upgrade(rng, ("none", "partial", "full"), systems[k], 1.0)
        if rng.random() < 0.03:
            cloud = _upgrade(rng, CLOUD_LEVELS, cloud, 1.0)
        if not internet and rng.random() < 0.03:
            internet = True
        if workshops is not None and rng.random() < (0.015 if strong or big else 0.001):
            workshops += 1
        if cmmm is not None and q == 1 and t > 0:
            for k in rng.sample(CMMM_KEYS, 3):
                cmmm[k] = min(5, cmmm[k] + 1)
        if rng.random() < 0.02:
            extra = [ct for ct in CERTIFICATIONS if ct not in certs]
            if extra:
                certs.add(rng.choice(extra))
        if share is not None:
            share = _clip(share * _noise(rng, 0.02, 0.05), 0.1, 80)
        if green_pct is not None:
            green_pct = _clip(green_pct + rng.uniform(-0.5, 1.0), 0, 100)
        leverage = _clip(leverage + rng.uniform(-0.01, 0.01), 0.30, 0.80)
        assets = size * asset_ratio * drift * _noise(rng, 0.008, 0.02) * (1 + lat.growth) ** -1
        # energy, water, waste
        tce = e_int * (0.98 ** (t / 4)) * va * _noise(rng, 0.03, 0.07)
        energy = {}
        for k in TCE_PER_UNIT:
            if k in shares:
                energy[k] = tce * shares[k] / TCE_PER_UNIT[k]
            elif k in ("electricity_kwh", "natural_gas_m3"):
                energy[k] = 0.0
            else:
                energy[k] = None if fuel_blank else 0.0
        withdrawal = out * water_int * _noise(rng, 0.04, 0.1)
        reuse_q = _clip(reuse + 0.004 * t + rng.gauss(0, 0.01), 0.6, 0.96)
        generated = out * waste_int * _noise(rng, 0.06, 0.15)
        prior = None
        if prior_mode < 0.15:
            prior = generated * rng.uniform(0.0, 0.2) if rng.random() < 0.5 else 0.0
        elif prior_mode < 0.6:
            prior = 0.0
        utilised = min(generated * _clip(util + rng.gauss(0, 0.015), 0.7, 0.98) + (prior or 0.0),
                       generated + (prior or 0.0))
        treated = withdrawal * treated_share if treated_share is not None else None
        rows.append({
            "gross_output_value": out,
            "revenue": rev,
            "main_business_revenue": rev * main_share,
            "value_added": va,
            "total_profit": total_profit,
            "net_profit": net,
            "taxes_paid": rev * tax_rate * _noise(rng, 0.05, 0.1),
            "export_delivery_value": None if export_blank else out * export_share,
            "high_tech_product_output": None if ht_blank else out * ht_share,
            "new_product_output": None if new_share is None else out * new_share,
            "fixed_asset_investment": None if invest_blank else
            (0.0 if rng.random() < 0.2 else out * invest_ratio * rng.uniform(0.3, 1.8)),
            "tech_renovation_investment": None,
            "employees": employees,
            "total_assets": assets,
            "total_liabilities": assets * leverage,
            "external_equity_2y": equity,
            "niche_market_share_pct": None if share is None else _r1(share),
            "niche_market_rank_cn": rank,
            "rd_expenditure": rev * rd_int_q,
            "rd_personnel": min(employees, round(employees * rd_share)),
            "ip_class1_count": ip1,
            "ip_class1_self_developed": min(ip1, round(ip1 * ip1_self)),
            "ip_high_value_count": None if ip_hv is None else min(ip1, round(ip1 * ip_hv)),
            "ip_class2_count": ip2,
            "rd_institution_level": rd_level,
            "standards_led_count": standards,
            "provincial_quality_award": award,
            "own_brand": brand,
            "science_award_3y": sci_award,
            "key_processes_total": kp_total,
            "key_processes_nc": min(kp_nc, kp_total),
            "equipment_total": eq_total,
            "equipment_digital": min(eq_dig, eq_total),
            "equipment_networked": min(eq_net, eq_total),
            "run_data_upload_pct": None if upload is None else _r1(upload),
            "design_tools": [d for d in DESIGN_TOOLS if d in tools] or ["none"],
            "design_tool_coverage_pct": None if tool_cov is None else _r1(tool_cov),
            "systems": dict(systems),
            "cloud_level": cloud,
            "industrial_internet": internet,
            "cybersecurity_level": cyber,
            "sme_digital_grade": sme_grade,
            "recognised_digital_workshops": workshops,
            "cmmm_levels": None if cmmm is None else dict(cmmm),
            "baseline_year": baseline_year,
            "efficiency_gain_pct": None if gains is None else _r1(gains[0] + 0.4 * t),
            "operating_cost_reduction_pct": None if gains is None else _r1(gains[1] + 0.3 * t),
            "defect_rate_reduction_pct": None if gains is None else _r1(gains[2] + 0.3 * t),
            "unit_energy_reduction_pct": None if gains is None else _r1(gains[3] + 0.2 * t),
            **energy,
            "renewable_self_kwh": None if pv_share is None else energy["electricity_kwh"] * pv_share,
            "water_withdrawal_m3": withdrawal,
            "water_recycled_m3": None if recycled_blank else withdrawal * reuse_q / (1 - reuse_q),
            "wastewater_treated_m3": treated,
            "wastewater_reused_m3": None if treated is None or reused_share is None else treated * reused_share,
            "solid_waste_generated_t": generated,
            "solid_waste_prior_stock_used_t": prior,
            "solid_waste_utilised_t": utilised,
            "hazardous_waste_t": None if haz_int is None else out * haz_int,
            "main_product_output_qty": out * lat.line.qty_per_wan if qty_given else None,
            "main_product_unit": lat.line.unit if qty_given else None,
            "green_material_pct": None if green_pct is None else _r1(green_pct),
            "certifications": [ct for ct in CERTIFICATIONS if ct in certs],
            "violations_3y": violations,
        })
        fai = rows[-1]["fixed_asset_investment"]
        rows[-1]["tech_renovation_investment"] = None if fai is None else fai * reno_share
    return rows


FLOW_SCALE_KEYS = (
    "gross_output_value", "revenue", "main_business_revenue", "value_added", "total_profit", "net_profit",
    "taxes_paid", "export_delivery_value", "high_tech_product_output", "new_product_output",
    "rd_expenditure", "water_withdrawal_m3", "water_recycled_m3", "wastewater_treated_m3",
    "wastewater_reused_m3", "solid_waste_generated_t", "solid_waste_prior_stock_used_t",
    "solid_waste_utilised_t", "hazardous_waste_t", "main_product_output_qty", "renewable_self_kwh",
    *TCE_PER_UNIT,
)
ENERGY_KEYS = (*TCE_PER_UNIT, "renewable_self_kwh")


def _scale(row: dict, keys: tuple[str, ...], f: float) -> None:
    for k in keys:
        if row.get(k) is not None:
            row[k] = row[k] * f


def _round_row(row: dict) -> None:
    for k, v in row.items():
        if isinstance(v, float):
            row[k] = _r2(v) if not k.endswith("_pct") else _r1(v)
    # keep the hard rules exact after rounding
    row["main_business_revenue"] = min(row["main_business_revenue"], row["revenue"])
    row["value_added"] = min(row["value_added"], row["gross_output_value"])
    row["net_profit"] = min(row["net_profit"], row["total_profit"])
    for k in ("export_delivery_value", "high_tech_product_output", "new_product_output"):
        if row[k] is not None:
            row[k] = min(row[k], row["gross_output_value"])
    if row["tech_renovation_investment"] is not None:
        row["tech_renovation_investment"] = min(row["tech_renovation_investment"], row["fixed_asset_investment"])
    if row["wastewater_reused_m3"] is not None:
        row["wastewater_reused_m3"] = min(row["wastewater_reused_m3"], row["wastewater_treated_m3"])
    cap = row["solid_waste_generated_t"] + (row["solid_waste_prior_stock_used_t"] or 0.0)
    row["solid_waste_utilised_t"] = min(row["solid_waste_utilised_t"], _r2(cap))


# --------------------------------------------------------------------------------------------
# warnings


def energy_tce(values: dict) -> float:
    """Total energy use of a report in tonnes of standard coal (None fields count as 0)."""
    return sum((values.get(k) or 0.0) * coef for k, coef in TCE_PER_UNIT.items())


def report_warnings(values: dict, same_quarter_last_year: dict | None, previous_quarter: dict | None) -> dict[str, str]:
    """The warning codes ``values`` raises, each with a direction (``up`` / ``down``).

    In-report warn rules (value-added ratio, net > total profit, R&D > half of revenue,
    liabilities > assets) plus the cross-period rules of report_fields.yaml: output change > 50%
    against the same quarter last year (or the previous quarter when that is missing), energy per
    万元 value added change > 40% against the same quarter last year, a stock count falling by more
    than 30% against the previous quarter.
    """
    out: dict[str, str] = {}
    gov, va = values["gross_output_value"], values["value_added"]
    if gov and not 0.10 <= va / gov <= 0.60:
        out["value_added.ratio_range"] = "up" if va / gov > 0.60 else "down"
    if values["net_profit"] > values["total_profit"]:
        out["net_profit.le.total_profit"] = "up"
    if values["rd_expenditure"] > 0.5 * values["revenue"]:
        out["rd_expenditure.le.0.5*revenue"] = "up"
    if values["total_liabilities"] > values["total_assets"]:
        out["total_liabilities.le.total_assets"] = "up"
    ref = same_quarter_last_year or previous_quarter
    if ref is not None and ref["gross_output_value"] > 0:
        ratio = gov / ref["gross_output_value"]
        if abs(ratio - 1) > 0.5:
            out["yoy_output"] = "up" if ratio > 1 else "down"
    if same_quarter_last_year is not None and va > 0 and same_quarter_last_year["value_added"] > 0:
        before = energy_tce(same_quarter_last_year) / same_quarter_last_year["value_added"]
        now = energy_tce(values) / va
        if before > 0 and abs(now / before - 1) > 0.4:
            out["yoy_energy_intensity"] = "up" if now > before else "down"
    if previous_quarter is not None:
        for k in STOCK_COUNT_KEYS:
            if previous_quarter[k] and values[k] < 0.7 * previous_quarter[k]:
                out[f"drop_{k}"] = "down"
    return out


def _explain(rng: random.Random, code: str, direction: str, base_event: str | None, vs_previous: bool) -> str:
    if code == "yoy_output" and base_event is not None:
        direction = "low_base" if direction == "up" else "high_base"
    code = "drop" if code.startswith("drop_") else code
    texts = EXPLANATIONS.get((code, direction)) or EXPLANATIONS.get((code, "up")) or ("数据已核实无误。",)
    text = rng.choice(texts)
    if vs_previous:   # compared with the previous quarter: 环比, 上季度
        text = text.replace("同比", "环比").replace("去年同期", "上季度")
    return text


# --------------------------------------------------------------------------------------------
# the entry point


def generate(seed: int = 2025, n_enterprises: int = 350, first=(2024, 1), last=(2026, 3)) -> DemoData:
    """Build the demo enterprises, reporting periods and reports; deterministic in ``seed``."""
    rng = random.Random(seed)
    qs = quarters(tuple(first), tuple(last))
    if not qs:
        raise ValueError("first must not be after last")
    n_q = len(qs)
    periods = tuple((y, q, *period_dates(y, q)) for y, q in qs)

    lats = _draw_latents(rng, n_enterprises)
    used_uscc: set[str] = set()
    used_names: set[str] = set()
    profiles = [_profile(rng, lat, used_uscc, used_names) for lat in lats]
    values = [_series(rng, lat, qs) for lat in lats]

    # Deliberate anomalies (~3% of reports): output jumps/falls, energy spikes.
    events: dict[tuple[int, int], str] = {}
    for i in range(n_enterprises):
        for t in range(1, n_q):
            r = rng.random()
            if r < 0.02:
                _scale(values[i][t], FLOW_SCALE_KEYS, rng.uniform(1.6, 1.85))
                events[(i, t)] = "jump"
            elif r < 0.027:
                _scale(values[i][t], FLOW_SCALE_KEYS, rng.uniform(0.38, 0.46))
                events[(i, t)] = "fall"
            elif r < 0.033:
                _scale(values[i][t], ENERGY_KEYS, rng.uniform(1.5, 1.7))
                events[(i, t)] = "energy"
    for rows in values:
        for row in rows:
            _round_row(row)

    # Logins: two mid-sized enterprises in different clusters, in the high-tech zone, without anomalies.
    def _candidate(cluster: str, park: str, taken: set[int]) -> int | None:
        def score(i: int) -> tuple:
            lat = lats[i]
            return (lat.cluster != cluster, lat.park != park, lat.tier_a or not 8000 < lat.base_output < 40000,
                    any((i, t) in events for t in range(n_q)), i)
        free = [i for i in range(n_enterprises) if i not in taken
                and lats[i].cluster not in {lats[j].cluster for j in taken}] or \
            [i for i in range(n_enterprises) if i not in taken]
        return min(free, key=score) if free else None

    ent_a = _candidate("equipment", "hitech_core", set())
    ent_b = _candidate("electronics", "damiao", {ent_a})
    logins = {i: name for i, name in ((ent_a, "ent_a"), (ent_b, "ent_b")) if i is not None}

    # Report presence and status per (enterprise, period).
    status: dict[tuple[int, int], str | None] = {}
    others = [i for i in range(n_enterprises) if i not in logins]
    delinquent = set(rng.sample(others, min(len(others), max(1, round(n_enterprises * 0.025)))))
    for t in range(n_q - 2):
        for i in range(n_enterprises):
            miss = (i in delinquent and rng.random() < 0.3) or rng.random() < 0.006
            status[(i, t)] = None if (miss and i not in logins) else "approved"

    def _assign(t: int, mix: dict[str | None, float], fixed: dict[int, str]) -> None:
        pool = [i for i in range(n_enterprises) if i not in fixed]
        rng.shuffle(pool)
        counts = _quotas(n_enterprises, {k or "missing": v for k, v in mix.items()})
        pos = 0
        for k in mix:
            cnt = counts[k or "missing"] - sum(1 for s in fixed.values() if s == k)
            for i in pool[pos:pos + max(0, cnt)]:
                status[(i, t)] = k
            pos += max(0, cnt)
        for i in pool[pos:]:
            status[(i, t)] = "approved"
        for i, s in fixed.items():
            status[(i, t)] = s

    if n_q >= 2:
        _assign(n_q - 2, {"approved": 0.95, "submitted": 0.015, "returned": 0.01, None: 0.025},
                dict.fromkeys(logins, "approved"))
    _assign(n_q - 1, {"approved": 0.70, "submitted": 0.12, "returned": 0.03, "draft": 0.05, None: 0.10},
            {i: {"ent_a": "returned", "ent_b": "submitted"}[name] for i, name in logins.items()})

    # Build reports in (period, enterprise) order, with warnings checked against existing history.
    reports: list[DemoReport] = []
    for t, (y, q) in enumerate(qs):
        opens, due = periods[t][2], periods[t][3]
        window = (due - opens).days
        for i in range(n_enterprises):
            st = status[(i, t)]
            if st is None:
                continue
            row = values[i][t]
            same = values[i][t - 4] if t >= 4 and status[(i, t - 4)] is not None else None
            prev = values[i][t - 1] if t >= 1 and status[(i, t - 1)] is not None else None
            warns = report_warnings(row, same, prev)
            base_event = events.get((i, t - 4)) if same is not None else (
                events.get((i, t - 1)) if prev is not None else None)
            explained = {code: _explain(rng, code, d, base_event if (i, t) not in events else None,
                                        vs_previous=same is None and code == "yoy_output")
                         for code, d in warns.items()}
            if st == "draft":
                submitted = None
            elif rng.random() < 0.05 and i not in logins:
                submitted = due + datetime.timedelta(days=rng.randint(1, 30))
            else:
                submitted = opens + datetime.timedelta(days=rng.randint(2, window))
            reports.append(DemoReport(enterprise_index=i, year=y, quarter=q, values=row, status=st,
                                      submitted_on=submitted, warnings_explained=explained))

    enterprises = tuple(DemoEnterprise(profile=p, login=logins.get(i)) for i, p in enumerate(profiles))
    return DemoData(enterprises=enterprises, periods=periods, reports=tuple(reports))
