"""The registry's rule strings parse into executable rules with stable codes and Chinese messages."""
from decimal import Decimal as D

import pytest

from portal.fields import registry
from portal.reporting import rules
from portal.reporting.rules import (
    ERROR,
    WARN,
    Bound,
    RuleSyntaxError,
    all_rules,
    parse_requirement,
    parse_rule,
    rules_for,
)


def _all_specs():
    reg = registry()
    return (*reg.profile, *reg.report_fields)


@pytest.mark.parametrize("spec", [f for f in _all_specs() if f.rules], ids=lambda f: f.key)
def test_every_registry_rule_parses(spec):
    parsed = [parse_rule(spec.key, text) for text in spec.rules]
    assert [r.field for r in parsed] == [spec.key] * len(spec.rules)
    assert all(r.severity in (ERROR, WARN) for r in parsed)


def test_rule_codes_are_unique():
    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes))


def test_every_conditional_requirement_and_cross_period_rule_parses():
    assert {r.field for r in rules.all_requirements()} == {f.key for f in _all_specs() if f.required_when}
    kinds = [r.kind for r in rules.cross_period_rules()]
    assert kinds == ["change", "energy_intensity", "drop", "before_founded"]


@pytest.mark.parametrize("text", ["about 5", "<= no_such_field", "> revenue", "between 1 and 2", "12 chars"])
def test_unparseable_rule_raises_naming_the_text(text):
    with pytest.raises(RuleSyntaxError) as exc:
        parse_rule("revenue", text)
    assert repr(text) in str(exc.value) and "revenue" in str(exc.value)


def test_unparseable_requirement_raises():
    with pytest.raises(RuleSyntaxError):
        parse_requirement("town", "if the park is a town")


@pytest.mark.parametrize("field, text, code, severity", [
    ("value_added", "<= gross_output_value", "value_added.le.gross_output_value", ERROR),
    ("value_added", "warn: value_added / gross_output_value outside 0.10-0.60", "value_added.ratio_range", WARN),
    ("net_profit", "<= total_profit (warn)", "net_profit.le.total_profit", WARN),
    ("total_liabilities", "warn: > total_assets", "total_liabilities.le.total_assets", WARN),
    ("rd_expenditure", "warn: rd_expenditure > 0.5 * revenue", "rd_expenditure.le.0.5*revenue", WARN),
    ("revenue", ">= 0", "revenue.ge.0", ERROR),
    ("niche_market_rank_cn", ">= 1", "niche_market_rank_cn.ge.1", ERROR),
    ("name", "1-100 chars", "name.length", ERROR),
    ("green_material_pct", "0-100", "green_material_pct.range", ERROR),
    ("solid_waste_utilised_t", "<= solid_waste_generated_t + solid_waste_prior_stock_used_t",
     "solid_waste_utilised_t.le.solid_waste_generated_t+solid_waste_prior_stock_used_t", ERROR),
])
def test_rule_code_and_severity(field, text, code, severity):
    rule = parse_rule(field, text)
    assert (rule.code, rule.severity) == (code, severity)


def test_rules_are_parsed_once_and_cached():
    assert rules_for("value_added") is rules_for("value_added")


def _rule(field, code):
    return next(r for r in rules_for(field) if r.code == code)


# (field, rule code, passing values, failing values, fragment of the failure message)
CASES = [
    ("revenue", "revenue.ge.0", {"revenue": D(0)}, {"revenue": D(-1)}, "营业收入（-1 万元）不能为负数"),
    ("niche_market_rank_cn", "niche_market_rank_cn.ge.1", {"niche_market_rank_cn": 1},
     {"niche_market_rank_cn": 0}, "不能小于 1"),
    ("main_business_revenue", "main_business_revenue.le.revenue",
     {"main_business_revenue": D(100), "revenue": D(100)}, {"main_business_revenue": D(101), "revenue": D(100)},
     "主营业务收入（101 万元）不能大于营业收入（100 万元）"),
    ("value_added", "value_added.le.gross_output_value",
     {"value_added": D(300), "gross_output_value": D(1000)}, {"value_added": D(1200), "gross_output_value": D(1000)},
     "工业增加值（1200 万元）不能大于工业总产值（现价）（1000 万元）。"),
    ("value_added", "value_added.ratio_range",
     {"value_added": D(100), "gross_output_value": D(1000)}, {"value_added": D(50), "gross_output_value": D(1000)},
     "5%，不在通常范围 10%–60% 之内"),
    ("value_added", "value_added.ratio_range",
     {"value_added": D(600), "gross_output_value": D(1000)}, {"value_added": D(601), "gross_output_value": D(1000)},
     "60.1%"),
    ("net_profit", "net_profit.le.total_profit", {"net_profit": D(-20), "total_profit": D(-10)} | {"net_profit": D(-20)},
     {"net_profit": D(120), "total_profit": D(100)}, "净利润（120 万元）超过利润总额（100 万元）"),
    ("total_liabilities", "total_liabilities.le.total_assets", {"total_liabilities": D(100), "total_assets": D(100)},
     {"total_liabilities": D(101), "total_assets": D(100)}, "负债合计（101 万元）超过资产总计（100 万元）"),
    ("rd_expenditure", "rd_expenditure.le.0.5*revenue", {"rd_expenditure": D(500), "revenue": D(1000)},
     {"rd_expenditure": D(501), "revenue": D(1000)}, "研发费用（501 万元）超过营业收入（1000 万元）的 50%"),
    ("key_processes_nc", "key_processes_nc.le.key_processes_total", {"key_processes_nc": 5, "key_processes_total": 5},
     {"key_processes_nc": 6, "key_processes_total": 5}, "不能大于关键工序数（5 项）"),
    ("solid_waste_utilised_t", "solid_waste_utilised_t.le.solid_waste_generated_t+solid_waste_prior_stock_used_t",
     {"solid_waste_utilised_t": D(110), "solid_waste_generated_t": D(100), "solid_waste_prior_stock_used_t": D(10)},
     {"solid_waste_utilised_t": D(111), "solid_waste_generated_t": D(100), "solid_waste_prior_stock_used_t": D(10)},
     "不能大于一般工业固体废物产生量与综合利用往年贮存量之和（110 吨）"),
    ("niche_market_share_pct", "niche_market_share_pct.range", {"niche_market_share_pct": D(100)},
     {"niche_market_share_pct": D("100.5")}, "应在 0 到 100 之间（当前为 100.5）"),
    ("name", "name.length", {"name": "重庆某某机械有限公司"}, {"name": "长" * 101}, "1 到 100 个字符（当前 101 个）"),
    ("uscc", "uscc.format", {"uscc": "91500224000000001B"}, {"uscc": "91500224000000001C"}, "校验位"),
    ("industry_code", "industry_code.format", {"industry_code": "3670"}, {"industry_code": "367"}, "4 位数字"),
    ("industry_code", "industry_code.format", {"industry_code": "4350"}, {"industry_code": "5110"}, "不属于制造业"),
]


@pytest.mark.parametrize("field, code, good, bad, fragment", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_rule_passes_and_fails(field, code, good, bad, fragment):
    rule = _rule(field, code)
    assert rule.check(good) is None
    issue = rule.check(bad)
    assert issue is not None and issue.code == code and issue.field == field
    assert fragment in issue.message


def test_uscc_check_character_in_cases_is_right():
    from portal.fields.uscc import check_char
    assert check_char("91500224000000001") == "B"


def test_industry_code_outside_manufacturing_allowed_when_marked():
    rule = _rule("industry_code", "industry_code.format")
    assert rule.check({"industry_code": "5110", "non_manufacturing": True}) is None


@pytest.mark.parametrize("values", [{}, {"value_added": D(1200)}, {"gross_output_value": D(1000)},
                                    {"value_added": D(1200), "gross_output_value": None}])
def test_rule_is_skipped_when_a_side_is_missing(values):
    assert _rule("value_added", "value_added.le.gross_output_value").check(values) is None


def test_ratio_rule_is_skipped_when_denominator_is_zero():
    assert _rule("value_added", "value_added.ratio_range").check(
        {"value_added": D(0), "gross_output_value": D(0)}) is None


@pytest.mark.parametrize("field, values, applies", [
    ("town", {"park": "town"}, True),
    ("town", {"park": "damiao"}, False),
    ("town", {}, False),
    ("main_product_unit", {"main_product_output_qty": D(5)}, True),
    ("main_product_unit", {"main_product_output_qty": D(0)}, True),
    ("main_product_unit", {"main_product_output_qty": None}, False),
])
def test_conditional_requirement_applies(field, values, applies):
    assert rules.requirement_for(field).applies(values) is applies


def test_bound_accepts_float_and_int_values():
    rule = _rule("value_added", "value_added.le.gross_output_value")
    assert isinstance(rule, Bound)
    assert rule.check({"value_added": 10.5, "gross_output_value": 10}) is not None
    assert rule.check({"value_added": 10, "gross_output_value": 10.0}) is None
