"""The dashboards' only contact with the database: approved reports and expected enterprises as
DataFrames, the data version the cache is keyed on, and enterprise names for a page of rows.

Frames (the inputs of ``indicators`` and ``land``, see that module's docstring):

* ``load_reports()``: one row per APPROVED report, read with ONE SQL statement: report JOIN
  enterprise JOIN reporting_period LEFT JOIN a per-report aggregate of the recognition flags
  from the current scorecard snapshots. Only the columns the indicators read are selected (the
  flows of ``indicators.FLOW_FIELDS``, the stocks in ``STOCK_FIELDS``, the profile columns of
  ``indicators.PROFILE_COLUMNS``). JSON columns (``design_tools``, ``systems``,
  ``certifications``) come back decoded by SQLAlchemy's JSON type, so they are lists and dicts.
* ``load_windows(spec)``: the window ``spec`` and the same window last year, one row per
  enterprise and window, flows summed by the database (see ``windows_statement``). Every view of
  one window reads this instead of ``load_reports()``: two rows per enterprise rather than every
  report of every period. ``load_reports()`` remains for the quarterly trend and an enterprise's
  own history (``periods=`` / ``enterprise_id=`` narrow it).
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

import numpy as np
import pandas as pd
from sqlalchemy import (
    Integer,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import aliased

from portal import fields
from portal.extensions import db
from portal.models import Enterprise, Report, ReportingPeriod, ReportStatus, Scorecard, ScorecardReview
from portal.models.period import quarter_end

from .indicators import FLOW_FIELDS, PROFILE_COLUMNS, SYSTEM_KEYS, WINDOW_COLUMN, PeriodSpec

#: Stocks the indicators and the land-efficiency score read (latest report of a window).
STOCK_FIELDS: tuple[str, ...] = (
    "employees", "key_processes_total", "key_processes_nc", "equipment_total", "equipment_digital",
    "equipment_networked", "recognised_digital_workshops", "rd_institution_level", "design_tools",
    "systems", "certifications", "cloud_level", "industrial_internet",
)
JSON_FIELDS: tuple[str, ...] = ("design_tools", "systems", "certifications")
#: The flows a window view reads (the indicator formulas and the land-efficiency score); the
#: window frames of ``load_windows`` carry only these. ``tests/test_dashboards_queries.py``
#: checks that every indicator comes out the same from the full reports frame.
WINDOW_FLOWS: tuple[str, ...] = (
    "gross_output_value", "revenue", "value_added", "taxes_paid", "rd_expenditure", "fixed_asset_investment",
    "electricity_kwh", "natural_gas_m3", "raw_coal_t", "diesel_t", "gasoline_t", "fuel_oil_t", "lpg_t",
    "steam_t", "heat_gj", "other_energy_tce", "water_withdrawal_m3", "water_recycled_m3",
    "solid_waste_generated_t", "solid_waste_prior_stock_used_t", "solid_waste_utilised_t",
)
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


def _flags_subquery(period_ids: Iterable[int] | None = None):
    """Per report, the recognition flags (only reports of these periods when ``period_ids`` is
    given: a snapshot's period is its report's)."""
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
        .where(_counted_scorecards(),
               true() if period_ids is None else Scorecard.period_id.in_(list(period_ids)))
        .group_by(Scorecard.report_id)
        .subquery("flags")
    )


def _in_periods(periods: Iterable[tuple[int, int]] | None):
    """A WHERE clause keeping the given (year, quarter) pairs (everything for None)."""
    if periods is None:
        return true()
    by_year: dict[int, set[int]] = {}
    for year, quarter in periods:
        by_year.setdefault(int(year), set()).add(int(quarter))
    if not by_year:
        return ReportingPeriod.id.is_(None)    # no period asked for: no row
    return or_(*(and_(ReportingPeriod.year == year, ReportingPeriod.quarter.in_(sorted(qs)))
                 for year, qs in sorted(by_year.items())))


def _value_column(column, key: str):
    # JSON columns come back as text and are decoded once per distinct value (``_decode_json``):
    # reports repeat the same lists and maps quarter after quarter.
    return (type_coerce(column, Text) if key in JSON_FIELDS else column).label(key)


def reports_statement(periods: Iterable[tuple[int, int]] | None = None, enterprise_id: int | None = None):
    """The single SELECT behind ``load_reports`` (exposed for the benchmark and tests)."""
    flags = _flags_subquery()
    value_cols = [_value_column(getattr(Report, key), key) for key in (*FLOW_FIELDS, *STOCK_FIELDS)]
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
        .where(_APPROVED, _in_periods(periods),
               true() if enterprise_id is None else Report.enterprise_id == int(enterprise_id))
        .order_by(Report.enterprise_id, ReportingPeriod.year, ReportingPeriod.quarter)
    )


def window_periods(spec: PeriodSpec) -> dict[int, int]:
    """{quarter: reporting period id} of the window's quarters that exist (one small query)."""
    rows = db.session.execute(
        select(ReportingPeriod.quarter, ReportingPeriod.id)
        .where(ReportingPeriod.year == spec.year, ReportingPeriod.quarter.in_(spec.quarters))
    ).all()
    return {int(q): int(pid) for q, pid in rows}


def windows_statement(spec: PeriodSpec, periods: dict[int, int] | None = None):
    """One row per enterprise with an approved report in the window ``spec``, summed in SQL.

    ``periods`` is ``window_periods(spec)`` (read when not given). Flows are summed over the
    window's quarters ``GROUP BY enterprise_id`` and are NULL unless the enterprise reported the
    flow in every quarter of the window (``COUNT(flow)`` equals the number of quarters), as
    ``indicators.select_period`` does in pandas; ``n_quarters`` counts its reports in the window.
    Stocks, profile and recognition flags come from its latest report in the window, joined back
    on (enterprise, period of the last quarter) through the report's unique index. The report
    rows are found through ``ix_report_period_status`` (period id and status), never by a scan.
    The states of ``systems`` are read per key in SQL (``systems.<key>`` columns), so the map is
    never decoded in Python. A one-quarter window needs no sum: its rows are read as they are.
    """
    periods = window_periods(spec) if periods is None else periods
    # A window without reporting periods matches no report (period id 0 does not exist).
    periods = periods or {spec.quarters[-1]: 0}
    n_needed = len(spec.quarters)
    latest = aliased(Report, name="latest")
    flags = _flags_subquery(sorted(periods.values()))
    # JSON lists as text (CAST, so that every driver hands over a string, decoded per distinct value).
    stocks = [(cast(getattr(latest, key), Text) if key in JSON_FIELDS else getattr(latest, key)).label(key)
              for key in STOCK_FIELDS if key != "systems"]
    systems = [latest.systems[key].as_string().label(f"systems.{key}") for key in SYSTEM_KEYS]
    if n_needed == 1:
        # One quarter: each report is its own window (a flow is NULL exactly when its one value
        # is), so the rows are read as they are, without the GROUP BY and the join back.
        return (
            select(
                latest.id.label("report_id"),
                latest.enterprise_id.label("enterprise_id"),
                literal_column(str(spec.quarter), Integer).label("quarter"),
                literal_column("1", Integer).label("n_quarters"),
                *(getattr(Enterprise, key).label(key) for key in PROFILE_COLUMNS),
                *(getattr(latest, key).label(key) for key in WINDOW_FLOWS),
                *stocks,
                *systems,
                *(flags.c[name].label(name) for name in FLAG_COLUMNS),
            )
            .join(Enterprise, Enterprise.id == latest.enterprise_id)
            .outerjoin(flags, flags.c.report_id == latest.id)
            .where(latest.status == ReportStatus.APPROVED, latest.period_id.in_(sorted(periods.values())))
            .order_by(latest.enterprise_id)
        )
    quarter_of = case({pid: q for q, pid in periods.items()}, value=Report.period_id)
    # ``enterprise_id + 0``: grouping by an expression stops SQLite from walking the whole report
    # table in enterprise order (ix_report_enterprise_id) to save a sort; it then reads only the
    # window's rows through ix_report_period_status (5x faster at 80,000 reports).
    win = (
        select((Report.enterprise_id + 0).label("enterprise_id"), quarter_of.label("quarter"),
               *(getattr(Report, key).label(key) for key in WINDOW_FLOWS))
        .where(_APPROVED, Report.period_id.in_(sorted(periods.values())))
        .subquery("win")
    )
    sums = (
        select(
            win.c.enterprise_id.label("enterprise_id"),
            func.max(win.c.quarter).label("last_quarter"),
            func.count().label("n_quarters"),
            *(case((func.count(win.c[key]) == n_needed, func.sum(win.c[key]))).label(key) for key in WINDOW_FLOWS),
        )
        .group_by(win.c.enterprise_id)
        .subquery("sums")
    )
    period_of = case(periods, value=sums.c.last_quarter)
    return (
        select(
            latest.id.label("report_id"),
            sums.c.enterprise_id.label("enterprise_id"),
            sums.c.last_quarter.label("quarter"),
            sums.c.n_quarters.label("n_quarters"),
            *(getattr(Enterprise, key).label(key) for key in PROFILE_COLUMNS),
            *(sums.c[key].label(key) for key in WINDOW_FLOWS),
            *stocks,
            *systems,
            *(flags.c[name].label(name) for name in FLAG_COLUMNS),
        )
        .select_from(sums)
        .join(latest, and_(latest.enterprise_id == sums.c.enterprise_id, latest.period_id == period_of))
        .join(Enterprise, Enterprise.id == sums.c.enterprise_id)
        .outerjoin(flags, flags.c.report_id == latest.id)
        .where(latest.status == ReportStatus.APPROVED)
        .order_by(sums.c.enterprise_id)
    )


def _frame(result, columns: Iterable[str] | None = None) -> pd.DataFrame:
    keys = list(columns) if columns is not None else list(result.keys())
    return pd.DataFrame.from_records(result.all(), columns=keys)


def _columns_frame(result, floats: Iterable[str] = ()) -> pd.DataFrame:
    """The rows as a frame built column by column: the ``floats`` columns go straight to float64
    arrays (None -> NaN) without a pass through object columns and ``pd.to_numeric``."""
    keys = list(result.keys())
    rows = result.all()
    floats = set(floats)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
    data = {}
    for key, values in zip(keys, columns, strict=True):
        if key in floats:
            data[key] = np.array(values, dtype=float)
        else:
            data[key] = pd.Series(values, dtype=object) if not rows else pd.Series(values)
    return pd.DataFrame(data, columns=keys)


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


def _typed(frame: pd.DataFrame, ints: Iterable[str]) -> pd.DataFrame:
    for name in JSON_FIELDS:
        frame[name] = _decode_json(frame[name])
    for name in ints:
        frame[name] = frame[name].astype("int64")
    return frame


def _float_columns() -> tuple[str, ...]:
    # Numbers as float with NaN for empty; flags 0/1/NULL -> 1.0/0.0/NaN (``bool_to_float`` reads them).
    return (*_numeric_keys(), *FLAG_COLUMNS, "land_area_mu")


def load_reports(periods: Iterable[tuple[int, int]] | None = None, enterprise_id: int | None = None) -> pd.DataFrame:
    """The ``reports`` frame: one row per approved report, profile and flags joined (one query);
    only the given (year, quarter) pairs when ``periods`` is given, only one enterprise's
    reports when ``enterprise_id`` is."""
    # A Core execute on the session's connection (same transaction) skips ORM row processing.
    result = db.session.connection().execute(reports_statement(periods, enterprise_id))
    frame = _columns_frame(result, _float_columns())
    return _typed(frame, ("year", "quarter", "enterprise_id", "report_id"))


def _raw_frame(result, floats: Iterable[str], ints: Iterable[str]) -> pd.DataFrame:
    """The rows of ``result`` straight from the DBAPI cursor (no SQLAlchemy row processing) as one
    2-D object array, then one float64 block for ``floats`` (None -> NaN), int64 for ``ints`` and
    objects for the rest. Every cell must be a scalar (JSON columns are read as text)."""
    keys = list(result.keys())
    rows = result.cursor.fetchall() if result.returns_rows else []
    result.close()
    cells = np.array(rows, dtype=object) if rows else np.empty((0, len(keys)), dtype=object)
    floats, ints = set(floats), set(ints)
    float_keys = [k for k in keys if k in floats]
    block = cells[:, [keys.index(k) for k in float_keys]]
    block[block == None] = np.nan  # noqa: E711 - elementwise test for SQL NULL
    parts = [pd.DataFrame(block.astype(float), columns=float_keys)]
    other = [k for k in keys if k not in floats]
    parts.append(pd.DataFrame(cells[:, [keys.index(k) for k in other]], columns=other))
    frame = pd.concat(parts, axis=1)
    for key in other:
        if key in ints:
            frame[key] = frame[key].astype(np.int64)
    return frame


def _to_bool(column: pd.Series) -> pd.Series:
    """0/1 (SQLite) or True/False (PostgreSQL) -> True/False, NULL -> None."""
    # A dict lookup per value: 1 == True and 0 == False, so both spellings hit (pandas' ``map``
    # with a dict would not match bools against integer keys).
    get = {True: True, False: False}.get
    return pd.Series([get(v) for v in column.to_numpy(dtype=object)], index=column.index, dtype=object)


def load_windows(spec: PeriodSpec) -> pd.DataFrame:
    """The window frame for ``spec`` and the same window a year earlier: one row per enterprise and
    window (``windows_statement``: flows summed by the database, only ``WINDOW_FLOWS``, system
    states per key), tagged with the window's code in ``WINDOW_COLUMN``.
    ``indicators.select_period`` reads it like the ``reports`` frame, so a view of one window
    reads two rows per enterprise instead of every report of every period."""
    connection = db.session.connection()
    floats = (*_float_columns(), *WINDOW_FLOWS)
    frames = []
    for window in (spec, spec.previous_year()):
        result = connection.execute(windows_statement(window))
        frame = _raw_frame(result, floats, ("report_id", "enterprise_id", "quarter", "n_quarters"))
        frame.insert(2, "year", np.int64(window.year))
        frame.insert(4, WINDOW_COLUMN, window.code)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    for name in JSON_FIELDS:
        if name in frame.columns:
            frame[name] = _decode_json(frame[name])
    for name in ("is_above_scale", "industrial_internet"):
        frame[name] = _to_bool(frame[name])
    # SQLite hands dates over as ISO text; PostgreSQL as dates. Both become Timestamps (NaT for none).
    frame["high_tech_cert_until"] = pd.to_datetime(frame["high_tech_cert_until"], errors="coerce")
    return frame


def approved_quarters() -> tuple[tuple[int, int], ...]:
    """(year, quarter) of every period holding at least one approved report, ascending."""
    has_approved = exists().where(Report.period_id == ReportingPeriod.id, _APPROVED)
    rows = db.session.execute(
        select(ReportingPeriod.year, ReportingPeriod.quarter).where(has_approved).distinct()
    ).all()
    return tuple(sorted((int(y), int(q)) for y, q in rows))


def load_expected(periods: Iterable[tuple[int, int]] | None = None) -> pd.DataFrame:
    """The ``expected`` frame: active enterprises x opened periods, founded by the period's end
    (only the given (year, quarter) pairs of them when ``periods`` is given)."""
    cols = ("enterprise_id", "cluster", "sub_direction", "park", "town", "is_above_scale", "founded_on")
    enterprises = _frame(db.session.execute(
        select(Enterprise.id, Enterprise.cluster, Enterprise.sub_direction, Enterprise.park, Enterprise.town,
               Enterprise.is_above_scale, Enterprise.founded_on)
        .where(Enterprise.active.is_(True))
    ), cols)
    wanted = None if periods is None else list(periods)
    periods = _frame(db.session.execute(
        select(ReportingPeriod.year, ReportingPeriod.quarter).where(_in_periods(wanted))
    ), ("year", "quarter"))
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
