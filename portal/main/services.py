"""Figures for the home pages."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Enterprise, Report, ReportingPeriod, ReportStatus, User


def latest_period() -> ReportingPeriod | None:
    return db.session.scalar(select(ReportingPeriod).order_by(ReportingPeriod.year.desc(),
                                                              ReportingPeriod.quarter.desc()).limit(1))


def status_counts(period: ReportingPeriod | None) -> dict[str, int]:
    if period is None:
        return {}
    rows = db.session.execute(
        select(Report.status, func.count()).where(Report.period_id == period.id).group_by(Report.status)).all()
    counts = {str(status): n for status, n in rows}
    expected = db.session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.active.is_(True)))
    counts["missing"] = expected - sum(counts.values())
    counts["expected"] = expected
    return counts


def enterprise_home(user: User) -> dict:
    reports = db.session.scalars(
        select(Report).where(Report.enterprise_id == user.enterprise_id)
        .join(ReportingPeriod).order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc()).limit(8)).all()
    return {"enterprise": user.enterprise, "reports": reports, "period": latest_period()}


def reviewer_home() -> dict:
    period = latest_period()
    return {"period": period, "counts": status_counts(period)}


def admin_home() -> dict:
    period = latest_period()
    return {
        "period": period,
        "counts": status_counts(period),
        "n_enterprises": db.session.scalar(select(func.count()).select_from(Enterprise)),
        "n_users": db.session.scalar(select(func.count()).select_from(User)),
        "recent_events": db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10)).all(),
        "statuses": ReportStatus,
    }
