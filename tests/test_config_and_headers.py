"""Production refuses insecure configuration; every response carries the security headers."""
from __future__ import annotations

import factories
import pytest

from portal import create_app
from portal.extensions import db


def test_production_refuses_the_default_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "dev-insecure-change-me"})


def test_production_refuses_debug(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_PRODUCTION", "1")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="debug"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "a-real-secret-key-123"})


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_PRODUCTION", "1")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "a-real-secret-key-123"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["HSTS"]
    response = app.test_client().get("/auth/login")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_security_headers_on_every_page(app, client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_of_a_logged_in_user_are_not_cached(app, client, auth):
    auth.login_as(factories.user("reviewer"))
    db.session.commit()
    assert client.get("/home").headers["Cache-Control"] == "no-store"


def test_no_inline_script_in_any_template():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent / "portal" / "templates"
    for path in root.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, f"inline <script> in {path}"
        assert not re.search(r"\son(click|load|change|submit|input)=", html), f"inline handler in {path}"


def test_error_pages_show_no_stack_trace(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False, TESTING=False, DEBUG=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with app.app_context():
        response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body and "系统出现错误" in body


def test_unknown_page_is_a_chinese_404(app, client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_oversized_body_is_refused(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    with app.app_context():
        response = app.test_client().post("/auth/login", data={"login": "x" * 5000, "password": "y"})
    assert response.status_code == 413


def test_csrf_protection_is_on_in_the_shipped_configuration(monkeypatch, tmp_path):
    """The tests turn CSRF off (TestConfig); the configuration the portal runs with must have it on."""
    monkeypatch.delenv("PORTAL_PRODUCTION", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "a-real-secret-key-123"})
    assert not app.testing and app.config["WTF_CSRF_ENABLED"] is True
    response = app.test_client().post("/auth/login", data={"login": "someone", "password": "whatever-123"})
    assert response.status_code == 400
