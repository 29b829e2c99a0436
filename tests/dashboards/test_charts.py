"""The SVG charts are well-formed XML, carry their labels and escape text."""

import math
import xml.etree.ElementTree as ET

import pandas as pd

from portal.dashboards import charts, indicators

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_progress_bars_show_labels_values_and_targets():
    svg = charts.progress_bars([
        {"label": "规上先进制造业工业总产值", "value": 1234.5, "target": 2000, "baseline": 606.24, "unit": "亿元"},
        {"label": "关键工序数控化率", "value": math.nan, "target": 40, "unit": "%"},
    ])
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "规划指标完成进度"
    labels = texts(root)
    assert "规上先进制造业工业总产值" in labels
    assert "1,234.5 / 2,000 亿元" in labels
    assert any(charts.NO_DATA in t for t in labels)  # missing value is not drawn as 0
    assert "script" not in svg and "href" not in svg


def test_progress_rows_from_indicator_table():
    reports = pd.DataFrame([{
        "enterprise_id": 1, "year": 2025, "quarter": 4, "cluster": "equipment", "park": "damiao",
        "is_above_scale": True, "key_processes_nc": 3, "key_processes_total": 10,
    }])
    table = indicators.indicator_table(reports, None, "2025Q4", codes=["nc_rate", "nc_rate_mean"])
    rows = charts.progress_rows(table)
    assert [r["label"] for r in rows] == ["高新区制造企业关键工序数控化率"]
    root = parse(charts.progress_bars(rows))
    assert "30 / 40 %" in texts(root)


def test_trend_chart_multiple_series_with_gap():
    svg = charts.trend_chart(
        ["2025Q1", "2025Q2", "2025Q3"],
        {"装备制造": [10.0, None, 12.5], "电子信息": [5.0, 6.0, 7.0]},
        title="研发投入强度趋势", unit="%",
    )
    root = parse(svg)
    labels = texts(root)
    for label in ("2025Q1", "2025Q3", "装备制造", "电子信息", "（%）"):
        assert label in labels
    # The gap splits 装备制造 into two single points: only 电子信息 draws a polyline.
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    assert len(list(root.iter(f"{SVG}circle"))) == 5


def test_grouped_bar_chart_labels_and_escaping():
    svg = charts.grouped_bar_chart(
        ["高新区中心城区", "高新区大庙组团", "镇街"],
        {"2024年": [1.0, 2.0, None], "2025年 <新> & \"口径\"": [1.5, 2.5, 0.5]},
        title="园区比较 <R&D>", unit="%",
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "园区比较 <R&D>"
    labels = texts(root)
    for label in ("高新区中心城区", "镇街", "2025年 <新> & \"口径\"", "2.5", charts.NO_DATA):
        assert label in labels
    assert len(list(root.iter(f"{SVG}rect"))) >= 5


def test_empty_charts_are_still_valid():
    parse(charts.trend_chart([], {}, title="无数据"))
    parse(charts.grouped_bar_chart([], {}, title="无数据"))
    parse(charts.progress_bars([], title="无数据"))


def test_number_format():
    assert charts.fmt(1234567.891) == "1,234,567.89"
    assert charts.fmt(2.0) == "2"
    assert charts.fmt(None) == charts.NO_DATA
