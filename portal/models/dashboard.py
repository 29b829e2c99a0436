"""Aggregates the dashboards keep up to date when data changes, so a view never re-reads reports.

``WindowFact``: one row per enterprise and dashboard window (a quarter ``2025Q3``, a year to date
``2025YTD2``/``2025YTD3``, a full year ``2025``): the window's flows summed over its quarters (empty
unless reported in every quarter), the stocks of the latest approved report in the window and
the recognition flags of that report's current scorecard snapshots, both as counted while no
snapshot of the family is confirmed (``*_open``) and once one is (``*_confirmed``). Only
approved reports count. ``portal/dashboards/facts.py`` rewrites an enterprise's rows for a year
in the same transaction as the change (approval, amendment, re-scoring, a snapshot review);
``flask dashboards rebuild`` rebuilds every row from the reports.

``DashboardVersion``: one row whose ``version`` goes up in every transaction that changes what
the dashboards show (the facts above, an enterprise profile, a reporting period); the dashboards'
in-process caches are keyed on it.
"""
from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import utcnow

#: Flows summed over a window: the inputs of the indicator formulas and the land-efficiency score.
WINDOW_FLOWS: tuple[str, ...] = (
    "gross_output_value", "revenue", "value_added", "taxes_paid", "rd_expenditure", "fixed_asset_investment",
    "electricity_kwh", "natural_gas_m3", "raw_coal_t", "diesel_t", "gasoline_t", "fuel_oil_t", "lpg_t",
    "steam_t", "heat_gj", "other_energy_tce", "water_withdrawal_m3", "water_recycled_m3",
    "solid_waste_generated_t", "solid_waste_prior_stock_used_t", "solid_waste_utilised_t",
)
#: Numeric stocks taken from the latest report of a window.
NUMERIC_STOCKS: tuple[str, ...] = (
    "employees", "key_processes_total", "key_processes_nc", "equipment_total", "equipment_digital",
    "equipment_networked", "recognised_digital_workshops",
)
ENUM_STOCKS: tuple[str, ...] = ("rd_institution_level", "cloud_level")   # as their index in the values
LIST_STOCKS: tuple[str, ...] = ("design_tools", "certifications")        # as a bit mask of the values
#: The keys of the ``systems`` map, one number each: the state's index in ``SYSTEM_STATES``.
SYSTEM_STATES: tuple[str, ...] = ("none", "partial", "full")
SYSTEM_KEYS: tuple[str, ...] = ("erp", "mes", "plm", "scm", "crm", "wms", "aps", "qms", "ems", "scada_dcs")
RECOGNITION_FLAGS: tuple[str, ...] = ("smart_factory", "green_factory", "sts")

#: The numbers of a window row, in the order they are packed into ``WindowFact.vector`` (see
#: ``portal/dashboards/facts.py`` for the encoding of the enums, lists, states and flags).
LAYOUT: tuple[str, ...] = (
    "enterprise_id", "year", "quarter", "report_id", "n_quarters",   # also columns, for SQL
    *WINDOW_FLOWS, *NUMERIC_STOCKS, *ENUM_STOCKS, *LIST_STOCKS, "industrial_internet",
    *(f"systems.{key}" for key in SYSTEM_KEYS),
    *(f"{flag}_{basis}" for flag in RECOGNITION_FLAGS for basis in ("open", "confirmed")),
)
#: Rows written with another layout are stale (``flask --app portal init-db`` rebuilds them).
LAYOUT_ID: int = zlib.crc32(",".join(LAYOUT).encode()) & 0x7FFF


class WindowFact(db.Model):
    """One enterprise's window. Every view reads all of a window's numbers for every enterprise
    at once, so they are stored packed as one little-endian float64 vector (``LAYOUT``, NaN for
    empty): reading 50,000 rows is then 50,000 values for the driver instead of 2.5 million."""

    __tablename__ = "dashboard_window_fact"
    __table_args__ = (
        Index("ix_dashboard_window_fact_year_enterprise", "year", "enterprise_id"),
        # SQLite: the rows themselves in primary-key order, so a window is one contiguous range.
        {"sqlite_with_rowid": False},
    )

    window: Mapped[str] = mapped_column(String(12), primary_key=True)      # PeriodSpec.code
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)          # the latest quarter reported in the window
    report_id: Mapped[int] = mapped_column(Integer)        # that quarter's report
    n_quarters: Mapped[int] = mapped_column(Integer)       # approved reports in the window
    layout: Mapped[int] = mapped_column(SmallInteger)      # LAYOUT_ID when written
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class DashboardVersion(db.Model):
    __tablename__ = "dashboard_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
