"""Login, logout, sessions, throttling and password changes."""
from __future__ import annotations

import factories
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, User


def test_login_page_is_chinese_by_default(client):
    page = client.get("/auth/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "登录" in html and "用户名" in html and 'lang="zh-CN"' in html


def test_each_role_reaches_its_home_page(app, client, auth):
    ent = factories.user("enterprise")
    reviewer = factories.user("reviewer")
    admin = factories.user("admin")
    db.session.commit()
    expectations = {ent: ent.enterprise.name, reviewer: "审核工作台", admin: "系统管理"}
    for user, marker in expectations.items():
        response = auth.login(user)
        assert response.status_code == 302
        home = client.get("/home")
        assert marker in home.get_data(as_text=True)
        auth.logout()


def test_wrong_password_is_refused_and_audited(app, client, auth):
    user = factories.user("reviewer")
    db.session.commit()
    response = auth.login(user, password="wrong-password-9")
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "login.failed" in actions


def test_sixth_failed_login_within_window_is_throttled(app, client, auth):
    user = factories.user("reviewer")
    db.session.commit()
    for _ in range(5):
        assert auth.login(user, password="wrong-password-9").status_code == 200
    throttled = auth.login(user)  # even the right password is refused now
    assert throttled.status_code == 429
    assert "登录失败次数过多" in throttled.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_session_cookie_copied_before_logout_is_refused_after(app, client, auth):
    user = factories.user("enterprise")
    db.session.commit()
    auth.login(user)
    assert client.get("/home").status_code == 200
    stolen = client.get_cookie("portal_session").value
    auth.logout()
    other = app.test_client()
    other.set_cookie("portal_session", stolen)
    response = other.get("/home")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(app, client, auth):
    user = factories.user("reviewer")
    db.session.commit()
    auth.login(user)
    other = app.test_client()
    other.post("/auth/login", data={"login": user.login, "password": factories.PASSWORD})
    assert other.get("/home").status_code == 200
    response = client.post("/auth/password", data={"current": factories.PASSWORD, "new": "new-secret-22",
                                                   "confirm": "new-secret-22"})
    assert response.status_code == 302
    assert client.get("/home").status_code == 200       # this session continues
    assert other.get("/home").status_code == 302         # the other one is dead
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("new-secret-22")


def test_weak_new_password_is_refused_with_a_chinese_message(app, client, auth):
    user = factories.user("reviewer")
    db.session.commit()
    auth.login(user)
    response = client.post("/auth/password", data={"current": factories.PASSWORD, "new": "short", "confirm": "short"})
    assert "密码至少需要" in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(app, client, auth):
    user = factories.user("reviewer", active=False)
    db.session.commit()
    auth.login(user)
    assert client.get("/home").status_code == 302


def test_open_redirect_after_login_is_ignored(app, client):
    user = factories.user("reviewer")
    db.session.commit()
    response = client.post("/auth/login?next=https://evil.example/x",
                           data={"login": user.login, "password": factories.PASSWORD})
    assert response.headers["Location"].endswith("/home")


def test_idle_reviewer_session_expires(make_app):
    app = make_app(IDLE_TIMEOUT_MINUTES={"reviewer": 0, "admin": 0, "enterprise": 120})
    with app.app_context():
        user = factories.user("reviewer")
        db.session.commit()
        client = app.test_client()
        client.post("/auth/login", data={"login": user.login, "password": factories.PASSWORD})
        with client.session_transaction() as session:
            session["last_seen"] = session["last_seen"] - 5
        assert client.get("/home").status_code == 302


def test_language_switch_to_english(app, client, auth):
    client.post("/lang/en", data={"next": "/auth/login"})
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Log in" in html


def test_login_is_audited(app, client, auth):
    user = factories.user("admin")
    db.session.commit()
    auth.login(user)
    n = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login.ok"))
    assert n == 1


def test_enterprise_home_lists_its_reports(app, client, auth):
    user = factories.user("enterprise")
    period = factories.period(2026, 3)
    factories.report(user.enterprise, period, status="returned")
    db.session.commit()
    auth.login_as(user)
    html = client.get("/home").get_data(as_text=True)
    assert "2026年第3季度" in html and "已退回" in html


def test_failures_spread_over_many_logins_from_one_ip_are_throttled(app, client):
    """The per-IP count: five wrong passwords on five accounts block a sixth account from that IP."""
    users = [factories.user("reviewer") for _ in range(6)]
    db.session.commit()
    for user in users[:5]:
        response = client.post("/auth/login", data={"login": user.login, "password": "wrong-password-9"})
        assert response.status_code == 200
    response = client.post("/auth/login", data={"login": users[5].login, "password": factories.PASSWORD})
    assert response.status_code == 429
    other = app.test_client()          # the same account from another address is not blocked
    response = other.post("/auth/login", data={"login": users[5].login, "password": factories.PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 302
