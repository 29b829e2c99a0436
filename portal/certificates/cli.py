"""``flask --app portal certificates ...``: list, export and batch-issue certificates.

Each command runs in one transaction and commits once at the end (or rolls back on error).
"""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.extensions import db


@click.group("certificates")
def certificates_cli():
    """证书：列出、导出 PDF、批量签发。"""


@certificates_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.option("--status", type=click.Choice(["valid", "expired", "revoked"]), help="只列出该状态的证书")
@click.option("--period", help="评价期，如 2025Q4")
@click.option("--family", help="评价体系，如 smart")
@with_appcontext
def list_command(as_json, status, period, family):
    """List certificates: serial, enterprise, framework, status."""
    from portal.certificates import services
    from portal.models import Certificate

    today = services.local_today()
    stmt = select(Certificate).order_by(Certificate.issued_on, Certificate.id)
    if status:
        stmt = stmt.where(services.status_condition(status, today))
    if period:
        found = services.find_period(period)
        if found is None:
            raise click.ClickException(f"未找到评价期 {period}（格式如 2025Q4）。")
        stmt = stmt.where(Certificate.period_id == found.id)
    if family:
        stmt = stmt.where(Certificate.family == family)
    rows = []
    for cert in db.session.scalars(stmt):
        rows.append({
            "serial": cert.serial, "enterprise": cert.payload.get("enterprise_name"),
            "uscc": cert.payload.get("uscc"), "framework": cert.framework, "family": cert.family,
            "recognition": cert.recognition, "period": cert.period.label, "issued_on": cert.issued_on.isoformat(),
            "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
            "status": cert.state_on(today),
        })
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("没有证书。")
        return
    for row in rows:
        click.echo(f"{row['serial']}\t{row['enterprise']}\t{row['framework']}\t{row['status']}")


@certificates_cli.command("export")
@click.argument("serial")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="输出的 PDF 文件")
@with_appcontext
def export_command(serial, out):
    """Write the PDF of certificate SERIAL to --out."""
    from portal import audit
    from portal.certificates import numbering, services
    from portal.models import Certificate

    normal = numbering.normalise_serial(serial)
    cert = db.session.scalar(select(Certificate).where(Certificate.serial == normal)) if normal else None
    if cert is None:
        raise click.ClickException(f"未找到证书 {serial}。")
    pdf = services.certificate_pdf(cert)
    with open(out, "wb") as handle:
        handle.write(pdf)
    audit.record("certificate.export", obj=cert, detail=f"cli -> {out}", actor_login="cli")
    db.session.commit()
    click.echo(f"已导出 {cert.serial} 到 {out}（{len(pdf)} 字节）。")


@certificates_cli.command("issue-batch")
@click.option("--period", required=True, help="评价期，如 2025Q4")
@click.option("--family", required=True, help="评价体系：smart / green / sts / innovative / giant / cmmm")
@click.option("--actor", "login", help="以该审核人员或管理员的名义签发（默认：第一个在用的管理员）")
@click.option("--date", "issue_date", type=click.DateTime(formats=["%Y-%m-%d"]), help="发证日期（默认今天）")
@with_appcontext
def issue_batch_command(period, family, login, issue_date):
    """Issue certificates for every eligible scorecard of a period and family."""
    from portal.admin.services import ServiceError
    from portal.certificates import services
    from portal.models import Role, User
    from portal.web.sqlite import immediate_transactions

    with immediate_transactions():
        found = services.find_period(period)
        if found is None:
            raise click.ClickException(f"未找到评价期 {period}（格式如 2025Q4）。")
        if family not in services.FAMILY_LABELS:
            raise click.ClickException(f"未知的评价体系 {family}；可选：{'、'.join(services.FAMILY_LABELS)}。")
        if login:
            actor = db.session.scalar(select(User).where(User.login == login))
        else:
            actor = db.session.scalar(select(User).where(User.role == Role.ADMIN, User.active.is_(True))
                                      .order_by(User.id).limit(1))
        if actor is None or not actor.is_reviewer or not actor.active:
            raise click.ClickException("需要一个在用的审核人员或管理员账号（--actor）。")
        today: date = issue_date.date() if issue_date else services.local_today()

        def progress(done, total, scorecard, outcome):
            if done == total or done % 25 == 0:
                click.echo(f"  {done}/{total}")

        try:
            result = services.batch_issue(found, family, actor=actor, today=today, progress=progress)
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        db.session.commit()
    click.echo(f"{found.label_zh} {services.FAMILY_LABELS[family]}：签发 {len(result.issued)} 张，"
               f"跳过 {len(result.skipped)} 项。")
    for cert in result.issued:
        click.echo(f"  签发 {cert.serial} {cert.payload.get('enterprise_name')}")
    for reason, count in result.reasons():
        click.echo(f"  跳过 {count} 项：{reason}")
