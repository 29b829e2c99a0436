"""智能制造能力成熟度: level scores and maturity level under GB/T 39116-2020 / GB/T 39117-2020.

Rule encoded (criteria-reference.md §1; numbers in ``criteria/cmmm2020.yaml``):

- The model has four elements (人员·技术·资源·制造) and 20 能力子域 (S); the list of sub-domains
  is R. The report field ``cmmm_levels`` gives, per sub-domain key, the highest level 0-5 whose
  requirements that sub-domain fully meets (a requirement is then scored 1 at every level up to
  it and 0 above). A sub-domain left out of a reported map counts as level 0 (noted).
- The score of level k is the weighted share of sub-domains meeting level k; the weights are
  equal by default and configurable separately for discrete and process manufacturers (process
  = the industry division is in ``process_divisions``). R, provisional.
- Level k is achieved when its score exceeds 0.8 and every lower level is achieved (R). The
  overall score S is the sum of the scores of the achieved levels plus the score of the first
  level not achieved (so S lies in 0..5); S maps to L1..L5 by the thresholds 0.8 / 1.8 / 2.8 /
  3.8 / 4.8 (R). At the single point where the two rules disagree (the first unachieved level
  scoring exactly 0.8, giving S = n + 0.8) the stricter "exceeds 0.8" rule wins.
- No ``cmmm_levels`` reported: total None-equivalent (NaN), passed None, grade "未填报成熟度自评".
  ``passed`` is True from L1 up.

The items level_1..level_5 carry each level's contribution to S, so the total is S.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import engine
from ..engine import POINTS_DECIMALS
from ..loader import Criteria
from ..recommend import Candidate, build
from ..types import InputError, Recommendation, Result

FAMILY = "cmmm"
MAX_LEVEL = 5
ROUND = 9     # level scores are compared at 9 decimals, so 17 x 0.05 is exactly 0.85
UNIT_SUBDOMAINS = "个能力子域"


def subdomains(criteria: Criteria) -> tuple[tuple[str, str, str], ...]:
    """(key, Chinese name, element name) of every sub-domain, in file order."""
    return tuple((sd["code"], sd["name"], el["name"]) for el in criteria.param("elements") for sd in el["subdomains"])


def weight_vectors(criteria: Criteria) -> dict[str, np.ndarray]:
    """Normalised sub-domain weights per manufacturer type (discrete / process)."""
    keys = [k for k, _, _ in subdomains(criteria)]
    out = {}
    for kind, table in criteria.param("weights").items():
        w = np.array([float(table.get(k, table.get("default", 0.0))) for k in keys])
        if w.sum() <= 0 or (w < 0).any():
            raise ValueError(f"{criteria.path}: weights.{kind} must be non-negative and not all zero")
        out[str(kind)] = w / w.sum()
    return out


def manufacturer_type(industry_code: object, process_divisions: Sequence[str]) -> str:
    """'process' when the GB/T 4754 division of ``industry_code`` is a process industry, else 'discrete'."""
    code = str(industry_code or "")
    return "process" if code[:2] in set(process_divisions) else "discrete"


def level_matrix(criteria: Criteria, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n x 20 level matrix with NaN rows where nothing is reported, count of sub-domains left out)."""
    keys = [k for k, _, _ in subdomains(criteria)]
    known = set(keys)
    mat = np.full((len(values), len(keys)), np.nan)
    left_out = np.zeros(len(values))
    for i, raw in enumerate(values):
        if raw is None or (isinstance(raw, Mapping) and not raw):
            continue
        if not isinstance(raw, Mapping):
            raise InputError("cmmm_levels", "应为能力子域到等级（0-5）的映射")
        for key, lv in raw.items():
            if key not in known:
                raise InputError(f"cmmm_levels.{key}", "未知的能力子域")
            if isinstance(lv, bool) or not isinstance(lv, (int, float)) or lv != int(lv) or not 0 <= lv <= MAX_LEVEL:
                raise InputError(f"cmmm_levels.{key}", "等级应为 0-5 的整数")
        mat[i] = [float(raw.get(k, 0)) for k in keys]
        left_out[i] = sum(1 for k in keys if k not in raw)
    return mat, left_out


LEVELS = np.arange(1, MAX_LEVEL + 1, dtype=float)[None, :, None]


def level_scores(mat: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """n x 5 array: score of level k = weighted share of sub-domains at level >= k (NaN rows stay NaN).

    All levels at once on an n x 5 x 20 stack; each sum runs over a row's 20 sub-domains as one
    contiguous run, the same summation as level by level."""
    ge = np.where(np.isnan(mat)[:, None, :], np.nan, mat[:, None, :] >= LEVELS)
    return np.round((ge * weights[:, None, :]).sum(axis=2), ROUND)


def lift_counts(mat: np.ndarray, weights: np.ndarray, k: int, above: float) -> np.ndarray:
    """Per row, the fewest sub-domains to lift to level k so that its score exceeds ``above``.

    0 when it already does; NaN when nothing is reported or even lifting all cannot do it.
    Heaviest sub-domains first, as in :func:`raise_needed`.
    """
    meets = mat >= k
    score = np.round((weights * meets).sum(axis=1), ROUND)
    gains = -np.sort(-np.where(meets | np.isnan(mat), 0.0, weights), axis=1)
    reach = np.round(score[:, None] + np.cumsum(gains, axis=1), ROUND) > above
    count = np.where(reach.any(axis=1), reach.argmax(axis=1) + 1.0, np.nan)
    return np.where(np.isnan(mat[:, 0]), np.nan, np.where(score > above, 0.0, count))


def lift_counts_all(mat: np.ndarray, weights: np.ndarray, above: float) -> np.ndarray:
    """n x 5 array: :func:`lift_counts` of every level k = 1..5 at once (each row's 20 sub-domains
    contiguous, so sums, sorts and running sums go in the same order as level by level)."""
    meets = mat[:, None, :] >= LEVELS
    w = weights[:, None, :]
    score = np.round((w * meets).sum(axis=2), ROUND)
    gains = -np.sort(-np.where(meets | np.isnan(mat)[:, None, :], 0.0, w), axis=2)
    reach = np.round(score[:, :, None] + np.cumsum(gains, axis=2), ROUND) > above
    count = np.where(reach.any(axis=2), reach.argmax(axis=2) + 1.0, np.nan)
    return np.where(np.isnan(mat[:, :1]), np.nan, np.where(score > above, 0.0, count))


def raise_needed(levels: np.ndarray, weights: np.ndarray, k: int, above: float) -> tuple[int, list[int]]:
    """Which sub-domains to lift to level k so that its score exceeds ``above`` (heaviest first)."""
    score = round(float((weights * (levels >= k)).sum()), ROUND)
    below = sorted((j for j in range(len(levels)) if levels[j] < k), key=lambda j: (-weights[j], -levels[j], j))
    picked: list[int] = []
    for j in below:
        if score > above:
            break
        score = round(score + float(weights[j]), ROUND)
        picked.append(j)
    return len(picked), picked


def _band_text(has: np.ndarray, achieved: np.ndarray, counted: np.ndarray, k: int):
    def text(i: int) -> str | None:
        if not has[i]:
            return None
        if achieved[i, k - 1]:
            return "已达成"
        return "未达成" if counted[i, k - 1] else "低级未达成，不计入"
    return text


def _gate_text(has: np.ndarray, achieved: np.ndarray, scores: np.ndarray, short: np.ndarray, k: int,
               above: float, name: str):
    def text(i: int) -> str | None:
        if not has[i]:
            return "未填报成熟度自评"
        if achieved[i, k - 1]:
            return None
        out = f"{k}级得分 {scores[i, k - 1]:g}（需 > {above:g}）"
        if short[i] > 0:
            out += f"：还需将 {short[i]:g} {UNIT_SUBDOMAINS}提升到 {k} 级（{name}）"
        if k > 1 and not achieved[i, k - 2]:
            out += f"；{k - 1}级未达成"
        return out
    return text


def evaluate(criteria: Criteria, cols: engine.Columns, options: dict) -> engine.Evaluation:
    """Level scores, S, the level reached and per-level gates on ``cols.n`` enterprises."""
    n = cols.n
    above = float(criteria.param("level_achieved_above"))
    thresholds = [float(t) for t in criteria.param("thresholds")]
    names = {int(lv["level"]): lv["name"] for lv in criteria.param("levels")}
    wv = weight_vectors(criteria)
    kinds = np.array([manufacturer_type(c, criteria.param("process_divisions")) for c in cols.obj("industry_code")],
                     dtype=object)
    mat, left_out = level_matrix(criteria, cols.obj("cmmm_levels"))
    weights = np.vstack([wv[k] for k in kinds]) if n else np.zeros(mat.shape)
    scores = level_scores(mat, weights)
    has = ~np.isnan(mat[:, 0])
    achieved = np.zeros((n, MAX_LEVEL), dtype=bool)
    counted = np.zeros((n, MAX_LEVEL), dtype=bool)   # levels whose score enters S
    lower_ok = has.copy()
    for k in range(MAX_LEVEL):
        counted[:, k] = lower_ok
        achieved[:, k] = lower_ok & (scores[:, k] > above)
        lower_ok = achieved[:, k]
    contrib = np.where(counted, np.round(scores, POINTS_DECIMALS), 0.0)
    total = np.where(has, np.round(contrib.sum(axis=1), POINTS_DECIMALS), np.nan)
    by_threshold = (total[:, None] >= np.array(thresholds)[None, :]).sum(axis=1)
    level = np.where(has, np.minimum(by_threshold, achieved.sum(axis=1)), np.nan)

    items = {}
    gates = {}
    needs = lift_counts_all(mat, weights, above)
    for k in range(1, MAX_LEVEL + 1):
        spec = criteria.item(f"level_{k}")
        items[spec.code] = engine.custom_item(spec, scores[:, k - 1], contrib[:, k - 1], has,
                                              band=engine.PerRow(_band_text(has, achieved, counted, k)))
        gspec = next(g for g in criteria.gates if g.code == f"level_{k}")
        passed = np.where(has, achieved[:, k - 1].astype(float), np.nan)
        need = needs[:, k - 1]
        short = np.where(has & ~achieved[:, k - 1] & (need > 0), need, np.nan)
        detail = engine.PerRow(_gate_text(has, achieved, scores, short, k, above, names[k]))
        gates[gspec.code] = engine.custom_gate(gspec, passed, scores[:, k - 1], short, UNIT_SUBDOMAINS, detail)

    ev = engine.evaluate_generic(criteria, cols, items, gates)
    grade = np.array([criteria.grades["unknown"] if math.isnan(lv) else
                      (f"L{int(lv)} {names[int(lv)]}" if lv >= 1 else criteria.grades["failed"]) for lv in level],
                     dtype=object)
    passed = np.where(has, (np.nan_to_num(level) >= 1).astype(float), np.nan)
    extra = {"maturity_score": total, "maturity_level": level, "manufacturer_type": kinds,
             "subdomains_left_out": np.where(has, left_out, np.nan)}
    return dataclasses.replace(ev, total=total, passed=passed, grade=grade, extra=extra)


# --------------------------------------------------------------------------- recommendations


def recommendations(criteria: Criteria, indicators: Mapping[str, Any], result: Result,
                    options: Mapping | None = None) -> tuple[Recommendation, ...]:
    """The fewest sub-domains to lift for the next level, as one plan and sub-domain by sub-domain."""
    return build(criteria, indicators, result, candidates(criteria, indicators, result, options), options)


def candidates(criteria: Criteria, indicators: Mapping[str, Any], result: Result,
               options: Mapping | None = None) -> list[Candidate]:
    """Each sub-domain to lift for the next level, and the fewest of them together."""
    reported = indicators.get("cmmm_levels")
    level = result.extra.get("maturity_level")
    if not reported or level is None or level >= MAX_LEVEL:
        return []
    k = int(level) + 1
    subs = subdomains(criteria)
    names = {int(lv["level"]): lv["name"] for lv in criteria.param("levels")}
    kind = manufacturer_type(indicators.get("industry_code"), criteria.param("process_divisions"))
    weights = weight_vectors(criteria)[kind]
    mat, _ = level_matrix(criteria, np.array([reported], dtype=object))
    need, picked = raise_needed(mat[0], weights, k, float(criteria.param("level_achieved_above")))
    if not need:
        return []
    current = next(i.value for i in result.items if i.code == f"level_{k}")
    cands = []
    for j in picked:
        key, name, element = subs[j]
        cands.append(Candidate(f"level_{k}", f"将「{name}」（{element}）能力子域提升到 {k} 级（{names[k]}）要求",
                               {"cmmm_levels": {**reported, key: k}}, k, int(mat[0, j]), "级",
                               float(k - mat[0, j])))
    if need > 1:
        row = mat.copy()
        row[0, picked] = k
        after = level_scores(row, weights[None, :])[0, k - 1]
        listed = "、".join(subs[j][1] for j in picked)
        cands.append(Candidate(f"level_{k}", f"将{listed} {need} 个能力子域提升到 {k} 级（{names[k]}）要求，"
                               f"{k}级得分由 {current:g} 提高到 {after:g}",
                               {"cmmm_levels": {**reported, **{subs[j][0]: k for j in picked}}}, k, None, "级",
                               float(sum(k - mat[0, j] for j in picked))))
    return cands
