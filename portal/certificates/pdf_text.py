"""PDF text operators for the embedded TrueType font, written without ReportLab's text object."""
from __future__ import annotations

import math
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
        font, doc, ops = self.font, self.doc, self.ops
        for subset, chunk in font.splitString(text, doc):
            if subset != self._subset:
                self._subset = subset
                ops.append(f"{font.getSubsetInternalName(subset, doc)} {fp_str(self._size)} Tf")
            ops.append(f"({escapePDF(chunk)}) Tj")

    def close(self) -> None:
        """Write the block into the page, inside its own graphics state (the colours stay local)."""
        if len(self.ops) > 1:
            self.ops.append("ET")
            self.canvas.saveState()
            self.canvas.addLiteral(" ".join(self.ops))
            self.canvas.restoreState()
        self.ops = ["BT"]
