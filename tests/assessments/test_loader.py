"""Criteria files: validation, provisional marks, the version in force by date."""
from datetime import date
from pathlib import Path

import pytest
import yaml

from portal.assessments import criteria_for, loader
from portal.assessments.types import CriteriaError

GOOD = {
    "code": "demo2024", "family": "demo", "framework": "demo", "name": "演示", "version": "v1",
    "effective_from": "2024-01-01", "effective_to": None, "source": "test", "max_total": 10,
    "grades": {"passed": "达标", "failed": "未达标"},
    "items": [{"code": "a", "name": "A", "indicator": "x", "confidence": "S", "provisional": False,
               "bands": {"edges": [1], "points": [0, 10]}}],
}


def write(tmp_path: Path, data) -> Path:
    p = tmp_path / "demo.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data, encoding="utf-8")
    return p


def test_a_well_formed_file_loads(tmp_path):
    c = loader.load_file(write(tmp_path, GOOD))
    assert c.code == "demo2024" and c.items[0].max_points == 10 and not c.provisional


@pytest.mark.parametrize("change, problem", [
    ({"effective_from": None}, "effective_from"),
    ({"effective_from": "2024-13-01"}, "not an ISO date"),
    ({"effective_to": "2023-01-01"}, "before effective_from"),
    ({"max_total": 20}, "add up to 10"),
    ({"name": ""}, "name"),
    ({"items": [{**GOOD["items"][0], "confidence": "R", "provisional": False}]}, "provisional must be true"),
    ({"items": [{**GOOD["items"][0], "confidence": "maybe"}]}, "confidence"),
    ({"items": [{**GOOD["items"][0], "bands": {"edges": [2, 1], "points": [0, 1, 2]}}]}, "strictly increasing"),
    ({"items": [{**GOOD["items"][0], "bands": {"edges": [1], "points": [0, 1, 2]}}]}, "need 2 points"),
    ({"items": [{**GOOD["items"][0], "colour": "red"}]}, "unknown keys"),
    ({"gates": [{"code": "g", "name": "G", "confidence": "S", "provisional": False,
                 "all_of": [{"indicator": "x", "op": "≈", "value": 1}]}]}, "op must be"),
    ({"grades": {"passed": "x"}}, "grades"),
])
def test_a_malformed_file_raises_criteria_error_naming_file_and_problem(tmp_path, change, problem):
    path = write(tmp_path, {**GOOD, **change})
    with pytest.raises(CriteriaError) as exc:
        loader.load_file(path)
    assert str(path) in str(exc.value) and problem in str(exc.value)


def test_invalid_yaml_names_the_file(tmp_path):
    path = write(tmp_path, "code: [unclosed")
    with pytest.raises(CriteriaError, match="not valid YAML"):
        loader.load_file(path)


@pytest.mark.parametrize("code", ["sts2022", "sts2026", "innovative2022", "giant2022", "giant2026"])
def test_every_number_not_marked_s_is_provisional(code):
    c = loader.by_code(code)
    for part in [*c.items, *c.gates, *c.routes, *c.params.values()]:
        assert part.provisional == (part.confidence != "S"), part


@pytest.mark.parametrize("family, day, code", [
    ("sts", date(2026, 3, 31), "sts2022"), ("sts", date(2026, 4, 1), "sts2026"),
    ("giant", date(2026, 3, 31), "giant2022"), ("giant", date(2026, 4, 1), "giant2026"),
    ("innovative", date(2026, 3, 31), "innovative2022"),
])
def test_the_version_in_force_switches_on_2026_04_01(family, day, code):
    assert criteria_for(family, day).code == code


def test_giant_re_review_in_2026_uses_the_2022_standard():
    from portal.assessments import engine
    [c] = engine.resolve(["giant"], date(2026, 6, 30), {"review_kind": "re_review"})
    assert c.code == "giant2022"


def test_special_items_come_from_common_yaml_and_total_fifteen_points():
    c = loader.by_code("sts2022")
    assert sum(i.max_points for i in c.items if i.dimension == "特色化") == 15
    assert all(i.provisional for i in c.items if i.dimension == "特色化")
