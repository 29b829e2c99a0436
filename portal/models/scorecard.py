"""Scorecard snapshots: the scoring engine's result for a report, stored with its criteria version.

Certificates and dashboards read snapshots and never recompute them. Re-scoring adds a new row;
``current`` marks the newest snapshot per report and framework family, older rows are history.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import utcnow


class Scorecard(db.Model):
    __tablename__ = "scorecard"
    __table_args__ = (
        Index("ix_scorecard_period_framework", "period_id", "family", "current"),
        Index("ix_scorecard_report_family", "report_id", "family"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    report_revision: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"))
    family: Mapped[str] = mapped_column(String(24))
    framework: Mapped[str] = mapped_column(String(24))
    criteria_version: Mapped[str] = mapped_column(String(32))
    total: Mapped[float | None] = mapped_column(Float)
    max_total: Mapped[float] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(32))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[dict] = mapped_column(JSON)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    review_state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|confirmed|rejected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report = relationship("Report")
    enterprise = relationship("Enterprise")
    period = relationship("ReportingPeriod")


class ScorecardReview(db.Model):
    """A reviewer's confirmation or rejection of a scorecard snapshot, with a note."""

    __tablename__ = "scorecard_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecard.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decision: Mapped[str] = mapped_column(String(16))   # confirmed | rejected
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
