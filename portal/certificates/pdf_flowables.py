"""Table cells and paragraph styles of the scorecard report, built to lay out cheaply.

Most report cells are one line of plain text; they are passed to the ``Table`` as strings and
styled per column (:func:`text_cell`, :func:`column_style`). Text that wraps or mixes colours
and sizes is a :class:`TextBlock`, which lays out and draws like ReportLab's CJK ``Paragraph``
at a fraction of its cost.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle
from reportlab.platypus.tables import CellStyle

from .pdf_common import HEADER_BG, MUTED, NAVY, PROVISIONAL_MARK, RULE, ZEBRA
from .pdf_text import TextWriter

#: A hard line break inside :class:`TextBlock` runs (``<br/>`` of a paragraph).
LINE_BREAK = None

Run = tuple[str, str | None, float | None]  # (text, colour or None, size or None)
Line = tuple[int, int, float, bool]  # characters [start, end), unused width, ended by a break

_WHITESPACE = re.compile(r"\s+")
_FUZZ = 1e-6  # ReportLab's tolerance when a line fills the width exactly


class TextBlock(Flowable):
    """Text in coloured/sized runs, wrapped and drawn as a ``wordWrap="CJK"`` Paragraph would be.

    ``runs`` are ``(text, colour or None, size or None)`` (``None`` takes the style's value) or
    :data:`LINE_BREAK`. The text is plain, not markup. It replaces ReportLab's ``Paragraph`` for
    the report's cells and notes, which parsed markup with an HTML parser, made one fragment
    object per CJK character to break lines, and was wrapped again by the Table for every frame
    it was offered to and once more to draw; that was about half of a report's render time.

    Same layout as the paragraph: whitespace collapses to single spaces and is trimmed at the
    ends; lines break between any two characters by ReportLab's CJK rule (``cjkFragSplit`` /
    ``textsplit.dumbSplit``: fill to the width, back up to a space or a CJK character inside a
    Latin word, let a character that cannot start a line hang in the margin); a line's baseline
    is its largest font size below the top, then one ``leading`` per line; alignment shifts a
    line by its unused width. Line breaks are kept per width, since a Table wraps each cell
    several times at the same width.
    """

    def __init__(self, runs: Sequence[Run | None], style: ParagraphStyle):
        super().__init__()
        self.style = style
        self.runs = _normalise(runs, style)
        self._lines: list[Line] | None = None
        self._wrapped_width: float | None = None
        self._part_of_split = False  # a split part keeps its lines, like a split Paragraph

    # Layout --------------------------------------------------------------------------------

    def plain_text(self) -> str:
        return "".join("\n" if run is LINE_BREAK else run[0] for run in self.runs)

    def wrapped_lines(self) -> list[str]:
        """The text of each line of the last wrap, as drawn."""
        single = len(self.runs) == 1
        return [
            "".join(piece for piece, _, _ in self._segments(start, end)).strip() if single and trimmed
            else "".join(piece for piece, _, _ in self._segments(start, end))
            for start, end, _, trimmed in self._lines or ()
        ]

    def getSpaceBefore(self) -> float:  # noqa: N802 (ReportLab API)
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:  # noqa: N802 (ReportLab API)
        return self.style.spaceAfter

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab API)
        if self._lines is None or (availWidth != self._wrapped_width and not self._part_of_split):
            self._lines = self._break(availWidth)
            self._wrapped_width = availWidth
        self.width, self.height = availWidth, self.style.leading * len(self._lines)
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803 (ReportLab API)
        """Split between lines as ``Paragraph.split`` does (no orphans: at least two lines stay)."""
        if not self.runs or availWidth < _FUZZ or availHeight < _FUZZ:
            return []
        if self._lines is None:  # like Paragraph.split: the lines of the last wrap are split
            self.wrap(availWidth, availHeight)
        fits = int(availHeight / float(self.style.leading))
        if fits <= 1:
            return []
        if len(self._lines) <= fits:
            return [self]
        head, tail = self._lines[:fits], self._lines[fits:]
        return [self._part(head), self._part(tail)]

    def _part(self, lines: list[Line]) -> TextBlock:
        part = TextBlock.__new__(TextBlock)
        Flowable.__init__(part)
        part.style, part.runs = self.style, self.runs
        part._units = getattr(self, "_units", None)
        part._lines, part._wrapped_width, part._part_of_split = lines, self._wrapped_width, True
        return part

    def _unit_list(self) -> tuple[list[str | None], list[float], list[int]]:
        """Per character: the character (``None`` for a hard break), its width and its run."""
        units = getattr(self, "_units", None)
        if units is None:
            chars: list[str | None] = []
            widths: list[float] = []
            owners: list[int] = []
            for index, run in enumerate(self.runs):
                if run is LINE_BREAK:
                    chars.append(None)
                    widths.append(0.0)
                    owners.append(index)
                    continue
                text, _, size = run
                chars.extend(text)
                widths.extend(map(_char_widths(self.style.fontName, size, text).__getitem__, text))
                owners.extend([index] * len(text))
            units = self._units = (chars, widths, owners)
        return units

    def _break(self, max_width: float) -> list[Line]:
        runs = self.runs
        if not runs:  # only whitespace: no line, as an empty paragraph
            return []
        if LINE_BREAK not in runs:
            total = sum(stringWidth(text, self.style.fontName, size) for text, _, size in runs)
            if total <= max_width + _FUZZ:  # one line: most cells
                return [(0, sum(len(text) for text, _, _ in runs), max_width - total, False)]
        return _cjk_lines(*self._unit_list()[:2], max_width)

    # Drawing -------------------------------------------------------------------------------

    def _segments(self, start: int, end: int) -> list[Run]:
        """The runs' text between two character positions, as ``(text, colour, size)`` pieces."""
        units = getattr(self, "_units", None)
        if units is None:  # laid out as one line without breaking: the runs themselves
            return self.runs
        chars, _, owners = units
        pieces: list[Run] = []
        i = start
        while i < end:
            owner = owners[i]
            j = i + 1
            while j < end and owners[j] == owner:
                j += 1
            run = self.runs[owner]
            if run is not LINE_BREAK:
                pieces.append(("".join(chars[i:j]), run[1], run[2]))
            i = j
        return pieces

    def draw(self) -> None:
        out = TextWriter(self.canv, self.style.fontName)
        self.write(out, 0.0, 0.0)
        out.close()

    def write(self, out: TextWriter, x0: float, y0: float) -> None:
        """Write the lines of the last wrap with the block's bottom left corner at (x0, y0)."""
        lines = self._lines
        if not lines:
            return
        st = self.style
        # In one style ReportLab trims the spaces at the ends of each line but the last.
        single = len(self.runs) == 1
        align = st.alignment
        y = y0 + self.height
        for number, (start, end, extra, trimmed) in enumerate(lines):
            pieces = self._segments(start, end)
            if number == 0:
                # A <br/> counted at the paragraph's own size in ReportLab's line height.
                ends_hard = getattr(self, "_units", None) is not None and self._units[0][end - 1] is None
                y -= max([size for _, _, size in pieces] + [st.fontSize] * (ends_hard or not pieces))
            else:
                y -= st.leading
            out.at(x0 + (0.5 * extra if align == TA_CENTER else extra if align == TA_RIGHT else 0.0), y)
            for piece, colour, size in pieces:
                out.style(size, colour)
                out.show(piece.strip() if single and trimmed else piece)


def _normalise(runs: Sequence[Run | None], style: ParagraphStyle) -> list[Run | None]:
    """Whitespace as the paragraph parser leaves it; the style's colour and size filled in.

    A run with neither colour nor size is plain paragraph text, the others are ``<font>`` text.
    Each run's whitespace collapses to single spaces (not across runs: "a " then " ※" keeps both
    spaces, as two fragments did); plain text loses its whitespace at the very start and end of
    the block; empty runs are dropped.
    """
    out: list[Run | None] = []
    last = len(runs) - 1
    for number, run in enumerate(runs):
        if run is LINE_BREAK:
            out.append(LINE_BREAK)
            continue
        text, colour, size = run
        text = _WHITESPACE.sub(" ", str(text))
        if colour is None and size is None:
            if number == 0:
                text = text.lstrip(" ")
            if number == last:
                text = text.rstrip(" ")
        if text:
            out.append((text, colours(colour) if isinstance(colour, str) else colour or style.textColor,
                        size or style.fontSize))
    while out and out[-1] is LINE_BREAK:
        out.pop()
    return out


@cache
def colours(value: str) -> colors.Color:
    """A colour object per ``#RRGGBB`` string, made once."""
    return colors.HexColor(value)


def _char_widths(font_name: str, size: float, text: str) -> dict[str, float]:
    """Character widths at ``size`` as ReportLab measures them (0.001 x size x glyph width), ``text``'s included."""
    table = _CHAR_WIDTHS.get((font_name, size))
    if table is None:
        table = _CHAR_WIDTHS[(font_name, size)] = {}
    missing = set(text).difference(table)
    if missing:
        face = pdfmetrics.getFont(font_name).face
        glyph_width, default, scale = face.charWidths.get, face.defaultWidth, 0.001 * size
        for ch in missing:
            table[ch] = scale * glyph_width(ord(ch), default)
    return table


_CHAR_WIDTHS: dict[tuple[str, float], dict[str, float]] = {}


def _cjk_lines(chars: list[str | None], widths: list[float], max_width: float) -> list[Line]:
    """ReportLab's CJK line breaking (``paragraph.cjkFragSplit``) over characters and widths.

    Returns ``(start, end, unused width, broken)`` per line, ``broken`` for every line but the
    remainder at the end (ReportLab trims the spaces of those); ``None`` in ``chars`` is a hard
    break.
    """
    cannot_start = rl_textsplit.ALL_CANNOT_START
    lines: list[Line] = []
    i = used = start = 0
    count = len(chars)
    while i < count:
        ch = chars[i]
        w = widths[i]
        i += 1
        used += w
        hard = ch is None
        if hard or (used > max_width + _FUZZ and used > 0):
            extra = max_width - used
            if not hard:
                if ord(ch) < 0x3000:
                    # Inside a Latin word: back up to a space or a CJK character, at most half the line.
                    limit = (start + i) >> 1
                    for j in range(i - 1, limit, -1):
                        cj = chars[j]
                        if cj is not None and (unicodedata.category(cj) == "Zs" or ord(cj) >= 0x3000):
                            k = j + 1
                            if k < i:
                                j = k + 1
                                extra += sum(widths[j:i])
                                w = widths[k]
                                ch = chars[k]
                                i = j
                                break
                if ch not in cannot_start and i > start + 1:
                    i -= 1  # push the character to the next line unless it cannot start one
                    extra += w
            lines.append((start, i, extra, True))
            start = i
            used = 0
    if used > 0:
        lines.append((start, count, max_width - used, False))
    return lines


class ReportTable(Table):
    """A ``Table`` that writes the text of all its cells in one text object.

    ``Table`` draws every string cell with ``drawString`` / ``drawCentredString`` /
    ``drawRightString`` (a text object, a graphics state, font and colour operators per cell)
    and every paragraph cell through ``drawOn`` after measuring it again. Here string cells and
    :class:`TextBlock` cells are placed exactly as ``Table`` places them (same alignment,
    padding and vertical position) and written into one :class:`TextWriter`, closed after the
    cell pass; font size and colour are switched only when they change. Other cells (charts)
    are drawn by ``Table`` itself; splitting makes tables of this class.
    """

    _writer: TextWriter | None = None

    def draw(self) -> None:
        self._writer = None
        super().draw()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _out(self, font_name: str) -> TextWriter | None:
        """The table's text writer, or ``None`` for a cell in another font (drawn by ``Table``)."""
        if self._writer is None:
            self._writer = TextWriter(self.canv, font_name)
        return self._writer if self._writer.font.fontName == font_name else None

    def _drawCell(self, cellval, cellstyle, pos, size):  # noqa: N802 (ReportLab API)
        plain = isinstance(cellval, str)
        if isinstance(cellval, (list, tuple)) and len(cellval) == 1:
            cellval = cellval[0]  # Table keeps a flowable cell as a one-item tuple
        if not (plain or isinstance(cellval, TextBlock)) or cellstyle.href or cellstyle.destination or (
            cellstyle.direction or cellstyle.shaping or cellstyle.alignment not in _STRING_ALIGN
        ):
            return super()._drawCell(cellval, cellstyle, pos, size)
        out = self._out(cellstyle.fontname if plain else cellval.style.fontName)
        if out is None:
            return super()._drawCell(cellval, cellstyle, pos, size)
        colpos, rowpos = pos
        colwidth, rowheight = size
        just, valign = cellstyle.alignment, cellstyle.valign
        if plain:
            lines = cellval.split("\n")
            leading, fontsize = cellstyle.leading, cellstyle.fontsize
            if valign == "BOTTOM":
                y = rowpos + cellstyle.bottomPadding + len(lines) * leading - fontsize
            elif valign == "TOP":
                y = rowpos + rowheight - cellstyle.topPadding - fontsize
            else:
                y = rowpos + (cellstyle.bottomPadding + rowheight - cellstyle.topPadding
                              + len(lines) * leading) / 2.0 - fontsize
            if just == "LEFT":
                x = colpos + cellstyle.leftPadding
            elif just == "RIGHT":
                x = colpos + colwidth - cellstyle.rightPadding
            else:
                x = colpos + (colwidth + cellstyle.leftPadding - cellstyle.rightPadding) * 0.5
            out.style(fontsize, cellstyle.color)
            for line in lines:
                if line:
                    shift = 0.0
                    if just != "LEFT":
                        width = stringWidth(line, cellstyle.fontname, fontsize)
                        shift = width if just == "RIGHT" else 0.5 * width
                    out.at(x - shift, y)
                    out.show(line)
                y -= leading
            return None
        # A text block, measured and placed as Table._drawCell places a one-flowable cell.
        w, h = cellval.wrap(colwidth - cellstyle.leftPadding - cellstyle.rightPadding,
                            rowheight - cellstyle.topPadding - cellstyle.bottomPadding)
        if valign == "TOP":
            y = rowpos + rowheight - cellstyle.topPadding
        elif valign == "BOTTOM":
            y = rowpos + cellstyle.bottomPadding + h
        else:
            y = rowpos + (rowheight + cellstyle.bottomPadding - cellstyle.topPadding + h) / 2.0
        if just == "LEFT":
            x = colpos + cellstyle.leftPadding
        elif just == "RIGHT":
            x = colpos + colwidth - cellstyle.rightPadding - w
        else:
            x = colpos + (colwidth + cellstyle.leftPadding - cellstyle.rightPadding - w) / 2.0
        cellval.write(out, x, y - h)
        return None


_STRING_ALIGN = {"LEFT", "RIGHT", "CENTER", "CENTRE"}

CELL_PADDING = 4  # left and right padding of report table cells (see report_table_style)
_ALIGN = {TA_LEFT: "LEFT", TA_CENTER: "CENTER", TA_RIGHT: "RIGHT", TA_JUSTIFY: "LEFT"}


def text_cell(text: Any, style: ParagraphStyle, col_width: float) -> Any:
    """A table cell of plain ``text``: the string itself when it fits on one line, else a :class:`TextBlock`.

    A plain string is drawn by the Table with the cell's FONTSIZE/LEADING/TEXTCOLOR/ALIGN, which
    :func:`column_style` sets from the same paragraph style, so a one-line cell looks as its
    paragraph did; only text that would wrap pays for line breaking.
    """
    text = str(text)
    if "\n" not in text and text == text.strip() and "  " not in text and (
        stringWidth(text, style.fontName, style.fontSize) <= col_width - 2 * CELL_PADDING
    ):
        return text
    return TextBlock([(text, None, None)], style)


def rich_cell(runs: Sequence[Run | None], style: ParagraphStyle) -> TextBlock:
    """Text runs of different colours and sizes (and line breaks) in one cell."""
    return TextBlock(runs, style)


#: Report table cells: vertically centred, 3 pt above and below, 4 pt left and right.
REPORT_PADDING = (3, 3, 4, 4)


def table_cells(rows: int, columns: Sequence[ParagraphStyle], header: ParagraphStyle | None = None, *,
                valign: str = "MIDDLE", padding: tuple[float, float, float, float] = REPORT_PADDING,
                ) -> list[list[CellStyle]]:
    """Cell styles for a table, each column looking like its paragraph style (the header row like
    ``header``, centred): font, size, leading, colour, alignment, ``valign`` and ``padding``
    (top, bottom, left, right).

    Pass as ``cellStyles``: a ``Table`` would otherwise apply a style command to each cell of its
    range for each of a dozen FONTSIZE/LEADING/TEXTCOLOR/ALIGN/PADDING commands. The values sit
    on one shared ``CellStyle`` class per look; a later style command (a status colour) still
    sets its cell's own value.
    """
    body = [_cell_class(st, _ALIGN.get(st.alignment, "LEFT"), valign, padding) for st in columns]
    head = [_cell_class(header, "CENTER", valign, padding)] * len(columns) if header is not None else body
    return [[cls("") for cls in (head if row == 0 else body)] for row in range(rows)]


def _cell_class(style: ParagraphStyle, alignment: str, valign: str, padding: tuple[float, ...]) -> type[CellStyle]:
    colour = style.textColor
    key = (style.fontName, style.fontSize, style.leading, colour.hexval(), alignment, valign, tuple(padding))
    cls = _CELL_CLASSES.get(key)
    if cls is None:
        top, bottom, left, right = padding
        cls = _CELL_CLASSES[key] = type("ReportCell", (CellStyle,), {
            "fontname": style.fontName, "fontsize": style.fontSize, "leading": style.leading, "color": colour,
            "alignment": alignment, "valign": valign, "topPadding": top, "bottomPadding": bottom,
            "leftPadding": left, "rightPadding": right,
        })
    return cls


_CELL_CLASSES: dict[tuple, type[CellStyle]] = {}


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


MARK_RUN = (f" {PROVISIONAL_MARK}", "#B3261E", None)  # the provisional mark after a name


def marked(text: Any, provisional: Any) -> list[Run]:
    """``text`` followed by the red provisional mark when ``provisional``."""
    return [(str(text), None, None), MARK_RUN] if provisional else [(str(text), None, None)]


def report_table_style(extra: Sequence[tuple] = ()) -> TableStyle:
    """Header band, rules and frame of a report table whose cells come from :func:`table_cells`."""
    return TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        *extra,
    ])


def zebra_rows(rows: int, start: int = 1) -> list[tuple]:
    return [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(start, rows) if (r - start) % 2 == 1]


def header_row(st: ReportStyles, labels: Sequence[str], widths: Sequence[float]) -> list[Any]:
    return [text_cell(label, st.head, w) for label, w in zip(labels, widths, strict=True)]


STATUS_COLOURS = {True: "#2E7D32", False: "#B3261E"}


def status_cell(st: ReportStyles, text: str, ok: bool | None, width: float, cell: tuple[int, int],
                commands: list[tuple]) -> Any:
    """A centred pass/fail mark coloured by ``ok``; its TEXTCOLOR command goes to ``commands``."""
    value = text_cell(text, st.cell_c, width)
    colour = STATUS_COLOURS.get(ok, "#5F6670")
    if isinstance(value, str):
        commands.append(("TEXTCOLOR", cell, cell, colors.HexColor(colour)))
        return value
    return TextBlock([(text, colour, None)], st.cell_c)


def split_width(total: float, fractions: Sequence[float]) -> list[float]:
    scale = total / sum(fractions)
    return [f * scale for f in fractions]


def name_cell(text: str, provisional: Any, style: ParagraphStyle, width: float, note: str | None = None) -> Any:
    """A name, with the provisional mark and a small grey note line when given."""
    if not provisional and not note:
        return text_cell(text, style, width)
    runs: list[Run | None] = marked(text, provisional)
    if note:
        runs += [LINE_BREAK, (str(note), "#5F6670", 7.5)]
    return TextBlock(runs, style)
