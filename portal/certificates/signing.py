"""Sign certificate data so a printed or downloaded certificate can be checked against the record.

The signature is HMAC-SHA256 over a canonical serialisation of the signed fields: JSON with
sorted keys, no insignificant whitespace, non-ASCII kept as UTF-8 (``ensure_ascii=False``) and
encoded as UTF-8 bytes. The same data therefore signs identically whatever the order of its
keys. Dates and datetimes are serialised as ISO 8601 strings, decimals as strings and
tuples/sets as lists (sets sorted), so callers can pass the certificate's fields directly.

The signature is the 64-character lowercase hexadecimal digest. The short *check code* printed
on the certificate is the first 16 hex digits of the signature, upper-cased, in groups of four
(``3F2A-9C01-77BE-D4E0``); it lets a reader compare the paper against the public verification
page without typing the full signature. The key is the caller's business (the service reads
it from config); this module is pure and uses the standard library only.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

CHECK_CODE_DIGITS = 16
CHECK_CODE_GROUP = 4


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=lambda v: json.dumps(v, default=_default, sort_keys=True))
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot serialise {type(value).__name__} for signing")


def canonical_bytes(data: Mapping[str, Any]) -> bytes:
    """The canonical UTF-8 serialisation of ``data`` that is signed."""
    if not isinstance(data, Mapping):
        raise TypeError("certificate data to sign must be a mapping")
    text = json.dumps(
        dict(data),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_default,
    )
    return text.encode("utf-8")


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or not key:
        raise ValueError("signing key must be non-empty bytes")


def sign(data: Mapping[str, Any], key: bytes) -> str:
    """HMAC-SHA256 of :func:`canonical_bytes` as 64 lowercase hex digits."""
    _check_key(key)
    return hmac.new(bytes(key), canonical_bytes(data), hashlib.sha256).hexdigest()


def verify(data: Mapping[str, Any], signature: str, key: bytes) -> bool:
    """True when ``signature`` is the signature of ``data`` under ``key`` (constant-time compare).

    Hex case is ignored; anything that is not a string of the right form simply fails.
    """
    if not isinstance(signature, str):
        return False
    try:
        expected = sign(data, key)
    except (TypeError, ValueError):
        return False
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().lower().encode("utf-8"))


def check_code(signature: str) -> str:
    """The short code printed on the certificate: first 16 hex digits, in groups of four (``3F2A-9C01-77BE-D4E0``)."""
    digits = signature.strip().upper()[:CHECK_CODE_DIGITS]
    if len(digits) < CHECK_CODE_DIGITS or any(c not in "0123456789ABCDEF" for c in digits):
        raise ValueError("signature must be a hex string of at least 16 digits")
    return "-".join(digits[i:i + CHECK_CODE_GROUP] for i in range(0, CHECK_CODE_DIGITS, CHECK_CODE_GROUP))


def verify_check_code(data: Mapping[str, Any], code: str, key: bytes) -> bool:
    """True when ``code`` (dashes, spaces and case ignored) is the check code of ``data``."""
    if not isinstance(code, str):
        return False
    try:
        expected = check_code(sign(data, key)).replace("-", "")
    except (TypeError, ValueError):
        return False
    given = "".join(code.split()).replace("-", "").upper()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8"))
