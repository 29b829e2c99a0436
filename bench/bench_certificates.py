"""Benchmark: render certificates and scorecard reports as PDF, one document at a time.

Renders ``--certificates`` certificates (varied enterprise names, serials, recognitions, levels,
signed check codes and one verification URL each, so nothing is reused between documents) and
``--scorecards`` scorecard reports built from real scoring-engine results: demo enterprises
(``portal.demo.generator.generate(seed=1, n_enterprises=20)``) cut at their latest quarters,
``assess()`` of every family, snapshots round-tripped through JSON as they are stored, peer
quartiles of the enterprise's cluster (the service's rule: ``derive_frame`` over the cluster's
reports of the last three years, quartiles only with at least five peers) and up to eight
quarters of trend. Each document is timed (wall clock and CPU); the summary gives count, mean,
p50, p95 and max in ms, and CPU time (``time.process_time()``), which is the steadier figure on a
shared, loaded machine.

Last, the same certificate layout written directly with ``reportlab.pdfgen.canvas`` (same page,
frame, texts, embedded font, QR code and links; no dataclass, signing, Paragraph/Table or
helpers) is timed on the same data as a floor, and the ratio portal/bare is printed.

    .venv/bin/python bench/bench_certificates.py [--certificates 1000] [--scorecards 100] [--out DIR]

Not part of the test suite. The targets (issue): certificate p95 < 50 ms, scorecard p95 < 300 ms.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

from portal.assessments import assess, derive_frame
from portal.certificates import signing
from portal.certificates.fonts import register_fonts
from portal.certificates.pdf import (
    PORTAL_NAME,
    CertificateData,
    ScorecardData,
    cn_date,
    cn_date_upper,
    render_certificate,
    render_scorecard,
)
from portal.certificates.services import peer_rows
from portal.demo.generator import generate

KEY = b"bench-certificates-key"
BASE_URL = "https://qyzp.tongliang.gov.cn/verify/"
TREND_UNITS = {"营业收入": "万元", "研发费用": "万元", "研发投入强度": "%", "数字化生产设备占比": "%"}

# (family code, recognition, framework name, levels) as issued by the service.
RECOGNITIONS = (
    ("ZNGC", "铜梁区智能工厂", "重庆市数字化车间和智能工厂认定", ("智能工厂",)),
    ("ZNGC", "铜梁区数字化车间", "重庆市数字化车间和智能工厂认定", ("数字化车间",)),
    ("LSGC", "绿色工厂", "绿色工厂评价（GB/T 36132-2025）", (None,)),
    ("ZJTX", "专精特新中小企业", "专精特新中小企业认定（2026）", (None,)),
    ("CXXZ", "创新型中小企业", "创新型中小企业评价（2026）", (None,)),
    ("XJR", "专精特新“小巨人”企业", "专精特新“小巨人”企业认定（2026）", (None,)),
    ("ZNZZ", "智能制造能力成熟度二级", "智能制造能力成熟度（GB/T 39116/39117-2020）", ("规范级",)),
    ("ZNZZ", "智能制造能力成熟度三级", "智能制造能力成熟度（GB/T 39116/39117-2020）", ("集成级",)),
)
PERIODS = ("2025年第三季度", "2025年第四季度", "2026年第一季度", "2026年第二季度", "2026年第三季度")
LONG_SUFFIXES = ("", "", "", "第二分公司", "高新技术产业开发区分公司")


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def certificate_cases(n: int, seed: int = 20261129) -> list[CertificateData]:
    """n signed certificates with different enterprises, serials, recognitions and URLs."""
    rng = random.Random(seed)
    enterprises = [e.profile for e in generate(seed=seed, n_enterprises=max(20, min(n, 350))).enterprises]
    sequence: dict[tuple[str, int], int] = defaultdict(int)
    out = []
    for i in range(n):
        ent = enterprises[i % len(enterprises)]
        code, recognition, framework, levels = RECOGNITIONS[i % len(RECOGNITIONS)]
        issue = date(2025, 1, 15) + timedelta(days=rng.randrange(0, 700))
        sequence[(code, issue.year)] += 1
        serial = f"TL-{code}-{issue.year}-{sequence[(code, issue.year)]:04d}"
        scored = code not in ("XJR",)
        score = round(rng.uniform(60, 98), 1) if scored else None
        max_score = (5.0 if code == "ZNZZ" else 100.0) if scored else None
        if code == "ZNZZ" and score is not None:
            score = round(score / 20, 2)
        data = CertificateData(
            serial=serial,
            enterprise_name=ent["name"] + LONG_SUFFIXES[i % len(LONG_SUFFIXES)],
            uscc=ent["uscc"],
            recognition=recognition,
            framework_name=framework,
            criteria_version=rng.choice(("2025.1", "2026.1", "2020")),
            score=score,
            max_score=max_score,
            level=rng.choice(levels),
            issue_date=issue,
            valid_until=issue.replace(year=issue.year + 3) - timedelta(days=1) if i % 9 else None,
            verify_url=BASE_URL + serial,
            check_code="0000-0000-0000-0000",
            provisional=i % 4 == 0,
            period_label=rng.choice(PERIODS) if i % 7 else None,
        )
        signature = signing.sign(data.signed_payload(), KEY)
        out.append(replace(data, check_code=signing.check_code(signature)))
    return out


def _clean(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def _ratio(a, b) -> float | None:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return None
    return round(a * 100 / b, 2) if b else None


def _key(period: str) -> tuple[int, int]:
    return int(period[:4]), int(period[5])


def _peer_stats(ent_index: int, cut: tuple[int, int], profiles: Sequence[dict], by: dict[int, list[dict]],
                as_of: date) -> list[dict]:
    """Cluster quartiles of the main indicators, as ``services.peer_stats`` computes them."""
    cluster = profiles[ent_index]["cluster"]
    members = [i for i, p in enumerate(profiles) if p["cluster"] == cluster]
    rows = [{"enterprise_id": i, **r} for i in members for r in by[i]
            if cut[0] - 2 <= _key(r["period"])[0] and _key(r["period"]) <= cut]
    if not rows:
        return []
    quarters = pd.DataFrame(rows)
    frame = derive_frame(pd.DataFrame([{"enterprise_id": i, **profiles[i]} for i in members]), quarters,
                         as_of=as_of)
    frame = frame[frame["year"] == cut[0]]
    return peer_rows(frame, ent_index)


def scorecard_cases(n: int, n_enterprises: int = 20) -> list[ScorecardData]:
    """n scorecard reports: demo enterprises cut at their latest quarters, real engine results."""
    demo = generate(seed=1, n_enterprises=n_enterprises)
    profiles = [e.profile for e in demo.enterprises]
    by: dict[int, list[dict]] = defaultdict(list)
    approved: dict[int, list[dict]] = defaultdict(list)
    for r in sorted(demo.reports, key=lambda r: (r.year, r.quarter)):
        row = {"period": f"{r.year}Q{r.quarter}", **_clean(r.values)}
        by[r.enterprise_index].append(row)
        if r.status == "approved":
            approved[r.enterprise_index].append(row)
    cluster_names = {"equipment": "装备制造", "electronics": "电子信息", "health": "大健康", "other": "其他制造业"}
    cuts_per_enterprise = math.ceil(n / n_enterprises)
    out: list[ScorecardData] = []
    for back in range(cuts_per_enterprise):
        for i, profile in enumerate(profiles):
            if len(out) == n:
                return out
            periods = [r["period"] for r in by[i]]
            cut = _key(periods[-1 - back % len(periods)])
            reports = [r for r in by[i] if _key(r["period"]) <= cut]
            results = assess(profile, reports)
            frameworks = json.loads(json.dumps([r.to_dict() for r in results], default=str))
            ends = date(cut[0], 3 * cut[1], 31 if cut[1] in (1, 4) else 30)
            trend = [{"period": r["period"], "values": {
                "营业收入": r.get("revenue"), "研发费用": r.get("rd_expenditure"),
                "研发投入强度": _ratio(r.get("rd_expenditure"), r.get("revenue")),
                "数字化生产设备占比": _ratio(r.get("equipment_digital"), r.get("equipment_total")),
            }} for r in [r for r in approved[i] if _key(r["period"]) <= cut][-8:]]
            out.append(ScorecardData(
                enterprise_name=profile["name"], uscc=profile["uscc"],
                period_label=f"{cut[0]}年第{'一二三四'[cut[1] - 1]}季度",
                generated_at=datetime(2026, 11, 29, 9, 30),
                frameworks=frameworks, peer_stats=_peer_stats(i, cut, profiles, by, ends), trend=trend,
                trend_units=dict(TREND_UNITS),
                cluster_label=f"{cluster_names.get(profile['cluster'], profile['cluster'])}产业集群",
            ))
    return out


# --------------------------------------------------------------------------------------------
# The same certificate, written directly on a ReportLab canvas
# --------------------------------------------------------------------------------------------

RED, GOLD = colors.HexColor("#A4161A"), colors.HexColor("#B08D57")
PAPER, INK, MUTED = colors.HexColor("#FFFDF7"), colors.HexColor("#222222"), colors.HexColor("#6B6B6B")


def _wrap(text: str, font: str, size: float, width: float, indent: float) -> list[str]:
    lines, line, limit = [], "", width - indent
    for ch in text:
        if stringWidth(line + ch, font, size) > limit and line:
            lines.append(line)
            line, limit = "", width
        line += ch
    return lines + [line] if line else lines


def bare_certificate(d: CertificateData) -> bytes:
    """The certificate's page with canvas calls only (text wrapped by hand, grid drawn by hand)."""
    font = register_fonts()
    buf = io.BytesIO()
    w, h = A4
    c = rl_canvas.Canvas(buf, pagesize=A4, invariant=1, initialFontName=font, pageCompression=1)
    title = d.title or f"{d.recognition}认定证书"
    c.setTitle(f"{title} · {d.enterprise_name}")
    c.setAuthor(d.issuer)
    c.setSubject(f"{d.recognition}认定证书（证书编号 {d.serial}）")
    # Frame: paper, red double rule, gold inner rule, four corner ornaments.
    c.setFillColor(PAPER)
    c.rect(0, 0, w, h, stroke=0, fill=1)
    o = 16 * mm
    c.setStrokeColor(RED)
    c.setLineWidth(3.2)
    c.rect(o, o, w - 2 * o, h - 2 * o)
    c.setLineWidth(0.8)
    c.rect(o + 4, o + 4, w - 2 * o - 8, h - 2 * o - 8)
    i = o + 9
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.6)
    c.rect(i, i, w - 2 * i, h - 2 * i)
    for cx, cy, sx, sy in ((i, i, 1, 1), (w - i, i, -1, 1), (i, h - i, 1, -1), (w - i, h - i, -1, -1)):
        c.setStrokeColor(GOLD)
        c.setLineWidth(1.2)
        p = c.beginPath()
        p.moveTo(cx + sx * 30.8, cy + sy * 4)
        p.lineTo(cx + sx * 4, cy + sy * 4)
        p.lineTo(cx + sx * 4, cy + sy * 30.8)
        c.drawPath(p, stroke=1, fill=0)
        c.setFillColor(RED)
        p = c.beginPath()
        mx, my = cx + sx * 10, cy + sy * 10
        p.moveTo(mx, my + 3.5)
        p.lineTo(mx + 3.5, my)
        p.lineTo(mx, my - 3.5)
        p.lineTo(mx - 3.5, my)
        p.close()
        c.drawPath(p, stroke=0, fill=1)
    cw = w - 76 * mm
    left, right, mid = 38 * mm, w - 38 * mm, w / 2
    c.setFillColor(MUTED)
    c.setFont(font, 9.5)
    c.drawRightString(right, h - 34 * mm, f"证书编号：{d.serial}")
    y = h - 62 * mm
    c.setFillColor(RED)
    c.setFont(font, 30)
    c.drawCentredString(mid, y, title, charSpace=4)
    c.setStrokeColor(GOLD)
    c.line(left + 10, y - 20 * mm, right - 10, y - 20 * mm)
    y -= 27 * mm
    c.setFillColor(INK)
    c.setFont(font, 22)
    c.drawCentredString(mid, y, d.enterprise_name)
    y -= 9 * mm
    c.setFillColor(MUTED)
    c.setFont(font, 11)
    c.drawCentredString(mid, y, f"统一社会信用代码：{d.uscc}")
    body = (f"经企业申报、主管部门审核，{d.enterprise_name}参加“{d.framework_name}”评价"
            f"{f'（评价期：{d.period_label}）' if d.period_label else ''}，依据评价标准{d.criteria_version}版"
            f"{f'，综合得分{d.score}分' if d.score is not None else ''}"
            f"{f'，评定等级为“{d.level}”' if d.level else ''}，符合认定条件。特发此证，认定为：")
    y -= 16 * mm
    c.setFillColor(INK)
    c.setFont(font, 13.5)
    for n, line in enumerate(_wrap(body, font, 13.5, cw, 27)):
        c.drawString(left + (27 if n == 0 else 0), y, line)
        y -= 26
    c.setFillColor(RED)
    c.setFont(font, 20)
    c.drawCentredString(mid, y - 6, d.recognition)
    y -= 20 * mm
    rows = (("认定类别", d.recognition, "评价体系", d.framework_name),
            ("评价得分", "—" if d.score is None else f"{d.score} 分", "评定等级", d.level or "—"),
            ("标准版本", d.criteria_version + (" ※" if d.provisional else ""), "发证日期", cn_date(d.issue_date)),
            ("有效期至", cn_date(d.valid_until) if d.valid_until else "长期", "证书编号", d.serial))
    c.setStrokeColor(GOLD)
    c.line(left, y + 18, right, y + 18)
    for a, b, e, f in rows:
        c.setFont(font, 10)
        c.setFillColor(MUTED)
        c.drawString(left + 6, y, a)
        c.drawString(left + cw * 0.52 + 6, y, e)
        c.setFont(font, 10.5)
        c.setFillColor(INK)
        c.drawString(left + cw * 0.15 + 6, y, b)
        c.drawString(left + cw * 0.67 + 6, y, f)
        y -= 24
    c.line(left, y + 12, right, y + 12)
    if d.provisional:
        c.setFont(font, 8.5)
        c.setFillColor(MUTED)
        c.drawString(left, y - 6, "※ 本次评价使用的部分指标阈值为暂行标准，认定结果以主管部门正式发布的标准为准。")
    qs, qx, qy = 27 * mm, left, 38 * mm
    QrCode(d.verify_url, width=qs, height=qs, qrBorder=0, qrLevel="M").drawOn(c, qx, qy)
    c.linkURL(d.verify_url, (qx, qy, qx + qs, qy + qs), relative=0, thickness=0)
    tx = qx + qs + 4 * mm
    c.setFillColor(INK)
    c.setFont(font, 9.5)
    c.drawString(tx, qy + qs - 9, "扫码或访问以下网址核验")
    c.setFont(font, 10)
    c.drawString(tx, qy + qs - 25, "核验码")
    c.setFillColor(RED)
    c.setFont(font, 11)
    c.drawString(tx, qy + qs - 40, d.check_code)
    c.setFillColor(colors.HexColor("#1F4E8C"))
    c.setFont(font, 8)
    c.drawString(tx, qy + 2, d.verify_url)
    c.linkURL(d.verify_url, (tx, qy, tx + stringWidth(d.verify_url, font, 8), qy + 11), relative=0, thickness=0)
    c.setFillColor(INK)
    c.setFont(font, 13)
    c.drawCentredString(right - cw * 0.22, qy + qs - 12, d.issuer)
    c.setFont(font, 11.5)
    c.drawCentredString(right - cw * 0.22, qy + qs - 34, cn_date_upper(d.issue_date))
    c.setFillColor(MUTED)
    c.setFont(font, 7.5)
    c.drawCentredString(mid, 27 * mm, f"本证书由{PORTAL_NAME}生成，信息以登记记录为准；证书真伪请以核验网址显示的结果为准。")
    c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    wall_ms: list[float]
    cpu_ms: list[float]
    sizes: list[int]

    def line(self) -> str:
        w = sorted(self.wall_ms)
        n = len(w)
        p = lambda q: w[min(n - 1, max(0, math.ceil(q * n) - 1))]  # noqa: E731 (nearest rank)
        return (f"{self.label:<22} n={n:<5} mean {statistics.fmean(w):7.1f}  p50 {p(0.50):7.1f}  "
                f"p95 {p(0.95):7.1f}  max {w[-1]:7.1f} ms | CPU mean {statistics.fmean(self.cpu_ms):7.1f} "
                f"p95 {sorted(self.cpu_ms)[min(n - 1, math.ceil(0.95 * n) - 1)]:7.1f} ms, "
                f"total {sum(self.cpu_ms) / 1000:6.2f} s | {statistics.fmean(self.sizes) / 1024:5.1f} KiB")

    def p95(self) -> float:
        w = sorted(self.wall_ms)
        return w[min(len(w) - 1, math.ceil(0.95 * len(w)) - 1)]


def run(label: str, render: Callable, cases: Sequence, out: Path | None) -> Timing:
    render(cases[0])  # warm up: font registration and parsing, imports
    timing = Timing(label, [], [], [])
    for n, case in enumerate(cases):
        t0, c0 = time.perf_counter(), time.process_time()
        pdf = render(case)
        timing.wall_ms.append(1000 * (time.perf_counter() - t0))
        timing.cpu_ms.append(1000 * (time.process_time() - c0))
        timing.sizes.append(len(pdf))
        if out is not None and n < 3:
            (out / f"{label.split()[0]}-{n}.pdf").write_bytes(pdf)
    return timing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--certificates", type=int, default=1000)
    ap.add_argument("--scorecards", type=int, default=100)
    ap.add_argument("--out", type=Path, help="also write the first three PDFs of each kind here")
    args = ap.parse_args()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)

    from reportlab.lib import rl_accel

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; cpus: {os.cpu_count()}; "
          f"ReportLab C accelerator (rl_accel): {'on' if 'fp_str' in rl_accel._c_funcs else 'off'}")
    t0 = time.perf_counter()
    certs = certificate_cases(args.certificates)
    cards = scorecard_cases(args.scorecards) if args.scorecards else []
    n_items = sum(len(fw.get("items") or ()) for card in cards for fw in card.frameworks)
    print(f"data: {len(certs)} certificates ({len({c.recognition for c in certs})} recognitions, "
          f"{len({c.enterprise_name for c in certs})} names), {len(cards)} scorecards "
          f"({len({c.enterprise_name for c in cards})} enterprises, "
          f"{sum(len(c.frameworks) for c in cards)} framework results, {n_items} items, "
          f"{sum(bool(r['median'] is not None) for c in cards for r in c.peer_stats)} peer rows with "
          f"quartiles) in {time.perf_counter() - t0:.1f} s")

    results = [run("certificate", render_certificate, certs, args.out)]
    if cards:
        results.append(run("scorecard report", render_scorecard, cards, args.out))
    results.append(run("bare certificate", bare_certificate, certs, args.out))
    for r in results:
        print(r.line())
    portal, bare = results[0], results[-1]
    print(f"ratio portal/bare certificate: mean {statistics.fmean(portal.wall_ms) / statistics.fmean(bare.wall_ms):.2f}x"
          f", CPU {sum(portal.cpu_ms) / sum(bare.cpu_ms):.2f}x")
    print(f"targets: certificate p95 {portal.p95():.1f} ms < 50: {portal.p95() < 50}", end="")
    if cards:
        print(f"; scorecard p95 {results[1].p95():.1f} ms < 300: {results[1].p95() < 300}")
    else:
        print()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
