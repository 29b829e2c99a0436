"""Audit coverage: every security-relevant event writes a row with actor, action and object.

One scenario drives the portal over HTTP as the enterprise and the commission would (log in,
fail a login, get denied, submit, be returned, resubmit, be approved, confirm/reject scores,
issue, download, revoke, request and allow an amendment) and then checks the audit rows. The
table is append-only in the application, and reviewers search it on ``/review/audit``.
"""
from __future__ import annotations

import io
from datetime import timedelta

import factories
import pytest
import sqlalchemy as sa
from sqlalchemy import select
from test_security_fields import complete_form

from portal.extensions import db
from portal.models import AuditEvent, Certificate, Report, Scorecard
from portal.models.audit import AppendOnlyError
from portal.reporting import services

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + b"0" * 200


def login(client, user, password=factories.PASSWORD):
    return client.post("/auth/login", data={"login": user.login, "password": password})


def version_of(report_id: int) -> str:
    db.session.expire_all()
    return str(db.session.get(Report, report_id).version)


def events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


@pytest.fixture
def scenario(app):
    """Run the whole life of a report over HTTP; returns the people and objects involved."""
    today = services.local_today()
    ent_user = factories.user("enterprise")
    reviewer = factories.user("reviewer")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=10), due_on=today + timedelta(days=10))
    report = factories.report(ent_user.enterprise, period)
    # A second, already approved report whose factory scorecard passes, for the certificate part.
    approved = factories.report(ent_user.enterprise, factories.period(2026, 2), status="approved",
                                revenue=5000.0, rd_expenditure=200.0)
    card = factories.scorecard(approved, review_state="pending")
    db.session.commit()
    ent, rev = app.test_client(), app.test_client()
    ids = {"user": ent_user.id, "reviewer": reviewer.id, "report": report.id, "approved": approved.id,
           "card": card.id, "enterprise": ent_user.enterprise_id, "ent_login": ent_user.login,
           "rev_login": reviewer.login}

    assert login(ent, ent_user, password="wrong-password-1").status_code == 200     # login.failed
    assert login(ent, ent_user).status_code == 302                                  # login.ok
    assert login(rev, reviewer).status_code == 302
    assert ent.get("/review/queue").status_code == 403                              # access.denied

    r = ent.post(f"/reports/{report.id}/attachments", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(PDF), "证明.pdf"), "target": "field:rd_expenditure"})
    assert r.status_code == 302
    assert ent.post(f"/reports/{report.id}/submit",
                    data=complete_form(version=version_of(report.id))).status_code == 302
    assert rev.post(f"/review/reports/{report.id}/return",
                    data={"comment": "请核实研发费用。", "version": version_of(report.id)}).status_code == 302
    assert ent.post(f"/reports/{report.id}/submit",
                    data=complete_form(version=version_of(report.id))).status_code == 302
    assert rev.post(f"/review/reports/{report.id}/approve",
                    data={"version": version_of(report.id)}).status_code == 302

    db.session.rollback()
    engine_card = db.session.scalar(select(Scorecard).where(Scorecard.report_id == report.id,
                                                            Scorecard.current.is_(True)))
    ids["engine_card"] = engine_card.id
    assert rev.post(f"/scorecards/{engine_card.id}/review",
                    data={"decision": "rejected", "note": "数据待核实"}).status_code == 302
    assert rev.post(f"/scorecards/{card.id}/review", data={"decision": "confirmed"}).status_code == 302
    assert rev.post(f"/certificates/scorecards/{card.id}/issue").status_code == 302
    db.session.rollback()
    cert = db.session.scalar(select(Certificate))
    ids["cert"], ids["serial"] = cert.id, cert.serial

    assert ent.get(f"/certificates/{cert.serial}/download").status_code == 200
    assert ent.get(f"/certificates/reports/{approved.id}/scorecard.pdf").status_code == 200
    from portal.models import Attachment
    attachment = db.session.scalar(select(Attachment))
    ids["attachment"] = attachment.id
    assert ent.get(f"/reports/attachments/{attachment.id}").status_code == 200
    assert rev.post(f"/certificates/{cert.serial}/revoke", data={"reason": "企业申请注销"}).status_code == 302

    assert ent.post(f"/reports/{report.id}/amendment", data={"reason": "营业收入填错了，需要更正"}).status_code == 302
    assert rev.post(f"/review/reports/{report.id}/allow-amendment",
                    data={"version": version_of(report.id)}).status_code == 302
    return ids, ent, rev


# action -> (who acted, object type, which object id)
EXPECTED_ROWS = {
    "login.ok": ("user", "User", "user"),
    "access.denied": ("user", None, None),
    "attachment.upload": ("user", "Report", "report"),
    "report.submit": ("user", "Report", "report"),
    "scorecard.snapshot": ("user", "Report", "report"),
    "report.return": ("reviewer", "Report", "report"),
    "report.approve": ("reviewer", "Report", "report"),
    "scorecard.reject": ("reviewer", "Scorecard", "engine_card"),
    "scorecard.confirm": ("reviewer", "Scorecard", "card"),
    "certificate.issue": ("reviewer", "Certificate", "cert"),
    "certificate.download": ("user", "Certificate", "cert"),
    "scorecard.download": ("user", "Report", "approved"),
    "attachment.download": ("user", "Report", "report"),
    "certificate.revoke": ("reviewer", "Certificate", "cert"),
    "report.amendment_requested": ("user", "Report", "report"),
    "report.amendment_allowed": ("reviewer", "Report", "report"),
}


def test_every_security_event_is_audited_with_actor_action_and_object(scenario):
    ids, _ent, _rev = scenario
    for action, (actor, object_type, object_key) in EXPECTED_ROWS.items():
        rows = [r for r in events(action) if r.actor_id == ids[actor]]
        assert rows, f"no audit row for {action} by {actor}"
        row = rows[-1]
        assert row.actor_login == ids["ent_login" if actor == "user" else "rev_login"], action
        assert row.role in ("enterprise", "reviewer"), action
        assert row.at is not None and row.ip, action
        if object_type is not None:
            assert (row.object_type, row.object_id) == (object_type, ids[object_key]), action
            assert row.enterprise_id == ids["enterprise"], action
    assert len(events("report.submit")) == 2 and len(events("scorecard.snapshot")) == 2
    denied = events("access.denied")[-1]
    assert denied.detail == "GET /review/queue"
    failed = events("login.failed")[-1]
    assert failed.actor_login == ids["ent_login"] and failed.actor_id is None     # nobody was signed in
    assert failed.enterprise_id == ids["enterprise"]
    assert f"#{ids['attachment']}" in events("attachment.download")[-1].detail
    assert events("report.return")[-1].detail == "请核实研发费用。"
    assert events("certificate.revoke")[-1].after["reason"] == "企业申请注销"
    assert events("scorecard.reject")[-1].detail == "数据待核实"


def test_an_unknown_login_is_audited_without_an_actor(app, client):
    client.post("/auth/login", data={"login": "nobody-here", "password": "whatever-123"})
    row = events("login.failed")[-1]
    assert row.actor_login == "nobody-here" and row.actor_id is None and row.ip


def test_reviewers_search_the_audit_log_and_enterprises_cannot(scenario):
    ids, ent, rev = scenario
    page = rev.get("/review/audit", query_string={"action": "report.", "login": ids["rev_login"]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "report.approve" in html and "report.return" in html
    assert "login.ok" not in html                      # filtered by action prefix
    by_enterprise = rev.get("/review/audit", query_string={"action": "certificate."}).get_data(as_text=True)
    assert "certificate.issue" in by_enterprise and "certificate.revoke" in by_enterprise
    assert ent.get("/review/audit").status_code == 403
    assert ent.get("/admin/audit").status_code == 403
    assert rev.get("/admin/audit").status_code == 403


def _one_event() -> int:
    from portal import audit
    event = audit.record("test.event", detail="original")
    db.session.commit()
    return event.id


def test_audit_rows_cannot_be_changed_through_the_orm(app):
    event_id = _one_event()
    event = db.session.get(AuditEvent, event_id)
    event.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AppendOnlyError):
        db.session.delete(db.session.get(AuditEvent, event_id))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event_id).detail == "original"


@pytest.mark.parametrize("statement", [
    lambda: sa.update(AuditEvent).values(detail="rewritten"),
    lambda: sa.delete(AuditEvent),
    lambda: sa.update(AuditEvent).where(AuditEvent.action == "test.event").values(action="x"),
])
def test_bulk_orm_update_and_delete_of_audit_rows_are_refused(app, statement):
    event_id = _one_event()
    with pytest.raises(AppendOnlyError):
        db.session.execute(statement())
    db.session.rollback()
    row = db.session.get(AuditEvent, event_id)
    assert row is not None and row.detail == "original" and row.action == "test.event"


def test_logout_password_changes_and_throttling_are_audited(app, client):
    user = factories.user("reviewer")
    db.session.commit()
    assert login(client, user).status_code == 302
    client.post("/auth/password", data={"current": "wrong-password-1", "new": "new-secret-22", "confirm": "new-secret-22"})
    client.post("/auth/password", data={"current": factories.PASSWORD, "new": "new-secret-22", "confirm": "new-secret-22"})
    client.post("/auth/logout")
    for action in ("password.change_failed", "password.changed", "logout"):
        rows = events(action)
        assert rows and rows[-1].actor_id == user.id and rows[-1].object_id == user.id and rows[-1].ip, action
    for _ in range(5):
        login(client, user, password="wrong-password-1")
    assert login(client, user, password="new-secret-22").status_code == 429
    throttled = events("login.throttled")
    assert throttled and throttled[-1].actor_login == user.login and "ip=" in throttled[-1].detail


def test_deleting_an_attachment_is_audited(app, client):
    today = services.local_today()
    user = factories.user("enterprise")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=3), due_on=today + timedelta(days=20))
    report = factories.report(user.enterprise, period)
    db.session.commit()
    assert login(client, user).status_code == 302
    client.post(f"/reports/{report.id}/attachments", content_type="multipart/form-data",
                data={"file": (io.BytesIO(PDF), "证明.pdf", "application/pdf"), "target": ""})
    attachment_id = events("attachment.upload")[-1].after["attachment"]
    client.post(f"/reports/attachments/{attachment_id}/delete")
    rows = events("attachment.delete")
    assert rows and rows[-1].actor_id == user.id and (rows[-1].object_type, rows[-1].object_id) == ("Report", report.id)
    assert rows[-1].before["attachment"] == attachment_id
