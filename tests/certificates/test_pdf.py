"""Certificate and scorecard PDFs, read back with pypdf: text, embedded fonts, links, pages."""
import io
import threading
from dataclasses import replace
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from portal.certificates import fonts, signing
from portal.certificates.pdf import (
    PROVISIONAL_LEGEND,
    CertificateData,
    ScorecardData,
    cn_date_upper,
    fmt_number,
    render_certificate,
    render_scorecard,
)

KEY = b"test-key-for-certificates"
ENTERPRISE = "重庆铜梁龙腾智能装备制造有限公司"
USCC = "91500224MA5U8K3X2T"
SERIAL = "TL-ZNGC-2026-0007"
VERIFY_URL = "https://portal.example.cn/verify/TL-ZNGC-2026-0007"


def make_certificate(**changes) -> CertificateData:
    signed = {
        "serial": SERIAL, "enterprise_name": ENTERPRISE, "uscc": USCC, "recognition": "铜梁区智能工厂",
        "level": "二级", "score": 82.5, "issue_date": date(2026, 11, 29).isoformat(),
    }
    data = CertificateData(
        serial=SERIAL,
        enterprise_name=ENTERPRISE,
        uscc=USCC,
        recognition="铜梁区智能工厂",
        framework_name="铜梁区智能工厂评价",
        criteria_version="2025.1",
        score=82.5,
        max_score=100,
        level="二级",
        issue_date=date(2026, 11, 29),
        valid_until=date(2029, 11, 28),
        verify_url=VERIFY_URL,
        check_code=signing.check_code(signing.sign(signed, KEY)),
        period_label="2026年第三季度",
    )
    return replace(data, **changes)


def make_item(i: int, **changes) -> dict:
    item = {
        "code": f"I{i:02d}", "name": f"关键工序数控化率指标{i}", "value": 10.0 + i, "unit": "%",
        "band": "≥10% 且 <20%", "points": 2.0, "max_points": 5.0,
        "dimension": ["基础建设", "生产制造", "运营管理"][i % 3], "source": "[R-zct-gd]",
        "provisional": i == 1, "available": True, "note": None,
    }
    item.update(changes)
    return item


def make_framework(n_items: int = 6, **changes) -> dict:
    framework = {
        "framework": "smart_factory",
        "framework_name": "智能工厂评价",
        "criteria_version": "2025.1",
        "total": 82.5,
        "max_total": 100.0,
        "grade": "智能工厂",
        "passed": True,
        "provisional": True,
        "gates": [
            {"code": "G1", "name": "研发费用占营业收入比重", "passed": False, "value": 2.1, "required": "≥ 3%",
             "shortfall": 0.9, "unit": "%", "detail": "近一年", "source": "[R-2]", "provisional": True},
            {"code": "G2", "name": "近三年无重大安全事故", "passed": None, "value": None, "required": "无",
             "shortfall": None, "unit": None, "detail": None, "source": None, "provisional": False},
        ],
        "items": [make_item(i) for i in range(n_items)],
        "recommendations": [
            {"code": "I02", "text": "将关键工序数控化率提高到七成以上", "points_gain": 2.5, "target_value": 70,
             "current_value": 55, "unit": "%", "rank": 2},
            {"code": "G1", "text": "研发投入再增加四十五万元即可满足门槛", "points_gain": 4, "target_value": 3.0,
             "rank": 1, "clears_gate": True},
        ],
    }
    framework.update(changes)
    return framework


def make_scorecard(**changes) -> ScorecardData:
    data = ScorecardData(
        enterprise_name=ENTERPRISE,
        uscc=USCC,
        period_label="2026年第三季度",
        generated_at=datetime(2026, 11, 29, 9, 30),
        frameworks=[
            make_framework(),
            make_framework(framework="zjtx", framework_name="专精特新中小企业", provisional=False,
                           total=None, grade=None, passed=None, gates=[], recommendations=[]),
        ],
        peer_stats=[
            {"name": "营业收入", "unit": "万元", "value": 12850, "p25": 5200, "median": 9800, "p75": 18000},
            {"name": "亩均税收", "unit": "万元/亩", "value": None, "p25": 12, "median": 18, "p75": 25},
        ],
        trend=[
            {"period": "2026Q1", "values": {"营业收入": 11000, "研发费用占比": None}},
            {"period": "2026Q2", "values": {"营业收入": 12100, "研发费用占比": 2.0}},
            {"period": "2026Q3", "营业收入": 12850, "研发费用占比": 2.1},
        ],
        trend_units={"营业收入": "万元"},
        cluster_label="装备制造产业集群",
    )
    return replace(data, **changes)


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def compact(text: str) -> str:
    return "".join(text.split())


def font_descriptors(reader: PdfReader):
    """(font dict, descriptor or None) for every font used on every page, descendants included."""
    seen = set()
    for page in reader.pages:
        resources = page.get("/Resources")
        stack = [resources.get_object()] if resources is not None else []
        while stack:
            res = stack.pop()
            for font in (res.get("/Font") or {}).values():
                font = font.get_object()
                if id(font) in seen:
                    continue
                seen.add(id(font))
                fonts_here = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
                for f in fonts_here:
                    if f.get("/Subtype") == "/Type0":
                        continue
                    descriptor = f.get("/FontDescriptor")
                    yield f, descriptor.get_object() if descriptor is not None else None
            for xobject in (res.get("/XObject") or {}).values():
                xobject = xobject.get_object()
                if xobject.get("/Resources") is not None:
                    stack.append(xobject["/Resources"].get_object())


def assert_all_fonts_embedded(reader: PdfReader) -> None:
    found = list(font_descriptors(reader))
    assert found, "no fonts found"
    for font, descriptor in found:
        assert descriptor is not None, f"font {font.get('/BaseFont')} has no descriptor (not embedded)"
        assert "/FontFile2" in descriptor, f"font {font.get('/BaseFont')} is not an embedded TrueType"


def link_uris(reader: PdfReader) -> list[str]:
    uris = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if action is not None and action.get_object().get("/S") == "/URI":
                uris.append(str(action.get_object()["/URI"]))
    return uris


# --- fonts ----------------------------------------------------------------------------------


def test_bundled_font_is_preferred():
    assert fonts.BUNDLED_FONT.is_file()
    assert fonts.font_path() == fonts.BUNDLED_FONT


def test_font_registration_is_idempotent_and_thread_safe():
    names = []
    threads = [threading.Thread(target=lambda: names.append(fonts.register_fonts())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(names) == {fonts.FONT_NAME}
    assert fonts.register_fonts() == fonts.FONT_NAME


# --- certificate ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate_pdf() -> bytes:
    return render_certificate(make_certificate(provisional=True))


def test_certificate_is_one_a4_page(certificate_pdf):
    reader = read(certificate_pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_certificate_text_names_enterprise_serial_and_recognition(certificate_pdf):
    text = compact(text_of(read(certificate_pdf)))
    assert ENTERPRISE in text
    assert SERIAL in text
    assert USCC in text
    assert "铜梁区智能工厂认定证书" in text
    assert "重庆市铜梁区经济和信息化委员会" in text
    assert "二〇二六年十一月二十九日" in text
    assert "2029年11月28日" in text
    assert make_certificate().check_code in text


def test_certificate_marks_provisional_criteria(certificate_pdf):
    assert "暂行标准" in compact(text_of(read(certificate_pdf)))
    plain = compact(text_of(read(render_certificate(make_certificate(provisional=False)))))
    assert "暂行标准" not in plain


def test_certificate_embeds_the_cjk_font_and_no_other(certificate_pdf):
    assert_all_fonts_embedded(read(certificate_pdf))
    assert b"/FontFile2" in certificate_pdf


def test_certificate_links_to_the_verification_url(certificate_pdf):
    assert VERIFY_URL in link_uris(read(certificate_pdf))


def test_certificate_metadata_is_chinese(certificate_pdf):
    meta = read(certificate_pdf).metadata
    assert "认定证书" in meta.title
    assert ENTERPRISE in meta.title
    assert meta.author == "重庆市铜梁区经济和信息化委员会"
    assert SERIAL in meta.subject


def test_certificate_rendering_is_deterministic():
    assert render_certificate(make_certificate()) == render_certificate(make_certificate())


def test_certificate_handles_missing_score_level_and_expiry():
    data = make_certificate(score=None, max_score=None, level=None, valid_until=None, period_label=None,
                            recognition="铜梁区专精特新中小企业", title=None)
    reader = read(render_certificate(data))
    text = compact(text_of(reader))
    assert "铜梁区专精特新中小企业认定证书" in text
    assert "长期" in text
    assert "—" in text


def test_certificate_fits_a_very_long_name_on_one_page():
    long_name = "重庆市铜梁区高新技术产业开发区某某新材料科技股份有限公司第二分公司"
    reader = read(render_certificate(make_certificate(enterprise_name=long_name)))
    assert len(reader.pages) == 1
    assert long_name in compact(text_of(reader))


def test_certificate_escapes_markup_in_data():
    reader = read(render_certificate(make_certificate(enterprise_name="A&B<智能>制造有限公司")))
    assert "A&B<智能>制造有限公司" in compact(text_of(reader))


def test_chinese_upper_date():
    assert cn_date_upper(date(2026, 11, 29)) == "二〇二六年十一月二十九日"
    assert cn_date_upper(date(2030, 1, 10)) == "二〇三〇年一月十日"
    assert cn_date_upper(date(2027, 10, 20)) == "二〇二七年十月二十日"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "—"), (True, "是"), (False, "否"), (3.0, "3"), (3.14159, "3.14"), (12850, "12,850"),
     (0.5, "0.5"), ("L2", "L2"), (float("nan"), "—")],
)
def test_number_formatting(value, expected):
    assert fmt_number(value) == expected


# --- scorecard ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_scorecard_pdf() -> bytes:
    items = [make_item(i, note="按近三年平均值计算" if i % 7 == 0 else None) for i in range(60)]
    items[5] = make_item(5, value=None, band=None, available=False, points=0)
    return render_scorecard(make_scorecard(frameworks=[
        make_framework(items=items),
        make_framework(framework="zjtx", framework_name="专精特新中小企业", provisional=False),
    ]))


def test_scorecard_paginates_a_long_breakdown(long_scorecard_pdf):
    reader = read(long_scorecard_pdf)
    assert len(reader.pages) >= 5
    text = compact(text_of(reader))
    assert "关键工序数控化率指标0" in text
    assert "关键工序数控化率指标59" in text
    assert f"共{len(reader.pages)}页" in text


def test_scorecard_names_frameworks_and_enterprise(long_scorecard_pdf):
    text = compact(text_of(read(long_scorecard_pdf)))
    assert ENTERPRISE in text
    assert USCC in text
    assert "智能工厂评价" in text
    assert "专精特新中小企业" in text
    assert "2025.1" in text


def test_scorecard_has_the_provisional_legend(long_scorecard_pdf):
    text = compact(text_of(read(long_scorecard_pdf)))
    assert compact(PROVISIONAL_LEGEND)[:30] in text
    assert "※" in text


def test_scorecard_lists_recommendations_in_rank_order(long_scorecard_pdf):
    text = compact(text_of(read(long_scorecard_pdf)))
    first = text.index("研发投入再增加四十五万元即可满足门槛")
    second = text.index("将关键工序数控化率提高到七成以上")
    assert first < second
    assert "+4分" in text
    assert "+2.5分" in text


def test_scorecard_shows_gates_with_result_and_shortfall(long_scorecard_pdf):
    text = compact(text_of(read(long_scorecard_pdf)))
    assert "研发费用占营业收入比重" in text
    assert "不满足" in text
    assert "0.9%" in text
    assert "无法判定" in text


def test_scorecard_marks_unavailable_items(long_scorecard_pdf):
    assert "不适用" in compact(text_of(read(long_scorecard_pdf)))


def test_scorecard_shows_peer_and_trend_sections(long_scorecard_pdf):
    text = compact(text_of(read(long_scorecard_pdf)))
    assert "同群比较" in text
    assert "装备制造产业集群" in text
    assert "季度趋势" in text
    assert "2026Q3" in text


def test_scorecard_embeds_all_fonts(long_scorecard_pdf):
    assert_all_fonts_embedded(read(long_scorecard_pdf))


def test_scorecard_metadata_is_chinese(long_scorecard_pdf):
    meta = read(long_scorecard_pdf).metadata
    assert ENTERPRISE in meta.title
    assert meta.subject == "企业评价评分报告"
    assert meta.author == "重庆市铜梁区经济和信息化委员会"


def test_scorecard_prints_routes_and_notes():
    framework = make_framework(routes=["近三年获省级以上科技奖励"], notes=["2026 年仅有 3 个季度数据，流量指标已折算为全年"])
    text = compact(text_of(read(render_scorecard(make_scorecard(frameworks=[framework])))))
    assert "适用直通条件：近三年获省级以上科技奖励" in text
    assert "流量指标已折算为全年" in text


def test_scorecard_with_no_data_still_renders():
    pdf = render_scorecard(make_scorecard(frameworks=[], peer_stats=[], trend=[], cluster_label=None,
                                          generated_at="2026-11-29"))
    reader = read(pdf)
    text = compact(text_of(reader))
    assert "本评价期暂无评价结果" in text
    assert "暂无同群比较数据" in text
    assert "暂无历史季度数据" in text
    assert_all_fonts_embedded(reader)


def test_scorecard_handles_none_everywhere():
    framework = make_framework(
        total=None, grade=None, passed=None, criteria_version=None,
        items=[make_item(0, value=None, unit=None, band=None, points=None, max_points=None, dimension=None,
                         source=None, available=False)],
        recommendations=[{"code": "X", "text": "补充填报研发费用", "points_gain": None, "target_value": None,
                          "rank": 0}],
    )
    pdf = render_scorecard(make_scorecard(
        frameworks=[framework],
        peer_stats=[{"indicator": "营业收入", "unit": None, "value": None, "p25": None, "median": None,
                     "p75": None}],
        trend=[{"period": "2026Q3", "values": {"营业收入": None}}],
    ))
    text = compact(text_of(read(pdf)))
    assert "补充填报研发费用" in text
    assert "营业收入" in text


def test_scorecard_rendering_is_deterministic():
    assert render_scorecard(make_scorecard()) == render_scorecard(make_scorecard())


def test_numpy_scalars_format_like_python_numbers():
    np = pytest.importorskip("numpy")
    assert fmt_number(np.float64(12850.0)) == "12,850"
    assert fmt_number(np.int64(7)) == "7"
    assert fmt_number(np.bool_(True)) == "是"
    assert fmt_number(float("inf")) == "—"


def test_concurrent_renders_give_identical_bytes():
    from concurrent.futures import ThreadPoolExecutor

    # ReportLab's font subsetting shares one parser per font; unguarded, this raced (KeyError).
    expected = render_certificate(make_certificate())
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: render_certificate(make_certificate()), range(32)))
    assert all(result == expected for result in results)


def test_scorecard_outline_points_at_each_section(long_scorecard_pdf):
    reader = read(long_scorecard_pdf)
    entries = {compact(o.title): reader.get_destination_page_number(o) for o in reader.outline}
    assert entries["评价结果概览"] == 0
    assert entries["智能工厂评价※"] == 1
    assert entries["专精特新中小企业"] > entries["智能工厂评价※"] + 1
    assert entries["同群比较"] > entries["专精特新中小企业"]


def test_scorecard_splits_a_cell_taller_than_a_page():
    huge = "很长的说明文字，" * 350
    framework = make_framework(
        items=[make_item(0, note=huge)],
        recommendations=[{"code": "X", "text": huge + "结束标记", "points_gain": 1, "target_value": 1,
                          "rank": 1}],
    )
    reader = read(render_scorecard(make_scorecard(frameworks=[framework])))
    assert len(reader.pages) > 4
    assert "结束标记" in compact(text_of(reader))


def test_font_falls_back_to_the_system_copy(monkeypatch, tmp_path):
    system_copy = tmp_path / fonts.FONT_FILE
    system_copy.write_bytes(b"")
    monkeypatch.setattr(fonts, "BUNDLED_FONT", tmp_path / "missing.ttc")
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", (tmp_path / "also-missing.ttc", system_copy))
    assert fonts.font_path() == system_copy


def test_missing_font_is_reported_with_the_searched_paths(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "BUNDLED_FONT", tmp_path / "missing.ttc")
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", ())
    with pytest.raises(fonts.FontNotFoundError, match="missing.ttc"):
        fonts.font_path()
