"""``flask --app portal dashboards ...``: maintenance of the dashboards' aggregates."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal.extensions import db

from . import facts

dashboards_cli = AppGroup("dashboards", help="全区指标看板的维护命令。")


@dashboards_cli.command("rebuild")
def rebuild():
    """Rebuild the window aggregates from the approved reports (after data was changed by SQL
    outside the application, or a restore from another tool)."""
    start = time.perf_counter()
    rows = facts.rebuild(db.session)
    db.session.commit()
    click.echo(f"已重建看板汇总：{rows} 行，用时 {time.perf_counter() - start:.1f} 秒。")
