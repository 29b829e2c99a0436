"""The data model, one module per entity group. Import models from here."""
from portal.models.attachment import Attachment, SpreadsheetUpload
from portal.models.audit import AuditEvent
from portal.models.base import utcnow
from portal.models.certificate import Certificate, CertificateSequence
from portal.models.dashboard import DashboardVersion, WindowFact
from portal.models.enterprise import Enterprise
from portal.models.notice import BulkImport, Notice
from portal.models.period import ReportingPeriod
from portal.models.report import Report, ReportRevision, ReportStatus
from portal.models.scorecard import Scorecard, ScorecardReview
from portal.models.user import LoginAttempt, Role, User

__all__ = [
    "AuditEvent", "Enterprise", "LoginAttempt", "Report", "ReportRevision", "ReportStatus",
    "ReportingPeriod", "Role", "Scorecard", "ScorecardReview", "User", "utcnow",
]
__all__ += ["BulkImport", "Notice"]
__all__ += ["Attachment", "SpreadsheetUpload"]
__all__ += ["Certificate", "CertificateSequence"]
__all__ += ["DashboardVersion", "WindowFact"]
