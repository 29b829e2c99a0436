"""Shared column helpers."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now: every timestamp column stores UTC without a zone (portable to SQLite)."""
    return datetime.now(UTC).replace(tzinfo=None)
