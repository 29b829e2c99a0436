"""Certificate signing: canonical serialisation, HMAC signature and the printed check code."""
from datetime import date

import pytest

from portal.certificates import signing

KEY = b"test-signing-key-0123456789"

DATA = {
    "serial": "TLJX-2026-ZNGC-0007",
    "enterprise_name": "重庆铜梁龙腾智能装备有限公司",
    "uscc": "91500224MA5U8K3X2T",
    "recognition": "铜梁区智能工厂",
    "framework": "smart_factory",
    "level": "二级",
    "score": 82.5,
    "criteria_version": "2025.1",
    "provisional": False,
    "issue_date": date(2026, 11, 29),
    "valid_until": date(2029, 11, 28),
}


def _changed_variants():
    """Every signed field altered by one character (or flipped), one variant per field."""
    for key, value in DATA.items():
        if isinstance(value, bool):
            changed = not value
        elif isinstance(value, float):
            changed = value + 0.5
        elif isinstance(value, date):
            changed = value.replace(day=value.day - 1)
        else:
            last = value[-1]
            changed = value[:-1] + ("X" if last != "X" else "Y")
        yield pytest.param(key, changed, id=key)


def test_canonical_bytes_are_sorted_compact_utf8():
    raw = signing.canonical_bytes({"b": 1, "a": "铜梁", "c": date(2026, 1, 2)})
    assert raw == '{"a":"铜梁","b":1,"c":"2026-01-02"}'.encode()


def test_canonical_serialisation_is_independent_of_key_order():
    reordered = dict(reversed(list(DATA.items())))
    assert list(reordered) != list(DATA)
    assert signing.canonical_bytes(reordered) == signing.canonical_bytes(DATA)
    assert signing.sign(reordered, KEY) == signing.sign(DATA, KEY)


def test_nested_mappings_are_canonical_too():
    a = {"x": {"b": 2, "a": 1}}
    b = {"x": {"a": 1, "b": 2}}
    assert signing.canonical_bytes(a) == signing.canonical_bytes(b)


def test_signature_is_hmac_sha256_hex():
    signature = signing.sign(DATA, KEY)
    assert len(signature) == 64
    assert set(signature) <= set("0123456789abcdef")


def test_verify_passes_on_the_original_data():
    assert signing.verify(DATA, signing.sign(DATA, KEY), KEY)


def test_verify_ignores_hex_case():
    assert signing.verify(DATA, signing.sign(DATA, KEY).upper(), KEY)


@pytest.mark.parametrize(("field", "changed"), list(_changed_variants()))
def test_verify_fails_when_any_signed_field_changes(field, changed):
    signature = signing.sign(DATA, KEY)
    tampered = {**DATA, field: changed}
    assert not signing.verify(tampered, signature, KEY)


def test_verify_fails_on_a_single_changed_chinese_character():
    signature = signing.sign(DATA, KEY)
    tampered = {**DATA, "enterprise_name": DATA["enterprise_name"].replace("龙腾", "龙滕")}
    assert not signing.verify(tampered, signature, KEY)


def test_verify_fails_when_a_field_is_added_or_removed():
    signature = signing.sign(DATA, KEY)
    assert not signing.verify({**DATA, "extra": ""}, signature, KEY)
    assert not signing.verify({k: v for k, v in DATA.items() if k != "level"}, signature, KEY)


@pytest.mark.parametrize("position", [0, 31, 63])
def test_verify_fails_on_a_changed_signature_digit(position):
    signature = signing.sign(DATA, KEY)
    flipped = "0" if signature[position] != "0" else "1"
    bad = signature[:position] + flipped + signature[position + 1:]
    assert not signing.verify(DATA, bad, KEY)


@pytest.mark.parametrize("bad", ["", "abc", None, 12345, "g" * 64])
def test_verify_rejects_malformed_signatures(bad):
    assert not signing.verify(DATA, bad, KEY)


def test_verify_fails_under_another_key():
    assert not signing.verify(DATA, signing.sign(DATA, KEY), b"another-key")


def test_empty_key_is_refused():
    with pytest.raises(ValueError):
        signing.sign(DATA, b"")


def test_check_code_is_grouped_prefix_of_signature():
    signature = signing.sign(DATA, KEY)
    code = signing.check_code(signature)
    assert len(code) == 19
    assert code.replace("-", "") == signature[:16].upper()
    assert code.count("-") == 3


def test_check_code_verifies_and_detects_tampering():
    code = signing.check_code(signing.sign(DATA, KEY))
    assert signing.verify_check_code(DATA, code, KEY)
    assert signing.verify_check_code(DATA, code.lower().replace("-", " "), KEY)
    assert not signing.verify_check_code({**DATA, "level": "一级"}, code, KEY)


def test_check_code_rejects_non_hex():
    with pytest.raises(ValueError):
        signing.check_code("not-a-signature")


def _certificate():
    from portal.certificates.pdf import CertificateData

    return CertificateData(
        serial="TL-ZNGC-2026-0007", enterprise_name="重庆铜梁龙腾智能装备有限公司", uscc="91500224MA5U8K3X2T",
        recognition="铜梁区智能工厂", framework_name="智能工厂评价", criteria_version="2025.1", score=82.5,
        max_score=100.0, level="二级", issue_date=date(2026, 11, 29), valid_until=date(2029, 11, 28),
        verify_url="https://portal.example.cn/verify/TL-ZNGC-2026-0007", check_code="",
        provisional=True, period_label="2026年第三季度",
    )


def test_certificate_payload_covers_every_printed_fact_but_not_derived_ones():
    payload = _certificate().signed_payload()
    assert payload["issue_date"] == "2026-11-29"
    assert "verify_url" not in payload and "check_code" not in payload
    assert signing.verify(payload, signing.sign(payload, KEY), KEY)


@pytest.mark.parametrize("field", [
    "serial", "enterprise_name", "uscc", "recognition", "framework_name", "criteria_version", "score",
    "max_score", "level", "issue_date", "valid_until", "provisional", "issuer", "period_label",
])
def test_changing_any_signed_certificate_field_breaks_the_signature(field):
    from dataclasses import replace
    from datetime import timedelta

    cert = _certificate()
    signature = signing.sign(cert.signed_payload(), KEY)
    value = getattr(cert, field)
    if isinstance(value, bool):
        changed = not value
    elif isinstance(value, float):
        changed = value + 0.1
    elif isinstance(value, date):
        changed = value + timedelta(days=1)
    else:
        changed = value[:-1] + chr(ord(value[-1]) + 1)
    tampered = replace(cert, **{field: changed}).signed_payload()
    assert not signing.verify(tampered, signature, KEY)
