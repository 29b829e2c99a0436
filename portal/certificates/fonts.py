"""Register the CJK TrueType font that every certificate PDF embeds.

PDF viewers on an enterprise's or auditor's machine cannot be assumed to have a Chinese font,
so the font is always embedded as a subset (``/FontFile2``); ReportLab's ``UnicodeCIDFont``
(which only names a font the viewer must supply) is never used. The bundled copy in
``portal/static/fonts`` is preferred so the portal works without the Debian package; see the
README there for the licence.
"""
from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import paragraph as rl_paragraph

#: ReportLab name of the regular face; also mapped as bold/italic so ``<b>`` in a Paragraph
#: never falls back to a Latin-only Type 1 font.
FONT_NAME = "WQYMicroHei"

FONT_FILE = "wqy-microhei.ttc"
BUNDLED_FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / FONT_FILE
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/wqy") / FONT_FILE,
    Path("/usr/share/fonts/wqy-microhei") / FONT_FILE,
)

#: Chinese punctuation that must not start a line (GB/T 15834 and common practice). ReportLab's
#: CJK line breaking lists only the Japanese set, so "，" or "：" could open a line.
CANNOT_START_LINE = "，：；！？、。．”’》〉」』】〗〕）…～·%％"

_lock = threading.Lock()
_registered: str | None = None

#: Held for the whole of every render. ReportLab keeps one parsed font file per registered font
#: and its subsetting (``TTFontFace.makeSubset``) reads that shared parser's position, so two
#: documents subsetting the same font at once in different threads corrupt each other (seen as
#: a ``KeyError`` or wrong glyphs). A render takes well under a second, so serialising is cheap.
render_lock = threading.RLock()


class FontNotFoundError(RuntimeError):
    """No copy of the CJK font could be found."""


def font_path() -> Path:
    """The font file to use: the bundled copy first, then the system locations."""
    for candidate in (BUNDLED_FONT, *SYSTEM_FONTS):
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(p) for p in (BUNDLED_FONT, *SYSTEM_FONTS))
    raise FontNotFoundError(f"CJK font {FONT_FILE} not found (searched: {searched})")


def _extend_line_break_rules() -> None:
    """Teach ReportLab's ``wordWrap='CJK'`` the Chinese no-line-start punctuation.

    Single-run paragraphs break in ``textsplit.wordSplit`` and mixed runs in
    ``paragraph.cjkFragSplit``; both read a module-level ``ALL_CANNOT_START`` at call time.
    Adding characters only refines line breaking and is idempotent.
    """
    for module in (rl_textsplit, rl_paragraph):
        current = module.ALL_CANNOT_START
        missing = "".join(ch for ch in CANNOT_START_LINE if ch not in current)
        if missing:
            module.ALL_CANNOT_START = current + missing


def register_fonts() -> str:
    """Register the CJK font with ReportLab once and return its name.

    Idempotent and thread-safe: concurrent first calls register the font exactly once.
    """
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is None:
            if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
                # subfontIndex=0 selects 文泉驿微米黑 (proportional) from the collection.
                pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
            _extend_line_break_rules()
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            _registered = FONT_NAME
    return _registered
