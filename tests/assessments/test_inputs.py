"""parse_input: the JSON shape, types per report-fields.yaml, Chinese messages naming the field."""
from pathlib import Path

import pytest
import yaml

from portal.assessments import InputError, parse_input
from portal.assessments.inputs import PROFILE_SCHEMA, REPORT_SCHEMA

FIELDS = Path(__file__).resolve().parents[2] / "portal" / "fields" / "report_fields.yaml"


def test_schema_mirrors_the_data_dictionary():
    d = yaml.safe_load(FIELDS.read_text(encoding="utf-8"))
    profile = {f["key"]: f for f in d["profile"]}
    report = {f["key"]: f for s in d["sections"].values() for f in s["fields"]}
    assert set(PROFILE_SCHEMA) == set(profile) and set(REPORT_SCHEMA) == set(report)
    for schema, src in ((PROFILE_SCHEMA, profile), (REPORT_SCHEMA, report)):
        for key, field in schema.items():
            assert field.type == src[key]["type"], key
            assert field.values == tuple(src[key].get("values") or ()), key


def test_valid_input_is_normalised():
    profile, reports = parse_input({"profile": {"cluster": "equipment", "founded_on": "2010-05-01"},
                                    "reports": [{"period": "2025Q1", "revenue": "12.5", "employees": 10.0,
                                                 "certifications": ["iso9001"], "systems": {"erp": "full"}}]})
    assert profile["founded_on"].year == 2010
    assert reports[0]["revenue"] == 12.5 and reports[0]["employees"] == 10 and isinstance(reports[0]["employees"], int)


@pytest.mark.parametrize("data, field, words", [
    ([], "$", "对象"),
    ({"profile": {}, "reports": [], "extra": 1}, "extra", "未知字段"),
    ({"profile": {}, "reports": []}, "reports", "至少"),
    ({"profile": {"colour": "red"}, "reports": [{"period": "2025Q1"}]}, "profile.colour", "未知字段"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "foo": 1}]}, "reports[0].foo", "未知字段"),
    ({"profile": {}, "reports": [{"period": "2025-Q1"}]}, "reports[0].period", "2025Q1"),
    ({"profile": {}, "reports": [{"period": "2025Q5"}]}, "reports[0].period", "2025Q1"),
    ({"profile": {}, "reports": [{"period": "2025Q1"}, {"period": "2025Q1"}]}, "reports[1].period", "重复"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "revenue": "abc"}]}, "reports[0].revenue", "数字"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "revenue": True}]}, "reports[0].revenue", "数字"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "revenue": -1}]}, "reports[0].revenue", "负数"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "employees": 1.5}]}, "reports[0].employees", "整数"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "niche_market_share_pct": 101}]},
     "reports[0].niche_market_share_pct", "0-100"),
    ({"profile": {"cluster": "mining"}, "reports": [{"period": "2025Q1"}]}, "profile.cluster", "允许范围"),
    ({"profile": {"founded_on": "2010-13-01"}, "reports": [{"period": "2025Q1"}]}, "profile.founded_on", "日期"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "own_brand": "yes"}]}, "reports[0].own_brand", "是/否"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "certifications": ["iso9999"]}]},
     "reports[0].certifications", "允许范围"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "systems": {"xyz": "full"}}]}, "reports[0].systems.xyz", "未知"),
    ({"profile": {}, "reports": [{"period": "2025Q1", "cmmm_levels": {"data": 7}}]},
     "reports[0].cmmm_levels.data", "0-5"),
])
def test_invalid_input_raises_input_error_naming_the_field(data, field, words):
    with pytest.raises(InputError) as exc:
        parse_input(data)
    assert exc.value.field == field and words in exc.value.message


def test_negative_profit_is_allowed():
    _, reports = parse_input({"profile": {}, "reports": [{"period": "2025Q1", "net_profit": -5}]})
    assert reports[0]["net_profit"] == -5
