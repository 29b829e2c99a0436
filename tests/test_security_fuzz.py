"""Fuzzing every POST endpoint (walked from the URL map) as a role allowed to use it: zero 500s.

Random form fields come from a pool of the names the portal's forms use, every report field key
of the registry (and its map sub-keys), and random names; values are random unicode, huge and
odd numbers, empty strings, markup and path fragments; file fields get random or well-formed
content under hostile names (``../..``, absolute paths, Windows paths, NUL, very long). After
the run no file exists outside ``UPLOAD_FOLDER`` that was not there before, every stored file
has a generated name, and no stored name equals an uploaded one.
"""
from __future__ import annotations

import io
import os

import pytest
import security_world as sw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.fields import registry
from portal.forms.reporting import SUB_PREFIX, map_keys
from portal.models import Attachment
from portal.reporting import attachments as storage

FUZZ = settings(max_examples=15, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# The role each access class is fuzzed as (from the matrix's table).
FUZZ_ROLE = {"public": "anonymous", "login": "enterprise_a", "enterprise": "enterprise_a", "scoped": "enterprise_a",
             "staff": "reviewer", "admin": "admin", "api": "reviewer"}

FORM_NAMES = (
    "version", "comment", "reason", "decision", "note", "target", "period", "family", "login", "password",
    "current", "new", "confirm", "next", "year", "quarter", "opens_on", "due_on", "name", "uscc", "role",
    "display_name", "enterprise_uscc", "email", "active", "serial", "q", "status", "submit", "csrf_token",
    "industry_code", "cluster", "park", "town", "founded_on", "land_area_mu", "is_above_scale", "niche_since_year",
    "explain-yoy_output", "explain-revenue.range", "page", "id", "enterprise_id", "report_id",
)


def _field_names() -> list[str]:
    names = list(FORM_NAMES)
    for spec in registry().report_fields:
        if spec.type == "map":
            names += [f"{spec.key}-{SUB_PREFIX}{key}" for key, _ in map_keys(spec)]
        else:
            names.append(spec.key)
    return names


NASTY_TEXT = st.sampled_from([
    "", " ", "0", "-1", "1e308", "-1e308", "9" * 400, "NaN", "inf", "-0", "1,2,3", "１２３", "0x10", "1_000",
    "../../../../etc/passwd", "..\\..\\windows\\win.ini", "<script>alert(1)</script>", "' OR 1=1 --",
    "field:rd_expenditure", "section:innovation", "confirmed", "rejected", "2026Q3", "smart", "1", "2", "en",
    "%00", "\u202e", "\ufeff", "𠀀" * 50, "a" * 5000, "2026-02-30", "9999-12-31", "0000-00-00", "true", "None",
])
TEXT = st.one_of(NASTY_TEXT, st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
                 st.integers(-10**30, 10**30).map(str), st.floats().map(repr))
FILENAMES = st.one_of(st.sampled_from([
    "../../evil.pdf", "../../../../tmp/evil.pdf", "/etc/passwd", "..\\..\\evil.pdf", "C:\\evil.pdf", "evil\x00.pdf",
    ".pdf", "..", ".", "", "a" * 300 + ".pdf", "con.pdf", "填报.xlsx", "x.xlsx", "report.pdf",
]), st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
PDF = b"%PDF-1.7\n" + b"0" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CONTENTS = st.one_of(st.sampled_from([PDF, PNG, b"", b"PK\x03\x04" + b"\x00" * 40, b"<html>"]),
                     st.binary(max_size=300))
FILE_FIELDS = ("file",)


def _post_rules() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "collect"})
    return sorted({(r.endpoint, r.rule) for r in app.url_map.iter_rules() if "POST" in r.methods})


POST_RULES = _post_rules()


def _files_outside(root: str, upload_folder: str) -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".venv", ".git", "__pycache__", "node_modules", ".hypothesis")
                   and os.path.abspath(os.path.join(folder, d)) != upload_folder]
        found.update(os.path.join(folder, f) for f in files)
    return found


def _roots(app) -> list[str]:
    upload = os.path.abspath(app.config["UPLOAD_FOLDER"])
    return [os.path.dirname(upload), os.path.abspath(os.path.join(os.path.dirname(__file__), "..")), "/tmp"]


@pytest.mark.parametrize("endpoint, rule_text", POST_RULES, ids=[f"{e}:{r}" for e, r in POST_RULES])
def test_random_posts_never_fail_with_500(app, endpoint, rule_text):
    from test_security_matrix import access_class

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_text)
    world = sw.build_world()
    upload_folder = os.path.abspath(app.config["UPLOAD_FOLDER"])
    before = {root: _files_outside(root, upload_folder) for root in _roots(app)}
    urls = sw.owner_urls(rule, world)
    role = FUZZ_ROLE[access_class(endpoint, urls[0][1])]
    client = sw.client_for(app, world, role)
    names = _field_names()
    uploaded_names: set[str] = set()

    fields = st.dictionaries(st.one_of(st.sampled_from(names), st.text(max_size=12)),
                             st.one_of(TEXT, st.lists(TEXT, max_size=3)), max_size=12)

    @FUZZ
    @given(url=st.sampled_from(urls), data=fields, with_file=st.booleans(), name=FILENAMES, content=CONTENTS)
    def run(url, data, with_file, name, content):
        form = dict(data)
        if with_file:
            for key in FILE_FIELDS:
                form[key] = (io.BytesIO(content), name)
                uploaded_names.add(name)
        response = client.post(url[0], data=form, content_type="multipart/form-data")
        response.get_data()
        response.close()
        assert response.status_code < 500, (role, url[0], form, response.status_code)

    run()
    after = {root: _files_outside(root, upload_folder) for root in _roots(app)}
    for root in before:
        created = {p for p in after[root] - before[root]
                   if not p.startswith("/tmp/") or os.path.basename(p) in {os.path.basename(n) for n in uploaded_names}}
        assert not created, f"files created outside UPLOAD_FOLDER: {sorted(created)}"
    db.session.rollback()
    stored = db.session.scalars(select(Attachment.stored_name)).all()
    assert all(storage.STORED_NAME.fullmatch(s) for s in stored)
    assert not set(stored) & uploaded_names
    if os.path.isdir(upload_folder):
        assert all(storage.STORED_NAME.fullmatch(f) for f in os.listdir(upload_folder))


def test_every_post_endpoint_is_fuzzed(app):
    live = {(r.endpoint, r.rule) for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert live == set(POST_RULES)
