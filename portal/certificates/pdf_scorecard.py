"""The scorecard report: a multi-page A4 document laid out with ReportLab's platypus.

Cover and summary, then per framework its gates, dimension chart, item breakdown and ranked
recommendations, then the cluster comparison and the quarterly trend. Input is
:class:`ScorecardData` built from stored result snapshots; nothing is re-scored here.
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial
from typing import Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    TableStyle,
)

from . import charts
from .fonts import register_fonts, render_lock
from .pdf_common import (
    DASH,
    GROUP_BG,
    MUTED,
    NAVY,
    NOT_APPLICABLE,
    PORTAL_NAME,
    PROVISIONAL_LEGEND,
    RULE,
    ZEBRA,
    ScorecardData,
    cjk_table_style,
    cn_date,
    fmt_number,
    fmt_value,
)
from .pdf_flowables import (
    LINE_BREAK,
    ReportStyles,
    ReportTable,
    TextBlock,
    header_row,
    marked,
    name_cell,
    report_styles,
    report_table_style,
    rich_cell,
    split_width,
    status_cell,
    table_cells,
    text_cell,
    zebra_rows,
)
from .pdf_text import TextWriter

MARGIN = 18 * mm


def _text(text: Any, style: Any) -> TextBlock:
    """Plain text in one style (a paragraph without markup)."""
    return TextBlock([(str(text), None, None)], style)


def _passed_text(passed: bool | None) -> str:
    return {True: "通过", False: "未通过"}.get(passed, "待定")


def _gate_text(passed: bool | None) -> str:
    return {True: "满足", False: "不满足"}.get(passed, "无法判定")


def _generated_text(value: datetime | date | str) -> str:
    if isinstance(value, datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, date):
        return cn_date(value)
    return str(value) if value else DASH


def _summary_table(st: ReportStyles, frameworks: Sequence[Mapping[str, Any]], width: float) -> ReportTable:
    widths = split_width(width, [34, 16, 18, 18, 14])
    rows: list[list[Any]] = [header_row(st, ["评价体系", "标准版本", "得分 / 满分", "等级", "结论"], widths)]
    status: list[tuple] = []
    for fw in frameworks:
        r = len(rows)
        rows.append([
            name_cell(fw.get("framework_name") or fw.get("framework") or DASH, fw.get("provisional"), st.cell,
                       widths[0]),
            text_cell(fw.get("criteria_version") or DASH, st.cell_c, widths[1]),
            text_cell(f"{fmt_number(fw.get('total'))} / {fmt_number(fw.get('max_total'))}", st.cell_c, widths[2]),
            text_cell(fw.get("grade") or DASH, st.cell_c, widths[3]),
            status_cell(st, _passed_text(fw.get("passed")), fw.get("passed"), widths[4], (4, r), status),
        ])
    table = ReportTable(rows, colWidths=widths, repeatRows=1, splitInRow=1,
                        cellStyles=table_cells(len(rows), [st.cell, st.cell_c, st.cell_c, st.cell_c, st.cell_c],
                                               st.head))
    table.setStyle(report_table_style([*status, *zebra_rows(len(rows))]))
    return table


def _info_table(st: ReportStyles, pairs: Sequence[tuple[str, str]], width: float) -> ReportTable:
    widths = split_width(width, [24, 76])
    rows = [[text_cell(k, st.label, widths[0]), text_cell(v, st.value, widths[1])] for k, v in pairs]
    table = ReportTable(rows, colWidths=widths, cellStyles=table_cells(len(rows), [st.label, st.value],
                                                                       padding=(5, 5, 6, 6)))
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, NAVY),
    ]))
    return table


def _gates_table(st: ReportStyles, gates: Sequence[Mapping[str, Any]], width: float) -> ReportTable:
    widths = split_width(width, [30, 20, 14, 10, 12, 14])
    rows: list[list[Any]] = [header_row(st, ["门槛条件", "要求", "实际值", "结果", "差距", "来源"], widths)]
    status: list[tuple] = []
    for gate in gates:
        r = len(rows)
        shortfall = gate.get("shortfall")
        rows.append([
            name_cell(gate.get("name") or gate.get("code") or DASH, gate.get("provisional"), st.cell, widths[0],
                       gate.get("detail")),
            text_cell(gate.get("required") or DASH, st.cell, widths[1]),
            text_cell(fmt_value(gate.get("value"), gate.get("unit")), st.cell_c, widths[2]),
            status_cell(st, _gate_text(gate.get("passed")), gate.get("passed"), widths[3], (3, r), status),
            text_cell(fmt_value(shortfall, gate.get("unit")) if shortfall is not None else DASH, st.cell_c, widths[4]),
            text_cell(gate.get("source") or DASH, st.cell_note, widths[5]),
        ])
    table = ReportTable(rows, colWidths=widths, repeatRows=1, splitInRow=1, cellStyles=table_cells(
        len(rows), [st.cell, st.cell, st.cell_c, st.cell_c, st.cell_c, st.cell_note], st.head))
    table.setStyle(report_table_style([*status, *zebra_rows(len(rows))]))
    return table


def _items_table(st: ReportStyles, items: Sequence[Mapping[str, Any]], width: float) -> ReportTable:
    widths = split_width(width, [32, 15, 22, 8, 8, 15])
    headers = ["指标", "取值", "匹配档位", "得分", "满分", "来源"]
    rows: list[list[Any]] = [header_row(st, headers, widths)]
    extra: list[tuple] = []
    dimensions = [it.get("dimension") for it in items]
    grouped = any(dimensions)
    order: list[str | None] = []
    for d in dimensions:
        if d not in order:
            order.append(d)
    zebra_index = 0
    for dimension in order if grouped else [None]:
        members = [it for it in items if it.get("dimension") == dimension] if grouped else list(items)
        if grouped:
            got = sum(float(it.get("points") or 0) for it in members)
            top = sum(float(it.get("max_points") or 0) for it in members)
            # The paragraph printed the ideographic space of its markup as a plain space.
            rows.append([rich_cell([(f"{dimension or '其他'} ", None, None),
                                     (f"{fmt_number(got)} / {fmt_number(top)} 分", "#5F6670", None)],
                                    st.group), "", "", "", "", ""])
            r = len(rows) - 1
            extra += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), GROUP_BG),
                      # the spanned-over "" cells keep the Table's default 10/12 pt (row height)
                      ("FONTSIZE", (1, r), (-1, r), 10), ("LEADING", (1, r), (-1, r), 12)]
            zebra_index = 0
        for item in members:
            available = item.get("available", True)
            value = fmt_value(item.get("value"), item.get("unit")) if available else NOT_APPLICABLE
            band = item.get("band") or (DASH if available else NOT_APPLICABLE)
            rows.append([
                name_cell(item.get("name") or item.get("code") or DASH, item.get("provisional"), st.cell,
                           widths[0], item.get("note")),
                text_cell(value, st.cell_c, widths[1]),
                text_cell(band, st.cell, widths[2]),
                text_cell(fmt_number(item.get("points")), st.cell_r, widths[3]),
                text_cell(fmt_number(item.get("max_points")), st.cell_r, widths[4]),
                text_cell(item.get("source") or DASH, st.cell_note, widths[5]),
            ])
            if zebra_index % 2 == 1:
                extra.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), ZEBRA))
            zebra_index += 1
    table = ReportTable(rows, colWidths=widths, repeatRows=1, splitInRow=1, cellStyles=table_cells(
        len(rows), [st.cell, st.cell_c, st.cell, st.cell_r, st.cell_r, st.cell_note], st.head))
    table.setStyle(report_table_style(extra))
    return table


def _recommendations_table(st: ReportStyles, recs: Sequence[Mapping[str, Any]], width: float) -> ReportTable:
    widths = split_width(width, [6, 58, 12, 12, 12])
    rows: list[list[Any]] = [header_row(st, ["序", "建议", "可提升", "当前值", "目标值"], widths)]
    ordered = sorted(enumerate(recs), key=lambda p: (p[1].get("rank") or 10 ** 6, p[0]))
    for position, (_, rec) in enumerate(ordered, start=1):
        tags = []
        if rec.get("clears_gate"):
            tags.append("可满足门槛")
        if rec.get("changes_grade"):
            tags.append("可提升等级")
        if tags:
            text = rich_cell([(f"{rec.get('text') or DASH} ", None, None),
                              *((f"{' ' if i else ''}【{t}】", "#2E7D32", None) for i, t in enumerate(tags))],
                             st.cell)
        else:
            text = text_cell(rec.get("text") or DASH, st.cell, widths[1])
        gain = rec.get("points_gain")
        unit = rec.get("unit")
        rows.append([
            text_cell(rec.get("rank") or position, st.cell_c, widths[0]),
            text,
            text_cell(f"+{fmt_number(gain)} 分" if gain is not None else DASH, st.cell_c, widths[2]),
            text_cell(fmt_value(rec.get("current_value"), unit), st.cell_c, widths[3]),
            text_cell(fmt_value(rec.get("target_value"), unit), st.cell_c, widths[4]),
        ])
    table = ReportTable(rows, colWidths=widths, repeatRows=1, splitInRow=1, cellStyles=table_cells(
        len(rows), [st.cell_c, st.cell, st.cell_c, st.cell_c, st.cell_c], st.head))
    table.setStyle(report_table_style(zebra_rows(len(rows))))
    return table


def _dimension_scores(items: Sequence[Mapping[str, Any]]) -> list[tuple[str, float, float]]:
    totals: dict[str, list[float]] = {}
    for item in items:
        key = item.get("dimension") or "其他"
        entry = totals.setdefault(key, [0.0, 0.0])
        entry[0] += float(item.get("points") or 0)
        entry[1] += float(item.get("max_points") or 0)
    return [(name, p, m) for name, (p, m) in totals.items() if m > 0]


def _framework_section(st: ReportStyles, fw: Mapping[str, Any], width: float) -> list[Any]:
    name = fw.get("framework_name") or fw.get("framework") or DASH
    story: list[Any] = [TextBlock(marked(name, fw.get("provisional")), st.h1)]
    summary = [
        ("标准版本", str(fw.get("criteria_version") or DASH)),
        ("得分 / 满分", f"{fmt_number(fw.get('total'))} / {fmt_number(fw.get('max_total'))}"),
        ("等级", str(fw.get("grade") or DASH)),
        ("结论", _passed_text(fw.get("passed"))),
    ]
    cells = []
    for label, value in summary:
        cells.append(TextBlock([(label, "#5F6670", 8), LINE_BREAK, (value, None, 12)], st.cell_c))
    band = ReportTable([cells], colWidths=[width / 4] * 4)
    band.setStyle(cjk_table_style([
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("LINEBEFORE", (1, 0), (-1, 0), 0.3, RULE),
        ("BACKGROUND", (0, 0), (-1, -1), ZEBRA),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    story += [band, Spacer(1, 4)]
    routes = [str(r) for r in fw.get("routes") or () if r]
    if routes:
        story.append(_text("适用直通条件：" + "、".join(routes), st.small))
    for note in fw.get("notes") or ():
        story.append(_text(note, st.small))

    gates = fw.get("gates") or ()
    story.append(_text("门槛条件", st.h2))
    story.append(_gates_table(st, gates, width) if gates else _text("本评价体系无门槛条件。", st.small))

    items = fw.get("items") or ()
    dims = _dimension_scores(items)
    if dims:
        story.append(KeepTogether([
            _text("分维度得分", st.h2),
            charts.dimension_bars(dims, width),
        ]))
    story.append(_text("评分明细", st.h2))
    story.append(_items_table(st, items, width) if items else _text("无评分明细。", st.small))

    recs = fw.get("recommendations") or ()
    story.append(CondPageBreak(60))
    story.append(_text("改进建议（按优先级排序）", st.h2))
    story.append(_recommendations_table(st, recs, width) if recs else _text("暂无改进建议。", st.small))
    return story


def _peer_section(st: ReportStyles, data: ScorecardData, width: float) -> list[Any]:
    story: list[Any] = [_text("同群比较", st.h1)]
    group = f"比较对象：{data.cluster_label}。" if data.cluster_label else ""
    story.append(_text(f"{group}箱体为同群企业的四分位区间（P25–P75），竖线为中位数，圆点为本企业。"
                           "每行按各自指标单独标尺。", st.small))
    if not data.peer_stats:
        story.append(_text("暂无同群比较数据。", st.small))
        return story
    story.append(Spacer(1, 4))
    chart_width = width * 0.36
    rest = width - chart_width
    widths = [rest * 0.36] + [rest * 0.16] * 4 + [chart_width]
    rows: list[list[Any]] = [header_row(st, ["指标", "本企业", "P25", "中位数", "P75", "位置"], widths)]
    for row in data.peer_stats:
        unit = row.get("unit")
        name = row.get("name") or row.get("indicator") or DASH
        if unit:
            label = rich_cell([(str(name), None, None), (f"（{unit}）", "#5F6670", 7.5)], st.cell)
        else:
            label = text_cell(name, st.cell, widths[0])
        rows.append([
            label,
            *(text_cell(fmt_number(row.get(key)), st.cell_r, w)
              for key, w in zip(("value", "p25", "median", "p75"), widths[1:5], strict=True)),
            charts.peer_bullet(_num(row.get("value")), _num(row.get("p25")), _num(row.get("median")),
                               _num(row.get("p75")), chart_width - 8),
        ])
    table = ReportTable(rows, colWidths=widths, repeatRows=1, splitInRow=1, cellStyles=table_cells(
        len(rows), [st.cell, st.cell_r, st.cell_r, st.cell_r, st.cell_r, st.cell], st.head))
    table.setStyle(report_table_style(zebra_rows(len(rows))))
    story += [table, Spacer(1, 4), charts.peer_legend(width)]
    return story


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _trend_series(data: ScorecardData) -> tuple[list[str], dict[str, list[float | None]]]:
    periods: list[str] = []
    series: dict[str, list[float | None]] = {}
    for index, point in enumerate(data.trend):
        values = point.get("values")
        if not isinstance(values, Mapping):
            values = {k: v for k, v in point.items() if k != "period"}
        for key in values:
            series.setdefault(str(key), [None] * index)
        periods.append(str(point.get("period", DASH)))
        for key, column in series.items():
            column.append(_num(values.get(key)))
    return periods, series


def _trend_section(st: ReportStyles, data: ScorecardData, width: float) -> list[Any]:
    story: list[Any] = [_text("季度趋势", st.h1)]
    periods, series = _trend_series(data)
    if not periods or not series:
        story.append(_text("暂无历史季度数据。", st.small))
        return story
    cell_width = width / 2
    drawings = []
    for name, values in series.items():
        unit = data.trend_units.get(name)
        title = f"{name}（{unit}）" if unit else name
        drawings.append(charts.trend_line(title, periods, values, cell_width - 8, 150))
    rows = [drawings[i:i + 2] + [""] * (2 - len(drawings[i:i + 2])) for i in range(0, len(drawings), 2)]
    table = ReportTable(rows, colWidths=[cell_width, cell_width])
    table.setStyle(cjk_table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    story.append(table)
    return story


class _ReportTemplate(BaseDocTemplate):
    """Adds a PDF outline entry (bookmark) for every top-level heading."""

    def afterFlowable(self, flowable):  # noqa: N802 (ReportLab API)
        if isinstance(flowable, TextBlock) and flowable.style.name == "h1":
            key = f"h{self.seq.nextf('outline')}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.plain_text(), key, level=0, closed=False)
            self.canv.showOutline()


def render_scorecard(data: ScorecardData) -> bytes:
    """A multi-page A4 scorecard report: summary, per-framework breakdowns, peers and trends.

    Built in one pass. Every footer says "第 n 页 / 共 N 页": each page draws its page-number line
    as a form XObject (``pagenumber<n>``) that is defined only when the document is saved and
    the page count is known (a forward reference ReportLab allows). Building twice to count the
    pages first doubled the render time; deferring the pages in the canvas instead would break
    the outline's page references.
    """
    with render_lock, _report_settings():
        return _build_scorecard(data)


@contextmanager
def _report_settings():
    """ReportLab settings for one scorecard render, restored afterwards.

    ``useA85 = 0``: streams are written Flate-compressed only, without the default ASCII85
    layer over them (an encoding pass over every page and the font subsets; the file is also
    ~7% smaller). (Chart widgets, which wanted ``shapeChecking = 0``, are no longer used.)

    ``rl_config`` is module-global; every ReportLab render of the portal holds ``render_lock``.
    """
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


class _PageCountCanvas(rl_canvas.Canvas):
    """A canvas that calls ``before_save(canvas)`` just before writing the document."""

    def __init__(self, *args: Any, before_save: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._before_save = before_save

    def save(self) -> None:
        if self._before_save is not None:
            self._before_save(self)
        super().save()


def _build_scorecard(data: ScorecardData) -> bytes:
    font = register_fonts()
    st = report_styles(font)
    buffer = io.BytesIO()
    width, height = A4
    body_width = width - 2 * MARGIN
    title = f"{data.enterprise_name} 企业评价评分报告（{data.period_label}）"
    doc = _ReportTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=22 * mm,
        bottomMargin=18 * mm, title=title, author=data.issuer, subject="企业评价评分报告",
        creator=PORTAL_NAME, keywords=[data.enterprise_name, data.uscc, data.period_label],
        invariant=1, initialFontName=font, pageCompression=1, lang="zh-CN",
    )
    frame = Frame(MARGIN, 18 * mm, body_width, height - 40 * mm, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    generated = _generated_text(data.generated_at)
    pages: list[int] = []  # numbers of the pages decorated so far

    def decorate(c: rl_canvas.Canvas, _doc: Any, with_header: bool) -> None:
        c.saveState()
        text = TextWriter(c, font)
        if with_header:
            text.line(MARGIN, height - 13 * mm, f"{data.issuer} · 企业评价评分报告", 8, MUTED)
            text.line(width - MARGIN, height - 13 * mm, f"{data.enterprise_name} · {data.period_label}", 8, MUTED,
                      "end")
            c.setStrokeColor(NAVY)
            c.setLineWidth(0.6)
            c.line(MARGIN, height - 15 * mm, width - MARGIN, height - 15 * mm)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.4)
        c.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
        text.line(MARGIN, 10 * mm, f"{PORTAL_NAME} · 生成于 {generated} · 结果以评价快照为准", 8, MUTED)
        text.close()
        pages.append(c.getPageNumber())
        c.doForm(f"pagenumber{pages[-1]}")
        c.restoreState()

    def page_numbers(c: rl_canvas.Canvas) -> None:
        """Define each page's "第 n 页 / 共 N 页" form, now that the page count is known."""
        total = max(pages, default=0)
        for number in pages:
            c.beginForm(f"pagenumber{number}")
            c.setFont(font, 8)
            c.setFillColor(MUTED)
            c.drawRightString(width - MARGIN, 10 * mm, f"第 {number} 页 / 共 {total} 页")
            c.endForm()

    doc.addPageTemplates([
        PageTemplate(id="cover", frames=[frame], onPage=lambda c, d: decorate(c, d, False),
                     autoNextPageTemplate="body"),
        PageTemplate(id="body", frames=[frame], onPage=lambda c, d: decorate(c, d, True)),
    ])

    story: list[Any] = [
        Spacer(1, 18 * mm),
        _text("企业评价评分报告", st.title),
        Spacer(1, 3 * mm),
        _text(data.issuer, st.subtitle),
        Spacer(1, 12 * mm),
        _info_table(st, [
            ("企业名称", data.enterprise_name),
            ("统一社会信用代码", data.uscc),
            ("评价期", data.period_label),
            *([("同群（产业集群）", data.cluster_label)] if data.cluster_label else []),
            ("生成时间", generated),
        ], body_width),
        Spacer(1, 10 * mm),
        _text("评价结果概览", st.h1),
    ]
    if data.frameworks:
        story.append(_summary_table(st, data.frameworks, body_width))
        scored = [
            (str(fw.get("framework_name") or fw.get("framework") or DASH), float(fw["total"]),
             float(fw["max_total"]))
            for fw in data.frameworks
            if _num(fw.get("total")) is not None and _num(fw.get("max_total"))
        ]
        if scored:
            story += [Spacer(1, 4 * mm), charts.dimension_bars(scored, body_width)]
    else:
        story.append(_text("本评价期暂无评价结果。", st.small))
    story += [
        Spacer(1, 8 * mm),
        _text("说明", st.h2),
        _text(PROVISIONAL_LEGEND, st.legend),
        _text("“—”表示数值缺失或不适用；“不适用”表示因缺少所需数据该项未能评分。"
                  "得分、等级与建议均来自提交时保存的评价快照及其标准版本。", st.legend),
        NextPageTemplate("body"),
    ]
    for fw in data.frameworks:
        story.append(PageBreak())
        story += _framework_section(st, fw, body_width)
    story.append(PageBreak())
    story += _peer_section(st, data, body_width)
    story.append(Spacer(1, 8 * mm))
    story.append(CondPageBreak(200))
    story += _trend_section(st, data, body_width)
    story += [Spacer(1, 6 * mm), _text(PROVISIONAL_LEGEND, st.legend)]
    doc.build(story, canvasmaker=partial(_PageCountCanvas, before_save=page_numbers))
    return buffer.getvalue()
