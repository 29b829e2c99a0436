"""智能制造能力成熟度 (GB/T 39116/39117-2020): sub-domains, level scores, S, the level rule, advice.

With the default equal weights every sub-domain weighs 1/20 = 0.05, so a level's score is the
number of sub-domains meeting it divided by 20; the expected values below are counted by hand.
"""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from portal.assessments import engine, loader
from portal.assessments.frameworks import cmmm
from portal.assessments.types import InputError

CRIT = loader.by_code("cmmm2020")
KEYS = [k for k, _, _ in cmmm.subdomains(CRIT)]
AS_OF = date(2026, 11, 29)


def levels(*counts: tuple[int, int]) -> dict:
    """levels((3, 16), (2, 4)) -> the first 16 sub-domains at level 3, the next 4 at level 2."""
    out, j = {}, 0
    for lv, n in counts:
        for key in KEYS[j:j + n]:
            out[key] = lv
        j += n
    assert j == len(KEYS)
    return out


def run(cmmm_levels, industry_code="3311", criteria=CRIT):
    ind = {"cmmm_levels": cmmm_levels, "industry_code": industry_code, "as_of": AS_OF.isoformat()}
    return engine.score(criteria, ind, with_recommendations=False)


# --------------------------------------------------------------------------- structure

def test_model_has_20_sub_domains_in_four_elements():
    assert len(KEYS) == 20 == len(set(KEYS))
    per_element = {}
    for _, _, element in cmmm.subdomains(CRIT):
        per_element[element] = per_element.get(element, 0) + 1
    assert per_element == {"人员": 2, "技术": 3, "资源": 2, "制造": 13}


def test_sub_domain_keys_are_snake_case_with_chinese_names():
    for key, name, _ in cmmm.subdomains(CRIT):
        assert key.isascii() and key == key.lower() and " " not in key
        assert name and not name.isascii()


def test_cmmm_is_in_force_from_2021_05_01():
    assert loader.in_force("cmmm", date(2021, 4, 30)) is None
    assert loader.in_force("cmmm", date(2021, 5, 1)).code == "cmmm2020"


# --------------------------------------------------------------------------- level scores and S

@pytest.mark.parametrize("reported, scores, total, grade", [
    # every sub-domain at level 3: L1..L3 fully met
    (levels((3, 20)), [1, 1, 1, 0, 0], 3.0, "L3 集成级"),
    (levels((5, 20)), [1, 1, 1, 1, 1], 5.0, "L5 引领级"),
    (levels((0, 20)), [0, 0, 0, 0, 0], 0.0, "未达到一级（规划级）"),
    # 17 at L1 -> 0.85 > 0.8: L1 achieved; S = 0.85 + L2 score 0
    (levels((1, 17), (0, 3)), [0.85, 0, 0, 0, 0], 0.85, "L1 规划级"),
    # 16 at L1 -> exactly 0.8: not achieved (must exceed 0.8); S = 0.8 although 0.8 is the L1 threshold
    (levels((1, 16), (0, 4)), [0.8, 0, 0, 0, 0], 0.8, "未达到一级（规划级）"),
    # L1 1.0, L2 0.85, L3 0.8: L3 not achieved; S = 1 + 0.85 + 0.8 = 2.65 -> L2
    (levels((3, 16), (2, 1), (1, 3)), [1, 0.85, 0.8, 0, 0], 2.65, "L2 规范级"),
    # L1 1, L2 1, L3 exactly 0.8: S = 2.8 is the L3 threshold, but L3 is not achieved -> L2
    (levels((3, 16), (2, 4)), [1, 1, 0.8, 0, 0], 2.8, "L2 规范级"),
    # L1 1, L2 0.9, L3 0.9: L3 achieved; S = 2.8 (+ L4 score 0) -> L3
    (levels((3, 18), (1, 2)), [1, 0.9, 0.9, 0, 0], 2.8, "L3 集成级"),
    # L1 not achieved (0.75) while higher levels score: S stops at the first unachieved level
    (levels((4, 15), (0, 5)), [0.75, 0.75, 0.75, 0.75, 0], 0.75, "未达到一级（规划级）"),
    # every threshold 1.8 / 3.8 / 4.8 reached exactly by a level scoring 0.8: the level is not achieved
    (levels((2, 16), (1, 4)), [1, 0.8, 0, 0, 0], 1.8, "L1 规划级"),
    (levels((2, 17), (1, 3)), [1, 0.85, 0, 0, 0], 1.85, "L2 规范级"),
    (levels((4, 16), (3, 4)), [1, 1, 1, 0.8, 0], 3.8, "L3 集成级"),
    (levels((4, 17), (3, 3)), [1, 1, 1, 0.85, 0], 3.85, "L4 优化级"),
    (levels((5, 16), (4, 4)), [1, 1, 1, 1, 0.8], 4.8, "L4 优化级"),
    (levels((5, 17), (4, 3)), [1, 1, 1, 1, 0.85], 4.85, "L5 引领级"),
    # S = 1 + 1 + 1 + 0.95 + 0.9 = 4.85 -> L5 (4.8 <= S <= 5)
    (levels((5, 18), (4, 1), (3, 1)), [1, 1, 1, 0.95, 0.9], 4.85, "L5 引领级"),
    # S = 1 + 1 + 1 + 0.85 + 0.5 = 4.35 -> L4
    (levels((5, 10), (4, 7), (3, 3)), [1, 1, 1, 0.85, 0.5], 4.35, "L4 优化级"),
])
def test_level_scores_overall_score_and_level(reported, scores, total, grade):
    r = run(reported)
    assert [i.value for i in r.items] == pytest.approx(scores)
    assert r.total == pytest.approx(total)
    assert r.grade == grade
    assert r.passed is (grade != "未达到一级（规划级）")


def test_level_gate_shows_how_many_sub_domains_to_lift():
    r = run(levels((3, 16), (2, 4)))
    g = next(g for g in r.gates if g.code == "level_3")
    assert g.passed is False and g.shortfall == 1 and g.unit == "个能力子域"
    assert "还需将 1 个能力子域提升到 3 级（集成级）" in g.detail


def test_sub_domain_left_out_counts_as_level_0_and_is_counted():
    reported = {k: 2 for k in KEYS[:18]}
    r = run(reported)
    assert r.extra["subdomains_left_out"] == 2
    assert next(i for i in r.items if i.code == "level_1").value == pytest.approx(0.9)


@pytest.mark.parametrize("reported", [None, {}])
def test_no_self_assessment_gives_no_total_and_no_verdict(reported):
    r = run(reported)
    assert r.total is None and r.passed is None
    assert r.grade == "未填报成熟度自评"
    assert all(g.passed is None for g in r.gates)


@pytest.mark.parametrize("reported, field", [
    ({"quality": 2}, "cmmm_levels.quality"),
    ({"data": 6}, "cmmm_levels.data"),
    ({"data": -1}, "cmmm_levels.data"),
    ({"data": 2.5}, "cmmm_levels.data"),
    ({"data": True}, "cmmm_levels.data"),
    ({"data": "3"}, "cmmm_levels.data"),
    ([3] * 20, "cmmm_levels"),
])
def test_invalid_self_assessment_is_an_input_error(reported, field):
    with pytest.raises(InputError) as exc:
        run(reported)
    assert exc.value.field == field


# --------------------------------------------------------------------------- weights by manufacturer type

def with_weights(process: dict) -> loader.Criteria:
    params = dict(CRIT.params)
    params["weights"] = dataclasses.replace(params["weights"], value={"discrete": {"default": 1},
                                                                       "process": process})
    return dataclasses.replace(CRIT, params=params)


@pytest.mark.parametrize("code, kind", [("3311", "discrete"), ("2710", "process"), ("2614", "process"),
                                        ("3971", "discrete"), (None, "discrete")])
def test_manufacturer_type_follows_the_industry_division(code, kind):
    assert cmmm.manufacturer_type(code, CRIT.param("process_divisions")) == kind


def test_process_manufacturer_weights_apply_only_to_process_industries():
    # energy_management weighs 5 of (19 + 5) = 24 for process manufacturers
    crit = with_weights({"default": 1, "energy_management": 5})
    reported = {k: 1 for k in KEYS}
    reported["energy_management"] = 0
    proc = run(reported, "2710", crit)
    disc = run(reported, "3311", crit)
    assert proc.items[0].value == round(19 / 24, 4)      # results carry 4 decimals
    assert disc.items[0].value == pytest.approx(19 / 20)
    assert proc.grade == "未达到一级（规划级）" and disc.grade == "L1 规划级"


def test_default_weights_are_equal_for_both_manufacturer_types():
    reported = levels((2, 17), (1, 3))
    assert run(reported, "2710").total == run(reported, "3311").total == pytest.approx(1.85)


# --------------------------------------------------------------------------- recommendations

def test_advice_lifts_the_fewest_sub_domains_to_reach_the_next_level():
    reported = levels((3, 15), (2, 5))          # L3 score 0.75: two more sub-domains give 0.85
    ind = {"cmmm_levels": reported, "industry_code": "3311", "as_of": AS_OF.isoformat()}
    result = engine.score(CRIT, ind, with_recommendations=False)
    recs = cmmm.recommendations(CRIT, ind, result)
    top = recs[0]
    assert top.changes_grade and top.clears_gate
    assert "2 个能力子域提升到 3 级（集成级）要求，3级得分由 0.75 提高到 0.85" in top.text
    assert "结论变为「L3 集成级」" in top.text
    assert top.points_gain == pytest.approx(0.1)
    singles = [r for r in recs if not r.changes_grade]
    assert len(singles) == 2 and all(r.points_gain == pytest.approx(0.05) for r in singles)


def test_no_advice_without_a_self_assessment_or_at_level_5():
    for reported in (None, levels((5, 20))):
        ind = {"cmmm_levels": reported, "industry_code": "3311", "as_of": AS_OF.isoformat()}
        result = engine.score(CRIT, ind, with_recommendations=False)
        assert cmmm.recommendations(CRIT, ind, result) == ()
