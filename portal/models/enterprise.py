"""Enterprises: the profile keys of the data dictionary (``report_fields.yaml`` ``profile``)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import utcnow


class Enterprise(db.Model):
    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    industry_code: Mapped[str] = mapped_column(String(4))
    cluster: Mapped[str] = mapped_column(String(16), index=True)
    sub_direction: Mapped[str | None] = mapped_column(String(40))
    park: Mapped[str] = mapped_column(String(16), index=True)
    town: Mapped[str | None] = mapped_column(String(40))
    founded_on: Mapped[date] = mapped_column(Date)
    niche_since_year: Mapped[int | None] = mapped_column(Integer)
    land_area_mu: Mapped[float | None] = mapped_column(Float)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    footprint_area_m2: Mapped[float | None] = mapped_column(Float)
    is_above_scale: Mapped[bool] = mapped_column(Boolean, default=True)
    high_tech_cert_until: Mapped[date | None] = mapped_column(Date)
    product_field: Mapped[str | None] = mapped_column(String(32))

    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    PROFILE_KEYS = (
        "uscc", "name", "industry_code", "cluster", "sub_direction", "park", "town", "founded_on",
        "niche_since_year", "land_area_mu", "floor_area_m2", "footprint_area_m2", "is_above_scale",
        "high_tech_cert_until", "product_field",
    )

    def profile(self) -> dict:
        """The profile as plain data (the scoring engine's and dashboards' input)."""
        return {key: getattr(self, key) for key in self.PROFILE_KEYS}

    def __repr__(self) -> str:
        return f"<Enterprise {self.uscc} {self.name}>"
