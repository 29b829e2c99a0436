"""Certificate pages: scoping, downloads and their headers, issue/batch/revoke, public verification."""
from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote

import factories
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.certificates import services
from portal.extensions import db
from portal.models import AuditEvent, Certificate

NAME = "重庆铜梁龙腾智能装备制造有限公司"


def eligible(enterprise=None, period=None, family="smart", **kw):
    enterprise = enterprise or factories.enterprise()
    period = period or factories.period(2026, 3)
    report = factories.report(enterprise, period, status="approved", revenue=5000.0, rd_expenditure=200.0)
    return factories.scorecard(report, family=family, **kw)


@pytest.fixture
def world(app):
    """Two enterprises with a user and a certificate each, and a reviewer."""
    period = factories.period(2026, 3)
    reviewer = factories.user("reviewer")
    mine = factories.enterprise(name=NAME)
    other = factories.enterprise(name="重庆铜梁其他电子有限公司")
    user = factories.user("enterprise", enterprise_obj=mine)
    cert = services.issue_certificate(eligible(mine, period), actor=reviewer, today=date(2026, 11, 20))
    other_cert = services.issue_certificate(eligible(other, period), actor=reviewer, today=date(2026, 11, 20))
    db.session.commit()
    return {"period": period, "reviewer": reviewer, "user": user, "cert": cert, "other_cert": other_cert,
            "mine": mine, "other": other}


# --- access and scoping ----------------------------------------------------------------------


def test_enterprise_page_lists_only_its_own_certificates(client, auth, world):
    auth.login_as(world["user"])
    page = client.get("/certificates/mine").get_data(as_text=True)
    assert world["cert"].serial in page
    assert world["other_cert"].serial not in page
    assert "下载证书" in page


def test_enterprise_user_cannot_download_another_enterprises_certificate_or_scorecard(client, auth, world):
    auth.login_as(world["user"])
    assert client.get(f"/certificates/{world['other_cert'].serial}/download").status_code == 404
    assert client.get(f"/certificates/reports/{world['other_cert'].report_id}/scorecard.pdf").status_code == 404
    assert client.get(f"/certificates/{world['cert'].serial}/download").status_code == 200
    assert client.get(f"/certificates/reports/{world['cert'].report_id}/scorecard.pdf").status_code == 200


def test_enterprise_user_cannot_reach_reviewer_pages(client, auth, world):
    auth.login_as(world["user"])
    assert client.get("/certificates/").status_code == 403
    assert client.get(f"/certificates/{world['cert'].serial}").status_code == 403
    assert client.post(f"/certificates/{world['cert'].serial}/revoke", data={"reason": "x"}).status_code == 403


def test_anonymous_users_are_sent_to_login_except_for_verification(client, world):
    assert client.get("/certificates/mine").status_code == 302
    assert client.get(f"/certificates/{world['cert'].serial}/download").status_code == 302
    assert client.get(f"/verify/{world['cert'].serial}").status_code == 200


def test_reviewer_cannot_open_the_enterprise_page_but_downloads_any(client, auth, world):
    auth.login_as(world["reviewer"])
    assert client.get("/certificates/mine").status_code == 403
    assert client.get(f"/certificates/{world['other_cert'].serial}/download").status_code == 200


# --- downloads -------------------------------------------------------------------------------


def test_certificate_download_is_an_attachment_with_chinese_name_fallback_and_no_store(client, auth, world):
    auth.login_as(world["user"])
    cert = world["cert"]
    response = client.get(f"/certificates/{cert.serial}/download")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="certificate-{cert.serial}.pdf"' in disposition
    assert "filename*=UTF-8''" + quote(f"{NAME}铜梁区智能工厂证书_{cert.serial}.pdf", safe="") in disposition
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    text = reader.pages[0].extract_text()
    assert NAME in text and cert.serial in text
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.download"))
    assert audit.actor_id == world["user"].id and audit.object_id == cert.id


def test_scorecard_pdf_download_has_the_headers_and_is_audited(client, auth, world):
    auth.login_as(world["reviewer"])
    response = client.get(f"/certificates/reports/{world['cert'].report_id}/scorecard.pdf")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" + quote(f"{NAME}_2026年第3季度_评分报告.pdf", safe="") in disposition
    assert 'filename="scorecard-' in disposition
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 3
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "scorecard.download")) == 1


def test_a_report_without_scorecards_has_no_scorecard_pdf(client, auth, world):
    report = factories.report(world["mine"], factories.period(2026, 2), status="approved")
    db.session.commit()
    auth.login_as(world["user"])
    assert client.get(f"/certificates/reports/{report.id}/scorecard.pdf").status_code == 404


# --- reviewer actions ------------------------------------------------------------------------


def test_reviewer_list_filters_and_shows_pending_scorecards(client, auth, world):
    pending = eligible(period=world["period"], family="green")
    services.revoke_certificate(world["other_cert"], "申报数据不实", actor=world["reviewer"])
    db.session.commit()
    auth.login_as(world["reviewer"])
    page = client.get("/certificates/").get_data(as_text=True)
    assert world["cert"].serial in page and world["other_cert"].serial in page
    assert f"/certificates/scorecards/{pending.id}/issue" in page
    revoked = client.get("/certificates/?status=revoked").get_data(as_text=True)
    assert world["other_cert"].serial in revoked and world["cert"].serial not in revoked
    green = client.get("/certificates/?family=green").get_data(as_text=True)
    assert world["cert"].serial not in green
    nonsense = client.get("/certificates/?status=bogus&period=abc&page=-3")
    assert nonsense.status_code == 200


def test_reviewer_issues_from_a_scorecard(client, auth, world):
    scorecard = eligible(period=world["period"], family="green")
    db.session.commit()
    auth.login_as(world["reviewer"])
    response = client.post(f"/certificates/scorecards/{scorecard.id}/issue")
    assert response.status_code == 302
    cert = db.session.scalar(select(Certificate).where(Certificate.scorecard_id == scorecard.id))
    assert cert.serial == "TL-LSGC-2026-0001"
    again = client.post(f"/certificates/scorecards/{scorecard.id}/issue", follow_redirects=True)
    assert "不能重复签发" in again.get_data(as_text=True)


def test_issuing_from_an_unconfirmed_scorecard_shows_the_reason(client, auth, world):
    scorecard = eligible(period=world["period"], review_state="pending")
    db.session.commit()
    auth.login_as(world["reviewer"])
    page = client.post(f"/certificates/scorecards/{scorecard.id}/issue", follow_redirects=True).get_data(as_text=True)
    assert "尚未经审核确认" in page
    assert client.post("/certificates/scorecards/999999/issue").status_code == 404


def test_batch_issue_shows_issued_and_skipped_with_reasons(client, auth, world):
    period = factories.period(2025, 4)
    eligible(period=period)
    eligible(period=period)
    eligible(period=period, passed=False, grade="未达到认定条件", total=20.0)
    db.session.commit()
    auth.login_as(world["reviewer"])
    response = client.post("/certificates/batch", data={"period": "2025Q4", "family": "smart"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="issued-count">2<' in page and 'id="skipped-count">1<' in page
    assert "未达到认定条件" in page
    bad = client.post("/certificates/batch", data={"period": "1999Q1", "family": "smart"}, follow_redirects=True)
    assert bad.status_code == 200 and "Not a valid choice" not in bad.get_data(as_text=True)


def test_revoking_needs_a_reason_and_then_verifies_as_revoked(client, auth, world):
    auth.login_as(world["reviewer"])
    serial = world["cert"].serial
    response = client.post(f"/certificates/{serial}/revoke", data={"reason": "  "})
    assert response.status_code == 422 and "请填写撤销原因" in response.get_data(as_text=True)
    response = client.post(f"/certificates/{serial}/revoke", data={"reason": "企业发生重大安全生产事故"})
    assert response.status_code == 302
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert "已撤销" in page and "企业发生重大安全生产事故" not in page


# --- public verification ---------------------------------------------------------------------


def test_verify_page_shows_status_name_recognition_and_dates_only(client, world):
    cert = world["cert"]
    page = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "有效" in page and NAME in page and "铜梁区智能工厂" in page
    assert "2026-11-20" in page and "2029-11-19" in page
    assert cert.payload["uscc"] not in page and "82.5" not in page


def test_verify_form_redirects_to_the_serial_page(client, world):
    response = client.get("/verify", query_string={"serial": " " + world["cert"].serial.lower()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{world['cert'].serial}")
    assert "请输入证书编号" in client.get("/verify?serial=").get_data(as_text=True)
    assert "未查到" in client.get("/verify?serial=nonsense").get_data(as_text=True)


@pytest.mark.parametrize("serial, expected", [("TL-ZNGC-2026-9999", "未查到"), ("x" * 300, "未查到")])
def test_unknown_serials_say_so(client, world, serial, expected):
    response = client.get(f"/verify/{serial}")
    assert response.status_code == 200 and expected in response.get_data(as_text=True)


def test_a_tampered_certificate_shows_as_invalid_on_the_page(client, world):
    cert = world["cert"]
    cert.payload = {**cert.payload, "enterprise_name": NAME + "X"}
    db.session.commit()
    page = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "校验失败" in page and NAME not in page


def test_expired_certificate_shows_as_expired(client, world):
    old = services.issue_certificate(eligible(period=factories.period(2022, 4), family="sts"),
                                     actor=world["reviewer"], today=date(2023, 1, 10))
    db.session.commit()
    assert "已过期" in client.get(f"/verify/{old.serial}").get_data(as_text=True)


def test_verification_is_rate_limited_per_ip(make_app, world):
    app = make_app(VERIFY_RATE_LIMIT=3)
    client = app.test_client()
    url = f"/verify/{world['cert'].serial}"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url)
    assert limited.status_code == 429
    assert "核验请求过于频繁" in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) >= 1
    other_ip = client.get(url, environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert other_ip.status_code == 200
    assert client.get("/verify").status_code == 200      # the empty form is not a lookup


def test_sliding_window_forgets_old_hits():
    from portal.certificates.routes import SlidingWindowLimiter

    limiter = SlidingWindowLimiter()
    assert [limiter.hit("ip", 2, 60, now=t) for t in (0, 1)] == [0, 0]
    assert limiter.hit("ip", 2, 60, now=30) == pytest.approx(30)
    assert limiter.hit("ip", 2, 60, now=60.5) == 0
