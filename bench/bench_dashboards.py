"""Benchmark of the district dashboard at province scale: N synthetic enterprises x Q quarters.

Run by hand (never part of the test suite)::

    .venv/bin/python bench/bench_dashboards.py --enterprises 10000 --quarters 8
    createdb -h 127.0.0.1 -U postgres bench_dash
    .venv/bin/python bench/bench_dashboards.py --enterprises 50000 --quarters 8 \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench_dash

SQLite goes to a temporary file unless ``--sqlite-path`` names one; ``--reuse`` keeps an existing
data set of the same size instead of rebuilding it (the tables are otherwise dropped and
recreated). Reports are written with the driver's bulk path (``executemany`` on SQLite, ``COPY``
on PostgreSQL), not through the ORM, so the window aggregates are then rebuilt from them
(``facts.rebuild``, timed); a reused data set keeps its aggregates unless they are stale.

Then, as a reviewer through the Flask test client, it times ``GET /dashboards/?period=...`` for
the latest quarter and for the full year: cold (empty in-process cache) and warm (cached), each
``--repeat`` times (the median is printed), and the components of a cold overview: the version
query, the period list, the window load, the indicator table, then (unless
``--skip-other-views``) a cold trend, breakdown, ranking and land table. Every line gives wall-clock and
CPU seconds (CPU is the fairer figure on a busy host); the machine's load average is printed
with the figures, and the targets are checked at the end. Last, the cost an approval adds to its
transaction: rewriting one enterprise's aggregates for the year.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.dashboards import facts, indicators, queries, services  # noqa: E402
from portal.dashboards.cache import current_cache  # noqa: E402
from portal.dashboards.indicators import PeriodSpec  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Enterprise, Report, ReportingPeriod, Role, Scorecard, User  # noqa: E402

CLUSTERS = ("equipment", "electronics", "health", "other")
PARKS = ("hitech_core", "damiao", "town")
SYSTEMS = ("erp", "mes", "plm", "scm", "crm", "wms", "aps", "qms", "ems", "scada_dcs")
LEVELS = ("none", "partial", "full")
WARM_TARGET = 0.300   # s, overview warm at 80,000 reports
COLD_TARGET = 2.0     # s, overview cold at 400,000 reports
NOW = datetime(2026, 1, 15, 9, 0)


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
            created_at=NOW, updated_at=NOW,
        ))
    return rows


def report_row(rid: int, eid: int, pid: int, rng: random.Random) -> dict:
    revenue = rng.uniform(500, 30000)
    total = rng.randint(5, 60)
    return dict(
        id=rid, enterprise_id=eid, period_id=pid, status="approved", revision=1, version=1,
        created_at=NOW, updated_at=NOW, approved_at=NOW,
        gross_output_value=revenue * 1.1, revenue=revenue, main_business_revenue=revenue * 0.95,
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
        design_tools=json.dumps(rng.choice([["none"], ["cad"], ["cad", "cae"]])),
        systems=json.dumps({k: rng.choice(LEVELS) for k in SYSTEMS}),
        certifications=json.dumps(rng.choice([[], ["iso14001"], ["iso50001", "iso14001"]])),
        cloud_level=rng.choice(["none", "basic", "platform"]), industrial_internet=rng.random() < 0.4,
    )


def _bulk_reports(rows: list[dict]) -> None:
    """Write report rows with the driver's bulk path (COPY on PostgreSQL, executemany on SQLite)."""
    columns = list(rows[0])
    raw = db.session.connection().connection.driver_connection
    if db.engine.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY report ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    else:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO report ({', '.join(columns)}) VALUES ({marks})",
                        [tuple(row[c] for c in columns) for row in rows])


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
                                  review_state="pending", created_at=NOW))
            if len(batch) >= 20000:
                _bulk_reports(batch)
                batch = []
    if batch:
        _bulk_reports(batch)
    for start in range(0, len(cards), 20000):
        db.session.execute(insert(Scorecard), cards[start:start + 20000])
    reviewer = User(login="bench_reviewer", display_name="基准测试审核员", role=Role.REVIEWER, active=True)
    reviewer.set_password("bench-only-password", method="pbkdf2:sha256:1000")
    db.session.add(reviewer)
    facts.discard_pending(db.session)   # main() times the rebuild once the statistics are in
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))   # planner statistics, as a maintained database has
    db.session.commit()
    return rid


def existing_size() -> tuple[int, int]:
    try:
        return (db.session.scalar(select(func.count(Enterprise.id))) or 0,
                db.session.scalar(select(func.count(Report.id))) or 0)
    except Exception:  # noqa: BLE001 - no tables yet
        db.session.rollback()
        return 0, 0


def timed(label: str, fn, results: dict, quiet: bool = False):
    """Run ``fn``; keep (wall, cpu) seconds under ``label`` and print them."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    results[label] = (time.perf_counter() - start, time.process_time() - cpu)
    if not quiet:
        print(f"{label:<52} {results[label][0]:8.3f} s wall {results[label][1]:8.3f} s cpu", flush=True)
    return value


def repeated(label: str, fn, results: dict, repeat: int, before=None):
    """``fn`` ``repeat`` times (``before`` untimed before each); the median wall and cpu."""
    walls, cpus = [], []
    for _ in range(repeat):
        if before:
            before()
        timed(label, fn, results, quiet=True)
        walls.append(results[label][0])
        cpus.append(results[label][1])
    results[label] = (statistics.median(walls), statistics.median(cpus))
    print(f"{label:<52} {results[label][0]:8.3f} s wall {results[label][1]:8.3f} s cpu "
          f"(median of {repeat}; wall {min(walls):.3f}-{max(walls):.3f})", flush=True)


def other_views(app, spec: PeriodSpec, n_quarters: int, results: dict) -> None:
    """The other views of the same window, cold (and the trend over every quarter)."""
    print("other views, cold:")
    current_cache().clear()
    with app.test_request_context("/dashboards/trends"):
        timed(f"  trend over {n_quarters} quarters", lambda: services.trend_view("rd_intensity"), results)
    with app.test_request_context("/dashboards/breakdown"):
        timed("  breakdown by cluster", lambda: services.breakdown_view(spec, "cluster", "rd_intensity"), results)
    with app.test_request_context("/dashboards/ranking"):
        timed("  ranking page 1", lambda: services.ranking_page(spec, "rd_intensity", 1, 50), results)
    with app.test_request_context("/dashboards/land"):
        timed("  land efficiency page 1", lambda: services.land_view(spec, 1, 50), results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10000)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--database-url")
    parser.add_argument("--sqlite-path", help="keep the SQLite data set in this file")
    parser.add_argument("--reuse", action="store_true", help="keep an existing data set of the same size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-other-views", action="store_true",
                        help="time only the overview (the trend alone reads every report)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{args.sqlite_path or tmp.name + '/bench.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    results: dict[str, tuple[float, float]] = {}
    n_reports = args.enterprises * args.quarters
    with app.app_context():
        if not (args.reuse and existing_size() == (args.enterprises, n_reports)):
            db.drop_all()
            db.create_all()
            timed("insert (bulk)", lambda: populate(args.enterprises, args.quarters), results)
        db.session.commit()
        db.create_all()   # tables a reused data set predates (create_all adds only missing ones)
        if not args.reuse or facts.is_stale(db.session):
            # The reports went in through the driver, past the session hooks: time a rebuild of
            # the window aggregates from scratch, as ``flask dashboards rebuild`` does.
            rows = timed("window aggregates rebuilt from the reports", lambda: facts.rebuild(db.session), results)
            db.session.commit()
            print(f"  {rows} window rows", flush=True)
        dialect = db.engine.dialect.name
        print(f"  {args.enterprises} enterprises x {args.quarters} quarters = {n_reports} approved reports "
              f"on {dialect}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} CPUs", flush=True)
        reviewer = db.session.scalar(select(User).where(User.login == "bench_reviewer"))
        last = quarters(args.quarters)[-1]
        specs = (PeriodSpec.of_quarter(*last), PeriodSpec.full_year(last[0]))
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = reviewer.get_id()
            session["_fresh"] = True
        cache = current_cache()

        def page(spec):
            def get():
                response = client.get(f"/dashboards/?period={spec.code}")
                assert response.status_code == 200, response.status_code
                assert "规上工业企业研发投入强度" in response.get_data(as_text=True)
            return get

        for spec in specs:
            repeated(f"GET /dashboards/?period={spec.code} cold", page(spec), results, args.repeat,
                     before=cache.clear)
            repeated(f"GET /dashboards/?period={spec.code} warm", page(spec), results, max(args.repeat, 5))

        print("components of a cold overview (latest quarter):")
        cache.clear()
        spec = specs[0]
        with app.test_request_context(f"/dashboards/?period={spec.code}"):
            timed("  data_version (one query per request)", queries.data_version, results)
            timed("  period list (approved quarters)", services.load_data, results)
            frames = timed("  window frames (current + last year)", lambda: services.window_data(spec), results)
            print(f"    reports rows {len(frames.reports)}, columns {frames.reports.shape[1]}; "
                  f"expected rows {len(frames.expected)}")
            timed("  indicator_table (36 indicators, 2 windows)",
                  lambda: indicators.indicator_table(frames.reports, frames.expected, spec), results)
            timed("  overview via services, cold", lambda: services.overview(spec), results)
            timed("  overview via services, cached", lambda: services.overview(spec), results)
        if not args.skip_other_views:
            other_views(app, spec, args.quarters, results)
        db.session.rollback()
        # What an approval adds to its transaction: rewriting one enterprise's rows for the year.
        period_id = db.session.scalar(select(ReportingPeriod.id).where(
            ReportingPeriod.year == last[0], ReportingPeriod.quarter == last[1]))
        repeated("refresh one enterprise's year (per approval)",
                 lambda: facts.refresh(db.session, [(args.enterprises // 2, period_id)]), results, 5)
        db.session.rollback()
        db.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':<52} {peak:8.0f} MiB")
    q_warm = results[f"GET /dashboards/?period={specs[0].code} warm"]
    q_cold = results[f"GET /dashboards/?period={specs[0].code} cold"]
    y_cold = results[f"GET /dashboards/?period={specs[1].code} cold"]
    print(f"targets at {n_reports} reports: warm {q_warm[0] * 1000:.0f} ms wall "
          f"({q_warm[0] / WARM_TARGET:.2f} x the {WARM_TARGET * 1000:.0f} ms target at 80,000); "
          f"cold quarter {q_cold[0]:.2f} s wall / {q_cold[1]:.2f} s cpu, cold year {y_cold[0]:.2f} s wall / "
          f"{y_cold[1]:.2f} s cpu ({q_cold[0] / COLD_TARGET:.2f} and {y_cold[0] / COLD_TARGET:.2f} x the "
          f"{COLD_TARGET:.0f} s target at 400,000); load average now "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
