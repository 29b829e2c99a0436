"""Quarterly reports: one row per enterprise and period, with every report field as a typed column.

Report values live in real typed columns (one per key of the data dictionary, generated from the
field registry) rather than in an entity-attribute-value table or a JSON blob, so that district
aggregates are plain ``SUM``/``AVG`` over indexed rows in SQL and load into pandas column by
column (see docs/data-model.md). Multi-valued fields (tool lists, system maps, certifications)
are JSON columns. Earlier revisions of an amended report are archived in ``ReportRevision``.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.fields import FieldSpec, report_fields
from portal.models.base import utcnow


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


def _column_type(spec: FieldSpec):
    if spec.type == "decimal":
        return Float()
    if spec.type == "int":
        return Integer()
    if spec.type == "bool":
        return Boolean()
    if spec.type == "date":
        return Date()
    if spec.type in ("multi", "map"):
        return JSON()
    return String(100)


def _value_columns() -> dict:
    return {spec.key: mapped_column(_column_type(spec), nullable=True) for spec in report_fields()}


# A mixin whose attributes are the report-field columns; declarative copies them into Report.
ReportValuesMixin = type("ReportValuesMixin", (), _value_columns())

VALUE_KEYS: tuple[str, ...] = tuple(spec.key for spec in report_fields())


class Report(ReportValuesMixin, db.Model):
    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "period_id"),
        Index("ix_report_period_status", "period_id", "status"),
        # The dashboards' data version reads max(approved_at) of approved reports on every view.
        Index("ix_report_status_approved_at", "status", "approved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"))
    status: Mapped[ReportStatus] = mapped_column(
        SAEnum(ReportStatus, name="report_status", native_enum=False, create_constraint=True,
               values_callable=lambda e: [m.value for m in e], length=16),
        default=ReportStatus.DRAFT,
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)   # optimistic lock (version_id_col)
    explanations: Mapped[dict | None] = mapped_column(JSON)    # warning code -> explanation
    review_comment: Mapped[str | None] = mapped_column(Text)    # the reviewer's comment on return
    amendment_reason: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    enterprise = relationship("Enterprise", lazy="joined")
    period = relationship("ReportingPeriod", lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    def values(self) -> dict:
        """The report's field values as plain data, keyed as in the data dictionary."""
        return {key: getattr(self, key) for key in VALUE_KEYS}

    def set_values(self, values: dict) -> None:
        for key, value in values.items():
            if key in VALUE_KEYS:
                setattr(self, key, value)

    @property
    def is_late(self) -> bool:
        due = self.period.due_on
        return self.submitted_at is not None and self.submitted_at.date() > due

    def __repr__(self) -> str:
        return f"<Report {self.enterprise_id} {self.period_id} {self.status} r{self.revision}>"


class ReportRevision(db.Model):
    """An archived revision of a report, kept when an amendment opens a new revision."""

    __tablename__ = "report_revision"
    __table_args__ = (UniqueConstraint("report_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    values: Mapped[dict] = mapped_column(JSON)
    explanations: Mapped[dict | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column()
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    archived_at: Mapped[datetime] = mapped_column(default=utcnow)
