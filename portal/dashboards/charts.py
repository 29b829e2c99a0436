"""Server-side SVG charts for the district dashboards: pure functions, data in, ``<svg>`` out.

The SVG needs no script, font file or other external resource, so it prints and renders the
same in the browser and in an exported page. Every chart carries ``role="img"``, a ``<title>``
and a ``<desc>`` for screen readers; all text is XML-escaped. Labels are Chinese by default.
Missing values (None/NaN) are drawn as gaps and labelled "暂无数据", never as zero.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

FONT = "'WenQuanYi Micro Hei','Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif"
PALETTE = ("#1f5fa8", "#d9822b", "#2e8b57", "#b23a48", "#6a4c93", "#4a4a4a", "#0f8b8d", "#a0522d")
NO_DATA = "暂无数据"


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt(v, digits: int = 2) -> str:
    """A number for a label: thousands separators, at most ``digits`` decimals, "暂无数据" if missing."""
    if _missing(v):
        return NO_DATA
    v = float(v)
    text = f"{v:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _chart_id(*parts) -> str:
    digest = hashlib.sha1(repr(parts).encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
    return f"chart-{digest}"


def _text(x, y, content, size=12, anchor="start", fill="#222", weight="normal", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
        f'font-weight="{weight}"{extra}>{escape(str(content))}</text>'
    )


def _open(width: int, height: int, title: str, desc: str, chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f"font-family={quoteattr(FONT)}>",
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(12, 22, title, size=15, weight="bold"),
    ]


def _nice_max(v: float) -> float:
    """Round an axis maximum up to 1, 2, 2.5 or 5 times a power of ten."""
    if v <= 0 or math.isnan(v):
        return 1.0
    power = 10 ** math.floor(math.log10(v))
    for step in (1, 2, 2.5, 5, 10):
        if v <= step * power + 1e-12:
            return step * power
    return 10 * power


def _finite(values: Iterable) -> list[float]:
    return [float(v) for v in values if not _missing(v)]


def progress_bars(rows: Sequence[Mapping], title: str = "规划指标完成进度", width: int = 720) -> str:
    """Horizontal bars, one per indicator: the value as a bar, the target as a dark marker and the
    baseline as a grey tick, each row on its own scale (0 to the largest of the three).

    ``rows``: mappings with ``label``, ``value``, ``target`` and optionally ``baseline``, ``unit``.
    """
    rows = list(rows)
    # The legend sits on its own line under the title; the label column widens (up to 400 px)
    # so that a long Chinese name is not clipped at the left edge. A 12 px CJK glyph measures
    # 12-13 px depending on the fallback font, so reserve 13.5 px per character.
    longest = max((len(str(r["label"])) for r in rows), default=0)
    row_h, top, left, right = 44, 62, min(max(230, int(13.5 * longest) + 24), 400), 170
    height = top + row_h * max(len(rows), 1) + 16
    bar_w = width - left - right
    chart_id = _chart_id("progress", title, [tuple(sorted(r.items())) for r in rows])
    desc = "；".join(
        f"{r['label']}：{fmt(r.get('value'))}{r.get('unit', '')}，目标{fmt(r.get('target'))}{r.get('unit', '')}"
        for r in rows
    ) or NO_DATA
    out = _open(width, height, title, desc, chart_id)
    legend_y = 48
    out += [
        f'<rect x="{left}" y="{legend_y - 9}" width="12" height="9" fill="{PALETTE[0]}"/>',
        _text(left + 16, legend_y, "当前值", size=11),
        f'<line x1="{left + 70}" y1="{legend_y - 11}" x2="{left + 70}" y2="{legend_y + 1}" stroke="#111" stroke-width="3"/>',
        _text(left + 76, legend_y, "目标", size=11),
        f'<line x1="{left + 116}" y1="{legend_y - 11}" x2="{left + 116}" y2="{legend_y + 1}" stroke="#999" '
        f'stroke-width="2" stroke-dasharray="3,2"/>',
        _text(left + 122, legend_y, "基期值", size=11),
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        value, target, baseline = r.get("value"), r.get("target"), r.get("baseline")
        unit = r.get("unit", "") or ""
        scale_max = max(_finite([value, target, baseline]) or [0.0])
        scale = bar_w / scale_max if scale_max > 0 else 0.0
        cy = y + row_h / 2
        out.append(_text(left - 8, cy + 4, r["label"], anchor="end"))
        out.append(f'<rect x="{left}" y="{cy - 9:.1f}" width="{bar_w}" height="18" fill="#eef1f5"/>')
        if not _missing(value):
            w = max(float(value), 0.0) * scale
            out.append(f'<rect x="{left}" y="{cy - 9:.1f}" width="{w:.1f}" height="18" fill="{PALETTE[0]}"/>')
        if not _missing(baseline):
            bx = left + max(float(baseline), 0.0) * scale
            out.append(f'<line x1="{bx:.1f}" y1="{cy - 13:.1f}" x2="{bx:.1f}" y2="{cy + 13:.1f}" stroke="#999" '
                       f'stroke-width="2" stroke-dasharray="3,2"/>')
        if not _missing(target):
            tx = left + max(float(target), 0.0) * scale
            out.append(f'<line x1="{tx:.1f}" y1="{cy - 13:.1f}" x2="{tx:.1f}" y2="{cy + 13:.1f}" stroke="#111" '
                       f'stroke-width="3"/>')
        label = f"{fmt(value)} / {fmt(target) if not _missing(target) else '无目标'} {unit}".strip()
        out.append(_text(left + bar_w + 8, cy + 4, label, size=11))
    out.append("</svg>")
    return "\n".join(out)


def progress_rows(table) -> list[dict]:
    """Rows for ``progress_bars`` from an ``indicators.indicator_table`` frame (plan targets only)."""
    planned = table.loc[table["in_plan"] & table["target"].notna()]
    return [
        {"label": r.zh, "value": r.value, "target": r.target, "baseline": r.baseline, "unit": r.unit}
        for r in planned.itertuples(index=False)
    ]


def _y_axis(out: list[str], left, top, plot_w, plot_h, y_max, unit, ticks=4) -> None:
    for k in range(ticks + 1):
        v = y_max * k / ticks
        y = top + plot_h - plot_h * k / ticks
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(_text(left - 6, y + 4, fmt(v), size=11, anchor="end", fill="#555"))
    if unit:
        out.append(_text(left - 6, top - 8, f"（{unit}）", size=11, anchor="end", fill="#555"))
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>')


def _legend(out: list[str], names: Sequence[str], x: float, y: float, line: bool) -> None:
    for i, name in enumerate(names):
        color = PALETTE[i % len(PALETTE)]
        yy = y + i * 18
        if line:
            out.append(f'<line x1="{x}" y1="{yy - 4}" x2="{x + 16}" y2="{yy - 4}" stroke="{color}" stroke-width="3"/>')
        else:
            out.append(f'<rect x="{x}" y="{yy - 10}" width="12" height="10" fill="{color}"/>')
        out.append(_text(x + 22, yy, name, size=11))


def trend_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence],
    title: str = "指标趋势",
    unit: str = "",
    width: int = 720,
    height: int = 320,
) -> str:
    """Line chart of one or more series over the same periods (``x_labels``, e.g. "2025Q3").

    A missing point breaks the line rather than dropping it to zero.
    """
    names = list(series)
    left, right, top, bottom = 64, 150, 44, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    values = _finite(v for s in series.values() for v in s)
    y_max = _nice_max(max(values) if values else 0.0)
    chart_id = _chart_id("trend", title, tuple(x_labels), tuple((k, tuple(v)) for k, v in series.items()))
    desc = "；".join(
        f"{name}：" + "，".join(f"{x} {fmt(v)}" for x, v in zip(x_labels, vals, strict=False))
        for name, vals in series.items()
    ) or NO_DATA
    out = _open(width, height, title, desc, chart_id)
    _y_axis(out, left, top, plot_w, plot_h, y_max, unit)
    n = len(x_labels)
    step = plot_w / max(n - 1, 1)

    def xy(i, v):
        return left + (i * step if n > 1 else plot_w / 2), top + plot_h - plot_h * float(v) / y_max

    every = max(1, math.ceil(n / 12))  # keep the axis readable with many quarters
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == n - 1:
            x, _ = xy(i, 0)
            out.append(_text(x, top + plot_h + 18, label, size=11, anchor="middle", fill="#555"))
    for k, name in enumerate(names):
        color = PALETTE[k % len(PALETTE)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(series[name]):
            if _missing(v):
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = xy(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{color}" stroke-width="2"/>')
    if not values:
        out.append(_text(left + plot_w / 2, top + plot_h / 2, NO_DATA, anchor="middle", fill="#888"))
    _legend(out, names, left + plot_w + 16, top + 10, line=True)
    out.append("</svg>")
    return "\n".join(out)


def grouped_bar_chart(
    categories: Sequence[str],
    series: Mapping[str, Sequence],
    title: str = "分组比较",
    unit: str = "",
    width: int = 720,
    height: int = 340,
) -> str:
    """Vertical bars grouped by category (e.g. clusters or parks), one colour per series
    (e.g. periods). Each bar is labelled with its value; a missing value shows "暂无数据"."""
    names = list(series)
    left, right, top, bottom = 64, 150, 44, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    values = _finite(v for s in series.values() for v in s)
    y_max = _nice_max(max(values) if values else 0.0)
    chart_id = _chart_id("bars", title, tuple(categories), tuple((k, tuple(v)) for k, v in series.items()))
    desc = "；".join(
        f"{cat}：" + "，".join(f"{name} {fmt(series[name][i])}" for name in names)
        for i, cat in enumerate(categories)
    ) or NO_DATA
    out = _open(width, height, title, desc, chart_id)
    _y_axis(out, left, top, plot_w, plot_h, y_max, unit)
    n_cat = max(len(categories), 1)
    group_w = plot_w / n_cat
    bar_w = group_w * 0.8 / max(len(names), 1)
    base_y = top + plot_h
    for i, cat in enumerate(categories):
        gx = left + i * group_w + group_w * 0.1
        out.append(_text(left + (i + 0.5) * group_w, base_y + 18, cat, size=11, anchor="middle"))
        for k, name in enumerate(names):
            v = series[name][i] if i < len(series[name]) else None
            x = gx + k * bar_w
            if _missing(v):
                out.append(_text(x + bar_w / 2, base_y - 4, NO_DATA, size=9, anchor="middle", fill="#888"))
                continue
            h = plot_h * max(float(v), 0.0) / y_max
            color = PALETTE[k % len(PALETTE)]
            out.append(f'<rect x="{x:.1f}" y="{base_y - h:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" '
                       f'fill="{color}"/>')
            out.append(_text(x + bar_w / 2, base_y - h - 4, fmt(v), size=10, anchor="middle"))
    _legend(out, names, left + plot_w + 16, top + 10, line=False)
    out.append("</svg>")
    return "\n".join(out)
