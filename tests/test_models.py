"""Model-level rules: USCC check characters, append-only audit, registry-built report columns."""
from __future__ import annotations

import factories
import pytest

from portal import audit
from portal.extensions import db
from portal.fields import registry
from portal.fields.uscc import check_char, is_valid_uscc, uscc_problem
from portal.models import AuditEvent, Enterprise, Report
from portal.models.audit import AppendOnlyError


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "91500151MA0000001" + check_char("91500151MA0000001")])
def test_valid_uscc_passes_the_gb32100_check(code):
    assert is_valid_uscc(code)


@pytest.mark.parametrize(("code", "fragment"), [
    ("91350100M000100Y44", "校验位"),
    ("91350100M000100Y4", "18 位"),
    ("91350100M000100YI3", "不允许的字符"),
    ("", "请填写"),
])
def test_invalid_uscc_is_explained_in_chinese(code, fragment):
    assert fragment in uscc_problem(code)


def test_enterprise_columns_cover_every_profile_key():
    columns = set(Enterprise.__table__.columns.keys())
    assert {f.key for f in registry().profile} <= columns


def test_report_has_a_typed_column_for_every_report_field():
    columns = Report.__table__.columns
    for spec in registry().report_fields:
        assert spec.key in columns, spec.key
        column_type = type(columns[spec.key].type).__name__
        expected = {"decimal": "Float", "int": "Integer", "bool": "Boolean", "multi": "JSON", "map": "JSON"}
        assert column_type == expected.get(spec.type, column_type)


def test_audit_rows_cannot_be_changed_or_deleted(app):
    event = audit.record("test.event", detail="x")
    db.session.commit()
    event.detail = "changed"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()


def test_report_values_round_trip(app):
    ent = factories.enterprise()
    period = factories.period()
    report = factories.report(ent, period, revenue=1234.5, employees=80, design_tools=["cad3d", "cae"],
                              systems={"erp": "full", "mes": "partial"}, industrial_internet=True)
    db.session.commit()
    db.session.expire_all()
    values = db.session.get(Report, report.id).values()
    assert values["revenue"] == 1234.5 and values["employees"] == 80
    assert values["design_tools"] == ["cad3d", "cae"] and values["systems"]["erp"] == "full"
    assert values["gross_output_value"] is None   # empty is not zero
