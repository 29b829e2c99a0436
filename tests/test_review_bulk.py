"""Reviewers' bulk import: template, preview, apply (drafts and returned only), undo (exact restore)."""
from __future__ import annotations

import io

import factories
import pytest
from openpyxl import Workbook, load_workbook

from portal.extensions import db
from portal.models import AuditEvent, BulkImport, Report, ReportStatus
from portal.reporting.spreadsheet import build_bulk_template
from portal.review import services


def _workbook(rows: list[dict], keys=("revenue", "employees", "certifications", "industrial_internet")) -> bytes:
    """A bulk workbook as a reviewer would fill it: row 1 labels, row 2 keys, data from row 3."""
    wb = Workbook()
    ws = wb.active
    ws.title = "批量填报"
    ws.append(["统一社会信用代码", "企业名称", *keys])
    ws.append(["uscc", "name", *keys])
    for row in rows:
        ws.append([row.get("uscc"), row.get("name"), *(row.get(k) for k in keys)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def setup(app, client, auth):
    period = factories.period(2026, 3)
    draft_e = factories.enterprise(name="草稿企业")
    returned_e = factories.enterprise(name="退回企业")
    submitted_e = factories.enterprise(name="已提交企业")
    approved_e = factories.enterprise(name="已通过企业")
    new_e = factories.enterprise(name="新企业")
    draft = factories.report(draft_e, period, status="draft", revenue=100.0, employees=10,
                             certifications=["iso9001"], total_assets=5000.0)
    returned = factories.report(returned_e, period, status="returned", revenue=200.0, employees=None)
    submitted = factories.report(submitted_e, period, status="submitted", revenue=300.0)
    approved = factories.report(approved_e, period, status="approved", revenue=400.0)
    reviewer = factories.user("reviewer")
    db.session.commit()
    auth.login_as(reviewer)
    return {"period": period, "draft": draft, "returned": returned, "submitted": submitted, "approved": approved,
            "new_e": new_e, "draft_e": draft_e, "returned_e": returned_e, "submitted_e": submitted_e,
            "approved_e": approved_e, "reviewer": reviewer}


def _upload(client, period, data: bytes, name="bulk.xlsx"):
    return client.post(f"/review/bulk/{period.id}", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _standard_rows(s):
    return [
        {"uscc": s["draft_e"].uscc, "revenue": 150, "employees": None},           # blank cell keeps 10
        {"uscc": s["returned_e"].uscc, "revenue": 250.5, "employees": 20},
        {"uscc": s["submitted_e"].uscc, "revenue": 999},
        {"uscc": s["approved_e"].uscc, "revenue": 999},
        {"uscc": s["new_e"].uscc, "revenue": 50, "employees": 5, "certifications": "ISO9001、ISO14001",
         "industrial_internet": "是"},
        {"uscc": factories.make_uscc(999_001), "revenue": 1},                      # unknown enterprise
    ]


def test_template_lists_every_active_enterprise_prefilled(client, setup):
    factories.enterprise(name="停用企业", active=False)
    db.session.commit()
    response = client.get(f"/review/bulk/{setup['period'].id}/template.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == ("uscc", "name")
    names = {r[1] for r in rows[2:]}
    assert names == {"草稿企业", "退回企业", "已提交企业", "已通过企业", "新企业"}
    revenue_col = rows[1].index("revenue")
    assert {r[1]: r[revenue_col] for r in rows[2:]}["草稿企业"] == 100
    assert db.session.query(AuditEvent).filter_by(action="review.bulk_template").count() == 1


def test_preview_writes_nothing_and_shows_the_plan(client, setup):
    response = _upload(client, setup["period"], _workbook(_standard_rows(setup)))
    assert response.status_code == 302
    bulk = db.session.query(BulkImport).one()
    assert bulk.state == "preview" and len(bulk.rows) == 6
    db.session.expire_all()
    assert db.session.get(Report, setup["draft"].id).revenue == 100.0
    assert db.session.query(Report).count() == 4
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("新建草稿", "更新", "跳过", "未找到企业", "营业收入（万元）", "执行导入（新建 1 份，更新 2 份）"):
        assert text in page
    plan = services.bulk_plan(bulk)
    actions = {row.uscc: row.action for row in plan.rows}
    assert actions[setup["submitted_e"].uscc] == "skipped" and actions[setup["approved_e"].uscc] == "skipped"
    assert actions[setup["draft_e"].uscc] == "update" and actions[setup["new_e"].uscc] == "create"


def test_apply_then_undo_restores_exact_previous_values(client, setup):
    before_draft = db.session.get(Report, setup["draft"].id).values()
    before_returned = db.session.get(Report, setup["returned"].id).values()
    _upload(client, setup["period"], _workbook(_standard_rows(setup)))
    bulk = db.session.query(BulkImport).one()
    assert client.post(f"/review/bulk/imports/{bulk.id}/apply").status_code == 302
    db.session.expire_all()
    draft = db.session.get(Report, setup["draft"].id)
    returned = db.session.get(Report, setup["returned"].id)
    assert draft.revenue == 150.0 and draft.employees == 10 and draft.status == ReportStatus.DRAFT
    assert returned.revenue == 250.5 and returned.employees == 20 and returned.status == ReportStatus.RETURNED
    assert db.session.get(Report, setup["submitted"].id).revenue == 300.0
    assert db.session.get(Report, setup["approved"].id).revenue == 400.0
    created = db.session.query(Report).filter_by(enterprise_id=setup["new_e"].id).one()
    assert created.status == ReportStatus.DRAFT and created.revenue == 50.0
    assert created.certifications == ["iso9001", "iso14001"] and created.industrial_internet is True
    bulk = db.session.get(BulkImport, bulk.id)
    assert bulk.state == "applied" and bulk.n_created == 1 and bulk.n_updated == 2
    events = db.session.query(AuditEvent).filter_by(action="report.bulk_import").all()
    assert len(events) == 3
    draft_event = next(e for e in events if e.object_id == draft.id)
    assert draft_event.before == {"revenue": 100.0} and draft_event.after == {"revenue": 150.0}
    assert client.post(f"/review/bulk/imports/{bulk.id}/apply").status_code == 302   # a second apply is refused
    assert db.session.query(AuditEvent).filter_by(action="report.bulk_import").count() == 3

    assert client.post(f"/review/bulk/imports/{bulk.id}/undo").status_code == 302
    db.session.expire_all()
    assert db.session.get(Report, setup["draft"].id).values() == before_draft
    assert db.session.get(Report, setup["returned"].id).values() == before_returned
    assert db.session.query(Report).filter_by(enterprise_id=setup["new_e"].id).count() == 0
    assert db.session.get(BulkImport, bulk.id).state == "undone"
    assert db.session.query(AuditEvent).filter_by(action="report.bulk_undo").count() == 3
    assert client.post(f"/review/bulk/imports/{bulk.id}/undo").status_code == 302      # nothing left to undo
    assert db.session.get(Report, setup["draft"].id).values() == before_draft


def test_undo_is_refused_when_a_report_changed_since(client, setup):
    _upload(client, setup["period"], _workbook(_standard_rows(setup)))
    bulk = db.session.query(BulkImport).one()
    client.post(f"/review/bulk/imports/{bulk.id}/apply")
    db.session.expire_all()
    draft = db.session.get(Report, setup["draft"].id)
    draft.revenue = 175.0                     # the enterprise saved again after the import
    db.session.commit()
    response = client.post(f"/review/bulk/imports/{bulk.id}/undo", follow_redirects=True)
    assert "草稿企业" in response.get_data(as_text=True) and "不能撤销" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Report, setup["draft"].id).revenue == 175.0
    assert db.session.get(Report, setup["returned"].id).revenue == 250.5
    assert db.session.get(BulkImport, bulk.id).state == "applied"


def test_a_report_submitted_between_preview_and_apply_is_skipped(client, setup):
    _upload(client, setup["period"], _workbook(_standard_rows(setup)))
    bulk = db.session.query(BulkImport).one()
    report = db.session.get(Report, setup["draft"].id)
    report.status = ReportStatus.SUBMITTED
    db.session.commit()
    client.post(f"/review/bulk/imports/{bulk.id}/apply")
    db.session.expire_all()
    assert db.session.get(Report, setup["draft"].id).revenue == 100.0
    assert db.session.get(BulkImport, bulk.id).n_updated == 1


def test_rows_with_cell_or_rule_errors_are_not_imported(client, setup):
    rows = [{"uscc": setup["draft_e"].uscc, "revenue": "很多", "employees": 12},
            {"uscc": setup["returned_e"].uscc, "revenue": -5},
            {"uscc": setup["new_e"].uscc, "revenue": "=1+1"},
            {"uscc": "NOT-A-USCC", "revenue": 1}]
    _upload(client, setup["period"], _workbook(rows))
    bulk = db.session.query(BulkImport).one()
    plan = services.bulk_plan(bulk)
    assert [row.action for row in plan.rows] == ["error", "error", "error"]
    assert plan.sheet_errors           # the malformed USCC
    page = client.get(f"/review/bulk/imports/{bulk.id}").get_data(as_text=True)
    assert "C3" in page and "公式" in page
    client.post(f"/review/bulk/imports/{bulk.id}/apply")
    db.session.expire_all()
    assert db.session.get(Report, setup["draft"].id).employees == 10
    assert db.session.get(Report, setup["returned"].id).revenue == 200.0
    assert db.session.query(Report).filter_by(enterprise_id=setup["new_e"].id).count() == 0


@pytest.mark.parametrize("data, name", [(b"", "empty.xlsx"), (b"not a zip at all", "x.xlsx"),
                                        (b"PK\x03\x04garbage", "x.xlsx")])
def test_unreadable_uploads_get_a_chinese_message(client, setup, data, name):
    response = _upload(client, setup["period"], data, name)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "文件" in page and db.session.query(BulkImport).count() == 0


def test_an_upload_without_a_file_is_explained(client, setup):
    response = client.post(f"/review/bulk/{setup['period'].id}", data={}, content_type="multipart/form-data")
    assert response.status_code == 200 and "请选择要上传的" in response.get_data(as_text=True)


def test_the_official_template_round_trips(client, setup):
    data = build_bulk_template([(setup["new_e"].uscc, "新企业")], setup["period"].label,
                               prefill={setup["new_e"].uscc: {"revenue": 77, "employees": 7}})
    _upload(client, setup["period"], data)
    bulk = db.session.query(BulkImport).one()
    client.post(f"/review/bulk/imports/{bulk.id}/apply")
    created = db.session.query(Report).filter_by(enterprise_id=setup["new_e"].id).one()
    assert created.revenue == 77.0 and created.employees == 7


def test_locked_period_imports_nothing(client, setup):
    setup["period"].locked = True
    db.session.commit()
    _upload(client, setup["period"], _workbook(_standard_rows(setup)))
    bulk = db.session.query(BulkImport).one()
    plan = services.bulk_plan(bulk)
    assert plan.count("create") == 0 and plan.count("update") == 0
