"""Levers: how an enterprise moves one indicator, as a concrete change of its reported figures.

Rule encoded (the portal's own method, no external standard): for a target value of an
indicator, the change of one reported input that reaches it, worked out from the enterprise's
actual figures (e.g. extra R&D 万元 = target ratio x revenue - R&D; main-business revenue x with
(m + x)/(r + x) = t; liabilities to repay = L - t x A). Amounts are rounded up to 0.1 万元 and
counts to whole units, so the target is reached, not just approached. ``strict`` asks for a
value beyond the edge (a band that starts above it). Each change carries its effort on the
portal's scale (money as a % of revenue, headcount as a % of employees, fixed weights for IP,
certificates and grades; docs/assessments.md).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


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
