"""Spreadsheet templates, uploads, bulk workbooks and exports (pure, no app)."""
import csv
import io
import zipfile
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest

from portal.fields import registry
from portal.fields.uscc import check_char
from portal.reporting.spreadsheet import (
    SpreadsheetError,
    build_bulk_template,
    build_template,
    diff_values,
    export_rows,
    parse_bulk,
    parse_template,
    to_csv_safe,
)

REPORT = registry().report_fields
BY_KEY = {f.key: f for f in REPORT}
USCC = "91500224000000001B"
PREFILL = {
    "gross_output_value": D("10000.5"), "revenue": D(9500), "employees": 200, "industrial_internet": True,
    "violations_3y": False, "rd_institution_level": "municipal", "design_tools": ["cad2d", "cae"],
    "systems": {"erp": "full", "mes": "partial"}, "cmmm_levels": {"plan": 3}, "main_product_unit": "=台",
    "green_material_pct": D("35.25"),
}


def uscc(i):
    first17 = f"91500224{i:09d}"
    return first17 + check_char(first17)


def template(prefill=PREFILL):
    return build_template(enterprise_name="重庆铜梁某某机械有限公司", uscc=USCC, period_label="2026年第3季度",
                          prefill=prefill)


def edit(data, changes, sheet="填报"):
    """Apply {field_key: new cell value} to the template's value column with openpyxl."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[sheet]
    refs = {}
    for row in ws.iter_rows(min_row=3):
        if row[0].value in changes:
            row[3].value = changes[row[0].value]
            refs[row[0].value] = row[3].coordinate
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), refs


def test_template_round_trip_returns_the_prefill():
    parsed = parse_template(template())
    assert parsed.cell_errors == []
    assert {k: v for k, v in parsed.values.items() if v is not None} == PREFILL
    assert (parsed.uscc, parsed.period_label) == (USCC, "2026年第3季度")


def test_template_round_trip_after_editing_cells():
    data, _ = edit(template(), {"revenue": 9800.75, "employees": 210, "cloud_level": "业务应用上云",
                                "industrial_internet": "否", "certifications": "质量管理体系、能源管理体系",
                                "gross_output_value": None})
    parsed = parse_template(data)
    assert parsed.cell_errors == []
    expected = {**PREFILL, "revenue": D("9800.75"), "employees": 210, "cloud_level": "business",
                "industrial_internet": False, "certifications": ["iso9001", "iso50001"]}
    del expected["gross_output_value"]
    assert {k: v for k, v in parsed.values.items() if v is not None} == expected
    assert parsed.values["gross_output_value"] is None


def test_template_layout_one_row_per_field_with_hidden_key_column_and_validation():
    wb = openpyxl.load_workbook(io.BytesIO(template()))
    assert wb.sheetnames[:1] == ["填报"] and "说明" in wb.sheetnames
    ws = wb["填报"]
    assert [c.value for c in ws[2]] == ["字段代码", "指标名称", "单位", "填报值", "说明/规则"]
    assert ws.column_dimensions["A"].hidden and ws.freeze_panes == "B3" and ws.protection.sheet
    keys = [r[0].value for r in ws.iter_rows(min_row=3) if r[0].value]
    assert keys == [f.key for f in REPORT]
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "decimal", "whole"} <= kinds


def test_text_in_numeric_cell_is_a_cell_error():
    data, refs = edit(template(), {"revenue": "一万", "employees": 3.5})
    parsed = parse_template(data)
    found = {(ref, key) for ref, key, _ in parsed.cell_errors}
    assert found == {(refs["revenue"], "revenue"), (refs["employees"], "employees")}
    assert "请输入数字" in parsed.cell_errors[0][2] or "请输入数字" in parsed.cell_errors[1][2]


def test_formula_cell_is_refused_with_its_reference():
    data, refs = edit(template(), {"revenue": "=SUM(1,2)"})
    parsed = parse_template(data)
    ref = refs["revenue"]
    assert (ref, "revenue", f"单元格 {ref} 含有公式，请填写数值。") in parsed.cell_errors
    assert "revenue" not in parsed.values


def test_unknown_key_is_a_cell_error():
    wb = openpyxl.load_workbook(io.BytesIO(template()))
    ws = wb["填报"]
    ws.cell(ws.max_row + 1, 1, "no_such_field")
    ws.cell(ws.max_row, 4, 5)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse_template(buf.getvalue())
    assert any(key == "no_such_field" and "未知的字段代码" in msg for _, key, msg in parsed.cell_errors)


def test_missing_key_column_is_refused():
    wb = openpyxl.load_workbook(io.BytesIO(template()))
    wb["填报"].delete_cols(1)
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(SpreadsheetError, match="字段代码"):
        parse_template(buf.getvalue())


@pytest.mark.parametrize("data", [
    b"", b"not a spreadsheet", b"%PDF-1.7 something", b"PK\x03\x04broken",
], ids=["empty", "text", "pdf", "bad-zip"])
def test_non_xlsx_is_refused_with_a_clear_message(data):
    with pytest.raises(SpreadsheetError):
        parse_template(data)


def test_truncated_xlsx_is_refused():
    data = template()
    for cut in (len(data) // 2, len(data) - 100):
        with pytest.raises(SpreadsheetError, match="Excel"):
            parse_template(data[:cut])


def test_corrupt_sheet_xml_is_refused():
    src = zipfile.ZipFile(io.BytesIO(template()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            dst.writestr(item, body)
    with pytest.raises(SpreadsheetError):
        parse_template(out.getvalue())


def test_workbook_without_the_sheet_is_refused():
    wb = openpyxl.Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(SpreadsheetError, match="填报"):
        parse_template(buf.getvalue())


def test_file_over_the_size_limit_is_refused_before_parsing():
    data = b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024)
    with pytest.raises(SpreadsheetError, match="超过上限 5 MB"):
        parse_template(data, max_bytes=5 * 1024 * 1024)


def test_size_limit_is_a_parameter():
    with pytest.raises(SpreadsheetError, match="超过上限"):
        parse_template(template(), max_bytes=1000)


# --------------------------------------------------------------------------- bulk


def test_bulk_round_trip():
    rows = [(uscc(i), f"企业{i}") for i in range(3)]
    prefill = {rows[0][0]: PREFILL, rows[2][0]: {"revenue": D(5)}}
    data = build_bulk_template(rows, "2026年第3季度", prefill=prefill)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert ws.cell(2, 1).value == "uscc" and ws.cell(1, 3).value == "工业总产值（现价）（万元）"
    parsed = parse_bulk(data)
    assert parsed.cell_errors == []
    assert [(r, u) for r, u, _ in parsed.rows] == [(3, rows[0][0]), (4, rows[1][0]), (5, rows[2][0])]
    assert {k: v for k, v in parsed.rows[0][2].items() if v is not None} == PREFILL
    assert all(v is None for v in parsed.rows[1][2].values())


def test_bulk_reports_bad_cells_bad_uscc_and_formulas():
    rows = [(uscc(1), "甲"), (uscc(2), "乙")]
    wb = openpyxl.load_workbook(io.BytesIO(build_bulk_template(rows, "2026年第3季度")))
    ws = wb.worksheets[0]
    col = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    ws.cell(3, col["revenue"], "abc")
    ws.cell(4, col["employees"], "=1+1")
    ws.cell(5, 1, "123")
    ws.cell(5, col["revenue"], 5)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse_bulk(buf.getvalue())
    got = {(ref, field) for ref, _, field, _ in parsed.cell_errors}
    rev = openpyxl.utils.get_column_letter(col["revenue"])
    emp = openpyxl.utils.get_column_letter(col["employees"])
    assert got == {(f"{rev}3", "revenue"), (f"{emp}4", "employees"), ("A5", "uscc")}
    assert len(parsed.rows) == 2


def test_bulk_without_key_row_is_refused():
    wb = openpyxl.Workbook()
    wb.active.append(["统一社会信用代码", "营业收入"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(SpreadsheetError, match="字段代码"):
        parse_bulk(buf.getvalue())


def test_bulk_size_limit():
    with pytest.raises(SpreadsheetError, match="超过上限"):
        parse_bulk(b"PK\x03\x04" + b"\0" * 2048, max_bytes=1024)


# --------------------------------------------------------------------------- diff and export


def test_diff_values_lists_changed_fields_in_dictionary_order():
    old = {"revenue": D("100.0"), "employees": 5, "design_tools": ["cae", "cad2d"], "cloud_level": None}
    new = {"revenue": 100, "employees": 6, "design_tools": ["cad2d", "cae"], "cloud_level": "", "gross_output_value": D(1)}
    assert diff_values(old, new) == [("gross_output_value", None, D(1)), ("employees", 5, 6)]


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86 123", "'+86 123"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("正常文本", "正常文本"), ("", ""), (-5, -5), (None, None),
])
def test_to_csv_safe_escapes_formula_starts(value, expected):
    assert to_csv_safe(value) == expected


def test_export_csv_has_chinese_headers_and_escapes_injection():
    rows = [{"name": "=HYPERLINK(\"x\")", "revenue": D("12.5"), "cluster": "health", "founded_on": date(2020, 1, 2)}]
    data = export_rows(rows, ["name", "revenue", ("cluster", "集群"), "founded_on"], fmt="csv")
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == ["企业名称", "营业收入（万元）", "集群", "成立日期"]
    assert table[1] == ["'=HYPERLINK(\"x\")", "12.5", "大健康", "2020-01-02"]


def test_export_xlsx_stores_escaped_text_not_formulas():
    data = export_rows([{"name": "=1+1", "revenue": D(3)}], ["name", "revenue"])
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["A1"].value == "企业名称" and ws["A2"].value == "'=1+1" and ws["A2"].data_type == "s"
    assert ws["B2"].value == 3
