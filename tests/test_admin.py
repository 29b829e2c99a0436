"""Admin management of enterprises, users and periods, and who may reach it."""
from __future__ import annotations

import factories
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Enterprise, ReportingPeriod, User

ADMIN_PAGES = ["/admin/enterprises", "/admin/enterprises/new", "/admin/users", "/admin/users/new",
               "/admin/periods", "/admin/audit"]


def _enterprise_form(**overrides):
    data = {"uscc": factories.make_uscc(), "name": "重庆铜梁新材科技有限公司", "industry_code": "3985",
            "cluster": "electronics", "park": "damiao", "town": "", "founded_on": "2015-03-02",
            "sub_direction": "智能电子", "is_above_scale": "y"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_enterprise_user_gets_403_on_every_admin_page(app, client, auth, path):
    auth.login_as(factories.user("enterprise"))
    db.session.commit()
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_reviewer_gets_403_on_admin_pages(app, client, auth, path):
    auth.login_as(factories.user("reviewer"))
    db.session.commit()
    assert client.get(path).status_code == 403


def test_denied_access_is_audited(app, client, auth):
    user = factories.user("enterprise")
    db.session.commit()
    auth.login_as(user)
    client.get("/admin/users")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.denied"))
    assert event is not None and event.actor_id == user.id and "/admin/users" in event.detail


def test_anonymous_is_sent_to_login(app, client):
    response = client.get("/admin/enterprises")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_sees_every_admin_page(app, client, auth, path):
    auth.login_as(factories.user("admin"))
    db.session.commit()
    assert client.get(path).status_code == 200


def test_admin_creates_an_enterprise(app, client, auth):
    auth.login_as(factories.user("admin"))
    db.session.commit()
    response = client.post("/admin/enterprises/new", data=_enterprise_form())
    assert response.status_code == 302
    created = db.session.scalar(select(Enterprise).where(Enterprise.name == "重庆铜梁新材科技有限公司"))
    assert created is not None and created.cluster == "electronics"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enterprise.create")) is not None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"uscc": "91500151MA0000001X"}, "校验位不正确"),
    ({"uscc": "91500151"}, "应为 18 位"),
    ({"uscc": "9150015IMA0000001X"}, "不允许的字符"),
    ({"name": ""}, "请填写企业名称"),
    ({"industry_code": "5211"}, "制造业门类"),
    ({"industry_code": "abc"}, "4 位数字"),
    ({"park": "town", "town": ""}, "请填写镇街名称"),
    ({"founded_on": ""}, "请填写成立日期"),
])
def test_invalid_enterprise_input_gets_a_chinese_message_and_writes_nothing(app, client, auth, overrides, message):
    auth.login_as(factories.user("admin"))
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Enterprise))
    response = client.post("/admin/enterprises/new", data=_enterprise_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_duplicate_uscc_is_refused(app, client, auth):
    existing = factories.enterprise()
    auth.login_as(factories.user("admin"))
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Enterprise))
    response = client.post("/admin/enterprises/new", data=_enterprise_form(uscc=existing.uscc))
    assert "已被其他企业使用" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_admin_edits_an_enterprise_and_the_change_is_audited(app, client, auth):
    ent = factories.enterprise()
    auth.login_as(factories.user("admin"))
    db.session.commit()
    form = _enterprise_form(uscc=ent.uscc, name="改名后的公司")
    assert client.post(f"/admin/enterprises/{ent.id}", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Enterprise, ent.id).name == "改名后的公司"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enterprise.update"))
    assert event.before["name"].startswith("重庆铜梁测试") and event.after["name"] == "改名后的公司"


def test_admin_creates_an_enterprise_user(app, client, auth):
    ent = factories.enterprise()
    auth.login_as(factories.user("admin"))
    db.session.commit()
    response = client.post("/admin/users/new", data={"login": "newuser", "display_name": "张三", "role": "enterprise",
                                                     "enterprise_uscc": ent.uscc, "password": "good-pass-123",
                                                     "active": "y"})
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.login == "newuser"))
    assert created.enterprise_id == ent.id and created.check_password("good-pass-123")


def test_enterprise_user_without_enterprise_is_refused(app, client, auth):
    auth.login_as(factories.user("admin"))
    db.session.commit()
    response = client.post("/admin/users/new", data={"login": "nobody", "display_name": "李四", "role": "enterprise",
                                                     "password": "good-pass-123"})
    assert "企业用户必须指定所属企业" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.login == "nobody")) is None


def test_deactivating_a_user_ends_their_sessions(app, client, auth):
    target = factories.user("reviewer")
    admin = factories.user("admin")
    db.session.commit()
    victim = app.test_client()
    victim.post("/auth/login", data={"login": target.login, "password": factories.PASSWORD})
    assert victim.get("/home").status_code == 200
    auth.login_as(admin)
    client.post(f"/admin/users/{target.id}", data={"login": target.login, "display_name": "x", "role": "reviewer"})
    assert victim.get("/home").status_code == 302


def test_admin_opens_and_locks_a_period(app, client, auth):
    auth.login_as(factories.user("admin"))
    db.session.commit()
    response = client.post("/admin/periods", data={"year": 2026, "quarter": "4", "opens_on": "2027-01-01",
                                                   "due_on": "2027-01-20"})
    assert response.status_code == 302
    period = db.session.scalar(select(ReportingPeriod))
    assert period.label == "2026Q4" and not period.locked
    client.post(f"/admin/periods/{period.id}/lock")
    db.session.expire_all()
    assert db.session.get(ReportingPeriod, period.id).locked


def test_duplicate_period_is_refused(app, client, auth):
    factories.period(2026, 4)
    auth.login_as(factories.user("admin"))
    db.session.commit()
    response = client.post("/admin/periods", data={"year": 2026, "quarter": "4", "opens_on": "2027-01-01",
                                                   "due_on": "2027-01-20"})
    assert "已存在" in response.get_data(as_text=True)


def test_unicode_digits_in_the_industry_code_are_refused_not_crashed(app, client, auth):
    auth.login_as(factories.user("admin"))
    db.session.commit()
    response = client.post("/admin/enterprises/new", data=_enterprise_form(industry_code="²³⁴⁵"))
    assert response.status_code == 200 and "4 位数字" in response.get_data(as_text=True)
