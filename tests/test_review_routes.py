"""The review room's pages: roles, queue, board, report page, workflow buttons, reminders, notices, audit."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import factories
import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.fields import registry
from portal.models import AuditEvent, Notice, Report, ReportRevision, ReportStatus, Scorecard
from portal.review import queries


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def reviewer(app):
    user = factories.user("reviewer")
    db.session.commit()
    return user


@pytest.fixture
def world(app):
    """Two periods, five expected enterprises in two clusters, one outside the expected set."""
    p_prev = factories.period(2026, 2)
    p = factories.period(2026, 3)         # due 2026-10-20
    a = factories.enterprise(name="甲机械有限公司", cluster="equipment", park="hitech_core")
    b = factories.enterprise(name="乙电子有限公司", cluster="electronics", park="damiao")
    c = factories.enterprise(name="丙电子有限公司", cluster="electronics", park="hitech_core")
    d = factories.enterprise(name="丁机械有限公司", cluster="equipment", park="town", town="巴川街道")
    e = factories.enterprise(name="戊机械有限公司", cluster="equipment", park="damiao")
    small = factories.enterprise(name="小微企业", is_above_scale=False)
    factories.enterprise(name="停用企业", active=False)
    ra = factories.report(a, p, status="submitted", revenue=9500.0, gross_output_value=10000.0)
    ra.submitted_at = datetime(2026, 10, 10, 3, 0)
    ra.explanations = {"gross_output_value.change": "新生产线投产，产值大幅增长。"}
    rb = factories.report(b, p, status="submitted", revenue=100.0)
    rb.submitted_at = datetime(2026, 10, 25, 3, 0)     # late
    rc = factories.report(c, p, status="approved")
    rc.submitted_at = datetime(2026, 10, 1, 3, 0)
    factories.report(d, p, status="draft")
    factories.report(small, p, status="submitted").submitted_at = datetime(2026, 10, 2)
    factories.report(a, p_prev, status="approved", revenue=8000.0, gross_output_value=9000.0)
    user_d = factories.user("enterprise", enterprise_obj=d)
    user_d.email = "d@example.com"
    user_e = factories.user("enterprise", enterprise_obj=e)
    user_e.email = "e@example.com"
    factories.user("enterprise", enterprise_obj=e, active=False).email = "gone@example.com"
    db.session.commit()
    return {"period": p, "prev": p_prev, "a": a, "b": b, "c": c, "d": d, "e": e, "small": small,
            "ra": ra, "rb": rb, "rc": rc, "user_d": user_d, "user_e": user_e}


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize("url", ["/review/queue", "/review/board", "/review/audit", "/review/queue/export.csv"])
def test_enterprise_users_are_refused_and_audited(client, auth, url):
    user = factories.user("enterprise")
    db.session.commit()
    auth.login_as(user)
    assert client.get(url).status_code == 403
    assert db.session.query(AuditEvent).filter_by(action="access.denied").count() == 1


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/review/queue")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_reviewers_cannot_open_the_enterprise_notice_page(client, auth, reviewer):
    auth.login_as(reviewer)
    assert client.get("/review/notices").status_code == 403


def test_nav_shows_queue_and_board_and_the_home_page_links_the_latest_period(client, auth, reviewer, world):
    auth.login_as(reviewer)
    page = _text(client.get("/home"))
    assert "审核队列" in page and "报送进度" in page
    assert f"/review/queue?period={world['period'].id}" in page
    assert f"/review/board/{world['period'].id}" in page


# --------------------------------------------------------------------------- queue


def _ids(response) -> set[str]:
    return {name for name in ("甲机械", "乙电子", "丙电子", "丁机械", "小微企业") if name in _text(response)}


@pytest.mark.parametrize("query, expected", [
    ("", {"甲机械", "乙电子", "小微企业"}),                         # default: latest period, submitted
    ("?status=all", {"甲机械", "乙电子", "丙电子", "丁机械", "小微企业"}),
    ("?status=approved", {"丙电子"}),
    ("?status=draft", {"丁机械"}),
    ("?status=submitted&cluster=electronics", {"乙电子"}),
    ("?status=all&park=hitech_core", {"甲机械", "丙电子", "小微企业"}),
    ("?status=all&has_warnings=y", {"甲机械"}),
    ("?status=all&late=y", {"乙电子"}),
    ("?status=all&q=电子", {"乙电子", "丙电子"}),
    ("?period=&status=approved", {"甲机械", "丙电子"}),            # every period
])
def test_queue_filters(client, auth, reviewer, world, query, expected):
    auth.login_as(reviewer)
    response = client.get("/review/queue" + query)
    assert response.status_code == 200
    assert _ids(response) == expected


def test_queue_sorts_by_submission_time_both_ways(client, auth, reviewer, world):
    auth.login_as(reviewer)
    newest_first = _text(client.get("/review/queue?status=submitted&sort=submitted_desc"))
    oldest_first = _text(client.get("/review/queue?status=submitted&sort=submitted_asc"))
    assert newest_first.index("乙电子") < newest_first.index("甲机械") < newest_first.index("小微企业")
    assert oldest_first.index("小微企业") < oldest_first.index("甲机械") < oldest_first.index("乙电子")


def test_queue_paginates(make_app):
    app = make_app(PAGE_SIZE=2)
    with app.app_context():
        period = factories.period(2026, 3)
        for i in range(5):
            factories.report(factories.enterprise(name=f"分页企业{i}"), period, status="submitted")
        user = factories.user("reviewer")
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
        first = _text(client.get("/review/queue"))
        third = _text(client.get("/review/queue?page=3"))
        assert "第 1 / 3 页，共 5 条" in first and first.count("分页企业") == 2
        assert third.count("分页企业") == 1
        assert client.get("/review/queue?page=999999999999999999999").status_code == 200


@pytest.mark.parametrize("query", ["?period=999999", "?period=abc", "?period=-1", "?period=1.5", "?period=²"])
def test_unknown_period_ids_are_404(client, auth, reviewer, world, query):
    auth.login_as(reviewer)
    assert client.get("/review/queue" + query).status_code == 404


@pytest.mark.parametrize("url", ["/review/board/999999", "/review/board/999999/missing.csv",
                                 "/review/bulk/999999", "/review/bulk/999999/template.xlsx",
                                 "/review/reports/999999", "/review/bulk/imports/999999"])
def test_unknown_ids_are_404(client, auth, reviewer, url):
    auth.login_as(reviewer)
    assert client.get(url).status_code == 404


def test_invalid_filter_values_fall_back_with_a_message(client, auth, reviewer, world):
    auth.login_as(reviewer)
    response = client.get("/review/queue?status=bogus&cluster=nowhere&sort=sideways")
    assert response.status_code == 200
    assert "部分筛选条件无效" in _text(response)
    assert _ids(response) == {"甲机械", "乙电子", "小微企业"}


def test_queue_export_xlsx_and_csv_follow_the_filters_with_chinese_headers(client, auth, reviewer, world):
    world["a"].name = "=HYPERLINK(\"http://evil\")甲机械"
    db.session.commit()
    auth.login_as(reviewer)
    response = client.get("/review/queue/export.xlsx?status=submitted&cluster=equipment")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("企业名称", "统一社会信用代码", "所属产业集群", "所在园区")
    assert len(rows) == 3 and rows[1][0].startswith("'=HYPERLINK") and rows[2][0] == "小微企业"
    assert rows[1][2] == registry().field("cluster").label_for("equipment")
    assert rows[1][5] == "已提交"
    csv_response = client.get("/review/queue/export.csv?status=all&late=y")
    text = csv_response.data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "企业名称" and len(lines) == 2 and lines[1][0] == "乙电子有限公司" and lines[1][8] == "是"
    assert client.get("/review/queue/export.pdf").status_code == 404
    assert db.session.query(AuditEvent).filter_by(action="review.export_queue").count() == 2


# --------------------------------------------------------------------------- board


def test_board_counts_by_status_cluster_and_park(app, world):
    counts = queries.board_counts(world["period"])
    assert counts["total"] == {"expected": 5, "submitted": 2, "approved": 1, "returned": 0, "draft": 1,
                               "late": 1, "missing": 1}
    by_cluster = {r["key"]: r for r in counts["by"]["cluster"]}
    assert by_cluster["equipment"]["expected"] == 3 and by_cluster["equipment"]["missing"] == 1
    assert by_cluster["electronics"]["submitted"] == 1 and by_cluster["electronics"]["approved"] == 1
    by_park = {r["key"]: r for r in counts["by"]["park"]}
    assert by_park["damiao"]["late"] == 1 and by_park["town"]["draft"] == 1
    assert sum(r["expected"] for r in counts["by"]["park"]) == 5
    assert counts["outside"] == 1        # the small enterprise's report is not counted as expected


def test_board_page_lists_missing_enterprises_with_contacts(client, auth, reviewer, world):
    auth.login_as(reviewer)
    page = _text(client.get("/review/board"))
    assert "2026年第3季度" in page and "戊机械有限公司" in page and "e@example.com" in page
    assert "gone@example.com" not in page           # inactive users are not contacts
    assert "甲机械有限公司" not in page.split('id="missing"')[1]
    filtered = _text(client.get(f"/review/board/{world['period'].id}?cluster=electronics"))
    assert "戊机械有限公司" not in filtered.split('id="missing"')[1]
    assert client.get(f"/review/board/{world['prev'].id}").status_code == 200


def test_board_without_any_period_says_so(client, auth, reviewer):
    auth.login_as(reviewer)
    assert "尚未开放任何填报期" in _text(client.get("/review/board"))


def test_missing_list_export_for_chasing(client, auth, reviewer, world):
    auth.login_as(reviewer)
    response = client.get(f"/review/board/{world['period'].id}/missing.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("企业名称", "统一社会信用代码", "所属产业集群", "所在园区", "镇街名称", "联系人账号", "联系人邮箱")
    assert [r[0] for r in rows[1:]] == ["戊机械有限公司"]
    assert rows[1][1] == world["e"].uscc and rows[1][5] == world["user_e"].login and rows[1][6] == "e@example.com"
    text = client.get(f"/review/board/{world['period'].id}/missing.csv?park=hitech_core").data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1      # header only: nobody missing there


# --------------------------------------------------------------------------- report page and buttons


def test_report_page_shows_values_beside_last_quarter_with_change_and_explanations(client, auth, reviewer, world):
    ra = world["ra"]
    db.session.add(Scorecard(report_id=ra.id, report_revision=1, enterprise_id=ra.enterprise_id,
                             period_id=ra.period_id, family="sts", framework="sts2026", criteria_version="2026.1",
                             total=72.5, max_total=100, grade="达标", passed=True, result={}, current=True))
    db.session.add(Scorecard(report_id=ra.id, report_revision=1, enterprise_id=ra.enterprise_id,
                             period_id=ra.period_id, family="sts", framework="sts2022", criteria_version="OLD-9",
                             total=1, max_total=100, result={}, current=False))
    db.session.commit()
    auth.login_as(reviewer)
    page = _text(client.get(f"/review/reports/{ra.id}"))
    assert "营业收入" in page and "万元" in page and "9500" in page and "8000" in page
    assert "+18.8%" in page                     # 9500 vs 8000
    assert "生产经营" in page
    assert "OLD-9" not in page and "72.5" in page
    assert 'name="version"' in page and f'value="{ra.version}"' in page
    assert "审核通过" in page and "退回企业修改" in page


def test_report_page_timeline_shows_field_level_differences(client, auth, reviewer, world):
    from portal import audit
    ra = world["ra"]
    audit.record("report.save", actor=world["user_d"], obj=ra, before={"revenue": 9000.0, "employees": None},
                 after={"revenue": 9500.0, "employees": 120})
    db.session.commit()
    auth.login_as(reviewer)
    page = _text(client.get(f"/review/reports/{ra.id}"))
    history = page.split('id="history"')[1]
    assert "营业收入（万元）" in history and "9000" in history and "9500" in history
    assert "从业人员期末人数（人）" in history and "120" in history


def test_return_requires_a_comment_and_keeps_what_was_typed(client, auth, reviewer, world):
    rb = world["rb"]
    auth.login_as(reviewer)
    response = client.post(f"/review/reports/{rb.id}/return", data={"comment": "  ", "version": rb.version})
    assert response.status_code == 400 and "退回时必须填写退回意见" in _text(response)
    response = client.post(f"/review/reports/{rb.id}/return",
                           data={"comment": "请核实营业收入。", "version": rb.version})
    assert response.status_code == 302
    db.session.expire_all()
    report = db.session.get(Report, rb.id)
    assert report.status == ReportStatus.RETURNED and report.review_comment == "请核实营业收入。"


def test_approve_with_a_stale_version_is_refused_in_chinese(client, auth, reviewer, world):
    rb = world["rb"]
    auth.login_as(reviewer)
    stale = rb.version
    assert client.post(f"/review/reports/{rb.id}/approve", data={"version": stale}).status_code == 302
    response = client.post(f"/review/reports/{rb.id}/return", data={"comment": "晚到的退回", "version": stale})
    assert response.status_code == 409
    assert "已被他人修改" in _text(response)
    db.session.expire_all()
    assert db.session.get(Report, rb.id).status == ReportStatus.APPROVED


@pytest.mark.parametrize("version", ["", "abc", "-1", "1e3", "9" * 30])
def test_a_bad_version_field_is_a_clear_error(client, auth, reviewer, world, version):
    auth.login_as(reviewer)
    response = client.post(f"/review/reports/{world['rb'].id}/approve", data={"version": version})
    assert response.status_code in (400, 409)
    assert "请刷新" in _text(response)


def test_allow_amendment_from_the_report_page(client, auth, reviewer, world):
    rc = world["rc"]
    rc.amendment_reason = "主营业务收入口径有误，申请更正。"
    db.session.commit()
    auth.login_as(reviewer)
    page = _text(client.get(f"/review/reports/{rc.id}"))
    assert "同意更正" in page and "主营业务收入口径有误" in page
    assert client.post(f"/review/reports/{rc.id}/allow-amendment", data={"version": rc.version}).status_code == 302
    db.session.expire_all()
    report = db.session.get(Report, rc.id)
    assert report.status == ReportStatus.DRAFT and report.revision == 2
    assert db.session.query(ReportRevision).filter_by(report_id=rc.id, revision=1).count() == 1
    assert "第 1 版" in _text(client.get(f"/review/reports/{rc.id}"))


# --------------------------------------------------------------------------- reminders and notices


def test_reminders_reach_missing_and_draft_enterprises_in_app_and_by_mail(client, auth, reviewer, world, caplog):
    auth.login_as(reviewer)
    with caplog.at_level("INFO"):
        response = client.post(f"/review/board/{world['period'].id}/remind")
    assert response.status_code == 302
    notices = db.session.query(Notice).order_by(Notice.enterprise_id).all()
    assert {n.enterprise_id for n in notices} == {world["d"].id, world["e"].id}
    assert all(n.kind == "reminder" and n.period_id == world["period"].id and n.created_by_id == reviewer.id
               for n in notices)
    assert "d@example.com" in caplog.text and "e@example.com" in caplog.text and "gone@example.com" not in caplog.text
    event = db.session.query(AuditEvent).filter_by(action="period.remind").one()
    assert event.after["enterprises"] == 2 and event.after["emails"] == 2


def test_reminders_use_smtp_when_configured(make_app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["To"], str(message["Subject"]), message["From"]))

    import smtplib
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="mail.example", MAIL_PORT=587, MAIL_USE_TLS=True,
                   MAIL_USERNAME="portal", MAIL_PASSWORD="pw", MAIL_FROM="jxw@example.com")
    with app.test_request_context():
        from portal.review.mailer import send_mail
        send_mail("a@example.com", "催报", "正文")
    assert sent == [("connect", "mail.example", 587), ("starttls",), ("login", "portal", "pw"),
                    ("send", "a@example.com", "催报", "jxw@example.com")]


def test_a_failing_mail_server_does_not_lose_the_notices(make_app, monkeypatch):
    import smtplib

    def refuse(*args, **kwargs):
        raise OSError("connection refused")
    monkeypatch.setattr(smtplib, "SMTP", refuse)
    app = make_app(MAIL_BACKEND="smtp")
    with app.app_context():
        period = factories.period(2026, 3)
        factories.user("enterprise").email = "x@example.com"
        reviewer = factories.user("reviewer")
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = reviewer.get_id()
        response = client.post(f"/review/board/{period.id}/remind", follow_redirects=True)
        assert "1 封邮件发送失败" in _text(response)
        assert db.session.query(Notice).count() == 1


def test_reminders_when_nobody_is_missing(client, auth, reviewer):
    period = factories.period(2026, 3)
    db.session.commit()
    auth.login_as(reviewer)
    response = client.post(f"/review/board/{period.id}/remind", follow_redirects=True)
    assert "没有需要催报的企业" in _text(response)


def test_enterprise_users_see_and_mark_only_their_own_notices(client, auth, world):
    p, d, e = world["period"], world["d"], world["e"]
    mine = Notice(enterprise_id=d.id, period_id=p.id, kind="reminder", title="催报：本企业", body="请提交")
    theirs = Notice(enterprise_id=e.id, period_id=p.id, kind="reminder", title="催报：别家", body="请提交")
    db.session.add_all([mine, theirs])
    db.session.commit()
    auth.login_as(world["user_d"])
    page = _text(client.get("/review/notices"))
    assert "催报：本企业" in page and "催报：别家" not in page and "未读" in page
    assert client.post(f"/review/notices/{theirs.id}/read").status_code == 404
    assert client.post(f"/review/notices/{mine.id}/read").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notice, mine.id).read_at is not None
    assert db.session.get(Notice, theirs.id).read_at is None
    assert db.session.query(AuditEvent).filter_by(action="notice.read").count() == 1
    assert client.get("/review/queue").status_code == 403


# --------------------------------------------------------------------------- audit search


def test_audit_search_filters_by_action_enterprise_login_and_dates(client, auth, reviewer, world):
    from portal import audit
    audit.record("report.submit", actor=world["user_d"], obj=world["ra"], detail="一")
    audit.record("report.approve", actor=reviewer, obj=world["rc"], detail="二")
    old = audit.record("report.return", actor=reviewer, obj=world["rb"], detail="三")
    old.at = datetime(2025, 1, 5, 8, 0)
    audit.record("user.create", actor=reviewer, detail="四")
    db.session.commit()
    auth.login_as(reviewer)

    def details(query):
        page = _text(client.get("/review/audit" + query))
        return {d for d in "一二三四" if f">{d}<" in page.replace("<br>", "<")}

    assert details("?action=report.") == {"一", "二", "三"}
    assert details(f"?login={reviewer.login}") == {"二", "三", "四"}
    assert details("?enterprise=甲机械") == {"一"}
    assert details(f"?enterprise={world['b'].uscc.lower()}") == {"三"}
    assert details("?date_from=2025-01-01&date_to=2025-01-05") == {"三"}
    assert details("?date_to=2024-12-31") == set()
    bad = client.get("/review/audit?date_from=2025-13-40&date_to=x")
    assert bad.status_code == 200 and "部分查询条件无效" in _text(bad)


def test_admin_audit_page_uses_the_shared_query(client, auth):
    from portal import audit
    admin = factories.user("admin")
    audit.record("report.approve", actor=admin, detail="x")
    audit.record("login.success", actor=admin)
    db.session.commit()
    auth.login_as(admin)
    page = _text(client.get("/admin/audit?action=report"))
    assert "report.approve" in page and "login.success" not in page
    assert client.get("/admin/audit?action=100%25").status_code == 200

