"""Benchmark: score 100,000 synthetic reports one at a time and in one batch.

Prints reports/second for each path and their ratio. The one-at-a-time path is timed on a
sample (default 5,000 reports) and extrapolated; the output says so. Both paths are checked to
give the same totals on the sample. Last, the web app's path: ``assess()`` of every family with
recommendations, on demo enterprises (``--demo`` of them, three reference dates each), in ms
per report (wall clock and CPU, best and median of ``--rounds``), next to the same reports
scored without recommendations, with the load average (the box is shared: compare CPU time).

``--against REV`` also times the engine of git revision REV (``portal/assessments`` extracted
with ``git archive`` into a temporary package) on the same reports, the two interleaved round
by round so that both see the same load, and checks that both give the same results.

    .venv/bin/python bench/bench_assess.py [--n 100000] [--sample 5000] [--code sts2022] [--demo 50]
                                           [--rounds 3] [--against eb6c2e7]
"""
from __future__ import annotations

import argparse
import importlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from portal.assessments import assess, derive, engine, reference_date, score_frame
from portal.demo.generator import generate

AS_OF = date(2025, 12, 31)


def synthetic(n: int, seed: int = 20261129) -> pd.DataFrame:
    """Plausible derived indicators for n enterprises (about 5% of each value missing)."""
    rng = np.random.default_rng(seed)
    revenue = rng.lognormal(8, 1, n)
    rd = revenue * rng.uniform(0, 0.08, n)
    cols = {
        "revenue": revenue, "rd_expenditure": rd, "rd_expenditure_prev1": rd * rng.uniform(0.7, 1.1, n),
        "rd_intensity_pct": rd * 100 / revenue, "rd_intensity_prev1_pct": rng.uniform(0, 8, n),
        "rd_2y_total": rd * 1.9, "rd_2y_avg": rd * 0.95,
        "main_business_share_pct": rng.uniform(40, 100, n), "main_business_growth_pct": rng.normal(6, 10, n),
        "main_business_growth_2y_avg_pct": rng.normal(6, 8, n), "revenue_cagr_2y_pct": rng.normal(6, 8, n),
        "debt_ratio_pct": rng.uniform(10, 95, n), "net_margin_pct": rng.normal(5, 5, n),
        "years_in_niche": rng.integers(0, 20, n).astype(float), "ip_level": rng.integers(0, 5, n).astype(float),
        "ip_class1_count": rng.integers(0, 8, n).astype(float), "quality_count": rng.integers(0, 5, n).astype(float),
        "rd_staff_share_pct": rng.uniform(0, 40, n), "key_process_nc_rate_pct": rng.uniform(20, 100, n),
        "niche_market_share_pct": rng.uniform(0, 30, n), "niche_market_rank_cn": rng.integers(1, 30, n).astype(float),
        "external_equity_2y": rng.choice([0.0, 500.0, 3000.0, 9000.0], n),
        "info_system_count": rng.integers(0, 5, n).astype(float), "mgmt_cert_count": rng.integers(0, 4, n).astype(float),
        "rd_institution_level": rng.choice(["none", "enterprise", "district", "municipal", "national"], n),
        "sme_digital_grade": rng.choice(["g0", "g1", "g2", "g3", "g4"], n),
        "product_field": rng.choice(["gap_filling", "six_foundations", "chain_leader_supplier", "strategic_emerging",
                                     "other"], n),
        "focus_direction_member": rng.random(n) < 0.6, "has_rd_institution": rng.random(n) < 0.7,
        "own_brand": rng.random(n) < 0.5, "science_award_3y": rng.random(n) < 0.05,
        "violations_3y": rng.random(n) < 0.02, "high_tech_valid": rng.random(n) < 0.3,
    }
    frame = pd.DataFrame(cols)
    for c in frame.columns:        # some missing values, as in real reports
        mask = rng.random(n) < 0.05
        frame[c] = frame[c].astype(object if frame[c].dtype.kind in "bO" else float).mask(mask)
    return frame


def demo_cases(n: int) -> list[tuple[dict, list[dict]]]:
    """(profile, reports) of n demo enterprises, each cut at 2025Q3, 2025Q4 and its latest period."""
    data = generate(seed=1, n_enterprises=n)
    by = defaultdict(list)
    for r in data.reports:
        by[r.enterprise_index].append({"period": f"{r.year}Q{r.quarter}", **r.values})
    out = []
    for i, ent in enumerate(data.enterprises):
        for cut in (None, (2025, 4), (2025, 3)):
            reps = [r for r in by[i] if cut is None or (int(r["period"][:4]), int(r["period"][5])) <= cut]
            out.append((ent.profile, reps))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=5_000)
    ap.add_argument("--code", default="sts2022")
    ap.add_argument("--demo", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--against", help="git revision whose engine is timed on the same reports")
    args = ap.parse_args()
    frame = synthetic(args.n)
    score_frame(args.code, frame.head(100))        # warm up (criteria loading, imports)

    t0 = time.perf_counter()
    batch = score_frame(args.code, frame)
    t_batch = time.perf_counter() - t0
    batch_rate = args.n / t_batch

    sample = frame.head(args.sample)
    records = [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in sample.to_dict("records")]
    t0 = time.perf_counter()
    results = [engine.score(args.code, {**r, "as_of": AS_OF.isoformat()}, None, AS_OF, with_recommendations=False)
               for r in records]
    t_scalar = time.perf_counter() - t0
    scalar_rate = args.sample / t_scalar

    same = all((r.total is None and pd.isna(b)) or r.total == b for r, b in zip(results, batch["total"].head(args.sample), strict=True))
    print(f"criteria: {args.code}; reports: {args.n:,}")
    print(f"batch (score_frame, vectorised):  {t_batch:8.3f} s  -> {batch_rate:12,.0f} reports/s")
    print(f"scalar (engine.score, one by one): {t_scalar:8.3f} s for a sample of {args.sample:,} "
          f"-> {scalar_rate:12,.0f} reports/s (extrapolated to {args.n:,}: {args.n / scalar_rate:,.1f} s)")
    print(f"ratio batch/scalar: {batch_rate / scalar_rate:,.1f}x; totals identical on the sample: {same}")

    cases = demo_cases(args.demo)
    engines = {"this tree": assess}
    if args.against:
        engines[args.against] = engine_at(args.against).assess
        differ = sum(1 for p, r in cases if [x.to_dict() for x in engines[args.against](p, r)]
                     != [x.to_dict() for x in assess(p, r)])
        print(f"results of {args.against} and this tree differ on {differ} of {len(cases)} demo reports")
    for run in engines.values():
        run(*cases[0])
    n_results = sum(len(assess(profile, reports)) for profile, reports in cases)
    load0 = os.getloadavg()
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in [*engines, "no recommendations"]}
    for k in range(args.rounds):
        order = list(engines.items()) if k % 2 == 0 else list(engines.items())[::-1]
        for name, run in [*order, ("no recommendations", scores_only)]:
            t0, c0 = time.perf_counter(), time.process_time()
            for profile, reports in cases:
                run(profile, reports)
            timings[name].append((1000 * (time.perf_counter() - t0) / len(cases),
                                  1000 * (time.process_time() - c0) / len(cases)))
    load1 = os.getloadavg()
    print(f"assess() of every family, {len(cases)} demo reports ({n_results} results), {args.rounds} rounds; "
          f"load average {load0[0]:.1f} -> {load1[0]:.1f} (2 CPUs)")
    for name, found in timings.items():
        cpu = sorted(c for _, c in found)
        wall = sorted(w for w, _ in found)
        what = "without recommendations (this tree)" if name == "no recommendations" else \
            f"with recommendations, {name}"
        print(f"  {what}: CPU {cpu[0]:.1f} ms per report best, {cpu[len(cpu) // 2]:.1f} median; "
              f"wall {wall[0]:.1f} best")
    if args.against:
        before = sorted(c for _, c in timings[args.against])
        after = sorted(c for _, c in timings["this tree"])
        print(f"  CPU {args.against} / this tree: {before[0] / after[0]:.2f}x best, "
              f"{before[len(before) // 2] / after[len(after) // 2]:.2f}x median")


def scores_only(profile: dict, reports: list[dict]) -> list:
    """``assess`` without recommendations: the scoring that the advice re-runs on changed figures."""
    day = reference_date(reports)
    indicators = derive(profile, reports, day)
    cols = engine.columns_from_indicators(indicators)
    return [engine.score(c, indicators, None, day, with_recommendations=False, cols=cols)
            for c in engine.resolve(None, day)]


def engine_at(rev: str):
    """The ``portal.assessments`` package of git revision ``rev``, imported under another name."""
    repo = Path(__file__).resolve().parent.parent
    data = subprocess.run(["git", "-C", str(repo), "archive", rev, "portal/assessments"], check=True,
                          capture_output=True).stdout
    root = Path(tempfile.mkdtemp(prefix="bench_assess_"))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(root, filter="data")
    name = f"engine_{rev.replace('-', '_').replace('.', '_')}"
    (root / "portal").rename(root / name)
    (root / name / "__init__.py").write_text('"""Engine of an earlier revision, for the benchmark."""\n')
    sys.path.insert(0, str(root))
    return importlib.import_module(f"{name}.assessments")


if __name__ == "__main__":
    main()
