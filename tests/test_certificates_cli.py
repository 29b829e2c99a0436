"""``flask certificates list / export / issue-batch``."""
from __future__ import annotations

import io
import json
from datetime import date

import factories
from pypdf import PdfReader
from sqlalchemy import select

from portal.certificates import services
from portal.extensions import db
from portal.models import AuditEvent, Certificate

NAME = "重庆铜梁龙腾智能装备制造有限公司"


def eligible(period, family="smart", name=None, **kw):
    enterprise = factories.enterprise(**({"name": name} if name else {}))
    report = factories.report(enterprise, period, status="approved", revenue=5000.0)
    return factories.scorecard(report, family=family, **kw)


def test_list_json_gives_serial_enterprise_framework_and_status(app, runner):
    reviewer = factories.user("reviewer")
    period = factories.period(2026, 3)
    cert = services.issue_certificate(eligible(period, name=NAME), actor=reviewer, today=date(2026, 11, 20))
    revoked = services.issue_certificate(eligible(period, family="green"), actor=reviewer, today=date(2026, 11, 20))
    services.revoke_certificate(revoked, "申报数据不实", actor=reviewer)
    db.session.commit()
    result = runner.invoke(args=["certificates", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["serial"]: row for row in json.loads(result.output)}
    assert rows[cert.serial]["enterprise"] == NAME
    assert rows[cert.serial]["framework"] == "smart_cq"
    assert rows[cert.serial]["status"] == "valid"
    assert rows[revoked.serial]["status"] == "revoked"
    plain = runner.invoke(args=["certificates", "list", "--status", "revoked"])
    assert revoked.serial in plain.output and cert.serial not in plain.output


def test_list_with_no_certificates_says_so(app, runner):
    result = runner.invoke(args=["certificates", "list"])
    assert result.exit_code == 0 and "没有证书" in result.output
    assert json.loads(runner.invoke(args=["certificates", "list", "--json"]).output) == []


def test_export_writes_the_certificate_pdf(app, runner, tmp_path):
    cert = services.issue_certificate(eligible(factories.period(2026, 3), name=NAME), actor=factories.user("admin"),
                                      today=date(2026, 11, 20))
    db.session.commit()
    out = tmp_path / "cert.pdf"
    result = runner.invoke(args=["certificates", "export", cert.serial.lower(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert NAME in text and cert.serial in text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.export")) is not None
    missing = runner.invoke(args=["certificates", "export", "TL-ZNGC-2026-0999", "--out", str(tmp_path / "x.pdf")])
    assert missing.exit_code != 0 and "未找到证书" in missing.output


def test_issue_batch_issues_for_a_period_and_family(app, runner):
    admin = factories.user("admin")
    period = factories.period(2025, 4)
    eligible(period)
    eligible(period)
    eligible(period, passed=False, grade="未达到认定条件", total=30.0)
    db.session.commit()
    result = runner.invoke(args=["certificates", "issue-batch", "--period", "2025Q4", "--family", "smart",
                                 "--date", "2026-02-15"])
    assert result.exit_code == 0, result.output
    assert "签发 2 张" in result.output and "跳过 1 项" in result.output
    certs = db.session.scalars(select(Certificate).order_by(Certificate.serial)).all()
    assert [c.serial for c in certs] == ["TL-ZNGC-2026-0001", "TL-ZNGC-2026-0002"]
    assert all(c.issued_by_id == admin.id and c.issued_on == date(2026, 2, 15) for c in certs)


def test_issue_batch_refuses_unknown_period_family_or_actor(app, runner):
    factories.period(2025, 4)
    factories.user("admin")
    db.session.commit()
    assert "未找到评价期" in runner.invoke(args=["certificates", "issue-batch", "--period", "2019Q1",
                                                 "--family", "smart"]).output
    assert "未知的评价体系" in runner.invoke(args=["certificates", "issue-batch", "--period", "2025Q4",
                                                   "--family", "nope"]).output
    enterprise_user = factories.user("enterprise")
    db.session.commit()
    result = runner.invoke(args=["certificates", "issue-batch", "--period", "2025Q4", "--family", "smart",
                                 "--actor", enterprise_user.login])
    assert result.exit_code != 0 and "审核人员或管理员" in result.output
