"""The dashboards' only contact with the database: approved reports and expected enterprises as
DataFrames, the data version the cache is keyed on, and enterprise names for a page of rows.

Frames (the inputs of ``indicators`` and ``land``, see that module's docstring):

* ``load_reports()``: one row per APPROVED report, read with ONE SQL statement: report JOIN
  enterprise JOIN reporting_period LEFT JOIN a per-report aggregate of the recognition flags
  from the current scorecard snapshots. Only the columns the indicators read are selected (the
  flows of ``indicators.FLOW_FIELDS``, the stocks in ``STOCK_FIELDS``, the profile columns of
  ``indicators.PROFILE_COLUMNS``). JSON columns (``design_tools``, ``systems``,
  ``certifications``) come back decoded by SQLAlchemy's JSON type, so they are lists and dicts.
* ``load_expected()``: one row per (active enterprise, reporting period) for every period the
  commission has opened, limited to enterprises founded by the period's last day. Every active
  enterprise, above-scale or not, is expected; each indicator restricts the rows to its own
  population (e.g. above-scale only). The enterprise profile has no deactivation date, so a
  deactivated enterprise leaves every period's denominator, including past ones.

Recognition flags (``smart_factory``, ``green_factory``, ``sts``) come from the scorecard
snapshots of the same report that are ``current`` (the newest per report and family):

* family ``smart`` with grade 智能工厂 -> ``smart_factory`` 1; another grade (数字化车间,
  未达到认定条件) -> 0; no grade or "资料不全，无法判定" -> unknown (NULL);
* family ``green`` -> ``green_factory`` = ``passed``; family ``sts`` -> ``sts`` = ``passed``
  (NULL when the engine left the result open).
* Review state: a ``rejected`` snapshot never counts. Once the commission has confirmed at least
  one snapshot of a family, only ``confirmed`` snapshots of that family count; until then the
  pending snapshots count and the dashboard marks the indicator provisional
  (``recognition_basis`` tells which). A report without a snapshot of a family has no value
  for that flag (the indicator's coverage shows it).
"""
from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Text, and_, case, func, select, true, type_coerce

from portal import fields
from portal.extensions import db
from portal.models import Enterprise, Report, ReportingPeriod, ReportStatus, Scorecard, ScorecardReview
from portal.models.period import quarter_end

from .indicators import FLOW_FIELDS, PROFILE_COLUMNS

#: Stocks the indicators and the land-efficiency score read (latest report of a window).
STOCK_FIELDS: tuple[str, ...] = (
    "employees", "key_processes_total", "key_processes_nc", "equipment_total", "equipment_digital",
    "equipment_networked", "recognised_digital_workshops", "rd_institution_level", "design_tools",
    "systems", "certifications", "cloud_level", "industrial_internet",
)
JSON_FIELDS: tuple[str, ...] = ("design_tools", "systems", "certifications")
FLAG_COLUMNS: tuple[str, ...] = ("smart_factory", "green_factory", "sts")
SMART_FACTORY_GRADE = "智能工厂"   # the smart framework's top level (criteria/smart_cq.yaml)
SMART_NO_LEVEL = ("数字化车间", "未达到认定条件")
RECOGNITION_FAMILIES = ("smart", "green", "sts")

_APPROVED = Report.status == ReportStatus.APPROVED


def _counted_scorecards():
    """Current snapshots whose review state lets them count (see the module docstring)."""
    # Uncorrelated, so the database evaluates it once (a correlated EXISTS scanned the table per row).
    confirmed_families = select(Scorecard.family).where(Scorecard.review_state == "confirmed").distinct()
    return and_(
        Scorecard.current.is_(True),
        Scorecard.family.in_(RECOGNITION_FAMILIES),
        Scorecard.review_state != "rejected",
        (Scorecard.review_state == "confirmed") | Scorecard.family.not_in(confirmed_families),
    )


def _passed(family: str):
    return case(
        (and_(Scorecard.family == family, Scorecard.passed.is_(True)), 1),
        (and_(Scorecard.family == family, Scorecard.passed.is_(False)), 0),
    )


def _flags_subquery():
    smart = case(
        (and_(Scorecard.family == "smart", Scorecard.grade == SMART_FACTORY_GRADE), 1),
        (and_(Scorecard.family == "smart", Scorecard.grade.in_(SMART_NO_LEVEL)), 0),
    )
    return (
        select(
            Scorecard.report_id.label("report_id"),
            func.max(smart).label("smart_factory"),
            func.max(_passed("green")).label("green_factory"),
            func.max(_passed("sts")).label("sts"),
        )
        .where(_counted_scorecards())
        .group_by(Scorecard.report_id)
        .subquery("flags")
    )


def reports_statement():
    """The single SELECT behind ``load_reports`` (exposed for the benchmark and tests)."""
    flags = _flags_subquery()
    # JSON columns come back as text and are decoded once per distinct value (``_decode_json``):
    # reports repeat the same lists and maps quarter after quarter.
    value_cols = [
        (type_coerce(getattr(Report, key), Text) if key in JSON_FIELDS else getattr(Report, key)).label(key)
        for key in (*FLOW_FIELDS, *STOCK_FIELDS)
    ]
    profile_cols = [getattr(Enterprise, key).label(key) for key in PROFILE_COLUMNS]
    return (
        select(
            Report.id.label("report_id"),
            Report.enterprise_id.label("enterprise_id"),
            ReportingPeriod.year.label("year"),
            ReportingPeriod.quarter.label("quarter"),
            *profile_cols,
            *value_cols,
            *(flags.c[name].label(name) for name in FLAG_COLUMNS),
        )
        .join(Enterprise, Enterprise.id == Report.enterprise_id)
        .join(ReportingPeriod, ReportingPeriod.id == Report.period_id)
        .outerjoin(flags, flags.c.report_id == Report.id)
        .where(_APPROVED)
        .order_by(Report.enterprise_id, ReportingPeriod.year, ReportingPeriod.quarter)
    )


def _frame(result, columns: Iterable[str] | None = None) -> pd.DataFrame:
    keys = list(columns) if columns is not None else list(result.keys())
    return pd.DataFrame.from_records(result.all(), columns=keys)


def _numeric_keys() -> tuple[str, ...]:
    registry = fields.registry()
    return tuple(key for key in (*FLOW_FIELDS, *STOCK_FIELDS) if registry.field(key).is_numeric)


def _decode_json(column: pd.Series) -> pd.Series:
    """JSON text -> lists/dicts, decoding each distinct text once (NULL stays None). A driver that
    decodes JSON itself (psycopg on PostgreSQL) hands over lists and dicts, kept as they are."""
    decoded: dict[str, object] = {}

    def one(v):
        if not isinstance(v, str):
            return v
        if v not in decoded:
            decoded[v] = json.loads(v)
        return decoded[v]

    return pd.Series([one(v) for v in column.to_numpy()], index=column.index, dtype=object)


def load_reports() -> pd.DataFrame:
    """The ``reports`` frame: one row per approved report, profile and flags joined (one query)."""
    # A Core execute on the session's connection (same transaction) skips ORM row processing.
    result = db.session.connection().execute(reports_statement())
    frame = _frame(result)
    for name in JSON_FIELDS:
        frame[name] = _decode_json(frame[name])
    # Numbers as float with NaN for empty; flags 0/1/NULL -> 1.0/0.0/NaN (``bool_to_float`` reads them).
    for name in (*_numeric_keys(), *FLAG_COLUMNS, "land_area_mu"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    for name in ("year", "quarter", "enterprise_id", "report_id"):
        frame[name] = frame[name].astype("int64")
    return frame


def load_expected() -> pd.DataFrame:
    """The ``expected`` frame: active enterprises x opened periods, founded by the period's end."""
    cols = ("enterprise_id", "cluster", "sub_direction", "park", "town", "is_above_scale", "founded_on")
    enterprises = _frame(db.session.execute(
        select(Enterprise.id, Enterprise.cluster, Enterprise.sub_direction, Enterprise.park, Enterprise.town,
               Enterprise.is_above_scale, Enterprise.founded_on)
        .where(Enterprise.active.is_(True))
    ), cols)
    periods = _frame(db.session.execute(select(ReportingPeriod.year, ReportingPeriod.quarter)), ("year", "quarter"))
    columns = ["enterprise_id", "year", "quarter", *cols[1:-1]]
    if enterprises.empty or periods.empty:
        return pd.DataFrame(columns=columns)
    periods["ends_on"] = [quarter_end(int(y), int(q)) for y, q in periods.itertuples(index=False)]
    grid = enterprises.merge(periods, how="cross")
    founded = pd.to_datetime(grid["founded_on"], errors="coerce")
    grid = grid.loc[founded.isna() | (founded <= pd.to_datetime(grid["ends_on"]))]
    out = grid.loc[:, columns].reset_index(drop=True)
    for name in ("year", "quarter", "enterprise_id"):
        out[name] = out[name].astype("int64")
    return out


def recognition_basis() -> dict[str, str | None]:
    """Per recognition family: ``"confirmed"`` when only confirmed snapshots count, ``"pending"``
    when unconfirmed ones do (the figures are provisional), ``None`` when there is no snapshot."""
    rows = db.session.execute(
        select(Scorecard.family, func.max(case((Scorecard.review_state == "confirmed", 1), else_=0)))
        .where(Scorecard.current.is_(True), Scorecard.family.in_(RECOGNITION_FAMILIES))
        .group_by(Scorecard.family)
    ).all()
    found = {family: ("confirmed" if confirmed else "pending") for family, confirmed in rows}
    return {family: found.get(family) for family in RECOGNITION_FAMILIES}


def data_version() -> tuple:
    """A cheap fingerprint of everything the dashboards read, in ONE query.

    (approved reports, latest approval, latest change to an approved report, latest scorecard,
    latest scorecard review, latest enterprise profile change, active enterprises, periods).
    Approving or amending a report, re-scoring, reviewing a snapshot, editing a profile or
    opening a period changes it; nothing else does.
    """
    approved = (
        select(func.count(Report.id), func.max(Report.approved_at), func.max(Report.updated_at))
        .where(_APPROVED)
        .subquery()
    )
    row = db.session.execute(
        select(
            *approved.c,
            select(func.max(Scorecard.id)).scalar_subquery(),
            select(func.max(ScorecardReview.id)).scalar_subquery(),
            select(func.max(Enterprise.updated_at)).scalar_subquery(),
            select(func.count(Enterprise.id)).where(Enterprise.active.is_(True)).scalar_subquery(),
            select(func.count(ReportingPeriod.id)).scalar_subquery(),
        ).select_from(approved).where(true())
    ).one()
    return tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row)


def enterprise_names(ids: Iterable[int]) -> dict[int, str]:
    """Names of the given enterprises (for one page of a commission table)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return {}
    rows = db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all()
    return {int(i): name for i, name in rows}
