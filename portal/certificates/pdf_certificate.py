"""The certificate: one A4 page drawn directly on a ReportLab canvas.

Everything printed comes from :class:`CertificateData` (the service has numbered and signed it
already): the facts of the signed payload, the verification URL (printed, linked, and as a QR
code) and the check code.
"""
from __future__ import annotations

import io

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, Table

from .fonts import register_fonts, render_lock
from .pdf_common import (
    CERT_GOLD,
    CERT_INK,
    CERT_MUTED,
    CERT_PAPER,
    CERT_RED,
    DASH,
    PORTAL_NAME,
    PROVISIONAL_MARK,
    CertificateData,
    cjk_table_style,
    cn_date,
    cn_date_upper,
    esc,
    fit_font_size,
    fmt_number,
)


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
    title_size = fit_font_size(title, font, 30, content_width - 40, minimum=18)
    spacing = 4 if len(title) <= 12 else 1
    while stringWidth(title, font, title_size) + spacing * (len(title) - 1) > content_width and spacing:
        spacing -= 1
    y = height - 62 * mm
    _draw_centered(c, title, font, title_size, cx, y, CERT_RED, char_space=spacing)
    _draw_ornament_rule(c, cx, y - 14 * mm + 20, content_width / 2 - 10)

    # Enterprise name and credit code.
    y -= 27 * mm
    name_size = fit_font_size(data.enterprise_name, font, 22, content_width, minimum=12)
    _draw_centered(c, data.enterprise_name, font, name_size, cx, y, CERT_INK)
    y -= 9 * mm
    _draw_centered(c, f"统一社会信用代码：{data.uscc}", font, 11, cx, y, CERT_MUTED)

    # Body text.
    period_text = f"（评价期：{esc(data.period_label)}）" if data.period_label else ""
    score_text = ""
    if data.score is not None:
        score_text = f"，综合得分{fmt_number(data.score)}分"
        if data.max_score:
            score_text += f"（满分{fmt_number(data.max_score)}分）"
    level_text = f"，评定等级为“{esc(data.level)}”" if data.level else ""
    body = (
        f"经企业申报、主管部门审核，{esc(data.enterprise_name)}参加“{esc(data.framework_name)}”"
        f"评价{period_text}，依据评价标准{esc(data.criteria_version)}版{score_text}{level_text}，"
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
    rec_size = fit_font_size(recognition, font, 28, content_width, minimum=16)
    _draw_centered(c, recognition, font, rec_size, cx, y, CERT_RED, char_space=2)
    y -= 12 * mm

    # Details grid.
    label = ParagraphStyle("cert-label", fontName=font, fontSize=10, leading=14, textColor=CERT_MUTED)
    value = ParagraphStyle("cert-value", fontName=font, fontSize=10.5, leading=14, textColor=CERT_INK,
                           wordWrap="CJK")
    version = esc(data.criteria_version) + (
        f' <font color="#A4161A">{PROVISIONAL_MARK}</font>' if data.provisional else ""
    )
    rows = [
        ("认定类别", esc(data.recognition), "评价体系", esc(data.framework_name)),
        ("评价得分", esc(_score_text(data)), "评定等级", esc(data.level or DASH)),
        ("标准版本", version, "发证日期", cn_date(data.issue_date)),
        ("有效期至", cn_date(data.valid_until) if data.valid_until else "长期",
         "证书编号", esc(data.serial)),
    ]
    table = Table(
        [[Paragraph(a, label), Paragraph(b, value), Paragraph(cc, label), Paragraph(d, value)]
         for a, b, cc, d in rows],
        colWidths=[content_width * f for f in (0.15, 0.37, 0.15, 0.33)],
    )
    table.setStyle(cjk_table_style([
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
    url_size = fit_font_size(data.verify_url, font, 8, content_width * 0.62 - qr_size, minimum=5.5)
    c.setFillColor(colors.HexColor("#1F4E8C"))
    c.setFont(font, url_size)
    c.drawString(text_x, qr_y + 2, data.verify_url)
    url_width = stringWidth(data.verify_url, font, url_size)
    c.linkURL(data.verify_url, (text_x, qr_y, text_x + url_width, qr_y + url_size + 3), relative=0,
              thickness=0)

    issuer_size = fit_font_size(data.issuer, font, 13, content_width * 0.45, minimum=9)
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
