"""Spreadsheet intake for the enterprise: template download, upload preview, apply, undo."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import factories
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Report, SpreadsheetUpload
from portal.reporting import services


@pytest.fixture
def draft(app, auth):
    today = services.local_today()
    user = factories.user("enterprise")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=3), due_on=today + timedelta(days=20))
    report = factories.report(user.enterprise, period, revenue=900.0, employees=40, systems={"erp": "full"},
                              design_tools=["cad2d"], industrial_internet=True)
    report.explanations = {"x": "已说明的原因"}
    db.session.commit()
    auth.login_as(user)
    return user, report


def _reload(report_id):
    db.session.expire_all()
    return db.session.get(Report, report_id)


def fill(template: bytes, values: dict) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb["填报"]
    for row in ws.iter_rows(min_row=3):
        key = row[0].value
        if key in values:
            row[3].value = values[key]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, report, data: bytes, name: str = "填报.xlsx"):
    return client.post(f"/reports/{report.id}/spreadsheet", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _upload_id(response) -> int:
    return int(re.search(r"/spreadsheet/(\d+)$", response.headers["Location"]).group(1))


def test_round_trip_download_fill_upload_preview_apply_undo_restores_draft_exactly(draft, client):
    _, report = draft
    before = _reload(report.id).values()
    response = client.get(f"/reports/{report.id}/template.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    template = response.data
    ws = load_workbook(io.BytesIO(template))["填报"]
    prefilled = {row[0].value: row[3].value for row in ws.iter_rows(min_row=3) if row[0].value}
    assert prefilled["revenue"] == 900 and prefilled["employees"] == 40     # the current draft is pre-filled

    filled = fill(template, {"revenue": 1234.5, "employees": 41, "gross_output_value": "２,０００",
                             "systems": "ERP：全面覆盖；MES：部分覆盖", "industrial_internet": "否"})
    response = upload(client, report, filled)
    assert response.status_code == 302
    upload_id = _upload_id(response)
    assert _reload(report.id).values() == before                   # nothing applied before the preview

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "将要修改的指标（5 项）" in page
    for text in ("营业收入", "1234.5", "从业人员期末人数", "工业总产值（现价）", "2000", "信息系统应用"):
        assert text in page, text

    assert client.post(f"/reports/{report.id}/spreadsheet/{upload_id}/apply").status_code == 302
    applied = _reload(report.id)
    assert applied.revenue == 1234.5 and applied.employees == 41 and applied.gross_output_value == 2000.0
    assert applied.systems == {"erp": "full", "mes": "partial"} and applied.industrial_internet is False
    row = db.session.get(SpreadsheetUpload, upload_id)
    assert row.state == "applied" and row.values_before["revenue"] == 900.0
    save = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.save")).all()[-1]
    assert set(save.after) == {"revenue", "employees", "gross_output_value", "systems", "industrial_internet"}

    assert client.post(f"/reports/{report.id}/spreadsheet/{upload_id}/undo").status_code == 302
    restored = _reload(report.id)
    assert restored.values() == before
    assert restored.explanations == {"x": "已说明的原因"}
    assert db.session.get(SpreadsheetUpload, upload_id).state == "undone"
    # applied twice or undone twice: refused, nothing changes
    client.post(f"/reports/{report.id}/spreadsheet/{upload_id}/apply")
    client.post(f"/reports/{report.id}/spreadsheet/{upload_id}/undo")
    assert _reload(report.id).values() == before


def test_undo_refused_when_draft_changed_since_apply(draft, client):
    _, report = draft
    filled = fill(client.get(f"/reports/{report.id}/template.xlsx").data, {"revenue": 1000})
    upload_id = _upload_id(upload(client, report, filled))
    client.post(f"/reports/{report.id}/spreadsheet/{upload_id}/apply")
    changed = _reload(report.id)
    client.post(f"/reports/{report.id}/edit", data={"revenue": "1000", "employees": "77",
                                                    "version": str(changed.version)})
    response = client.post(f"/reports/{report.id}/spreadsheet/{upload_id}/undo", follow_redirects=True)
    assert "导入之后草稿又被修改过" in response.get_data(as_text=True)
    after = _reload(report.id)
    assert after.employees == 77 and after.revenue == 1000.0


def test_cell_errors_are_listed_by_cell_and_not_applied(draft, client):
    _, report = draft
    template = client.get(f"/reports/{report.id}/template.xlsx").data
    filled = fill(template, {"revenue": "一千万", "employees": "=A1*2", "taxes_paid": 30})
    response = upload(client, report, filled)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"<code>D\d+</code>", page)
    assert "请输入数字" in page and "含有公式" in page
    client.post(f"/reports/{report.id}/spreadsheet/{_upload_id(response)}/apply")
    after = _reload(report.id)
    assert after.revenue == 900.0 and after.employees == 40 and after.taxes_paid == 30.0


@pytest.mark.parametrize("payload, message", [
    (b"not a spreadsheet at all", "不是有效的 Excel"),
    (b"", "文件为空"),
    (b"PK\x03\x04" + b"\x00" * 50, "不是有效的 Excel"),
])
def test_malformed_files_get_the_spreadsheet_message_and_change_nothing(draft, client, payload, message):
    _, report = draft
    before = _reload(report.id).values()
    response = upload(client, report, payload, "坏文件.xlsx")
    assert response.status_code == 302
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _reload(report.id).values() == before
    assert db.session.scalar(select(SpreadsheetUpload)) is None


def test_template_of_another_enterprise_is_refused(draft, client):
    _, report = draft
    other = factories.enterprise()
    db.session.commit()
    from portal.reporting.spreadsheet import build_template
    foreign = build_template(enterprise_name=other.name, uscc=other.uscc, period_label=report.period.label_zh,
                             prefill={"revenue": 1})
    response = upload(client, report, foreign)
    assert "不是本企业的" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _reload(report.id).revenue == 900.0


def test_upload_not_allowed_on_submitted_report(draft, client):
    _, report = draft
    template = client.get(f"/reports/{report.id}/template.xlsx").data
    report = _reload(report.id)
    report.status = "submitted"     # set directly: the workflow is exercised in the route tests
    db.session.commit()
    response = upload(client, report, fill(template, {"revenue": 5}))
    assert "正在审核中" in client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert _reload(report.id).revenue == 900.0
