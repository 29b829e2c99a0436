"""创新型中小企业 (2022): 100-point evaluation with sub-minimums, or a direct route.

Rule encoded (《优质中小企业梯度培育管理暂行办法》 工信部企业〔2022〕63号 附件1; criteria-reference.md
§3a): 创新能力 40 (知识产权, 研发投入强度), 成长性 30 (主营业务收入增长率, 资产负债率), 专业化 30
(主导产品领域, 主营业务收入占比). Passes with ≥60 points and 创新能力 ≥20, 成长性 ≥15, 专业化 ≥15,
or with one direct route (省级以上科技奖励, 有效高企, 省级以上研发机构, 股权融资≥500 万元). The
table is S2 (Guangdong data, boundary value takes the higher band); pass rule and routes are S.
Everything is in ``criteria/innovative2022.yaml``; this module adds no rule of its own.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..engine import Columns, Evaluation, evaluate_generic
from ..loader import Criteria

FAMILY = "innovative"


def evaluate(criteria: Criteria, cols: Columns, options: Mapping) -> Evaluation:
    return evaluate_generic(criteria, cols)
