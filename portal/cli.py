"""Command-line interface: ``flask --app portal <command>``.

Every command runs in one transaction: it commits once at the end, or rolls back on error.
"""
from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.extensions import db


def init_app(app: Flask) -> None:
    for command in (init_db, create_user, seed_demo):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema by running the Alembic migrations."""
    from flask_migrate import upgrade

    os.makedirs(current_app.instance_path, exist_ok=True)
    upgrade()
    click.echo("数据库已迁移到最新版本。")


@click.command("create-user")
@click.option("--login", required=True, help="登录名")
@click.option("--role", type=click.Choice(["enterprise", "reviewer", "admin"]), required=True)
@click.option("--name", "display_name", help="显示的姓名")
@click.option("--enterprise", "uscc", help="企业用户所属企业的统一社会信用代码")
@click.password_option("--password", help="初始密码")
@with_appcontext
def create_user(login, role, display_name, uscc, password):
    """Create a user account."""
    from portal.admin.services import ServiceError, create_user as create, find_enterprise_by_uscc

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
