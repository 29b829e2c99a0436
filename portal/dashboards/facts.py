"""The dashboards' maintained aggregates (``WindowFact``, ``DashboardVersion``): how they are
built from the reports, and the session hooks that keep them current.

A dashboard view reads one window for every enterprise. Summing the window's reports, decoding
the ``systems`` map and joining the scorecard flags at 400,000 reports costs seconds per window,
so that work is done when the data changes instead, and only for what changed:

* After every flush the hooks note the (enterprise, period) of each approved report added,
  changed or deleted (or a report leaving ``approved``), of each scorecard snapshot and of each
  snapshot review; enterprise and period changes only mark the version.
* Before the transaction commits, ``refresh`` rewrites those enterprises' rows for the affected
  years: DELETE, then one ``INSERT ... SELECT`` per window of the year (four quarters, the years
  to date Q1-Q2 and Q1-Q3, the full year) restricted to those enterprises. It then bumps
  ``DashboardVersion``. A failure rolls the whole transaction back, so the aggregates never
  disagree with the reports they come from.
* A bulk statement on the report, scorecard or review tables (demo loader, restore) cannot be
  traced to rows: the commit then rebuilds every row (``rebuild``), as ``flask dashboards
  rebuild`` does.

This module and ``queries`` are the only ones in the room that touch the database.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
import pandas as pd
from flask import Flask
from sqlalchemy import (
    Integer,
    Text,
    and_,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, aliased

from portal import fields
from portal.models import (
    DashboardVersion,
    Enterprise,
    Report,
    ReportingPeriod,
    ReportStatus,
    Scorecard,
    ScorecardReview,
    WindowFact,
)
from portal.models.base import utcnow
from portal.models.dashboard import (
    ENUM_STOCKS,
    LAYOUT,
    LAYOUT_ID,
    LIST_STOCKS,
    NUMERIC_STOCKS,
    RECOGNITION_FLAGS,
    SYSTEM_KEYS,
    SYSTEM_STATES,
    WINDOW_FLOWS,
)

from .indicators import PeriodSpec

SMART_FACTORY_GRADE = "智能工厂"   # the smart framework's top level (criteria/smart_cq.yaml)
SMART_NO_LEVEL = ("数字化车间", "未达到认定条件")
RECOGNITION_FAMILIES = ("smart", "green", "sts")
_PENDING = "dashboards_pending"
_BUSY = "dashboards_refreshing"
_CHUNK = 500
_SOURCE_TABLES = frozenset({"report", "scorecard", "scorecard_review"})
_VERSION_TABLES = frozenset({"enterprise", "reporting_period"})


# ---------------------------------------------------------------------------------------------
# Windows
# ---------------------------------------------------------------------------------------------


def year_windows(year: int) -> tuple[PeriodSpec, ...]:
    """The windows kept for a year: Q1-Q4, Q1-Q2, Q1-Q3 and the full year (Q1 alone is Q1)."""
    return (*(PeriodSpec.of_quarter(year, q) for q in (1, 2, 3, 4)),
            PeriodSpec.ytd(year, 2), PeriodSpec.ytd(year, 3), PeriodSpec.full_year(year))


def fact_code(spec: PeriodSpec) -> str:
    """The ``WindowFact.window`` holding ``spec`` (a one-quarter year to date is that quarter)."""
    if len(spec.quarters) == 1:
        return PeriodSpec.of_quarter(spec.year, spec.quarters[0]).code
    return spec.code


# ---------------------------------------------------------------------------------------------
# The SELECT behind a window's rows
# ---------------------------------------------------------------------------------------------


def _flag_case(family: str, condition):
    base = and_(Scorecard.family == family, condition)
    if family == "smart":
        return case((and_(base, Scorecard.grade == SMART_FACTORY_GRADE), 1),
                    (and_(base, Scorecard.grade.in_(SMART_NO_LEVEL)), 0))
    return case((and_(base, Scorecard.passed.is_(True)), 1), (and_(base, Scorecard.passed.is_(False)), 0))


def _flags_select(period_ids: list[int], enterprise_ids: list[int] | None):
    """Per report of these periods, each recognition flag from the current snapshots, counted as
    while no snapshot of the family is confirmed (not rejected) and as once one is (confirmed).
    Read on its own and matched in Python: joined to the window's rows, it made PostgreSQL's
    planner pick a nested loop over the aggregate (minutes at 400,000 reports)."""
    not_rejected = Scorecard.review_state != "rejected"
    confirmed = Scorecard.review_state == "confirmed"
    columns = []
    for flag, family in zip(RECOGNITION_FLAGS, RECOGNITION_FAMILIES, strict=True):
        columns.append(func.max(_flag_case(family, not_rejected)).label(f"{flag}_open"))
        columns.append(func.max(_flag_case(family, confirmed)).label(f"{flag}_confirmed"))
    return (
        select(Scorecard.report_id.label("report_id"), *columns)
        .where(Scorecard.current.is_(True), Scorecard.family.in_(RECOGNITION_FAMILIES),
               Scorecard.period_id.in_(period_ids),
               true() if enterprise_ids is None else Scorecard.enterprise_id.in_(enterprise_ids))
        .group_by(Scorecard.report_id)
    )


def _state_code(state):
    """A system state -> its index in ``SYSTEM_STATES``; any other text -> one past the end."""
    known = {name: i for i, name in enumerate(SYSTEM_STATES)}
    return case(known, value=state, else_=case((state.is_(None), None), else_=len(SYSTEM_STATES)))


KEY_COLUMNS: tuple[str, ...] = ("window", "enterprise_id", "year", "quarter", "report_id", "n_quarters")


def window_select(spec: PeriodSpec, periods: dict[int, int], enterprise_ids: list[int] | None = None):
    """The rows of ``spec``'s window (one per enterprise with an approved report in it): the
    ``KEY_COLUMNS``, then the ``LAYOUT`` values but the flags (enums as text, lists as JSON text,
    system states as ``SYSTEM_STATES`` indexes). ``periods`` is {quarter: period id} of the
    window's quarters.

    Flows are summed over the window's quarters ``GROUP BY enterprise_id`` and are NULL unless the
    enterprise reported the flow in every quarter (``COUNT(flow)`` equals the number of quarters);
    stocks come from its latest report in the window, joined back on (enterprise, period of that
    quarter); that report's flags are added by ``_write_year``. A one-quarter window reads its
    reports as they are.
    """
    period_ids = sorted(periods.values())
    n_needed = len(spec.quarters)
    latest = aliased(Report, name="latest")
    stocks = [*(getattr(latest, key) for key in (*NUMERIC_STOCKS, *ENUM_STOCKS)),
              *(cast(getattr(latest, key), Text) for key in LIST_STOCKS), latest.industrial_internet,
              *(_state_code(latest.systems[key].as_string()) for key in SYSTEM_KEYS)]
    code = literal_column(repr(spec.code))
    year = literal_column(str(int(spec.year)), Integer)
    if n_needed == 1:
        where = [latest.status == ReportStatus.APPROVED, latest.period_id.in_(period_ids)]
        if enterprise_ids is not None:
            where.append(latest.enterprise_id.in_(enterprise_ids))
        return (
            select(code, latest.enterprise_id, year, literal_column(str(int(spec.quarter)), Integer), latest.id,
                   literal_column("1", Integer), *(getattr(latest, key) for key in WINDOW_FLOWS), *stocks)
            .where(*where)
        )
    quarter_of = case({pid: q for q, pid in periods.items()}, value=Report.period_id)
    # ``enterprise_id + 0``: grouping by an expression stops SQLite from walking the whole report
    # table in enterprise order to save a sort; it reads the window's rows through
    # ix_report_period_status instead.
    where = [Report.status == ReportStatus.APPROVED, Report.period_id.in_(period_ids)]
    if enterprise_ids is not None:
        where.append(Report.enterprise_id.in_(enterprise_ids))
    win = (
        select((Report.enterprise_id + 0).label("enterprise_id"), quarter_of.label("quarter"),
               *(getattr(Report, key).label(key) for key in WINDOW_FLOWS))
        .where(*where)
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
        select(code, sums.c.enterprise_id, year, sums.c.last_quarter, latest.id, sums.c.n_quarters,
               *(sums.c[key] for key in WINDOW_FLOWS), *stocks)
        .select_from(sums)
        .join(latest, and_(latest.enterprise_id == sums.c.enterprise_id, latest.period_id == period_of))
        .where(latest.status == ReportStatus.APPROVED)
    )


# ---------------------------------------------------------------------------------------------
# Writing the aggregates
# ---------------------------------------------------------------------------------------------


def _year_periods(session: Session, years: Iterable[int]) -> dict[int, dict[int, int]]:
    """{year: {quarter: period id}} for the given years."""
    years = sorted({int(y) for y in years})
    out: dict[int, dict[int, int]] = {y: {} for y in years}
    if years:
        for year, quarter, pid in session.execute(
                select(ReportingPeriod.year, ReportingPeriod.quarter, ReportingPeriod.id)
                .where(ReportingPeriod.year.in_(years))):
            out[int(year)][int(quarter)] = int(pid)
    return out


@cache
def _codes() -> dict[str, dict[str, int]]:
    """{enum or list field: {value: index}} from the data dictionary."""
    registry = fields.registry()
    return {key: {v: i for i, v in enumerate(registry.field(key).values)} for key in (*ENUM_STOCKS, *LIST_STOCKS)}


def _enum_codes(values: Sequence, codes: dict[str, int]) -> np.ndarray:
    """Text -> its index; empty -> NaN; a value outside the dictionary -> one past the end."""
    other = float(len(codes))
    return np.array([np.nan if v is None else codes.get(v, other) for v in values], dtype=float)


def _list_masks(values: Sequence, codes: dict[str, int]) -> np.ndarray:
    """JSON list text -> the bit mask of its values (a value outside the dictionary sets the bit
    one past the end); empty or not a list -> NaN. Each distinct text is decoded once."""
    seen: dict = {}

    def mask(v) -> float:
        if v is None:
            return np.nan
        if v not in seen:
            items = json.loads(v) if isinstance(v, str) else v
            if isinstance(items, list):
                seen[v] = float(sum(1 << codes.get(item, len(codes)) for item in set(map(str, items))))
            else:
                seen[v] = np.nan
        return seen[v]

    return np.array([mask(v if isinstance(v, (str, type(None))) else json.dumps(v)) for v in values], dtype=float)


def pack(rows: Sequence[Sequence]) -> list[bytes]:
    """``window_select`` rows -> their ``LAYOUT`` values as float64 vectors (NaN for empty)."""
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))[1:]     # the keys but the window code, then the values
    codes = _codes()
    matrix = np.empty((len(rows), len(LAYOUT)), dtype="<f8")
    for i, (name, values) in enumerate(zip(LAYOUT, columns, strict=True)):
        if name in ENUM_STOCKS:
            matrix[:, i] = _enum_codes(values, codes[name])
        elif name in LIST_STOCKS:
            matrix[:, i] = _list_masks(values, codes[name])
        else:
            matrix[:, i] = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return [row.tobytes() for row in matrix]


def unpack(vectors: Sequence[bytes]) -> np.ndarray:
    """``WindowFact.vector`` values -> one float64 matrix, a row each, a ``LAYOUT`` column each."""
    if not vectors:
        return np.empty((0, len(LAYOUT)), dtype=float)
    # bytearray.join: one writable buffer (frames built on the matrix may be changed in place).
    return np.frombuffer(bytearray().join(vectors), dtype="<f8").reshape(len(vectors), len(LAYOUT))


def _categorical(column: np.ndarray, names: Sequence[str]) -> pd.Categorical:
    """Indexes -> a categorical of ``names`` plus "other" (NaN stays missing): no string object
    per row, and ``isin``/``==``/``notna`` on it are vectorised."""
    categories = [*names, "other"]
    codes = np.where(np.isnan(column), -1, np.clip(np.nan_to_num(column), 0, len(categories) - 1)).astype(int)
    return pd.Categorical.from_codes(codes, categories=categories)


def decode_enum(column: np.ndarray, key: str) -> pd.Categorical:
    """Indexes -> the values (missing for NaN; "other" outside the dictionary)."""
    return _categorical(column, list(_codes()[key]))


def decode_states(column: np.ndarray) -> pd.Categorical:
    return _categorical(column, SYSTEM_STATES)


def decode_lists(column: np.ndarray, key: str) -> np.ndarray:
    """Bit masks -> lists of the values (None for NaN), one list object per distinct mask."""
    values = [*_codes()[key], "other"]
    masks, inverse = np.unique(np.nan_to_num(column, nan=-1.0), return_inverse=True)
    decoded = np.empty(len(masks), dtype=object)
    for i, m in enumerate(masks):
        decoded[i] = None if m < 0 else [v for bit, v in enumerate(values) if int(m) >> bit & 1]
    return decoded[inverse.reshape(-1)]


def _write_year(session: Session, year: int, periods: dict[int, int], enterprise_ids: list[int] | None) -> None:
    target = delete(WindowFact).where(WindowFact.year == year)
    if enterprise_ids is not None:
        target = target.where(WindowFact.enterprise_id.in_(enterprise_ids))
    session.execute(target)
    none = (None,) * (2 * len(RECOGNITION_FLAGS))
    flags = {int(report_id): tuple(values) for report_id, *values in session.execute(
        _flags_select(sorted(periods.values()), enterprise_ids))} if periods else {}
    for spec in year_windows(year):
        window = {q: periods[q] for q in spec.quarters if q in periods}
        if not window:
            continue
        rows = [(*row, *flags.get(int(row[4]), none))
                for row in session.execute(window_select(spec, window, enterprise_ids))]
        for start in range(0, len(rows), 10000):
            part = rows[start:start + 10000]
            session.execute(insert(WindowFact), [
                {**dict(zip(KEY_COLUMNS, row[:len(KEY_COLUMNS)], strict=True)), "layout": LAYOUT_ID, "vector": vector}
                for row, vector in zip(part, pack(part), strict=True)])


def _bump_version(session: Session) -> None:
    changed = session.execute(
        update(DashboardVersion).where(DashboardVersion.id == 1)
        .values(version=DashboardVersion.version + 1, changed_at=utcnow())
    ).rowcount
    if not changed:
        session.execute(insert(DashboardVersion).values(id=1, version=1, changed_at=utcnow()))


def refresh(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    """Rewrite the rows of these (enterprise id, period id) pairs' enterprises for the pairs' years."""
    pairs = {(int(e), int(p)) for e, p in pairs}
    if not pairs:
        return
    year_of = dict(session.execute(
        select(ReportingPeriod.id, ReportingPeriod.year).where(ReportingPeriod.id.in_({p for _, p in pairs}))
    ).all())
    by_year: dict[int, set[int]] = {}
    for enterprise_id, period_id in pairs:
        if period_id in year_of:
            by_year.setdefault(int(year_of[period_id]), set()).add(enterprise_id)
    periods = _year_periods(session, by_year)
    for year, ids in sorted(by_year.items()):
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            _write_year(session, year, periods[year], ordered[start:start + _CHUNK])


def rebuild(session: Session) -> int:
    """Rebuild every row from the reports and bump the version; returns the number of rows."""
    session.execute(delete(WindowFact))
    years = session.scalars(select(ReportingPeriod.year).distinct()).all()
    for year, periods in sorted(_year_periods(session, years).items()):
        _write_year(session, year, periods, None)
    _bump_version(session)
    return session.scalar(select(func.count()).select_from(WindowFact)) or 0


def is_stale(session: Session) -> bool:
    """True when rows were written with another ``LAYOUT``, or approved reports exist but no
    aggregate does (a database upgraded to this schema, or filled behind the application's back)."""
    if session.scalar(select(WindowFact.enterprise_id).where(WindowFact.layout != LAYOUT_ID).limit(1)) is not None:
        return True
    if session.scalar(select(WindowFact.enterprise_id).limit(1)) is not None:
        return False
    return session.scalar(select(Report.id).where(Report.status == ReportStatus.APPROVED).limit(1)) is not None


# ---------------------------------------------------------------------------------------------
# Session hooks
# ---------------------------------------------------------------------------------------------


def _pending(session: Session) -> dict:
    return session.info.setdefault(_PENDING, {"pairs": set(), "scorecards": set(), "bump": False,
                                              "rebuild": False})


def _may_count(report: Report, deleted: bool) -> bool:
    """Whether a flushed report can change the aggregates: it is approved, its status changed
    (the old value may not be loaded, so any change counts), or it was deleted. Decided from
    the loaded state; an unloaded status counts as a change."""
    if deleted:
        return True
    state = sa_inspect(report)
    status = state.dict.get("status")
    if status is None or status == ReportStatus.APPROVED:
        return True
    history = state.attrs.status.history
    return bool(history.added or history.deleted)


def _after_flush(session: Session, flush_context) -> None:  # noqa: ARG001
    if session.info.get(_BUSY):
        return
    pending = None
    deleted = set(map(id, session.deleted))
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Report):
            if _may_count(obj, id(obj) in deleted):
                pending = pending or _pending(session)
                pending["pairs"].add((obj.enterprise_id, obj.period_id))
        elif isinstance(obj, Scorecard):
            pending = pending or _pending(session)
            pending["pairs"].add((obj.enterprise_id, obj.period_id))
        elif isinstance(obj, ScorecardReview):
            pending = pending or _pending(session)
            pending["scorecards"].add(obj.scorecard_id)
        elif isinstance(obj, (Enterprise, ReportingPeriod)):
            pending = pending or _pending(session)
            pending["bump"] = True


def _on_execute(state) -> None:
    """A bulk INSERT/UPDATE/DELETE on a source table: rebuild at commit."""
    if not (state.is_insert or state.is_update or state.is_delete) or state.session.info.get(_BUSY):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _SOURCE_TABLES:
        _pending(state.session)["rebuild"] = True
    elif name in _VERSION_TABLES:
        _pending(state.session)["bump"] = True


def _before_commit(session: Session) -> None:
    if session.info.get(_BUSY):
        return
    # The commit flushes only after this hook: flush now, so the last changes reach ``_after_flush``.
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.info[_BUSY] = True
    try:
        if pending["rebuild"]:
            rebuild(session)
            return
        pairs = set(pending["pairs"])
        if pending["scorecards"]:
            pairs |= set(session.execute(
                select(Scorecard.enterprise_id, Scorecard.period_id)
                .where(Scorecard.id.in_(sorted(pending["scorecards"])))).all())
        refresh(session, pairs)
        _bump_version(session)
    finally:
        session.info.pop(_BUSY, None)


def discard_pending(session: Session) -> None:
    """Drop what the hooks noted in this transaction: for a bulk loader that calls ``rebuild``
    itself once its data and the planner statistics are in (the benchmark)."""
    session.info.pop(_PENDING, None)


def _forget(session: Session) -> None:
    if not session.in_nested_transaction():   # a savepoint's rollback keeps the outer changes
        session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:  # noqa: ARG001 - the hooks are per Session class, set once
    """Install the session hooks (once per process; every session of the app uses them)."""
    for name, fn in (("after_flush", _after_flush), ("do_orm_execute", _on_execute),
                     ("before_commit", _before_commit), ("after_rollback", _forget)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
