"""A two-tenant world for the security tests, and helpers to walk the URL map.

Enterprise A (user ``a``) and enterprise B (user ``b``) each get: reports in every status (one
per period), evidence attachments, a spreadsheet upload, a confirmed scorecard with a certificate
issued from it, a pending scorecard, and a notice. Plus a reviewer, an admin, a bulk import by the
reviewer and an open period nobody has started yet. ``ARG_SOURCES`` says which of these objects
fills each URL argument; an argument not named there fails the walking tests, so a new route
cannot slip past the matrix unexamined.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

import factories

from portal.certificates import services as cert_services
from portal.extensions import db
from portal.models import Attachment, BulkImport, Notice, SpreadsheetUpload
from portal.reporting import attachments as storage
from portal.reporting import services as reporting_services

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + b"0" * 200
ROLES = ("anonymous", "enterprise_a", "enterprise_b", "reviewer", "admin")


@dataclass
class Tenant:
    enterprise: object
    user: object
    reports: dict = field(default_factory=dict)        # status -> Report
    attachments: list = field(default_factory=list)
    upload: object = None
    scorecard: object = None
    pending_scorecard: object = None
    certificate: object = None
    notice: object = None
    args: dict = field(default_factory=dict)           # OWNED_ARGS values, read once after commit
    name: str = ""
    uscc: str = ""


@dataclass
class World:
    a: Tenant
    b: Tenant
    reviewer: object
    admin: object
    open_period: object
    periods: list
    bulk: object
    shared: dict = field(default_factory=dict)         # SHARED_ARGS values, read once after commit
    session_ids: dict = field(default_factory=dict)    # role -> the login session's user id

    def user_for(self, role: str):
        return {"enterprise_a": self.a.user, "enterprise_b": self.b.user, "reviewer": self.reviewer,
                "admin": self.admin}.get(role)


def empty_all_tables() -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _attachment(report, user, name: str) -> Attachment:
    stored = storage.store(io.BytesIO(PDF), name)
    row = Attachment(report_id=report.id, enterprise_id=report.enterprise_id, report_revision=report.revision,
                     section="innovation", field_key="rd_expenditure", stored_name=stored.stored_name,
                     display_name=stored.display_name, content_type=stored.content_type, size=stored.size,
                     sha256=stored.sha256, uploaded_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    return row


def _tenant(name: str, periods: dict, reviewer) -> Tenant:
    enterprise = factories.enterprise(name=name)
    user = factories.user("enterprise", enterprise_obj=enterprise)
    tenant = Tenant(enterprise=enterprise, user=user)
    values = dict(revenue=5000.0, rd_expenditure=200.0, employees=120, gross_output_value=6000.0)
    for status, period in periods.items():
        tenant.reports[status] = factories.report(enterprise, period, status=status, **values)
    draft, approved = tenant.reports["draft"], tenant.reports["approved"]
    tenant.attachments = [_attachment(draft, user, f"{name}-草稿证明.pdf"),
                          _attachment(approved, user, f"{name}-批准证明.pdf")]
    tenant.upload = SpreadsheetUpload(report_id=draft.id, enterprise_id=enterprise.id, user_id=user.id,
                                      filename="填报.xlsx", parsed_values={"employees": 130}, cell_errors=[])
    db.session.add(tenant.upload)
    tenant.scorecard = factories.scorecard(approved, family="smart", review_state="confirmed")
    tenant.pending_scorecard = factories.scorecard(approved, family="green", review_state="pending")
    tenant.certificate = cert_services.issue_certificate(tenant.scorecard, actor=reviewer,
                                                         today=cert_services.local_today())
    tenant.notice = Notice(enterprise_id=enterprise.id, period_id=periods["draft"].id, kind="reminder",
                           title=f"{name}催报", body="请按时报送。", created_by_id=reviewer.id)
    db.session.add(tenant.notice)
    db.session.flush()
    return tenant


def build_world() -> World:
    """Empty the database and build the two-tenant world (committed)."""
    empty_all_tables()
    today = reporting_services.local_today()
    reviewer = factories.user("reviewer")
    admin = factories.user("admin")
    periods = {
        "returned": factories.period(2025, 4),
        "submitted": factories.period(2026, 1),
        "approved": factories.period(2026, 2),
        "draft": factories.period(2026, 3, opens_on=today - timedelta(days=10), due_on=today + timedelta(days=10)),
    }
    open_period = factories.period(2026, 4, opens_on=today - timedelta(days=5), due_on=today + timedelta(days=20))
    a = _tenant("重庆铜梁甲乙丙精密机械有限公司", periods, reviewer)
    b = _tenant("重庆铜梁丁戊己电子科技有限公司", periods, reviewer)
    bulk = BulkImport(period_id=periods["draft"].id, user_id=reviewer.id, filename="bulk.xlsx", rows=[],
                      cell_errors=[], state="preview")
    db.session.add(bulk)
    db.session.commit()
    world = World(a=a, b=b, reviewer=reviewer, admin=admin, open_period=open_period,
                  periods=list(periods.values()) + [open_period], bulk=bulk)
    # Plain values, so that requests deleting or changing rows cannot expire what the walk uses.
    for tenant in (a, b):
        tenant.args = {name: get(tenant) for name, get in OWNED_ARGS.items()}
        tenant.name, tenant.uscc = tenant.enterprise.name, tenant.enterprise.uscc
    world.shared = {name: get(world) for name, get in SHARED_ARGS.items()}
    world.session_ids = {role: world.user_for(role).get_id() for role in ROLES if role != "anonymous"}
    return world


# --------------------------------------------------------------------------- URL arguments

# Arguments naming an object that belongs to one enterprise: tenant -> list of candidate values
# (the first is the one the owner's "allowed" request uses).
OWNED_ARGS = {
    "report_id": lambda t: [t.reports[s].id for s in ("draft", "submitted", "returned", "approved")],
    "attachment_id": lambda t: [x.id for x in t.attachments],
    "upload_id": lambda t: [t.upload.id],
    "scorecard_id": lambda t: [t.scorecard.id, t.pending_scorecard.id],
    "serial": lambda t: [t.certificate.serial],
    "notice_id": lambda t: [t.notice.id],
    "enterprise_id": lambda t: [t.enterprise.id],
    "user_id": lambda t: [t.user.id],
}
# Arguments naming something shared by every tenant (or no object at all): world -> values.
SHARED_ARGS = {
    "period_id": lambda w: [w.open_period.id],
    "import_id": lambda w: [w.bulk.id],
    "fmt": lambda w: ["xlsx", "csv"],
    "view": lambda w: ["indicators", "breakdown", "trends", "ranking", "land", "definitions", "position"],
    "code": lambda w: ["en"],
    "filename": lambda w: ["portal.css"],
}
# Per endpoint, which of the owner's objects the owner's own request uses (when the default,
# the first candidate, is not the one the page needs).
OWNER_PICK = {
    "certificates.scorecard_pdf": {"report_id": 3},      # the approved report has the scorecards
}


class UnknownArgument(AssertionError):
    pass


def fill(rule, values: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + name + ">", str(values[name]), url)
    assert "<" not in url, url
    return url


def check_known(rule) -> None:
    for name in rule.arguments:
        if name not in OWNED_ARGS and name not in SHARED_ARGS:
            raise UnknownArgument(f"URL argument {name!r} of {rule.rule} ({rule.endpoint}) is not in the "
                                  "security matrix: add it to OWNED_ARGS or SHARED_ARGS in tests/security_world.py")


def owner_urls(rule, world: World, tenant: Tenant | None = None) -> list[tuple[str, dict]]:
    """URLs of ``rule`` filled with ``tenant``'s objects (default A): one per shared-arg value."""
    import itertools

    check_known(rule)
    tenant = tenant or world.a
    names = sorted(rule.arguments)
    choices = []
    for name in names:
        if name in OWNED_ARGS:
            candidates = tenant.args[name]
            pick = OWNER_PICK.get(rule.endpoint, {}).get(name, 0)
            choices.append([candidates[pick]])
        else:
            choices.append(world.shared[name])
    out = []
    for combo in itertools.product(*choices):
        values = dict(zip(names, combo, strict=True))
        out.append((fill(rule, values), values))
    return out


def cross_tenant_urls(rule, world: World) -> list[tuple[str, dict]]:
    """Every URL of ``rule`` that carries at least one of A's objects, for B to try.

    Owned arguments range over all of A's objects of that kind and B's own; combinations made
    only of B's own objects are left out (those are B's legitimate URLs).
    """
    import itertools

    check_known(rule)
    names = sorted(rule.arguments)
    if not any(n in OWNED_ARGS for n in names):
        return []
    choices = []
    for name in names:
        if name in OWNED_ARGS:
            choices.append([("a", v) for v in world.a.args[name]] + [("b", world.b.args[name][0])])
        else:
            choices.append([("shared", v) for v in world.shared[name]])
    out = []
    for combo in itertools.product(*choices):
        if not any(owner == "a" for owner, _ in combo):
            continue
        values = {n: v for n, (_, v) in zip(names, combo, strict=True)}
        out.append((fill(rule, values), values))
    return out


def client_for(app, world: World, role: str):
    client = app.test_client()
    if role in world.session_ids:
        with client.session_transaction() as session:
            session["_user_id"] = world.session_ids[role]
            session["_fresh"] = True
    return client


def methods_of(rule) -> list[str]:
    return sorted(m for m in rule.methods if m in ("GET", "POST"))


def app_rules(app) -> list:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))
