"""Parsing of raw input and validation of reports and profiles (pure, no app)."""
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.fields import registry
from portal.reporting.rules import Issue
from portal.reporting.validation import (
    ValidationResult,
    carry_forward,
    energy_tce,
    parse_form,
    validate_profile,
    validate_report,
)

REPORT = registry().report_fields
PROFILE = registry().profile
BY_KEY = {f.key: f for f in (*PROFILE, *REPORT)}


def complete_report(**overrides):
    """A report with every required field filled and every rule satisfied."""
    values = {
        "gross_output_value": D(10000), "revenue": D(9500), "main_business_revenue": D(9000),
        "value_added": D(3000), "total_profit": D(800), "net_profit": D(600), "taxes_paid": D(300),
        "employees": 200, "total_assets": D(20000), "total_liabilities": D(9000),
        "rd_expenditure": D(400), "rd_personnel": 30, "ip_class1_count": 10, "rd_institution_level": "municipal",
        "key_processes_total": 20, "key_processes_nc": 12, "equipment_total": 100, "equipment_digital": 60,
        "equipment_networked": 50, "design_tools": ["cad3d", "cae"],
        "systems": {k: "partial" for k in BY_KEY["systems"].keys},
        "cloud_level": "platform", "industrial_internet": True,
        "electricity_kwh": D(1_000_000), "natural_gas_m3": D(50_000), "water_withdrawal_m3": D(20_000),
        "solid_waste_generated_t": D(100), "solid_waste_utilised_t": D(90),
        "certifications": ["iso9001"], "violations_3y": False,
    }
    values.update(overrides)
    return values


def run(values, *, history=None, profile=None, for_submit=True, year=2026, quarter=3):
    return validate_report(values, profile=profile or {"founded_on": date(2010, 5, 1)}, year=year,
                           quarter=quarter, history=history or {}, for_submit=for_submit)


def codes(issues):
    return {i.code for i in issues}


# --------------------------------------------------------------------------- parse_form


@pytest.mark.parametrize("key, raw, expected", [
    ("revenue", "1,234.5", D("1234.5")),
    ("revenue", "１２３", D(123)),
    ("revenue", "  42.0  ", D("42.0")),
    ("revenue", "-5", D(-5)),
    ("revenue", "0", D(0)),
    ("employees", "12", 12),
    ("employees", "1,200", 1200),
    ("employees", "7.0", 7),
    ("industrial_internet", "是", True),
    ("industrial_internet", "否", False),
    ("industrial_internet", "on", True),
    ("cloud_level", "platform", "platform"),
    ("cloud_level", "平台系统上云", "platform"),
    ("rd_institution_level", "重庆市级（省级）", "municipal"),
    ("design_tools", ["cad2d", "cae"], ["cad2d", "cae"]),
    ("design_tools", "cae, cad2d", ["cad2d", "cae"]),
    ("design_tools", ["none"], ["none"]),
    ("certifications", "质量管理体系、环境管理体系", ["iso9001", "iso14001"]),
    ("systems", {"erp": "full", "mes": "partial"}, {"erp": "full", "mes": "partial"}),
    ("systems", "ERP：全面覆盖；MES=partial", {"erp": "full", "mes": "partial"}),
    ("cmmm_levels", "plan=3; produce=2", {"plan": 3, "produce": 2}),
    ("main_product_unit", "  件 ", "件"),
    ("revenue", "", None),
    ("revenue", "   ", None),
    ("design_tools", [], None),
])
def test_parse_form_converts_raw_text_to_typed_values(key, raw, expected):
    values, errors = parse_form({key: raw}, [BY_KEY[key]])
    assert errors == {}
    assert values[key] == expected
    assert type(values[key]) is type(expected)


@pytest.mark.parametrize("key, raw, message", [
    ("revenue", "abc", "请输入数字"),
    ("revenue", "NaN", "请输入数字"),
    ("revenue", "inf", "请输入数字"),
    ("revenue", "1e400", "请输入数字"),
    ("revenue", "100000000000000", "数值过大"),
    ("revenue", "1,2,3", "请输入数字"),
    ("employees", "3.5", "请输入整数"),
    ("employees", "abc", "请输入整数"),
    ("industrial_internet", "maybe", "是"),
    ("cloud_level", "cloudy", "未上云、基础设施上云、平台系统上云、业务应用上云"),
    ("design_tools", ["none", "cad2d"], "不能与其他选项同时选择"),
    ("design_tools", ["cad9d"], "无法识别的选项"),
    ("systems", "xyz=full", "未知的子项"),
    ("systems", "erp=sometimes", "取值无法识别"),
    ("cmmm_levels", "plan=7", "0 到 5"),
    ("main_product_unit", "x" * 501, "内容过长"),
])
def test_parse_form_rejects_bad_input_with_chinese_message(key, raw, message):
    values, errors = parse_form({key: raw}, [BY_KEY[key]])
    assert values[key] is None
    assert message in errors[key]


@pytest.mark.parametrize("key, raw, expected", [
    ("founded_on", "2024-03-05", date(2024, 3, 5)),
    ("founded_on", "2024/3/5", date(2024, 3, 5)),
    ("founded_on", "2024年3月5日", date(2024, 3, 5)),
])
def test_parse_form_reads_dates(key, raw, expected):
    values, errors = parse_form({key: raw}, [BY_KEY[key]])
    assert (values[key], errors) == (expected, {})


@pytest.mark.parametrize("raw", ["2024-02-30", "05/03/2024", "yesterday"])
def test_parse_form_rejects_bad_dates(raw):
    values, errors = parse_form({"founded_on": raw}, [BY_KEY["founded_on"]])
    assert values["founded_on"] is None and "founded_on" in errors


def test_parse_form_empty_is_none_not_zero():
    values, errors = parse_form({"revenue": "", "employees": " "})
    assert values["revenue"] is None and values["employees"] is None and errors == {}


def test_parse_form_reads_flattened_map_inputs():
    values, errors = parse_form({"systems.erp": "full", "systems-mes": ["partial"]}, [BY_KEY["systems"]])
    assert values["systems"] == {"erp": "full", "mes": "partial"} and errors == {}


def test_parse_form_ignores_unknown_keys_and_lists_every_field():
    values, _ = parse_form({"bogus": "1"})
    assert set(values) == {f.key for f in REPORT}


_ANY_INPUT = st.one_of(
    st.text(max_size=60),
    st.lists(st.text(max_size=20), max_size=4),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=4),
    st.none(), st.integers(), st.floats(), st.booleans(),
)


@pytest.mark.parametrize("spec", [*PROFILE, *REPORT], ids=lambda f: f.key)
@settings(max_examples=40, deadline=None)
@given(raw=_ANY_INPUT)
def test_parse_form_never_raises_on_arbitrary_input(spec, raw):
    values, errors = parse_form({spec.key: raw}, [spec])
    assert spec.key in values
    assert values[spec.key] is None or spec.key not in errors


@settings(max_examples=100, deadline=None)
@given(raw=st.dictionaries(st.sampled_from([f.key for f in REPORT]), st.text(max_size=30)))
def test_validate_report_never_raises_on_arbitrary_text(raw):
    result = validate_report(raw, profile={}, year=2026, quarter=3, history={}, for_submit=True)
    assert isinstance(result, ValidationResult)


# --------------------------------------------------------------------------- save vs submit


def test_complete_report_is_valid_on_submit():
    result = run(complete_report())
    assert result.errors == () and result.warnings == ()


def test_partial_draft_can_be_saved():
    result = run({"revenue": D(100)}, for_submit=False)
    assert result.ok


def test_partial_draft_still_checks_present_values_on_save():
    result = run({"revenue": D(-1), "employees": "3.5"}, for_submit=False)
    assert codes(result.errors) == {"revenue.ge.0", "employees.type"}


@pytest.mark.parametrize("missing", [f.key for f in REPORT if f.required])
def test_missing_required_field_is_an_error_on_submit(missing):
    values = complete_report()
    values.pop(missing)
    result = run(values)
    assert codes(result.errors) == {f"{missing}.required"}
    assert BY_KEY[missing].zh in result.errors[0].message


def test_required_map_needs_every_subkey_on_submit():
    result = run(complete_report(systems={"erp": "full"}))
    assert codes(result.errors) == {"systems.required"}
    assert "MES" in result.errors[0].message


def test_main_product_unit_required_when_quantity_given():
    assert codes(run(complete_report(main_product_output_qty=D(500))).errors) == {"main_product_unit.required"}
    assert run(complete_report(main_product_output_qty=D(500), main_product_unit="台")).ok
    assert run(complete_report(main_product_output_qty=D(500)), for_submit=False).ok


@pytest.mark.parametrize("overrides, code", [
    ({"value_added": D(12000)}, "value_added.le.gross_output_value"),
    ({"main_business_revenue": D(9600)}, "main_business_revenue.le.revenue"),
    ({"key_processes_nc": 21}, "key_processes_nc.le.key_processes_total"),
    ({"rd_personnel": 201}, "rd_personnel.le.employees"),
    ({"solid_waste_utilised_t": D(101)}, "solid_waste_utilised_t.le.solid_waste_generated_t+solid_waste_prior_stock_used_t"),
    ({"niche_market_share_pct": D(101)}, "niche_market_share_pct.range"),
])
def test_registry_errors_block_submit(overrides, code):
    assert codes(run(complete_report(**overrides)).errors) == {code}


@pytest.mark.parametrize("overrides, code", [
    ({"value_added": D(500)}, "value_added.ratio_range"),
    ({"net_profit": D(900)}, "net_profit.le.total_profit"),
    ({"total_liabilities": D(20001)}, "total_liabilities.le.total_assets"),
    ({"rd_expenditure": D(4751)}, "rd_expenditure.le.0.5*revenue"),
])
def test_registry_warnings_are_warnings(overrides, code):
    result = run(complete_report(**overrides))
    assert result.errors == () and codes(result.warnings) == {code}


# --------------------------------------------------------------------------- cross-period


def test_output_change_against_same_quarter_last_year_warns():
    history = {(2025, 3): {"gross_output_value": D(6000)}}
    result = run(complete_report(), history=history)
    assert codes(result.warnings) == {"yoy_output"}
    assert "去年同期" in result.warnings[0].message and "66.7%" in result.warnings[0].message


def test_output_change_within_50_percent_is_quiet():
    assert run(complete_report(), history={(2025, 3): {"gross_output_value": D(7000)}}).warnings == ()


def test_output_change_falls_back_to_previous_quarter_when_last_year_missing():
    result = run(complete_report(), history={(2026, 2): {"gross_output_value": D(20001)}})
    assert codes(result.warnings) == {"yoy_output"}
    assert "上一季度" in result.warnings[0].message


def test_output_change_previous_quarter_of_q1_is_q4_of_last_year():
    result = run(complete_report(), quarter=1, history={(2025, 4): {"gross_output_value": D(5000)}})
    assert codes(result.warnings) == {"yoy_output"}


def test_same_quarter_last_year_wins_over_previous_quarter():
    history = {(2025, 3): {"gross_output_value": D(9000)}, (2026, 2): {"gross_output_value": D(1000)}}
    assert run(complete_report(), history=history).warnings == ()


def test_energy_intensity_change_over_40_percent_warns():
    last_year = complete_report(value_added=D(3000), electricity_kwh=D(400_000))
    result = run(complete_report(), history={(2025, 3): last_year})
    assert codes(result.warnings) == {"yoy_energy_intensity"}


def test_energy_intensity_change_under_40_percent_is_quiet():
    last_year = complete_report(value_added=D(3000), electricity_kwh=D(800_000))
    assert run(complete_report(), history={(2025, 3): last_year}).warnings == ()


@pytest.mark.parametrize("key, before, now, warns", [
    ("ip_class1_count", 10, 7, False),
    ("ip_class1_count", 10, 6, True),
    ("key_processes_total", 30, 20, True),
    ("equipment_total", 100, 71, False),
    ("equipment_total", 100, 69, True),
])
def test_stock_count_drop_over_30_percent_warns(key, before, now, warns):
    values = complete_report(**{key: now})
    result = run(values, history={(2026, 2): {key: before}})
    assert (f"drop_{key}" in codes(result.warnings)) is warns


def test_report_for_period_before_founding_is_an_error():
    result = run(complete_report(), profile={"founded_on": date(2026, 10, 1)})
    assert codes(result.errors) == {"before_founded"}
    assert run(complete_report(), profile={"founded_on": "2026-09-30"}).ok


def test_unexplained_lists_warnings_without_enough_explanation():
    result = ValidationResult(warnings=(Issue("a", "x", "m", "warn"), Issue("b", "y", "m", "warn"),
                                        Issue("c", "z", "m", "warn")))
    left = result.unexplained({"a": "新产线于本季投产。", "b": "  是 的  ", "c": "   "})
    assert [i.code for i in left] == ["b", "c"]


# --------------------------------------------------------------------------- energy


def test_energy_tce_uses_gb_t_2589_coefficients():
    values = {"electricity_kwh": D(1_000_000), "natural_gas_m3": D(10_000), "raw_coal_t": D(10), "heat_gj": D(100)}
    assert float(energy_tce(values)) == pytest.approx(122.9 + 12.143 + 7.143 + 3.412)


def test_energy_tce_not_available_without_electricity_or_gas():
    assert energy_tce({"electricity_kwh": D(100)}) is None


# --------------------------------------------------------------------------- profile


VALID_PROFILE = {
    "uscc": "91500224000000001B", "name": "重庆铜梁某某机械有限公司", "industry_code": "3670",
    "cluster": "equipment", "park": "hitech_core", "founded_on": "2012-06-01", "is_above_scale": "是",
}


def test_valid_profile_has_no_errors():
    assert validate_profile(VALID_PROFILE, for_create=True, today=date(2026, 11, 29)) == {}


@pytest.mark.parametrize("overrides, key, fragment", [
    ({"uscc": "91500224000000001C"}, "uscc", "校验位"),
    ({"uscc": "123"}, "uscc", "18 位"),
    ({"industry_code": "5110"}, "industry_code", "不属于制造业"),
    ({"cluster": "space"}, "cluster", "装备制造"),
    ({"park": "town"}, "town", "镇街名称"),
    ({"founded_on": "2027-01-01"}, "founded_on", "不能晚于今天"),
    ({"founded_on": "2024-13-01"}, "founded_on", "日期"),
    ({"name": ""}, "name", "请填写企业名称"),
])
def test_invalid_profile_reports_the_field(overrides, key, fragment):
    errors = validate_profile({**VALID_PROFILE, **overrides}, for_create=True, today=date(2026, 11, 29))
    assert fragment in errors[key]


def test_profile_create_requires_every_required_field():
    errors = validate_profile({}, for_create=True)
    assert set(errors) == {f.key for f in PROFILE if f.required}


def test_profile_update_checks_only_given_fields():
    assert validate_profile({"name": "新名称"}, for_create=False) == {}
    assert "town" in validate_profile({"park": "town"}, for_create=False)
    assert validate_profile({"park": "town", "town": "巴川街道"}, for_create=False) == {}


# --------------------------------------------------------------------------- carry forward


def test_carry_forward_keeps_stocks_and_drops_flows():
    previous = complete_report(main_product_unit="台")
    carried = carry_forward(previous)
    assert carried["employees"] == 200 and carried["systems"] == previous["systems"]
    assert "revenue" not in carried and "electricity_kwh" not in carried
    assert all(BY_KEY[k].kind == "stock" for k in carried)
    carried["systems"]["erp"] = "full"
    assert previous["systems"]["erp"] == "partial"
