"""Table cells and paragraph styles of the scorecard report, built to lay out cheaply.

Most report cells are one line of plain text; they are passed to the ``Table`` as strings and
styled per column (:func:`text_cell`, :func:`column_style`). Only text that wraps becomes a CJK
:class:`Para`, which keeps its line breaks between the Table's repeated wraps.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, TableStyle

from .pdf_common import HEADER_BG, MUTED, NAVY, PROVISIONAL_MARK, RULE, ZEBRA, cjk_table_style, esc


class Para(Paragraph):
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


CELL_PADDING = 4  # left and right padding of report table cells (see report_table_style)
_ALIGN = {TA_LEFT: "LEFT", TA_CENTER: "CENTER", TA_RIGHT: "RIGHT", TA_JUSTIFY: "LEFT"}


def text_cell(text: Any, style: ParagraphStyle, col_width: float) -> Any:
    """A table cell of plain ``text``: the string itself when it fits on one line, else a paragraph.

    A plain string is drawn by the Table with the cell's FONTSIZE/LEADING/TEXTCOLOR/ALIGN, which
    :func:`column_style` sets from the same paragraph style, so a one-line cell looks as its
    paragraph did; only text that would wrap pays for a (CJK line-breaking) paragraph.
    """
    text = str(text)
    if "\n" not in text and text == text.strip() and "  " not in text and (
        stringWidth(text, style.fontName, style.fontSize) <= col_width - 2 * CELL_PADDING
    ):
        return text
    return Para(esc(text), style)


class RunLine(Flowable):
    """One line of coloured/sized text runs, drawn as the same one-line Paragraph would draw it.

    ``runs`` are ``(text, colour or None, size or None)``; ``None`` takes the style's value.
    Used by :func:`rich_cell` only when the runs fit the width, so nothing ever wraps. Names
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


def rich_cell(runs: Sequence[tuple[str, str | None, float | None]], style: ParagraphStyle,
               col_width: float) -> Flowable:
    """Left-aligned text runs: a :class:`RunLine` when they fit on one line, else the paragraph."""
    if all("\n" not in t and "  " not in t for t, _, _ in runs) and runs[0][0] == runs[0][0].lstrip() and (
        sum(stringWidth(t, style.fontName, size or style.fontSize) for t, _, size in runs)
        <= col_width - 2 * CELL_PADDING
    ) and style.alignment == TA_LEFT:
        return RunLine(runs, style)
    markup = ""
    for text, colour, size in runs:
        attrs = (f' color="{colour}"' if colour else "") + (f' size="{size}"' if size else "")
        markup += f"<font{attrs}>{esc(text)}</font>" if attrs else esc(text)
    return Para(markup, style)


def column_style(styles: Sequence[ParagraphStyle], first_row: int = 1) -> list[tuple]:
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


class ReportStyles:
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


@cache
def report_styles(font: str) -> ReportStyles:
    return ReportStyles(font)


def mark_markup(provisional: Any) -> str:
    return f' <font color="#B3261E">{PROVISIONAL_MARK}</font>' if provisional else ""


MARK_RUN = (f" {PROVISIONAL_MARK}", "#B3261E", None)  # mark_markup as a rich_cell run


def report_table_style(extra: Sequence[tuple] = ()) -> TableStyle:
    return cjk_table_style([
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


def zebra_rows(rows: int, start: int = 1) -> list[tuple]:
    return [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(start, rows) if (r - start) % 2 == 1]


def header_row(st: ReportStyles, labels: Sequence[str], widths: Sequence[float]) -> list[Any]:
    return [text_cell(label, st.head, w) for label, w in zip(labels, widths, strict=True)]


def header_style(st: ReportStyles) -> list[tuple]:
    """Plain-string header cells as the ``head`` paragraph style (white, centred)."""
    return [
        ("FONTSIZE", (0, 0), (-1, 0), st.head.fontSize),
        ("LEADING", (0, 0), (-1, 0), st.head.leading),
        ("TEXTCOLOR", (0, 0), (-1, 0), st.head.textColor),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
    ]


STATUS_COLOURS = {True: "#2E7D32", False: "#B3261E"}


def status_cell(st: ReportStyles, text: str, ok: bool | None, width: float, cell: tuple[int, int],
            commands: list[tuple]) -> Any:
    """A centred pass/fail mark coloured by ``ok``; its TEXTCOLOR command goes to ``commands``."""
    value = text_cell(text, st.cell_c, width)
    colour = STATUS_COLOURS.get(ok, "#5F6670")
    if isinstance(value, str):
        commands.append(("TEXTCOLOR", cell, cell, colors.HexColor(colour)))
        return value
    return Para(f'<font color="{colour}">{esc(text)}</font>', st.cell_c)


def split_width(total: float, fractions: Sequence[float]) -> list[float]:
    scale = total / sum(fractions)
    return [f * scale for f in fractions]


def name_cell(text: str, provisional: Any, style: ParagraphStyle, width: float, note: str | None = None) -> Any:
    """A name, with the provisional mark and a small grey note line when given."""
    if not provisional and not note:
        return text_cell(text, style, width)
    if not note:
        return rich_cell([(str(text), None, None), MARK_RUN], style, width)
    markup = esc(text) + mark_markup(provisional)
    if note:
        markup += f'<br/><font size="7.5" color="#5F6670">{esc(note)}</font>'
    return Para(markup, style)
