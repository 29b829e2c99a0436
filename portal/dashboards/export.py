"""Dashboard tables as ``.xlsx`` workbooks (openpyxl): Chinese headers with units, a title row
naming the window and the generation time, the window and coverage in every sheet.

``workbook(sheets, ...)`` is pure (rows in, bytes out); ``build(view, ...)`` gathers a view's rows
from ``services`` (through the same cache as the pages) and returns (file name, bytes).
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import services
from .indicators import INDICATORS, PeriodSpec

VIEWS = ("indicators", "breakdown", "trends", "ranking", "land", "definitions", "position")
TITLE = "铜梁区先进制造业发展指标"
COVERAGE_NOTE = "覆盖率 = 数据完整的应报企业数 ÷ 统计期末应报企业数；缺报 = 应报企业中缺少所需数据的企业数。"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    unit: str = ""
    kind: str = "text"   # text | number | percent (a 0-1 fraction shown as %) | int


@dataclass
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: Iterable[Mapping]
    notes: list[str] = field(default_factory=list)


_HEADER_FILL = PatternFill("solid", fgColor="EEF1F4")


def _cell_value(row: Mapping, col: Column):
    v = row.get(col.key)
    if isinstance(v, (list, tuple)):
        return "、".join(str(x) for x in v)
    if col.kind in ("number", "percent", "int"):
        v = services._num(v)
        if v is None:
            return None
        if col.kind == "percent":
            return v * 100
        return int(v) if col.kind == "int" else v
    return "" if v is None else v


def workbook(sheets: Sequence[Sheet], *, period_label: str, generated_at: str, title: str = TITLE) -> bytes:
    """Row 1: title, window and generation time; row 2: window and coverage rule (plus notes);
    then a header row ("指标（单位）") and the data. Missing numbers are empty cells."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        ncols = max(len(sheet.columns), 1)
        ws.append([f"{title}（{period_label}） 生成时间：{generated_at}"])
        ws.append([f"统计期：{period_label}。{COVERAGE_NOTE}" + "".join(sheet.notes)])
        for r in (1, 2):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        ws["A1"].font = Font(bold=True, size=13)
        ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[2].height = 48
        headers = [f"{c.header}（{c.unit}）" if c.unit else c.header for c in sheet.columns]
        ws.append(headers)
        for cell in ws[3]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in sheet.rows:
            ws.append([_cell_value(row, c) for c in sheet.columns])
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            width = 14 if col.kind != "text" else min(max(len(headers[i - 1]) * 2, 12), 48)
            ws.column_dimensions[letter].width = width
            if col.kind in ("number", "percent"):
                for cell in ws[letter][3:]:
                    cell.number_format = "#,##0.00"
        ws.freeze_panes = "A4"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


COVERAGE_COLUMNS = (
    Column("使用数据企业数", "n_used", "家", "int"),
    Column("应报企业数", "n_expected", "家", "int"),
    Column("缺报企业数", "n_missing", "家", "int"),
    Column("覆盖率", "coverage", "%", "percent"),
)


def _indicator_rows(spec: PeriodSpec) -> list[dict]:
    view = services.overview(spec)
    out = []
    for group in view["groups"]:
        for r in group["rows"]:
            out.append({**r, "group_zh": group["zh"]})
    return out


def _indicators_sheet(spec: PeriodSpec) -> Sheet:
    columns = [
        Column("分组", "group_zh"), Column("指标代码", "code"), Column("指标", "zh"), Column("单位", "unit"),
        Column("数值", "value", kind="number"), Column("2025年目标", "target", kind="number"),
        Column("2020年基期值", "baseline", kind="number"), Column("目标完成进度", "progress", "%", "percent"),
        Column("上年同期", "value_prev_year", kind="number"), Column("同比变化", "change", kind="number"),
        Column("同比变化率", "change_pct", "%", "number"), Column("变化说明", "change_note"),
        *COVERAGE_COLUMNS, Column("统计范围", "population_zh"), Column("暂定说明", "provisional_note"),
        Column("备注", "note"),
    ]
    return Sheet("指标总览", columns, _indicator_rows(spec))


def _breakdown_sheet(spec: PeriodSpec, by: str, code: str) -> Sheet:
    view = services.breakdown_view(spec, by, code)
    defn = view["defn"]
    columns = [
        Column(services.BREAKDOWN_LABELS[by], "group_zh"), Column("指标", "zh"),
        Column("数值", "value", defn.unit, "number"), Column("上年同期", "value_prev_year", defn.unit, "number"),
        Column("同比变化", "change", defn.unit, "number"), Column("变化说明", "change_note"), *COVERAGE_COLUMNS,
    ]
    return Sheet(f"按{services.BREAKDOWN_LABELS[by]}", columns, view["rows"])


def _trend_sheet(code: str) -> Sheet:
    view = services.trend_view(code)
    defn = view["defn"]
    columns = [Column("季度", "period"), Column("指标", "zh"), Column("数值", "value", defn.unit, "number"),
               *COVERAGE_COLUMNS]
    return Sheet("季度趋势", columns, view["rows"])


def _ranking_sheet(spec: PeriodSpec, code: str) -> Sheet:
    table = services.ranking_table(spec, code)
    rows = services._records(table)
    names = services.queries.enterprise_names(r["enterprise_id"] for r in rows)
    for r in rows:
        r["name"] = names.get(int(r["enterprise_id"]), "")
        r["cluster_zh"] = services.indicators.CLUSTER_LABELS.get(r.get("cluster"), r.get("cluster") or "")
    defn = INDICATORS[code]
    columns = [Column("排名", "rank", kind="int"), Column("企业名称", "name"), Column("产业集群", "cluster_zh"),
               Column("园区", "park"), Column("镇街", "town"), Column("企业规模", "size_class"),
               Column(defn.zh, "value", defn.unit, "number")]
    return Sheet("企业排名", columns, rows, notes=[f"指标：{defn.zh}（{defn.population_zh}）；缺少数据的企业不参与排名。"])


def _land_sheet(spec: PeriodSpec) -> Sheet:
    table = services.land_table(spec)
    rows = services._records(table)
    names = services.queries.enterprise_names(r["enterprise_id"] for r in rows)
    for r in rows:
        r["name"] = names.get(int(r["enterprise_id"]), "")
    labels = services.land.COMPONENT_LABELS
    columns = [Column("排名", "rank", kind="int"), Column("分类", "class"), Column("企业名称", "name"),
               Column("综合得分", "score", kind="number"), Column("用地面积", "land_area_mu", "亩", "number"),
               *(Column(labels[k][0], k, labels[k][1], "number") for k in labels),
               Column("不可评原因", "reason")]
    config = services.land.load_config()
    weights = "、".join(f"{labels[k][0]} {w:g}" for k, w in config.weights.items())
    return Sheet("亩均论英雄", columns, rows,
                 notes=[f"权重（暂定）：{weights}；分类按得分排名：A 前25%，B 至70%，C 至95%，其余 D。"])


def _definitions_sheet() -> Sheet:
    groups, _ = services.definitions()
    rows = [{**r, "group_zh": g["zh"], "sources": "、".join(r["sources"])} for g in groups for r in g["rows"]]
    columns = [Column("分组", "group_zh"), Column("指标代码", "code"), Column("指标", "zh"), Column("单位", "unit"),
               Column("计算公式", "formula"), Column("统计范围", "population"), Column("数据来源", "sources"),
               Column("方向", "direction"), Column("2025年目标", "target", kind="number"),
               Column("2020年基期值", "baseline", kind="number"), Column("目标说明", "target_note"),
               Column("暂定说明", "provisional")]
    return Sheet("指标说明", columns, rows)


def _position_sheet(enterprise_id: int, spec: PeriodSpec, code: str) -> Sheet:
    view = services.position_view(enterprise_id, spec, code)
    columns = [Column("指标", "zh"), Column("单位", "unit"), Column("本企业数值", "value", kind="number"),
               Column("同集群有数据企业数", "n_peers", "家", "int"),
               Column("集群内百分位", "percentile", "%", "number"), Column("集群中位数", "peer_median", kind="number")]
    return Sheet("对标分析", columns, view["rows"],
                 notes=["百分位 = 同集群有数据企业中本企业达到或超过的比例；少于5家时不显示百分位和中位数。"])


def build(view: str, spec: PeriodSpec, *, generated_at: str, by: str = "cluster", code: str = "advanced_mfg_output",
          enterprise_id: int | None = None) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of one dashboard view. Raises ValueError for an unknown view."""
    if view == "indicators":
        sheets = [_indicators_sheet(spec)]
    elif view == "breakdown":
        sheets = [_breakdown_sheet(spec, by, code)]
    elif view == "trends":
        sheets = [_trend_sheet(code)]
    elif view == "ranking":
        sheets = [_ranking_sheet(spec, code)]
    elif view == "land":
        sheets = [_land_sheet(spec)]
    elif view == "definitions":
        sheets = [_definitions_sheet()]
    elif view == "position" and enterprise_id is not None:
        sheets = [_position_sheet(enterprise_id, spec, code)]
    else:
        raise ValueError("未知的导出内容。")
    label = "全部季度" if view in ("trends", "definitions") else spec.label
    data = workbook(sheets, period_label=label, generated_at=generated_at)
    suffix = "all" if view in ("trends", "definitions") else spec.code
    return f"dashboards-{view}-{suffix}.xlsx", data
