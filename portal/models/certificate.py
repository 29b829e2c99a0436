"""Certificates issued from confirmed scorecards, and the per-year, per-family serial counter.

A certificate row keeps the facts printed on the paper twice: as columns (to filter and list)
and as ``payload``, exactly the data that was signed. Verification recomputes the HMAC over
``payload`` and compares the columns with it, so an edited row or payload shows as invalid.
Expiry is not stored: a certificate is expired when ``valid_until`` is before the day asked
about. ``status`` is only ``issued`` or ``revoked``.

Serial numbers (``TL-ZNGC-2026-0007``) are sequential per (year, family): the next number comes
from a counter row in ``certificate_sequence`` that is incremented with a single UPDATE, which
takes the row's write lock until the transaction ends (PostgreSQL) or needs the database's
write lock (SQLite), so concurrent issuers queue instead of reading the same number. The unique
constraints on ``serial`` and on (family code, year, sequence) are the last guard.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import utcnow

STATUS_ISSUED = "issued"
STATUS_REVOKED = "revoked"


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("family_code", "year", "sequence"),
        # One live (not revoked) certificate per enterprise, framework and report.
        Index("ix_certificate_live_once", "enterprise_id", "framework", "report_id", unique=True,
              sqlite_where=text("status = 'issued'"), postgresql_where=text("status = 'issued'")),
        Index("ix_certificate_period_family", "period_id", "family"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    family_code: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecard.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"))
    family: Mapped[str] = mapped_column(String(24))
    framework: Mapped[str] = mapped_column(String(24))
    criteria_version: Mapped[str] = mapped_column(String(32))
    recognition: Mapped[str] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)

    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signature: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)

    status: Mapped[str] = mapped_column(String(16), default=STATUS_ISSUED)   # issued | revoked
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enterprise = relationship("Enterprise")
    scorecard = relationship("Scorecard")
    report = relationship("Report")
    period = relationship("ReportingPeriod")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def state_on(self, today: date) -> str:
        """``revoked``, ``expired`` or ``valid`` on ``today`` (the signature is not checked here)."""
        if self.status == STATUS_REVOKED:
            return "revoked"
        if self.valid_until is not None and self.valid_until < today:
            return "expired"
        return "valid"

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} {self.status}>"


class CertificateSequence(db.Model):
    """The last serial number used per (year, family code); one row per pair, created on first use."""

    __tablename__ = "certificate_sequence"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    family_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
