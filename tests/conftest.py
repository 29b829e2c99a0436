"""Fixtures: an app per test on a schema created once per session (SQLite, or PostgreSQL when
``TEST_DATABASE_URL`` is set), a client, a CLI runner, an ``auth`` helper and row builders."""
from __future__ import annotations

import os

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _test_config(db_url: str, **overrides) -> dict:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = db_url
    config.update(overrides)
    return config


class FreshContextClient(FlaskClient):
    """Run every request in its own app context, as in production (own ``g``, own DB session).

    The test's own session commits first, so it holds no lock or stale state during the request.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = TEST_DATABASE_URL or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    app = create_app(_test_config(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app with config overrides (each test gets its own, config is never shared)."""
    apps = []

    def factory(**overrides):
        overrides.setdefault("UPLOAD_FOLDER", str(tmp_path / "uploads"))
        app = create_app(_test_config(database_url, **overrides))
        app.test_client_class = FreshContextClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if apps:
        with apps[0].app_context():
            _empty_all_tables()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        _empty_all_tables()
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user, password: str = "correct-horse-1"):
        return self._client.post("/auth/login", data={"login": user.login, "password": password})

    def login_as(self, user) -> None:
        """Put ``user`` in the session directly (no HTTP round trip needed for setup)."""
        with self._client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


# --- browser tests -------------------------------------------------------------------------
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


@pytest.fixture
def live_server(app):
    """Serve ``app`` on a free localhost port in a background thread; yields the base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    db.session.commit()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """A headless Debian chromium driven by Playwright; skips when no browser is installed."""
    executable = next((path for path in CHROMIUM_CANDIDATES if os.path.exists(path)), None)
    if executable is None:
        pytest.skip("no chromium found (apt-get install chromium); browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
