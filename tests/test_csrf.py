"""With CSRF protection on, a POST without a token is refused everywhere."""
from __future__ import annotations

import factories
import pytest

from portal.extensions import db


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def test_login_post_without_token_is_rejected(csrf_app):
    user = factories.user("admin")
    db.session.commit()
    client = csrf_app.test_client()
    response = client.post("/auth/login", data={"login": user.login, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


def test_every_post_route_refuses_a_missing_token(csrf_app):
    admin = factories.user("admin")
    db.session.commit()
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    checked = 0
    for rule in csrf_app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<{arg}>", "1").replace(f"<int:{arg}>", "1")
        import re
        url = re.sub(r"<[^>]+>", "1", url)
        response = client.post(url, data={"x": "1"})
        assert response.status_code in (400, 404), (url, response.status_code)
        checked += 1
    assert checked >= 5


def test_login_with_token_works(csrf_app):
    import re

    user = factories.user("admin")
    db.session.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"login": user.login, "password": factories.PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302
