"""The one place that loads reports, attachments and spreadsheet uploads for the current user.

Enterprise users reach only their own enterprise's rows; reviewers and admins reach any. Every
other case (another enterprise's id, an unknown id, an anonymous or unexpected user) is a 404,
so an id changed in a URL reveals nothing, not even whether the row exists.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import select

from portal.extensions import db
from portal.models import Attachment, Report, ReportingPeriod, SpreadsheetUpload, User


def _enterprise_filter(user: User):
    """The enterprise id the user is limited to; None for reviewers/admins; 404 for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        abort(404)
    if user.is_reviewer:
        return None
    if user.is_enterprise and user.enterprise_id is not None:
        return user.enterprise_id
    abort(404)


def reports_query(user: User):
    """A select of the reports the user may see (ordered newest period first)."""
    stmt = select(Report).join(ReportingPeriod, Report.period_id == ReportingPeriod.id)
    enterprise_id = _enterprise_filter(user)
    if enterprise_id is not None:
        stmt = stmt.where(Report.enterprise_id == enterprise_id)
    return stmt.order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc())


def report_for(user: User, report_id: int) -> Report:
    enterprise_id = _enterprise_filter(user)
    stmt = select(Report).where(Report.id == report_id)
    if enterprise_id is not None:
        stmt = stmt.where(Report.enterprise_id == enterprise_id)
    report = db.session.scalar(stmt)
    if report is None:
        abort(404)
    return report


def attachment_for(user: User, attachment_id: int) -> Attachment:
    enterprise_id = _enterprise_filter(user)
    stmt = select(Attachment).where(Attachment.id == attachment_id)
    if enterprise_id is not None:
        stmt = stmt.where(Attachment.enterprise_id == enterprise_id)
    attachment = db.session.scalar(stmt)
    if attachment is None:
        abort(404)
    return attachment


def upload_for(user: User, report: Report, upload_id: int) -> SpreadsheetUpload:
    """A spreadsheet upload of ``report`` (itself already scoped) made by the same enterprise."""
    enterprise_id = _enterprise_filter(user)
    stmt = select(SpreadsheetUpload).where(SpreadsheetUpload.id == upload_id,
                                           SpreadsheetUpload.report_id == report.id)
    if enterprise_id is not None:
        stmt = stmt.where(SpreadsheetUpload.enterprise_id == enterprise_id)
    upload = db.session.scalar(stmt)
    if upload is None:
        abort(404)
    return upload
