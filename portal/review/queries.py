"""Read-side queries of the review room: the queue, the submission board, the report page, the audit search.

Counting happens in SQL (``GROUP BY`` with ``SUM(CASE ...)``), lists are paginated, and exports
select only the columns they print, so the same code serves a district of 350 enterprises or a
province of 7,000. "Late" means what ``Report.is_late`` means: submitted on a (UTC) day after the
period's due date. "Expected" enterprises are the active above-scale ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, false, func, or_, select

from portal.extensions import db
from portal.fields import FieldSpec, join_clauses, join_items, registry
from portal.models import (
    Attachment,
    AuditEvent,
    BulkImport,
    Enterprise,
    Report,
    ReportingPeriod,
    ReportRevision,
    ReportStatus,
    Role,
    Scorecard,
    User,
)
from portal.pagination import Page
from portal.reporting import services as reporting_services
from portal.reporting.rules import fmt_num, to_decimal
from portal.reporting.spreadsheet import diff_values

MAX_PAGE = 100_000       # deeper pages are empty anyway; bounds the SQL OFFSET
STATUSES = tuple(s.value for s in ReportStatus)
SORTS = ("submitted_desc", "submitted_asc")

STATUS_ZH = {"draft": _l("草稿"), "submitted": _l("已提交"), "returned": _l("已退回"), "approved": _l("已通过"),
             "missing": _l("未报送")}
ACTION_ZH = {
    "report.create": _l("创建报表"), "report.save": _l("保存"), "report.submit": _l("提交"),
    "report.return": _l("退回"), "report.approve": _l("审核通过"), "report.reopen": _l("重新打开"),
    "report.amendment_requested": _l("申请更正"), "report.amendment_allowed": _l("同意更正（新版本）"),
    "report.bulk_import": _l("批量导入"), "report.bulk_undo": _l("撤销批量导入"),
    "report.upload_apply": _l("导入填报模板"), "report.upload_undo": _l("撤销模板导入"),
    "report.explain": _l("填写预警说明"), "scorecard.snapshot": _l("生成评价结果"),
    "report.spreadsheet_upload": _l("上传电子表格"), "report.template_download": _l("下载填报模板"),
    "attachment.download": _l("下载附件"), "attachment.upload": _l("上传附件"),
    "attachment.delete": _l("删除附件"),
}


# --------------------------------------------------------------------------- periods


def periods() -> list[ReportingPeriod]:
    return list(db.session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.year.desc(),
                                                                    ReportingPeriod.quarter.desc())))


def latest_period() -> ReportingPeriod | None:
    return db.session.scalar(select(ReportingPeriod).order_by(ReportingPeriod.year.desc(),
                                                              ReportingPeriod.quarter.desc()).limit(1))


def _late_cutoff(period: ReportingPeriod) -> datetime:
    """The first instant that counts as late (UTC midnight after the due date, as ``is_late``)."""
    return datetime.combine(period.due_on + timedelta(days=1), time.min)


def late_clause(period_list: list[ReportingPeriod]):
    """Reports submitted after their period's due date, for the given periods."""
    if not period_list:
        return false()
    return or_(*(and_(Report.period_id == p.id, Report.submitted_at >= _late_cutoff(p)) for p in period_list))


def has_warnings_clause():
    """Reports that carry at least one explanation of a warning (``explanations`` non-empty).

    JSON columns compare differently on every database; their text form is portable: SQL NULL,
    JSON ``null`` and ``{}`` mean "no explanations".
    """
    text = cast(Report.explanations, String)
    return and_(Report.explanations.is_not(None), text.not_in(["null", "{}"]))


def expected_clause():
    return and_(Enterprise.active.is_(True), Enterprise.is_above_scale.is_(True))


# --------------------------------------------------------------------------- queue


@dataclass
class QueueFilters:
    period: ReportingPeriod | None = None     # None: every period
    status: str | None = "submitted"          # None: every status
    cluster: str | None = None
    park: str | None = None
    has_warnings: bool = False
    late: bool = False
    q: str | None = None                      # part of the enterprise name or USCC
    sort: str = "submitted_desc"

    def args(self) -> dict[str, Any]:
        """The filters as query-string arguments (for pager links and export links)."""
        out = {"period": self.period.id if self.period else "", "status": self.status or "all",
               "cluster": self.cluster or "", "park": self.park or "", "sort": self.sort, "q": self.q or ""}
        if self.has_warnings:
            out["has_warnings"] = "y"
        if self.late:
            out["late"] = "y"
        return out


QUEUE_COLUMNS = (
    Report.id, Report.status, Report.revision, Report.version, Report.submitted_at, Report.explanations,
    Report.period_id, Enterprise.id.label("enterprise_id"), Enterprise.name, Enterprise.uscc,
    Enterprise.cluster, Enterprise.park, ReportingPeriod.year, ReportingPeriod.quarter, ReportingPeriod.due_on,
)


def queue_statement(f: QueueFilters):
    """The filtered, sorted queue as a column select (one row per report)."""
    stmt = (select(*QUEUE_COLUMNS)
            .join(Enterprise, Report.enterprise_id == Enterprise.id)
            .join(ReportingPeriod, Report.period_id == ReportingPeriod.id))
    if f.period is not None:
        stmt = stmt.where(Report.period_id == f.period.id)
    if f.status:
        stmt = stmt.where(Report.status == ReportStatus(f.status))
    if f.cluster:
        stmt = stmt.where(Enterprise.cluster == f.cluster)
    if f.park:
        stmt = stmt.where(Enterprise.park == f.park)
    if f.has_warnings:
        stmt = stmt.where(has_warnings_clause())
    if f.late:
        stmt = stmt.where(late_clause([f.period] if f.period else periods()))
    if f.q:
        needle = f.q.strip()
        stmt = stmt.where(or_(Enterprise.name.contains(needle, autoescape=True),
                              Enterprise.uscc.contains(needle.upper(), autoescape=True)))
    order = Report.submitted_at.asc() if f.sort == "submitted_asc" else Report.submitted_at.desc()
    # Unsubmitted reports (no time) last in both directions; the id keeps pages stable.
    return stmt.order_by(Report.submitted_at.is_(None), order, Report.id.desc())


@dataclass
class QueueRow:
    id: int
    status: str
    revision: int
    version: int
    submitted_at: datetime | None
    n_explained: int
    late: bool
    enterprise_id: int
    name: str
    uscc: str
    cluster: str
    park: str
    period_label: str


def _queue_row(r) -> QueueRow:
    late = r.submitted_at is not None and r.submitted_at.date() > r.due_on
    return QueueRow(id=r.id, status=str(r.status), revision=r.revision, version=r.version,
                    submitted_at=r.submitted_at, n_explained=len(r.explanations or {}), late=late,
                    enterprise_id=r.enterprise_id, name=r.name, uscc=r.uscc, cluster=r.cluster, park=r.park,
                    period_label=f"{r.year}Q{r.quarter}")


def paginate(stmt, page: int, per_page: int, convert=lambda r: r) -> Page:
    page = min(max(page, 1), MAX_PAGE)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([convert(r) for r in rows], page, per_page, total)


def queue_page(f: QueueFilters, page: int, per_page: int) -> Page:
    return paginate(queue_statement(f), page, per_page, _queue_row)


def queue_export_rows(f: QueueFilters) -> list[dict[str, Any]]:
    out = []
    for r in db.session.execute(queue_statement(f)):
        row = _queue_row(r)
        out.append({"name": row.name, "uscc": row.uscc, "cluster": row.cluster, "park": row.park,
                    "period": row.period_label, "status": STATUS_ZH.get(row.status, row.status),
                    "revision": row.revision,
                    "submitted_at": row.submitted_at.strftime("%Y-%m-%d %H:%M") if row.submitted_at else "",
                    "late": "是" if row.late else "否", "n_explained": row.n_explained})
    return out


QUEUE_EXPORT_COLUMNS = (
    ("name", "企业名称"), ("uscc", "统一社会信用代码"), ("cluster", "所属产业集群"), ("park", "所在园区"),
    ("period", "填报期"), ("status", "状态"), ("revision", "版本"), ("submitted_at", "提交时间（UTC）"),
    ("late", "逾期"), ("n_explained", "已说明预警数"),
)


# --------------------------------------------------------------------------- board

BOARD_KEYS = ("expected", "submitted", "approved", "returned", "draft", "late", "missing")


def _board_columns(period: ReportingPeriod):
    def n_status(status: ReportStatus):
        return func.sum(case((Report.status == status, 1), else_=0))
    return (
        func.count(Enterprise.id).label("expected"),
        n_status(ReportStatus.SUBMITTED).label("submitted"),
        n_status(ReportStatus.APPROVED).label("approved"),
        n_status(ReportStatus.RETURNED).label("returned"),
        n_status(ReportStatus.DRAFT).label("draft"),
        func.sum(case((Report.submitted_at >= _late_cutoff(period), 1), else_=0)).label("late"),
        func.sum(case((Report.id.is_(None), 1), else_=0)).label("missing"),
    )


def _board_base(period: ReportingPeriod, *columns):
    return (select(*columns).select_from(Enterprise)
            .outerjoin(Report, and_(Report.enterprise_id == Enterprise.id, Report.period_id == period.id))
            .where(expected_clause()))


def board_counts(period: ReportingPeriod) -> dict[str, Any]:
    """Counts of expected enterprises by report status: in total, by cluster and by park."""
    cols = _board_columns(period)
    total = db.session.execute(_board_base(period, *cols)).one()
    groups = {}
    for name, column in (("cluster", Enterprise.cluster), ("park", Enterprise.park)):
        rows = db.session.execute(_board_base(period, column.label("key"), *cols)
                                  .group_by(column).order_by(column)).all()
        groups[name] = [{"key": r.key, **{k: int(getattr(r, k) or 0) for k in BOARD_KEYS}} for r in rows]
    outside = db.session.scalar(
        select(func.count(Report.id)).join(Enterprise, Report.enterprise_id == Enterprise.id)
        .where(Report.period_id == period.id, ~expected_clause()))
    return {"total": {k: int(getattr(total, k) or 0) for k in BOARD_KEYS}, "by": groups,
            "outside": int(outside or 0)}


MISSING_COLUMNS = (Enterprise.id, Enterprise.name, Enterprise.uscc, Enterprise.cluster, Enterprise.park,
                   Enterprise.town)


def missing_statement(period: ReportingPeriod, *, cluster: str | None = None, park: str | None = None,
                      include_drafts: bool = False):
    """Expected enterprises without a report for ``period`` (and, optionally, with only a draft)."""
    stmt = (select(*MISSING_COLUMNS, Report.status)
            .outerjoin(Report, and_(Report.enterprise_id == Enterprise.id, Report.period_id == period.id))
            .where(expected_clause()))
    if include_drafts:
        stmt = stmt.where(or_(Report.id.is_(None), Report.status == ReportStatus.DRAFT))
    else:
        stmt = stmt.where(Report.id.is_(None))
    if cluster:
        stmt = stmt.where(Enterprise.cluster == cluster)
    if park:
        stmt = stmt.where(Enterprise.park == park)
    return stmt.order_by(Enterprise.cluster, Enterprise.park, Enterprise.name, Enterprise.id)


def contacts_for(enterprise_ids) -> dict[int, list[tuple[str, str | None]]]:
    """Active enterprise users ``(login, email)`` per enterprise id (ids or a subquery)."""
    rows = db.session.execute(
        select(User.enterprise_id, User.login, User.email)
        .where(User.enterprise_id.in_(enterprise_ids), User.active.is_(True), User.role == Role.ENTERPRISE)
        .order_by(User.enterprise_id, User.login)).all()
    out: dict[int, list[tuple[str, str | None]]] = {}
    for enterprise_id, login, email in rows:
        out.setdefault(enterprise_id, []).append((login, email))
    return out


def _missing_dict(r, contacts) -> dict[str, Any]:
    people = contacts.get(r.id, [])
    return {"id": r.id, "name": r.name, "uscc": r.uscc, "cluster": r.cluster, "park": r.park, "town": r.town,
            "status": str(r.status) if r.status else "missing",
            "logins": join_items(login for login, _email in people),
            "emails": join_items(email for _login, email in people if email)}


def missing_page(period: ReportingPeriod, page: int, per_page: int, **filters) -> Page:
    result = paginate(missing_statement(period, **filters), page, per_page)
    contacts = contacts_for([r.id for r in result.items])
    result.items = [_missing_dict(r, contacts) for r in result.items]
    return result


def missing_export_rows(period: ReportingPeriod, **filters) -> list[dict[str, Any]]:
    stmt = missing_statement(period, **filters)
    contacts = contacts_for(select(stmt.subquery().c.id))
    return [_missing_dict(r, contacts) for r in db.session.execute(stmt)]


MISSING_EXPORT_COLUMNS = (
    ("name", "企业名称"), ("uscc", "统一社会信用代码"), ("cluster", "所属产业集群"), ("park", "所在园区"),
    ("town", "镇街名称"), ("logins", "联系人账号"), ("emails", "联系人邮箱"),
)


# --------------------------------------------------------------------------- the report page


def display_value(spec: FieldSpec | None, value: Any) -> str:
    """A stored (or audit-JSON) value as display text in the reader's language, without the unit."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if spec is None:
        return str(value)
    if spec.type == "bool" or isinstance(value, bool):
        return _("是") if value else _("否")
    if spec.type == "enum":
        return spec.value_label(str(value))
    if spec.type == "multi" and isinstance(value, (list, tuple)):
        return join_items(spec.value_label(str(v)) for v in value)
    if spec.type == "map" and isinstance(value, dict):
        return join_clauses(_("%(key)s：%(value)s", key=str(k).upper(),
                              value=spec.value_label(str(v)) if spec.values else v)
                            for k, v in value.items())
    if spec.is_numeric:
        d = to_decimal(value)
        return fmt_num(d) if d is not None else str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def field_title(key: str) -> str:
    """A field's label with its unit in the reader's language, e.g. 营业收入（万元）."""
    spec = registry().get(key)
    return spec.title if spec is not None else key


def show_value(key: str, value: Any) -> str:
    return display_value(registry().get(key), value)


def change_pct(current: Any, base: Any) -> Decimal | None:
    cur, old = to_decimal(current), to_decimal(base)
    if cur is None or old is None or old <= 0:
        return None
    return ((cur - old) / old * 100).quantize(Decimal("0.1"))


def comparison_reports(report: Report) -> dict[str, Report | None]:
    """The enterprise's reports for the previous quarter and the same quarter last year."""
    p = report.period
    prev = (p.year, p.quarter - 1) if p.quarter > 1 else (p.year - 1, 4)
    wanted = {"previous": prev, "last_year": (p.year - 1, p.quarter)}
    rows = db.session.execute(
        select(Report, ReportingPeriod.year, ReportingPeriod.quarter)
        .join(ReportingPeriod, Report.period_id == ReportingPeriod.id)
        .where(Report.enterprise_id == report.enterprise_id,
               or_(*(and_(ReportingPeriod.year == y, ReportingPeriod.quarter == q) for y, q in wanted.values())))
    ).all()
    found = {(y, q): r for r, y, q in rows}
    return {name: found.get(key) for name, key in wanted.items()}


@dataclass
class ValueRow:
    key: str
    label: str
    unit: str | None
    value: str
    previous: str | None
    previous_change: Decimal | None
    last_year: str | None
    last_year_change: Decimal | None
    flagged: bool = False


@dataclass
class SectionView:
    key: str
    label: str
    rows: list[ValueRow] = field(default_factory=list)


def value_sections(report: Report, comparisons: dict[str, Report | None], flagged: set[str]) -> list[SectionView]:
    prev = comparisons.get("previous")
    last = comparisons.get("last_year")
    prev_values = prev.values() if prev else {}
    last_values = last.values() if last else {}
    out = []
    values = report.values()
    for section in registry().sections:
        view = SectionView(section.key, section.label)
        for spec in section.fields:
            v = values.get(spec.key)
            view.rows.append(ValueRow(
                key=spec.key, label=spec.label, unit=spec.unit_text, value=display_value(spec, v),
                previous=display_value(spec, prev_values.get(spec.key)) if prev else None,
                previous_change=change_pct(v, prev_values.get(spec.key)) if prev and spec.is_numeric else None,
                last_year=display_value(spec, last_values.get(spec.key)) if last else None,
                last_year_change=change_pct(v, last_values.get(spec.key)) if last and spec.is_numeric else None,
                flagged=spec.key in flagged))
        out.append(view)
    return out


@dataclass
class WarningView:
    code: str
    field: str
    label: str
    message: str
    explanation: str | None


def warnings_for(report: Report) -> tuple[list[WarningView], list]:
    """The report's warnings (recomputed now) with the enterprise's explanations, and its errors."""
    # The intake room's own validation call (same history), so reviewers see what the enterprise saw.
    result = reporting_services.validate(report, report.values(), for_submit=True)
    explanations = report.explanations or {}
    reg = registry()
    warnings = []
    for issue in result.warnings:
        spec = reg.get(issue.field)
        text = explanations.get(issue.code)
        warnings.append(WarningView(issue.code, issue.field, spec.label if spec else issue.field, issue.message,
                                    text if isinstance(text, str) else None))
    return warnings, list(result.errors)


def orphan_explanations(report: Report, warnings: list[WarningView]) -> dict[str, str]:
    """Explanations whose warning no longer fires (values or history changed since)."""
    codes = {w.code for w in warnings}
    return {k: v for k, v in (report.explanations or {}).items() if k not in codes and isinstance(v, str)}


def attachments_for(report: Report) -> list[tuple[Attachment, str]]:
    """The report's attachments with what each is evidence for (a field, a section, the report)."""
    return [(a, reporting_services.attachment_label(a)) for a in reporting_services.attachments_of(report)]


def current_scorecards(report: Report) -> list[Scorecard]:
    return list(db.session.scalars(select(Scorecard).where(Scorecard.report_id == report.id,
                                                           Scorecard.current.is_(True))
                                   .order_by(Scorecard.family, Scorecard.framework)))


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    at: datetime
    actor: str | None
    action: str
    label: str
    detail: str | None
    changes: list[Change]


def _explanation_changes(before: dict, after: dict) -> list[Change]:
    out = []
    for code in sorted(set(before) | set(after)):
        label = _("预警说明：%(f)s", f=reporting_services.explanation_label(str(code)))
        out.append(Change(label, str(before.get(code) or "—"), str(after.get(code) or "—")))
    return out


def _snapshot_changes(after: dict) -> list[Change]:
    out = []
    for framework, result in sorted(after.items()):
        if not isinstance(result, dict):
            continue
        total = result.get("total")
        shown = "—" if total is None else f"{float(total):.1f}"
        grade = result.get("grade") or ""
        out.append(Change(_("%(framework)s（%(version)s）", framework=framework,
                            version=result.get("criteria_version") or ""), "", f"{shown} {grade}".strip()))
    return out


def _changes(action: str, before: dict | None, after: dict | None) -> list[Change]:
    """Field-level differences of one audit row (only changed fields are stored in before/after)."""
    before, after = before or {}, after or {}
    if action == "report.explain":
        return _explanation_changes(before, after)
    if action == "scorecard.snapshot":
        return _snapshot_changes(after)
    reg = registry()
    out = []
    if "status" in before or "status" in after:
        old, new = before.get("status"), after.get("status")
        if old != new:
            out.append(Change(_("状态"), STATUS_ZH.get(old, old or "—"), STATUS_ZH.get(new, new or "—")))
    order = {f.key: i for i, f in enumerate(reg.report_fields)}
    for key in sorted(set(before) | set(after), key=lambda k: (order.get(k, len(order)), k)):
        spec = reg.get(key)
        if spec is None or spec.section == "profile":
            continue
        out.append(Change(field_title(key), display_value(spec, before.get(key)), display_value(spec, after.get(key))))
    return out


def timeline(report: Report) -> list[TimelineEntry]:
    """Every audit row about this report, oldest first, with field-level differences."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "Report",
                                                         AuditEvent.object_id == report.id)
                                .order_by(AuditEvent.at, AuditEvent.id))
    return [TimelineEntry(e.at, e.actor_login, e.action, ACTION_ZH.get(e.action, e.action), e.detail,
                          _changes(e.action, e.before, e.after)) for e in events]


def revisions(report: Report) -> list[ReportRevision]:
    return list(db.session.scalars(select(ReportRevision).where(ReportRevision.report_id == report.id)
                                   .order_by(ReportRevision.revision.desc())))


def revision_changes(revision: ReportRevision, report: Report) -> list[Change]:
    """How the current values differ from an archived revision."""
    reg = registry()
    out = []
    for key, old, new in diff_values(revision.values or {}, report.values()):
        spec = reg.get(key)
        if spec is None:
            continue
        out.append(Change(spec.title, display_value(spec, old), display_value(spec, new)))
    return out


def report_context(report: Report) -> dict[str, Any]:
    """Everything the reviewer's report page shows besides the report itself."""
    warnings, errors = warnings_for(report)
    comparisons = comparison_reports(report)
    return {
        "sections": value_sections(report, comparisons, {w.field for w in warnings}),
        "comparisons": comparisons,
        "warnings": warnings,
        "errors": errors,
        "orphans": orphan_explanations(report, warnings),
        "attachments": attachments_for(report),
        "scorecards": current_scorecards(report),
        "timeline": timeline(report),
        "revisions": [(rev, revision_changes(rev, report)) for rev in revisions(report)],
    }


# --------------------------------------------------------------------------- bulk imports


def bulk_imports(period: ReportingPeriod, limit: int = 20) -> list[BulkImport]:
    return list(db.session.scalars(select(BulkImport).where(BulkImport.period_id == period.id)
                                   .order_by(BulkImport.id.desc()).limit(limit)))


def bulk_touched(bulk: BulkImport) -> list[dict[str, Any]]:
    """The reports an applied import created or updated, with their enterprise names."""
    saved = bulk.before or {}
    names = enterprise_names(s.get("enterprise") for s in saved.values())
    return sorted(({"report_id": int(k), "created": s["created"], "name": names.get(s.get("enterprise"), "—")}
                   for k, s in saved.items()), key=lambda d: d["name"])


# --------------------------------------------------------------------------- audit search


def audit_statement(*, action: str | None = None, login: str | None = None, enterprise: str | None = None,
                    date_from: date | None = None, date_to: date | None = None):
    """Audit rows, newest first, filtered by action prefix, actor login, enterprise and UTC dates.

    ``enterprise`` matches an exact USCC or a part of the enterprise name. Shared by the admin's
    and the reviewers' audit pages.
    """
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if login:
        stmt = stmt.where(AuditEvent.actor_login == login)
    if enterprise:
        ids = select(Enterprise.id).where(or_(Enterprise.uscc == enterprise.upper(),
                                              Enterprise.name.contains(enterprise, autoescape=True)))
        stmt = stmt.where(AuditEvent.enterprise_id.in_(ids))
    if date_from:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(date_from, time.min))
    if date_to:
        stmt = stmt.where(AuditEvent.at < datetime.combine(date_to + timedelta(days=1), time.min))
    return stmt


def enterprise_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))).all())

