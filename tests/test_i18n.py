"""The English catalogue: complete for the current sources, placeholders intact, and served.

The catalogue is checked against a fresh extraction (the same method map as ``babel.cfg`` and the
keywords of ``make i18n-update``), so a string wrapped for Babel but not yet translated fails here
with its msgid and location. Refresh with ``make i18n-update``, translate the new entries in
``portal/translations/en/LC_MESSAGES/messages.po``, then commit the ``.pot`` and the ``.po``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
# Named placeholders and escaped "%%"; any other "%" would break "%" formatting, which Jinja's
# new-style gettext applies to every translated template string.
PERCENT_TOKEN = re.compile(r"%\(\w+\)[sdif]|%%")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _extract() -> dict[str, list[str]]:
    """msgid -> ["path:line", ...] for every message in the current sources."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT / "portal"), method_map, options_map, keywords=KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, []).append(f"portal/{filename}:{lineno}")
    return found


def _catalogue():
    with open(PO_PATH, "rb") as po:
        return read_po(po, locale="en")


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    return _extract()


@pytest.fixture(scope="module")
def catalogue():
    return _catalogue()


def test_every_extracted_message_has_an_english_translation(extracted, catalogue):
    assert extracted, "extraction found no messages: check babel.cfg"
    missing = []
    for msgid, where in sorted(extracted.items(), key=lambda item: item[1][0]):
        message = catalogue.get(msgid)
        if message is None:
            # Plural entries are keyed by their singular form; the plural form lives inside them.
            message = next((m for m in catalogue if isinstance(m.id, tuple) and msgid in m.id), None)
        if message is None or message.fuzzy or not all(s.strip() for s in _strings(message)):
            missing.append(f"{where[0]}: {msgid}")
    assert not missing, (f"{len(missing)} message(s) without an English translation "
                         "(run `make i18n-update` and translate them):\n" + "\n".join(missing))


def test_header_is_not_fuzzy(catalogue):
    assert not catalogue.fuzzy


def test_translations_keep_placeholders(catalogue):
    broken = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
        for string in _strings(message):
            if not string:
                continue
            if sorted(set(PLACEHOLDER.findall(string))) != expected:
                broken.append(f"{ids[0]!r} -> {string!r}: placeholders {expected}")
            elif "%" in PERCENT_TOKEN.sub("", string) or ("%%" in ids[0]) != ("%%" in string):
                broken.append(f"{ids[0]!r} -> {string!r}: stray or unescaped '%'")
    assert not broken, "\n".join(broken)


def test_translations_contain_no_chinese_except_proper_names(catalogue):
    """English text only; the Chinese programme names in brackets are intentional (专精特新)."""
    allowed = ("专精特新", "“小巨人”")
    leftover = []
    for message in catalogue:
        for string in _strings(message) if message.id else ():
            rest = string
            for name in allowed:
                rest = rest.replace(name, "")
            if CJK.search(rest):
                leftover.append(f"{message.id!r} -> {string!r}")
    assert not leftover, "\n".join(leftover)


@pytest.fixture
def english_app(make_app, tmp_path):
    """An app whose translations are the committed catalogue compiled into ``tmp_path``."""
    from portal.extensions import babel

    mo_dir = tmp_path / "translations" / "en" / "LC_MESSAGES"
    mo_dir.mkdir(parents=True)
    with open(mo_dir / "messages.mo", "wb") as mo:
        write_mo(mo, _catalogue())
    # Flask-Babel caches loaded translations on the (process-wide) Babel instance's domain, shared
    # by every app: start and finish with an empty cache so neither side sees the other's files.
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"))
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield app
    with app.app_context():
        babel.domain_instance.cache.clear()


def test_login_page_in_english(english_app):
    client = english_app.test_client()
    client.get("/auth/login")
    client.post("/lang/en", data={"next": "/auth/login"})
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="en"' in html
    assert 'value="Log in"' in html                      # the submit button
    for text in ("Username", "Password", "Tongliang Advanced Manufacturing Enterprise Assessment Portal",
                 "Economy and Information Technology Commission"):
        assert text in html
    # The one Chinese word left on purpose: the switch back to Chinese names the language in Chinese.
    switch = re.compile(r'<button[^>]*lang="zh"[^>]*>中文</button>')
    assert switch.search(html)
    leftover = CJK.findall(switch.sub("", html))
    assert not leftover, f"Chinese text on the English login page: {''.join(leftover)}"
