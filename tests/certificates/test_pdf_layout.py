"""The report's own text blocks and charts: laid out as ReportLab's paragraph and chart widgets were."""
import io
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfReader
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from portal.certificates import charts
from portal.certificates.fonts import register_fonts
from portal.certificates.pdf import ScorecardData, render_scorecard
from portal.certificates.pdf_flowables import LINE_BREAK, MARK_RUN, TextBlock, report_styles

FONT = register_fonts()
STYLES = report_styles(FONT)

TEXTS = [
    "同时实施以下 2 项：本年研发费用再增加 796.3 万元；研发投入强度本年及下一年度均保持不低于 3%（上年 2.26% "
    "已不能改变，最早于下一年度评价时满足）",
    "每年研发费用≥100 万元 且 ≥3%",
    "report-fields.yaml violations_3y (一票否决)",
    "[P-fyss] 原文为“较为靠前”，量化口径为本门户暂定",
    "单位工业增加值综合能耗，单位：tce/万元。本项按近三年平均值计算，缺少年份不计入。",
    "A&B <b>不是标记</b> & 更多文字，，，。。。",
    "https://qyzp.tongliang.gov.cn/verify/TL-ZNGC-2026-0007?lang=zh-CN&from=report",
    "  前后空白\n与  多个空格  ",
]
WIDTHS = [30.0, 41.3, 77.5, 120.0, 278.07]


def paragraph_lines(paragraph: Paragraph) -> list[str]:
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:
        return [" ".join(words) for _, words in lines]
    return ["".join(frag.text for frag in line.words) for line in lines]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("style_name", ["cell", "cell_c", "cell_r", "small"])
def test_text_block_breaks_lines_where_a_cjk_paragraph_does(text, width, style_name):
    style = getattr(STYLES, style_name)
    paragraph = Paragraph(escape(text), style)
    block = TextBlock([(text, None, None)], style)
    assert block.wrap(width, 10_000) == paragraph.wrap(width, 10_000)
    expected = paragraph_lines(paragraph)
    if "&" in text:
        # An escaped "&amp;" splits ReportLab's paragraph into fragments, and then it keeps the
        # spaces at the ends of lines; one run of text is trimmed as a one-fragment paragraph is.
        expected = [line.strip() for line in expected[:-1]] + expected[-1:]
    assert block.wrapped_lines() == expected


@pytest.mark.parametrize("width", WIDTHS)
def test_text_block_runs_and_breaks_lay_out_like_markup(width):
    name, note = "主导产品细分市场占有率较为靠前", "均未满足：国内细分市场排名≤10名；细分市场占有率≥5%"
    block = TextBlock([(name, None, None), MARK_RUN, LINE_BREAK, (note, "#5F6670", 7.5)], STYLES.cell)
    paragraph = Paragraph(f'{name}<font color="#B3261E"> ※</font><br/><font size="7.5" color="#5F6670">'
                          f"{note}</font>", STYLES.cell)
    assert block.wrap(width, 10_000) == paragraph.wrap(width, 10_000)
    assert block.wrapped_lines() == paragraph_lines(paragraph)


def test_text_block_collapses_whitespace_as_the_paragraph_parser_does():
    runs = [("  甲\n\n乙  ", None, None), ("", "#B3261E", None), (" 丙 ", None, 12), LINE_BREAK]
    block = TextBlock(runs, STYLES.cell)
    paragraph = Paragraph('  甲\n\n乙  <font color="#B3261E"></font><font size="12"> 丙 </font><br/>', STYLES.cell)
    assert block.plain_text() == "".join(frag.text for frag in paragraph.frags if frag.text) == "甲 乙  丙 "
    assert block.wrap(500, 100) == paragraph.wrap(500, 100)
    assert TextBlock([("  ", None, None)], STYLES.cell).wrap(500, 100) == (500, 0)


def test_text_block_splits_between_lines_and_leaves_no_orphan():
    block = TextBlock([("很长的说明文字，" * 40, None, None)], STYLES.cell)
    _, height = block.wrap(100, 10_000)
    lines = block.wrapped_lines()
    leading = STYLES.cell.leading
    assert height == leading * len(lines)
    assert block.split(100, leading * 1.5) == []  # one line would be an orphan
    head, tail = block.split(100, leading * 3.2)
    assert head.wrap(100, 10_000)[1] == 3 * leading
    assert head.wrapped_lines() + tail.wrapped_lines() == lines
    assert block.split(100, height + 1) == [block]


def test_text_block_alignment_uses_the_unused_width():
    for alignment in (TA_CENTER, TA_RIGHT):
        style = STYLES.cell.clone("aligned", alignment=alignment)
        block = TextBlock([("居中或靠右", None, None)], style)
        block.wrap(200, 100)
        (_, _, extra, _), = block._lines
        assert extra == pytest.approx(200 - stringWidth("居中或靠右", FONT, style.fontSize))


def scorecard(**changes) -> ScorecardData:
    items = [
        {"code": f"I{i}", "name": name, "value": 10.0 + i, "unit": "%", "band": "≥10%", "points": points,
         "max_points": 5.0, "dimension": dimension, "source": "[R-1]", "available": True}
        for i, (name, dimension, points) in enumerate([
            ("A&B <b>不是标记</b>", "基础建设", 2.0), ("关键工序数控化率", "基础建设", 3.0),
            ("数字化生产设备占比", "生产制造", 5.0),
        ])
    ]
    data = dict(
        enterprise_name="重庆铜梁龙腾智能装备制造有限公司", uscc="91500224MA5U8K3X2T", period_label="2026年第三季度",
        generated_at="2026-11-29",
        frameworks=[{"framework": "smart", "framework_name": "智能制造能力成熟度（GB/T 39116/39117-2020）",
                     "criteria_version": "2020", "total": 60.0, "max_total": 100.0, "items": items}],
        peer_stats=[{"name": "营业收入", "unit": "万元", "value": 12850, "p25": 5200, "median": 9800,
                     "p75": 18000}],
        trend=[{"period": f"2026Q{q}", "values": {"营业收入": 11000 + q * 100}} for q in (1, 2, 3)],
        trend_units={"营业收入": "万元"},
    )
    data.update(changes)
    return ScorecardData(**data)


@pytest.fixture(scope="module")
def report_text() -> str:
    reader = PdfReader(io.BytesIO(render_scorecard(scorecard())))
    return "".join("".join((page.extract_text() or "").split()) for page in reader.pages)


def test_charts_print_their_labels_as_text(report_text):
    # dimension bars: names, points/max, axis ticks and caption
    assert "基础建设" in report_text and "生产制造" in report_text
    assert "5/10" in report_text and "5/5" in report_text
    assert "0%" in report_text and "100%" in report_text
    assert "得分率（得分/满分）" in report_text
    # the summary chart names the framework in full
    assert report_text.count("智能制造能力成熟度（GB/T39116/39117-2020）") >= 3
    # peer legend and trend chart
    assert "同群中位数" in report_text and "本企业（不低于中位数）" in report_text
    assert "营业收入（万元）" in report_text
    assert "2026Q1" in report_text and "2026Q3" in report_text


def test_markup_characters_in_data_print_literally(report_text):
    assert "A&B<b>不是标记</b>" in report_text


def test_dimension_chart_sets_long_names_small_enough_to_fit():
    name = "智能制造能力成熟度（GB/T 39116/39117-2020）"
    chart = charts.dimension_bars([(name, 1.6, 5.0), ("绿色工厂", 50, 100)], 493)
    assert chart.label_width <= 0.42 * 493
    assert stringWidth(name, FONT, chart.label_size(name)) <= chart.label_width - 4
    assert chart.label_size("绿色工厂") == charts.DimensionBars.LABEL_SIZE


def test_dimension_chart_skips_rows_without_a_maximum():
    chart = charts.dimension_bars([("甲", 1, 0), ("乙", 2, 4)], 300)
    assert [name for name, _, _ in chart.rows] == ["乙"]
    assert chart.wrap(300, 1000) == (300, 80)


def test_trend_chart_without_values_says_so():
    reader = PdfReader(io.BytesIO(render_scorecard(scorecard(
        trend=[{"period": "2026Q3", "values": {"营业收入": None, "研发费用": 5}}]))))
    text = "".join("".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "暂无数据" in text
    assert "研发费用" in text


def placed_text(pdf: bytes) -> list[tuple[bytes, float, float]]:
    """Every shown string (as encoded) with its page position.

    Interprets q/Q/cm and the text positioning operators (BT, Tm, Td, TL, T*); strings shown one
    after another without repositioning count as one, at the first one's position.
    """
    from pypdf.generic import ContentStream

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    found, stack = [], []
    ctm = tm = lm = (1, 0, 0, 1, 0, 0)
    leading, joined = 0.0, False

    def times(m, n):
        a, b, c, d, e, f = m
        a2, b2, c2, d2, e2, f2 = n
        return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
                e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)

    for operands, op in ContentStream(page.get_contents(), page.pdf).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = times(tuple(float(v) for v in operands), ctm)
        elif op == b"BT":
            tm = lm = (1, 0, 0, 1, 0, 0)
            joined = False
        elif op == b"Tm":
            tm = lm = tuple(float(v) for v in operands)
            joined = False
        elif op in (b"Td", b"T*"):
            dx, dy = (float(operands[0]), float(operands[1])) if op == b"Td" else (0.0, -leading)
            tm = lm = times((1, 0, 0, 1, dx, dy), lm)
            joined = False
        elif op == b"TL":
            leading = float(operands[0])
        elif op == b"Tj":
            shown = bytes(operands[0].original_bytes)
            if joined:
                text, x, y = found[-1]
                found[-1] = (text + shown, x, y)
            else:
                m = times(tm, ctm)
                found.append((shown, round(m[4], 2), round(m[5], 2)))
            joined = True
    return sorted(found)


def test_report_table_places_string_and_text_block_cells_as_table_does(monkeypatch):
    from reportlab.pdfgen import canvas as rl_canvas
    from reportlab.platypus import Table

    from portal.certificates.pdf_flowables import ReportTable, report_table_style, table_cells

    long = "近两年研发费用每年不低于 100 万元且占营业收入比重不低于 3%"
    style = report_table_style([("TEXTCOLOR", (1, 3), (1, 3), "#2E7D32"), ("VALIGN", (0, 2), (-1, 2), "TOP")])
    pdfs = []
    for cls, block in ((Table, lambda text, st: Paragraph(escape(text), st)),
                       (ReportTable, lambda text, st: TextBlock([(text, None, None)], st))):
        rows = [["指标", "取值", "得分"], ["研发投入强度", "2.26%", "3"], ["多行\n文字", "—", "12.5"],
                ["", "满足", "0"], [block(long, STYLES.cell), block(long, STYLES.cell_c), "1"]]
        buffer = io.BytesIO()
        c = rl_canvas.Canvas(buffer, invariant=1)
        table = cls(rows, colWidths=[90, 60, 40],
                    cellStyles=table_cells(len(rows), [STYLES.cell, STYLES.cell_c, STYLES.cell_r], STYLES.head))
        table.setStyle(style)
        table.wrapOn(c, 190, 500)
        table.drawOn(c, 50, 600)
        c.showPage()
        c.save()
        pdfs.append(buffer.getvalue())
    expected = placed_text(pdfs[0])
    assert len(expected) > 16
    assert placed_text(pdfs[1]) == expected
    # ... and writes those cells itself: Table keeps a flowable cell as a one-item tuple.
    handed_over = []
    monkeypatch.setattr(Table, "_drawCell", lambda self, value, *args: handed_over.append(value))
    table = ReportTable([[TextBlock([(long, None, None)], STYLES.cell), "文字"]], colWidths=[90, 60],
                        cellStyles=table_cells(1, [STYLES.cell, STYLES.cell]))
    c = rl_canvas.Canvas(io.BytesIO(), invariant=1)
    table.wrapOn(c, 150, 500)
    table.drawOn(c, 50, 600)
    assert handed_over == []


@pytest.mark.parametrize("style_name", ["cell", "cell_c", "cell_r", "title"])
@pytest.mark.parametrize("runs, markup", [
    ([(TEXTS[0], None, None)], escape(TEXTS[0])),
    ([(TEXTS[1], None, None)], escape(TEXTS[1])),
    ([("主导产品细分市场占有率较为靠前", None, None), MARK_RUN, LINE_BREAK, ("均未满足：国内细分市场排名≤10名", "#5F6670", 7.5)],
     '主导产品细分市场占有率较为靠前<font color="#B3261E"> ※</font><br/>'
     '<font size="7.5" color="#5F6670">均未满足：国内细分市场排名≤10名</font>'),
    ([("标准版本", "#5F6670", 8), LINE_BREAK, ("工信部企业〔2026〕2号", None, 12)],
     '<font color="#5F6670" size="8">标准版本</font><br/><font size="12">工信部企业〔2026〕2号</font>'),
])
def test_text_block_draws_each_line_where_the_paragraph_does(runs, markup, style_name):
    from reportlab.pdfgen import canvas as rl_canvas

    style = getattr(STYLES, style_name)
    pdfs = []
    for flowable in (Paragraph(markup, style), TextBlock(runs, style)):
        buffer = io.BytesIO()
        c = rl_canvas.Canvas(buffer, invariant=1)
        flowable.wrapOn(c, 90, 1000)
        flowable.drawOn(c, 60, 400)
        c.showPage()
        c.save()
        pdfs.append(buffer.getvalue())
    expected = placed_text(pdfs[0])
    assert len(expected) >= 2
    assert placed_text(pdfs[1]) == expected


def test_table_cells_give_each_column_its_paragraph_look():
    from portal.certificates.pdf_flowables import table_cells

    cells = table_cells(3, [STYLES.cell, STYLES.cell_r, STYLES.cell_note], STYLES.head, padding=(5, 5, 6, 6))
    head, body = cells[0], cells[2]
    assert [c.alignment for c in head] == ["CENTER"] * 3
    assert head[0].color == STYLES.head.textColor
    assert [c.alignment for c in body] == ["LEFT", "RIGHT", "LEFT"]
    assert (body[2].fontsize, body[2].leading, body[2].color) == (7.5, 10, STYLES.cell_note.textColor)
    assert (body[0].topPadding, body[0].bottomPadding, body[0].leftPadding, body[0].rightPadding) == (5, 5, 6, 6)
    assert body[0].valign == "MIDDLE" and body[0].fontname == FONT
    body[1].color = "red"  # a style command sets one cell's value, not its neighbours'
    assert cells[1][1].color == STYLES.cell_r.textColor


def test_subset_encoder_splits_strings_as_the_font_does():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas as rl_canvas

    from portal.certificates.pdf_text import SubsetEncoder

    font = pdfmetrics.getFont(FONT)
    strings = [TEXTS[0], "ASCII only 0123 %", "新字" + TEXTS[4], "\xa0不换行\xa0空格", "字体里没有的字符：\U0001F600",
               "".join(chr(0x4E00 + i) for i in range(700)), TEXTS[0][::-1], "", "—"]
    docs = [rl_canvas.Canvas(io.BytesIO())._doc for _ in range(2)]
    encoder = SubsetEncoder(font, docs[0])
    for _ in range(2):  # the second time every known character takes the fast path
        for text in strings:
            assert encoder.split(text) == font.splitString(text, docs[1])
    assert len({subset for text in strings for subset, _ in encoder.split(text)}) > 2


def test_text_block_line_breaks_match_paragraphs_on_generated_text():
    import random

    rng = random.Random(20261129)
    pieces = ["研发", "投入", "强度", "，", "。", "：", "》", "）", "（", "%", "report", "fields.yaml", " ", "  ",
              "3.5", "≥", "【可满足门槛】", "tce/万元", "abcdefghijklmnopqrstuvwxyz", "、", "…", "数字化车间"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 40)))
        style = rng.choice([STYLES.cell, STYLES.cell_c, STYLES.cell_r, STYLES.small])
        width = rng.uniform(8, 300)
        paragraph = Paragraph(escape(text), style)
        block = TextBlock([(text, None, None)], style)
        assert block.wrap(width, 10_000) == paragraph.wrap(width, 10_000), (text, width)
        expected = paragraph_lines(paragraph)
        if "&" not in text:
            assert block.wrapped_lines() == expected, (text, width)
        mark = rng.choice(["", " ※"])
        note = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        runs = [(text, None, None), (mark, "#B3261E", None), LINE_BREAK, (note, "#5F6670", 7.5)]
        markup = (f'{escape(text)}<font color="#B3261E">{mark}</font><br/>'
                  f'<font size="7.5" color="#5F6670">{escape(note)}</font>')
        if text.strip() and note.strip():
            rich, paragraph = TextBlock(runs, style), Paragraph(markup, style)
            assert rich.wrap(width, 10_000) == paragraph.wrap(width, 10_000), (text, note, width)
            if "&" not in text + note:
                assert rich.wrapped_lines() == paragraph_lines(paragraph), (text, note, width)
