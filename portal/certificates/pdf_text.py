"""PDF text operators for the embedded TrueType font, written without ReportLab's text object."""
from __future__ import annotations

import math
import re
import weakref
from typing import Any

from reportlab.lib import colors
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfmetrics


class TextWriter:
    """Text in the embedded TrueType font written as PDF operators, one ``BT ... ET`` block.

    What ReportLab's text object writes for the same calls (subset font switches, ``Tm``
    positions, ``rg`` colours, escaped ``Tj`` strings), without its per-call bookkeeping:
    cursor widths, graphics-state copies and font lookups. ``show`` after ``at`` writes one
    string; size and colour are written only when they change.
    """

    def __init__(self, canvas, font_name: str):
        self.canvas = canvas
        self.font = pdfmetrics.getFont(font_name)
        self.doc = canvas._doc  # ReportLab's own text object keys font subsets by the document too
        self.ops: list[str] = ["BT"]
        self._size: float | None = None
        self._subset: int | None = None
        self._colour: Any = None
        encoders = _ENCODERS.setdefault(self.doc, {})
        self._encoder = encoders.get(font_name) or encoders.setdefault(font_name, SubsetEncoder(self.font, self.doc))

    def style(self, size: float, colour: Any) -> None:
        if size != self._size:
            self._size, self._subset = size, None
        if colour != self._colour:
            self._colour = colour
            if not isinstance(colour, colors.Color):
                colour = colors.toColor(colour)
            self.ops.append(f"{fp_str(colour.red, colour.green, colour.blue)} rg")

    def at(self, x: float, y: float) -> None:
        self.ops.append(f"1 0 0 1 {fp_str(x, y)} Tm")

    def at_angle(self, x: float, y: float, degrees: float) -> None:
        """Start the next string at (x, y), its baseline turned ``degrees`` anticlockwise."""
        cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
        self.ops.append(f"{fp_str(cos, sin, -sin, cos, x, y)} Tm")

    def line(self, x: float, y: float, text: str, size: float, colour: Any, anchor: str = "start") -> None:
        """One string with its baseline at ``y``: ``anchor`` start, end or middle at ``x``."""
        self.style(size, colour)
        if anchor != "start":
            width = self.font.stringWidth(text, size)
            x -= width if anchor == "end" else 0.5 * width
        self.at(x, y)
        self.show(text)

    def show(self, text: str) -> None:
        encoder, ops = self._encoder, self.ops
        for subset, chunk in encoder.split(text):
            if subset != self._subset:
                self._subset = subset
                ops.append(f"{encoder.subset_name(subset)} {fp_str(self._size)} Tf")
            ops.append(f"({escapePDF(chunk)}) Tj")

    def close(self) -> None:
        """Write the block into the page, inside its own graphics state (the colours stay local)."""
        if len(self.ops) > 1:
            self.ops.append("ET")
            self.canvas.saveState()
            self.canvas.addLiteral(" ".join(self.ops))
            self.canvas.restoreState()
        self.ops = ["BT"]


#: Runs of codes of one subset (256 codes each) in a string of codes; 64 subsets is far more
#: glyphs than a report uses.
_SUBSET_RUNS = re.compile("|".join(f"[{chr(k * 256)}-{chr(k * 256 + 255)}]+" for k in range(64)))
_LOW_BYTE = {code: code & 0xFF for code in range(256, 64 * 256)}


class SubsetEncoder:
    """``TTFont.splitString`` for one document and font, fast once the characters have codes.

    ReportLab gives each character of a document a code the first time it is shown (subset
    ``code >> 8``, byte ``code & 0xFF``) and never changes it. ``splitString`` looks each
    character up in Python on every call, about 600 ns a character, 14,000 characters a report.
    Here a string whose characters all have codes is mapped with ``str.translate`` and cut into
    runs of one subset by a regular expression, both in C; any other string (a new character,
    a no-break space, a character the font lacks) goes through ``splitString`` itself, and the
    codes it assigned are remembered. The result is the same list of ``(subset, bytes)``.
    """

    def __init__(self, font, doc):
        self.font, self.doc = font, doc
        self._known: set[str] = set()
        self._codes: dict[int, str] = {}  # ord(character) -> chr(code)
        self._names: dict[int, str] = {}

    def split(self, text: str) -> list[tuple[int, bytes]]:
        if self._known.issuperset(text):
            coded = text.translate(self._codes)
            return [(ord(run[0]) >> 8, run.translate(_LOW_BYTE).encode("latin-1"))
                    for run in _SUBSET_RUNS.findall(coded)]
        pieces = self.font.splitString(text, self.doc)
        assignments = self.font.state[self.doc].assignments
        for ch in set(text):
            code = assignments.get(ord(ch))
            if code is not None and ch != "\xa0" and code < 64 * 256:
                self._known.add(ch)
                self._codes[ord(ch)] = chr(code)
        return pieces

    def subset_name(self, subset: int) -> str:
        name = self._names.get(subset)
        if name is None:
            name = self._names[subset] = self.font.getSubsetInternalName(subset, self.doc)
        return name


_ENCODERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
