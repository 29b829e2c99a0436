"""English names are data beside the Chinese ones: complete for every shipped criteria set, found
for every label the demo results carry, and the results themselves unchanged (still Chinese)."""
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
import yaml

from portal.assessments import (
    assess,
    derived,
    english_names,
    indicator_name_en,
    loader,
    unit_en,
)
from portal.assessments.english import FIELDS_EN, INDICATORS_EN, UNITS_EN
from portal.assessments.types import CriteriaError
from portal.demo.generator import generate

SETS = [c.code for c in loader.load_all()]


@pytest.mark.parametrize("code", SETS)
def test_every_name_of_a_shipped_set_has_an_english_name(code):
    crit = loader.by_code(code)
    names = english_names(code)
    assert crit.name_en and names.framework == crit.name_en
    assert set(crit.grades_en) == set(crit.grades)
    dims = {it.dimension for it in crit.items if it.dimension} | {d for g in crit.gates for d in g.min_dimensions}
    assert set(names.dimensions) == dims
    for it in crit.items:
        assert it.name_en, it.code
        if it.categories is not None:
            assert set(it.labels_en) == set(it.categories.points), it.code
    for g in (*crit.gates, *crit.routes):
        assert g.name_en, g.code
    for g in crit.gates:
        assert g.required_en or not g.required, g.code
    assert all(ch.isascii() or ch in "≥≤–’“”₂" for text in _texts(names) for ch in text), "English text only"


def _texts(names):
    yield names.framework
    for table in (names.grades, names.items, names.gates, names.required, names.routes, names.dimensions,
                  names.terms):
        yield from table.values()
    for labels in names.bands.values():
        yield from labels.values()


def test_every_indicator_field_and_unit_the_engine_names_has_an_english_name():
    assert set(derived.INDICATORS) <= set(INDICATORS_EN)
    assert set(derived.FIELD_NAMES) <= set(FIELDS_EN)
    assert {unit for _, unit in (*derived.INDICATORS.values(), *derived.FIELD_NAMES.values()) if unit} <= set(UNITS_EN)
    assert indicator_name_en("rd_intensity_pct") == "R&D intensity" and indicator_name_en("revenue") == "Operating revenue"
    assert unit_en("万元") == "10k yuan" and unit_en("%") == "%" and unit_en(None) is None


def _demo_results():
    data = generate(seed=5, n_enterprises=12)
    by = defaultdict(list)
    for r in data.reports:
        by[r.enterprise_index].append({"period": f"{r.year}Q{r.quarter}", **r.values})
    for i, ent in enumerate(data.enterprises):
        reps = by[i]
        yield from assess(ent.profile, reps)
        cut = [r for r in reps if derived.period_end(r["period"]) <= date(2025, 12, 31)]
        if cut:
            yield from assess(ent.profile, cut, None, date(2025, 12, 31), {"review_kind": "re_review"})


def test_the_labels_of_demo_results_all_have_english_names():
    seen = 0
    for result in _demo_results():
        names = english_names(result.framework)
        assert result.grade in names.grades, (result.framework, result.grade)
        assert all(route in names.routes for route in result.routes)
        assert set(result.extra["dimensions"]) - {""} <= set(names.dimensions)
        for it in result.items:
            assert it.code in names.items
            if it.code in names.bands and it.band is not None:
                assert it.band in names.bands[it.code], (result.framework, it.code, it.band)
            assert it.unit is None or it.unit in UNITS_EN
        for g in result.gates:
            assert g.code in names.gates and (g.code in names.required or not g.required)
            assert g.unit is None or g.unit in UNITS_EN, g.unit
        for rec in result.recommendations:
            assert rec.unit is None or rec.unit in UNITS_EN, rec.unit
        # the result and its JSON are unchanged: no English inside
        assert not any(key.endswith("_en") for key in result.to_dict())
        seen += 1
    assert seen > 50


def _write(tmp_path: Path, **over) -> Path:
    raw = {"code": "x2025", "name": "测试", "version": "v1", "source": "test", "effective_from": "2025-01-01",
           "max_total": 5, "grades": {"passed": "通过", "failed": "未通过"},
           "items": [{"code": "a", "name": "甲", "dimension": "维度", "indicator": "sme_digital_grade",
                      "confidence": "S", "provisional": False, "categories": {"g1": 0, "g2": 5}}],
           "gates": [{"code": "g", "name": "门槛", "required": "≥1", "confidence": "S", "provisional": False,
                      "all_of": [{"indicator": "revenue", "op": ">=", "value": 1}]}]}
    for key, value in over.items():
        where, _, field = key.partition("__")
        if field:
            raw[where][0][field] = value
        else:
            raw[where] = value
    path = tmp_path / "x2025.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_english_names_are_read_from_a_criteria_file(tmp_path):
    crit = loader.load_file(_write(tmp_path, name_en="Test", grades_en={"passed": "Passed"},
                                   dimensions_en={"维度": "Dimension"}, items__name_en="A",
                                   items__labels_en={"g2": "Level 2"}, gates__name_en="Gate",
                                   gates__required_en="≥ 1"))
    assert (crit.name_en, dict(crit.grades_en), dict(crit.dimensions_en)) == ("Test", {"passed": "Passed"},
                                                                              {"维度": "Dimension"})
    assert (crit.items[0].name_en, dict(crit.items[0].labels_en)) == ("A", {"g2": "Level 2"})
    assert (crit.gates[0].name_en, crit.gates[0].required_en) == ("Gate", "≥ 1")
    plain = loader.load_file(_write(tmp_path))
    assert plain.name_en is None and plain.items[0].name_en is None and not plain.grades_en


@pytest.mark.parametrize("over", [{"name_en": ""}, {"items__name_en": 3}, {"items__labels_en": {"g9": "x"}},
                                  {"grades_en": {"best": "Best"}}, {"dimensions_en": {"其他": "Other"}},
                                  {"gates__required_en": " "}, {"grades_en": ["Passed"]}])
def test_a_criteria_file_with_a_bad_english_name_is_refused(tmp_path, over):
    with pytest.raises(CriteriaError):
        loader.load_file(_write(tmp_path, **over))
