"""Double submit: the same submit POST sent twice (same version token) makes exactly one submission.

Covers a double click (sequential) and two tabs racing (two threads, each request in its own app
context and database session, released together by a barrier), with and without the version
token. Runs on SQLite and, with ``TEST_DATABASE_URL``, on PostgreSQL.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import factories
import pytest
from sqlalchemy import func, select
from test_security_fields import complete_form

from portal.extensions import db
from portal.models import AuditEvent, Report, ReportStatus, Scorecard
from portal.reporting import services


@pytest.fixture
def drafts(app):
    today = services.local_today()
    user = factories.user("enterprise")
    reports = []
    for year in (2026, 2027, 2028):
        period = factories.period(year, 3, opens_on=today - timedelta(days=10), due_on=today + timedelta(days=10))
        reports.append(factories.report(user.enterprise, period))
    db.session.commit()
    return user, [(r.id, r.version) for r in reports]


def _client(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    return client


def _outcome(report_id: int) -> tuple[ReportStatus, int, int]:
    db.session.rollback()
    report = db.session.get(Report, report_id)
    submits = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "report.submit", AuditEvent.object_id == report_id))
    snapshots = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "scorecard.snapshot", AuditEvent.object_id == report_id))
    return report.status, submits, snapshots


def _assert_one_submission(report_id: int, codes: list[int]) -> None:
    status, submits, snapshots = _outcome(report_id)
    assert status == ReportStatus.SUBMITTED
    assert submits == 1, codes
    assert snapshots == 1, codes
    assert all(code in (302, 409) for code in codes), codes
    cards = db.session.scalars(select(Scorecard.family).where(Scorecard.report_id == report_id,
                                                              Scorecard.current.is_(True))).all()
    assert len(cards) == len(set(cards))           # one current snapshot per family, not two


@pytest.mark.parametrize("with_token", [True, False])
def test_double_click_on_submit_submits_once(app, drafts, with_token):
    user, reports = drafts
    client = _client(app, user)
    report_id, version = reports[0]
    data = complete_form(**({"version": str(version)} if with_token else {}))
    codes = [client.post(f"/reports/{report_id}/submit", data=data).status_code for _ in range(2)]
    _assert_one_submission(report_id, codes)


@pytest.mark.parametrize("with_token", [True, False])
def test_two_tabs_racing_to_submit_submit_once(app, drafts, with_token):
    user, reports = drafts
    for report_id, version in reports:
        data = complete_form(**({"version": str(version)} if with_token else {}))
        clients = [_client(app, user) for _ in range(2)]
        barrier = threading.Barrier(2)
        codes: list[int] = []
        errors: list[BaseException] = []

        def post(client, data=data, report_id=report_id, barrier=barrier, codes=codes, errors=errors):
            try:
                barrier.wait(10)
                codes.append(client.post(f"/reports/{report_id}/submit", data=data).status_code)
            except BaseException as exc:     # noqa: BLE001 - reported below with the test's failure
                errors.append(exc)

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        assert len(codes) == 2
        _assert_one_submission(report_id, codes)
