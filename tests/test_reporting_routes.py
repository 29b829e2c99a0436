"""The enterprise's reporting pages: scoping, drafts, validation, submission, periods, audit."""
from __future__ import annotations

from datetime import timedelta

import factories
import pytest
from factories import complete_form
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Report, ReportStatus, Scorecard
from portal.reporting import services


def post_form(client, url, report, data):
    payload = dict(data)
    payload["version"] = str(report.version)
    return client.post(url, data=payload)


@pytest.fixture
def setup(app, auth):
    today = services.local_today()
    enterprise_user = factories.user("enterprise")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=10), due_on=today + timedelta(days=10))
    report = factories.report(enterprise_user.enterprise, period)
    db.session.commit()
    auth.login_as(enterprise_user)
    return enterprise_user, period, report


def _reload(report_id):
    db.session.expire_all()
    return db.session.get(Report, report_id)


# --------------------------------------------------------------------------- scoping


def test_enterprise_b_gets_404_on_enterprise_a_urls_get_and_post(app, client, auth, tmp_path):
    today = services.local_today()
    user_a = factories.user("enterprise")
    user_b = factories.user("enterprise")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=1), due_on=today + timedelta(days=10))
    report_a = factories.report(user_a.enterprise, period, revenue=100.0)
    db.session.commit()
    auth.login_as(user_a)
    pdf = b"%PDF-1.4\n" + b"x" * 100
    import io
    client.post(f"/reports/{report_a.id}/attachments", data={"file": (io.BytesIO(pdf), "a.pdf"), "target": ""},
                content_type="multipart/form-data")
    template = client.get(f"/reports/{report_a.id}/template.xlsx").data
    client.post(f"/reports/{report_a.id}/spreadsheet", data={"file": (io.BytesIO(template), "t.xlsx")},
                content_type="multipart/form-data")
    from portal.models import Attachment, SpreadsheetUpload
    attachment = db.session.scalar(select(Attachment))
    upload = db.session.scalar(select(SpreadsheetUpload))
    assert attachment is not None and upload is not None

    auth.login_as(user_b)
    r = report_a.id
    gets = [f"/reports/{r}", f"/reports/{r}/edit", f"/reports/{r}/template.xlsx",
            f"/reports/{r}/spreadsheet/{upload.id}", f"/reports/attachments/{attachment.id}"]
    posts = [f"/reports/{r}/edit", f"/reports/{r}/submit", f"/reports/{r}/preview", f"/reports/{r}/amendment",
             f"/reports/{r}/spreadsheet", f"/reports/{r}/spreadsheet/{upload.id}/apply",
             f"/reports/{r}/spreadsheet/{upload.id}/undo", f"/reports/{r}/attachments",
             f"/reports/attachments/{attachment.id}/delete"]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, data={"revenue": "1", "version": "1", "reason": "想改一下数据"}).status_code == 404, url
    assert _reload(report_a.id).revenue == 100.0
    assert db.session.get(Attachment, attachment.id) is not None


def test_reviewer_can_view_but_not_edit(setup, client, auth):
    _, _, report = setup
    reviewer = factories.user("reviewer")
    db.session.commit()
    auth.login_as(reviewer)
    assert client.get(f"/reports/{report.id}").status_code == 200
    assert client.post(f"/reports/{report.id}/edit", data={"revenue": "5"}).status_code == 403


# --------------------------------------------------------------------------- drafts


def test_save_partial_draft_keeps_values(setup, client):
    _, _, report = setup
    response = post_form(client, f"/reports/{report.id}/edit", report, {"revenue": "１２,３４５.６", "employees": "88"})
    assert response.status_code == 302
    saved = _reload(report.id)
    assert saved.revenue == 12345.6 and saved.employees == 88
    assert saved.gross_output_value is None and saved.status == ReportStatus.DRAFT
    page = client.get(f"/reports/{report.id}/edit").get_data(as_text=True)
    assert 'value="12345.6"' in page and 'value="88"' in page


def test_unparseable_value_keeps_previous_saved_value_and_shows_message(setup, client):
    _, _, report = setup
    post_form(client, f"/reports/{report.id}/edit", report, {"revenue": "500", "employees": "10"})
    saved = _reload(report.id)
    response = post_form(client, f"/reports/{report.id}/edit", saved, {"revenue": "五百万", "employees": "12"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请输入数字" in page and 'value="五百万"' in page
    again = _reload(report.id)
    assert again.revenue == 500.0 and again.employees == 12


def test_submit_blocked_by_an_error_naming_the_field(setup, client):
    _, _, report = setup
    response = post_form(client, f"/reports/{report.id}/submit", report,
                         complete_form(main_business_revenue="9500"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "报表未提交" in page and "主营业务收入" in page and "不能大于" in page
    saved = _reload(report.id)
    assert saved.status == ReportStatus.DRAFT and saved.main_business_revenue == 9500.0


def test_submit_blocked_by_missing_required_fields(setup, client):
    _, _, report = setup
    data = complete_form()
    del data["revenue"]
    response = post_form(client, f"/reports/{report.id}/submit", report, data)
    assert response.status_code == 422
    assert "请填写营业收入" in response.get_data(as_text=True)
    assert _reload(report.id).status == ReportStatus.DRAFT


def test_warnings_need_explanations_refused_without_accepted_with_and_stored(setup, client):
    _, _, report = setup
    low_value_added = complete_form(value_added="500")    # 5% of output: outside 10%-60%
    response = post_form(client, f"/reports/{report.id}/submit", report, low_value_added)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请说明" in page
    assert 'name="explain-value_added.ratio_range"' in page
    saved = _reload(report.id)
    assert saved.status == ReportStatus.DRAFT

    too_short = dict(low_value_added, **{"explain-value_added.ratio_range": "外协"})
    assert post_form(client, f"/reports/{report.id}/submit", saved, too_short).status_code == 422
    saved = _reload(report.id)
    explained = dict(low_value_added, **{"explain-value_added.ratio_range": "本季度主要为来料加工，外购件占比高。"})
    response = post_form(client, f"/reports/{report.id}/submit", saved, explained)
    assert response.status_code == 302
    done = _reload(report.id)
    assert done.status == ReportStatus.SUBMITTED
    assert done.explanations == {"value_added.ratio_range": "本季度主要为来料加工，外购件占比高。"}
    assert db.session.scalars(select(Scorecard).where(Scorecard.report_id == report.id)).all()
    assert "本季度主要为来料加工" in client.get(f"/reports/{report.id}").get_data(as_text=True)


def test_resubmit_after_return_shows_comment(setup, client, auth):
    user, _, report = setup
    assert post_form(client, f"/reports/{report.id}/submit", report, complete_form()).status_code == 302
    from portal.review import workflow
    reviewer = factories.user("reviewer")
    saved = _reload(report.id)
    workflow.return_report(saved, "研发费用口径有误，请按财务报表重填。", actor=reviewer)
    db.session.commit()
    page = client.get(f"/reports/{report.id}/edit").get_data(as_text=True)
    assert "审核退回意见" in page and "研发费用口径有误" in page
    saved = _reload(report.id)
    response = post_form(client, f"/reports/{report.id}/submit", saved, complete_form(rd_expenditure="380"))
    assert response.status_code == 302
    again = _reload(report.id)
    assert again.status == ReportStatus.SUBMITTED and again.rd_expenditure == 380.0 and again.review_comment is None


def test_stale_version_on_submit_keeps_input_and_says_modified_elsewhere(setup, client):
    _, _, report = setup
    data = complete_form(revenue="9100")
    data["version"] = str(report.version + 5)
    response = client.post(f"/reports/{report.id}/submit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "该报表已在其他窗口被修改" in page and 'value="9100"' in page
    assert _reload(report.id).status == ReportStatus.DRAFT


def test_approved_report_is_read_only(setup, client):
    user, period, _ = setup
    other_period = factories.period(2026, 2)
    approved = factories.report(user.enterprise, other_period, status="approved", revenue=700.0)
    db.session.commit()
    response = client.post(f"/reports/{approved.id}/edit", data={"revenue": "1", "version": str(approved.version)})
    assert response.status_code == 302
    assert "已审核通过，不能修改" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _reload(approved.id).revenue == 700.0
    assert client.get(f"/reports/{approved.id}/edit").status_code == 302


def test_request_amendment_of_approved_report(setup, client):
    user, _, _ = setup
    approved = factories.report(user.enterprise, factories.period(2026, 1), status="approved")
    db.session.commit()
    client.post(f"/reports/{approved.id}/amendment", data={"reason": "短"})
    assert _reload(approved.id).amendment_reason is None
    client.post(f"/reports/{approved.id}/amendment", data={"reason": "研发费用少报了一笔委托研发支出"})
    assert _reload(approved.id).amendment_reason == "研发费用少报了一笔委托研发支出"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.amendment_requested"))


def test_locked_period_blocks_editing_of_revision_1(setup, client):
    _, period, report = setup
    period.locked = True
    db.session.commit()
    response = post_form(client, f"/reports/{report.id}/edit", report, {"revenue": "1"})
    assert response.status_code == 302
    assert _reload(report.id).revenue is None
    assert "已锁定" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert post_form(client, f"/reports/{report.id}/submit", report, complete_form()).status_code == 302
    assert _reload(report.id).status == ReportStatus.DRAFT


def test_locked_period_still_allows_an_amendment_revision(setup, client):
    _, period, report = setup
    period.locked = True
    report.revision = 2
    db.session.commit()
    assert post_form(client, f"/reports/{report.id}/edit", report, {"revenue": "77"}).status_code == 302
    assert _reload(report.id).revenue == 77.0


# --------------------------------------------------------------------------- periods


def test_cannot_start_before_opens_on_or_in_locked_period(app, client, auth):
    today = services.local_today()
    user = factories.user("enterprise")
    future = factories.period(2026, 4, opens_on=today + timedelta(days=5), due_on=today + timedelta(days=20))
    locked = factories.period(2026, 2, opens_on=today - timedelta(days=90), due_on=today - timedelta(days=70),
                              locked=True)
    db.session.commit()
    auth.login_as(user)
    page = client.get("/reports/").get_data(as_text=True)
    assert "尚未开放" in page and "已锁定" in page
    for period in (future, locked):
        response = client.post(f"/reports/periods/{period.id}/start")
        assert response.status_code == 302 and response.headers["Location"].endswith("/reports/")
    assert db.session.scalar(select(Report)) is None


def test_late_submission_is_flagged(app, client, auth):
    today = services.local_today()
    user = factories.user("enterprise")
    period = factories.period(2026, 2, opens_on=today - timedelta(days=60), due_on=today - timedelta(days=3))
    db.session.commit()
    auth.login_as(user)
    assert "逾期" in client.get("/reports/").get_data(as_text=True)    # overdue, not yet started
    client.post(f"/reports/periods/{period.id}/start")
    report = db.session.scalar(select(Report))
    response = post_form(client, f"/reports/{report.id}/submit", report, complete_form())
    assert response.status_code == 302
    submitted = _reload(report.id)
    assert submitted.is_late
    assert "逾期" in client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "status-late" in client.get("/reports/").get_data(as_text=True)


def test_on_time_submission_is_not_flagged(setup, client):
    _, _, report = setup
    post_form(client, f"/reports/{report.id}/submit", report, complete_form())
    assert not _reload(report.id).is_late
    assert "status-late" not in client.get("/reports/").get_data(as_text=True)


def test_stock_fields_prefilled_from_previous_approved_report(app, client, auth):
    today = services.local_today()
    user = factories.user("enterprise")
    q1 = factories.period(2026, 1)
    q2 = factories.period(2026, 2)
    q3 = factories.period(2026, 3, opens_on=today - timedelta(days=1), due_on=today + timedelta(days=20))
    factories.report(user.enterprise, q1, status="approved", employees=150, revenue=5000.0,
                     systems={"erp": "full"}, design_tools=["cad2d"])
    factories.report(user.enterprise, q2, status="submitted", employees=999)   # not approved: ignored
    db.session.commit()
    auth.login_as(user)
    response = client.post(f"/reports/periods/{q3.id}/start")
    assert response.status_code == 302
    draft = db.session.scalar(select(Report).where(Report.period_id == q3.id))
    assert draft.employees == 150 and draft.systems == {"erp": "full"} and draft.design_tools == ["cad2d"]
    assert draft.revenue is None                      # a flow is never carried forward
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="150"' in page


# --------------------------------------------------------------------------- audit


def test_save_writes_audit_row_with_only_changed_fields(setup, client):
    _, _, report = setup
    post_form(client, f"/reports/{report.id}/edit", report, {"revenue": "100", "employees": "10"})
    saved = _reload(report.id)
    post_form(client, f"/reports/{report.id}/edit", saved, {"revenue": "100", "employees": "11",
                                                            "design_tools": ["cad2d"]})
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.save")
                              .order_by(AuditEvent.id)).all()
    assert len(rows) == 2
    assert rows[0].before == {"revenue": None, "employees": None}
    assert rows[0].after == {"revenue": 100.0, "employees": 10}
    assert rows[1].before == {"employees": 10, "design_tools": None}
    assert rows[1].after == {"employees": 11, "design_tools": ["cad2d"]}
    assert rows[1].object_id == report.id and rows[1].enterprise_id == report.enterprise_id


def test_saving_without_changes_writes_no_audit_row(setup, client):
    _, _, report = setup
    post_form(client, f"/reports/{report.id}/edit", report, {})
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.save")) is None


# --------------------------------------------------------------------------- live figures


def test_preview_returns_derived_figures_computed_by_hand(setup, client):
    _, _, report = setup
    data = {"key_processes_total": "20", "key_processes_nc": "15", "rd_expenditure": "45", "revenue": "1500",
            "main_business_revenue": "1200", "equipment_total": "８０", "equipment_digital": "20",
            "equipment_networked": "10", "water_withdrawal_m3": "300", "water_recycled_m3": "700",
            "solid_waste_generated_t": "40", "solid_waste_prior_stock_used_t": "10", "solid_waste_utilised_t": "45",
            "electricity_kwh": "100000", "natural_gas_m3": "0", "employees": "abc"}
    response = client.post(f"/reports/{report.id}/preview", data=data)
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["key_process_nc_rate_pct"]["value"] == pytest.approx(75.0)        # 15 / 20
    assert figures["rd_intensity_pct"]["value"] == pytest.approx(3.0)               # 45 / 1500
    assert figures["main_business_share_pct"]["value"] == pytest.approx(80.0)       # 1200 / 1500
    assert figures["digital_equipment_share_pct"]["value"] == pytest.approx(25.0)   # 20 / 80
    assert figures["networked_equipment_share_pct"]["value"] == pytest.approx(12.5)  # 10 / 80
    assert figures["water_reuse_rate_pct"]["value"] == pytest.approx(70.0)          # 700 / (700 + 300)
    assert figures["solid_waste_utilisation_pct"]["value"] == pytest.approx(90.0)   # 45 / (40 + 10)
    assert figures["quarter_energy_tce"]["value"] == pytest.approx(12.29)           # 100000 kWh x 0.1229 kgce
    assert figures["quarter_energy_tce"]["text"] == "12.29"
    assert figures["debt_ratio_pct"]["value"] is None and figures["debt_ratio_pct"]["text"] == "—"
    assert figures["key_process_nc_rate_pct"]["label"] == "关键工序数控化率"
    assert body["messages"]["employees"][0]["severity"] == "error"
    assert _reload(report.id).revenue is None        # the preview saves nothing


def test_preview_lists_warnings_with_codes(setup, client):
    _, _, report = setup
    body = client.post(f"/reports/{report.id}/preview",
                       data={"gross_output_value": "10000", "value_added": "500"}).get_json()
    assert [w["code"] for w in body["warnings"]] == ["value_added.ratio_range"]
    assert body["messages"]["value_added"][0]["severity"] == "warn"


def test_pages_are_in_chinese(setup, client):
    _, _, report = setup
    assert "季度填报" in client.get("/reports/").get_data(as_text=True)
    page = client.get(f"/reports/{report.id}/edit").get_data(as_text=True)
    for text in ("生产经营", "研发创新", "数字化与智能制造", "能源资源与环境", "万元", "千瓦时", "立方米", "保存草稿",
                 "提交审核", "自动计算指标", 'inputmode="decimal"'):
        assert text in page, text
