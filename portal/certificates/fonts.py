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

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

#: ReportLab name of the regular face; also mapped as bold/italic so ``<b>`` in a Paragraph
#: never falls back to a Latin-only Type 1 font.
FONT_NAME = "WQYMicroHei"

FONT_FILE = "wqy-microhei.ttc"
BUNDLED_FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / FONT_FILE
SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/wqy") / FONT_FILE,
    Path("/usr/share/fonts/wqy-microhei") / FONT_FILE,
)

_lock = threading.Lock()
_registered: str | None = None


class FontNotFoundError(RuntimeError):
    """No copy of the CJK font could be found."""


def font_path() -> Path:
    """The font file to use: the bundled copy first, then the system locations."""
    for candidate in (BUNDLED_FONT, *SYSTEM_FONTS):
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(p) for p in (BUNDLED_FONT, *SYSTEM_FONTS))
    raise FontNotFoundError(f"CJK font {FONT_FILE} not found (searched: {searched})")


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
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            _registered = FONT_NAME
    return _registered
