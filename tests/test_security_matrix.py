"""The authorization matrix: every route x every role, from an explicit expectation table.

For each rule of ``app.url_map`` (a fresh two-tenant world per rule, see ``security_world``) and
each of anonymous / enterprise A / enterprise B / reviewer / admin, the rule's GET or POST (empty
form) is answered with the class of status the table expects:

- anonymous: a redirect to the login page (401 for the JSON API) unless the endpoint is public;
- a signed-in user outside the endpoint's roles: 403 (audited by ``deny()``);
- an allowed user: a real answer (2xx, 3xx not to the login page, or a 400/409/422 refusal of the
  empty form), never 401/403/404/405/5xx;
- THE KEY RULE: enterprise B on any URL carrying one of A's objects (every report in every
  status, attachment, upload, scorecard, certificate serial, notice, user, enterprise; B's own
  object mixed with A's included) gets 403 or 404, whatever the endpoint;
- a 404 for A's object is indistinguishable from a 404 for an object that does not exist;
- no page an enterprise user can open shows the other enterprise's name or credit code.

An endpoint not in ``EXPECTED`` fails the test, as does a URL argument the world cannot fill.
"""
from __future__ import annotations

from collections import Counter

import pytest
import security_world as sw

PUBLIC = "public"            # anyone, signed in or not
LOGIN = "login"              # any signed-in user; no tenant data in the URL
ENTERPRISE = "enterprise"    # enterprise users only, their own objects only
SCOPED = "scoped"            # enterprise users (own objects only), reviewers and admins (all)
STAFF = "staff"              # reviewers and admins
ADMIN = "admin"              # admins only
API = "api"                  # reviewers and admins (or a bearer token); anonymous gets 401

EXPECTED = {
    "admin.create_enterprise": ADMIN,
    "admin.edit_enterprise": ADMIN,
    "admin.edit_user": ADMIN,
    "admin.list_audit": ADMIN,
    "admin.list_enterprises": ADMIN,
    "admin.list_periods": ADMIN,
    "admin.list_users": ADMIN,
    "admin.lock_period": ADMIN,
    "auth.change_password": LOGIN,
    "auth.login": PUBLIC,
    "auth.logout": LOGIN,
    "certificates.batch_issue": STAFF,
    "certificates.detail": STAFF,
    "certificates.download": SCOPED,
    "certificates.issue": STAFF,
    "certificates.list_certificates": STAFF,
    "certificates.my_certificates": ENTERPRISE,
    "certificates.revoke": STAFF,
    "certificates.scorecard_pdf": SCOPED,
    "certificates.verify": PUBLIC,
    "dashboards.api_indicators": API,
    "dashboards.breakdown": STAFF,
    "dashboards.definitions": STAFF,
    "dashboards.export": {"view=position": ENTERPRISE, "*": STAFF},
    "dashboards.land": STAFF,
    "dashboards.my_position": ENTERPRISE,
    "dashboards.overview": STAFF,
    "dashboards.ranking": STAFF,
    "dashboards.trends": STAFF,
    "main.home": LOGIN,
    "main.index": PUBLIC,
    "main.set_language": PUBLIC,
    "reporting.apply_upload": ENTERPRISE,
    "reporting.delete_attachment": ENTERPRISE,
    "reporting.download_attachment": SCOPED,
    "reporting.download_template": ENTERPRISE,
    "reporting.edit_draft": ENTERPRISE,
    "reporting.list_reports": ENTERPRISE,
    "reporting.preview": ENTERPRISE,
    "reporting.request_amendment": ENTERPRISE,
    "reporting.show_upload": ENTERPRISE,
    "reporting.start_report": ENTERPRISE,
    "reporting.submit_report": ENTERPRISE,
    "reporting.undo_upload": ENTERPRISE,
    "reporting.upload_attachment": ENTERPRISE,
    "reporting.upload_spreadsheet": ENTERPRISE,
    "reporting.view_report": SCOPED,
    "review.allow_amendment": STAFF,
    "review.apply_bulk": STAFF,
    "review.approve_report": STAFF,
    "review.audit": STAFF,
    "review.board": STAFF,
    "review.bulk_import": STAFF,
    "review.bulk_preview": STAFF,
    "review.bulk_template": STAFF,
    "review.export_missing": STAFF,
    "review.export_queue": STAFF,
    "review.my_notices": ENTERPRISE,
    "review.queue": STAFF,
    "review.read_notice": ENTERPRISE,
    "review.return_report": STAFF,
    "review.send_reminders": STAFF,
    "review.undo_bulk": STAFF,
    "review.view_report": STAFF,
    "scorecards.my_scorecards": ENTERPRISE,
    "scorecards.review": STAFF,
    "scorecards.review_list": STAFF,
    "scorecards.view_scorecard": SCOPED,
    "scorecards.what_if": SCOPED,
    "static": PUBLIC,
}

# Public by design although the URL names an enterprise's object: the certificate verification
# page answers anyone holding a serial (printed on the certificate and in its QR code) with the
# status, the enterprise name, the recognition and the dates, and nothing else (checked below).
PUBLIC_BY_DESIGN = {"certificates.verify"}

NONEXISTENT = {name: 987654 for name in sw.OWNED_ARGS} | {"serial": "TL-ZNGC-2099-9999"}

ALLOWED = {
    PUBLIC: set(sw.ROLES),
    LOGIN: {"enterprise_a", "enterprise_b", "reviewer", "admin"},
    ENTERPRISE: {"enterprise_a", "enterprise_b"},
    SCOPED: {"enterprise_a", "enterprise_b", "reviewer", "admin"},
    STAFF: {"reviewer", "admin"},
    ADMIN: {"admin"},
    API: {"reviewer", "admin"},
}
REFUSALS_OF_AN_EMPTY_FORM = {400, 409, 422}
# Where a redirect to the login page is the normal answer (the root page of a visitor, logout).
LOGIN_REDIRECT_IS_THE_ANSWER = {"main.index", "auth.logout"}
# Denied roles go first, so a state change by an allowed role cannot mask a denial.
ORDER = ("anonymous", "enterprise_b", "reviewer", "enterprise_a", "admin")


def access_class(endpoint: str, values: dict) -> str:
    if endpoint not in EXPECTED:
        raise AssertionError(f"endpoint {endpoint!r} is not in the security matrix (tests/test_security_matrix.py "
                             "EXPECTED): decide who may use it and add it")
    entry = EXPECTED[endpoint]
    if isinstance(entry, str):
        return entry
    for key, cls in entry.items():
        if key != "*":
            name, value = key.split("=", 1)
            if str(values.get(name)) == value:
                return cls
    return entry["*"]


def is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303) and "/auth/login" in response.headers.get("Location", "")


def allowed_ok(endpoint: str, response) -> bool:
    code = response.status_code
    if code in (401, 403, 404, 405) or code >= 500:
        return False
    if is_login_redirect(response) and endpoint not in LOGIN_REDIRECT_IS_THE_ANSWER:
        return False
    return code < 400 or code in REFUSALS_OF_AN_EMPTY_FORM


def _markers(tenant) -> tuple[str, str]:
    return tenant.name, tenant.uscc


def _leaks(response, tenant) -> list[str]:
    if response.status_code != 200 or not response.mimetype.startswith(("text/", "application/json")):
        return []
    body = response.get_data(as_text=True)
    return [m for m in _markers(tenant) if m in body]


class Matrix:
    def __init__(self):
        self.checks = Counter()
        self.failures: list[str] = []

    def fail(self, role, method, url, endpoint, what, response):
        self.failures.append(f"{role:13} {method:4} {url} ({endpoint}): {what}, got {response.status_code} "
                             f"{response.headers.get('Location', '')}")

    def run_rule(self, app, rule) -> None:
        for method in sw.methods_of(rule):
            world = sw.build_world()
            clients = {role: sw.client_for(app, world, role) for role in sw.ROLES}
            for role in ORDER:
                self._role(clients[role], world, rule, method, role)

    def _request(self, client, method, url):
        self.checks["requests"] += 1
        response = client.open(url, method=method, data={} if method == "POST" else None)
        response.get_data()
        response.close()            # static files are streamed from an open file
        self.checks[f"status {response.status_code}"] += 1
        return response

    def _role(self, client, world, rule, method, role) -> None:
        endpoint = rule.endpoint
        tenant = world.b if role == "enterprise_b" else world.a
        for url, values in sw.owner_urls(rule, world, tenant):
            cls = access_class(endpoint, values)
            response = self._request(client, method, url)
            self.checks[(role, "own")] += 1
            if role == "anonymous" and cls != PUBLIC:
                want = response.status_code == 401 if cls == API else is_login_redirect(response)
                if not want:
                    self.fail(role, method, url, endpoint, f"anonymous on {cls} must be sent to log in", response)
            elif role in ALLOWED[cls]:
                if not allowed_ok(endpoint, response):
                    self.fail(role, method, url, endpoint, f"{cls} endpoint refused an allowed role", response)
            elif response.status_code != 403:
                self.fail(role, method, url, endpoint, f"{cls} endpoint must answer 403", response)
            if role in ("enterprise_a", "enterprise_b") and method == "GET":
                other = world.a if role == "enterprise_b" else world.b
                for marker in _leaks(response, other):
                    self.fail(role, method, url, endpoint, f"shows the other enterprise's {marker!r}", response)
        if role == "enterprise_b":
            for url, values in sw.cross_tenant_urls(rule, world):
                response = self._request(client, method, url)
                self.checks["cross-tenant"] += 1
                if endpoint in PUBLIC_BY_DESIGN:
                    if response.status_code != 200 or world.a.uscc in response.get_data(as_text=True):
                        self.fail(role, method, url, endpoint, "public page must answer with the minimum", response)
                    continue
                if response.status_code not in (403, 404):
                    self.fail(role, method, url, endpoint, "KEY RULE: B on A's object must get 403/404", response)
                elif response.status_code == 404:
                    # Another enterprise's object and no object at all must look the same.
                    missing = {k: (NONEXISTENT[k] if k in sw.OWNED_ARGS else v) for k, v in values.items()}
                    twin = self._request(client, method, sw.fill(rule, missing))
                    self.checks["existence-oracle"] += 1
                    if twin.status_code != 404:
                        self.fail(role, method, url, endpoint, "A's object answers unlike a missing one", twin)
                for marker in _leaks(response, world.a):
                    self.fail(role, method, url, endpoint, f"error page shows {marker!r}", response)


def test_every_endpoint_is_in_the_expectation_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(EXPECTED))
    assert not missing, f"add these endpoints to EXPECTED in tests/test_security_matrix.py: {missing}"
    stale = sorted(set(EXPECTED) - endpoints)
    assert not stale, f"endpoints in EXPECTED that no longer exist: {stale}"


def test_every_url_argument_is_known_to_the_world(app):
    for rule in app.url_map.iter_rules():
        sw.check_known(rule)


def test_authorization_matrix(app, capsys):
    matrix = Matrix()
    rules = sw.app_rules(app)
    for rule in rules:
        matrix.run_rule(app, rule)
    routes = sum(len(sw.methods_of(r)) for r in rules)
    with capsys.disabled():
        print(f"\nsecurity matrix: {len(rules)} rules, {routes} route-methods x {len(sw.ROLES)} roles; "
              f"{matrix.checks['requests']} requests, {matrix.checks['cross-tenant']} cross-tenant "
              f"(B on A's objects), {matrix.checks['existence-oracle']} compared with a missing object, "
              f"{len(matrix.failures)} failures")
        print("  statuses: " + ", ".join(f"{k[7:]}: {v}" for k, v in sorted(matrix.checks.items(), key=str)
                                         if isinstance(k, str) and k.startswith("status ")))
    assert not matrix.failures, "\n".join(matrix.failures)


@pytest.mark.parametrize("role", ["enterprise_b"])
def test_cross_tenant_walk_covers_every_owned_argument(app, role):
    """Every owned argument kind appears in at least one route, so the key rule is exercised for it."""
    world = sw.build_world()
    seen = set()
    for rule in app.url_map.iter_rules():
        if sw.cross_tenant_urls(rule, world):
            seen.update(n for n in rule.arguments if n in sw.OWNED_ARGS)
    assert seen == set(sw.OWNED_ARGS)
