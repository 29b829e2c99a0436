"""ReportLab drawings for the scorecard report: dimension bars, peer bullets and trend lines.

Every label uses the embedded CJK font (a chart left on ReportLab's default Helvetica would add
a non-embedded font to the PDF). Functions take plain numbers and return a ``Drawing`` that a
platypus story can hold directly; ``None`` values are skipped, never drawn as zero.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from .fonts import register_fonts

NAVY = colors.HexColor("#1F3A5F")
BLUE = colors.HexColor("#3B6EA5")
LIGHT_BLUE = colors.HexColor("#C9D8EA")
GREY = colors.HexColor("#8A8F98")
LIGHT_GREY = colors.HexColor("#E6E8EB")
RED = colors.HexColor("#B3261E")
GREEN = colors.HexColor("#2E7D32")


def new_drawing(width: float, height: float, **kwargs) -> Drawing:
    """A Drawing whose initial graphics state uses the embedded font, not Times/Helvetica."""
    font = register_fonts()
    drawing = Drawing(width, height, **kwargs)
    drawing.initialFontName = font
    drawing.initialFontSize = 9
    return drawing


def _nice_step(span: float, target_steps: int = 5) -> float:
    """A 1/2/5 x 10^n step that cuts ``span`` into about ``target_steps`` intervals."""
    if span <= 0:
        return 1.0
    raw = span / target_steps
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def short_number(value: float) -> str:
    """Compact axis/label number: no trailing zeros, at most two decimals."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


def dimension_bars(
    dimensions: Sequence[tuple[str, float, float]], width: float, height: float | None = None
) -> Drawing:
    """Horizontal bars of each dimension's score as a percentage of its maximum.

    ``dimensions`` holds ``(name, points, max_points)``; each bar is labelled ``points/max``.
    """
    font = register_fonts()
    rows = [d for d in dimensions if d[2]]
    row_height = 22
    height = height or max(80, row_height * len(rows) + 50)
    drawing = new_drawing(width, height)
    if not rows:
        return drawing
    label_width = min(130, max(60, 11 * max(len(name) for name, _, _ in rows) + 10))
    chart = HorizontalBarChart()
    chart.x = label_width
    chart.y = 34
    chart.width = width - label_width - 70
    chart.height = height - 44
    # HorizontalBarChart draws the first category at the bottom; reverse so it reads top-down.
    ordered = list(reversed(rows))
    chart.data = [[100.0 * max(0.0, p) / m for _, p, m in ordered]]
    chart.categoryAxis.categoryNames = [name for name, _, _ in ordered]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 9
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = GREY
    chart.categoryAxis.visibleTicks = 0
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.strokeColor = GREY
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = LIGHT_GREY
    chart.valueAxis.gridStrokeWidth = 0.5
    chart.bars[0].fillColor = BLUE
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.groupSpacing = 8
    chart.barLabelFormat = None
    drawing.add(chart)
    # Labels "points/max" to the right of the plot, one per category row.
    step = chart.height / len(ordered)
    for index, (_, points, max_points) in enumerate(ordered):
        y = chart.y + step * (index + 0.5) - 3
        drawing.add(String(
            chart.x + chart.width + 6, y, f"{short_number(points)}/{short_number(max_points)}",
            fontName=font, fontSize=8.5, fillColor=NAVY,
        ))
    drawing.add(String(chart.x + chart.width / 2, 4, "得分率（得分 / 满分）", fontName=font, fontSize=8,
                       fillColor=GREY, textAnchor="middle"))
    return drawing


def peer_bullet(
    value: float | None,
    p25: float | None,
    median: float | None,
    p75: float | None,
    width: float,
    height: float = 18,
) -> Drawing:
    """One row of a box chart: the P25-P75 box, the median tick and the enterprise's dot.

    Each row has its own scale (indicators have different units), padded around the values.
    """
    drawing = new_drawing(width, height)
    known = [v for v in (value, p25, median, p75) if v is not None]
    if not known:
        return drawing
    low, high = min(known), max(known)
    pad = (high - low) * 0.12 or abs(high) * 0.2 or 1.0
    low, high = low - pad, high + pad
    if min(known) >= 0 > low:
        low = 0.0 if min(known) - 0 < pad * 2 else low

    def x(v: float) -> float:
        return 4 + (v - low) / (high - low) * (width - 8)

    mid = height / 2
    drawing.add(Line(4, mid, width - 4, mid, strokeColor=LIGHT_GREY, strokeWidth=1))
    if p25 is not None and p75 is not None:
        drawing.add(Rect(x(p25), mid - 5, max(x(p75) - x(p25), 0.8), 10,
                         fillColor=LIGHT_BLUE, strokeColor=BLUE, strokeWidth=0.6))
    if median is not None:
        drawing.add(Line(x(median), mid - 7, x(median), mid + 7, strokeColor=NAVY, strokeWidth=1.6))
    if value is not None:
        colour = GREEN if median is None or value >= median else RED
        drawing.add(Circle(x(value), mid, 3.6, fillColor=colour, strokeColor=colors.white, strokeWidth=0.6))
    return drawing


def peer_legend(width: float) -> Drawing:
    """Key for :func:`peer_bullet` rows."""
    font = register_fonts()
    drawing = new_drawing(width, 14)
    drawing.add(Rect(0, 3, 18, 8, fillColor=LIGHT_BLUE, strokeColor=BLUE, strokeWidth=0.6))
    drawing.add(String(22, 4, "同群 P25–P75", fontName=font, fontSize=8, fillColor=GREY))
    drawing.add(Line(100, 1, 100, 13, strokeColor=NAVY, strokeWidth=1.6))
    drawing.add(String(105, 4, "同群中位数", fontName=font, fontSize=8, fillColor=GREY))
    drawing.add(Circle(168, 7, 3.6, fillColor=GREEN, strokeColor=None))
    drawing.add(String(175, 4, "本企业（不低于中位数）", fontName=font, fontSize=8, fillColor=GREY))
    drawing.add(Circle(278, 7, 3.6, fillColor=RED, strokeColor=None))
    drawing.add(String(285, 4, "本企业（低于中位数）", fontName=font, fontSize=8, fillColor=GREY))
    return drawing


def trend_line(
    title: str, periods: Sequence[str], values: Sequence[float | None], width: float, height: float
) -> Drawing:
    """A small line chart of one indicator over the enterprise's periods; missing values are skipped."""
    font = register_fonts()
    drawing = new_drawing(width, height)
    drawing.add(String(4, height - 12, title, fontName=font, fontSize=9, fillColor=NAVY))
    known = [v for v in values if v is not None]
    if not periods or not known:
        drawing.add(String(width / 2, height / 2, "暂无数据", fontName=font, fontSize=9,
                           fillColor=GREY, textAnchor="middle"))
        return drawing
    low, high = min(known), max(known)
    if low == high:
        low, high = low - (abs(low) * 0.1 or 1), high + (abs(high) * 0.1 or 1)
    if low >= 0 and low <= high - low:
        low = 0.0  # start at zero unless that would flatten the line
    step = _nice_step(high - low, 4)
    value_min = step * math.floor(low / step)
    value_max = step * math.ceil(high / step)
    chart = HorizontalLineChart()
    chart.x = 46
    chart.y = 26
    chart.width = width - chart.x - 10
    chart.height = height - chart.y - 22
    chart.data = [tuple(values)]
    chart.joinedLines = 1
    chart.lines[0].strokeColor = BLUE
    chart.lines[0].strokeWidth = 1.6
    chart.lines[0].symbol = makeMarker("FilledCircle", size=4, fillColor=BLUE, strokeColor=BLUE)
    chart.categoryAxis.categoryNames = list(periods)
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.strokeColor = GREY
    if len(periods) > 6:
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = value_min
    chart.valueAxis.valueMax = value_max
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.labelTextFormat = short_number
    chart.valueAxis.strokeColor = GREY
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = LIGHT_GREY
    chart.valueAxis.gridStrokeWidth = 0.5
    drawing.add(chart)
    return drawing
