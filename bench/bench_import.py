"""Benchmark of the reviewers' bulk import: build, parse and validate N enterprise reports.

Run: ``.venv/bin/python bench/bench_import.py [--rows 5000]``. Prints the workbook size, the
seconds spent in each step and the peak traced Python memory of the parse + validate step and
the process's peak RSS. Target: parse + validate of 5,000 fully filled rows in under 30 s.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.fields import registry  # noqa: E402
from portal.fields.uscc import check_char  # noqa: E402
from portal.reporting.spreadsheet import build_bulk_template, parse_bulk  # noqa: E402
from portal.reporting.validation import validate_report  # noqa: E402


def fake_uscc(i: int) -> str:
    first17 = f"91500224{i:09d}"
    return first17 + check_char(first17)


def fake_values(rng: random.Random) -> dict:
    """A complete, plausible report (every field filled, the registry rules satisfied)."""
    values: dict = {}
    for f in registry().report_fields:
        if f.type == "decimal":
            values[f.key] = Decimal(rng.randint(0, 100_000)) / 10 if f.unit != "pct" else Decimal(rng.randint(0, 100))
        elif f.type == "int":
            values[f.key] = rng.randint(1, 500)
        elif f.type == "bool":
            values[f.key] = rng.random() < 0.5
        elif f.type == "enum":
            values[f.key] = rng.choice(f.values)
        elif f.type == "multi":
            values[f.key] = sorted(rng.sample([v for v in f.values if v != "none"], 2), key=f.values.index)
        elif f.type == "map":
            values[f.key] = ({k: rng.choice(f.values) for k in f.keys} if f.keys
                             else {f"d{i}": rng.randint(0, 5) for i in range(1, 21)})
        else:
            values[f.key] = "件"
    gov = Decimal(rng.randint(5_000, 50_000))
    values.update(gross_output_value=gov, revenue=gov, main_business_revenue=gov * Decimal("0.9"),
                  value_added=gov * Decimal("0.3"), total_profit=gov / 10, net_profit=gov / 12,
                  export_delivery_value=gov / 5, high_tech_product_output=gov / 2, new_product_output=gov / 3,
                  fixed_asset_investment=Decimal(800), tech_renovation_investment=Decimal(300),
                  total_assets=gov * 2, total_liabilities=gov, rd_expenditure=gov / 20,
                  employees=400, rd_personnel=40, ip_class1_count=30, ip_class1_self_developed=20,
                  ip_high_value_count=5, niche_market_rank_cn=3, key_processes_total=50, key_processes_nc=30,
                  equipment_total=200, equipment_digital=120, equipment_networked=100,
                  wastewater_treated_m3=Decimal(1000), wastewater_reused_m3=Decimal(500),
                  solid_waste_generated_t=Decimal(100), solid_waste_prior_stock_used_t=Decimal(10),
                  solid_waste_utilised_t=Decimal(90))
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--end-to-end", action="store_true",
                        help="also run the reviewers' upload preview + apply through the services into a database")
    parser.add_argument("--database-url", help="with --end-to-end: a PostgreSQL URL instead of a temp SQLite file")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations (slows openpyxl several times over)")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    enterprises = [(fake_uscc(i), f"重庆铜梁测试企业{i:05d}有限公司") for i in range(args.rows)]
    prefill = {uscc: fake_values(rng) for uscc, _ in enterprises}
    data = build_bulk_template(enterprises, "2026年第3季度", prefill=prefill)
    t_build = time.perf_counter() - t0
    columns = len(registry().report_fields) + 2
    print(f"workbook: {args.rows} rows x {columns} columns, {len(data) / 1048576:.1f} MB, built in {t_build:.1f} s")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.tracemalloc:
        tracemalloc.start()
    cpu1 = time.process_time()
    t1 = time.perf_counter()
    parsed = parse_bulk(data)
    t_parse = time.perf_counter() - t1
    profile = {"founded_on": "2010-01-01"}
    errors = warnings = 0
    for _, _, values in parsed.rows:
        result = validate_report(values, profile=profile, year=2026, quarter=3, history={}, for_submit=True)
        errors += len(result.errors)
        warnings += len(result.warnings)
    t_total = time.perf_counter() - t1
    cpu_total = time.process_time() - cpu1
    if args.tracemalloc:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"parse_bulk: {t_parse:.1f} s ({len(parsed.rows)} rows, {len(parsed.cell_errors)} cell errors)")
    print(f"parse + validate: {t_total:.1f} s wall, {cpu_total:.1f} s CPU ({errors} errors, {warnings} warnings)")
    if args.tracemalloc:
        print(f"peak traced Python memory (parse + validate): {peak / 1048576:.0f} MB")
    print(f"process peak RSS: {rss_mb:.0f} MB (before parsing: {rss_before:.0f} MB)")
    print("target < 30 s:", "met" if t_total < 30 else "NOT met")
    if args.end_to_end:
        t_e2e = end_to_end(enterprises, data, args.database_url)
        print("end-to-end target < 30 s:", "met" if t_e2e < 30 else "NOT met")
    return 0


def end_to_end(enterprises, data: bytes, database_url: str | None) -> float:
    """The reviewers' real path: upload (preview) then apply, through the review services, into a DB."""
    import tempfile
    from datetime import date

    from sqlalchemy import insert

    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.models import Enterprise, ReportingPeriod, Role, User
    from portal.review import services
    from portal.web.sqlite import immediate_transactions

    tmp = tempfile.TemporaryDirectory()
    url = database_url or f"sqlite:///{tmp.name}/bench.db"
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = url
    app = create_app(config)
    with app.app_context(), immediate_transactions():
        db.drop_all()
        db.create_all()
        db.session.execute(insert(Enterprise), [
            dict(uscc=uscc, name=name, industry_code="3484", cluster="equipment", park="hitech_core",
                 founded_on=date(2010, 1, 1), is_above_scale=True, active=True) for uscc, name in enterprises])
        period = ReportingPeriod(year=2026, quarter=3, opens_on=date(2026, 10, 1), due_on=date(2026, 10, 20))
        reviewer = User(login="bench-reviewer", display_name="bench", role=Role.REVIEWER, password_hash="x")
        db.session.add_all([period, reviewer])
        db.session.commit()
        cpu0, t0 = time.process_time(), time.perf_counter()
        bulk = services.preview_bulk(period, data, "bulk.xlsx", actor=reviewer)
        db.session.commit()
        t_preview = time.perf_counter() - t0
        plan = services.apply_bulk(bulk, actor=reviewer)
        db.session.commit()
        t_all, cpu_all = time.perf_counter() - t0, time.process_time() - cpu0
        created = sum(1 for row in plan.rows if row.action == "create")
        print(f"end-to-end (upload preview + apply, {db.engine.dialect.name}): preview {t_preview:.1f} s, "
              f"total {t_all:.1f} s wall, {cpu_all:.1f} s CPU; {len(plan.rows)} planned rows, {created} created")
        db.drop_all()
        db.engine.dispose()
    tmp.cleanup()
    return t_all


if __name__ == "__main__":
    raise SystemExit(main())
