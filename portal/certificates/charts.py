"""Charts of the scorecard report, drawn straight onto the PDF canvas.

Dimension bars, peer box rows (P25-P75 box, median tick, the enterprise's dot) and quarterly
trend lines. Each chart is a small platypus ``Flowable`` that a story or a table cell holds
directly and that draws with canvas primitives (rectangles, lines, one path per series, text).
They replace ReportLab's chart widgets (``HorizontalBarChart``, ``HorizontalLineChart``) in a
``Drawing``, which built a tree of validated shape objects for every chart and walked it through
``renderPDF``: about a quarter of a report's render time. The geometry is the widgets' (same
plot areas, category bands, bar proportions, ticks, grids, label anchors), so the charts look
as before.

Every label is real text in the embedded CJK font (a label left on ReportLab's default
Helvetica would add a non-embedded font to the PDF). Functions take plain numbers; ``None``
values are skipped, never drawn as zero.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from .fonts import register_fonts
from .pdf_text import TextWriter

NAVY = colors.HexColor("#1F3A5F")
BLUE = colors.HexColor("#3B6EA5")
LIGHT_BLUE = colors.HexColor("#C9D8EA")
GREY = colors.HexColor("#8A8F98")
LIGHT_GREY = colors.HexColor("#E6E8EB")
RED = colors.HexColor("#B3261E")
GREEN = colors.HexColor("#2E7D32")
WHITE = colors.white
BLACK = colors.black

#: A one-line chart label's baseline sits this many font sizes below the top of its box
#: (ReportLab's ``Label``: leading 1.2 x size, baseline ratio 1/1.2), so a label anchored at its
#: middle has its baseline 0.4 x size below the anchor.
_MIDDLE_BASELINE = 0.4


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


def _ticks(low: float, high: float, step: float) -> list[float]:
    """``low``, ``low + step``, ... up to ``high`` (inclusive, with a little float slack)."""
    count = int(math.floor((high - low) / step + 1e-9))
    return [low + i * step for i in range(count + 1)]


class Chart(Flowable):
    """A fixed-size chart; subclasses draw in ``paint(canvas)`` with (0, 0) at bottom left."""

    def __init__(self, width: float, height: float):
        super().__init__()
        self.width = width
        self.height = height
        self.font = register_fonts()

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab API)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        self.labels = TextWriter(c, self.font)  # every label of the chart in one text object
        self.paint(c)
        self.labels.close()
        c.restoreState()

    def paint(self, c) -> None:
        """Nothing to draw: an empty chart keeps its space."""

    # Helpers -------------------------------------------------------------------------------

    def text(self, c, x: float, y: float, text: str, size: float, colour, anchor: str = "start") -> None:
        """One line of text with its baseline at ``y``; ``anchor`` is start, middle or end."""
        self.labels.line(x, y, text, size, colour, anchor)

    @staticmethod
    def lines(c, segments: Sequence[tuple[float, float, float, float]], colour, width: float) -> None:
        """Straight line segments in one colour and width, as one path."""
        if not segments:
            return
        c.setStrokeColor(colour)
        c.setLineWidth(width)
        c.lines(segments)


class DimensionBars(Chart):
    """Horizontal bars of each dimension's score as a percentage of its maximum."""

    ROW_HEIGHT = 22
    LABEL_SIZE = 9
    MIN_LABEL_SIZE = 6

    def __init__(self, dimensions: Sequence[tuple[str, float, float]], width: float, height: float | None = None):
        self.rows = [d for d in dimensions if d[2]]
        super().__init__(width, height or max(80, self.ROW_HEIGHT * len(self.rows) + 50))
        longest = max((len(name) for name, _, _ in self.rows), default=0)
        widest = max((stringWidth(name, self.font, self.LABEL_SIZE) for name, _, _ in self.rows), default=0)
        # About 11 pt a character, 60-130 pt; more (up to 42% of the width) when a name needs
        # it, and a name still too long is set smaller to fit.
        self.label_width = max(min(130, max(60, 11 * longest + 10)), min(widest + 10, width * 0.42))

    def label_size(self, name: str) -> float:
        """The font size of a dimension's name: 9 pt, smaller (down to 6 pt) when it is too long."""
        size = self.LABEL_SIZE
        while size > self.MIN_LABEL_SIZE and stringWidth(name, self.font, size) > self.label_width - 4:
            size -= 0.5
        return size

    def paint(self, c) -> None:
        if not self.rows:
            return
        x, y = self.label_width, 34.0
        w, h = self.width - self.label_width - 70, self.height - 44
        band = h / len(self.rows)

        def vx(percent: float) -> float:
            return x + w * percent / 100

        ticks = _ticks(0, 100, 20)
        self.lines(c, [(vx(t), y, vx(t), y + h) for t in ticks], LIGHT_GREY, 0.5)
        # Bars as the widget proportions them: bar 10 in a group of 10 + spacing 8, centred.
        c.setFillColor(BLUE)
        for index, (_, points, max_points) in enumerate(self.rows):
            bottom = y + h - (index + 1) * band  # first dimension at the top
            percent = min(100.0, 100.0 * max(0.0, points) / max_points)  # the label says the rest
            c.rect(x, bottom + band * 4 / 18, vx(percent) - x, band * 10 / 18, stroke=0, fill=1)
        self.lines(c, [(x, y, x, y + h), (x, y, x + w, y)] + [(vx(t), y, vx(t), y - 5) for t in ticks], GREY, 1)
        for t in ticks:
            self.text(c, vx(t), y - 5 - 8, f"{int(t)}%", 8, BLACK, "middle")
        for index, (name, points, max_points) in enumerate(self.rows):
            centre = y + h - (index + 0.5) * band
            size = self.label_size(name)
            self.text(c, x - 4, centre - _MIDDLE_BASELINE * size, name, size, BLACK, "end")
            self.text(c, x + w + 6, centre - 3, f"{short_number(points)}/{short_number(max_points)}", 8.5, NAVY)
        self.text(c, x + w / 2, 4, "得分率（得分 / 满分）", 8, GREY, "middle")


def dimension_bars(
    dimensions: Sequence[tuple[str, float, float]], width: float, height: float | None = None
) -> DimensionBars:
    """Horizontal bars of each dimension's score as a percentage of its maximum.

    ``dimensions`` holds ``(name, points, max_points)``; each bar is labelled ``points/max``.
    Rows with no maximum are left out; names read top-down in the given order.
    """
    return DimensionBars(dimensions, width, height)


class PeerBullet(Chart):
    """One row of a box chart: the P25-P75 box, the median tick and the enterprise's dot."""

    def __init__(self, value, p25, median, p75, width: float, height: float = 18):
        super().__init__(width, height)
        self.value, self.p25, self.median, self.p75 = value, p25, median, p75

    def paint(self, c) -> None:
        value, p25, median, p75 = self.value, self.p25, self.median, self.p75
        known = [v for v in (value, p25, median, p75) if v is not None]
        if not known:
            return
        width = self.width
        low, high = min(known), max(known)
        pad = (high - low) * 0.12 or abs(high) * 0.2 or 1.0
        low, high = low - pad, high + pad
        if min(known) >= 0 > low:
            low = 0.0 if min(known) - 0 < pad * 2 else low

        def x(v: float) -> float:
            return 4 + (v - low) / (high - low) * (width - 8)

        mid = self.height / 2
        self.lines(c, [(4, mid, width - 4, mid)], LIGHT_GREY, 1)
        if p25 is not None and p75 is not None:
            c.setFillColor(LIGHT_BLUE)
            c.setStrokeColor(BLUE)
            c.setLineWidth(0.6)
            c.rect(x(p25), mid - 5, max(x(p75) - x(p25), 0.8), 10, stroke=1, fill=1)
        if median is not None:
            self.lines(c, [(x(median), mid - 7, x(median), mid + 7)], NAVY, 1.6)
        if value is not None:
            c.setFillColor(GREEN if median is None or value >= median else RED)
            c.setStrokeColor(WHITE)
            c.setLineWidth(0.6)
            c.circle(x(value), mid, 3.6, stroke=1, fill=1)


def peer_bullet(
    value: float | None,
    p25: float | None,
    median: float | None,
    p75: float | None,
    width: float,
    height: float = 18,
) -> PeerBullet:
    """One row of a box chart: the P25-P75 box, the median tick and the enterprise's dot.

    Each row has its own scale (indicators have different units), padded around the values.
    """
    return PeerBullet(value, p25, median, p75, width, height)


class PeerLegend(Chart):
    """Key for :class:`PeerBullet` rows."""

    def paint(self, c) -> None:
        c.setFillColor(LIGHT_BLUE)
        c.setStrokeColor(BLUE)
        c.setLineWidth(0.6)
        c.rect(0, 3, 18, 8, stroke=1, fill=1)
        self.text(c, 22, 4, "同群 P25–P75", 8, GREY)
        self.lines(c, [(100, 1, 100, 13)], NAVY, 1.6)
        self.text(c, 105, 4, "同群中位数", 8, GREY)
        c.setFillColor(GREEN)
        c.circle(168, 7, 3.6, stroke=0, fill=1)
        self.text(c, 175, 4, "本企业（不低于中位数）", 8, GREY)
        c.setFillColor(RED)
        c.circle(278, 7, 3.6, stroke=0, fill=1)
        self.text(c, 285, 4, "本企业（低于中位数）", 8, GREY)


def peer_legend(width: float) -> PeerLegend:
    """Key for :func:`peer_bullet` rows."""
    return PeerLegend(width, 14)


class TrendLine(Chart):
    """A small line chart of one indicator over the enterprise's periods."""

    LABEL_SIZE = 7.5

    def __init__(self, title: str, periods: Sequence[str], values: Sequence[float | None], width: float,
                 height: float):
        super().__init__(width, height)
        self.title, self.periods, self.values = title, list(periods), list(values)

    def paint(self, c) -> None:
        width, height, size = self.width, self.height, self.LABEL_SIZE
        self.text(c, 4, height - 12, self.title, 9, NAVY)
        known = [v for v in self.values if v is not None]
        if not self.periods or not known:
            self.text(c, width / 2, height / 2, "暂无数据", 9, GREY, "middle")
            return
        low, high = min(known), max(known)
        if low == high:
            low, high = low - (abs(low) * 0.1 or 1), high + (abs(high) * 0.1 or 1)
        if low >= 0 and low <= high - low:
            low = 0.0  # start at zero unless that would flatten the line
        step = _nice_step(high - low, 4)
        value_min = step * math.floor(low / step)
        value_max = step * math.ceil(high / step)
        x, y = 46.0, 26.0
        w, h = width - x - 10, height - y - 22
        count = max(len(self.periods), len(self.values))
        band = w / count

        def vy(v: float) -> float:
            return y + (v - value_min) / (value_max - value_min) * h

        ticks = _ticks(value_min, value_max, step)
        # The category axis crosses the value axis at zero when zero is on the plot, else at the bottom.
        axis_y = vy(0) if value_min <= 0 <= value_max else y
        self.lines(c, [(x, vy(t), x + w, vy(t)) for t in ticks], LIGHT_GREY, 0.5)
        points = [(x + (i + 0.5) * band, vy(v)) for i, v in enumerate(self.values) if v is not None]
        if len(points) > 1:
            c.setStrokeColor(BLUE)
            c.setLineWidth(1.6)
            c.setLineCap(0)
            c.setLineJoin(1)
            path = c.beginPath()
            path.moveTo(*points[0])
            for point in points[1:]:
                path.lineTo(*point)
            c.drawPath(path, stroke=1, fill=0)
        c.setFillColor(BLUE)  # the widget's "FilledCircle" marker: size 4, outlined 0.1 pt
        c.setLineWidth(0.1)
        for px, py in points:
            c.circle(px, py, 2, stroke=1, fill=1)
        self.lines(c, [
            (x, y, x, y + h), (x, axis_y, x + w, axis_y),
            *((x, vy(t), x - 5, vy(t)) for t in ticks),
            *((x + i * band, axis_y, x + i * band, axis_y - 5) for i in range(count + 1)),
        ], GREY, 1)
        for t in ticks:
            self.text(c, x - 5, vy(t) - _MIDDLE_BASELINE * size, short_number(t), size, BLACK, "end")
        rotated = len(self.periods) > 6
        cos, sin = math.cos(math.radians(30)), math.sin(math.radians(30))
        for i, period in enumerate(self.periods):
            cx, top = x + (i + 0.5) * band, axis_y - 5
            if rotated:
                # Anchored at the label's top right, turned 30 degrees about the anchor.
                width = stringWidth(period, self.font, size)
                self.labels.style(size, BLACK)
                self.labels.at_angle(cx - cos * width + sin * size, top - sin * width - cos * size, 30)
                self.labels.show(period)
            else:
                self.text(c, cx, top - size, period, size, BLACK, "middle")


def trend_line(
    title: str, periods: Sequence[str], values: Sequence[float | None], width: float, height: float
) -> TrendLine:
    """A small line chart of one indicator over the enterprise's periods; missing values are skipped."""
    return TrendLine(title, periods, values, width, height)
