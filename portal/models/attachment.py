"""Evidence attached to a report, and spreadsheet uploads kept between preview and apply.

An attachment's bytes live on disk under ``UPLOAD_FOLDER`` with a generated random name
(``stored_name``); the name the user's computer gave the file is kept only as display text
(``display_name``, sanitised) and never reaches the filesystem.

A spreadsheet upload is parsed once and stored here (not in the cookie session) so that the
preview, the apply and the undo all work on the same parsed values; ``values_before`` is the
draft as it was just before apply, ``values_after`` as apply left it (undo is allowed only while
the draft still equals ``values_after``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import utcnow


class Attachment(db.Model):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_report_id", "report_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    report_revision: Mapped[int] = mapped_column(Integer, default=1)
    section: Mapped[str | None] = mapped_column(String(40))     # a report section key
    field_key: Mapped[str | None] = mapped_column(String(60))   # or one report field
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    report = relationship("Report")
    uploaded_by = relationship("User")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} report={self.report_id} {self.content_type}>"


class SpreadsheetUpload(db.Model):
    __tablename__ = "spreadsheet_upload"
    __table_args__ = (Index("ix_spreadsheet_upload_report_id", "report_id"),)

    PREVIEWED = "previewed"
    APPLIED = "applied"
    UNDONE = "undone"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(String(200))          # display text only
    parsed_values: Mapped[dict] = mapped_column(JSON)           # field key -> value (JSON form)
    cell_errors: Mapped[list | None] = mapped_column(JSON)      # [[cell, field key, message], ...]
    values_before: Mapped[dict | None] = mapped_column(JSON)    # the draft just before apply
    values_after: Mapped[dict | None] = mapped_column(JSON)     # the draft just after apply
    state: Mapped[str] = mapped_column(String(16), default=PREVIEWED)
    applied_at: Mapped[datetime | None] = mapped_column()
    undone_at: Mapped[datetime | None] = mapped_column()

    report = relationship("Report")
    user = relationship("User")

    def __repr__(self) -> str:
        return f"<SpreadsheetUpload {self.id} report={self.report_id} {self.state}>"
