"""Builders for the pure engine tests (no Flask app)."""
from __future__ import annotations

from datetime import date

import pytest

from portal.assessments import engine

AS_OF = date(2025, 12, 31)


def base_indicators(**over) -> dict:
    """A plain, complete-enough indicator dict for an ordinary Tongliang manufacturer."""
    ind = {
        "as_of": AS_OF.isoformat(), "year": 2025, "revenue": 4800.0, "main_business_revenue": 4400.0,
        "rd_expenditure": 160.0, "rd_expenditure_prev1": 150.0, "net_profit": 320.0,
        "total_assets": 10000.0, "total_liabilities": 5500.0, "employees": 200, "rd_personnel": 25,
        "ip_class1_count": 3, "ip_class1_self_developed": 1, "ip_high_value_count": 0, "ip_class2_count": 5,
        "rd_institution_level": "district", "sme_digital_grade": "g2", "product_field": "gap_filling",
        "cluster": "equipment", "sub_direction": "轨道交通", "niche_since_year": 2019,
        "key_processes_total": 10, "key_processes_nc": 7, "certifications": ["iso9001"], "own_brand": True,
        "standards_led_count": 0, "provincial_quality_award": False, "science_award_3y": False,
        "violations_3y": False, "external_equity_2y": 0.0, "niche_market_share_pct": 12.0,
        "niche_market_rank_cn": 5, "systems": {"erp": "full", "mes": "partial"},
        "main_business_revenue_prev1": 4000.0, "main_business_revenue_prev2": 3600.0,
        "revenue_prev1": 4400.0, "revenue_prev2": 4000.0,
    }
    ind.update(over)
    return ind


def score(code: str, ind: dict, options=None, recs: bool = False):
    import numpy as np

    from portal.assessments import derived
    d = date.fromisoformat(ind["as_of"])
    computed = derived.compute({k: [v] for k, v in ind.items()}, 1, np.array([float(d.year)]),
                               np.array([float(d.toordinal())]), options)
    full = dict(ind)
    for k, v in computed.items():
        if k not in ind:
            full[k] = derived.plain(v[0])
    return engine.score(code, full, options, d, with_recommendations=recs)


def item(result, code):
    return next(i for i in result.items if i.code == code)


def gate(result, code):
    return next(g for g in result.gates if g.code == code)


@pytest.fixture
def ind():
    return base_indicators()
