"""The English catalogue: complete for the current sources, placeholders intact, and served.

Also the English side of the data dictionary (field, section and choice labels in
``report_fields.yaml``) and English pages built from it: the report form, validation messages,
the review pages; Chinese requests stay as they were.

The catalogue is checked against a fresh extraction (the same method map as ``babel.cfg`` and the
keywords of ``make i18n-update``), so a string wrapped for Babel but not yet translated fails here
with its msgid and location. Refresh with ``make i18n-update``, translate the new entries in
``portal/translations/en/LC_MESSAGES/messages.po``, then commit the ``.pot`` and the ``.po``.
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
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


# --------------------------------------------------------------------------- the data dictionary


def test_every_registry_field_section_and_choice_has_an_english_label():
    """English pages label fields, sections and choices from report_fields.yaml (en, labels_en)."""
    raw = yaml.safe_load((ROOT / "portal" / "fields" / "report_fields.yaml").read_text(encoding="utf-8"))
    specs = [*raw["profile"], *(f for section in raw["sections"].values() for f in section["fields"])]
    assert not [f["key"] for f in specs if not str(f.get("en", "")).strip()]
    assert not [key for key, section in raw["sections"].items() if not str(section.get("en", "")).strip()]
    unlabelled = [f"{f['key']}.{v}" for f in specs for v in f.get("values", ())
                  if v not in f.get("labels", {}) or v not in f.get("labels_en", {})]
    assert not unlabelled, "choice values without a Chinese and an English label: " + ", ".join(unlabelled)
    def english(spec: dict) -> list[str]:
        return [spec["en"], *spec.get("labels_en", {}).values(), spec.get("note_en") or "",
                *spec.get("keys_en", {}).values()]
    chinese = [f"{spec['key']}: {text}" for spec in specs for text in english(spec)
               if CJK.search(str(text).replace("专精特新", ""))]
    assert not chinese, "\n".join(chinese)


def test_cmmm_sub_domains_have_english_names():
    from portal.fields import registry
    from portal.forms.reporting import cmmm_subdomains

    keys_en = registry().field("cmmm_levels").keys_en
    assert {code for code, _name in cmmm_subdomains()} == set(keys_en)


# --------------------------------------------------------------------------- English pages


def _english_client(app, user_id: str):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["lang"] = "en"
    return client


def _chinese_client(app, user_id: str):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client


@pytest.fixture
def draft(english_app):
    """An enterprise (ASCII name, so any Chinese left on a page is the portal's) with a draft."""
    import factories

    from portal.extensions import db
    from portal.reporting import services

    with english_app.app_context():
        today = services.local_today()
        enterprise = factories.enterprise(name="Acme Machinery", sub_direction="rail parts", park="town",
                                          town="Town A")
        user = factories.user("enterprise", enterprise_obj=enterprise)
        user.display_name = "Ann"
        reviewer = factories.user("reviewer")
        reviewer.display_name = "Rob"
        last_year = factories.period(2025, 3, opens_on=today - timedelta(days=400), due_on=today - timedelta(days=380))
        period = factories.period(2026, 3, opens_on=today - timedelta(days=10), due_on=today + timedelta(days=10))
        factories.report(enterprise, last_year, status="approved", gross_output_value=1000.0)
        report = factories.report(enterprise, period)
        db.session.commit()
        return {"report": report.id, "period": period.id, "user": user.get_id(), "reviewer": reviewer.get_id()}


def _chinese_left(html: str) -> list[str]:
    """CJK text on a page, less the switch back to Chinese and the programme name 专精特新."""
    html = re.sub(r'<button[^>]*lang="zh"[^>]*>中文</button>', "", html).replace("专精特新", "")
    return CJK.findall(html)


def _bad_report(version: str = "1") -> dict:
    from factories import complete_form

    data = complete_form(revenue="abc", rd_personnel="500", net_profit="900", gross_output_value="3000")
    data["version"] = version
    return data


def test_report_form_in_english_shows_english_labels_units_hints_and_choices(english_app, draft):
    html = _english_client(english_app, draft["user"]).get(f"/reports/{draft['report']}/edit").get_data(as_text=True)
    for text in ("Production and operations", "R&amp;D and innovation", "Operating revenue", "× 10k CNY",
                 "Employees at the end of the quarter", "persons", "Purchased electricity", "kWh",
                 "Required; amount for this quarter (not year-to-date); at least 0; not more than Operating revenue",
                 "Platform systems on the cloud", "Partial coverage", "Quality management system",
                 "Organisation and strategy", "Level 5", "Total energy use (this quarter)", "tce",
                 "Production and operations (whole section)"):
        assert text in html, text
    assert not _chinese_left(html), "".join(_chinese_left(html))


def test_validation_errors_and_warnings_in_english(english_app, draft):
    client = _english_client(english_app, draft["user"])
    response = client.post(f"/reports/{draft['report']}/submit", data=_bad_report())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in ("Operating revenue: Please enter a number.",
                 "R&amp;D personnel (500 persons) cannot be greater than Employees at the end of the quarter "
                 "(200 persons).",
                 "Please explain: Net profit (900 × 10k CNY) exceeds Total profit (800 × 10k CNY); "
                 "please check it and explain why.",
                 "Gross industrial output value (current prices) is 3000 × 10k CNY, up 200% on the same quarter "
                 "last year (Q3 2025, 1000 × 10k CNY)"):
        assert text in html, text
    assert not _chinese_left(html), "".join(_chinese_left(html))
    preview = client.post(f"/reports/{draft['report']}/preview", data=_bad_report("2")).get_json()
    assert preview["messages"]["revenue"] == [{"severity": "error", "text": "Please enter a number."}]
    assert not CJK.search(str(preview))


def test_chinese_request_after_an_english_one_is_unchanged(english_app, draft):
    """The form class is built once per process: its labels must follow each request's language."""
    _english_client(english_app, draft["user"]).get(f"/reports/{draft['report']}/edit")
    client = _chinese_client(english_app, draft["user"])
    html = client.get(f"/reports/{draft['report']}/edit").get_data(as_text=True)
    for text in ("生产经营", "营业收入", "万元", "必填；本季度发生额（非累计）；不小于 0；不超过营业收入", "平台系统上云",
                 "部分覆盖", "组织战略", "5 级", "综合能耗（本季度）", "吨标准煤"):
        assert text in html, text
    assert "Operating revenue" not in html and "10k CNY" not in html
    html = client.post(f"/reports/{draft['report']}/submit", data=_bad_report()).get_data(as_text=True)
    for text in ("营业收入：请输入数字。", "研发人员数（500 人）不能大于从业人员期末人数（200 人）。",
                 "请说明：净利润（900 万元）超过利润总额（800 万元），请核实并说明原因。",
                 "工业总产值（现价）为 3000 万元，较去年同期（2025年第3季度，1000 万元）增长 200%"):
        assert text in html, text


def test_review_pages_in_english(english_app, draft):
    _english_client(english_app, draft["user"]).post(f"/reports/{draft['report']}/edit", data=_bad_report())
    client = _english_client(english_app, draft["reviewer"])
    for url in (f"/review/reports/{draft['report']}", f"/review/board/{draft['period']}", "/review/queue?status=all"):
        html = client.get(url).get_data(as_text=True)
        assert not _chinese_left(html), f"{url}: {''.join(_chinese_left(html))}"
    html = client.get(f"/review/reports/{draft['report']}").get_data(as_text=True)
    for text in ("Towns and subdistricts (Town A)", "Equipment manufacturing", "Warnings and explanations (",
                 "Gross industrial output value (current prices) (× 10k CNY)", "Production and operations"):
        assert text in html, text
    board = client.get(f"/review/board/{draft['period']}").get_data(as_text=True)
    assert 'class="two-col board-tables"' in board and 'class="table-scroll"' in board


# --------------------------------------------------------------------------- services outside the web layer


def test_service_messages_follow_the_request_language_and_stay_chinese_elsewhere(english_app):
    from flask_babel import force_locale

    from portal.fields.uscc import uscc_problem
    from portal.reporting.validation import validate_report

    values = {"revenue": 100, "main_business_revenue": 120}
    with english_app.app_context():
        # No request (CLI, imports): Chinese, whatever the app's translations.
        assert uscc_problem("123") == "统一社会信用代码应为 18 位，当前为 3 位。"
        result = validate_report(values, profile={}, year=2026, quarter=3, history={}, for_submit=False)
        assert [i.message for i in result.errors] == ["主营业务收入（120 万元）不能大于营业收入（100 万元）。"]
    with english_app.test_request_context(), force_locale("en"):
        assert uscc_problem("123") == "The unified social credit code must have 18 characters; this one has 3."
        result = validate_report(values, profile={}, year=2026, quarter=3, history={}, for_submit=False)
        assert [i.message for i in result.errors] == [
            "Main business revenue (120 × 10k CNY) cannot be greater than Operating revenue (100 × 10k CNY)."]
