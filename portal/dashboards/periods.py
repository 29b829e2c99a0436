"""Dashboard windows (a quarter, a year to date, a full year) and picking a window's rows: one
row per enterprise, flows summed, stocks from the latest report. Pure pandas."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .coefficients import FLOW_FIELDS, WINDOW_COLUMN

# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------

_KINDS = ("quarter", "ytd", "year")


@dataclass(frozen=True)
class PeriodSpec:
    """A window of quarters in one year: ``quarter`` (Qq), ``ytd`` (Q1..Qq) or ``year`` (Q1..Q4)."""

    year: int
    quarter: int = 4
    kind: str = "quarter"

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"period kind must be one of {_KINDS}, not {self.kind!r}")
        if not 1 <= int(self.quarter) <= 4:
            raise ValueError(f"quarter must be 1-4, not {self.quarter!r}")
        if self.kind == "year" and self.quarter != 4:
            raise ValueError("a full-year window ends in Q4")

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> PeriodSpec:
        return cls(int(year), int(quarter), "quarter")

    @classmethod
    def ytd(cls, year: int, quarter: int) -> PeriodSpec:
        return cls(int(year), int(quarter), "ytd")

    @classmethod
    def full_year(cls, year: int) -> PeriodSpec:
        return cls(int(year), 4, "year")

    @classmethod
    def parse(cls, text: str) -> PeriodSpec:
        """Parse ``2025Q3`` (quarter), ``2025YTD3`` / ``2025Q1-Q3`` (year to date) or ``2025``."""
        s = str(text).strip().upper()
        if s.isascii() and s.isdigit() and len(s) == 4:
            return cls.full_year(int(s))
        if "YTD" in s:
            y, q = s.split("YTD")
            return cls.ytd(int(y), int(q.lstrip("Q")))
        if "-" in s:
            head, tail = s.split("-")
            y, q1 = head.split("Q")
            if int(q1) != 1:
                raise ValueError(f"a year-to-date window starts in Q1: {text!r}")
            return cls.ytd(int(y), int(tail.lstrip("Q")))
        if "Q" in s:
            y, q = s.split("Q")
            return cls.of_quarter(int(y), int(q))
        raise ValueError(f"unrecognised period {text!r}")

    @property
    def quarters(self) -> tuple[int, ...]:
        if self.kind == "quarter":
            return (self.quarter,)
        return tuple(range(1, self.quarter + 1))

    @property
    def is_full_year(self) -> bool:
        return len(self.quarters) == 4

    @property
    def annualisation_factor(self) -> float:
        """Multiply a flow summed over the window by this to get an annual figure."""
        return 4.0 / len(self.quarters)

    @property
    def end_date(self) -> pd.Timestamp:
        return pd.Timestamp(year=self.year, month=3 * self.quarter, day=1) + pd.offsets.MonthEnd(0)

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}年第{self.quarter}季度"
        if self.is_full_year:
            return f"{self.year}年"
        return f"{self.year}年1-{self.quarter}季度"

    @property
    def code(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}Q{self.quarter}"
        if self.is_full_year:
            return f"{self.year}"
        return f"{self.year}YTD{self.quarter}"

    def previous_year(self) -> PeriodSpec:
        return replace(self, year=self.year - 1)


def as_period_spec(spec: PeriodSpec | str) -> PeriodSpec:
    return spec if isinstance(spec, PeriodSpec) else PeriodSpec.parse(spec)


def _numeric(frame: pd.DataFrame, cols: Iterable[str]) -> pd.DataFrame:
    return frame.loc[:, list(cols)].apply(pd.to_numeric, errors="coerce").astype(float)


def select_period(reports: pd.DataFrame, spec: PeriodSpec | str) -> pd.DataFrame:
    """One row per enterprise for the window, indexed by ``enterprise_id``.

    Flows are summed over the window's quarters and are NaN unless the enterprise reported a
    value in every quarter of the window. Stocks and profile columns come from the latest report
    in the window. Adds ``n_quarters`` (quarters reported) and ``complete`` (all of them).
    """
    spec = as_period_spec(spec)
    n_needed = len(spec.quarters)
    if WINDOW_COLUMN in reports.columns:
        return _presummed_window(reports, spec)
    win = reports.loc[(reports["year"] == spec.year) & reports["quarter"].isin(spec.quarters)]
    # One approved report per enterprise and quarter; keep the last row if the caller sent more.
    win = win.sort_values(["enterprise_id", "quarter"], kind="stable").drop_duplicates(
        ["enterprise_id", "quarter"], keep="last"
    )
    latest = win.drop_duplicates("enterprise_id", keep="last").set_index("enterprise_id")
    flows = [c for c in FLOW_FIELDS if c in win.columns]
    n_quarters = win.groupby("enterprise_id").size()
    out = latest.drop(columns=flows)
    if flows:
        values = _numeric(win, flows)
        values["enterprise_id"] = win["enterprise_id"].to_numpy()
        grouped = values.groupby("enterprise_id")
        sums = grouped.sum()
        counts = grouped.count()
        out = out.join(sums.where(counts == n_needed))
    out["n_quarters"] = n_quarters.reindex(out.index).astype(int)
    out["complete"] = out["n_quarters"] == n_needed
    out.index.name = "enterprise_id"
    return out


def _presummed_window(reports: pd.DataFrame, spec: PeriodSpec) -> pd.DataFrame:
    """``select_period`` of a frame whose rows are already windows: flows summed over the window
    (NaN unless reported in every quarter), stocks and profile from the latest report, and
    ``n_quarters``. Only the rows of ``spec``'s window are taken, one per enterprise."""
    rows = np.flatnonzero((reports[WINDOW_COLUMN] == spec.code).to_numpy(dtype=bool))
    ids = reports["enterprise_id"].to_numpy()[rows]
    rows = rows[~pd.Index(ids).duplicated(keep="last")]
    index = pd.Index(reports["enterprise_id"].to_numpy()[rows], name="enterprise_id")
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        # The loader writes a window's rows together: slice them (no copy of the wide frame),
        # on a shallow copy so that the columns set below do not touch ``reports``.
        out = reports.iloc[rows[0]:rows[-1] + 1].copy(deep=False)
        for name in (WINDOW_COLUMN, "enterprise_id"):
            del out[name]
    else:
        columns = [i for i, c in enumerate(reports.columns) if c not in (WINDOW_COLUMN, "enterprise_id")]
        out = reports.iloc[rows, columns]        # one take of the window's rows and columns
    out.index = index
    out["n_quarters"] = out["n_quarters"].astype(int)
    out["complete"] = out["n_quarters"] == len(spec.quarters)
    return out


def expected_for(expected: pd.DataFrame | None, spec: PeriodSpec | str) -> pd.DataFrame | None:
    """The enterprises expected at the window's last quarter, one row each, indexed by id."""
    if expected is None:
        return None
    spec = as_period_spec(spec)
    rows = expected.loc[(expected["year"] == spec.year) & (expected["quarter"] == spec.quarter)]
    return rows.drop_duplicates("enterprise_id", keep="last").set_index("enterprise_id")
