"""Typeset certificates and scorecard reports as PDF: plain data in, bytes out.

This is the rooms' entry point; the work is split by responsibility:

- :mod:`.pdf_common`: input data (:class:`CertificateData`, :class:`ScorecardData`), palettes,
  wording, number and date formats;
- :mod:`.pdf_certificate`: the certificate page, drawn on a canvas;
- :mod:`.pdf_flowables`: cheap table cells, text blocks and paragraph styles of the report;
- :mod:`.pdf_scorecard`: the multi-page scorecard report (platypus);
- :mod:`.charts`: the report's charts, drawn directly on the canvas;
- :mod:`.pdf_text`: text written as PDF operators (tables, text blocks, chart labels).

These modules know only ReportLab. They never read the clock, the database, the request or the
network: the certificate service numbers and signs a certificate and passes everything printed
(including the verification URL and the check code) in :class:`CertificateData`; the scorecard
is built from stored result snapshots (``Result.to_dict()`` of the scoring engine) in
:class:`ScorecardData`. Output is deterministic (``invariant``): the same data gives the same
bytes. All text uses the embedded CJK font from :mod:`.fonts`; renders are serialised by
``fonts.render_lock`` because ReportLab's font subsetting is not thread-safe.

Missing numbers print as "—"; items that could not be scored print as "不适用".
"""
from __future__ import annotations

from .pdf_certificate import render_certificate
from .pdf_common import (
    DASH,
    ISSUER,
    NOT_APPLICABLE,
    PORTAL_NAME,
    PROVISIONAL_LEGEND,
    PROVISIONAL_MARK,
    CertificateData,
    ScorecardData,
    cn_date,
    cn_date_upper,
    fmt_number,
    fmt_value,
)
from .pdf_scorecard import render_scorecard

__all__ = [
    "DASH",
    "ISSUER",
    "NOT_APPLICABLE",
    "PORTAL_NAME",
    "PROVISIONAL_LEGEND",
    "PROVISIONAL_MARK",
    "CertificateData",
    "ScorecardData",
    "cn_date",
    "cn_date_upper",
    "fmt_number",
    "fmt_value",
    "render_certificate",
    "render_scorecard",
]
