"""Mass assignment: fields an enterprise user may not set are ignored wherever they are posted.

Each test posts a legitimate request plus fields naming protected columns (status, revision,
version, enterprise_id, period_id, approved_by_id, total, grade, review_state, ...) and checks
the stored rows: the legitimate part took effect, the protected columns did not move.
"""
from __future__ import annotations

import io
from datetime import timedelta

import factories
import pytest
from factories import complete_form
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Attachment,
    Certificate,
    Notice,
    Report,
    ReportStatus,
    Scorecard,
    SpreadsheetUpload,
    User,
)
from portal.reporting import services

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + b"0" * 200




@pytest.fixture
def world(app, auth):
    today = services.local_today()
    user = factories.user("enterprise")
    other = factories.user("enterprise")
    reviewer = factories.user("reviewer")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=10), due_on=today + timedelta(days=10))
    other_period = factories.period(2026, 4, opens_on=today - timedelta(days=1), due_on=today + timedelta(days=30))
    approved_period = factories.period(2026, 2)
    report = factories.report(user.enterprise, period, employees=150)
    approved = factories.report(user.enterprise, approved_period, status="approved", employees=120, revenue=5000.0)
    card = factories.scorecard(approved, review_state="pending")
    notice = Notice(enterprise_id=user.enterprise_id, kind="reminder", title="催报", body="请报送。")
    db.session.add(notice)
    db.session.commit()
    auth.login_as(user)
    return {"user": user, "other": other, "reviewer": reviewer, "period": period, "other_period": other_period,
            "report": report, "approved": approved, "card": card, "notice": notice}


def tampering(w) -> dict:
    """Fields naming protected columns, with values that would help an attacker."""
    return {
        "status": "approved", "revision": "9", "enterprise_id": str(w["other"].enterprise_id),
        "period_id": str(w["other_period"].id), "approved_by_id": str(w["reviewer"].id),
        "approved_at": "2026-01-01", "submitted_by_id": str(w["reviewer"].id), "submitted_at": "2020-01-01",
        "review_comment": "已审核", "amendment_reason": "x" * 10, "id": "99999", "report_id": "99999",
        "total": "100", "grade": "卓越级", "passed": "1", "review_state": "confirmed", "current": "1",
        "provisional": "0", "role": "admin", "is_admin": "1", "user_id": str(w["reviewer"].id),
        "stored_name": "../../../etc/passwd", "content_type": "text/html", "size": "1", "sha256": "0" * 64,
        "state": "applied", "uploaded_by_id": str(w["reviewer"].id), "serial": "TL-ZNGC-2026-0001",
    }


PROTECTED = ("enterprise_id", "period_id", "revision", "approved_by_id", "approved_at", "submitted_by_id",
             "review_comment", "amendment_reason", "id")


def row(model, ident) -> dict:
    db.session.expire_all()
    obj = db.session.get(model, ident)
    return {c.key: getattr(obj, c.key) for c in model.__mapper__.column_attrs}


def test_saving_a_draft_ignores_protected_fields(world, client):
    report = world["report"]
    before = row(Report, report.id)
    data = complete_form(employees="222", **tampering(world), version=str(report.version))
    assert client.post(f"/reports/{report.id}/edit", data=data).status_code in (200, 302)
    after = row(Report, report.id)
    assert after["employees"] == 222                         # the legitimate field was saved
    assert after["status"] == ReportStatus.DRAFT
    for key in PROTECTED:
        assert after[key] == before[key], key
    assert after["version"] == before["version"] + 1         # one ordinary save, not the posted number


def test_submitting_ignores_protected_fields_and_scores_are_computed_not_posted(world, client):
    report = world["report"]
    before = row(Report, report.id)
    data = complete_form(**tampering(world), version=str(report.version))
    client.post(f"/reports/{report.id}/submit", data=data)
    after = row(Report, report.id)
    assert after["status"] == ReportStatus.SUBMITTED          # submit is what the route does, not "approved"
    assert after["submitted_by_id"] == world["user"].id and after["approved_by_id"] is None
    for key in ("enterprise_id", "period_id", "revision", "approved_at", "review_comment", "amendment_reason", "id"):
        assert after[key] == before[key], key
    cards = db.session.scalars(select(Scorecard).where(Scorecard.report_id == report.id)).all()
    assert cards, "submission stores the engine's snapshots"
    assert all(c.review_state == "pending" for c in cards)
    assert all(c.grade != "卓越级" and c.enterprise_id == world["user"].enterprise_id for c in cards)


@pytest.mark.parametrize("posted", ["0", "-1", "99", "abc", "1e9", ""])
def test_a_tampered_version_token_saves_nothing(world, client, posted):
    report = world["report"]
    before = row(Report, report.id)
    response = client.post(f"/reports/{report.id}/edit", data=complete_form(employees="333", version=posted))
    after = row(Report, report.id)
    if posted in ("", "abc", "1e9"):
        # No usable token: the save goes through as an ordinary save (no optimistic check possible),
        # but never lets the client choose the stored version.
        assert after["version"] in (before["version"], before["version"] + 1)
    else:
        assert response.status_code == 409
        assert after == before


def test_uploading_an_attachment_ignores_posted_owner_name_and_type(world, client, app):
    report = world["report"]
    data = {"file": (io.BytesIO(PDF), "../../evil.html", "text/html"), "target": "field:rd_expenditure",
            **tampering(world)}
    client.post(f"/reports/{report.id}/attachments", data=data, content_type="multipart/form-data")
    attachment = db.session.scalar(select(Attachment))
    assert attachment is not None
    assert attachment.enterprise_id == world["user"].enterprise_id and attachment.report_id == report.id
    assert attachment.uploaded_by_id == world["user"].id
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert attachment.stored_name not in ("../../../etc/passwd", "../../evil.html", "evil.html")
    assert "/" not in attachment.stored_name and attachment.sha256 != "0" * 64


def test_uploading_a_spreadsheet_ignores_posted_owner_and_state(world, client):
    report = world["report"]
    template = client.get(f"/reports/{report.id}/template.xlsx").data
    data = {"file": (io.BytesIO(template), "填报.xlsx"), **tampering(world)}
    response = client.post(f"/reports/{report.id}/spreadsheet", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    upload = db.session.scalar(select(SpreadsheetUpload))
    assert upload.enterprise_id == world["user"].enterprise_id and upload.report_id == report.id
    assert upload.state == SpreadsheetUpload.PREVIEWED and upload.user_id == world["user"].id


def test_starting_a_report_ignores_posted_enterprise_and_status(world, client):
    period = world["other_period"]
    client.post(f"/reports/periods/{period.id}/start", data=tampering(world))
    db.session.expire_all()
    created = db.session.scalars(select(Report).where(Report.period_id == period.id)).all()
    assert len(created) == 1
    assert created[0].enterprise_id == world["user"].enterprise_id
    assert created[0].status == ReportStatus.DRAFT and created[0].revision == 1


def test_requesting_an_amendment_changes_nothing_but_the_reason(world, client):
    approved = world["approved"]
    before = row(Report, approved.id)
    client.post(f"/reports/{approved.id}/amendment", data={**tampering(world), "reason": "营业收入填错了，需要更正"})
    after = row(Report, approved.id)
    assert after["amendment_reason"] == "营业收入填错了，需要更正"
    assert after["status"] == ReportStatus.APPROVED
    for key in ("enterprise_id", "period_id", "revision", "approved_by_id", "employees", "revenue"):
        assert after[key] == before[key], key


def test_what_if_posts_change_no_scorecard(world, client):
    card = world["card"]
    before = row(Scorecard, card.id)
    response = client.post(f"/scorecards/what-if/{world['approved'].id}",
                           data={**tampering(world), "employees": "500"})
    assert response.status_code == 200
    assert row(Scorecard, card.id) == before
    assert db.session.scalar(select(Certificate)) is None


def test_reading_a_notice_changes_only_read_at(world, client):
    notice = world["notice"]
    before = row(Notice, notice.id)
    client.post(f"/review/notices/{notice.id}/read", data=tampering(world))
    after = row(Notice, notice.id)
    assert after["read_at"] is not None
    assert {k: v for k, v in after.items() if k != "read_at"} == {k: v for k, v in before.items() if k != "read_at"}


def test_changing_the_password_cannot_change_role_or_enterprise(world, client):
    user = world["user"]
    before = row(User, user.id)
    client.post("/auth/password", data={**tampering(world), "active": "0", "enterprise_id": "1",
                                        "current": factories.PASSWORD, "new": "new-secret-22",
                                        "confirm": "new-secret-22"})
    after = row(User, user.id)
    assert after["password_hash"] != before["password_hash"]          # the legitimate change happened
    for key in ("role", "enterprise_id", "active", "login"):
        assert after[key] == before[key], key
