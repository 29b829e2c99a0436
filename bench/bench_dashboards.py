"""Benchmark of the district dashboard: N synthetic enterprises x Q quarters in a temp SQLite DB.

Run: ``.venv/bin/python bench/bench_dashboards.py [--enterprises 7000] [--quarters 8]``
(``--database-url postgresql://...`` to run on PostgreSQL instead; the tables are dropped and
recreated there). Inserts the rows with bulk Core inserts, then times, in seconds:

* the version query (one per request),
* ``queries.load_reports`` (the one SELECT) and ``queries.load_expected``,
* ``indicators.indicator_table`` for the latest quarter and for the full year,
* a cold overview through ``services`` (load + table + grouping + SVG) and the same view cached,
* a cold trend (one window per quarter), the ranking and the land-efficiency table,

and prints the process's peak RSS. Each line gives wall-clock and CPU seconds.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.dashboards import indicators, queries, services  # noqa: E402
from portal.dashboards.indicators import PeriodSpec  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Enterprise, Report, ReportingPeriod, Scorecard  # noqa: E402

CLUSTERS = ("equipment", "electronics", "health", "other")
PARKS = ("hitech_core", "damiao", "town")
SYSTEMS = ("erp", "mes", "plm", "scm", "crm", "wms", "aps", "qms", "ems", "scada_dcs")
LEVELS = ("none", "partial", "full")


def quarters(n: int, last_year: int = 2025) -> list[tuple[int, int]]:
    out = []
    year, quarter = last_year, 4
    for _ in range(n):
        out.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return sorted(out)


def enterprise_rows(n: int, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(1, n + 1):
        park = rng.choice(PARKS)
        rows.append(dict(
            id=i, uscc=f"91500224{i:09d}X", name=f"基准测试企业{i}", industry_code="3484",
            cluster=rng.choice(CLUSTERS), sub_direction="汽车和电动摩托车零部件", park=park,
            town="巴川街道" if park == "town" else None, founded_on=date(2005, 1, 1),
            land_area_mu=rng.choice([None, rng.uniform(5, 300)]), is_above_scale=rng.random() < 0.6,
            high_tech_cert_until=date(2027, 1, 1) if rng.random() < 0.3 else None, active=True,
        ))
    return rows


def report_row(rid: int, eid: int, pid: int, rng: random.Random) -> dict:
    revenue = rng.uniform(500, 30000)
    total = rng.randint(5, 60)
    return dict(
        id=rid, enterprise_id=eid, period_id=pid, status="approved", revision=1, version=1,
        approved_at=None, gross_output_value=revenue * 1.1, revenue=revenue, main_business_revenue=revenue * 0.95,
        value_added=revenue * 0.25, total_profit=revenue * 0.06, net_profit=revenue * 0.05,
        taxes_paid=revenue * 0.04, fixed_asset_investment=rng.uniform(0, 2000),
        tech_renovation_investment=rng.uniform(0, 500), rd_expenditure=revenue * rng.uniform(0.005, 0.05),
        electricity_kwh=rng.uniform(1e5, 1e7), natural_gas_m3=rng.uniform(0, 1e5),
        diesel_t=rng.choice([None, rng.uniform(0, 50)]), water_withdrawal_m3=rng.uniform(1e3, 1e5),
        water_recycled_m3=rng.choice([None, rng.uniform(0, 1e5)]), solid_waste_generated_t=rng.uniform(1, 500),
        solid_waste_utilised_t=rng.uniform(0, 400), employees=rng.randint(20, 2000),
        key_processes_total=total, key_processes_nc=rng.randint(0, total), equipment_total=total * 3,
        equipment_digital=rng.randint(0, total * 3), equipment_networked=rng.randint(0, total * 3),
        recognised_digital_workshops=rng.randint(0, 2), rd_institution_level=rng.choice(
            ["none", "district", "municipal", "national"]),
        design_tools=rng.choice([["none"], ["cad"], ["cad", "cae"]]),
        systems={k: rng.choice(LEVELS) for k in SYSTEMS}, certifications=rng.choice([[], ["iso14001"],
                                                                                     ["iso50001", "iso14001"]]),
        cloud_level=rng.choice(["none", "basic", "platform"]), industrial_internet=rng.random() < 0.4,
    )


def populate(n_enterprises: int, n_quarters: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    db.session.execute(insert(Enterprise), enterprise_rows(n_enterprises, rng))
    periods = []
    for pid, (year, quarter) in enumerate(quarters(n_quarters), start=1):
        periods.append(dict(id=pid, year=year, quarter=quarter, opens_on=date(year, 1, 1), due_on=date(year, 1, 20),
                            locked=False))
    db.session.execute(insert(ReportingPeriod), periods)
    rid = 0
    batch: list[dict] = []
    cards: list[dict] = []
    for p in periods:
        for eid in range(1, n_enterprises + 1):
            rid += 1
            batch.append(report_row(rid, eid, p["id"], rng))
            if rng.random() < 0.15:
                cards.append(dict(report_id=rid, report_revision=1, enterprise_id=eid, period_id=p["id"],
                                  family=rng.choice(["smart", "green", "sts"]), framework="bench",
                                  criteria_version="b1", max_total=100.0, grade=rng.choice(["智能工厂", "数字化车间"]),
                                  passed=rng.random() < 0.5, provisional=False, result={}, current=True,
                                  review_state="pending"))
            if len(batch) >= 5000:
                db.session.execute(insert(Report), batch)
                batch = []
    if batch:
        db.session.execute(insert(Report), batch)
    if cards:
        db.session.execute(insert(Scorecard), cards)
    db.session.commit()
    return rid


def timed(label: str, fn, results: dict):
    """Run ``fn``; print wall-clock and CPU seconds (CPU is the fairer figure on a busy host)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    results[label] = time.perf_counter() - start
    print(f"{label:<48} {results[label]:8.3f} s wall {time.process_time() - cpu:8.3f} s cpu", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=7000)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    results: dict[str, float] = {}
    with app.app_context():
        db.drop_all()
        db.create_all()
        n = timed("insert (bulk)", lambda: populate(args.enterprises, args.quarters), results)
        print(f"  {args.enterprises} enterprises x {args.quarters} quarters = {n} approved reports "
              f"on {db.engine.dialect.name}")
        last = quarters(args.quarters)[-1]
        spec_q = PeriodSpec.of_quarter(*last)
        spec_y = PeriodSpec.full_year(last[0])
        timed("data_version (one query)", queries.data_version, results)
        reports = timed("load_reports (one SELECT)", queries.load_reports, results)
        expected = timed("load_expected", queries.load_expected, results)
        print(f"  reports frame {reports.shape}, {reports.memory_usage(deep=True).sum() / 2**20:.0f} MiB; "
              f"expected frame {expected.shape}")
        timed(f"indicator_table {spec_q.code} (36 indicators)",
              lambda: indicators.indicator_table(reports, expected, spec_q), results)
        timed(f"indicator_table {spec_y.code} (full year)",
              lambda: indicators.indicator_table(reports, expected, spec_y), results)
        with app.test_request_context("/dashboards/"):
            timed("overview via services, cold (query + table)", lambda: services.overview(spec_q), results)
        with app.test_request_context("/dashboards/"):
            timed("overview via services, cached", lambda: services.overview(spec_q), results)
        with app.test_request_context("/dashboards/trends"):
            timed(f"trend over {args.quarters} quarters, cold", lambda: services.trend_view("rd_intensity"), results)
        with app.test_request_context("/dashboards/ranking"):
            timed("ranking page 1, cold", lambda: services.ranking_page(spec_q, "rd_intensity", 1, 50), results)
        with app.test_request_context("/dashboards/land"):
            timed("land efficiency page 1, cold", lambda: services.land_view(spec_q, 1, 50), results)
        assert db.session.execute(select(Report.id).limit(1)).first() is not None
        if args.database_url:
            db.drop_all()
        db.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':<48} {peak:8.0f} MiB")
    tmp.cleanup()


if __name__ == "__main__":
    main()
