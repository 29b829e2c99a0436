"""Unified social credit code (统一社会信用代码) per GB 32100-2015.

18 characters from the charset ``0-9 A-H J-N P-R T-U W-Y`` (no I, O, Z, S, V). The 18th is a
check character: weights 3^(i) mod 31 over the first 17, ``C18 = 31 - (sum mod 31)``, where
31 maps to 0.
"""
from __future__ import annotations

from flask_babel import gettext as _

from portal.fields.words import join_items

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str | None) -> str | None:
    """Why ``code`` is invalid (Chinese, or English in an English request), or None when it is valid."""
    if not code:
        return _("请填写统一社会信用代码。")
    code = code.strip().upper()
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位，当前为 %(n)s 位。", n=len(code))
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        return _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、Z、S、V）。", chars=join_items(bad))
    expected = check_char(code[:17])
    if code[17] != expected:
        return _("统一社会信用代码校验位不正确，请核对后重新输入。")
    return None


def is_valid_uscc(code: str | None) -> bool:
    return uscc_problem(code) is None


def normalise_uscc(code: str) -> str:
    return code.strip().upper()
