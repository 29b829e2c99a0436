"""Dashboard views as plain data: the routes call these, these call ``queries`` (the database)
and the pure modules (``indicators``, ``land``, ``charts``) through the version-keyed cache.

Every function takes the window as a ``PeriodSpec`` and returns dicts/lists/DataFrames ready
for a template or an export; none of them reads ``request`` or the current user (the routes
pass the enterprise id of an enterprise user explicitly).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from flask import g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.fields import registry
from portal.pagination import Page

from . import charts, english, indicators, land, queries
from .cache import current_cache
from .indicators import INDICATORS, PeriodSpec
from .targets import load_plan, load_targets

LOW_COVERAGE = 0.8  # below this share of expected enterprises a value is highlighted

#: The overview's three groups, in display order; every indicator is in exactly one.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("plan", _l("规划指标"), (
        "advanced_mfg_output", "equipment_output", "electronics_output", "health_output", "rd_intensity",
        "high_tech_output_share", "large_enterprises", "rd_platforms", "industrial_investment",
        "sts_enterprises", "nc_rate", "nc_rate_mean", "digital_workshops_smart_factories",
    )),
    ("integration", _l("两化融合"), (
        "design_tool_penetration", "cloud_rate", "nc_rate_district", "digital_equipment_share",
        "networked_equipment_share", "industrial_internet_share",
        *(f"system_{key}_share" for key in indicators.SYSTEM_KEYS),
    )),
    ("green", _l("绿色制造"), (
        "water_reuse_rate", "solid_waste_utilisation_rate", "energy_intensity", "co2_intensity",
        "green_factories", "iso50001_share", "iso14001_share",
    )),
)
GROUP_OF = {code: key for key, _, codes in GROUPS for code in codes}

#: Indicators whose formula rests on provisional coefficients, and why.
PROVISIONAL = {
    "energy_intensity": _l("除电力、天然气外，其他能源的折标准煤系数为暂定值（GB/T 2589-2020 表列值待确认）"),
    "co2_intensity": _l("电网及燃料排放因子为暂定值（默认2022年全国电网平均因子）"),
}
#: Indicators that count recognitions taken from scorecard snapshots, by snapshot family.
RECOGNITION_INDICATORS = {
    "digital_workshops_smart_factories": "smart", "green_factories": "green", "sts_enterprises": "sts",
}
BREAKDOWN_LABELS = {
    "cluster": _l("产业集群"), "sub_direction": _l("重点发展方向"), "park": _l("园区"), "town": _l("镇街"),
    "size_class": _l("企业规模"),
}


# ---------------------------------------------------------------------------------------------
# Data and cache
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    """What every view needs, read once per data version: cheap, no report rows."""

    version: tuple
    basis: Mapping[str, str | None]     # recognition family -> "confirmed" | "pending" | None
    quarters: tuple[tuple[int, int], ...]  # (year, quarter) with approved data, ascending


@dataclass(frozen=True)
class Frames:
    """The input frames of the pure modules: ``reports`` (per-quarter rows, or pre-summed windows
    from ``queries.load_windows``) and ``expected``."""

    reports: pd.DataFrame
    expected: pd.DataFrame


def data_version() -> tuple:
    """The data version, read once per request (one SQL statement) and kept in ``g``."""
    if "dashboards_version" not in g:
        g.dashboards_version = queries.data_version()
    return g.dashboards_version


def load_data() -> Data:
    """The version, the recognition basis and the quarters with approved data (two small queries)."""
    version = data_version()

    def build() -> Data:
        return Data(version, queries.recognition_basis(), queries.approved_quarters())

    return current_cache().tables.get_or_compute((version, "data"), build)


def window_data(spec: PeriodSpec) -> Frames:
    """The frames of one window and the same window last year, summed per enterprise by the
    database (``queries.load_windows``): what the overview, breakdown, ranking, land table and
    API read. Cached per (version, window)."""
    version = data_version()

    def build() -> Frames:
        windows = (spec, spec.previous_year())
        enterprises = queries.load_enterprises()
        return Frames(queries.load_windows(spec, enterprises),
                      queries.load_expected([(s.year, s.quarter) for s in windows], enterprises))

    return current_cache().frames.get_or_compute((version, "window", spec.code), build)


def quarter_table(code: str, quarters: Iterable[tuple[int, int]]) -> pd.DataFrame:
    """``indicators.trend`` of ``code`` over these quarters, read one quarter's aggregates at a
    time (memory stays that of one window at any scale)."""
    enterprises = queries.load_enterprises()
    expected = queries.load_expected(None, enterprises)
    parts = [indicators.trend(queries.load_window_rows([PeriodSpec.of_quarter(y, q)], enterprises), expected, code)
             for y, q in quarters]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else indicators.trend(
        queries.load_window_rows([], enterprises), expected, code)


def cached(view: str, key: Hashable, compute: Callable[[Data], object]) -> object:
    """``compute(data)`` once per (data version, view, key, locale) in this process (the locale
    because computed views hold translated labels)."""
    data = load_data()
    locale = str(get_locale() or "")
    return current_cache().tables.get_or_compute((data.version, view, key, locale), lambda: compute(data))


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice:
    code: str
    label: str
    kind: str


def period_choices(quarters: Iterable[tuple[int, int]]) -> list[PeriodChoice]:
    """Windows with approved data, newest first: each quarter, each year-to-date, each full year."""
    quarters = sorted(set(quarters), reverse=True)
    out: list[PeriodChoice] = []
    for year, quarter in quarters:
        out.append(_choice(PeriodSpec.of_quarter(year, quarter)))
    for year, quarter in quarters:
        if quarter > 1:
            spec = PeriodSpec.full_year(year) if quarter == 4 else PeriodSpec.ytd(year, quarter)
            out.append(_choice(spec))
    return out


def _choice(spec: PeriodSpec) -> PeriodChoice:
    return PeriodChoice(spec.code, period_label(spec), spec.kind if not spec.is_full_year else "year")


def default_period(quarters: Iterable[tuple[int, int]]) -> PeriodSpec | None:
    """The latest quarter with approved data (None when nothing is approved yet)."""
    quarters = sorted(set(quarters))
    return PeriodSpec.of_quarter(*quarters[-1]) if quarters else None


class PeriodError(ValueError):
    """An unreadable period in a request; the message is Chinese."""


def parse_period(text: str | None, quarters: Iterable[tuple[int, int]]) -> PeriodSpec | None:
    """The requested window, or the default one when none is asked for.

    Raises ``PeriodError`` for text that is not a window (the route shows the message and the
    default window instead).
    """
    if not text:
        return default_period(quarters)
    try:
        spec = PeriodSpec.parse(text)
    except (ValueError, TypeError):
        raise PeriodError(_("无法识别的统计期，请从列表中选择（如 2025Q3、2025YTD3 或 2025）。")) from None
    if not 2000 <= spec.year <= 2100:
        raise PeriodError(_("统计期年份超出范围，请从列表中选择。"))
    return spec


def resolve_period(text: str | None) -> tuple[PeriodSpec | None, str | None, list[PeriodChoice]]:
    """(window, error message or None, choices) for a request's ``period`` argument."""
    data = load_data()
    choices = period_choices(data.quarters)
    try:
        return parse_period(text, data.quarters), None, choices
    except PeriodError as exc:
        return default_period(data.quarters), str(exc), choices


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _num(v) -> float | None:
    """A JSON-safe number: NaN/None/inf -> None."""
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _jsonable(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return _num(v)
    return None if v is None else str(v)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN turned into None (templates and JSON read None as missing)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict("records")


def provisional_note(code: str, basis: Mapping[str, str | None]) -> str:
    notes = []
    if code in PROVISIONAL:
        notes.append(str(PROVISIONAL[code]))
    family = RECOGNITION_INDICATORS.get(code)
    if family and basis.get(family) != "confirmed":
        notes.append(_("认定结果取自尚未经审核确认的评价快照"))
    return "；".join(notes)


def _english() -> bool:
    return str(get_locale() or "").startswith("en")


def period_label(spec: PeriodSpec) -> str:
    """The window in the reader's language: 2025年第3季度 / Q3 2025, 2025年1-3季度, 2025年."""
    if spec.kind == "quarter":
        return _("%(year)s年第%(quarter)s季度", year=spec.year, quarter=spec.quarter)
    if spec.is_full_year:
        return _("%(year)s年（全年）", year=spec.year)
    return _("%(year)s年1-%(quarter)s季度", year=spec.year, quarter=spec.quarter)


def localized_def(defn: indicators.IndicatorDef) -> indicators.IndicatorDef:
    """The definition with its name, unit and population in the reader's language."""
    if not _english():
        return defn
    return replace(defn, zh=english.NAMES.get(defn.code, defn.zh), unit=english.unit(defn.unit),
                   population_zh=english.population(defn.population_zh))


def _change_note(row: dict) -> str:
    """``indicators._change_note`` in the reader's language, from the same facts."""
    state, pct, better = indicators.change_facts(row.get("direction", "up"), _value(row.get("value")),
                                                  _value(row.get("value_prev_year")))
    if state == "none":
        return _("无上年同期可比数据")
    if state == "zero":
        return _("上年同期为0")
    texts = {
        ("flat", None): _("较上年同期持平"),
        ("up", True): _("较上年同期上升%(pct)s%%，向好", pct=f"{abs(pct):.1f}"),
        ("up", False): _("较上年同期上升%(pct)s%%，需关注", pct=f"{abs(pct):.1f}"),
        ("down", True): _("较上年同期下降%(pct)s%%，向好", pct=f"{abs(pct):.1f}"),
        ("down", False): _("较上年同期下降%(pct)s%%，需关注", pct=f"{abs(pct):.1f}"),
    }
    note = texts[(state, better)]
    return _("数值越低越好；%(note)s", note=note) if row.get("direction") == "down" else note


def _notes(row: dict) -> str:
    """The row's notes (annualised progress, annualised revenue test) in the reader's language,
    from the facts the Chinese notes are worded from (``indicators.note_facts``)."""
    texts = {
        "annualised": lambda n: _("非全年数据，按年化值 %(value)s 计算进度", value=f"{n:.2f}"),
        "annualised_revenue": lambda n: _("非全年数据，按年化营业收入（× 4 ÷ 季度数）判断"),
    }
    facts = indicators.note_facts(row["code"], PeriodSpec.parse(row["period"]), _value(row.get("value")))
    return "; ".join(str(texts[kind](number)) for kind, number in facts)   # only used on English pages


def _value(v) -> float:
    return np.nan if v is None else float(v)


def _localize(row: dict) -> dict:
    """An indicator row's name, unit, population, notes and window in the reader's language."""
    if _english():
        if "change_note" in row and "value_prev_year" in row:
            row["change_note"] = _change_note(row)
        if row.get("note") and row.get("code") in INDICATORS and row.get("period"):
            row["note"] = _notes(row)
        if "zh" in row and row.get("code") in english.NAMES:
            row["zh"] = english.NAMES[row["code"]]
        if isinstance(row.get("unit"), str):
            row["unit"] = english.unit(row["unit"])
        if isinstance(row.get("population_zh"), str):
            row["population_zh"] = english.population(row["population_zh"])
    if row.get("period") and "period_zh" in row:
        try:
            row["period_zh"] = period_label(PeriodSpec.parse(row["period"]))
        except ValueError:
            pass
    return row


def _field_name(spec) -> str:
    """A data-dictionary field's name in the reader's language."""
    return (getattr(spec, "en", None) or spec.zh) if _english() else spec.zh


def _localized_table(table: pd.DataFrame) -> pd.DataFrame:
    if not _english() or table.empty:
        return table
    table = table.copy()
    table["zh"] = [english.NAMES.get(c, z) for c, z in zip(table["code"], table["zh"], strict=True)]
    table["unit"] = [english.unit(u) for u in table["unit"]]
    return table


def _decorate(row: dict, basis: Mapping[str, str | None]) -> dict:
    _localize(row)
    coverage = row.get("coverage")
    row["low_coverage"] = coverage is not None and coverage < LOW_COVERAGE
    row["provisional_note"] = provisional_note(row["code"], basis)
    return row


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


def indicator_table(spec: PeriodSpec) -> pd.DataFrame:
    """The whole indicator set for the window (cached)."""
    def compute(data: Data) -> pd.DataFrame:
        frames = window_data(spec)
        return indicators.indicator_table(frames.reports, frames.expected, spec)
    return cached("table", spec.code, compute)


def overview(spec: PeriodSpec) -> dict:
    """Grouped indicator rows, the plan progress chart and the coverage summary."""
    def compute(data: Data) -> dict:
        table = indicator_table(spec)
        rows = {r["code"]: _decorate(r, data.basis) for r in _records(table)}
        groups = [
            {"key": key, "zh": zh, "rows": [rows[c] for c in codes if c in rows]} for key, zh, codes in GROUPS
        ]
        plan_rows = charts.progress_rows(_localized_table(table))
        svg = charts.progress_bars(plan_rows, title=_("规划指标完成情况（%(period)s）", period=period_label(spec))) \
            if plan_rows else ""
        frames = window_data(spec)
        expected = indicators.expected_for(frames.expected, spec)
        n_expected = 0 if expected is None else len(expected)
        return {
            "groups": groups,
            "progress_svg": svg,
            "n_expected": n_expected,
            "n_reporting": len(indicators.select_period(frames.reports, spec)),
            "n_low": sum(1 for r in rows.values() if r["low_coverage"]),
        }
    return cached("overview", spec.code, compute)


def indicator_options() -> list[tuple[str, str, str]]:
    """(code, Chinese name, group name) of every indicator, grouped as on the overview."""
    return [(code, localized_def(INDICATORS[code]).zh, zh) for _, zh, codes in GROUPS for code in codes]


def check_indicator(code: str | None, default: str = "advanced_mfg_output", enterprise_level: bool = False) -> str:
    """A known indicator code (``default`` for none); raises ``PeriodError``-like ValueError."""
    if not code:
        return default
    defn = INDICATORS.get(code)
    if defn is None or (enterprise_level and not defn.enterprise_level):
        raise ValueError(_("未知的指标，请从列表中选择。"))
    return code


def breakdown_view(spec: PeriodSpec, by: str, code: str) -> dict:
    if by not in indicators.BREAKDOWN_KEYS:
        raise ValueError(_("未知的分组方式，请从列表中选择。"))

    def compute(data: Data) -> dict:
        frames = window_data(spec)
        table = indicators.breakdown(frames.reports, frames.expected, spec, by=by, codes=[code])
        rows = [_decorate(r, data.basis) for r in _records(table)]
        if _english() and by in ("cluster", "park"):
            labels = getattr(registry().field(by), "labels_en", None) or {}
            for r in rows:
                r["group_zh"] = labels.get(r["group"], r["group_zh"])
        defn = localized_def(INDICATORS[code])
        prev_label = period_label(spec.previous_year())
        svg = charts.grouped_bar_chart(
            [r["group_zh"] for r in rows],
            {period_label(spec): [r["value"] for r in rows], prev_label: [r["value_prev_year"] for r in rows]},
            title=_("%(name)s：按%(by)s", name=defn.zh, by=BREAKDOWN_LABELS[by]), unit=defn.unit,
        ) if rows else ""
        return {"rows": rows, "svg": svg, "defn": defn, "prev_label": prev_label}
    return cached("breakdown", (spec.code, by, code), compute)


def trend_view(code: str) -> dict:
    def compute(data: Data) -> dict:
        table = quarter_table(code, data.quarters)
        rows = [_decorate(r, data.basis) for r in _records(table)]
        defn = localized_def(INDICATORS[code])
        target = load_targets().get(code)
        svg = charts.trend_chart([r["period"] for r in rows], {defn.zh: [r["value"] for r in rows]},
                                 title=_("%(name)s（按季度）", name=defn.zh), unit=defn.unit) if rows else ""
        return {"rows": rows, "svg": svg, "defn": defn, "target": target}
    return cached("trend", code, compute)


def paginate(frame: pd.DataFrame, page: int, per_page: int) -> Page:
    total = len(frame)
    pages = max(math.ceil(total / per_page), 1)
    page = min(max(int(page), 1), pages)
    chunk = frame.iloc[(page - 1) * per_page: page * per_page]
    return Page(_records(chunk), page, per_page, total)


def _report_ids(reports: pd.DataFrame, spec: PeriodSpec) -> pd.Series:
    """Each enterprise's latest approved report in the window (its report page)."""
    return indicators.select_period(reports, spec)["report_id"]


def ranking_table(spec: PeriodSpec, code: str) -> pd.DataFrame:
    def compute(data: Data) -> pd.DataFrame:
        reports = window_data(spec).reports
        table = indicators.ranking(reports, spec, code)
        table["report_id"] = table["enterprise_id"].map(_report_ids(reports, spec))
        return table
    return cached("ranking", (spec.code, code), compute)


def ranking_page(spec: PeriodSpec, code: str, page: int, per_page: int) -> Page:
    """One page of the ranking with enterprise names (commission only)."""
    result = paginate(ranking_table(spec, code), page, per_page)
    names = queries.enterprise_names(r["enterprise_id"] for r in result.items)
    for r in result.items:
        r["name"] = names.get(int(r["enterprise_id"]), "")
    return result


def land_table(spec: PeriodSpec) -> pd.DataFrame:
    def compute(data: Data) -> pd.DataFrame:
        reports = window_data(spec).reports
        table = land.land_efficiency(reports, spec)
        table["report_id"] = table["enterprise_id"].map(_report_ids(reports, spec))
        return table
    return cached("land", spec.code, compute)


def land_view(spec: PeriodSpec, page: int, per_page: int) -> dict:
    config = land.load_config()
    table = land_table(spec)
    summary = land.class_summary(table, config)
    result = paginate(table, page, per_page)
    names = queries.enterprise_names(r["enterprise_id"] for r in result.items)
    for r in result.items:
        r["name"] = names.get(int(r["enterprise_id"]), "")
    total_weight = sum(config.weights.values())
    weights = [
        {"key": k, "zh": land.COMPONENT_LABELS[k][0], "unit": land.COMPONENT_LABELS[k][1], "weight": w,
         "share": w / total_weight * 100}
        for k, w in config.weights.items()
    ]
    counts = summary.set_index("class")["n"]
    svg = charts.grouped_bar_chart([str(c) for c in counts.index], {_("企业数"): [int(n) for n in counts]},
                                   title=_("亩均效益分类（%(period)s）", period=period_label(spec)), unit=_("家"))
    return {"page": result, "summary": _records(summary), "weights": weights, "config": config, "svg": svg,
            "components": land.COMPONENT_LABELS}


def definitions() -> tuple[list[dict], object]:
    """Every indicator's formula, unit, population, inputs, target and baseline, by group, and the
    plan they come from (rendered from ``INDICATORS`` and the targets file, never a copy)."""
    reg = registry()
    targets = load_targets()
    plan = load_plan()
    recog = {"smart_factory": _("智能工厂认定（评价快照）"), "green_factory": _("绿色工厂认定（评价快照）"),
             "sts": _("专精特新认定（评价快照）"), "high_tech_cert_until": _("高新技术企业证书有效期（企业档案）")}
    out = []
    for key, zh, codes in GROUPS:
        rows = []
        for code in codes:
            defn = localized_def(INDICATORS[code])
            target = targets.get(code)
            sources = []
            for name in defn.inputs:
                spec = reg.get(name)
                label = recog.get(name) or (_field_name(spec) if spec else name)
                if name in defn.optional:
                    label += _("（选填，空视为无）")
                sources.append(label)
            rows.append({
                "code": code, "zh": defn.zh, "unit": defn.unit, "formula": defn.formula_zh,
                "population": defn.population_zh, "sources": sources,
                "direction": _("数值越低越好") if defn.direction == "down" else _("数值越高越好"),
                "target": target.target if target else None, "baseline": target.baseline if target else None,
                "flow": defn.flow,
                "provisional": PROVISIONAL.get(code, ""),
                "recognition": code in RECOGNITION_INDICATORS,
            })
        out.append({"key": key, "zh": zh, "rows": rows})
    return out, plan


def energy_coefficients() -> list[dict]:
    reg = registry()
    return [
        {"key": k, "zh": _field_name(reg.field(k)), "unit": reg.field(k).unit_label, "kgce": v,
         "tco2": indicators.TCO2_PER_UNIT.get(k), "confirmed": k in indicators.ENERGY_REQUIRED}
        for k, v in indicators.KGCE_PER_UNIT.items()
    ]


def position_view(enterprise_id: int, spec: PeriodSpec, code: str) -> dict:
    """The enterprise's own values, its cluster percentile and its own trend (no other identity)."""
    def compute(data: Data) -> dict:
        table = indicators.enterprise_position(window_data(spec).reports, enterprise_id, spec)
        own = queries.load_reports(enterprise_id=enterprise_id)
        trend_rows = own_trend(own, code)
        defn = localized_def(INDICATORS[code])
        svg = charts.trend_chart([r["period"] for r in trend_rows], {_("本企业"): [r["value"] for r in trend_rows]},
                                 title=_("%(name)s（本企业，按季度）", name=defn.zh), unit=defn.unit) if trend_rows else ""
        cluster = own["cluster"].iloc[-1] if len(own) else None
        return {"rows": [_localize(r) for r in _records(table)], "trend": trend_rows, "svg": svg, "defn": defn,
                "cluster_zh": indicators.CLUSTER_LABELS.get(cluster, cluster or ""),
                "has_data": bool(len(own))}
    return cached("position", (enterprise_id, spec.code, code), compute)


def own_trend(own: pd.DataFrame, code: str) -> list[dict]:
    """One enterprise's value of ``code`` in each quarter it has an approved report."""
    defn = INDICATORS[code]
    rows = []
    for year, quarter in sorted({(int(y), int(q)) for y, q in own[["year", "quarter"]].itertuples(index=False)}):
        spec = PeriodSpec.of_quarter(year, quarter)
        d = indicators.derive(indicators.select_period(own, spec), spec)
        values = indicators.enterprise_values(d.loc[defn.population(d)], defn)
        value = float(values.iloc[0]) if len(values) else np.nan
        rows.append({"period": spec.code, "period_zh": period_label(spec), "value": _num(value)})
    return rows


def position_options() -> list[tuple[str, str]]:
    return [(c, localized_def(d).zh) for c, d in INDICATORS.items() if d.enterprise_level]


def api_payload(spec: PeriodSpec, generated_at: str) -> dict:
    """The indicator set for other government systems (JSON-safe: missing numbers are null)."""
    data = load_data()
    table = indicator_table(spec)
    fields = ("code", "zh", "unit", "value", "target", "baseline", "progress", "value_prev_year", "change",
              "change_pct", "n_used", "n_reporting", "n_expected", "n_missing", "coverage", "direction", "in_plan",
              "population_zh", "note")
    items = []
    for r in _records(table):
        item = {k: _jsonable(r[k]) for k in fields}
        item["group"] = GROUP_OF.get(r["code"], "")
        item["provisional"] = provisional_note(r["code"], data.basis) or None
        items.append(item)
    return {
        "period": spec.code, "period_zh": spec.label, "period_kind": spec.kind,  # the API stays Chinese
        "generated_at": generated_at, "source": _("经审核通过的企业季度报表"), "indicators": items,
    }
