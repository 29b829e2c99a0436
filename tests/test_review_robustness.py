"""Bad input never produces a 500 (property tests), and two reviewers racing over HTTP: one wins."""
from __future__ import annotations

import threading
from urllib.parse import urlencode

import factories
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import AuditEvent, Report, ReportStatus
from portal.review import workflow

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
PARAM = st.one_of(TEXT, st.sampled_from(["", "all", "submitted", "draft", "equipment", "town", "y", "1", "0",
                                         "-1", "999999999999999999999", "submitted_asc", "²", "%", "_", "\x00"]))
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def data(app):
    period = factories.period(2026, 3)
    enterprise = factories.enterprise(name="测试企业")
    report = factories.report(enterprise, period, status="submitted", revenue=100.0)
    report.explanations = {"x": "说明文字足够长"}
    reviewer = factories.user("reviewer")
    db.session.commit()
    return {"period": period, "report": report, "reviewer": reviewer}


def _login(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()


@PROPERTY
@given(params=st.dictionaries(st.sampled_from(["period", "status", "cluster", "park", "has_warnings", "late", "q",
                                               "sort", "page"]), PARAM, max_size=9))
def test_queue_and_exports_never_fail_on_any_filter(app, client, data, params):
    _login(client, data["reviewer"])
    query = "?" + urlencode(params)
    for url in ("/review/queue", "/review/queue/export.csv"):
        response = client.get(url + query)
        assert response.status_code in (200, 404), (url, params, response.status_code)
        if response.status_code == 404:
            assert "period" in params


@PROPERTY
@given(params=st.dictionaries(st.sampled_from(["action", "enterprise", "login", "date_from", "date_to", "page"]),
                              st.one_of(PARAM, st.dates().map(str)), max_size=6))
def test_audit_search_never_fails(app, client, data, params):
    _login(client, data["reviewer"])
    assert client.get("/review/audit?" + urlencode(params)).status_code == 200


@PROPERTY
@given(params=st.dictionaries(st.sampled_from(["cluster", "park", "page"]), PARAM, max_size=3),
       period=st.one_of(st.none(), st.integers(min_value=0, max_value=2**40)))
def test_board_never_fails(app, client, data, params, period):
    _login(client, data["reviewer"])
    url = "/review/board" if period is None else f"/review/board/{period}"
    response = client.get(url + "?" + urlencode(params))
    assert response.status_code == (200 if period in (None, data["period"].id) else 404)


@PROPERTY
@given(comment=st.one_of(TEXT, st.text(max_size=2100)),
       version=st.one_of(st.just(None), TEXT))
def test_any_return_comment_is_stored_or_refused_in_chinese(app, client, data, comment, version):
    report = db.session.get(Report, data["report"].id)
    report.status = ReportStatus.SUBMITTED
    report.review_comment = None
    db.session.commit()
    _login(client, data["reviewer"])
    form = {"comment": comment, "version": str(report.version) if version is None else version}
    try:
        form["comment"].encode("utf-8")
    except UnicodeEncodeError:
        return                                   # a browser cannot send lone surrogates
    response = client.post(f"/review/reports/{report.id}/return", data=form)
    assert response.status_code in (302, 400, 409)
    db.session.expire_all()
    stored = db.session.get(Report, report.id)
    cleaned = "".join(ch for ch in comment if ch in "\n\t" or ch >= " " and ch != "\x7f").strip()
    if response.status_code == 302:
        assert stored.status == ReportStatus.RETURNED and stored.review_comment == cleaned
    else:
        assert stored.status == ReportStatus.SUBMITTED
        page = response.get_data(as_text=True)
        assert "退回意见" in page or "请刷新" in page or "已被他人修改" in page


def test_two_reviewers_posting_approve_at_once_exactly_one_wins(app, make_app):
    """Two browsers (separate requests, sessions and app contexts) press 通过 on the same version."""
    period = factories.period(2026, 3)
    report = factories.report(factories.enterprise(), period, status="submitted")
    reviewers = [factories.user("reviewer"), factories.user("admin")]
    db.session.commit()
    report_id, version = report.id, report.version
    user_ids = [u.get_id() for u in reviewers]
    barrier = threading.Barrier(2)
    results: list[tuple[int, str]] = []

    def press(user_id):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
        barrier.wait()
        response = client.post(f"/review/reports/{report_id}/approve", data={"version": version})
        results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=press, args=(u,)) for u in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(code for code, _ in results)
    assert codes == [302, 409], codes
    loser = next(text for code, text in results if code == 409)
    assert str(workflow.CONFLICT_MESSAGE) in loser
    db.session.rollback()
    assert db.session.get(Report, report_id).status == ReportStatus.APPROVED
    assert db.session.query(AuditEvent).filter_by(object_id=report_id, action="report.approve").count() == 1
