"""Certificate services: eligibility, recognition, numbering, signing, verification, batch, PDFs."""
from __future__ import annotations

import io
import threading
from datetime import date

import factories
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.admin.services import ServiceError
from portal.certificates import numbering, services, signing
from portal.extensions import db
from portal.models import AuditEvent, Certificate, Scorecard
from portal.web.sqlite import immediate_transactions

TODAY = date(2026, 11, 29)


def eligible(family: str = "smart", *, enterprise=None, period=None, **kw) -> Scorecard:
    enterprise = enterprise or factories.enterprise(name="重庆铜梁龙腾智能装备制造有限公司")
    period = period or factories.period(2026, 3)
    report = factories.report(enterprise, period, status="approved", revenue=12000.0, rd_expenditure=480.0,
                              equipment_total=200, equipment_digital=140)
    return factories.scorecard(report, family=family, **kw)


@pytest.fixture
def reviewer(app):
    return factories.user("reviewer")


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def link_uris(pdf: bytes) -> list[str]:
    uris = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and action.get_object().get("/S") == "/URI":
                uris.append(str(action.get_object()["/URI"]))
    return uris


# --- issuing ---------------------------------------------------------------------------------


def test_confirmed_passing_scorecard_of_approved_report_gets_a_signed_numbered_certificate(app, reviewer):
    scorecard = eligible()
    cert = services.issue_certificate(scorecard, actor=reviewer, today=TODAY)
    assert cert.serial == "TL-ZNGC-2026-0001"
    assert cert.recognition == "铜梁区智能工厂" and cert.level == "智能工厂"
    assert cert.issued_on == TODAY and cert.valid_until == date(2029, 11, 28)
    assert cert.score == 82.5 and cert.max_score == 100
    assert cert.payload["enterprise_name"] == "重庆铜梁龙腾智能装备制造有限公司"
    assert cert.payload["period_label"] == "2026年第三季度"
    assert signing.verify(cert.payload, cert.signature, services.signing_key())
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issue"))
    assert event.object_id == cert.id and event.actor_id == reviewer.id


def test_issuing_from_a_report_that_is_not_approved_is_refused(app, reviewer):
    report = factories.report(factories.enterprise(), factories.period(2026, 3), status="submitted")
    scorecard = factories.scorecard(report)
    with pytest.raises(ServiceError, match="尚未审核通过"):
        services.issue_certificate(scorecard, actor=reviewer, today=TODAY)


@pytest.mark.parametrize("changes, message", [
    ({"review_state": "pending"}, "尚未经审核确认"),
    ({"review_state": "rejected"}, "尚未经审核确认"),
    ({"passed": False, "grade": "未达到认定条件", "total": 40.0}, "未达到认定条件"),
    ({"passed": None, "grade": "资料不全，无法判定"}, "未达到认定条件"),
    ({"current": False}, "当前评价快照"),
])
def test_issuing_from_an_unconfirmed_failing_or_outdated_scorecard_is_refused(app, reviewer, changes, message):
    scorecard = eligible(**changes)
    with pytest.raises(ServiceError, match=message):
        services.issue_certificate(scorecard, actor=reviewer, today=TODAY)
    assert db.session.scalar(select(Certificate)) is None


def test_an_enterprise_user_cannot_issue(app):
    scorecard = eligible()
    with pytest.raises(ServiceError, match="只有审核人员或管理员"):
        services.issue_certificate(scorecard, actor=factories.user("enterprise"), today=TODAY)


def test_reissuing_for_the_same_report_is_refused_until_the_first_is_revoked(app, reviewer):
    scorecard = eligible()
    first = services.issue_certificate(scorecard, actor=reviewer, today=TODAY)
    with pytest.raises(ServiceError, match="不能重复签发"):
        services.issue_certificate(scorecard, actor=reviewer, today=TODAY)
    services.revoke_certificate(first, "证书信息有误，撤销后重新签发", actor=reviewer)
    second = services.issue_certificate(scorecard, actor=reviewer, today=TODAY)
    assert second.serial == "TL-ZNGC-2026-0002"


def test_production_without_a_signing_key_refuses_to_issue(make_app):
    app = make_app(TESTING=False)
    with app.app_context():
        reviewer = factories.user("reviewer")
        scorecard = eligible()
        with pytest.raises(ServiceError, match="CERT_SIGNING_KEY"):
            services.issue_certificate(scorecard, actor=reviewer, today=TODAY)
        db.session.rollback()


def test_the_configured_signing_key_is_used(make_app):
    app = make_app(CERT_SIGNING_KEY="a-real-production-key")
    with app.app_context():
        cert = services.issue_certificate(eligible(), actor=factories.user("reviewer"), today=TODAY)
        assert signing.verify(cert.payload, cert.signature, b"a-real-production-key")
        db.session.rollback()


@pytest.mark.parametrize("family, grade, recognition, level", [
    ("smart", "数字化车间", "铜梁区数字化车间", "数字化车间"),
    ("smart", "智能工厂", "铜梁区智能工厂", "智能工厂"),
    ("green", None, "绿色工厂", None),
    ("sts", None, "专精特新中小企业", None),
    ("innovative", None, "创新型中小企业", None),
    ("giant", None, "专精特新“小巨人”企业", None),
    ("cmmm", "L2 规范级", "智能制造能力成熟度二级", "规范级"),
    ("cmmm", "L4 优化级", "智能制造能力成熟度四级", "优化级"),
])
def test_recognition_follows_the_family_and_grade(app, reviewer, family, grade, recognition, level):
    cert = services.issue_certificate(eligible(family, grade=grade), actor=reviewer, today=TODAY)
    assert (cert.recognition, cert.level) == (recognition, level)
    assert cert.serial.startswith(f"TL-{numbering.FAMILY_CODES[family]}-2026-")


def test_a_pass_fail_framework_prints_no_score(app, reviewer):
    cert = services.issue_certificate(eligible("giant", total=0.0), actor=reviewer, today=TODAY)
    assert cert.score is None and cert.max_score is None


def test_validity_is_configurable_per_family_and_ends_the_day_before(make_app):
    app = make_app(CERT_VALIDITY_YEARS={"green": 5})
    with app.app_context():
        assert services.valid_until_for("green", date(2026, 1, 10)) == date(2031, 1, 9)
        assert services.valid_until_for("sts", date(2024, 2, 29)) == date(2027, 2, 28)
        assert services.valid_until_for("smart", date(2026, 11, 29)) == date(2029, 11, 28)


# --- numbering -------------------------------------------------------------------------------


def test_numbering_is_sequential_per_year_and_family(app, reviewer):
    period = factories.period(2026, 3)
    serials = [services.issue_certificate(eligible("smart", period=period), actor=reviewer, today=TODAY).serial
               for _ in range(3)]
    serials.append(services.issue_certificate(eligible("green", period=period), actor=reviewer, today=TODAY).serial)
    serials.append(services.issue_certificate(eligible("smart", period=period), actor=reviewer,
                                              today=date(2027, 1, 4)).serial)
    assert serials == ["TL-ZNGC-2026-0001", "TL-ZNGC-2026-0002", "TL-ZNGC-2026-0003", "TL-LSGC-2026-0001",
                       "TL-ZNGC-2027-0001"]


@pytest.mark.parametrize("existing_row", [False, True], ids=["first-of-year", "counter-exists"])
def test_two_concurrent_issuers_get_unique_sequential_numbers(app, reviewer, existing_row):
    period = factories.period(2026, 3)
    if existing_row:
        services.issue_certificate(eligible(period=period), actor=reviewer, today=TODAY)
    ids = [eligible(period=period).id for _ in range(2)]
    reviewer_id = reviewer.id
    db.session.commit()
    barrier = threading.Barrier(2)
    serials, errors = [], []

    def issue(scorecard_id):
        try:
            with app.app_context(), immediate_transactions():
                barrier.wait(timeout=10)
                actor = db.session.get(type(reviewer), reviewer_id)
                cert = services.issue_certificate(db.session.get(Scorecard, scorecard_id), actor=actor, today=TODAY)
                db.session.commit()
                serials.append(cert.serial)
        except Exception as exc:   # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    start = 2 if existing_row else 1
    assert sorted(serials) == [f"TL-ZNGC-2026-{n:04d}" for n in (start, start + 1)]
    stored = db.session.scalars(select(Certificate.serial)).all()
    assert len(stored) == len(set(stored)) == len(ids) + existing_row


def test_serials_are_normalised_and_malformed_ones_rejected():
    assert numbering.normalise_serial(" tl-zngc-2026-0007 ") == "TL-ZNGC-2026-0007"
    assert numbering.normalise_serial("TL－ZNGC－2026－0007") == "TL-ZNGC-2026-0007"
    for bad in ("", None, "TL-ZNGC-26-7", "'; drop table certificate; --", "TL-ZNGC-2026-0007/x"):
        assert numbering.normalise_serial(bad) is None


# --- verification ----------------------------------------------------------------------------


def test_a_fresh_certificate_verifies_as_valid_with_name_and_dates(app, reviewer):
    cert = services.issue_certificate(eligible(), actor=reviewer, today=TODAY)
    result = services.verify_serial(cert.serial.lower(), today=TODAY)
    assert result.status == "valid"
    assert result.enterprise_name == "重庆铜梁龙腾智能装备制造有限公司"
    assert result.recognition == "铜梁区智能工厂"
    assert (result.issued_on, result.valid_until) == (TODAY, date(2029, 11, 28))


def _tamper_payload_byte(cert: Certificate) -> None:
    payload = dict(cert.payload)
    name = payload["enterprise_name"]
    payload["enterprise_name"] = name[:-1] + chr(ord(name[-1]) + 1)   # one character changed
    cert.payload = payload


@pytest.mark.parametrize("tamper", [
    _tamper_payload_byte,
    lambda c: c.__setattr__("payload", {**c.payload, "score": 82.51}),
    lambda c: c.__setattr__("valid_until", date(2035, 1, 1)),
    lambda c: c.__setattr__("recognition", "铜梁区数字化车间"),
    lambda c: c.__setattr__("signature", ("0" if c.signature[0] != "0" else "1") + c.signature[1:]),
], ids=["payload-one-char", "payload-score", "row-valid-until", "row-recognition", "signature-one-digit"])
def test_a_tampered_row_or_payload_verifies_as_invalid(app, reviewer, tamper):
    cert = services.issue_certificate(eligible(), actor=reviewer, today=TODAY)
    db.session.commit()
    tamper(cert)
    db.session.commit()
    db.session.expire_all()
    result = services.verify_serial(cert.serial, today=TODAY)
    assert result.status == "invalid"
    assert result.enterprise_name is None and result.recognition is None


def test_a_single_changed_byte_of_the_stored_payload_fails_verification(app, reviewer):
    cert = services.issue_certificate(eligible(), actor=reviewer, today=TODAY)
    key = services.signing_key()
    raw = bytearray(signing.canonical_bytes(cert.payload))
    at = raw.index(b"82.5")
    raw[at + 3] = ord("6")                                  # 82.5 -> 82.6, one byte
    import json
    changed = json.loads(raw.decode("utf-8"))
    assert signing.verify(cert.payload, cert.signature, key)
    assert not signing.verify(changed, cert.signature, key)


def test_revoked_and_expired_certificates_verify_as_such(app, reviewer):
    revoked = services.issue_certificate(eligible(), actor=reviewer, today=TODAY)
    services.revoke_certificate(revoked, "企业发生重大安全生产事故", actor=reviewer)
    old = services.issue_certificate(eligible("green", period=factories.period(2022, 4)), actor=reviewer,
                                     today=date(2023, 2, 14))
    assert old.valid_until == date(2026, 2, 13)
    result = services.verify_serial(revoked.serial, today=TODAY)
    assert result.status == "revoked" and result.revoked_on is not None
    assert services.verify_serial(old.serial, today=TODAY).status == "expired"
    assert services.verify_serial(old.serial, today=date(2026, 2, 13)).status == "valid"


def test_unknown_and_malformed_serials_verify_as_unknown(app):
    assert services.verify_serial("TL-ZNGC-2026-9999", today=TODAY).status == "unknown"
    assert services.verify_serial("<script>", today=TODAY).status == "unknown"


def test_revoking_needs_a_reason_and_is_audited(app, reviewer):
    cert = services.issue_certificate(eligible(), actor=reviewer, today=TODAY)
    with pytest.raises(ServiceError, match="撤销原因") as info:
        services.revoke_certificate(cert, "   ", actor=reviewer)
    assert info.value.field == "reason"
    services.revoke_certificate(cert, "申报数据不实", actor=reviewer)
    assert cert.status == "revoked" and cert.revoked_by_id == reviewer.id and cert.revoke_reason == "申报数据不实"
    with pytest.raises(ServiceError, match="已于"):
        services.revoke_certificate(cert, "再次撤销", actor=reviewer)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert event.after["reason"] == "申报数据不实"


# --- batch -----------------------------------------------------------------------------------


def test_batch_issue_issues_the_eligible_and_skips_the_rest_with_reasons(app, reviewer):
    period = factories.period(2025, 4)
    good = [eligible(period=period) for _ in range(2)]
    failing = eligible(period=period, passed=False, grade="未达到认定条件", total=30.0)
    pending = eligible(period=period, review_state="pending")
    submitted = factories.scorecard(factories.report(factories.enterprise(), period, status="submitted"))
    eligible("green", period=period)                       # another family: not considered
    calls = []
    result = services.batch_issue(period, "smart", actor=reviewer, today=TODAY,
                                  progress=lambda done, total, sc, outcome: calls.append((done, total, outcome)))
    assert result.total == 5
    assert sorted(c.scorecard_id for c in result.issued) == sorted(s.id for s in good)
    skipped = {s.id: reason for s, reason in result.skipped}
    assert "未达到认定条件" in skipped[failing.id]
    assert "尚未经审核确认" in skipped[pending.id]
    assert "尚未审核通过" in skipped[submitted.id]
    assert [c[0] for c in calls] == [1, 2, 3, 4, 5] and all(c[1] == 5 for c in calls)
    again = services.batch_issue(period, "smart", actor=reviewer, today=TODAY)
    assert not again.issued and sum(n for _, n in again.reasons()) == 5


# --- PDFs ------------------------------------------------------------------------------------


def test_certificate_pdf_prints_the_name_serial_and_links_the_verify_url(make_app):
    app = make_app(PUBLIC_BASE_URL="https://jxw.cqstl.gov.cn/")
    with app.app_context():
        cert = services.issue_certificate(eligible(), actor=factories.user("reviewer"), today=TODAY)
        pdf = services.certificate_pdf(cert)
        text = text_of(pdf)
        assert "重庆铜梁龙腾智能装备制造有限公司" in text
        assert cert.serial in text
        assert signing.check_code(cert.signature) in text
        assert b"/FontFile2" in pdf
        assert f"https://jxw.cqstl.gov.cn/verify/{cert.serial}" in link_uris(pdf)
        data = services.build_certificate_data(cert, "https://x/verify")
        assert data.signed_payload() == cert.payload
        db.session.rollback()


def test_scorecard_data_has_frameworks_peers_and_trend_from_approved_reports(app):
    period_q2, period_q3 = factories.period(2026, 2), factories.period(2026, 3)
    target = factories.enterprise(name="重庆铜梁宏达精密机械有限公司")
    for quarter in (period_q2, period_q3):
        factories.report(target, quarter, status="approved", revenue=3000.0, rd_expenditure=150.0,
                         equipment_total=100, equipment_digital=70)
    report = factories.report(target, factories.period(2026, 1), status="approved", revenue=2800.0,
                              rd_expenditure=100.0)
    for i in range(4):
        peer = factories.enterprise()
        factories.report(peer, period_q3, status="approved", revenue=2000.0 + 500 * i, rd_expenditure=20.0 * (i + 1))
    factories.report(factories.enterprise(cluster="health"), period_q3, status="approved", revenue=9e5,
                     rd_expenditure=9e4)
    own = db.session.scalar(select(factories.Report).where(factories.Report.enterprise_id == target.id,
                                                           factories.Report.period_id == period_q3.id))
    factories.scorecard(own)
    factories.scorecard(own, family="green", review_state="rejected")
    data = services.build_scorecard_data(own)
    assert [f["framework"] for f in data.frameworks] == ["smart_cq"]
    assert [p["period"] for p in data.trend] == ["2026Q1", "2026Q2", "2026Q3"]
    assert data.trend[-1]["values"]["研发投入强度"] == 5.0
    rd = next(row for row in data.peer_stats if row["name"] == "研发投入强度")
    assert rd["peers"] == 5                         # the target and four peers of its cluster
    assert rd["value"] == pytest.approx(100 * 400 / 8800, abs=0.01)   # 2026 so far, annualised
    assert rd["p25"] <= rd["median"] <= rd["p75"]
    assert data.cluster_label == "装备制造产业集群"
    pdf = services.scorecard_pdf(own)
    assert "重庆铜梁宏达精密机械有限公司" in text_of(pdf)
    assert report.id


# --- demo seeding ----------------------------------------------------------------------------


def test_seed_certificates_issues_expires_and_revokes(app):
    admin = factories.user("admin")
    p1, p2 = factories.period(2024, 1), factories.period(2026, 2)
    for _ in range(3):
        e = factories.enterprise()
        eligible(enterprise=e, period=p1)
        latest = eligible(enterprise=e, period=p2)
        factories.scorecard(latest.report, family="green")
    eligible(period=p2, passed=False, grade="未达到认定条件")
    counts = services.seed_certificates(TODAY, admin)
    assert counts["issued"] == 6
    assert counts["expired"] >= 1 and counts["revoked"] == 1 and counts["valid"] >= 1
    for cert in db.session.scalars(select(Certificate)):
        assert services.verify_serial(cert.serial, today=TODAY).status == cert.state_on(TODAY)
