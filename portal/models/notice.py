"""In-app notices to enterprises (reminders from the commission) and reviewers' bulk imports.

A ``Notice`` is addressed to an enterprise (all its users see it) and optionally tied to a period.
A ``BulkImport`` records one uploaded bulk workbook through its life: ``preview`` (parsed, nothing
written) -> ``applied`` (reports created or updated; ``before`` holds what is needed to undo) ->
``undone``; a preview that is replaced or abandoned stays ``preview`` and is never applied.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import utcnow


class Notice(db.Model):
    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_enterprise_created", "enterprise_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))            # reminder | ...
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    read_at: Mapped[datetime | None] = mapped_column()

    enterprise = relationship("Enterprise")
    period = relationship("ReportingPeriod")
    created_by = relationship("User")


class BulkImport(db.Model):
    __tablename__ = "bulk_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="preview")   # preview | applied | undone
    # The parsed workbook: [{"row": n, "uscc": "...", "values": {key: json value}}, ...]
    rows: Mapped[list] = mapped_column(JSON)
    # Cell errors: [[cell_ref, uscc, field_key, message], ...]
    cell_errors: Mapped[list] = mapped_column(JSON)
    # After apply: report id (str) -> {"created": bool, "values": {key: json value} | None,
    # "version": the report's version right after the import}
    before: Mapped[dict | None] = mapped_column(JSON)
    applied_at: Mapped[datetime | None] = mapped_column()
    undone_at: Mapped[datetime | None] = mapped_column()
    n_created: Mapped[int] = mapped_column(Integer, default=0)
    n_updated: Mapped[int] = mapped_column(Integer, default=0)

    period = relationship("ReportingPeriod")
    user = relationship("User")
