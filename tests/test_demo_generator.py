"""The demo-data generator: deterministic, plausible, and always inside the data dictionary's hard rules."""
from __future__ import annotations

import datetime
import random
import re
from collections import Counter, defaultdict

import pytest

from portal.demo import generator as gen
from portal.demo.generator import DemoData, generate
from portal.demo.names import CMMM_KEYS
from portal.fields import registry
from portal.fields.uscc import is_valid_uscc


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate()


def _history(data: DemoData) -> dict[int, dict[tuple[int, int], object]]:
    by_ent: dict[int, dict[tuple[int, int], object]] = defaultdict(dict)
    for r in data.reports:
        by_ent[r.enterprise_index][(r.year, r.quarter)] = r
    return by_ent


def _prev(y: int, q: int) -> tuple[int, int]:
    return (y - 1, 4) if q == 1 else (y, q - 1)


# ---------------------------------------------------------------------------------------------
# determinism and purity


def test_same_seed_gives_identical_output():
    assert generate(seed=7, n_enterprises=60) == generate(seed=7, n_enterprises=60)


def test_different_seeds_differ():
    a, b = generate(seed=1, n_enterprises=40), generate(seed=2, n_enterprises=40)
    assert [e.profile["uscc"] for e in a.enterprises] != [e.profile["uscc"] for e in b.enterprises]


def test_default_output_is_reproducible(data):
    assert generate() == data


def test_does_not_touch_the_global_random_state(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the generator must use its own random.Random(seed)")

    for name in ("random", "randint", "uniform", "gauss", "choice", "choices", "shuffle", "sample"):
        monkeypatch.setattr(random, name, forbidden)
    generate(seed=3, n_enterprises=30)


def test_runs_fast_enough():
    import time

    start = time.perf_counter()
    generate(seed=11)
    assert time.perf_counter() - start < 5


# ---------------------------------------------------------------------------------------------
# shapes


def test_keys_match_the_data_dictionary(data):
    reg = registry()
    profile_keys = {f.key for f in reg.profile}
    report_keys = {f.key for f in reg.report_fields}
    for e in data.enterprises:
        assert set(e.profile) == profile_keys
    for r in data.reports:
        assert set(r.values) == report_keys


def test_periods_cover_first_to_last_with_due_dates(data):
    assert [(y, q) for y, q, _, _ in data.periods] == [
        (2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1), (2025, 2), (2025, 3), (2025, 4),
        (2026, 1), (2026, 2), (2026, 3)]
    assert data.periods[-1][2:] == (datetime.date(2026, 10, 1), datetime.date(2026, 10, 20))
    assert data.periods[3][2:] == (datetime.date(2025, 1, 1), datetime.date(2025, 1, 20))
    for y, q, opens, due in data.periods:
        assert opens - datetime.timedelta(days=1) == datetime.date(y, 3 * q, 1).replace(
            day=31 if q in (1, 4) else 30)
        assert due == opens.replace(day=20)


def test_custom_range_and_size():
    d = generate(seed=5, n_enterprises=50, first=(2025, 3), last=(2026, 1))
    assert len(d.enterprises) == 50
    assert [(y, q) for y, q, _, _ in d.periods] == [(2025, 3), (2025, 4), (2026, 1)]


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_tiny_demo_sets_still_work(n):
    d = generate(seed=4, n_enterprises=n)
    assert len(d.enterprises) == n
    logins = [e.login for e in d.enterprises if e.login]
    assert sorted(logins) == ["ent_a", "ent_b"][: min(n, 2)]
    assert [p for r in d.reports for p in _hard_rule_problems(r.values)] == []


def test_one_report_per_enterprise_and_period_at_most(data):
    keys = [(r.enterprise_index, r.year, r.quarter) for r in data.reports]
    assert len(keys) == len(set(keys))
    assert all(0 <= r.enterprise_index < len(data.enterprises) for r in data.reports)


# ---------------------------------------------------------------------------------------------
# enterprises


def test_cluster_spread_follows_the_plan(data):
    n = len(data.enterprises)
    assert n == 350
    counts = Counter(e.profile["cluster"] for e in data.enterprises)
    assert 0.42 * n <= counts["equipment"] <= 0.55 * n
    assert counts["electronics"] > 38 and counts["health"] > 31          # grown since 2020
    assert counts["other"] > 0.15 * n
    subs = {
        "equipment": {"轨道交通", "汽车和电动摩托车零部件", "页岩气开采设备"},
        "electronics": {"计算机零部件", "智能电子", "节能电子", "通讯电子", "机械电子"},
        "health": {"美妆", "医疗器械", "生物医药", "健康食品"},
    }
    for e in data.enterprises:
        if e.profile["cluster"] in subs:
            assert e.profile["sub_direction"] in subs[e.profile["cluster"]]
    for cluster, names in subs.items():
        assert {e.profile["sub_direction"] for e in data.enterprises if e.profile["cluster"] == cluster} == names


def test_park_spread_and_towns(data):
    n = len(data.enterprises)
    parks = Counter(e.profile["park"] for e in data.enterprises)
    assert 0.18 * n <= parks["town"] <= 0.32 * n
    assert parks["hitech_core"] > 0.3 * n and parks["damiao"] > 0.15 * n
    towns = Counter(e.profile["town"] for e in data.enterprises if e.profile["park"] == "town")
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2}(镇|街道)", t) for t in towns)
    assert len(towns) >= 15
    for e in data.enterprises:
        assert (e.profile["town"] is None) == (e.profile["park"] != "town")


def test_uscc_valid_unique_and_local(data):
    codes = [e.profile["uscc"] for e in data.enterprises]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert is_valid_uscc(code), code
        assert len(code) == 18 and code.startswith("91500151")


def test_names_unique_and_believable(data):
    names = [e.profile["name"] for e in data.enterprises]
    assert len(set(names)) == len(names)
    for name in names:
        assert 1 <= len(name) <= 100
        assert "重庆" in name and name.endswith("公司")


def test_profile_values_plausible(data):
    for e in data.enterprises:
        p = e.profile
        assert re.fullmatch(r"\d{4}", p["industry_code"]) and 13 <= int(p["industry_code"][:2]) <= 43
        assert datetime.date(1995, 1, 1) <= p["founded_on"] <= datetime.date(2022, 12, 31)
        assert p["is_above_scale"] is True
        if p["niche_since_year"] is not None:
            assert p["founded_on"].year <= p["niche_since_year"] <= 2026
        if p["land_area_mu"] is not None:
            assert 0 < p["land_area_mu"] <= 1000
        if p["footprint_area_m2"] is not None:
            assert p["footprint_area_m2"] <= p["land_area_mu"] * 666.67
            assert p["floor_area_m2"] >= p["footprint_area_m2"]
        assert p["product_field"] in (None, *registry().field("product_field").values)
    certs = [e.profile["high_tech_cert_until"] for e in data.enterprises if e.profile["high_tech_cert_until"]]
    assert 0.07 * len(data.enterprises) <= len(certs) <= 0.16 * len(data.enterprises)
    today = datetime.date(2026, 11, 29)
    expired = [d for d in certs if d < today]
    assert 0 < len(expired) < len(certs) / 2
    fields = Counter(e.profile["product_field"] for e in data.enterprises)
    assert len(fields) >= 5


def test_industry_codes_fit_the_cluster(data):
    for e in data.enterprises:
        div = int(e.profile["industry_code"][:2])
        if e.profile["cluster"] == "electronics":
            assert div in (38, 39, 40)
        if e.profile["cluster"] == "equipment":
            assert div in (33, 34, 35, 36, 37, 38)
        if e.profile["cluster"] == "health":
            assert div in (13, 14, 15, 26, 27, 29, 35)


def test_logins_ent_a_and_ent_b(data):
    logins = {e.login: i for i, e in enumerate(data.enterprises) if e.login is not None}
    assert set(logins) == {"ent_a", "ent_b"}
    a, b = logins["ent_a"], logins["ent_b"]
    assert data.enterprises[a].profile["cluster"] != data.enterprises[b].profile["cluster"]
    hist = _history(data)
    for i in (a, b):
        assert len(hist[i]) == len(data.periods)
        assert all(hist[i][(y, q)].status == "approved" for y, q, _, _ in data.periods[:-2])
    y, q = data.periods[-1][:2]
    assert hist[a][(y, q)].status in ("draft", "returned")


# ---------------------------------------------------------------------------------------------
# hard rules of report_fields.yaml


def _hard_rule_problems(values: dict) -> list[str]:
    problems = []
    for spec in registry().report_fields:
        v = values[spec.key]
        if v is None:
            if spec.required:
                problems.append(f"{spec.key}: required")
            continue
        if spec.type == "int":
            if not (isinstance(v, int) and not isinstance(v, bool)):
                problems.append(f"{spec.key}: not an int")
        elif spec.type == "decimal":
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                problems.append(f"{spec.key}: not a number")
        elif spec.type == "bool":
            if not isinstance(v, bool):
                problems.append(f"{spec.key}: not a bool")
        elif spec.type == "enum":
            if v not in spec.values:
                problems.append(f"{spec.key}: {v!r} not in values")
        elif spec.type == "multi":
            if not v or not set(v) <= set(spec.values) or ("none" in v and len(v) > 1):
                problems.append(f"{spec.key}: bad selection {v!r}")
        elif spec.type == "map" and spec.keys:
            if set(v) != set(spec.keys) or not set(v.values()) <= set(spec.values):
                problems.append(f"{spec.key}: bad map {v!r}")
        for rule in spec.rules:
            if rule.startswith("warn") or "(warn)" in rule:
                continue
            if m := re.fullmatch(r">= (\d+)", rule):
                ok = v >= int(m[1])
            elif m := re.fullmatch(r"(\d+)-(\d+)", rule):
                ok = int(m[1]) <= v <= int(m[2])
            elif m := re.fullmatch(r"<= ([a-z0-9_]+(?: \+ [a-z0-9_]+)*)", rule):
                refs = [values[k] for k in m[1].split(" + ")]
                if len(refs) == 1 and refs[0] is None:
                    problems.append(f"{spec.key}: given without {m[1]}")
                    continue
                ok = v <= sum(x or 0 for x in refs)
            else:
                raise AssertionError(f"unknown rule {rule!r} on {spec.key}: teach this test")
            if not ok:
                problems.append(f"{spec.key} = {v!r} breaks {rule!r}")
    if values["main_product_output_qty"] is not None and not values["main_product_unit"]:
        problems.append("main_product_unit: required when main_product_output_qty given")
    return problems


def test_every_report_satisfies_every_hard_rule(data):
    problems = []
    for r in data.reports:
        for p in _hard_rule_problems(r.values):
            problems.append(f"ent {r.enterprise_index} {r.year}Q{r.quarter}: {p}")
    assert problems == []


def test_hard_rules_hold_for_other_seeds_too():
    for seed in (1, 99):
        d = generate(seed=seed, n_enterprises=120)
        assert [p for r in d.reports for p in _hard_rule_problems(r.values)] == []


def test_no_in_report_warnings(data):
    for r in data.reports:
        v = r.values
        assert 0.10 <= v["value_added"] / v["gross_output_value"] <= 0.60
        assert v["net_profit"] <= v["total_profit"]
        assert v["rd_expenditure"] <= 0.5 * v["revenue"]
        assert v["total_liabilities"] <= v["total_assets"]


def test_cmmm_levels(data):
    with_levels = set()
    for r in data.reports:
        levels = r.values["cmmm_levels"]
        if levels is not None:
            assert set(levels) == set(CMMM_KEYS) and len(CMMM_KEYS) == 20
            assert all(isinstance(x, int) and 0 <= x <= 5 for x in levels.values())
            with_levels.add(r.enterprise_index)
    assert 0.2 * len(data.enterprises) <= len(with_levels) <= 0.4 * len(data.enterprises)


def test_no_report_before_founding(data):
    for r in data.reports:
        assert data.enterprises[r.enterprise_index].profile["founded_on"] <= datetime.date(r.year, 3 * r.quarter, 28)


# ---------------------------------------------------------------------------------------------
# plausibility over time


def test_stock_fields_evolve_without_absurd_jumps(data):
    hist = _history(data)
    slow = ("employees", "ip_class1_count", "key_processes_total", "equipment_total", "rd_personnel")
    for reports in hist.values():
        keys = sorted(reports)
        for k0, k1 in zip(keys, keys[1:], strict=False):
            if _prev(*k1) != k0:
                continue
            a, b = reports[k0].values, reports[k1].values
            for key in slow:
                assert b[key] >= 0.7 * a[key] - 2, (key, a[key], b[key])
                assert b[key] <= 1.3 * a[key] + 5, (key, a[key], b[key])
            assert b["total_assets"] == pytest.approx(a["total_assets"], rel=0.15)
            assert b["rd_institution_level"] in gen.RD_LEVELS
            assert gen.RD_LEVELS.index(b["rd_institution_level"]) >= gen.RD_LEVELS.index(a["rd_institution_level"])
            assert gen.CLOUD_LEVELS.index(b["cloud_level"]) >= gen.CLOUD_LEVELS.index(a["cloud_level"])
            assert set(a["certifications"]) <= set(b["certifications"])
            assert b["key_processes_nc"] >= a["key_processes_nc"]
            assert b["violations_3y"] == a["violations_3y"]


def test_seasonality_q1_low_q4_high(data):
    by_q = defaultdict(float)
    for r in data.reports:
        if r.year == 2025:
            by_q[r.quarter] += r.values["gross_output_value"]
    assert by_q[1] < by_q[2] < by_q[4] and by_q[3] < by_q[4]


def _annual(data: DemoData, key: str) -> dict[int, float]:
    out = defaultdict(float)
    for r in data.reports:
        out[r.year] += r.values[key] or 0.0
    return out


def test_district_output_totals(data):
    output = _annual(data, "gross_output_value")
    assert 1200 <= output[2025] / 1e4 <= 1600            # 亿元, short of the 2000 target
    assert 1.03 < output[2025] / output[2024] < 1.2
    by_cluster = defaultdict(float)
    for r in data.reports:
        if r.year == 2025:
            by_cluster[data.enterprises[r.enterprise_index].profile["cluster"]] += r.values["gross_output_value"]
    assert by_cluster["equipment"] == max(by_cluster.values())
    assert by_cluster["electronics"] / 1e4 > 93.98 and by_cluster["health"] / 1e4 > 27.77
    revenue = defaultdict(float)
    for r in data.reports:
        if r.year == 2025:
            revenue[r.enterprise_index] += r.values["revenue"]
    assert 15 <= sum(1 for v in revenue.values() if v > 50000) <= 25
    assert min(revenue.values()) > 1000


def test_district_ratios(data):
    v25 = [r.values for r in data.reports if r.year == 2025]
    rd = sum(v["rd_expenditure"] for v in v25) / sum(v["revenue"] for v in v25)
    assert 0.015 <= rd <= 0.03
    hitech = [r.values for r in data.reports if (r.year, r.quarter) == (2025, 4)
              and data.enterprises[r.enterprise_index].profile["park"] != "town"]
    nc = sum(v["key_processes_nc"] for v in hitech) / sum(v["key_processes_total"] for v in hitech)
    assert 0.33 <= nc <= 0.47
    tce = sum(gen.energy_tce(v) for v in v25) / sum(v["value_added"] for v in v25)
    assert 0.03 <= tce <= 0.12
    rec = sum(v["water_recycled_m3"] or 0 for v in v25)
    reuse = rec / (rec + sum(v["water_withdrawal_m3"] for v in v25 if v["water_recycled_m3"] is not None))
    assert 0.6 <= reuse <= 0.95
    util = sum(v["solid_waste_utilised_t"] for v in v25) / sum(
        v["solid_waste_generated_t"] + (v["solid_waste_prior_stock_used_t"] or 0) for v in v25)
    assert 0.7 <= util <= 0.98
    for v in v25:
        assert 0.88 * v["gross_output_value"] <= v["revenue"] <= 1.12 * v["gross_output_value"]
        assert 0.18 <= v["value_added"] / v["gross_output_value"] <= 0.40
        assert v["rd_expenditure"] <= 0.12 * v["revenue"]


def test_a_realistic_mix_of_strong_profiles(data):
    last = [r.values for r in data.reports if (r.year, r.quarter) == (2025, 4)]
    levels = Counter(v["rd_institution_level"] for v in last)
    assert levels["national"] >= 3 and 30 <= levels["municipal"] + levels["national"] <= 80
    assert sum(1 for v in last if v["niche_market_share_pct"] is not None and v["niche_market_share_pct"] >= 10) >= 10
    assert sum(1 for v in last if v["ip_class1_count"] >= 20) >= 10
    assert sum(1 for v in last if v["violations_3y"]) <= 0.05 * len(last)
    assert any(v["violations_3y"] for v in last)
    assert sum(1 for v in last if v["design_tools"] == ["none"]) < 0.2 * len(last)
    assert any(v[k] is None for v in last for k in ("export_delivery_value", "new_product_output"))


# ---------------------------------------------------------------------------------------------
# statuses and warnings


def test_status_mix_for_the_last_period(data):
    n = len(data.enterprises)
    y, q, opens, due = data.periods[-1]
    last = [r for r in data.reports if (r.year, r.quarter) == (y, q)]
    st = Counter(r.status for r in last)
    assert 0.65 * n <= st["approved"] <= 0.75 * n
    assert 0.09 * n <= st["submitted"] <= 0.15 * n
    assert 0.01 * n <= st["returned"] <= 0.05 * n
    assert 0.03 * n <= st["draft"] <= 0.07 * n
    assert 0.07 * n <= n - len(last) <= 0.13 * n
    y2, q2 = data.periods[-2][:2]
    before = Counter(r.status for r in data.reports if (r.year, r.quarter) == (y2, q2))
    assert 0.92 * n <= before["approved"] <= 0.98 * n


def test_older_periods_are_mostly_approved_with_a_few_gaps(data):
    n = len(data.enterprises)
    for y, q, _, _ in data.periods[:-2]:
        rs = [r for r in data.reports if (r.year, r.quarter) == (y, q)]
        assert all(r.status == "approved" for r in rs)
        assert 0.95 * n <= len(rs) <= n
    assert sum(1 for y, q, _, _ in data.periods[:-2]
               for _ in range(n - sum(1 for r in data.reports if (r.year, r.quarter) == (y, q)))) > 0


def test_submission_dates(data):
    due = {(y, q): (opens, d) for y, q, opens, d in data.periods}
    late = 0
    submitted = 0
    for r in data.reports:
        opens, d = due[(r.year, r.quarter)]
        if r.status == "draft":
            assert r.submitted_on is None
            continue
        assert r.submitted_on is not None and opens <= r.submitted_on <= datetime.date(2026, 11, 29)
        submitted += 1
        late += r.submitted_on > d
    assert 0.02 <= late / submitted <= 0.08


def _energy(v: dict) -> float:
    # deliberately not the generator's coefficients: the check must not depend on them
    coef = {"electricity_kwh": 0.0001229, "natural_gas_m3": 0.00133, "raw_coal_t": 0.7143, "diesel_t": 1.4571,
            "gasoline_t": 1.4714, "fuel_oil_t": 1.4286, "lpg_t": 1.7143, "steam_t": 0.1286, "heat_gj": 0.0341,
            "other_energy_tce": 1.0}
    return sum((v[k] or 0) * c for k, c in coef.items())


def test_every_cross_period_warning_is_explained(data):
    hist = _history(data)
    warned = 0
    for r in data.reports:
        reports = hist[r.enterprise_index]
        same = reports.get((r.year - 1, r.quarter))
        prev = reports.get(_prev(r.year, r.quarter))
        ref = same or prev
        v = r.values
        codes = set()
        if ref is not None and abs(v["gross_output_value"] / ref.values["gross_output_value"] - 1) > 0.5:
            codes.add("yoy_output")
        if same is not None:
            before = _energy(same.values) / same.values["value_added"]
            if abs((_energy(v) / v["value_added"]) / before - 1) > 0.4:
                codes.add("yoy_energy_intensity")
        if prev is not None:
            for k in ("ip_class1_count", "key_processes_total", "equipment_total"):
                if v[k] < 0.7 * prev.values[k]:
                    codes.add(f"drop_{k}")
        assert codes <= set(r.warnings_explained), (r.enterprise_index, r.year, r.quarter, codes)
        assert all(isinstance(t, str) and re.search(r"[\u4e00-\u9fff]", t) for t in r.warnings_explained.values())
        warned += bool(r.warnings_explained)
    assert 0.015 * len(data.reports) <= warned <= 0.06 * len(data.reports)
