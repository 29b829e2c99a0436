"""The dashboards' reads: window rows and expected enterprises as DataFrames, the data version the
cache is keyed on, and enterprise names for a page of rows (``facts`` writes the aggregates).

Frames (the inputs of ``indicators`` and ``land``, see that module's docstring):

* ``load_reports()``: one row per APPROVED report, read with ONE SQL statement: report JOIN
  enterprise JOIN reporting_period LEFT JOIN a per-report aggregate of the recognition flags
  from the current scorecard snapshots. Only the columns the indicators read are selected (the
  flows of ``indicators.FLOW_FIELDS``, the stocks in ``STOCK_FIELDS``, the profile columns of
  ``indicators.PROFILE_COLUMNS``). JSON columns (``design_tools``, ``systems``,
  ``certifications``) come back decoded by SQLAlchemy's JSON type, so they are lists and dicts.
* ``load_windows(spec)``: the window ``spec`` and the same window last year, one row per
  enterprise and window, from the maintained aggregates (``facts``: flows summed, stocks of the
  latest report, flags of its snapshots). Every view of one window reads this instead of
  ``load_reports()``; the trend reads the quarter windows one at a time (``load_window_rows``).
  ``load_reports()`` remains for an enterprise's own history (``periods=`` / ``enterprise_id=``
  narrow it) and as the reference the tests compare the aggregates with.
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
    Text,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    true,
    type_coerce,
)

from portal import fields
from portal.extensions import db
from portal.models import DashboardVersion, Enterprise, Report, ReportingPeriod, ReportStatus, Scorecard
from portal.models.dashboard import ENUM_STOCKS, LAYOUT, LIST_STOCKS, NUMERIC_STOCKS, WINDOW_FLOWS, WindowFact
from portal.models.period import quarter_end

from . import facts
from .facts import RECOGNITION_FAMILIES, SMART_FACTORY_GRADE, SMART_NO_LEVEL, fact_code
from .indicators import FLOW_FIELDS, PROFILE_COLUMNS, SYSTEM_KEYS, WINDOW_COLUMN, PeriodSpec

#: Stocks the indicators and the land-efficiency score read (latest report of a window).
STOCK_FIELDS: tuple[str, ...] = (
    "employees", "key_processes_total", "key_processes_nc", "equipment_total", "equipment_digital",
    "equipment_networked", "recognised_digital_workshops", "rd_institution_level", "design_tools",
    "systems", "certifications", "cloud_level", "industrial_internet",
)
JSON_FIELDS: tuple[str, ...] = ("design_tools", "systems", "certifications")
FLAG_COLUMNS: tuple[str, ...] = ("smart_factory", "green_factory", "sts")

_APPROVED = Report.status == ReportStatus.APPROVED


def _counted_scorecards():
    """Current snapshots whose review state lets them count (see the module docstring)."""
    # Uncorrelated, so the database evaluates it once (a correlated EXISTS scanned the table per row).
    # (a family counts as confirmed when one of its *current* snapshots is, as ``recognition_basis``)
    confirmed_families = (select(Scorecard.family)
                          .where(Scorecard.current.is_(True), Scorecard.review_state == "confirmed").distinct())
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


def windows_statement(code: str):
    """The SELECT behind ``load_windows``: the packed vectors of the maintained window rows
    (``WindowFact``) of the window ``code``, in enterprise order."""
    return (select(WindowFact.vector).where(WindowFact.window == code).order_by(WindowFact.enterprise_id))


def load_enterprises() -> pd.DataFrame:
    """Every enterprise's profile (``PROFILE_COLUMNS``), ``active`` and ``founded_on``, indexed by id:
    read once per window view for both the window rows and the expected frame."""
    statement = select(Enterprise.id.label("enterprise_id"),
                       *(getattr(Enterprise, key).label(key) for key in PROFILE_COLUMNS),
                       Enterprise.active.label("active"), Enterprise.founded_on.label("founded_on"))
    result = db.session.connection().execute(statement)
    frame = _raw_frame(result, ("land_area_mu",), ("enterprise_id",)).set_index("enterprise_id")
    frame["is_above_scale"] = _to_bool(frame["is_above_scale"])
    # SQLite hands dates over as ISO text; PostgreSQL as dates. Both become Timestamps (NaT for none).
    frame["high_tech_cert_until"] = pd.to_datetime(frame["high_tech_cert_until"], errors="coerce")
    return frame


def load_windows(spec: PeriodSpec, enterprises: pd.DataFrame | None = None) -> pd.DataFrame:
    """The window frame for ``spec`` and the same window a year earlier: one row per enterprise and
    window, tagged with the window's code in ``WINDOW_COLUMN``, read from the maintained
    aggregates (``facts``: flows already summed, stocks of the window's latest report, flags of
    its snapshots), so a view of one window reads two rows per enterprise and never a report.
    ``indicators.select_period`` reads it like the ``reports`` frame."""
    return load_window_rows((spec, spec.previous_year()), enterprises)


def load_window_rows(windows: Iterable[PeriodSpec], enterprises: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of these windows (see ``load_windows``), window after window.

    Each recognition flag is the family's confirmed variant once a current snapshot of the
    family is confirmed, else the variant counting pending snapshots (``recognition_basis``).
    The profile is read once per enterprise (``enterprises``, ``load_enterprises()`` when not
    given) and joined here."""
    connection = db.session.connection()
    vectors, codes = [], []
    for window in windows:
        result = connection.execute(windows_statement(fact_code(window)))
        rows = result.cursor.fetchall()     # straight from the driver: one bytes value per row
        result.close()
        vectors.extend(row[0] for row in rows)
        codes.append(np.full(len(rows), window.code, dtype=object))
    matrix = facts.unpack(vectors)
    at = {name: i for i, name in enumerate(LAYOUT)}
    data: dict[str, object] = {
        key: matrix[:, at[key]].astype(np.int64) for key in ("report_id", "enterprise_id", "year", "quarter")}
    data[WINDOW_COLUMN] = np.concatenate(codes) if codes else np.empty(0, dtype=object)
    data["n_quarters"] = matrix[:, at["n_quarters"]].astype(np.int64)
    profiles = load_enterprises() if enterprises is None else enterprises
    rows = profiles.index.get_indexer(data["enterprise_id"])
    for key in PROFILE_COLUMNS:
        data[key] = profiles[key].to_numpy()[rows]
    numbers = [*WINDOW_FLOWS, *NUMERIC_STOCKS]
    for key in ENUM_STOCKS:
        data[key] = facts.decode_enum(matrix[:, at[key]], key)
    for key in LIST_STOCKS:
        data[key] = facts.decode_lists(matrix[:, at[key]], key)
    flag = matrix[:, at["industrial_internet"]]
    data["industrial_internet"] = np.where(np.isnan(flag), None, flag == 1.0).astype(object)
    for key in SYSTEM_KEYS:
        data[f"systems.{key}"] = facts.decode_states(matrix[:, at[f"systems.{key}"]])
    basis = recognition_basis()
    flags = {name: matrix[:, at[f"{name}_{'confirmed' if basis.get(family) == 'confirmed' else 'open'}"]]
             for name, family in zip(FLAG_COLUMNS, RECOGNITION_FAMILIES, strict=True)}
    # The flows and numeric stocks are neighbours in the layout: one float block that is a view of
    # the matrix (no copy); the rest beside it. Separate float arrays would be consolidated again.
    first, last = at[numbers[0]], at[numbers[-1]]    # tests/test_dashboards_facts.py checks they are
    block = pd.DataFrame(matrix[:, first:last + 1], columns=numbers, copy=False)
    return pd.concat([pd.DataFrame(data), block, pd.DataFrame(flags)], axis=1, copy=False)


def approved_quarters() -> tuple[tuple[int, int], ...]:
    """(year, quarter) of every period holding at least one approved report, ascending."""
    has_approved = exists().where(Report.period_id == ReportingPeriod.id, _APPROVED)
    rows = db.session.execute(
        select(ReportingPeriod.year, ReportingPeriod.quarter).where(has_approved).distinct()
    ).all()
    return tuple(sorted((int(y), int(q)) for y, q in rows))


def load_expected(periods: Iterable[tuple[int, int]] | None = None,
                  enterprises: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``expected`` frame: active enterprises x opened periods, founded by the period's end
    (only the given (year, quarter) pairs of them when ``periods`` is given; ``enterprises`` is
    ``load_enterprises()``, read when not given)."""
    columns = ["enterprise_id", "year", "quarter", "cluster", "sub_direction", "park", "town", "is_above_scale"]
    enterprises = load_enterprises() if enterprises is None else enterprises
    active = enterprises.loc[_to_bool(enterprises["active"]).to_numpy(dtype=object) == True]  # noqa: E712
    wanted = None if periods is None else list(periods)
    quarters = sorted({(int(y), int(q)) for y, q in db.session.execute(
        select(ReportingPeriod.year, ReportingPeriod.quarter).where(_in_periods(wanted))).all()})
    if active.empty or not quarters:
        return pd.DataFrame(columns=columns)
    founded = pd.to_datetime(active["founded_on"], errors="coerce").to_numpy()
    parts = []
    for year, quarter in quarters:
        ends = np.datetime64(quarter_end(year, quarter))
        keep = np.isnat(founded) | (founded <= ends)
        rows = active.loc[keep]
        part = pd.DataFrame({"enterprise_id": rows.index.to_numpy(dtype=np.int64),
                             "year": np.int64(year), "quarter": np.int64(quarter)})
        for key in columns[3:]:
            part[key] = rows[key].to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


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
    """The dashboards' data version: ``DashboardVersion.version``, which every transaction that
    changes what they show (approving or amending a report, re-scoring, reviewing a snapshot,
    editing a profile, opening a period) increments (``facts``). One primary-key read."""
    row = db.session.execute(
        select(DashboardVersion.version, DashboardVersion.changed_at).where(DashboardVersion.id == 1)
    ).first()
    if row is None:
        return (0, None)
    return (int(row.version), row.changed_at.isoformat() if row.changed_at else None)


def enterprise_names(ids: Iterable[int]) -> dict[int, str]:
    """Names of the given enterprises (for one page of a commission table)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return {}
    rows = db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all()
    return {int(i): name for i, name in rows}
