"""Recommendations: the smallest change of the enterprise's own figures that earns more.

Rule encoded (the portal's own method, no external standard): for every item below its maximum
take the nearest band worth more points and work out, from the actual figures, the change of one
reported input that reaches it (e.g. extra R&D 万元 = target ratio x revenue - R&D); for every
failed gate with a numeric condition, the change that meets its threshold. Each candidate is
re-scored with the framework's own rule, so the stated gain is exactly what the engine would
give. Amounts are rounded up to 0.1 万元 and counts to whole units, so the target is reached.
A failed score gate that no single change clears gets a plan: the changes with the most gain of
that score per effort, added until the gate is met. A failed "already recognised as X" gate
estimated by X's own criteria gets the changes that meet X. Framework modules add their own
candidates (``candidates`` in the module: certificates, systems, equipment, sub-domains...);
all candidates of one result are re-scored in one vectorised evaluation, and within one
``assess`` call the changed rows of every framework's single changes are derived in one call
(:func:`prefetch`) and reused.
Ranking, the same for every framework: changes that clear a blocking gate first (those that
also reach the verdict ahead), then those that change the grade / pass, then points gained per
unit of effort (effort: money as a share of revenue, headcount as a share of employees, fixed
weights for IP items, certificates and grades; documented in docs/assessments.md).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from . import derived, loader
from .bands import HIGHER
from .engine import (
    Columns,
    Evaluation,
    ItemEval,
    columns_from_indicators,
    evaluate,
    first_result,
    indicator_name,
    options_key,
)
from .loader import Condition, Criteria
from .types import Recommendation, Result


@dataclass(frozen=True)
class Change:
    """A concrete change of reported inputs and how to say it."""

    fields: Mapping[str, Any]      # new values of base fields
    text: str                      # Chinese, e.g. "研发费用再增加 35.2 万元"
    delta: float
    unit: str
    effort: float


def round_up(x: float, step: float) -> float:
    """Round up to a multiple of ``step`` (so that a target is reached, not just approached)."""
    return math.ceil(round(x / step, 9)) * step


def number(ind: Mapping, key: str) -> float | None:
    """``ind[key]`` as a float; None when missing, NaN or not a number (text, list, map, bool)."""
    v = ind.get(key)
    if v is None or isinstance(v, (bool, str, list, tuple, dict)):
        return None
    v = float(v)
    return None if math.isnan(v) else v



def _money(ind, field, delta, label, extra_fields=()) -> Change | None:
    cur = number(ind, field)
    if cur is None or delta <= 0:
        return None
    d = round(round_up(delta, 0.1), 1)
    fields = {field: cur + d}
    for other in extra_fields:
        if number(ind, other) is not None:
            fields[other] = number(ind, other) + d
    rev = number(ind, "revenue") or 0.0
    return Change(fields, f"{label}再增加 {d:g} 万元", d, "万元", 100.0 * d / max(rev, 1.0))


def _rd_intensity(ind, t, strict):
    rev, rd = number(ind, "revenue"), number(ind, "rd_expenditure")
    if rev is None or rd is None or rev <= 0:
        return None
    return _money(ind, "rd_expenditure", t * rev / 100 - rd + (0.05 if strict else 0), "研发费用")


def _rd_amount(ind, t, strict):
    rd = number(ind, "rd_expenditure")
    return None if rd is None else _money(ind, "rd_expenditure", t - rd + (0.05 if strict else 0), "研发费用")


def _rd_2y(ind, t, strict):
    tot = number(ind, "rd_2y_total")
    return None if tot is None else _money(ind, "rd_expenditure", t - tot + (0.05 if strict else 0), "本年研发费用")


def _rd_min2(ind, t, strict):
    now, prev = number(ind, "rd_intensity_pct"), number(ind, "rd_intensity_prev1_pct")
    if now is None or prev is None:
        return None
    if prev >= t:
        return _rd_intensity(ind, t, strict)
    # last year's figure can no longer change: this year and next year at t (re-scored as next
    # year's assessment, where this year is the previous one)
    rev, rev1, rd = number(ind, "revenue"), number(ind, "revenue_prev1"), number(ind, "rd_expenditure")
    if rev is None or rev1 is None or rd is None or rev <= 0 or rev1 <= 0:
        return None
    need = max(round(round_up(t * rev / 100 - rd + (0.05 if strict else 0), 0.1), 1), 0.0)
    fields = {"rd_expenditure": rd + need, "rd_expenditure_prev1": round_up(t * rev1 / 100, 0.1) + (0.1 if strict else 0)}
    text = (f"本年研发费用再增加 {need:g} 万元，" if need > 0 else "") + \
        f"研发投入强度本年及下一年度均保持不低于 {t:g}%（上年 {prev:.2f}% 已不能改变，最早于下一年度评价时满足）"
    return Change(fields, text, need, "万元", 10.0 + 100.0 * need / max(rev, 1.0))


def _main_share(ind, t, strict):
    rev, mbr = number(ind, "revenue"), number(ind, "main_business_revenue")
    if rev is None or mbr is None or t >= 100:
        return None
    x = (t * rev - 100 * mbr) / (100 - t) + (0.05 if strict else 0)
    return _money(ind, "main_business_revenue", x, "主营业务收入（其他业务收入不变）", ("revenue",))


def _debt(ind, t, strict):
    assets, liab = number(ind, "total_assets"), number(ind, "total_liabilities")
    if assets is None or liab is None:
        return None
    d = liab - t * assets / 100 + (0.05 if strict else 0)
    if d <= 0:
        return None
    d = round(round_up(d, 0.1), 1)
    return Change({"total_liabilities": liab - d}, f"负债减少 {d:g} 万元", d, "万元",
                  100.0 * d / max(number(ind, "revenue") or 1.0, 1.0))


def _net_margin(ind, t, strict):
    rev, npf = number(ind, "revenue"), number(ind, "net_profit")
    if rev is None or npf is None:
        return None
    return _money(ind, "net_profit", t * rev / 100 - npf + (0.05 if strict else 0), "净利润")


def _growth_to(base_key: str, years: int, fields=("main_business_revenue", "revenue"), label="主营业务收入"):
    def lever(ind, t, strict):
        base = number(ind, base_key)
        cur = number(ind, fields[0])
        if base is None or cur is None or base <= 0:
            return None
        target = base * (1 + t / 100) ** years
        return _money(ind, fields[0], target - cur + (0.05 if strict else 0), label, fields[1:])
    return lever


def _revenue(ind, t, strict):
    cur = number(ind, "revenue")
    return None if cur is None else _money(ind, "revenue", t - cur + (0.05 if strict else 0), "营业收入",
                                           ("main_business_revenue",))


def _count(field: str, label: str, unit: str, effort_each: float, ratio_of: str | None = None):
    """A count field; with ``ratio_of`` the target is a percentage of that field (hiring adds to both)."""
    def lever(ind, t, strict):
        cur = number(ind, field)
        if cur is None:
            return None
        if ratio_of is None:
            need = t - cur + (1 if strict else 0)
            fields = {}
        else:
            total = number(ind, ratio_of)
            if total is None or t >= 100:
                return None
            need = (t * total - 100 * cur) / (100 - t) if ratio_of == "employees" else t * total / 100 - cur
            need = need + (1e-6 if strict else 0)
            fields = {ratio_of: total + math.ceil(round(need, 9))} if ratio_of == "employees" else {}
        k = math.ceil(round(need, 9))
        if k <= 0:
            return None
        fields[field] = cur + k
        if ratio_of == "employees":
            effort = 100.0 * k / max(number(ind, "employees") or 1.0, 1.0)
        else:
            effort = effort_each * k
        return Change(fields, f"{label} {k} {unit}", k, unit, effort)
    return lever


def _nc_rate(ind, t, strict):
    total, nc = number(ind, "key_processes_total"), number(ind, "key_processes_nc")
    if total is None or nc is None or total <= 0:
        return None
    k = math.ceil(round(t * total / 100 - nc + (1e-6 if strict else 0), 9))
    if k <= 0 or nc + k > total:
        return None
    return Change({"key_processes_nc": nc + k}, f"再对 {k} 道关键工序实施数控化改造", k, "道", 3.0 * k)


def _ip_level(ind, t, strict):
    level = number(ind, "ip_level")
    c1 = number(ind, "ip_class1_count") or 0.0
    target = int(math.ceil(t))
    if level is None or target <= level:
        return None
    if target == 1:
        return Change({"ip_class2_count": (number(ind, "ip_class2_count") or 0) + 1}, "新增 1 项Ⅱ类知识产权（实用新型等）",
                      1, "项", 1.0)
    if target == 2:
        return Change({"ip_class1_count": c1 + 1}, "新增 1 项与主导产品相关的Ⅰ类知识产权（发明专利等）", 1, "项", 4.0)
    fields = {"ip_class1_count": c1 + 1, "ip_class1_self_developed": (number(ind, "ip_class1_self_developed") or 0) + 1}
    if target == 3:
        return Change(fields, "新增 1 项自主研发的Ⅰ类知识产权", 1, "项", 5.0)
    fields["ip_high_value_count"] = (number(ind, "ip_high_value_count") or 0) + 1
    return Change(fields, "新增 1 项高价值发明专利", 1, "项", 6.0)


def _years(ind, t, strict):
    since, now = number(ind, "niche_since_year"), number(ind, "years_in_niche")
    if since is None or now is None:
        return None
    k = math.ceil(round(t - now + (1 if strict else 0), 9))
    if k <= 0:
        return None
    return Change({"niche_since_year": since - k}, f"继续深耕细分市场 {k} 年后", k, "年", 20.0 * k)


def _quality(ind, t, strict):
    certs = list(ind.get("certifications") or [])
    if not ind.get("own_brand"):
        return Change({"own_brand": True}, "建立自主品牌", 1, "项", 3.0)
    if "iso9001" not in certs:
        return Change({"certifications": [*certs, "iso9001"]}, "取得 ISO 9001 质量管理体系认证", 1, "项", 3.0)
    if not number(ind, "standards_led_count"):
        return Change({"standards_led_count": 1}, "主导或参与制定 1 项国家/行业标准", 1, "项", 5.0)
    if not ind.get("provincial_quality_award"):
        return Change({"provincial_quality_award": True}, "获得省级以上质量奖", 1, "项", 8.0)
    return None


def _market_share(ind, t, strict):
    cur = number(ind, "niche_market_share_pct")
    if cur is None or t > 100:
        return None
    target = round(t + (0.1 if strict else 0.0), 1)
    if target <= cur:
        return None
    return Change({"niche_market_share_pct": target}, f"主导产品细分市场占有率提高到 {target:g}%（现为 {cur:g}%）",
                  target - cur, "%", 3.0 * (target - cur))


def _market_rank(ind, t, strict):
    cur = number(ind, "niche_market_rank_cn")
    target = math.floor(t - (1 if strict else 0))
    if cur is None or target < 1 or target >= cur:
        return None
    return Change({"niche_market_rank_cn": float(target)}, f"主导产品国内细分市场排名提升到第 {target} 名（现为第 {cur:g} 名）",
                  cur - target, "名", 2.0 * (cur - target))


def _rd_prev_year(ind, t, strict):
    """Last year's R&D amount can no longer change: keep this year's and next year's at ``t``."""
    prev, now = number(ind, "rd_expenditure_prev1"), number(ind, "rd_expenditure")
    if prev is None or now is None or prev >= t:
        return None
    need = round(round_up(t - now + (0.05 if strict else 0), 0.1), 1) if now < t else 0.0
    fields = {"rd_expenditure": now + need, "rd_expenditure_prev1": t + (0.1 if strict else 0.0)}
    text = (f"本年研发费用再增加 {need:g} 万元，" if need > 0 else "") + \
        f"并在下一年度保持不低于 {t:g} 万元（上年 {prev:g} 万元已不能改变，最早于下一年度评价时满足）"
    return Change(fields, text, need, "万元", 10.0 + 100.0 * need / max(number(ind, "revenue") or 1.0, 1.0))


Lever = Callable[[Mapping, float, bool], Change | None]

LEVERS: dict[str, Lever] = {
    "rd_intensity_pct": _rd_intensity,
    "rd_expenditure": _rd_amount,
    "rd_2y_total": _rd_2y,
    "rd_2y_avg": lambda ind, t, s: _rd_2y(ind, 2 * t, s),
    "rd_intensity_min_2y_pct": _rd_min2,
    "rd_expenditure_prev1": _rd_prev_year,
    "niche_market_share_pct": _market_share,
    "niche_market_rank_cn": _market_rank,
    "main_business_share_pct": _main_share,
    "debt_ratio_pct": _debt,
    "net_margin_pct": _net_margin,
    "main_business_growth_pct": _growth_to("main_business_revenue_prev1", 1),
    "main_business_growth_2y_avg_pct": _growth_to("main_business_revenue_prev2", 2),
    "revenue_cagr_2y_pct": _growth_to("revenue_prev2", 2, ("revenue", "main_business_revenue"), "营业收入"),
    "revenue": _revenue,
    "rd_staff_share_pct": _count("rd_personnel", "新增研发人员", "人", 1.0, "employees"),
    "ip_class1_count": _count("ip_class1_count", "新增与主导产品相关的Ⅰ类知识产权", "项", 4.0),
    "ip_level": _ip_level,
    "years_in_niche": _years,
    "quality_count": _quality,
    "key_process_nc_rate_pct": _nc_rate,
    "info_system_count": _count("info_system_count", "在核心业务中应用信息系统", "个", 5.0),
    "mgmt_cert_count": _count("mgmt_cert_count", "取得管理体系认证", "项", 3.0),
}

CATEGORY_EFFORT = {"sme_digital_grade": 8.0, "rd_institution_level": 10.0}
CATEGORY_NAMES = {
    "rd_institution_level": {"national": "国家级", "municipal": "重庆市级（省级）", "district": "区级", "enterprise": "企业自建"},
    "sme_digital_grade": {"g1": "一级", "g2": "二级", "g3": "三级", "g4": "四级"},
}
CATEGORY_TEXT = {"sme_digital_grade": "中小企业数字化水平提升至{label}", "rd_institution_level": "建立{label}研发机构"}


def fmt(x: float) -> str:
    """12,345.6 / 0.0005: thousands separators, at most 2 decimals, small numbers to 4 significant digits."""
    if x != 0 and abs(x) < 0.1:
        return f"{x:.4g}"
    text = f"{x:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --------------------------------------------------------------------------- candidates and re-scoring


@dataclass(frozen=True)
class Candidate:
    """A concrete change of reported figures (``fields``) for one item or gate, worded in Chinese."""

    code: str                       # item or gate concerned
    text: str                       # the change and the target, e.g. "研发费用再增加 80 万元，研发投入强度达到 5%"
    fields: Mapping[str, Any]       # new values of report / profile fields (or of an indicator given directly)
    target: float | str | None
    current: float | str | None
    unit: str | None
    effort: float                   # relative effort (lower is easier), see docs/assessments.md
    only_if_clears: bool = False    # state it only when it clears the gate ``code`` (else a plan ingredient)


def _day(indicators: Mapping) -> date | None:
    day = indicators.get("as_of")
    if isinstance(day, str):
        return date.fromisoformat(day)
    return day if isinstance(day, date) else None


def rescore_many(criteria: Criteria, indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                 options: Mapping | None = None, rows: dict | None = None) -> Evaluation:
    """Evaluate ``criteria`` once on ``len(changes)`` rows: row i is ``indicators`` with ``changes[i]``.

    The derived indicators are recomputed from the changed fields (:func:`derived.compute`, one
    vectorised call for all rows); a field changed directly (e.g. a count) keeps its new value,
    and an indicator that cannot be recomputed from the dict (given directly) keeps its value.
    The single and the batch path are the same code, so row i equals a one-row evaluation.
    ``rows``: the changed rows of these ``indicators`` and ``options`` already derived (see
    :func:`row_cache`); only the changes not found there are derived.
    """
    columns = _changed_columns(indicators, changes, options, rows)
    return evaluate(criteria, Columns(columns, len(changes)), options)


def row_cache(cols: Columns | None, options: Mapping | None) -> dict | None:
    """The changed rows derived so far for the indicators of ``cols`` under ``options`` (shared by
    every framework of one ``assess`` call; None without ``cols``)."""
    if cols is None:
        return None
    return cols.memo.setdefault(("changed rows", options_key(options)), {})


def _row_key(fields: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, type(v).__name__, repr(v)) for k, v in fields.items()))


def _changed_columns(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                     options: Mapping | None, rows: dict | None = None) -> dict[str, list]:
    """Columns of ``indicators`` with row i changed by ``changes[i]`` and derived again.

    Each row depends only on its own change (the formulas work element by element), so a row
    derived once (``rows``: key of the change -> the values where the row differs from
    ``indicators``) is reused as it is; the changes not found there are derived in one call and
    added to ``rows``.
    """
    if rows is None:
        return _derive_changed(indicators, changes, options)[0]
    keys = [_row_key(c) for c in changes]
    todo: dict[tuple, Mapping[str, Any]] = {}
    for key, c in zip(keys, changes, strict=True):
        if key not in rows and key not in todo:
            todo[key] = c
    if todo:
        columns, computed = _derive_changed(indicators, list(todo.values()), options)
        for j, (key, c) in enumerate(todo.items()):
            diff = dict(c)
            for name in computed:
                v = columns[name][j]
                if name not in c and not _same(v, indicators.get(name, _ABSENT)):
                    diff[name] = v
            rows[key] = diff
    n = len(changes)
    out: dict[str, list] = {k: [v] * n for k, v in indicators.items()}
    for j, key in enumerate(keys):
        for name, v in rows[key].items():
            col = out.get(name)
            if col is None:
                col = out[name] = [None] * n
            col[j] = v
    return out


_ABSENT = object()


def _same(v: Any, base: Any) -> bool:
    """``v`` can stand for ``base`` exactly: the same object, or an equal str / bool / int, or a
    float equal to it with the same sign (NaN never)."""
    if v is base:
        return True
    t = type(v)
    if t is not type(base):
        return False
    if t is float:
        return v == base and (v != 0.0 or math.copysign(1.0, v) == math.copysign(1.0, base))
    return t in (str, bool, int) and v == base


def _derive_changed(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                    options: Mapping | None) -> tuple[dict[str, list], list[str]]:
    """(columns, names of the derived columns): row i is ``indicators`` with ``changes[i]``."""
    n = len(changes)
    columns: dict[str, list] = {k: [v] * n for k, v in indicators.items()}
    for i, fields in enumerate(changes):
        for k, v in fields.items():
            columns.setdefault(k, [None] * n)[i] = v
    day = _day(indicators)
    year = np.full(n, float(day.year) if day else np.nan)
    ordinal = np.full(n, float(day.toordinal()) if day else np.nan)
    changed = set().union(*changes)
    computed = derived.compute(columns, n, year, ordinal, options)
    for key, arr in computed.items():
        old = columns.get(key) or [None] * n
        values = arr.tolist()
        float_col = arr.dtype.kind == "f"
        if float_col and key not in changed:
            # NaN: not computable here, keep what was given (the same rule as the loop below)
            columns[key] = [o if v != v else v for v, o in zip(values, old, strict=True)]
            continue
        new = []
        for i in range(n):
            v = values[i]
            if float_col and v != v:      # NaN: not computable here, keep what was given
                v = None
            elif not float_col:
                v = derived.plain(v)
            new.append(old[i] if v is None or key in changes[i] else v)
        columns[key] = new
    return columns, list(computed)


def changed_rows(indicators: Mapping[str, Any], changes: Sequence[Mapping[str, Any]],
                 options: Mapping | None = None, rows: dict | None = None) -> list[dict[str, Any]]:
    """``indicators`` with each of ``changes`` applied and the derived indicators recomputed."""
    columns = _changed_columns(indicators, changes, options, rows)
    return [{k: col[i] for k, col in columns.items()} for i in range(len(changes))]


def rescore(criteria: Criteria, indicators: Mapping[str, Any], fields: Mapping[str, Any],
            options: Mapping | None = None) -> Evaluation:
    """Evaluate ``indicators`` with ``fields`` replaced (one row; see :func:`rescore_many`)."""
    return rescore_many(criteria, indicators, [fields], options)


@dataclass(frozen=True)
class Outcome:
    """What the engine gives for one candidate (one row of a re-scoring)."""

    candidate: Candidate
    total: float
    passed: bool | None
    grade: str
    gate_passed: Mapping[str, float]
    gate_value: Mapping[str, float | None]
    dimensions: Mapping[str, float]


def _gate_number(g, i: int) -> float | None:
    v = g.value[i]
    if v is None or isinstance(v, (bool, np.bool_, str)):
        return None
    v = float(v)
    return None if math.isnan(v) else v


def outcomes(criteria: Criteria, indicators: Mapping[str, Any], candidates: Sequence[Candidate],
             options: Mapping | None = None, batch: bool = True, rows: dict | None = None) -> list[Outcome]:
    """Re-score every candidate (in one evaluation when ``batch``, else one evaluation each)."""
    if not candidates:
        return []
    if not batch:
        return [o for c in candidates for o in outcomes(criteria, indicators, [c], options, True, rows)]
    ev = rescore_many(criteria, indicators, [c.fields for c in candidates], options, rows)
    dims = ev.dimension_totals()
    out = []
    for i, c in enumerate(candidates):
        total = float(ev.total[i])
        out.append(Outcome(c, 0.0 if math.isnan(total) else total,
                           None if math.isnan(ev.passed[i]) else bool(ev.passed[i] == 1), ev.grade[i],
                           {code: float(g.passed[i]) for code, g in ev.gates.items()},
                           {code: _gate_number(g, i) for code, g in ev.gates.items()},
                           {d: float(v[i]) for d, v in dims.items()}))
    return out


def recommendation(criteria: Criteria, result: Result, o: Outcome, partial: bool = False) -> Recommendation | None:
    """The recommendation stated for one outcome; None when it neither gains, clears a gate nor changes the grade.

    ``partial``: a plan that comes closest to a points gate it cannot clear; stated with what is
    still missing.
    """
    c = o.candidate
    if c.only_if_clears and o.gate_passed.get(c.code) != 1 and not partial:
        return None
    base_total = 0.0 if result.total is None else result.total
    gain = round(o.total - base_total, 4) + 0.0
    cleared = [g.name for g in result.gates if g.passed is False and o.gate_passed.get(g.code) == 1]
    changes_grade = o.grade != result.grade or o.passed != result.passed
    if gain <= 0 and not cleared and not changes_grade and not partial:
        return None
    parts = [c.text]
    if partial and isinstance(c.target, (int, float)) and o.gate_value.get(c.code) is not None:
        name = next(g.name for g in result.gates if g.code == c.code)
        parts.append(f"「{name}」的得分可由 {fmt(float(c.current))} 提高到 {fmt(o.gate_value[c.code])} 分，"
                     f"仍差 {fmt(float(c.target) - o.gate_value[c.code])} 分（其余需现场评价项或其他条件）")
    if gain > 0:
        parts.append(f"可得 +{fmt(gain)} 分")
    if cleared:
        parts.append("满足「" + "」「".join(cleared) + "」")
    if gain > 0:
        text = f"总分达到 {fmt(o.total)} 分"
        pass_mark = criteria.pass_mark.value if criteria.pass_mark is not None else None
        if pass_mark is not None and o.total >= pass_mark > base_total:
            text += f"，达到 {fmt(pass_mark)} 分认定线"
        parts.append(text)
    if changes_grade:
        parts.append(f"结论变为「{o.grade}」")
    current = c.current if c.current is None or isinstance(c.current, str) else round(float(c.current), 4)
    target = c.target if c.target is None or isinstance(c.target, str) else round(float(c.target), 4)
    return Recommendation(code=c.code, text="，".join(parts), points_gain=gain, target_value=target,
                          current_value=current, unit=c.unit, clears_gate=bool(cleared),
                          changes_grade=changes_grade, effort=round(c.effort, 4))


def rank_key(r: Recommendation) -> tuple:
    """One ranking for every framework: changes that clear a blocking gate (those that also reach
    the verdict first), then changes of the grade / pass, then points per unit of effort.
    Within the gate and grade tiers the cheapest change comes first."""
    tier = 0 if r.clears_gate and r.changes_grade else 1 if r.clears_gate else 2 if r.changes_grade else 3
    effort = r.effort or 0.0
    return (tier, effort if tier < 3 else -(r.points_gain / max(effort, 0.01)), -r.points_gain, r.code, r.text)


def ranked(recs: Sequence[Recommendation]) -> tuple[Recommendation, ...]:
    """``recs`` sorted by :func:`rank_key` with ``rank`` 1..n."""
    return tuple(replace(r, rank=k + 1) for k, r in enumerate(sorted(recs, key=rank_key)))


def build(criteria: Criteria, indicators: Mapping[str, Any], result: Result, candidates: Sequence[Candidate],
          options: Mapping | None = None) -> tuple[Recommendation, ...]:
    """Re-score ``candidates``; keep those that gain points, clear a gate or change the grade; rank."""
    found = (recommendation(criteria, result, o) for o in outcomes(criteria, indicators, candidates, options))
    return ranked([r for r in found if r is not None])


# --------------------------------------------------------------------------- generic candidates


def item_candidates(crit: Criteria, ind: Mapping, items: Mapping[str, ItemEval], code: str | None = None,
                    only_if_clears: bool = False) -> list[Candidate]:
    """For every banded / categorical item below its maximum (``items``: the scored items of one
    row): the change reaching the next better band.

    ``code`` re-labels the candidates (e.g. the items of the 发展评价 estimate advise a gate).
    """
    out: list[Candidate] = []
    for spec in crit.items:
        it = items.get(spec.code)
        if it is None or it.points[0] >= spec.max_points:
            continue
        tables = [(spec.indicator, spec.table, spec.unit)] if spec.table is not None else \
            [(a.indicator, a.table, a.unit) for a in spec.alternatives]
        for indicator, table, unit in tables:
            if table is None:
                continue
            idx = table.index(number(ind, indicator))
            nxt = table.next_better(idx)
            lever = LEVERS.get(indicator)
            if nxt is None or lever is None:
                continue
            j, edge = nxt
            up = j > idx
            strict = (table.on_boundary != HIGHER) if up else (table.on_boundary == HIGHER)
            change = lever(ind, edge, strict)
            if change is None:
                continue
            verb = "超过" if strict and up else ("低于" if strict else ("达到" if up else "降至"))
            target_txt = f"{indicator_name(indicator)}{verb} {fmt(edge)}{'' if unit == '%' else ' '}{unit}" if unit \
                else f"{indicator_name(indicator)}达到「{table.labels[j]}」档"
            out.append(Candidate(code or spec.code, f"{change.text}，{target_txt}", change.fields, edge,
                                 number(ind, indicator), unit, change.effort, only_if_clears))
        if spec.categories is not None and spec.indicator in CATEGORY_TEXT:
            here = it.points[0]
            better = sorted((p, k) for k, p in spec.categories.points.items() if p > here)
            if better:
                p, key = better[0]
                label = CATEGORY_NAMES.get(spec.indicator, {}).get(key) or spec.categories.labels.get(key, key)
                text = CATEGORY_TEXT[spec.indicator].format(label=label)
                out.append(Candidate(code or spec.code, text, {spec.indicator: key}, key, ind.get(spec.indicator), None,
                                     CATEGORY_EFFORT[spec.indicator], only_if_clears))
    return out


def _unit_text(unit: str | None) -> str:
    return "" if not unit else (unit if unit == "%" else f" {unit}")


def _all_conditions(spec, ind: Mapping, options: Mapping, rows: dict | None = None) -> Candidate | None:
    """An "and" gate failing on several conditions: their changes one after the other (each
    computed on the figures the previous ones leave), as one candidate."""
    fields: dict[str, Any] = {}
    texts = []
    now = dict(ind)
    for cond in spec.conditions:
        cur = number(now, cond.indicator)
        t = float(cond.value) if cond.op in (">=", ">", "<=", "<") else None
        if cur is None or t is None:
            return None
        met = {">=": cur >= t, ">": cur > t, "<=": cur <= t, "<": cur < t}[cond.op]
        if met:
            continue
        change = _condition_change(now, cond)
        if change is None:
            return None
        fields.update(change.fields)
        texts.append(change.text)
        now = changed_rows(ind, [fields], options, rows)[0]
    if len(texts) < 2:
        return None
    return Candidate(spec.code, _plan_text_of(texts), fields, None, None, None, float(len(texts)))


def gate_candidates(crit: Criteria, ind: Mapping, result: Result, gate_indicators: Mapping[str, str],
                    options: Mapping | None = None, rows: dict | None = None) -> list[Candidate]:
    """For every failed gate with numeric conditions (or a custom gate judged on one indicator):
    the change meeting its threshold (for an "or" gate the cheapest alternative; for an "and" gate
    failing on several conditions also all changes together)."""
    out: list[Candidate] = []
    for gate, gspec in zip(result.gates, crit.gates, strict=True):
        if gate.passed is not False:
            continue
        if gspec.mode in ("all_of", "any_of"):
            found = [(cond, change) for cond in gspec.conditions
                     if (change := _condition_change(ind, cond)) is not None]
            if gspec.mode == "any_of" and found:
                found = [min(found, key=lambda oc: oc[1].effort)]
            for cond, change in found:
                verb = "达到" if cond.op in (">=", ">") else "降至"
                target_txt = f"{indicator_name(cond.indicator)}{verb} {fmt(cond.value)}{_unit_text(cond.unit)}"
                out.append(Candidate(gspec.code, f"{change.text}，{target_txt}", change.fields, cond.value,
                                     number(ind, cond.indicator), cond.unit, change.effort))
            if gspec.mode == "all_of" and len(found) > 1:
                together = _all_conditions(gspec, ind, dict(options or {}), rows)
                if together is not None:
                    out.append(replace(together, effort=sum(ch.effort for _, ch in found)))
            continue
        indicator = gate_indicators.get(gate.code)
        if indicator is None or gate.shortfall is None:
            continue
        cur = number(ind, indicator)
        # the gate must be judged on this very figure (a result states it to 4 decimals)
        if cur is None or not isinstance(gate.value, (int, float)) or abs(float(gate.value) - cur) > 1e-4:
            continue
        lever = LEVERS.get(indicator)
        target = float(gate.value) + gate.shortfall      # the threshold as the result states it
        change = lever(ind, target, False) if lever else None
        if change is not None:
            out.append(Candidate(gate.code, f"{change.text}，{indicator_name(indicator)}达到 {fmt(target)}"
                                 f"{_unit_text(gate.unit)}", change.fields, target, cur, gate.unit, change.effort))
    return out


def _condition_change(ind: Mapping, cond: Condition) -> Change | None:
    if cond.op not in (">=", ">", "<=", "<"):
        return None
    lever = LEVERS.get(cond.indicator)
    if lever is None or number(ind, cond.indicator) is None:
        return None
    return lever(ind, float(cond.value), cond.op in (">", "<"))


def _once(cands: Sequence[Candidate]) -> list[Candidate]:
    """One change that earns points in two items (e.g. an R&D institution also counts in 特色化) is stated once."""
    seen: set[str] = set()
    out = []
    for c in cands:
        key = c.text.split("，")[0]
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# --------------------------------------------------------------------------- plans for gates one change cannot clear

MAX_PLAN = 12


def _plan_text_of(texts: Sequence[str]) -> str:
    return f"同时实施以下 {len(texts)} 项：" + "；".join(texts)


def _plan_text(parts: Sequence[Candidate]) -> str:
    return _plan_text_of([c.text for c in parts])


def _merge(parts: Sequence[Candidate]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for c in parts:
        fields.update(c.fields)
    return fields


def score_plans(criteria: Criteria, result: Result, found: Sequence[Outcome], points_gates: set[str]) -> list[Candidate]:
    """For a failed points gate (a score threshold) that no single change clears: the changes with
    the most gain of that score per effort, added one by one (changes of different fields), as
    plans of 2..MAX_PLAN changes; the caller keeps the shortest plan that clears the gate."""
    plans: list[Candidate] = []
    for g, spec in zip(result.gates, criteria.gates, strict=True):
        if g.passed is not False or not (spec.mode == "score" or g.code in points_gates):
            continue
        base = g.value if isinstance(g.value, (int, float)) and not isinstance(g.value, bool) else None
        if base is None or any(o.gate_passed.get(g.code) == 1 for o in found):
            continue
        base_dims: dict[str, float] = {}
        for it in result.items:
            base_dims[it.dimension or ""] = base_dims.get(it.dimension or "", 0.0) + it.points
        useful = [(o.gate_value.get(g.code) - base, o) for o in found
                  if o.gate_value.get(g.code) is not None and o.gate_value[g.code] > base + 1e-9]
        # a dimension below its minimum (创新型: 成长性 ≥15 ...) is served first, then the total
        lacking = {d: m - base_dims.get(d, 0.0) for d, m in spec.min_dimensions.items() if base_dims.get(d, 0.0) < m}

        def dim_gain(o: Outcome) -> float:
            return sum(min(o.dimensions.get(d, 0.0) - base_dims.get(d, 0.0), need) for d, need in lacking.items())

        useful.sort(key=lambda go: (-dim_gain(go[1]) / max(go[1].candidate.effort, 0.01),
                                    -go[0] / max(go[1].candidate.effort, 0.01), go[1].candidate.text))
        picked: list[Candidate] = []
        used: set[str] = set()
        for _, o in useful:
            c = o.candidate
            if used & set(c.fields):
                continue
            picked.append(c)
            used |= set(c.fields)
            if len(picked) >= 2:
                target = None if g.shortfall is None else base + g.shortfall
                plans.append(Candidate(g.code, _plan_text(picked), _merge(picked), target, base, g.unit or "分",
                                       sum(x.effort for x in picked), True))
            if len(picked) == MAX_PLAN:
                break
    return plans


def status_plans(criteria: Criteria, ind: Mapping, result: Result, module, options: Mapping,
                 cols: Columns | None = None) -> list[Candidate]:
    """For a failed "already recognised as X" gate estimated by X's own criteria (``STATUS_GATES``
    of the module): the changes that let the enterprise meet X (each alone, or X's failed gates
    cleared together)."""
    out: list[Candidate] = []
    certified = options.get("certified") or {}
    for code, (kind, param) in getattr(module, "STATUS_GATES", {}).items():
        gate = next((g for g in result.gates if g.code == code), None)
        if gate is None or gate.passed is not False or certified.get(kind) is not None:
            continue
        proxy = loader.by_code(str(criteria.param(param)))
        popts = {k: v for k, v in options.items() if k != "certified"}
        cols = cols if cols is not None else columns_from_indicators(ind)
        pev = evaluate(proxy, cols, popts)
        presult = first_result(pev, result.as_of, cols)
        pairs = advise(proxy, ind, pev, presult, popts, cols)
        suffix = f"（可达到{proxy.name}条件）"
        alone = [o.candidate for r, o in pairs if o.passed is True]
        if alone:
            out.extend(replace(c, code=code, text=c.text + suffix, target=proxy.grades["passed"],
                               current=presult.grade, unit=None) for c in alone[:3])
            continue
        parts: list[Candidate] = []
        used: set[str] = set()
        for g in presult.gates:
            if g.passed is not False:
                continue
            best = next((o.candidate for r, o in pairs if o.gate_passed.get(g.code) == 1
                         and not used & set(o.candidate.fields)), None)
            if best is None:
                break
            parts.append(best)
            used |= set(best.fields)
        else:
            if len(parts) > 1:
                out.append(Candidate(code, _plan_text(parts) + suffix, _merge(parts), proxy.grades["passed"],
                                     presult.grade, None, sum(c.effort for c in parts)))
    return out


# --------------------------------------------------------------------------- the whole advice of one result


def advise(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result, options: Mapping | None = None,
           cols: Columns | None = None) -> list[tuple[Recommendation, Outcome]]:
    """Every recommendation of one scored enterprise with the outcome it rests on (unranked).

    Candidates: the framework module's own (``candidates`` in its module, when present), the
    generic item and gate changes of this module, plans for failed score gates and for failed
    status gates. A code the module advises on is not advised again by the generic rules.
    """
    from .frameworks import module_for

    options = dict(options or {})
    key = ("advice", crit.code, options_key(options))
    if cols is not None and key in cols.memo and cols.memo[key][0] is crit:
        return cols.memo[key][1]
    pairs = _advise(crit, ind, ev, result, options, module_for(crit.framework), cols)
    if cols is not None:
        cols.memo[key] = (crit, pairs)
    return pairs


def single_candidates(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result, options: dict,
                      cols: Columns | None = None) -> list[Candidate]:
    """The generic item and gate changes followed by the framework module's own (``candidates``),
    for one scored enterprise; a code the module advises on is not advised again by the generic
    rules. Made once per criteria set and options on ``cols``."""
    from .frameworks import module_for

    key = ("candidates", crit.code, options_key(options))
    if cols is not None and key in cols.memo and cols.memo[key][0] is crit:
        return cols.memo[key][1]
    mod = module_for(crit.framework)
    own = list(mod.candidates(crit, ind, result, options)) if hasattr(mod, "candidates") else []
    own_codes = {c.code for c in own}
    generic = [c for c in _once([*item_candidates(crit, ind, ev.items),
                                 *gate_candidates(crit, ind, result, getattr(mod, "GATE_INDICATORS", {}), options,
                                                  row_cache(cols, options))])
               if c.code not in own_codes]
    # the generic gate changes first: a recommendation stated twice keeps the code of the gate it aims at
    cands = [*generic, *own]
    if cols is not None:
        cols.memo[key] = (crit, cands)
    return cands


def prefetch(criteria: Sequence[Criteria], ind: Mapping, as_of: date, options: Mapping | None,
             cols: Columns) -> None:
    """Derive the changed rows of every framework's single changes in one vectorised call.

    ``assess`` calls this before scoring its frameworks one by one: their re-scorings then find
    these rows in :func:`row_cache` (the same rows, derived once), and only plans and status
    changes are derived later.
    """
    options = dict(options or {})
    changes: list[Mapping[str, Any]] = []
    for crit in criteria:
        ev = evaluate(crit, cols, options)
        changes.extend(c.fields for c in single_candidates(crit, ind, ev, first_result(ev, as_of, cols), options,
                                                        cols))
    if changes:
        _changed_columns(ind, changes, options, row_cache(cols, options))


def _advise(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result, options: dict, mod,
            cols: Columns | None) -> list[tuple[Recommendation, Outcome]]:
    rows = row_cache(cols, options)
    cands = [*single_candidates(crit, ind, ev, result, options, cols),
             *status_plans(crit, ind, result, mod, options, cols)]
    found = outcomes(crit, ind, cands, options, rows=rows)
    plans = score_plans(crit, result, found, set(getattr(mod, "SCORE_GATES", ())))
    partial: list[Outcome] = []
    if plans:
        cleared: set[str] = set()
        longest: dict[str, Outcome] = {}
        for o in outcomes(crit, ind, plans, options, rows=rows):
            code = o.candidate.code
            longest[code] = o
            if code not in cleared and o.gate_passed.get(code) == 1:
                cleared.add(code)
                found.append(o)
        partial = [o for code, o in longest.items() if code not in cleared]
    pairs = []
    seen: set[str] = set()
    for o in [*found, *partial]:
        r = recommendation(crit, result, o, partial=o in partial)
        if r is not None and r.text not in seen:
            seen.add(r.text)
            pairs.append((r, o))
    pairs.sort(key=lambda ro: rank_key(ro[0]))
    return pairs


def recommend(crit: Criteria, ind: Mapping, ev: Evaluation, result: Result, options: Mapping | None = None,
              cols: Columns | None = None) -> tuple[Recommendation, ...]:
    """Ranked recommendations for one scored enterprise (``ev`` has one row; ``cols`` its columns)."""
    return ranked([r for r, _ in advise(crit, ind, ev, result, options, cols)])
