"""Tenant scoping of lists: an enterprise's report list never includes another enterprise's report.

The authorization matrix covers every URL carrying another enterprise's id; this covers the list
page, whose rows come from ``reporting.scope.reports_query`` and carry no enterprise name.
"""
from __future__ import annotations

from datetime import timedelta

import factories

from portal.extensions import db
from portal.reporting import scope, services


def _two_enterprises():
    today = services.local_today()
    a, b = factories.user("enterprise"), factories.user("enterprise")
    period = factories.period(2026, 3, opens_on=today - timedelta(days=3), due_on=today + timedelta(days=20))
    report_a = factories.report(a.enterprise, period, status="returned")
    db.session.commit()
    return a, b, report_a


def test_reports_query_holds_only_the_users_enterprise(app):
    a, b, report_a = _two_enterprises()
    assert db.session.scalars(scope.reports_query(a)).all() == [report_a]
    assert db.session.scalars(scope.reports_query(b)).all() == []


def test_the_report_list_shows_no_report_of_another_enterprise(app, client, auth):
    a, b, report_a = _two_enterprises()
    auth.login_as(b)
    html = client.get("/reports/").get_data(as_text=True)
    assert f"/reports/{report_a.id}" not in html and "已退回" not in html
    auth.login_as(a)
    html = client.get("/reports/").get_data(as_text=True)
    assert f"/reports/{report_a.id}" in html and "已退回" in html
