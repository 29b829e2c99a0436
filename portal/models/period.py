"""Reporting periods: one per quarter, opened by an admin with a due date."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Date, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import utcnow


def quarter_end(year: int, quarter: int) -> date:
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, quarter * 3 + 1, 1) - timedelta(days=1)


class ReportingPeriod(db.Model):
    __tablename__ = "reporting_period"
    __table_args__ = (UniqueConstraint("year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    opens_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label_zh(self) -> str:
        return f"{self.year}年第{self.quarter}季度"

    @property
    def ends_on(self) -> date:
        return quarter_end(self.year, self.quarter)

    def is_open(self, today: date) -> bool:
        return not self.locked and today >= self.opens_on

    def __repr__(self) -> str:
        return f"<ReportingPeriod {self.label}>"
