"""Command-line interface: ``flask --app portal <command>``.

Every command runs in one transaction: it commits once at the end, or rolls back on error.
"""
from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.certificates.cli import certificates_cli
from portal.dashboards.cli import dashboards_cli
from portal.extensions import db


def init_app(app: Flask) -> None:
    for command in (init_db, create_user, seed_demo, assess, rescore, backup, restore):
        app.cli.add_command(command)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(dashboards_cli)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema by running the Alembic migrations."""
    from flask_migrate import upgrade

    os.makedirs(current_app.instance_path, exist_ok=True)
    upgrade()
    click.echo("数据库已迁移到最新版本。")
    from portal.dashboards import facts

    if facts.is_stale(db.session):
        rows = facts.rebuild(db.session)
        db.session.commit()
        click.echo(f"已根据已审核报表重建看板汇总（{rows} 行）。")


@click.command("create-user")
@click.option("--login", required=True, help="登录名")
@click.option("--role", type=click.Choice(["enterprise", "reviewer", "admin"]), required=True)
@click.option("--name", "display_name", help="显示的姓名")
@click.option("--enterprise", "uscc", help="企业用户所属企业的统一社会信用代码")
@click.password_option("--password", help="初始密码")
@with_appcontext
def create_user(login, role, display_name, uscc, password):
    """Create a user account."""
    from portal.admin.services import ServiceError, find_enterprise_by_uscc
    from portal.admin.services import create_user as create

    enterprise = find_enterprise_by_uscc(uscc)
    if uscc and enterprise is None:
        raise click.ClickException(f"未找到统一社会信用代码为 {uscc} 的企业。")
    try:
        create(login=login, display_name=display_name or login, role=role, password=password,
               enterprise=enterprise, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"已创建用户 {login}（{role}）。")


@click.command("seed-demo")
@click.option("--seed", default=2025, show_default=True, help="随机种子（结果可复现）")
@click.option("--enterprises", "n_enterprises", default=350, show_default=True)
@click.option("--if-empty", is_flag=True, help="数据库已有企业时不做任何事（make run 首次运行时使用）")
@with_appcontext
def seed_demo(seed, n_enterprises, if_empty):
    """Load the generated demo Tongliang: enterprises, users, periods, reports."""
    from sqlalchemy import func, select

    from portal.demo.loader import load_demo
    from portal.models import Enterprise

    if db.session.scalar(select(func.count()).select_from(Enterprise)):
        if if_empty:
            click.echo("数据库中已有企业数据，跳过演示数据。")
            return
        raise click.ClickException("数据库中已有企业数据；演示数据只能装入空数据库。")
    summary = load_demo(seed=seed, n_enterprises=n_enterprises,
                        hash_method=current_app.config["PASSWORD_HASH_METHOD"], echo=click.echo)
    db.session.commit()
    click.echo(summary)


@click.command("assess")
@click.argument("input_file", type=click.Path(dir_okay=False))
@click.option("--framework", "frameworks", multiple=True, help="框架代码或族（如 sts2022、green、smart），可重复")
@click.option("--as-of", "as_of", help="评价基准日 YYYY-MM-DD（默认：最近报告期末）")
def assess(input_file, frameworks, as_of):
    """Score INPUT.json with the engine and print one JSON object per framework (a JSON list).

    INPUT.json is {"profile": {...}, "reports": [{"period": "2025Q1", ...}, ...]} keyed as in the
    data dictionary. Invalid input exits with status 2 and a message naming the field.
    """
    import json
    from datetime import date

    from portal import assessments

    try:
        with open(input_file, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise click.ClickException(f"无法读取输入文件：{exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"输入文件不是有效的 JSON：{exc}") from None
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise click.ClickException(f"--as-of 日期格式应为 YYYY-MM-DD：{as_of}") from None
    try:
        profile, reports = assessments.parse_input(data)
        results = assessments.assess(profile, reports, frameworks=list(frameworks) or None, as_of=day)
    except (assessments.InputError, assessments.CriteriaError) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyError as exc:
        raise click.ClickException(f"未知的评价框架：{exc.args[0]}") from None
    click.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))


@click.command("rescore")
@click.option("--period", "period_label", required=True, help="填报期，如 2025Q4")
@click.option("--framework", "frameworks", multiple=True, help="只重算这些框架（代码或族）")
@with_appcontext
def rescore(period_label, frameworks):
    """Re-score a period's submitted and approved reports; adds snapshots, keeps the old ones."""
    import re

    from sqlalchemy import func, select

    from portal.models import Report, ReportingPeriod
    from portal.scorecards.services import SCORED_STATUSES, rescore_period

    match = re.fullmatch(r"(\d{4})Q([1-4])", period_label.strip().upper())
    if not match:
        raise click.ClickException("填报期格式应为 2025Q4。")
    period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.year == int(match[1]),
                                                              ReportingPeriod.quarter == int(match[2])))
    if period is None:
        raise click.ClickException(f"填报期 {period_label} 不存在。")
    total = db.session.scalar(select(func.count()).select_from(Report).where(
        Report.period_id == period.id, Report.status.in_(SCORED_STATUSES)))
    with click.progressbar(length=total, label=f"重新评价 {period.label}") as bar:
        n_reports, n_added = rescore_period(period, frameworks=list(frameworks) or None, progress=bar.update)
    db.session.commit()
    click.echo(f"已重新评价 {n_reports} 份报表，新增 {n_added} 条评价快照（旧快照保留为历史）。")


@click.command("backup")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="备份文件（.json.gz）")
@with_appcontext
def backup(out_path):
    """Write the whole database to a portable, compressed backup file."""
    from portal.backup import dump

    with open(out_path, "wb") as handle:
        counts = dump(handle)
    click.echo(f"已备份 {sum(counts.values())} 行（{len(counts)} 张表）到 {out_path}。")


@click.command("restore")
@click.argument("in_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="目标数据库非空时先清空再恢复")
@with_appcontext
def restore(in_path, force):
    """Restore a backup into an empty database migrated to the same version (init-db first)."""
    from portal.backup import BackupError, load

    try:
        with open(in_path, "rb") as handle:
            counts = load(handle, force=force)
    except BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"已恢复 {sum(counts.values())} 行（{len(counts)} 张表）。")
