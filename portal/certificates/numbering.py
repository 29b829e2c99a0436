"""Certificate serial numbers: ``TL-<family code>-<year>-<4-digit sequence>``, e.g. ``TL-ZNGC-2026-0007``.

Numbers are sequential per (issue year, framework family) and never reused (a revoked
certificate keeps its number). The counter lives in one ``certificate_sequence`` row per pair:

- ``UPDATE ... SET last_value = last_value + 1`` takes the row's write lock until the
  transaction ends, so a second issuer on PostgreSQL waits and then reads the incremented
  value (READ COMMITTED re-reads the row after the lock is released). On SQLite the UPDATE needs
  the database write lock; write requests and the CLI begin with BEGIN IMMEDIATE
  (``portal.web.sqlite``), so issuers queue on it.
- The first number of a year inserts the row inside a SAVEPOINT; when two issuers race to
  insert, the loser's primary-key violation rolls back only the savepoint and it increments
  the winner's row instead.
- The unique constraints on ``certificate.serial`` and (family code, year, sequence) are the
  last guard: a duplicate can never be committed.

The caller commits; nothing here commits.
"""
from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import CertificateSequence

DISTRICT_PREFIX = "TL"

# Framework family -> code in the serial (pinyin initials of the recognition).
FAMILY_CODES: dict[str, str] = {
    "smart": "ZNGC",        # 数字化车间 / 智能工厂 (智能工厂 family)
    "green": "LSGC",        # 绿色工厂
    "sts": "ZJTX",          # 专精特新中小企业
    "innovative": "CXXZ",   # 创新型中小企业
    "giant": "XJR",         # 专精特新“小巨人”企业
    "cmmm": "ZNZZ",         # 智能制造能力成熟度
}

SERIAL_RE = re.compile(r"^TL-([A-Z]{2,6})-(\d{4})-(\d{4,6})$")


def family_code(family: str) -> str:
    try:
        return FAMILY_CODES[family]
    except KeyError:
        raise ValueError(f"no certificate code for framework family {family!r}") from None


def format_serial(code: str, year: int, sequence: int) -> str:
    return f"{DISTRICT_PREFIX}-{code}-{year:04d}-{sequence:04d}"


def normalise_serial(text: str | None) -> str | None:
    """The serial in canonical form (trimmed, upper case, full-width dashes folded), or None if malformed."""
    if not text:
        return None
    cleaned = text.strip().upper().replace("－", "-").replace("—", "-").replace("–", "-").replace(" ", "")
    return cleaned if SERIAL_RE.match(cleaned) else None


def next_sequence(code: str, year: int) -> int:
    """Reserve and return the next sequence number for ``code`` in ``year`` (within the caller's transaction)."""
    for _ in range(3):
        bumped = db.session.execute(
            update(CertificateSequence)
            .where(CertificateSequence.year == year, CertificateSequence.family_code == code)
            .values(last_value=CertificateSequence.last_value + 1)
            .execution_options(synchronize_session=False))
        if bumped.rowcount == 1:
            return db.session.scalar(
                select(CertificateSequence.last_value)
                .where(CertificateSequence.year == year, CertificateSequence.family_code == code)
                .execution_options(populate_existing=True))
        try:
            with db.session.begin_nested():
                db.session.add(CertificateSequence(year=year, family_code=code, last_value=1))
            return 1
        except IntegrityError:
            continue   # another issuer created the row first: increment theirs
    raise RuntimeError(f"could not reserve a certificate number for {code} {year}")


def next_serial(family: str, year: int) -> tuple[str, str, int]:
    """``(serial, family code, sequence)`` of the next certificate of ``family`` issued in ``year``."""
    code = family_code(family)
    sequence = next_sequence(code, year)
    return format_serial(code, year, sequence), code, sequence
