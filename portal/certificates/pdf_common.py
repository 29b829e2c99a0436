"""What certificates and scorecard reports share: input data, palettes, wording and number formats.

Pure: no ReportLab layout here beyond a ``TableStyle`` helper and string widths. See
:mod:`.pdf` for the rules every render follows.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import TableStyle

from . import charts
from .fonts import FONT_NAME

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
HEADER_BG = charts.NAVY
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


def esc(value: Any) -> str:
    """``value`` as text safe inside Paragraph markup."""
    return escape(str(value))


def cjk_table_style(commands: Sequence[tuple]) -> TableStyle:
    """A TableStyle whose cells use the embedded font (a Table defaults to Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_NAME), *commands])


def fit_font_size(text: str, font: str, size: float, max_width: float, minimum: float = 9) -> float:
    """The largest size (in 0.5 pt steps, not below ``minimum``) at which ``text`` fits ``max_width``."""
    while size > minimum and stringWidth(text, font, size) > max_width:
        size -= 0.5
    return size
