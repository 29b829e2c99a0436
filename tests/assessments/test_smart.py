"""重庆市数字化车间 / 智能工厂认定: every gate edge, the level reached, shortfalls, readiness, advice.

Expected numbers are worked out by hand from criteria/smart_cq.yaml.
"""
from __future__ import annotations

import math

import pytest

from portal.assessments import derived, engine, loader
from portal.assessments.frameworks import smart

CRIT = loader.by_code("smart_cq")
CQ_USCC = "91500224MA5U000000"      # characters 3-4 "50": registered in Chongqing


def factory_report(**over) -> dict:
    """A report that meets every 智能工厂 condition (and so every 数字化车间 condition)."""
    rep = {"period": "2025Q4", "equipment_total": 100, "equipment_digital": 65, "equipment_networked": 90,
           "run_data_upload_pct": 90.0, "recognised_digital_workshops": 2, "design_tool_coverage_pct": 80.0,
           "systems": {"erp": "full", "mes": "full", "plm": "partial", "scada_dcs": "full", "aps": "full"},
           "operating_cost_reduction_pct": 15.0, "efficiency_gain_pct": 10.0, "defect_rate_reduction_pct": 10.0,
           "unit_energy_reduction_pct": 5.0}
    rep.update(over)
    return rep


def indicators(uscc=CQ_USCC, **over) -> dict:
    return derived.derive({"uscc": uscc, "cluster": "equipment", "industry_code": "3311"}, [factory_report(**over)])


def run(uscc=CQ_USCC, **over):
    return engine.score(CRIT, indicators(uscc, **over), with_recommendations=False)


def gate(result, code):
    return next(g for g in result.gates if g.code == code)


def item(result, code):
    return next(i for i in result.items if i.code == code)


WORKSHOP_ONLY = dict(equipment_digital=50, recognised_digital_workshops=0)


# --------------------------------------------------------------------------- gate edges

@pytest.mark.parametrize("code, over, passed", [
    ("ws_digital_equipment", {"equipment_digital": 50}, True),
    ("ws_digital_equipment", {"equipment_digital": 49}, False),
    ("ws_digital_equipment", {"equipment_total": 101, "equipment_digital": 50}, False),   # 49.5%
    ("ws_networked_equipment", {"equipment_networked": 90}, True),
    ("ws_networked_equipment", {"equipment_networked": 89}, False),
    ("ws_run_data_upload", {"run_data_upload_pct": 90.0}, True),
    ("ws_run_data_upload", {"run_data_upload_pct": 89.9}, False),
    ("ws_mes", {"systems": {"mes": "partial"}}, True),
    ("ws_mes", {"systems": {"mes": "none"}}, False),
    ("ws_mes", {"systems": {"erp": "full"}}, False),          # not listed = not used
    ("sf_digital_equipment", {"equipment_digital": 65}, True),
    ("sf_digital_equipment", {"equipment_digital": 64}, False),
    ("sf_digital_equipment", {"equipment_total": 20, "equipment_digital": 13}, True),   # 65% exactly
    ("sf_recognised_workshops", {"recognised_digital_workshops": 2}, True),
    ("sf_recognised_workshops", {"recognised_digital_workshops": 1}, False),
    ("sf_design_tools", {"design_tool_coverage_pct": 80.0}, True),
    ("sf_design_tools", {"design_tool_coverage_pct": 79.9}, False),
    ("sf_erp", {"systems": {"erp": "partial", "mes": "full", "plm": "full"}}, False),
    ("sf_mes", {"systems": {"erp": "full", "mes": "partial", "plm": "full"}}, False),
    ("sf_plm", {"systems": {"erp": "full", "mes": "full", "plm": "none"}}, False),
    ("sf_plm", {"systems": {"erp": "full", "mes": "full", "plm": "partial"}}, True),
    ("sf_operating_cost", {"operating_cost_reduction_pct": 15.0}, True),
    ("sf_operating_cost", {"operating_cost_reduction_pct": 14.9}, False),
    ("sf_efficiency", {"efficiency_gain_pct": 10.0}, True),
    ("sf_efficiency", {"efficiency_gain_pct": 9.9}, False),
    ("sf_defect_rate", {"defect_rate_reduction_pct": 10.0}, True),
    ("sf_defect_rate", {"defect_rate_reduction_pct": 9.9}, False),
    ("sf_unit_energy", {"unit_energy_reduction_pct": 5.0}, True),
    ("sf_unit_energy", {"unit_energy_reduction_pct": 4.9}, False),
])
def test_recognition_gate_edge(code, over, passed):
    assert gate(run(**over), code).passed is passed


@pytest.mark.parametrize("uscc, passed", [
    (CQ_USCC, True),
    ("91510100MA6C000000", False),      # registered in Sichuan (51)
    (None, None),
])
def test_only_an_enterprise_registered_in_chongqing_qualifies(uscc, passed):
    r = run(uscc=uscc)
    assert gate(r, "ws_registered").passed is passed
    assert gate(r, "sf_registered").passed is passed


def test_unreported_run_data_upload_leaves_the_gate_undecided():
    assert gate(run(run_data_upload_pct=None), "ws_run_data_upload").passed is None


@pytest.mark.parametrize("digital, total, min_pct, need", [
    (40, 100, 50, 10),
    (49, 100, 50, 1),
    (50, 100, 50, 0),
    (50, 101, 50, 1),        # 50.5 sets needed -> 51
    (78, 100, 90, 12),
    (0, 7, 65, 5),           # 4.55 -> 5
])
def test_sets_needed_is_the_smallest_whole_number_reaching_the_share(digital, total, min_pct, need):
    assert smart.sets_needed(digital, total, min_pct) == need
    assert (digital + need) * 100 / total >= min_pct


def test_sets_needed_without_equipment_is_not_available():
    assert math.isnan(smart.sets_needed(0, 0, 50))


def test_equipment_share_shortfall_is_stated_in_sets():
    g = gate(run(equipment_digital=38, equipment_networked=78), "ws_digital_equipment")
    assert g.passed is False and g.shortfall == 12 and g.unit == "台（套）"
    assert g.detail.startswith("数字化设备还需增加 12 台（套）")
    n = gate(run(equipment_networked=78), "ws_networked_equipment")
    assert n.shortfall == 12 and n.detail.startswith("联网设备还需增加 12 台（套）")


# --------------------------------------------------------------------------- level reached

def test_meeting_every_factory_condition_is_recognised_as_smart_factory():
    r = run()
    assert r.grade == "智能工厂" and r.passed is True
    assert r.extra["level"] == "factory" and r.extra["next_level"] is None


def test_workshop_without_factory_conditions_is_digital_workshop_and_names_the_blockers():
    r = run(**WORKSHOP_ONLY)
    assert r.grade == "数字化车间" and r.passed is True
    assert r.extra["next_level"] == "factory"
    assert r.extra["blocking_gates"] == "sf_digital_equipment、sf_recognised_workshops"
    assert gate(r, "sf_digital_equipment").shortfall == 15


def test_failing_a_workshop_condition_and_a_factory_condition_is_no_level():
    r = run(equipment_digital=40)
    assert r.grade == "未达到认定条件" and r.passed is False
    assert r.extra["level"] == "none" and r.extra["next_level"] == "workshop"
    assert r.extra["blocking_gates"] == "ws_digital_equipment"


def test_factory_level_does_not_need_the_workshop_data_collection_figures():
    # two recognised workshops already prove the workshop level
    r = run(run_data_upload_pct=50.0)
    assert r.grade == "智能工厂"


def test_missing_data_that_could_decide_the_level_leaves_it_open():
    r = run(run_data_upload_pct=None, recognised_digital_workshops=None)
    assert r.passed is None
    assert r.grade == "资料不全，无法判定"


# --------------------------------------------------------------------------- readiness score

def test_meeting_every_factory_threshold_with_every_system_in_full_earns_100_readiness_points():
    assert run().total == 97           # PLM only partial: 3 of its 6 points
    full = {"erp": "full", "mes": "full", "plm": "full", "scada_dcs": "full", "aps": "full"}
    assert run(systems=full).total == 100


@pytest.mark.parametrize("code, over, points", [
    ("digital_equipment", {"equipment_digital": 0}, 0),
    ("digital_equipment", {"equipment_digital": 13}, 4),          # 13 / 65 x 20
    ("digital_equipment", {"equipment_digital": 100}, 20),        # capped
    ("networked_equipment", {"equipment_networked": 45}, 5),
    ("run_data_upload", {"run_data_upload_pct": 45.0}, 5),
    ("design_tools", {"design_tool_coverage_pct": 40.0}, 5),
    ("operating_cost", {"operating_cost_reduction_pct": 7.5}, 3),
    ("operating_cost", {"operating_cost_reduction_pct": -5.0}, 0),  # worse than before: 0, not negative
    ("efficiency", {"efficiency_gain_pct": 5.0}, 3),
    ("defect_rate", {"defect_rate_reduction_pct": 5.0}, 2),
    ("unit_energy", {"unit_energy_reduction_pct": 2.5}, 2),
    ("mes", {"systems": {"mes": "partial"}}, 5),
    ("erp", {"systems": {"erp": "partial"}}, 4),
    ("plm", {"systems": {"plm": "full"}}, 6),
    ("aps", {"systems": {}}, 0),
])
def test_readiness_item_is_linear_up_to_the_factory_threshold(code, over, points):
    assert item(run(**over), code).points == pytest.approx(points, abs=1e-9)


def test_unreported_gain_is_not_available_for_readiness():
    it = item(run(defect_rate_reduction_pct=None), "defect_rate")
    assert it.available is False and it.points == 0


# --------------------------------------------------------------------------- recommendations

def recs_for(**over):
    ind = indicators(**over)
    result = engine.score(CRIT, ind, with_recommendations=False)
    return result, smart.recommendations(CRIT, ind, result)


def test_advice_names_the_sets_to_network_to_reach_90_percent():
    _, recs = recs_for(equipment_networked=78, recognised_digital_workshops=0)
    texts = [r.text for r in recs]
    assert any(t.startswith("再将 12 台（套）设备联网，联网率达到 90%") for t in texts), texts


def test_advice_for_a_digital_workshop_reaching_smart_factory_clears_each_gate_and_all_together():
    result, recs = recs_for(**WORKSHOP_ONLY)
    by_code = {r.code: r for r in recs}
    assert by_code["sf_digital_equipment"].text.startswith("再将 15 台（套）设备实施数字化（数控）改造，数字化设备占比达到 65%")
    assert by_code["sf_digital_equipment"].clears_gate
    assert by_code["sf_digital_equipment"].points_gain == pytest.approx(20 * 15 / 65, abs=1e-4)
    assert by_code["sf_recognised_workshops"].text.startswith("再建成并申报认定 2 个数字化车间")
    together = by_code["factory"]
    assert together.changes_grade and "结论变为「智能工厂」" in together.text
    assert together.rank == 1


def test_no_advice_once_the_top_level_is_reached():
    result, recs = recs_for()
    assert recs == ()
