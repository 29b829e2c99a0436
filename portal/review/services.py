"""Write services of the review room: reminders and notices, the reviewers' bulk import.

Status transitions live in :mod:`portal.review.workflow`. Services add and flush; the route
commits once. Every state change writes an audit row.

Bulk import, in three steps:

* **preview** parses the workbook once (``spreadsheet.parse_bulk``) and stores the parsed rows
  in a ``BulkImport``; nothing else is written. The plan (what would happen to each enterprise)
  is recomputed from the database each time it is shown, and again at apply.
* **apply** creates missing reports as drafts and updates DRAFT or RETURNED ones; submitted and
  approved reports are never touched (listed as skipped). A blank cell leaves the stored value
  as it is, and a row with any cell error or validation error is not imported at all. The
  previous values of every touched report, and its version right after the import, are kept.
* **undo** restores every touched report to its exact previous values and deletes the reports the
  import created, but only when none of them changed since (same version, no attachment or
  upload added); otherwise nothing is undone and the changed enterprises are named.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, select

from portal import audit
from portal.admin.services import ServiceError
from portal.extensions import db
from portal.fields import FieldSpec, join_items, registry
from portal.models import (
    Attachment,
    BulkImport,
    Enterprise,
    Notice,
    Report,
    ReportingPeriod,
    ReportStatus,
    SpreadsheetUpload,
    User,
    utcnow,
)
from portal.models.report import VALUE_KEYS
from portal.reporting import spreadsheet
from portal.reporting.validation import validate_report
from portal.review import mailer, queries, workflow

CHUNK = 500     # ids per IN (...) list


# --------------------------------------------------------------------------- reminders and notices


@dataclass
class Outgoing:
    to: list[str]
    subject: str
    body: str


@dataclass
class ReminderResult:
    n_enterprises: int = 0
    n_notices: int = 0
    mails: list[Outgoing] = field(default_factory=list)


def send_reminders(period: ReportingPeriod, *, actor: User) -> ReminderResult:
    """A notice to every expected enterprise still missing (no report or only a draft).

    Returns the e-mails to send; the caller sends them with :func:`deliver` after committing, so
    that no one is mailed about a reminder that was rolled back.
    """
    targets = db.session.execute(queries.missing_statement(period, include_drafts=True)).all()
    if not targets:
        raise ServiceError(_("该填报期没有需要催报的企业。"))
    contacts = queries.contacts_for(select(queries.missing_statement(period, include_drafts=True).subquery().c.id))
    result = ReminderResult()
    now = utcnow()
    for row in targets:
        state = "尚未提交（草稿）" if row.status == ReportStatus.DRAFT else "尚未填报"
        title = f"{period.label_zh}报表催报"
        body = (f"{row.name}：贵企业{period.label_zh}的季度报表{state}，截止日期为 {period.due_on.isoformat()}。"
                f"请尽快登录铜梁区先进制造业企业评价门户填写并提交。如有疑问，请联系区经济和信息化委员会。")
        db.session.add(Notice(enterprise_id=row.id, period_id=period.id, kind="reminder", title=title, body=body,
                              created_at=now, created_by_id=actor.id))
        result.n_notices += 1
        emails = [email for _login, email in contacts.get(row.id, []) if email]
        if emails:
            result.mails.append(Outgoing(emails, title, body))
    result.n_enterprises = len(targets)
    db.session.flush()
    audit.record("period.remind", actor=actor, obj=period,
                 after={"period": period.label, "enterprises": result.n_enterprises,
                        "emails": sum(len(m.to) for m in result.mails)})
    return result


def deliver(mails: list[Outgoing]) -> int:
    """Send the e-mails; returns how many failed (each failure is logged, none is raised)."""
    failed = 0
    for mail in mails:
        try:
            mailer.send_mail(mail.to, mail.subject, mail.body)
        except mailer.MailError as exc:
            failed += 1
            current_app.logger.warning("reminder mail to %s failed: %s", ", ".join(mail.to), exc)
    return failed


def mark_notice_read(notice: Notice, *, actor: User) -> None:
    if notice.read_at is not None:
        return
    notice.read_at = utcnow()
    db.session.flush()
    audit.record("notice.read", actor=actor, obj=notice, after={"notice": notice.id})


# --------------------------------------------------------------------------- JSON form of values


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _decode(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.type == "decimal":
        return float(value)
    if spec.type == "int":
        return int(value)
    if spec.type == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def encode_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _encode(v) for k, v in values.items()}


def decode_values(values: dict[str, Any]) -> dict[str, Any]:
    reg = registry()
    return {k: _decode(reg.field(k), v) for k, v in values.items() if k in VALUE_KEYS}


# --------------------------------------------------------------------------- bulk import


def bulk_template(period: ReportingPeriod) -> bytes:
    """The bulk workbook for ``period``: every active enterprise, prefilled with its current values."""
    enterprises = db.session.execute(select(Enterprise.id, Enterprise.uscc, Enterprise.name)
                                     .where(Enterprise.active.is_(True)).order_by(Enterprise.name)).all()
    uscc_of = {e.id: e.uscc for e in enterprises}
    prefill = {uscc_of[r.enterprise_id]: r.values()
               for r in db.session.scalars(select(Report).where(Report.period_id == period.id))
               if r.enterprise_id in uscc_of}
    return spreadsheet.build_bulk_template([(e.uscc, e.name) for e in enterprises], period.label, prefill=prefill)


def preview_bulk(period: ReportingPeriod, data: bytes, filename: str | None, *, actor: User) -> BulkImport:
    """Parse the workbook and keep the parsed rows (nothing else is written)."""
    if not data:
        raise ServiceError(_("请选择要上传的 .xlsx 文件。"), field="file")
    try:
        parsed = spreadsheet.parse_bulk(data)
    except spreadsheet.SpreadsheetError as exc:
        raise ServiceError(exc.message, field="file") from None
    if not parsed.rows and not parsed.cell_errors:
        raise ServiceError(_("文件中没有企业数据（从第 3 行起每行一家企业）。"), field="file")
    bulk = BulkImport(period_id=period.id, user_id=actor.id, filename=(filename or "")[:200] or None,
                      state="preview",
                      rows=[{"row": r, "uscc": uscc, "values": encode_values(values)}
                            for r, uscc, values in parsed.rows],
                      cell_errors=[list(e) for e in parsed.cell_errors])
    db.session.add(bulk)
    db.session.flush()
    audit.record("bulk_import.preview", actor=actor, obj=bulk,
                 after={"period": period.label, "rows": len(bulk.rows), "cell_errors": len(bulk.cell_errors)})
    return bulk


@dataclass
class PlanRow:
    row: int
    uscc: str
    enterprise: Enterprise | None
    report: Report | None
    action: str                     # create | update | unchanged | skipped | error | unknown
    changes: list = field(default_factory=list)     # [(key, old, new)]
    errors: list = field(default_factory=list)      # [(cell or "", message)]
    new_values: dict = field(default_factory=dict)  # the values to set (typed)

    @property
    def name(self) -> str:
        return self.enterprise.name if self.enterprise else ""


@dataclass
class Plan:
    rows: list[PlanRow]
    sheet_errors: list                 # cell errors not tied to a data row (e.g. an unknown column)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def bulk_plan(bulk: BulkImport) -> Plan:
    """What applying ``bulk`` would do now, enterprise by enterprise."""
    period = bulk.period
    usccs = [r["uscc"] for r in bulk.rows]
    enterprises: dict[str, Enterprise] = {}
    for part in _chunks(usccs):
        enterprises.update({e.uscc: e for e in db.session.scalars(select(Enterprise).where(Enterprise.uscc.in_(part)))})
    reports: dict[int, Report] = {}
    ids = [e.id for e in enterprises.values()]
    for part in _chunks(ids):
        reports.update({r.enterprise_id: r for r in db.session.scalars(
            select(Report).where(Report.period_id == period.id, Report.enterprise_id.in_(part)))})
    errors_by_uscc: dict[str, list] = {}
    sheet_errors = []
    known = set(usccs)
    for cell, uscc, _key, message in bulk.cell_errors:
        if uscc and uscc in known:
            errors_by_uscc.setdefault(uscc, []).append((cell, message))
        else:
            sheet_errors.append((cell, message))
    reg = registry()
    plan = []
    for raw in bulk.rows:
        uscc = raw["uscc"]
        enterprise = enterprises.get(uscc)
        row = PlanRow(raw["row"], uscc, enterprise, None, "unknown", errors=list(errors_by_uscc.get(uscc, [])))
        plan.append(row)
        if enterprise is None:
            continue
        report = reports.get(enterprise.id)
        row.report = report
        new = {k: _decode(reg.field(k), v) for k, v in raw["values"].items() if v is not None and k in VALUE_KEYS}
        current = report.values() if report else {}
        merged = {**current, **new}
        row.changes = spreadsheet.diff_values(current, merged)
        row.new_values = new
        if report is not None and report.status not in workflow.EDITABLE:
            row.action = "skipped"
            continue
        if report is not None and not workflow.is_editable(report) or report is None and period.locked:
            row.action = "skipped"
            row.errors.append(("", _("该填报期已锁定，不能通过批量导入修改。")))
            continue
        if not enterprise.active:
            row.action = "skipped"
            row.errors.append(("", _("该企业已停用。")))
            continue
        result = validate_report(merged, profile=enterprise.profile(), year=period.year, quarter=period.quarter,
                                 history={}, for_submit=False)
        row.errors.extend(("", issue.message) for issue in result.errors)
        if row.errors:
            row.action = "error"
        elif report is None:
            row.action = "create"
        else:
            row.action = "update" if row.changes else "unchanged"
    return Plan(plan, sheet_errors)


def apply_bulk(bulk: BulkImport, *, actor: User) -> Plan:
    """Create and update the drafts the plan allows; keep what undo needs."""
    if bulk.state != "preview":
        raise ServiceError(_("该批量导入已执行或已撤销，不能再次执行。"))
    plan = bulk_plan(bulk)
    touched: list[tuple[PlanRow, Report, dict | None]] = []
    for row in plan.rows:
        if row.action == "create":
            report = Report(enterprise_id=row.enterprise.id, period_id=bulk.period_id, status=ReportStatus.DRAFT,
                            revision=1)
            report.set_values(row.new_values)
            db.session.add(report)
            touched.append((row, report, None))
        elif row.action == "update":
            before = encode_values(row.report.values())
            row.report.set_values(row.new_values)
            touched.append((row, row.report, before))
    workflow.flush_or_conflict()
    saved = {}
    for row, report, before in touched:
        changed = {k: (old, new) for k, old, new in row.changes}
        audit.record("report.bulk_import", actor=actor, obj=report,
                     before={k: _encode(o) for k, (o, _new) in changed.items()},
                     after={k: _encode(n) for k, (_old, n) in changed.items()},
                     detail=f"批量导入 #{bulk.id}（{bulk.period.label}，第 {row.row} 行）")
        saved[str(report.id)] = {"created": before is None, "values": before, "version": report.version,
                                 "enterprise": report.enterprise_id}
    bulk.before = saved
    bulk.state = "applied"
    bulk.applied_at = utcnow()
    bulk.n_created = plan.count("create")
    bulk.n_updated = plan.count("update")
    db.session.flush()
    audit.record("bulk_import.apply", actor=actor, obj=bulk,
                 after={"period": bulk.period.label, "created": bulk.n_created, "updated": bulk.n_updated,
                        "skipped": plan.count("skipped"), "errors": plan.count("error"),
                        "unknown": plan.count("unknown")})
    return plan


def _changed_since(report: Report | None, saved: dict) -> bool:
    if report is None or report.version != saved["version"]:
        return True
    if saved["created"]:
        extra = exists().where(Attachment.report_id == report.id)
        uploads = exists().where(SpreadsheetUpload.report_id == report.id)
        return bool(db.session.scalar(select(extra)) or db.session.scalar(select(uploads)))
    return False


def undo_bulk(bulk: BulkImport, *, actor: User) -> int:
    """Restore every report the import touched; refuse if any of them changed since."""
    if bulk.state != "applied":
        raise ServiceError(_("只有已执行的批量导入才能撤销。"))
    saved = bulk.before or {}
    reports = {}
    ids = [int(i) for i in saved]
    for part in _chunks(ids):
        reports.update({r.id: r for r in db.session.scalars(select(Report).where(Report.id.in_(part)))})
    changed = [int(i) for i, s in saved.items() if _changed_since(reports.get(int(i)), s)]
    if changed:
        names = db.session.scalars(select(Enterprise.name).where(
            Enterprise.id.in_([saved[str(i)]["enterprise"] for i in changed])).order_by(Enterprise.name)).all()
        if len(names) > 10:
            raise ServiceError(_("以下企业的报表在导入后已被修改，不能撤销：%(names)s等（共 %(n)s 家）。",
                                 names=join_items(names[:10]), n=len(changed)))
        raise ServiceError(_("以下企业的报表在导入后已被修改，不能撤销：%(names)s（共 %(n)s 家）。",
                             names=join_items(names), n=len(changed)))
    for key, state in saved.items():
        report = reports[int(key)]
        current = report.values()
        if state["created"]:
            audit.record("report.bulk_undo", actor=actor, obj=report,
                         before={k: _encode(v) for k, v in current.items() if v is not None},
                         after={"deleted": True}, detail=f"撤销批量导入 #{bulk.id}：删除导入时新建的报表")
            db.session.delete(report)
            continue
        previous = decode_values(state["values"])
        diff = spreadsheet.diff_values(current, previous)
        report.set_values({k: previous.get(k) for k in VALUE_KEYS})
        audit.record("report.bulk_undo", actor=actor, obj=report,
                     before={k: _encode(o) for k, o, _new in diff}, after={k: _encode(n) for k, _old, n in diff},
                     detail=f"撤销批量导入 #{bulk.id}")
    workflow.flush_or_conflict()
    bulk.state = "undone"
    bulk.undone_at = utcnow()
    db.session.flush()
    audit.record("bulk_import.undo", actor=actor, obj=bulk,
                 after={"period": bulk.period.label, "reports": len(saved)})
    return len(saved)
