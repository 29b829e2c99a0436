"""Typeset certificates and scorecard reports as PDF: plain data in, bytes out.

This module knows only ReportLab. It never reads the clock, the database, the request or the
network: the certificate service numbers and signs a certificate and passes everything printed
(including the verification URL and the check code) in :class:`CertificateData`; the scorecard
is built from stored result snapshots (``Result.to_dict()`` of the scoring engine) in
:class:`ScorecardData`. Output is deterministic (``invariant``): the same data gives the same
bytes. All text uses the embedded CJK font from :mod:`.fonts`; renders are serialised by
``fonts.render_lock`` because ReportLab's font subsetting is not thread-safe.

Missing numbers print as "—"; items that could not be scored print as "不适用".
"""
from __future__ import annotations

import io
import math
from functools import lru_cache
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from . import charts
from .fonts import FONT_NAME, register_fonts, render_lock

ISSUER = "重庆市铜梁区经济和信息化委员会"
PORTAL_NAME = "铜梁区先进制造业企业评价门户"
DASH = "—"
NOT_APPLICABLE = "不适用"
PROVISIONAL_MARK = "※"
PROVISIONAL_LEGEND = (
    f"{PROVISIONAL_MARK} 暂行：标注该符号的阈值、分值或门槛来自尚未经主管部门正式确认的暂行标准，"
    "相应得分仅供参考；正式标准发布后将按正式标准重新评分，结果以重新评分为准。"
)

# Certificate palette: Chinese red and a muted gold on warm white.
CERT_RED = colors.HexColor("#A4161A")
CERT_GOLD = colors.HexColor("#B08D57")
CERT_PAPER = colors.HexColor("#FFFDF7")
CERT_INK = colors.HexColor("#222222")
CERT_MUTED = colors.HexColor("#6B6B6B")

# Report palette.
NAVY = charts.NAVY
HEADER_BG = colors.HexColor("#1F3A5F")
ZEBRA = colors.HexColor("#F4F6F9")
GROUP_BG = colors.HexColor("#E3EAF3")
RULE = colors.HexColor("#C5CCD6")
PASS_GREEN = charts.GREEN
FAIL_RED = charts.RED
MUTED = colors.HexColor("#5F6670")


# --------------------------------------------------------------------------------------------
# Input data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate; the service fills it from the stored record."""

    serial: str                       # unique certificate number, e.g. "TL-ZNGC-2026-0007"
    enterprise_name: str
    uscc: str                         # 统一社会信用代码
    recognition: str                  # what is recognised, e.g. "铜梁区智能工厂"
    framework_name: str               # the evaluation framework, e.g. "智能工厂评价"
    criteria_version: str
    score: float | None
    max_score: float | None
    level: str | None                 # grade/level label, e.g. "二级"; None when not graded
    issue_date: date
    valid_until: date | None          # None = no expiry printed ("长期")
    verify_url: str                   # public verification page, printed, linked and in the QR
    check_code: str                   # short code from signing.check_code(signature)
    provisional: bool = False         # provisional criteria were used
    title: str | None = None          # defaults to f"{recognition}认定证书"
    issuer: str = ISSUER
    period_label: str | None = None   # assessment period, e.g. "2026年第三季度"

    #: Fields covered by the signature; verify_url and check_code derive from it, title is layout.
    SIGNED_FIELDS = (
        "serial", "enterprise_name", "uscc", "recognition", "framework_name", "criteria_version",
        "score", "max_score", "level", "issue_date", "valid_until", "provisional", "issuer",
        "period_label",
    )

    def signed_payload(self) -> dict[str, Any]:
        """The printed facts to pass to ``signing.sign``/``verify`` (dates as ISO strings)."""
        payload = {name: getattr(self, name) for name in self.SIGNED_FIELDS}
        for name in ("issue_date", "valid_until"):
            if payload[name] is not None:
                payload[name] = payload[name].isoformat()
        return payload


@dataclass(frozen=True)
class ScorecardData:
    """A scorecard report for one enterprise and period, from stored snapshots.

    ``frameworks`` holds ``Result.to_dict()`` dicts. ``peer_stats`` rows are mappings with
    ``name`` (or ``indicator``), ``unit``, ``value``, ``p25``, ``median``, ``p75``. ``trend``
    points are mappings with ``period`` and either ``values`` (indicator name -> number) or the
    indicator values as further keys; ``trend_units`` optionally maps indicator name -> unit.
    """

    enterprise_name: str
    uscc: str
    period_label: str
    generated_at: datetime | date | str
    frameworks: Sequence[Mapping[str, Any]] = ()
    peer_stats: Sequence[Mapping[str, Any]] = ()
    trend: Sequence[Mapping[str, Any]] = ()
    trend_units: Mapping[str, str] = field(default_factory=dict)
    cluster_label: str | None = None  # the peer group, e.g. "装备制造产业集群"
    issuer: str = ISSUER


# --------------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------------

_CN_DIGITS = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1..31 in Chinese numerals as written in dates (十一, 二十九)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def cn_date_upper(d: date) -> str:
    """The formal date of a seal line: 二〇二六年十一月二十九日."""
    year = "".join(_CN_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{_cn_number(d.month)}月{_cn_number(d.day)}日"


def cn_date(d: date | None) -> str:
    """2026年11月29日; "—" for None."""
    if d is None:
        return DASH
    return f"{d.year}年{d.month}月{d.day}日"


def _generated_text(value: datetime | date | str) -> str:
    if isinstance(value, datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, date):
        return cn_date(value)
    return str(value) if value else DASH


def fmt_number(value: Any) -> str:
    """A value for print: numbers without needless decimals, booleans as 是/否, None as "—"."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # a numpy scalar from a snapshot built in memory
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return DASH
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def fmt_value(value: Any, unit: str | None) -> str:
    text = fmt_number(value)
    if text == DASH or not unit or isinstance(value, bool):
        return text
    return f"{text}{unit}"


def _passed_text(passed: bool | None) -> str:
    return {True: "通过", False: "未通过"}.get(passed, "待定")


def _gate_text(passed: bool | None) -> str:
    return {True: "满足", False: "不满足"}.get(passed, "无法判定")


def _esc(value: Any) -> str:
    return escape(str(value))


def _style(commands: Sequence[tuple]) -> TableStyle:
    """A TableStyle whose cells use the embedded font (a Table defaults to Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_NAME), *commands])


def _fit_font_size(text: str, font: str, size: float, max_width: float, minimum: float = 9) -> float:
    while size > minimum and stringWidth(text, font, size) > max_width:
        size -= 0.5
    return size


# --------------------------------------------------------------------------------------------
# Certificate
# --------------------------------------------------------------------------------------------


def _draw_qr(c: rl_canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """A QR code (level M, no quiet zone) of ``url`` filling the square at (x, y).

    Encoded once and drawn with one filled rectangle per dark run of each row: the same modules,
    geometry and fill operations as ReportLab's ``QrCodeWidget`` in a ``Drawing``, which encodes
    the URL twice (once for its bounds) and renders every run as a separate validated shape
    (that was about 70% of a certificate's render time).
    """
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(url)
    qr.make()
    count = qr.getModuleCount()
    box = size / count
    c.saveState()
    c.setFillColor(colors.black)
    for r, row in enumerate(qr.modules):
        top = y + size - (r + 1) * box
        col = 0
        while col < count:
            if row[col]:
                start = col
                while col < count and row[col]:
                    col += 1
                c.rect(x + start * box, top, (col - start) * box, box, stroke=0, fill=1)
            else:
                col += 1
    c.restoreState()


def _draw_frame(c: rl_canvas.Canvas, width: float, height: float) -> None:
    """Paper tint, a red double rule and gold inner rule with corner ornaments."""
    c.saveState()
    c.setFillColor(CERT_PAPER)
    c.rect(0, 0, width, height, stroke=0, fill=1)
    outer = 16 * mm
    c.setStrokeColor(CERT_RED)
    c.setLineWidth(3.2)
    c.rect(outer, outer, width - 2 * outer, height - 2 * outer)
    c.setLineWidth(0.8)
    c.rect(outer + 4, outer + 4, width - 2 * outer - 8, height - 2 * outer - 8)
    inner = outer + 9
    c.setStrokeColor(CERT_GOLD)
    c.setLineWidth(0.6)
    c.rect(inner, inner, width - 2 * inner, height - 2 * inner)
    # Corner ornaments: a gold square notch with a red diamond in each corner.
    size = 14
    for cx, cy, sx, sy in (
        (inner, inner, 1, 1),
        (width - inner, inner, -1, 1),
        (inner, height - inner, 1, -1),
        (width - inner, height - inner, -1, -1),
    ):
        c.setStrokeColor(CERT_GOLD)
        c.setLineWidth(1.2)
        path = c.beginPath()
        path.moveTo(cx + sx * size * 2.2, cy + sy * 4)
        path.lineTo(cx + sx * 4, cy + sy * 4)
        path.lineTo(cx + sx * 4, cy + sy * size * 2.2)
        c.drawPath(path, stroke=1, fill=0)
        c.setFillColor(CERT_RED)
        d = c.beginPath()
        mx, my = cx + sx * 10, cy + sy * 10
        d.moveTo(mx, my + 3.5)
        d.lineTo(mx + 3.5, my)
        d.lineTo(mx, my - 3.5)
        d.lineTo(mx - 3.5, my)
        d.close()
        c.drawPath(d, stroke=0, fill=1)
    c.restoreState()


def _draw_ornament_rule(c: rl_canvas.Canvas, cx: float, y: float, half: float) -> None:
    """A gold rule with a red diamond at its centre, under the title."""
    c.saveState()
    c.setStrokeColor(CERT_GOLD)
    c.setLineWidth(0.8)
    c.line(cx - half, y, cx - 9, y)
    c.line(cx + 9, y, cx + half, y)
    c.setLineWidth(0.4)
    c.line(cx - half + 20, y - 3, cx - 12, y - 3)
    c.line(cx + 12, y - 3, cx + half - 20, y - 3)
    c.setFillColor(CERT_RED)
    p = c.beginPath()
    p.moveTo(cx, y + 4.5)
    p.lineTo(cx + 5, y - 1.5)
    p.lineTo(cx, y - 7.5)
    p.lineTo(cx - 5, y - 1.5)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.restoreState()


def _draw_centered(c, text, font, size, cx, y, color, char_space=0.0):
    c.saveState()
    c.setFillColor(color)
    width = stringWidth(text, font, size) + char_space * max(len(text) - 1, 0)
    t = c.beginText(cx - width / 2, y)
    t.setFont(font, size)
    t.setCharSpace(char_space)
    t.textOut(text)
    c.drawText(t)
    c.restoreState()


def _score_text(data: CertificateData) -> str:
    if data.score is None:
        return DASH
    if data.max_score:
        return f"{fmt_number(data.score)} 分（满分 {fmt_number(data.max_score)} 分）"
    return f"{fmt_number(data.score)} 分"


def render_certificate(data: CertificateData) -> bytes:
    """An A4 portrait certificate with QR code, clickable verification link and check code."""
    with render_lock:
        return _build_certificate(data)


def _build_certificate(data: CertificateData) -> bytes:
    font = register_fonts()
    title = data.title or f"{data.recognition}认定证书"
    buffer = io.BytesIO()
    width, height = A4
    c = rl_canvas.Canvas(buffer, pagesize=A4, invariant=1, initialFontName=font, pageCompression=1,
                         lang="zh-CN")
    c.setTitle(f"{title} · {data.enterprise_name}")
    c.setAuthor(data.issuer)
    c.setSubject(f"{data.recognition}认定证书（证书编号 {data.serial}）")
    c.setCreator(PORTAL_NAME)
    c.setKeywords([data.recognition, data.enterprise_name, data.serial])

    _draw_frame(c, width, height)
    cx = width / 2
    content_width = width - 2 * 38 * mm
    left = (width - content_width) / 2
    right = left + content_width

    # Serial number, top right inside the frame.
    c.setFillColor(CERT_MUTED)
    c.setFont(font, 9.5)
    c.drawRightString(right, height - 34 * mm, f"证书编号：{data.serial}")

    # Title.
    title_size = _fit_font_size(title, font, 30, content_width - 40, minimum=18)
    spacing = 4 if len(title) <= 12 else 1
    while stringWidth(title, font, title_size) + spacing * (len(title) - 1) > content_width and spacing:
        spacing -= 1
    y = height - 62 * mm
    _draw_centered(c, title, font, title_size, cx, y, CERT_RED, char_space=spacing)
    _draw_ornament_rule(c, cx, y - 14 * mm + 20, content_width / 2 - 10)

    # Enterprise name and credit code.
    y -= 27 * mm
    name_size = _fit_font_size(data.enterprise_name, font, 22, content_width, minimum=12)
    _draw_centered(c, data.enterprise_name, font, name_size, cx, y, CERT_INK)
    y -= 9 * mm
    _draw_centered(c, f"统一社会信用代码：{data.uscc}", font, 11, cx, y, CERT_MUTED)

    # Body text.
    period_text = f"（评价期：{_esc(data.period_label)}）" if data.period_label else ""
    score_text = ""
    if data.score is not None:
        score_text = f"，综合得分{fmt_number(data.score)}分"
        if data.max_score:
            score_text += f"（满分{fmt_number(data.max_score)}分）"
    level_text = f"，评定等级为“{_esc(data.level)}”" if data.level else ""
    body = (
        f"经企业申报、主管部门审核，{_esc(data.enterprise_name)}参加“{_esc(data.framework_name)}”"
        f"评价{period_text}，依据评价标准{_esc(data.criteria_version)}版{score_text}{level_text}，"
        "符合认定条件。特发此证，认定为："
    )
    body_style = ParagraphStyle(
        "cert-body", fontName=font, fontSize=13.5, leading=26, alignment=TA_JUSTIFY,
        firstLineIndent=27, textColor=CERT_INK, wordWrap="CJK",
    )
    para = Paragraph(body, body_style)
    _, body_height = para.wrap(content_width, 200)
    y -= 8 * mm
    para.drawOn(c, left, y - body_height)
    y -= body_height + 15 * mm

    # The recognition itself.
    recognition = data.recognition + (f"（{data.level}）" if data.level and data.level not in data.recognition else "")
    rec_size = _fit_font_size(recognition, font, 28, content_width, minimum=16)
    _draw_centered(c, recognition, font, rec_size, cx, y, CERT_RED, char_space=2)
    y -= 12 * mm

    # Details grid.
    label = ParagraphStyle("cert-label", fontName=font, fontSize=10, leading=14, textColor=CERT_MUTED)
    value = ParagraphStyle("cert-value", fontName=font, fontSize=10.5, leading=14, textColor=CERT_INK,
                           wordWrap="CJK")
    version = _esc(data.criteria_version) + (
        f' <font color="#A4161A">{PROVISIONAL_MARK}</font>' if data.provisional else ""
    )
    rows = [
        ("认定类别", _esc(data.recognition), "评价体系", _esc(data.framework_name)),
        ("评价得分", _esc(_score_text(data)), "评定等级", _esc(data.level or DASH)),
        ("标准版本", version, "发证日期", cn_date(data.issue_date)),
        ("有效期至", cn_date(data.valid_until) if data.valid_until else "长期",
         "证书编号", _esc(data.serial)),
    ]
    table = Table(
        [[Paragraph(a, label), Paragraph(b, value), Paragraph(cc, label), Paragraph(d, value)]
         for a, b, cc, d in rows],
        colWidths=[content_width * f for f in (0.15, 0.37, 0.15, 0.33)],
    )
    table.setStyle(_style([
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, CERT_GOLD),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, CERT_GOLD),
        ("LINEBELOW", (0, 0), (-1, -2), 0.3, colors.HexColor("#E2D6C0")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    _, table_height = table.wrap(content_width, 300)
    table.drawOn(c, left, y - table_height)
    y -= table_height + 5 * mm

    if data.provisional:
        note_style = ParagraphStyle("cert-note", fontName=font, fontSize=8.5, leading=12,
                                    textColor=CERT_MUTED, wordWrap="CJK")
        note = Paragraph(
            f'<font color="#A4161A">{PROVISIONAL_MARK}</font> 本次评价使用的部分指标阈值为暂行标准，'
            "认定结果以主管部门正式发布的标准为准。",
            note_style,
        )
        _, note_height = note.wrap(content_width, 100)
        note.drawOn(c, left, y - note_height)

    # Bottom block: QR code and verification on the left, issuer and date on the right.
    qr_size = 27 * mm
    qr_x = left
    qr_y = 38 * mm
    _draw_qr(c, data.verify_url, qr_x, qr_y, qr_size)
    c.linkURL(data.verify_url, (qr_x, qr_y, qr_x + qr_size, qr_y + qr_size), relative=0, thickness=0)
    text_x = qr_x + qr_size + 4 * mm
    c.setFillColor(CERT_INK)
    c.setFont(font, 9.5)
    c.drawString(text_x, qr_y + qr_size - 9, "扫码或访问以下网址核验")
    c.setFont(font, 10)
    c.drawString(text_x, qr_y + qr_size - 25, "核验码")
    c.setFillColor(CERT_RED)
    c.setFont(font, 11)
    c.drawString(text_x, qr_y + qr_size - 40, data.check_code)
    url_size = _fit_font_size(data.verify_url, font, 8, content_width * 0.62 - qr_size, minimum=5.5)
    c.setFillColor(colors.HexColor("#1F4E8C"))
    c.setFont(font, url_size)
    c.drawString(text_x, qr_y + 2, data.verify_url)
    url_width = stringWidth(data.verify_url, font, url_size)
    c.linkURL(data.verify_url, (text_x, qr_y, text_x + url_width, qr_y + url_size + 3), relative=0,
              thickness=0)

    issuer_size = _fit_font_size(data.issuer, font, 13, content_width * 0.45, minimum=9)
    issuer_cx = right - content_width * 0.22
    _draw_centered(c, data.issuer, font, issuer_size, issuer_cx, qr_y + qr_size - 12, CERT_INK)
    _draw_centered(c, cn_date_upper(data.issue_date), font, 11.5, issuer_cx, qr_y + qr_size - 34, CERT_INK)

    # Footnote.
    c.setFillColor(CERT_MUTED)
    c.setFont(font, 7.5)
    c.drawCentredString(
        cx, 27 * mm,
        f"本证书由{PORTAL_NAME}生成，信息以登记记录为准；证书真伪请以核验网址显示的结果为准。",
    )
    c.showPage()
    c.save()
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Scorecard report
# --------------------------------------------------------------------------------------------

MARGIN = 18 * mm


class _Para(Paragraph):
    """A Paragraph that remembers its last wrap.

    A ``Table`` wraps every cell to measure the rows, again when it is wrapped for another frame
    or page, and once more when it draws the cell; CJK line breaking is the costly part of each
    wrap and its result depends only on the width. Splitting makes new paragraphs, so a cached
    layout is never reused for different text.
    """

    _wrapped_width: float | None = None

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab API)
        if availWidth == self._wrapped_width and "blPara" in self.__dict__:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_width = availWidth
        return size


CELL_PADDING = 4  # left and right padding of report table cells (see _table_style)
_ALIGN = {TA_LEFT: "LEFT", TA_CENTER: "CENTER", TA_RIGHT: "RIGHT", TA_JUSTIFY: "LEFT"}


def _cell(text: Any, style: ParagraphStyle, col_width: float) -> Any:
    """A table cell of plain ``text``: the string itself when it fits on one line, else a paragraph.

    A plain string is drawn by the Table with the cell's FONTSIZE/LEADING/TEXTCOLOR/ALIGN, which
    :func:`_column_style` sets from the same paragraph style, so a one-line cell looks as its
    paragraph did; only text that would wrap pays for a (CJK line-breaking) paragraph.
    """
    text = str(text)
    if "\n" not in text and text == text.strip() and "  " not in text and (
        stringWidth(text, style.fontName, style.fontSize) <= col_width - 2 * CELL_PADDING
    ):
        return text
    return _Para(_esc(text), style)


class _Line(Flowable):
    """One line of coloured/sized text runs, drawn as the same one-line Paragraph would draw it.

    ``runs`` are ``(text, colour or None, size or None)``; ``None`` takes the style's value.
    Used by :func:`_rich_cell` only when the runs fit the width, so nothing ever wraps. Names
    with the provisional mark, group rows and peer labels are most of a report's rich cells, and
    parsing and CJK-breaking them as paragraphs cost more than drawing them.
    """

    def __init__(self, runs: Sequence[tuple[str, str | None, float | None]], style: ParagraphStyle):
        super().__init__()
        self.runs = runs
        self.style = style

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab API)
        self.width, self.height = availWidth, self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803 (ReportLab API)
        return []

    def draw(self) -> None:
        st = self.style
        # A paragraph's first baseline is one (largest) font size below its top
        # (rl_config.paraFontSizeHeightOffset, on by default).
        text = self.canv.beginText(0, self.height - max(size or st.fontSize for _, _, size in self.runs))
        for run, colour, size in self.runs:
            text.setFont(st.fontName, size or st.fontSize, st.leading)
            text.setFillColor(colour or st.textColor)
            text.textOut(run)
        self.canv.drawText(text)


def _rich_cell(runs: Sequence[tuple[str, str | None, float | None]], style: ParagraphStyle,
               col_width: float) -> Flowable:
    """Left-aligned text runs: a :class:`_Line` when they fit on one line, else the paragraph."""
    if all("\n" not in t and "  " not in t for t, _, _ in runs) and runs[0][0] == runs[0][0].lstrip() and (
        sum(stringWidth(t, style.fontName, size or style.fontSize) for t, _, size in runs)
        <= col_width - 2 * CELL_PADDING
    ) and style.alignment == TA_LEFT:
        return _Line(runs, style)
    markup = ""
    for text, colour, size in runs:
        attrs = (f' color="{colour}"' if colour else "") + (f' size="{size}"' if size else "")
        markup += f"<font{attrs}>{_esc(text)}</font>" if attrs else _esc(text)
    return _Para(markup, style)


def _column_style(styles: Sequence[ParagraphStyle], first_row: int = 1) -> list[tuple]:
    """Table commands giving the plain-string cells of each column its paragraph style's look."""
    commands: list[tuple] = []
    for col, style in enumerate(styles):
        cells = ((col, first_row), (col, -1))
        commands += [
            ("FONTSIZE", *cells, style.fontSize),
            ("LEADING", *cells, style.leading),
            ("TEXTCOLOR", *cells, style.textColor),
            ("ALIGN", *cells, _ALIGN.get(style.alignment, "LEFT")),
        ]
    return commands


class _Styles:
    """Paragraph styles of the report (font registered first); one shared set per font."""

    def __init__(self, font: str):
        def style(name, **kw):
            base = dict(fontName=font, fontSize=9.5, leading=14, textColor=colors.black, wordWrap="CJK")
            base.update(kw)
            return ParagraphStyle(name, **base)

        self.title = style("title", fontSize=24, leading=32, alignment=TA_CENTER, textColor=NAVY)
        self.subtitle = style("subtitle", fontSize=12, leading=18, alignment=TA_CENTER, textColor=MUTED)
        self.h1 = style("h1", fontSize=15, leading=21, textColor=NAVY, spaceBefore=4, spaceAfter=6)
        self.h2 = style("h2", fontSize=11.5, leading=16, textColor=NAVY, spaceBefore=8, spaceAfter=4)
        self.body = style("body", alignment=TA_JUSTIFY)
        self.small = style("small", fontSize=8, leading=11, textColor=MUTED)
        self.cell = style("cell", fontSize=8.5, leading=11.5)
        self.cell_c = style("cell-c", fontSize=8.5, leading=11.5, alignment=TA_CENTER)
        self.cell_r = style("cell-r", fontSize=8.5, leading=11.5, alignment=2)
        self.cell_note = style("cell-note", fontSize=7.5, leading=10, textColor=MUTED)
        self.head = style("head", fontSize=8.5, leading=11.5, textColor=colors.white, alignment=TA_CENTER)
        self.group = style("group", fontSize=8.5, leading=11.5, textColor=NAVY)
        self.label = style("label", fontSize=9.5, leading=14, textColor=MUTED)
        self.value = style("value", fontSize=10, leading=14)
        self.legend = style("legend", fontSize=8.5, leading=12.5, textColor=MUTED, alignment=TA_LEFT)


@lru_cache(maxsize=None)
def _styles(font: str) -> _Styles:
    return _Styles(font)


def _mark(provisional: Any) -> str:
    return f' <font color="#B3261E">{PROVISIONAL_MARK}</font>' if provisional else ""


MARK_RUN = (f" {PROVISIONAL_MARK}", "#B3261E", None)  # _mark as a _rich_cell run


def _table_style(extra: Sequence[tuple] = ()) -> TableStyle:
    return _style([
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        *extra,
    ])


def _zebra(rows: int, start: int = 1) -> list[tuple]:
    return [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(start, rows) if (r - start) % 2 == 1]


def _header_row(st: _Styles, labels: Sequence[str], widths: Sequence[float]) -> list[Any]:
    return [_cell(label, st.head, w) for label, w in zip(labels, widths)]


def _header_style(st: _Styles) -> list[tuple]:
    """Plain-string header cells as the ``head`` paragraph style (white, centred)."""
    return [
        ("FONTSIZE", (0, 0), (-1, 0), st.head.fontSize),
        ("LEADING", (0, 0), (-1, 0), st.head.leading),
        ("TEXTCOLOR", (0, 0), (-1, 0), st.head.textColor),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
    ]


_STATUS_COLOURS = {True: "#2E7D32", False: "#B3261E"}


def _status(st: _Styles, text: str, ok: bool | None, width: float, cell: tuple[int, int],
            commands: list[tuple]) -> Any:
    """A centred pass/fail mark coloured by ``ok``; its TEXTCOLOR command goes to ``commands``."""
    value = _cell(text, st.cell_c, width)
    colour = _STATUS_COLOURS.get(ok, "#5F6670")
    if isinstance(value, str):
        commands.append(("TEXTCOLOR", cell, cell, colors.HexColor(colour)))
        return value
    return _Para(f'<font color="{colour}">{_esc(text)}</font>', st.cell_c)


def _widths(total: float, fractions: Sequence[float]) -> list[float]:
    scale = total / sum(fractions)
    return [f * scale for f in fractions]


def _name_cell(text: str, provisional: Any, style: ParagraphStyle, width: float, note: str | None = None) -> Any:
    """A name, with the provisional mark and a small grey note line when given."""
    if not provisional and not note:
        return _cell(text, style, width)
    if not note:
        return _rich_cell([(str(text), None, None), MARK_RUN], style, width)
    markup = _esc(text) + _mark(provisional)
    if note:
        markup += f'<br/><font size="7.5" color="#5F6670">{_esc(note)}</font>'
    return _Para(markup, style)


def _summary_table(st: _Styles, frameworks: Sequence[Mapping[str, Any]], width: float) -> Table:
    widths = _widths(width, [34, 16, 18, 18, 14])
    rows: list[list[Any]] = [_header_row(st, ["评价体系", "标准版本", "得分 / 满分", "等级", "结论"], widths)]
    status: list[tuple] = []
    for fw in frameworks:
        r = len(rows)
        rows.append([
            _name_cell(fw.get("framework_name") or fw.get("framework") or DASH, fw.get("provisional"), st.cell,
                       widths[0]),
            _cell(fw.get("criteria_version") or DASH, st.cell_c, widths[1]),
            _cell(f"{fmt_number(fw.get('total'))} / {fmt_number(fw.get('max_total'))}", st.cell_c, widths[2]),
            _cell(fw.get("grade") or DASH, st.cell_c, widths[3]),
            _status(st, _passed_text(fw.get("passed")), fw.get("passed"), widths[4], (4, r), status),
        ])
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(_table_style([
        *_column_style([st.cell, st.cell_c, st.cell_c, st.cell_c, st.cell_c]), *_header_style(st),
        *status, *_zebra(len(rows)),
    ]))
    return table


def _info_table(st: _Styles, pairs: Sequence[tuple[str, str]], width: float) -> Table:
    widths = _widths(width, [24, 76])
    rows = [[_cell(k, st.label, widths[0]), _cell(v, st.value, widths[1])] for k, v in pairs]
    table = Table(rows, colWidths=widths)
    table.setStyle(_style([
        *_column_style([st.label, st.value], first_row=0),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, NAVY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return table


def _gates_table(st: _Styles, gates: Sequence[Mapping[str, Any]], width: float) -> Table:
    widths = _widths(width, [30, 20, 14, 10, 12, 14])
    rows: list[list[Any]] = [_header_row(st, ["门槛条件", "要求", "实际值", "结果", "差距", "来源"], widths)]
    status: list[tuple] = []
    for gate in gates:
        r = len(rows)
        shortfall = gate.get("shortfall")
        rows.append([
            _name_cell(gate.get("name") or gate.get("code") or DASH, gate.get("provisional"), st.cell, widths[0],
                       gate.get("detail")),
            _cell(gate.get("required") or DASH, st.cell, widths[1]),
            _cell(fmt_value(gate.get("value"), gate.get("unit")), st.cell_c, widths[2]),
            _status(st, _gate_text(gate.get("passed")), gate.get("passed"), widths[3], (3, r), status),
            _cell(fmt_value(shortfall, gate.get("unit")) if shortfall is not None else DASH, st.cell_c, widths[4]),
            _cell(gate.get("source") or DASH, st.cell_note, widths[5]),
        ])
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(_table_style([
        *_column_style([st.cell, st.cell, st.cell_c, st.cell_c, st.cell_c, st.cell_note]), *_header_style(st),
        *status, *_zebra(len(rows)),
    ]))
    return table


def _items_table(st: _Styles, items: Sequence[Mapping[str, Any]], width: float) -> Table:
    widths = _widths(width, [32, 15, 22, 8, 8, 15])
    headers = ["指标", "取值", "匹配档位", "得分", "满分", "来源"]
    rows: list[list[Any]] = [_header_row(st, headers, widths)]
    extra: list[tuple] = [
        *_column_style([st.cell, st.cell_c, st.cell, st.cell_r, st.cell_r, st.cell_note]), *_header_style(st),
    ]
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
            rows.append([_rich_cell([(f"{dimension or '其他'} ", None, None),
                                     (f"{fmt_number(got)} / {fmt_number(top)} 分", "#5F6670", None)],
                                    st.group, width), "", "", "", "", ""])
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
                _name_cell(item.get("name") or item.get("code") or DASH, item.get("provisional"), st.cell,
                           widths[0], item.get("note")),
                _cell(value, st.cell_c, widths[1]),
                _cell(band, st.cell, widths[2]),
                _cell(fmt_number(item.get("points")), st.cell_r, widths[3]),
                _cell(fmt_number(item.get("max_points")), st.cell_r, widths[4]),
                _cell(item.get("source") or DASH, st.cell_note, widths[5]),
            ])
            if zebra_index % 2 == 1:
                extra.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), ZEBRA))
            zebra_index += 1
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(_table_style(extra))
    return table


def _recommendations_table(st: _Styles, recs: Sequence[Mapping[str, Any]], width: float) -> Table:
    widths = _widths(width, [6, 58, 12, 12, 12])
    rows: list[list[Any]] = [_header_row(st, ["序", "建议", "可提升", "当前值", "目标值"], widths)]
    ordered = sorted(enumerate(recs), key=lambda p: (p[1].get("rank") or 10 ** 6, p[0]))
    for position, (_, rec) in enumerate(ordered, start=1):
        tags = []
        if rec.get("clears_gate"):
            tags.append("可满足门槛")
        if rec.get("changes_grade"):
            tags.append("可提升等级")
        if tags:
            text = _Para(_esc(rec.get("text") or DASH) + " " + " ".join(
                f'<font color="#2E7D32">【{t}】</font>' for t in tags), st.cell)
        else:
            text = _cell(rec.get("text") or DASH, st.cell, widths[1])
        gain = rec.get("points_gain")
        unit = rec.get("unit")
        rows.append([
            _cell(rec.get("rank") or position, st.cell_c, widths[0]),
            text,
            _cell(f"+{fmt_number(gain)} 分" if gain is not None else DASH, st.cell_c, widths[2]),
            _cell(fmt_value(rec.get("current_value"), unit), st.cell_c, widths[3]),
            _cell(fmt_value(rec.get("target_value"), unit), st.cell_c, widths[4]),
        ])
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(_table_style([
        *_column_style([st.cell_c, st.cell, st.cell_c, st.cell_c, st.cell_c]), *_header_style(st),
        *_zebra(len(rows)),
    ]))
    return table


def _dimension_scores(items: Sequence[Mapping[str, Any]]) -> list[tuple[str, float, float]]:
    totals: dict[str, list[float]] = {}
    for item in items:
        key = item.get("dimension") or "其他"
        entry = totals.setdefault(key, [0.0, 0.0])
        entry[0] += float(item.get("points") or 0)
        entry[1] += float(item.get("max_points") or 0)
    return [(name, p, m) for name, (p, m) in totals.items() if m > 0]


def _framework_section(st: _Styles, fw: Mapping[str, Any], width: float) -> list[Any]:
    name = fw.get("framework_name") or fw.get("framework") or DASH
    story: list[Any] = [_Para(_esc(name) + _mark(fw.get("provisional")), st.h1)]
    summary = [
        ("标准版本", str(fw.get("criteria_version") or DASH)),
        ("得分 / 满分", f"{fmt_number(fw.get('total'))} / {fmt_number(fw.get('max_total'))}"),
        ("等级", str(fw.get("grade") or DASH)),
        ("结论", _passed_text(fw.get("passed"))),
    ]
    cells = []
    for label, value in summary:
        cells.append(_Para(f'<font color="#5F6670" size="8">{_esc(label)}</font><br/>'
                               f'<font size="12">{_esc(value)}</font>', st.cell_c))
    band = Table([cells], colWidths=[width / 4] * 4)
    band.setStyle(_style([
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("LINEBEFORE", (1, 0), (-1, 0), 0.3, RULE),
        ("BACKGROUND", (0, 0), (-1, -1), ZEBRA),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    story += [band, Spacer(1, 4)]
    routes = [str(r) for r in fw.get("routes") or () if r]
    if routes:
        story.append(_Para("适用直通条件：" + "、".join(_esc(r) for r in routes), st.small))
    for note in fw.get("notes") or ():
        story.append(_Para(_esc(note), st.small))

    gates = fw.get("gates") or ()
    story.append(_Para("门槛条件", st.h2))
    story.append(_gates_table(st, gates, width) if gates else _Para("本评价体系无门槛条件。", st.small))

    items = fw.get("items") or ()
    dims = _dimension_scores(items)
    if dims:
        story.append(KeepTogether([
            _Para("分维度得分", st.h2),
            charts.dimension_bars(dims, width),
        ]))
    story.append(_Para("评分明细", st.h2))
    story.append(_items_table(st, items, width) if items else _Para("无评分明细。", st.small))

    recs = fw.get("recommendations") or ()
    story.append(CondPageBreak(60))
    story.append(_Para("改进建议（按优先级排序）", st.h2))
    story.append(_recommendations_table(st, recs, width) if recs else _Para("暂无改进建议。", st.small))
    return story


def _peer_section(st: _Styles, data: ScorecardData, width: float) -> list[Any]:
    story: list[Any] = [_Para("同群比较", st.h1)]
    group = f"比较对象：{_esc(data.cluster_label)}。" if data.cluster_label else ""
    story.append(_Para(f"{group}箱体为同群企业的四分位区间（P25–P75），竖线为中位数，圆点为本企业。"
                           "每行按各自指标单独标尺。", st.small))
    if not data.peer_stats:
        story.append(_Para("暂无同群比较数据。", st.small))
        return story
    story.append(Spacer(1, 4))
    chart_width = width * 0.36
    rest = width - chart_width
    widths = [rest * 0.36] + [rest * 0.16] * 4 + [chart_width]
    rows: list[list[Any]] = [_header_row(st, ["指标", "本企业", "P25", "中位数", "P75", "位置"], widths)]
    for row in data.peer_stats:
        unit = row.get("unit")
        name = row.get("name") or row.get("indicator") or DASH
        if unit:
            label = _rich_cell([(str(name), None, None), (f"（{unit}）", "#5F6670", 7.5)], st.cell, widths[0])
        else:
            label = _cell(name, st.cell, widths[0])
        rows.append([
            label,
            *(_cell(fmt_number(row.get(key)), st.cell_r, w)
              for key, w in zip(("value", "p25", "median", "p75"), widths[1:5])),
            charts.peer_bullet(_num(row.get("value")), _num(row.get("p25")), _num(row.get("median")),
                               _num(row.get("p75")), chart_width - 8),
        ])
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
    table.setStyle(_table_style([
        *_column_style([st.cell, st.cell_r, st.cell_r, st.cell_r, st.cell_r]), *_header_style(st),
        *_zebra(len(rows)),
    ]))
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


def _trend_section(st: _Styles, data: ScorecardData, width: float) -> list[Any]:
    story: list[Any] = [_Para("季度趋势", st.h1)]
    periods, series = _trend_series(data)
    if not periods or not series:
        story.append(_Para("暂无历史季度数据。", st.small))
        return story
    cell_width = width / 2
    drawings = []
    for name, values in series.items():
        unit = data.trend_units.get(name)
        title = f"{name}（{unit}）" if unit else name
        drawings.append(charts.trend_line(title, periods, values, cell_width - 8, 150))
    rows = [drawings[i:i + 2] + [""] * (2 - len(drawings[i:i + 2])) for i in range(0, len(drawings), 2)]
    table = Table(rows, colWidths=[cell_width, cell_width])
    table.setStyle(_style([
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
        if isinstance(flowable, Paragraph) and flowable.style.name == "h1":
            key = f"h{self.seq.nextf('outline')}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=0, closed=False)
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

    - ``useA85 = 0``: streams are written Flate-compressed only, without the default ASCII85
      layer over them (pure-Python encoding of every page and the font subset, ~5% of a render;
      the file is also ~7% smaller).
    - ``shapeChecking = 0``: chart widgets skip validating every attribute assignment against
      their attribute maps (~5% of a render); the charts' code is fixed and covered by tests.

    ``rl_config`` is module-global; every ReportLab render of the portal holds ``render_lock``.
    """
    saved = rl_config.useA85, rl_config.shapeChecking
    rl_config.useA85, rl_config.shapeChecking = 0, 0
    try:
        yield
    finally:
        rl_config.useA85, rl_config.shapeChecking = saved


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
    st = _styles(font)
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
        c.setFont(font, 8)
        c.setFillColor(MUTED)
        if with_header:
            c.drawString(MARGIN, height - 13 * mm, f"{data.issuer} · 企业评价评分报告")
            c.drawRightString(width - MARGIN, height - 13 * mm,
                              f"{data.enterprise_name} · {data.period_label}")
            c.setStrokeColor(NAVY)
            c.setLineWidth(0.6)
            c.line(MARGIN, height - 15 * mm, width - MARGIN, height - 15 * mm)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.4)
        c.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
        c.drawString(MARGIN, 10 * mm, f"{PORTAL_NAME} · 生成于 {generated} · 结果以评价快照为准")
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
        _Para("企业评价评分报告", st.title),
        Spacer(1, 3 * mm),
        _Para(_esc(data.issuer), st.subtitle),
        Spacer(1, 12 * mm),
        _info_table(st, [
            ("企业名称", data.enterprise_name),
            ("统一社会信用代码", data.uscc),
            ("评价期", data.period_label),
            *([("同群（产业集群）", data.cluster_label)] if data.cluster_label else []),
            ("生成时间", generated),
        ], body_width),
        Spacer(1, 10 * mm),
        _Para("评价结果概览", st.h1),
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
        story.append(_Para("本评价期暂无评价结果。", st.small))
    story += [
        Spacer(1, 8 * mm),
        _Para("说明", st.h2),
        _Para(_esc(PROVISIONAL_LEGEND), st.legend),
        _Para("“—”表示数值缺失或不适用；“不适用”表示因缺少所需数据该项未能评分。"
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
    story += [Spacer(1, 6 * mm), _Para(_esc(PROVISIONAL_LEGEND), st.legend)]
    doc.build(story, canvasmaker=partial(_PageCountCanvas, before_save=page_numbers))
    return buffer.getvalue()
