"""Every failed gate that a change of the enterprise's figures can clear gets a recommendation.

Run on the demo enterprises (all six families, three reference dates) and on hand-built cases for
the gates the demo rarely fails. A gate counts as advisable when its shortfall is stated and it
is not one of the documented exceptions below, whose threshold no reported figure of this year
can reach.
"""
from collections import defaultdict

import pytest

from portal.assessments import assess
from portal.demo.generator import generate

from .conftest import base_indicators, gate, score

# gates whose shortfall no reported figure can close (docs/assessments.md, "Recommendations"):
# green total_score needs the on-site items once every reported figure is at its best.
NOT_ADVISABLE = {("green2018", "total_score"), ("green2025", "total_score")}


def advisable(res, g) -> bool:
    if g.passed is not False or g.shortfall is None or (res.framework, g.code) in NOT_ADVISABLE:
        return False
    if res.framework.startswith("cmmm"):      # maturity levels are advised one level at a time
        return int(g.code.split("_")[1]) == int(res.extra["maturity_level"]) + 1
    return True


def advised(res, g) -> bool:
    """A recommendation aims at the gate, or a change of one item also clears it (says so)."""
    return any(r.code == g.code or f"「{g.name}」" in r.text for r in res.recommendations)


@pytest.fixture(scope="module")
def demo_results():
    data = generate(seed=1, n_enterprises=12)
    reports = defaultdict(list)
    for r in data.reports:
        reports[r.enterprise_index].append({"period": f"{r.year}Q{r.quarter}", **r.values})
    out = []
    for i, ent in enumerate(data.enterprises):
        for cut in (None, (2025, 4), (2025, 3)):
            reps = [r for r in reports[i] if cut is None or (int(r["period"][:4]), int(r["period"][5])) <= cut]
            out.extend(assess(ent.profile, reps))
    return out


def test_every_failed_gate_with_a_shortfall_gets_a_recommendation(demo_results):
    missing = []
    checked = 0
    for res in demo_results:
        for g in res.gates:
            if advisable(res, g):
                checked += 1
                if not advised(res, g):
                    missing.append((res.framework, g.code, g.detail))
    assert checked > 50
    assert not missing, missing[:10]


def test_every_framework_family_is_covered_by_the_demo(demo_results):
    assert {r.framework for r in demo_results} >= {"sts2022", "sts2026", "innovative2022", "giant2022", "giant2026",
                                                    "green2018", "green2025", "smart_cq", "cmmm2020"}


def test_development_score_gate_of_sts2026_gets_a_plan_that_reaches_50():
    ind = base_indicators(as_of="2026-06-30", year=2026, product_field="other", sme_digital_grade="g0",
                          net_profit=40.0, rd_institution_level="none", key_processes_nc=3, cluster="other")
    res = score("sts2026", ind, {"certified": {"innovative": True}}, recs=True)
    g = gate(res, "development_score")
    assert g.passed is False
    rec = next(r for r in res.recommendations if r.code == "development_score")
    assert rec.clears_gate and "满足「专精特新发展评价得分不低于 50 分」" in rec.text


def test_status_gate_of_sts2026_is_advised_through_the_innovative_criteria():
    ind = base_indicators(as_of="2026-06-30", year=2026, rd_expenditure=30.0, rd_expenditure_prev1=30.0,
                          main_business_revenue=4400.0, main_business_revenue_prev1=4600.0)
    res = score("sts2026", ind, recs=True)
    assert gate(res, "innovative_status").passed is False
    rec = next(r for r in res.recommendations if r.code == "innovative_status")
    assert rec.clears_gate and "创新型中小企业评价（2022）条件" in rec.text


def test_status_gate_given_by_the_caller_gets_no_invented_change():
    ind = base_indicators(as_of="2026-06-30", year=2026)
    res = score("sts2026", ind, {"certified": {"innovative": False}}, recs=True)
    assert gate(res, "innovative_status").passed is False
    assert all(r.code != "innovative_status" for r in res.recommendations)


def test_market_position_gate_names_the_share_to_reach():
    ind = base_indicators(as_of="2026-06-30", year=2026, niche_market_share_pct=3.0, niche_market_rank_cn=15)
    res = score("sts2026", ind, {"certified": {"innovative": True}}, recs=True)
    rec = next(r for r in res.recommendations if r.code == "market_position")
    assert "细分市场" in rec.text and rec.clears_gate


def test_merged_advice_is_ranked_gates_first_then_grade_then_points_per_effort():
    ind = base_indicators(rd_expenditure=100, revenue=4000, main_business_revenue=3700)
    recs = score("sts2022", ind, recs=True).recommendations
    tiers = [0 if r.clears_gate and r.changes_grade else 1 if r.clears_gate else 2 if r.changes_grade else 3
             for r in recs]
    assert tiers == sorted(tiers)
    assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
