"""Dashboard tables as ``.xlsx`` workbooks (openpyxl): Chinese headers with units, a title row
naming the window and the generation time, the window and coverage in every sheet.

``workbook(sheets, ...)`` is pure (rows in, bytes out); ``build(view, ...)`` gathers a view's rows
from ``services`` (through the same cache as the pages) and returns (file name, bytes).
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import services
from .indicators import INDICATORS, PeriodSpec

VIEWS = ("indicators", "breakdown", "trends", "ranking", "land", "definitions", "position")
TITLE = _l("铜梁区先进制造业发展指标")
COVERAGE_NOTE = _l("覆盖率 = 数据完整的应报企业数 ÷ 统计期末应报企业数；缺报 = 应报企业中缺少所需数据的企业数。")


@dataclass(frozen=True)
class Column:
    header: object       # a (lazy) translated string
    key: str
    unit: object = ""
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
    if v is not None and not isinstance(v, (str, int, float, bool)):
        v = str(v)          # lazy translations and other printable values
    if col.kind in ("number", "percent", "int"):
        v = services._num(v)
        if v is None:
            return None
        if col.kind == "percent":
            return v * 100
        return int(v) if col.kind == "int" else v
    return "" if v is None else v


def workbook(sheets: Sequence[Sheet], *, period_label: str, generated_at: str, title: object = TITLE) -> bytes:
    """Row 1: title, window and generation time; row 2: window and coverage rule (plus notes);
    then a header row ("指标（单位）") and the data. Missing numbers are empty cells."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(str(sheet.name)[:31])
        ncols = max(len(sheet.columns), 1)
        ws.append([_("%(title)s（%(period)s） 生成时间：%(at)s", title=title, period=period_label, at=generated_at)])
        ws.append([_("统计期：%(period)s。", period=period_label) + str(COVERAGE_NOTE) + "".join(sheet.notes)])
        for r in (1, 2):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        ws["A1"].font = Font(bold=True, size=13)
        ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[2].height = 48
        headers = [f"{c.header}（{c.unit}）" if str(c.unit) else str(c.header) for c in sheet.columns]
        ws.append(headers)
        for cell in ws[3]:
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in sheet.rows:
            ws.append([_cell_value(row, c) for c in sheet.columns])
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":       # openpyxl reads "=..." text as a formula: keep it text
                    cell.data_type = "s"
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
    Column(_l("使用数据企业数"), "n_used", _l("家"), "int"),
    Column(_l("应报企业数"), "n_expected", _l("家"), "int"),
    Column(_l("缺报企业数"), "n_missing", _l("家"), "int"),
    Column(_l("覆盖率"), "coverage", "%", "percent"),
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
        Column(_l("分组"), "group_zh"), Column(_l("指标代码"), "code"), Column(_l("指标"), "zh"), Column(_l("单位"), "unit"),
        Column(_l("数值"), "value", kind="number"), Column(_l("2025年目标"), "target", kind="number"),
        Column(_l("2020年基期值"), "baseline", kind="number"), Column(_l("目标完成进度"), "progress", "%", "percent"),
        Column(_l("上年同期"), "value_prev_year", kind="number"), Column(_l("同比变化"), "change", kind="number"),
        Column(_l("同比变化率"), "change_pct", "%", "number"), Column(_l("变化说明"), "change_note"),
        *COVERAGE_COLUMNS, Column(_l("统计范围"), "population_zh"), Column(_l("暂定说明"), "provisional_note"),
        Column(_l("备注"), "note"),
    ]
    return Sheet(_("指标总览"), columns, _indicator_rows(spec))


def _breakdown_sheet(spec: PeriodSpec, by: str, code: str) -> Sheet:
    view = services.breakdown_view(spec, by, code)
    defn = view["defn"]
    columns = [
        Column(services.BREAKDOWN_LABELS[by], "group_zh"), Column(_l("指标"), "zh"),
        Column(_l("数值"), "value", defn.unit, "number"), Column(_l("上年同期"), "value_prev_year", defn.unit, "number"),
        Column(_l("同比变化"), "change", defn.unit, "number"), Column(_l("变化说明"), "change_note"), *COVERAGE_COLUMNS,
    ]
    return Sheet(_("按%(by)s", by=services.BREAKDOWN_LABELS[by]), columns, view["rows"])


def _trend_sheet(code: str) -> Sheet:
    view = services.trend_view(code)
    defn = view["defn"]
    columns = [Column(_l("季度"), "period"), Column(_l("指标"), "zh"), Column(_l("数值"), "value", defn.unit, "number"),
               *COVERAGE_COLUMNS]
    return Sheet(_("季度趋势"), columns, view["rows"])


def _ranking_sheet(spec: PeriodSpec, code: str) -> Sheet:
    table = services.ranking_table(spec, code)
    rows = services._records(table)
    names = services.queries.enterprise_names(r["enterprise_id"] for r in rows)
    for r in rows:
        r["name"] = names.get(int(r["enterprise_id"]), "")
        r["cluster_zh"] = services.indicators.CLUSTER_LABELS.get(r.get("cluster"), r.get("cluster") or "")
    defn = services.localized_def(INDICATORS[code])
    columns = [Column(_l("排名"), "rank", kind="int"), Column(_l("企业名称"), "name"), Column(_l("产业集群"), "cluster_zh"),
               Column(_l("园区"), "park"), Column(_l("镇街"), "town"), Column(_l("企业规模"), "size_class"),
               Column(defn.zh, "value", defn.unit, "number")]
    return Sheet(_("企业排名"), columns, rows,
                 notes=[_("指标：%(name)s（%(pop)s）；缺少数据的企业不参与排名。", name=defn.zh, pop=defn.population_zh)])


def _land_sheet(spec: PeriodSpec) -> Sheet:
    table = services.land_table(spec)
    rows = services._records(table)
    names = services.queries.enterprise_names(r["enterprise_id"] for r in rows)
    for r in rows:
        r["name"] = names.get(int(r["enterprise_id"]), "")
    labels = services.land.COMPONENT_LABELS
    columns = [Column(_l("排名"), "rank", kind="int"), Column(_l("分类"), "class"), Column(_l("企业名称"), "name"),
               Column(_l("综合得分"), "score", kind="number"), Column(_l("用地面积"), "land_area_mu", "亩", "number"),
               *(Column(labels[k][0], k, labels[k][1], "number") for k in labels),
               Column(_l("不可评原因"), "reason")]
    config = services.land.load_config()
    weights = "、".join(f"{labels[k][0]} {w:g}" for k, w in config.weights.items())
    return Sheet(_("亩均论英雄"), columns, rows,
                 notes=[_("权重（暂定）：%(w)s；分类按得分排名：A 前25%%，B 至70%%，C 至95%%，其余 D。", w=weights)])


def _definitions_sheet() -> Sheet:
    groups, _plan = services.definitions()
    rows = [{**r, "group_zh": g["zh"], "sources": "、".join(r["sources"])} for g in groups for r in g["rows"]]
    columns = [Column(_l("分组"), "group_zh"), Column(_l("指标代码"), "code"), Column(_l("指标"), "zh"), Column(_l("单位"), "unit"),
               Column(_l("计算公式"), "formula"), Column(_l("统计范围"), "population"), Column(_l("数据来源"), "sources"),
               Column(_l("方向"), "direction"), Column(_l("2025年目标"), "target", kind="number"),
               Column(_l("2020年基期值"), "baseline", kind="number"),
               Column(_l("暂定说明"), "provisional")]
    return Sheet(_("指标说明"), columns, rows)


def _position_sheet(enterprise_id: int, spec: PeriodSpec, code: str) -> Sheet:
    view = services.position_view(enterprise_id, spec, code)
    columns = [Column(_l("指标"), "zh"), Column(_l("单位"), "unit"), Column(_l("本企业数值"), "value", kind="number"),
               Column(_l("同集群有数据企业数"), "n_peers", _l("家"), "int"),
               Column(_l("集群内百分位"), "percentile", "%", "number"), Column(_l("集群中位数"), "peer_median", kind="number")]
    return Sheet(_("对标分析"), columns, view["rows"],
                 notes=[_("百分位 = 同集群有数据企业中本企业达到或超过的比例；少于5家时不显示百分位和中位数。")])


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
        raise ValueError(_("未知的导出内容。"))
    label = _("全部季度") if view in ("trends", "definitions") else services.period_label(spec)
    data = workbook(sheets, period_label=label, generated_at=generated_at)
    suffix = "all" if view in ("trends", "definitions") else spec.code
    return f"dashboards-{view}-{suffix}.xlsx", data
