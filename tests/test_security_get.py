"""No GET changes state: every GET route, as every role, leaves the business tables as they were.

Only ``audit_event`` (downloads, exports and denials are audited) and ``login_attempt`` may grow
on a GET. Every other table is compared row by row, every column, before and after each request.
"""
from __future__ import annotations

import os

import security_world as sw
from sqlalchemy import select

from portal.extensions import db

MAY_CHANGE_ON_GET = {"audit_event", "login_attempt"}


def snapshot() -> dict[str, list[tuple]]:
    db.session.rollback()           # see what the request (in its own session) committed
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in MAY_CHANGE_ON_GET:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        state[table.name] = [tuple(repr(v) for v in r) for r in rows]
    return state


def files_under(folder: str) -> list[str]:
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs) if os.path.isdir(folder) else []


def test_no_get_request_changes_a_business_table(app):
    world = sw.build_world()
    clients = {role: sw.client_for(app, world, role) for role in sw.ROLES}
    before = snapshot()
    files_before = files_under(app.config["UPLOAD_FOLDER"])
    assert all(before[t] for t in ("report", "attachment", "scorecard", "certificate", "notice")), \
        "the world must have rows to compare"
    checked, changed = 0, []
    for rule in sw.app_rules(app):
        if "GET" not in rule.methods:
            continue
        urls = sw.owner_urls(rule, world) + sw.owner_urls(rule, world, world.b) + sw.cross_tenant_urls(rule, world)
        for url, _values in urls:
            for role in sw.ROLES:
                response = clients[role].get(url)
                response.get_data()
                response.close()
                checked += 1
                after = snapshot()
                if after != before:
                    tables = sorted(t for t in before if before[t] != after[t])
                    changed.append(f"{role} GET {url} ({rule.endpoint}) changed {tables}")
                    before = after
    print(f"\nGET requests checked: {checked}")
    assert checked > 200
    assert not changed, "\n".join(changed)
    assert files_under(app.config["UPLOAD_FOLDER"]) == files_before
