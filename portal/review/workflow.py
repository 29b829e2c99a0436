"""Report status transitions: the one place that changes ``Report.status``.

    draft ──submit──▶ submitted ──approve──▶ approved ──allow amendment──▶ draft (revision + 1)
                          │   ▲                  ▲
                       return │ resubmit          └── the previous revision is archived, never lost
                          ▼   │
                        returned

Enterprises submit (and resubmit) their own reports; reviewers and admins return (with a required
comment) and approve. Approved reports are immutable until a reviewer allows an amendment that the
enterprise requested with a reason. After a period is locked only an amendment revision may be
submitted. Every transition writes an audit row. Services flush; the caller commits.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from portal import audit
from portal.admin.services import ServiceError
from portal.extensions import db
from portal.models import Report, ReportRevision, ReportStatus, Role, User, utcnow

S = ReportStatus

# (from, to) -> roles allowed to make the move
TRANSITIONS: dict[tuple[ReportStatus, ReportStatus], frozenset[Role]] = {
    (S.DRAFT, S.SUBMITTED): frozenset({Role.ENTERPRISE}),
    (S.RETURNED, S.SUBMITTED): frozenset({Role.ENTERPRISE}),
    (S.SUBMITTED, S.RETURNED): frozenset({Role.REVIEWER, Role.ADMIN}),
    (S.SUBMITTED, S.APPROVED): frozenset({Role.REVIEWER, Role.ADMIN}),
}

EDITABLE = frozenset({S.DRAFT, S.RETURNED})


class TransitionError(ServiceError):
    """A transition that is not allowed from the report's state or for the actor's role."""


class ConflictError(ServiceError):
    """The report changed since the actor loaded it (another tab or reviewer won)."""


def can_transition(report: Report, to: ReportStatus, actor: User) -> bool:
    roles = TRANSITIONS.get((report.status, to))
    if roles is None or actor.role not in roles:
        return False
    if actor.role == Role.ENTERPRISE and actor.enterprise_id != report.enterprise_id:
        return False
    return True


CONFLICT_MESSAGE = _l("该报表已被他人修改（可能在另一个窗口或由其他审核人员处理），请刷新后查看最新状态。")


def check_version(report: Report, expected_version: int | None) -> None:
    """Refuse when the version the actor saw (a hidden form field) is not the stored one."""
    if expected_version is not None and int(expected_version) != report.version:
        raise ConflictError(CONFLICT_MESSAGE)


def flush_or_conflict() -> None:
    """Flush; a concurrent change of the same report (version column) becomes a ConflictError.

    The caller must roll back after a ConflictError, as after any ServiceError.
    """
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(CONFLICT_MESSAGE) from exc


def available_actions(report: Report, actor: User) -> frozenset[str]:
    """The workflow buttons ``actor`` may press on ``report``: submit, return, approve, allow_amendment."""
    actions = set()
    if can_transition(report, S.SUBMITTED, actor) and not (report.period.locked and report.revision == 1):
        actions.add("submit")
    if can_transition(report, S.RETURNED, actor):
        actions.add("return")
    if can_transition(report, S.APPROVED, actor):
        actions.add("approve")
    if actor.role in (Role.REVIEWER, Role.ADMIN) and report.status == S.APPROVED and report.amendment_reason:
        actions.add("allow_amendment")
    return frozenset(actions)


def is_editable(report: Report) -> bool:
    return report.status in EDITABLE and not (report.period.locked and report.revision == 1)


def _move(report: Report, to: ReportStatus, *, actor: User, expected_version: int | None,
          detail: str | None = None, changes: dict | None = None) -> None:
    """Check, then set the status and ``changes`` in one UPDATE (one version step), then audit."""
    check_version(report, expected_version)
    if not can_transition(report, to, actor):
        raise TransitionError(_("当前状态为“%(status)s”，不能执行该操作。", status=STATUS_ZH[report.status]))
    before = report.status
    report.status = to
    for key, value in (changes or {}).items():
        setattr(report, key, value)
    flush_or_conflict()         # the version column makes a concurrent change fail here
    audit.record(f"report.{ACTION[to]}", actor=actor, obj=report,
                 before={"status": before.value, "revision": report.revision},
                 after={"status": to.value, "revision": report.revision, "period": report.period.label},
                 detail=detail)


def submit(report: Report, *, actor: User, expected_version: int | None = None) -> None:
    """Submit a draft or a returned report (enterprise). Validation is the caller's job."""
    if report.period.locked and report.revision == 1:
        raise TransitionError(_("该填报期已锁定，只能通过更正申请修改报表。"))
    _move(report, S.SUBMITTED, actor=actor, expected_version=expected_version,
          changes={"submitted_at": utcnow(), "submitted_by_id": actor.id, "review_comment": None})


MAX_COMMENT_CHARS = 2000


def return_report(report: Report, comment: str, *, actor: User, expected_version: int | None = None) -> None:
    """Send a submitted report back to the enterprise with a required comment (reviewer)."""
    comment = (comment or "").replace("\x00", "").strip()     # PostgreSQL text cannot hold NUL
    if not comment:
        raise ServiceError(_("退回时必须填写退回意见。"), field="comment")
    if len(comment) > MAX_COMMENT_CHARS:
        raise ServiceError(_("退回意见不超过 %(n)s 个字。", n=MAX_COMMENT_CHARS), field="comment")
    _move(report, S.RETURNED, actor=actor, expected_version=expected_version, detail=comment,
          changes={"review_comment": comment})


def approve(report: Report, *, actor: User, expected_version: int | None = None) -> None:
    """Approve a submitted report (reviewer); it is then immutable until an amendment is allowed."""
    _move(report, S.APPROVED, actor=actor, expected_version=expected_version,
          changes={"approved_at": utcnow(), "approved_by_id": actor.id, "amendment_reason": None})


def request_amendment(report: Report, reason: str, *, actor: User) -> None:
    """The enterprise asks to correct an approved report; a reviewer must allow it."""
    reason = (reason or "").strip()
    if report.status != S.APPROVED:
        raise TransitionError(_("只有已通过的报表才能申请更正。"))
    if actor.role != Role.ENTERPRISE or actor.enterprise_id != report.enterprise_id:
        raise TransitionError(_("只有本企业用户可以申请更正。"))
    if len(reason) < 5:
        raise ServiceError(_("请填写更正原因（至少 5 个字）。"), field="reason")
    report.amendment_reason = reason
    flush_or_conflict()
    audit.record("report.amendment_requested", actor=actor, obj=report, detail=reason,
                 after={"period": report.period.label, "revision": report.revision})


def allow_amendment(report: Report, *, actor: User, expected_version: int | None = None) -> ReportRevision:
    """Archive the approved revision and reopen the report as a draft of the next revision."""
    check_version(report, expected_version)
    if actor.role not in (Role.REVIEWER, Role.ADMIN):
        raise TransitionError(_("只有审核人员可以同意更正。"))
    if report.status != S.APPROVED or not report.amendment_reason:
        raise TransitionError(_("该报表没有待处理的更正申请。"))
    archived = ReportRevision(report_id=report.id, revision=report.revision, status=report.status.value,
                              values=_jsonable(report.values()), explanations=report.explanations,
                              submitted_at=report.submitted_at, approved_at=report.approved_at,
                              approved_by_id=report.approved_by_id)
    db.session.add(archived)
    before = {"status": report.status.value, "revision": report.revision}
    report.revision += 1
    report.status = S.DRAFT
    report.approved_at = None
    report.approved_by_id = None
    report.submitted_at = None
    flush_or_conflict()
    audit.record("report.amendment_allowed", actor=actor, obj=report, before=before,
                 after={"status": report.status.value, "revision": report.revision},
                 detail=report.amendment_reason)
    return archived


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


STATUS_ZH = {S.DRAFT: _l("草稿"), S.SUBMITTED: _l("已提交"), S.RETURNED: _l("已退回"), S.APPROVED: _l("已通过")}
ACTION = {S.SUBMITTED: "submit", S.RETURNED: "return", S.APPROVED: "approve", S.DRAFT: "reopen"}
