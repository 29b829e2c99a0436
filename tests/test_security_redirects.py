"""No open redirect: a hostile ``next`` never sends the browser to another site.

Browsers drop tabs and newlines from a URL and read a backslash as a slash, so ``/\\t/evil`` and
``/\\evil`` become ``//evil`` (another host). Every route, as every role, with each hostile
``next`` in the query string and the form must answer with a Location on this site.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import factories
import pytest
import security_world as sw

from portal.extensions import db

HOSTILE = ["https://evil.example/x", "//evil.example", "/\t/evil.example", "/\n/evil.example", "/\\evil.example",
           "\\\\evil.example", "/\\/evil.example", "\t//evil.example", "javascript:alert(1)", " //evil.example",
           "/%2F/evil.example", "///evil.example"]


def browser_target(location: str) -> str:
    """What a browser makes of a Location value: tabs/newlines removed, backslashes as slashes."""
    cleaned = "".join(c for c in location if c not in "\t\n\r").strip().replace("\\", "/")
    return cleaned


def is_off_site(location: str) -> bool:
    target = browser_target(location)
    parts = urlsplit(target)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return True
    return bool(parts.netloc) and parts.netloc not in ("localhost", "127.0.0.1")


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_and_login_stay_on_site(app, client, target):
    user = factories.user("reviewer")
    db.session.commit()
    response = client.post("/lang/en", data={"next": target})
    assert response.status_code == 302 and not is_off_site(response.headers["Location"]), response.headers
    response = client.post("/auth/login", query_string={"next": target},
                           data={"login": user.login, "password": factories.PASSWORD})
    assert response.status_code == 302 and not is_off_site(response.headers["Location"]), response.headers


@pytest.mark.parametrize("target", HOSTILE)
def test_scorecard_review_return_address_stays_on_site(app, client, auth, target):
    ent = factories.enterprise()
    report = factories.report(ent, factories.period(2026, 2), status="approved")
    card = factories.scorecard(report, review_state="pending")
    reviewer = factories.user("reviewer")
    db.session.commit()
    auth.login_as(reviewer)
    response = client.post(f"/scorecards/{card.id}/review", data={"decision": "confirmed", "next": target})
    assert response.status_code == 302 and not is_off_site(response.headers["Location"]), response.headers


def test_no_route_redirects_off_site_for_any_role(app):
    world = sw.build_world()
    clients = {role: sw.client_for(app, world, role) for role in sw.ROLES}
    offenders, checked = [], 0
    for rule in sw.app_rules(app):
        for method in sw.methods_of(rule):
            for url, _values in sw.owner_urls(rule, world):
                for role in ("anonymous", "enterprise_a", "reviewer", "admin"):
                    for target in ("/\t/evil.example", "//evil.example", "https://evil.example"):
                        data = {"next": target} if method == "POST" else None
                        response = clients[role].open(url, method=method, data=data,
                                                      query_string={"next": target})
                        response.close()
                        checked += 1
                        location = response.headers.get("Location")
                        if location and is_off_site(location):
                            offenders.append(f"{role} {method} {url} -> {location!r}")
    assert checked > 300
    assert not offenders, "\n".join(offenders)
