"""Session and login properties not covered by test_auth.py: fixation, cookie flags, enumeration."""
from __future__ import annotations

import re

import factories
import pytest

from portal.auth import services as auth_services
from portal.extensions import db


def test_login_issues_a_new_session_and_drops_what_was_planted_before(app, client):
    user = factories.user("enterprise")
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
        session["_user_id"] = "999:1"
    before = client.get_cookie("portal_session").value
    assert client.post("/auth/login", data={"login": user.login, "password": factories.PASSWORD}).status_code == 302
    assert client.get_cookie("portal_session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_session_cookie_is_httponly_and_samesite(app, client):
    user = factories.user("reviewer")
    db.session.commit()
    response = client.post("/auth/login", data={"login": user.login, "password": factories.PASSWORD})
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("portal_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_forged_user_id_in_the_session_is_not_a_login(app, client):
    user = factories.user("admin")
    db.session.commit()
    for forged in (f"{user.id}:999", f"{user.id}", "x:y", f"{user.id}:1:extra", ""):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert client.get("/admin/users").status_code == 302, forged


def test_deactivating_a_user_ends_their_session_at_once(app, client, auth):
    user = factories.user("reviewer")
    db.session.commit()
    auth.login_as(user)
    assert client.get("/review/queue").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/review/queue").status_code == 302


@pytest.mark.parametrize("case", ["unknown", "inactive", "wrong password"])
def test_every_failed_login_checks_a_password_hash(app, client, monkeypatch, case):
    """Unknown and inactive accounts cost one hash check like a wrong password (no timing oracle)."""
    user = factories.user("reviewer", active=case != "inactive")
    db.session.commit()
    calls = []
    real = auth_services.check_password_hash
    monkeypatch.setattr(auth_services, "check_password_hash", lambda h, p: calls.append(1) or real(h, p))
    import portal.models.user as user_module
    real_user_check = user_module.check_password_hash
    monkeypatch.setattr(user_module, "check_password_hash", lambda h, p: calls.append(1) or real_user_check(h, p))
    login = "no-such-user" if case == "unknown" else user.login
    password = "wrong-password-1" if case == "wrong password" else factories.PASSWORD
    response = client.post("/auth/login", data={"login": login, "password": password})
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert len(calls) == 1


def test_the_failed_login_message_is_the_same_for_unknown_and_known_accounts(app, client):
    user = factories.user("enterprise")
    db.session.commit()
    unknown = client.post("/auth/login", data={"login": "no-such-user", "password": "x" * 12})
    known = client.post("/auth/login", data={"login": user.login, "password": "x" * 12})
    assert unknown.status_code == known.status_code == 200
    def strip(response) -> str:
        # The login name echoed back, and the CSRF token (signed with a timestamp, so two requests
        # a second apart differ there), are the only parts allowed to differ.
        html = response.get_data(as_text=True).replace("no-such-user", "").replace(user.login, "")
        return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"|(value=")[^"]*("[^>]*name="csrf_token")', r"\1\2\3", html)

    assert strip(unknown) == strip(known)
