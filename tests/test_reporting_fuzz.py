"""Hostile and random input never causes a 500 and never loses what was already saved."""
from __future__ import annotations

import io
from datetime import timedelta

import factories
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.extensions import db
from portal.fields import registry
from portal.forms.reporting import SUB_PREFIX, map_keys
from portal.models import Report, ReportStatus, SpreadsheetUpload
from portal.reporting import services
from portal.reporting.spreadsheet import diff_values
from portal.reporting.validation import parse_form

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

junk = st.text(max_size=40)
numbers = st.one_of(
    st.integers(-10**15, 10**15).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=4).map(str),
    st.floats().map(repr),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.integers(0, 99999).map(lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    junk,
)


def _value_strategy(spec):
    if spec.type in ("decimal", "int"):
        return numbers
    if spec.type == "enum":
        return st.one_of(st.sampled_from(("",) + spec.values), junk)
    if spec.type == "bool":
        return st.sampled_from(("", "1", "0", "是", "否", "maybe", "2"))
    if spec.type == "multi":
        return st.lists(st.one_of(st.sampled_from(spec.values), junk), max_size=4)
    return st.text(max_size=600)


def _form_strategy():
    parts = {}
    for spec in registry().report_fields:
        if spec.type == "map":
            options = (("",) + spec.values + ("bogus",)) if spec.values else ("", "0", "3", "5", "9", "x", "-1")
            for key, _ in map_keys(spec):
                parts[f"{spec.key}-{SUB_PREFIX}{key}"] = st.sampled_from(options)
        else:
            parts[spec.key] = _value_strategy(spec)
    return st.fixed_dictionaries({}, optional=parts)


def _raw_for_parse(form: dict) -> dict:
    """The same input as parse_form sees it through the form (map sub-inputs regrouped)."""
    raw = {}
    for spec in registry().report_fields:
        if spec.type == "map":
            raw[spec.key] = {key: form.get(f"{spec.key}-{SUB_PREFIX}{key}", "") for key, _ in map_keys(spec)}
        else:
            raw[spec.key] = form.get(spec.key, [] if spec.type == "multi" else "")
    return raw


@pytest.fixture
def draft(app, auth):
    today = services.local_today()
    user = factories.user("enterprise")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=3), due_on=today + timedelta(days=20))
    report = factories.report(user.enterprise, period, revenue=1000.0, employees=50, systems={"erp": "full"},
                              design_tools=["cad3d"], rd_institution_level="district")
    db.session.commit()
    auth.login_as(user)
    return report


def _current(report_id: int) -> Report:
    db.session.expire_all()
    return db.session.get(Report, report_id)


def _check_nothing_lost(before: dict, after: dict, form: dict) -> None:
    parsed, errors = parse_form(_raw_for_parse(form))
    for key, old in before.items():
        if key in errors:
            assert not diff_values({key: old}, {key: after[key]}), (key, old, after[key])
        else:
            assert not diff_values({key: services.to_columns({key: parsed[key]})[key]}, {key: after[key]}), key


@FUZZ
@given(form=_form_strategy())
def test_random_values_posted_to_save_never_500_and_lose_nothing(draft, client, form):
    report = _current(draft.id)
    before = report.values()
    response = client.post(f"/reports/{draft.id}/edit", data=dict(form, version=str(report.version)))
    assert response.status_code in (200, 302), response.status_code
    after = _current(draft.id)
    _check_nothing_lost(before, after.values(), form)
    if response.status_code == 200:
        assert "无法识别" in response.get_data(as_text=True)


@FUZZ
@given(form=_form_strategy())
def test_random_values_posted_to_submit_never_500(draft, client, form):
    report = _current(draft.id)
    if report.status != ReportStatus.DRAFT:
        report.status = ReportStatus.DRAFT      # reset between examples (set directly for the fuzz only)
        db.session.commit()
        report = _current(draft.id)
    before = report.values()
    response = client.post(f"/reports/{draft.id}/submit", data=dict(form, version=str(report.version)))
    assert response.status_code in (302, 422), response.status_code
    after = _current(draft.id)
    _check_nothing_lost(before, after.values(), form)
    if response.status_code == 422:
        assert after.status == ReportStatus.DRAFT
        assert "报表未提交" in response.get_data(as_text=True)


@FUZZ
@given(form=_form_strategy())
def test_random_values_posted_to_preview_always_answer_json(draft, client, form):
    response = client.post(f"/reports/{draft.id}/preview", data=form)
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert {"figures", "messages", "errors", "warnings"} <= set(body)


def _template(client, report) -> bytes:
    return client.get(f"/reports/{report.id}/template.xlsx").data


def _set_cells(data: bytes, values: dict) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for row in wb["填报"].iter_rows(min_row=3):
        if row[0].value in values:
            row[3].value = values[row[0].value]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, report, data: bytes):
    return client.post(f"/reports/{report.id}/spreadsheet", data={"file": (io.BytesIO(data), "x.xlsx")},
                       content_type="multipart/form-data", follow_redirects=True)


def test_truncated_xlsx_gets_a_clear_message(draft, client):
    data = _template(client, draft)
    before = _current(draft.id).values()
    for cut in (10, len(data) // 2, len(data) - 20):
        response = _upload(client, draft, data[:cut])
        assert response.status_code == 200
        assert "不是有效的 Excel" in response.get_data(as_text=True) or "无法读取" in response.get_data(as_text=True)
    assert _current(draft.id).values() == before
    assert db.session.scalar(select(SpreadsheetUpload)) is None


def test_xlsx_with_formulas_names_the_cell_and_keeps_the_saved_value(draft, client):
    data = _set_cells(_template(client, draft), {"revenue": "=SUM(1,2)", "employees": "=D3"})
    page = _upload(client, draft, data).get_data(as_text=True)
    assert "含有公式，请填写数值" in page
    upload = db.session.scalar(select(SpreadsheetUpload))
    client.post(f"/reports/{draft.id}/spreadsheet/{upload.id}/apply")
    after = _current(draft.id)
    assert after.revenue == 1000.0 and after.employees == 50


def test_text_in_numeric_cells_gets_a_message_per_cell(draft, client):
    data = _set_cells(_template(client, draft), {"revenue": "一千", "employees": "很多", "taxes_paid": "12 万"})
    page = _upload(client, draft, data).get_data(as_text=True)
    assert page.count("请输入数字") >= 2 and "请输入整数" in page
    upload = db.session.scalar(select(SpreadsheetUpload))
    client.post(f"/reports/{draft.id}/spreadsheet/{upload.id}/apply")
    after = _current(draft.id)
    assert after.revenue == 1000.0 and after.employees == 50 and after.taxes_paid is None


def _file(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="application/pdf")


def _post_multipart(client, url: str, fields: dict):
    """POST a multipart body built in memory (the test client would spool 50 MB to an unclosed temp file)."""
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("url", ["/reports/{id}/spreadsheet", "/reports/{id}/attachments", "/reports/{id}/edit"])
def test_fifty_megabyte_upload_gets_a_chinese_413_page_and_changes_nothing(draft, client, url):
    big = b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024)
    before = _current(draft.id).values()
    response = _post_multipart(client, url.format(id=draft.id), {"file": _file(big, "大.pdf"), "revenue": "1"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "上传的内容过大" in page and "已保存的数据没有任何改动" in page
    assert _current(draft.id).values() == before


def test_fifty_megabyte_upload_with_csrf_on_is_also_a_413_page(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        today = services.local_today()
        user = factories.user("enterprise")
        period = factories.period(2026, 3, opens_on=today - timedelta(days=3), due_on=today + timedelta(days=20))
        report = factories.report(user.enterprise, period)
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
        big = b"0" * (50 * 1024 * 1024)
        response = _post_multipart(client, f"/reports/{report.id}/attachments", {"file": _file(big, "a.pdf")})
        assert response.status_code == 413
        assert "上传的内容过大" in response.get_data(as_text=True)
        db.session.remove()
