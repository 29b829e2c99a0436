"""Small language helpers shared by the registry and the messages built from it."""
from __future__ import annotations

from collections.abc import Iterable

from flask import has_request_context
from flask_babel import get_locale


def reader_language() -> str:
    """"en" inside a request whose locale is English, else "zh" (CLI, imports, pure tests)."""
    if not has_request_context():
        return "zh"
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def join_items(items: Iterable[str]) -> str:
    """A list of names for a message: 甲、乙、丙 in Chinese, "A, B, C" in English."""
    return (", " if reader_language() == "en" else "、").join(str(item) for item in items)


def join_clauses(parts: Iterable[str]) -> str:
    """Clauses of a hint or a list of "key: value" pairs: 甲；乙 in Chinese, "A; B" in English."""
    return ("; " if reader_language() == "en" else "；").join(str(part) for part in parts)
