"""Reporting services: start, save and submit reports, live figures, spreadsheets, attachments.

Services take the acting user explicitly, add and flush, write an audit row for every change
and never commit (the route commits once). Business-rule refusals raise
:class:`portal.admin.services.ServiceError` with a message in the reader's language (Chinese by
default, through Flask-Babel). Status changes go through
:mod:`portal.review.workflow` only.

Saving a draft never blocks on missing required fields; a value that cannot be parsed is not
written over the stored value (the form keeps what the user typed, with its message). Every save
records ``report.save`` with only the changed fields in ``before``/``after``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from portal import audit
from portal.admin.services import ServiceError
from portal.assessments import derive
from portal.extensions import db
from portal.fields import registry
from portal.models import Attachment, Report, ReportingPeriod, ReportStatus, SpreadsheetUpload, User, utcnow
from portal.reporting import attachments as storage
from portal.reporting import scope
from portal.reporting.rules import Issue
from portal.reporting.spreadsheet import (
    DEFAULT_MAX_BYTES,
    SpreadsheetError,
    build_template,
    diff_values,
    parse_template,
)
from portal.reporting.validation import (
    ValidationResult,
    carry_forward,
    energy_tce,
    parse_value,
    validate_report,
)
from portal.review import workflow
from portal.review.workflow import ConflictError
from portal.scorecards.services import snapshot_report

LOCAL_OFFSET = timedelta(hours=8)   # Asia/Shanghai, no daylight saving

# Derived figures shown beside the form: engine key -> (label, unit, decimals), lazy so that each
# request shows them in its own language. Ratios do not depend on how many quarters are
# reported; amounts that the engine annualises (a single quarter is scaled to a year) say so in
# their label.
TCE = _l("吨标准煤")
DERIVED_FIGURES: tuple[tuple[str, Any, Any, int], ...] = (
    ("key_process_nc_rate_pct", _l("关键工序数控化率"), "%", 1),
    ("digital_equipment_share_pct", _l("数字化生产设备占比"), "%", 1),
    ("networked_equipment_share_pct", _l("设备联网率"), "%", 1),
    ("rd_intensity_pct", _l("研发投入强度"), "%", 2),
    ("rd_staff_share_pct", _l("研发人员占比"), "%", 1),
    ("main_business_share_pct", _l("主营业务收入占营业收入比重"), "%", 1),
    ("value_added_rate_pct", _l("工业增加值率"), "%", 1),
    ("debt_ratio_pct", _l("资产负债率"), "%", 1),
    ("net_margin_pct", _l("净利润率"), "%", 1),
    ("energy_tce", _l("综合能耗（按本季折算全年）"), TCE, 2),
    ("energy_per_10k_va", _l("单位工业增加值能耗"), _l("吨标准煤/万元"), 4),
    ("water_reuse_rate_pct", _l("水重复利用率"), "%", 1),
    ("wastewater_reuse_pct", _l("废水处理回用率"), "%", 1),
    ("solid_waste_utilisation_pct", _l("一般工业固体废物综合利用率"), "%", 1),
    ("labour_productivity", _l("全员劳动生产率（按本季折算全年）"), _l("万元/人"), 2),
    ("output_per_mu", _l("亩均产值（按本季折算全年）"), _l("万元/亩"), 2),
    ("tax_per_mu", _l("亩均税收（按本季折算全年）"), _l("万元/亩"), 2),
)
QUARTER_TCE = ("quarter_energy_tce", _l("综合能耗（本季度）"), TCE, 2)

CONFLICT_MESSAGE = _l("该报表已在其他窗口被修改。下方保留了您刚才填写的内容，请核对后再次保存或提交。")


def local_today() -> date:
    """Today's date in Chongqing (timestamps are stored in naive UTC)."""
    return (utcnow() + LOCAL_OFFSET).date()


# --------------------------------------------------------------------------- values


def to_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values (Decimal for decimals) as the report's column types."""
    out = {}
    for key, value in values.items():
        out[key] = float(value) if isinstance(value, Decimal) else value
    return out


def to_json(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        out[key] = value
    return out


def from_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-stored values back to column values (dates are the only type JSON changes)."""
    out = {}
    for key, value in (values or {}).items():
        spec = registry().get(key)
        if spec is None:
            continue
        if spec.type == "date" and isinstance(value, str):
            value, _problem = parse_value(spec, value)
        out[key] = value
    return out


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    diff = diff_values(before, after)
    return {k: old for k, old, _ in diff}, {k: new for k, _, new in diff}


# --------------------------------------------------------------------------- periods


@dataclass
class PeriodRow:
    period: ReportingPeriod
    report: Report | None
    is_open: bool
    not_yet_open: bool
    overdue: bool

    @property
    def late(self) -> bool:
        return self.overdue or bool(self.report and self.report.is_late)


def period_rows(user: User, page: int, per_page: int, today: date):
    """A page of every reporting period with the enterprise's report in it (if any)."""
    stmt = select(ReportingPeriod).order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc())
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    ids = [p.id for p in pagination.items]
    reports = {}
    if ids:
        reports = {r.period_id: r for r in db.session.scalars(
            scope.reports_query(user).where(Report.period_id.in_(ids)))}
    rows = []
    for period in pagination.items:
        report = reports.get(period.id)
        unsubmitted = report is None or report.submitted_at is None
        rows.append(PeriodRow(period, report, period.is_open(today), today < period.opens_on,
                              unsubmitted and not period.locked and today > period.due_on
                              and (report is None or report.status != ReportStatus.APPROVED)))
    return pagination, rows


def previous_approved(enterprise_id: int, period: ReportingPeriod) -> Report | None:
    """The enterprise's latest approved report for a period before ``period``."""
    return db.session.scalar(
        select(Report).join(ReportingPeriod, Report.period_id == ReportingPeriod.id)
        .where(Report.enterprise_id == enterprise_id, Report.status == ReportStatus.APPROVED,
               (ReportingPeriod.year * 4 + ReportingPeriod.quarter) < (period.year * 4 + period.quarter))
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc()).limit(1))


def start_report(period: ReportingPeriod, *, actor: User, today: date) -> Report:
    """Open the enterprise's draft for ``period``, stock fields pre-filled from the last approved report."""
    existing = db.session.scalar(select(Report).where(Report.enterprise_id == actor.enterprise_id,
                                                      Report.period_id == period.id))
    if existing is not None:
        return existing
    if period.locked:
        raise ServiceError(_("%(period)s的填报期已锁定，不能再新建报表。", period=_period_name(period)))
    if today < period.opens_on:
        raise ServiceError(_("%(period)s的填报期将于 %(date)s 开放，请届时再填报。", period=_period_name(period),
                             date=period.opens_on.isoformat()))
    report = Report(enterprise_id=actor.enterprise_id, period_id=period.id, status=ReportStatus.DRAFT,
                    revision=1, explanations={})
    previous = previous_approved(actor.enterprise_id, period)
    prefill = carry_forward(previous.values()) if previous is not None else {}
    report.set_values(prefill)
    db.session.add(report)
    db.session.flush()
    audit.record("report.create", actor=actor, obj=report,
                 after={"period": period.label, "prefilled_from": previous.period.label if previous else None,
                        **prefill})
    return report


def _period_name(period: ReportingPeriod) -> str:
    """2026年第3季度 / Q3 2026 (the same msgid as the ``period_name`` template filter)."""
    return _("%(year)s年第%(quarter)s季度", year=period.year, quarter=period.quarter)


# --------------------------------------------------------------------------- validation


def history_for(report: Report) -> dict[tuple[int, int], dict[str, Any]]:
    rows = db.session.scalars(select(Report).where(Report.enterprise_id == report.enterprise_id,
                                                   Report.id != report.id))
    return {(r.period.year, r.period.quarter): r.values() for r in rows}


def validate(report: Report, values: Mapping[str, Any], *, for_submit: bool,
             history: Mapping | None = None) -> ValidationResult:
    return validate_report(values, profile=report.enterprise.profile(), year=report.period.year,
                           quarter=report.period.quarter,
                           history=history_for(report) if history is None else history, for_submit=for_submit)


def field_messages(result: ValidationResult | None, parse_errors: Mapping[str, str] | None = None
                   ) -> dict[str, list[tuple[str, str]]]:
    """Field key -> [(severity, message)], parse problems first."""
    out: dict[str, list[tuple[str, str]]] = {}
    for key, message in (parse_errors or {}).items():
        out.setdefault(key, []).append(("error", message))
    if result is not None:
        for issue in (*result.errors, *result.warnings):
            if parse_errors and issue.field in parse_errors and issue.code.endswith(".type"):
                continue
            out.setdefault(issue.field, []).append((issue.severity, issue.message))
    return out


def _merge(report: Report, parsed: Mapping[str, Any] | None, parse_errors: Mapping[str, str]) -> dict[str, Any]:
    """The report's values with every parsed input applied; unparseable inputs keep the stored value."""
    merged = report.values()
    for key, value in (parsed or {}).items():
        if key in merged and key not in parse_errors:
            merged[key] = value
    return to_columns(merged)


def _require_editable(report: Report) -> None:
    if workflow.is_editable(report):
        return
    if report.status == ReportStatus.APPROVED:
        raise ServiceError(_("该报表已审核通过，不能修改；如需更正，请提交更正申请。"))
    if report.status == ReportStatus.SUBMITTED:
        raise ServiceError(_("该报表已提交，正在审核中，不能修改。"))
    raise ServiceError(_("该填报期已锁定，只能通过更正申请修改报表。"))


def _apply(report: Report, values: Mapping[str, Any], *, actor: User, detail: str | None = None) -> dict:
    """Write ``values`` (column types) to the report and audit the changed fields; no flush."""
    before, after = _changes(report.values(), values)
    report.set_values({k: values[k] for k in after})
    if after:
        audit.record("report.save", actor=actor, obj=report, before=before, after=after,
                     detail=detail or report.period.label)
    return after


@dataclass
class SaveOutcome:
    changed: dict[str, Any]
    result: ValidationResult
    parse_errors: dict[str, str] = field(default_factory=dict)


def save_draft(report: Report, parsed: Mapping[str, Any] | None, parse_errors: Mapping[str, str],
               explanations: Mapping[str, str] | None, *, actor: User, expected_version: int | None
               ) -> SaveOutcome:
    """Save what could be parsed; never blocks on missing required fields."""
    _require_editable(report)
    workflow.check_version(report, expected_version)
    history = history_for(report)
    merged = _merge(report, parsed, parse_errors)
    changed = _apply(report, merged, actor=actor)
    _store_explanations(report, explanations, actor=actor)
    db.session.flush()
    return SaveOutcome(changed, validate(report, merged, for_submit=False, history=history), dict(parse_errors))


def _store_explanations(report: Report, explanations: Mapping[str, str] | None, *, actor: User,
                        keep: set[str] | None = None) -> None:
    current = dict(report.explanations or {})
    new = dict(current)
    new.update({k: v for k, v in (explanations or {}).items() if v and v.strip()})
    if keep is not None:
        new = {k: v for k, v in new.items() if k in keep}
    if new != current:
        report.explanations = new
        changed = {k for k in set(new) | set(current) if new.get(k) != current.get(k)}
        audit.record("report.explain", actor=actor, obj=report,
                     before={k: current.get(k) for k in sorted(changed)},
                     after={k: new.get(k) for k in sorted(changed)}, detail=report.period.label)


@dataclass
class SubmitOutcome:
    submitted: bool
    result: ValidationResult
    parse_errors: dict[str, str]
    unexplained: list[Issue]

    @property
    def blocking(self) -> list[str]:
        """Every reason the submission was refused, each naming its field."""
        reasons = [_("%(field)s：%(problem)s", field=registry().field(k).label, problem=m)
                   for k, m in self.parse_errors.items()]
        reasons += [i.message for i in self.result.errors if i.field not in self.parse_errors]
        reasons += [_("请说明：%(warning)s", warning=i.message) for i in self.unexplained]
        return reasons


def submit_report(report: Report, parsed: Mapping[str, Any] | None, parse_errors: Mapping[str, str],
                  explanations: Mapping[str, str] | None, *, actor: User, expected_version: int | None
                  ) -> SubmitOutcome:
    """Validate the posted values and submit; when anything blocks, save the draft instead.

    The values, the status change and the scorecard snapshot are flushed together, so they
    succeed or fail with the caller's single commit.
    """
    _require_editable(report)
    workflow.check_version(report, expected_version)
    history = history_for(report)
    merged = _merge(report, parsed, parse_errors)
    result = validate(report, merged, for_submit=True, history=history)
    given = dict(report.explanations or {})
    given.update({k: v for k, v in (explanations or {}).items() if v and v.strip()})
    unexplained = result.unexplained(given)
    if parse_errors or result.errors or unexplained:
        save_draft(report, parsed, parse_errors, explanations, actor=actor, expected_version=expected_version)
        return SubmitOutcome(False, result, dict(parse_errors), unexplained)
    # No query may run between these writes and workflow.submit: an autoflush would bump the
    # version before workflow.submit compares it with the one the form was rendered with.
    changed_before, changed_after = _changes(report.values(), merged)
    report.set_values({k: merged[k] for k in changed_after})
    _store_explanations(report, explanations, actor=actor, keep={i.code for i in result.warnings})
    workflow.submit(report, actor=actor, expected_version=expected_version)
    if changed_after:
        audit.record("report.save", actor=actor, obj=report, before=changed_before, after=changed_after,
                     detail=report.period.label)
    snapshot_report(report, actor=actor)
    return SubmitOutcome(True, result, {}, [])




def request_amendment(report: Report, reason: str, *, actor: User) -> None:
    if report.amendment_reason and report.status == ReportStatus.APPROVED:
        raise ServiceError(_("已提交更正申请，请等待审核人员处理。"))
    workflow.request_amendment(report, reason, actor=actor)


def is_conflict(exc: Exception) -> bool:
    return isinstance(exc, (ConflictError, StaleDataError))


# --------------------------------------------------------------------------- live figures


def derived_figures(report: Report, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Figures derived by the scoring engine from this one quarter, labelled in the reader's language."""
    row = {"period": report.period.label, **to_columns(values)}
    indicators = derive(report.enterprise.profile(), [row])
    figures = []
    for key, label, unit, places in DERIVED_FIGURES:
        if key not in indicators:
            continue
        figures.append(_figure(key, label, unit, places, indicators.get(key)))
    key, label, unit, places = QUARTER_TCE
    tce = energy_tce(values)
    at = next((i for i, f in enumerate(figures) if f["key"] == "energy_tce"), len(figures))
    figures.insert(at, _figure(key, label, unit, places, float(tce) if tce is not None else None))
    return figures


def _figure(key: str, label: Any, unit: Any, places: int, value: Any) -> dict[str, Any]:
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if number is not None and not math.isfinite(number):
        number = None
    text = "—" if number is None else f"{number:,.{places}f}"
    return {"key": key, "label": str(label), "unit": str(unit), "value": number, "text": text}


def preview(report: Report, parsed: Mapping[str, Any], parse_errors: Mapping[str, str]) -> dict[str, Any]:
    """The live panel: derived figures and per-field messages for the values being typed."""
    values = to_columns({k: (None if k in parse_errors else v) for k, v in parsed.items()})
    result = validate(report, values, for_submit=False)
    messages = field_messages(result, parse_errors)
    return {
        "figures": derived_figures(report, values),
        "messages": {k: [{"severity": s, "text": t} for s, t in v] for k, v in messages.items()},
        "errors": len(parse_errors) + len([i for i in result.errors if i.field not in parse_errors]),
        "warnings": [{"code": i.code, "field": i.field, "text": i.message} for i in result.warnings],
    }


# --------------------------------------------------------------------------- spreadsheets


def template_for(report: Report, *, actor: User) -> tuple[bytes, str]:
    """The .xlsx template pre-filled with the current draft (stock values included); audited."""
    data = build_template(enterprise_name=report.enterprise.name, uscc=report.enterprise.uscc,
                          period_label=report.period.label_zh, prefill=report.values())
    audit.record("report.template_download", actor=actor, obj=report, detail=report.period.label)
    return data, f"{report.period.label}-{report.enterprise.uscc}-填报模板.xlsx"


def spreadsheet_max_bytes(config: Mapping[str, Any]) -> int:
    return int(config.get("SPREADSHEET_MAX_BYTES") or DEFAULT_MAX_BYTES)


def create_upload(report: Report, data: bytes, filename: str | None, *, actor: User, max_bytes: int
                  ) -> SpreadsheetUpload:
    """Parse an uploaded template and keep it for preview; nothing is applied yet."""
    _require_editable(report)
    try:
        parsed = parse_template(data, max_bytes=max_bytes)
    except SpreadsheetError as exc:
        raise ServiceError(exc.message, field="file") from None
    if parsed.uscc and parsed.uscc != report.enterprise.uscc:
        raise ServiceError(_("该文件是统一社会信用代码为 %(uscc)s 的企业的模板，不是本企业的，"
                             "请下载本企业的模板后重新填写。", uscc=parsed.uscc), field="file")
    if parsed.period_label and parsed.period_label not in (report.period.label_zh, report.period.label):
        raise ServiceError(_("该文件是“%(file_period)s”的模板，当前报表为%(period)s，请下载本期模板后重新填写。",
                             file_period=parsed.period_label, period=_period_name(report.period)), field="file")
    bad = {key for _, key, _ in parsed.cell_errors if key}
    upload = SpreadsheetUpload(
        report_id=report.id, enterprise_id=report.enterprise_id, user_id=actor.id,
        filename=storage.display_name(filename, "xlsx"),
        parsed_values=to_json({k: v for k, v in parsed.values.items() if k not in bad}),
        cell_errors=[list(e) for e in parsed.cell_errors], state=SpreadsheetUpload.PREVIEWED)
    db.session.add(upload)
    db.session.flush()
    audit.record("report.spreadsheet_upload", actor=actor, obj=report,
                 detail=f"上传 #{upload.id}：{upload.filename}",
                 after={"upload": upload.id, "fields": len(upload.parsed_values), "errors": len(parsed.cell_errors)})
    return upload


def upload_changes(upload: SpreadsheetUpload, report: Report) -> list[tuple[str, Any, Any]]:
    """(field, current value, value in the file) for every field the file would change."""
    current = report.values()
    incoming = from_json(upload.parsed_values)
    return diff_values({k: current.get(k) for k in incoming}, incoming)


def apply_upload(upload: SpreadsheetUpload, report: Report, *, actor: User) -> dict[str, Any]:
    if upload.state != SpreadsheetUpload.PREVIEWED:
        raise ServiceError(_("该文件已导入或已撤销，不能重复导入。"))
    _require_editable(report)
    before = to_json(report.values())
    merged = dict(report.values())
    merged.update(from_json(upload.parsed_values))
    changed = _apply(report, merged, actor=actor, detail=f"{report.period.label} 电子表格导入（上传 #{upload.id}）")
    db.session.flush()
    upload.values_before = before
    upload.values_after = to_json(report.values())
    upload.state = SpreadsheetUpload.APPLIED
    upload.applied_at = utcnow()
    return changed


def undo_upload(upload: SpreadsheetUpload, report: Report, *, actor: User) -> dict[str, Any]:
    if upload.state != SpreadsheetUpload.APPLIED:
        raise ServiceError(_("该文件尚未导入或已撤销，无需撤销。"))
    _require_editable(report)
    if diff_values(report.values(), from_json(upload.values_after)):
        raise ServiceError(_("导入之后草稿又被修改过，为避免覆盖这些修改，不能撤销本次导入；"
                             "请直接在表单中修改。"))
    restored = from_json(upload.values_before)
    changed = _apply(report, {**report.values(), **restored}, actor=actor,
                     detail=f"{report.period.label} 撤销电子表格导入（上传 #{upload.id}）")
    db.session.flush()
    upload.state = SpreadsheetUpload.UNDONE
    upload.undone_at = utcnow()
    return changed


def recent_uploads(report: Report, limit: int = 5) -> list[SpreadsheetUpload]:
    return list(db.session.scalars(select(SpreadsheetUpload).where(SpreadsheetUpload.report_id == report.id)
                                   .order_by(SpreadsheetUpload.id.desc()).limit(limit)))


# --------------------------------------------------------------------------- attachments


def attachments_of(report: Report) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.report_id == report.id)
                                   .order_by(Attachment.id)))


def _target(target: str | None) -> tuple[str | None, str | None]:
    target = (target or "").strip()
    if not target:
        return None, None
    kind, _sep, key = target.partition(":")
    if kind == "section" and key in {s.key for s in registry().sections}:
        return key, None
    if kind == "field" and registry().get(key) is not None and registry().field(key).section != "profile":
        return registry().field(key).section, key
    raise ServiceError(_("请选择附件关联的部分或指标。"), field="target")


MAX_ATTACHMENTS = 50


def add_attachment(report: Report, stream, filename: str | None, target: str | None, *, actor: User
                   ) -> Attachment:
    """Store one evidence file; the caller commits (and removes the file if the commit fails)."""
    _require_editable(report)
    section, field_key = _target(target)
    count = db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.report_id == report.id))
    if count >= MAX_ATTACHMENTS:
        raise ServiceError(_("每份报表最多 %(n)s 个附件。", n=MAX_ATTACHMENTS), field="file")
    if stream is None:
        raise ServiceError(_("请选择要上传的文件。"), field="file")
    try:
        stored = storage.store(stream, filename)
    except storage.AttachmentError as exc:
        raise ServiceError(exc.message, field="file") from None
    attachment = Attachment(report_id=report.id, enterprise_id=report.enterprise_id,
                            report_revision=report.revision, section=section, field_key=field_key,
                            stored_name=stored.stored_name, display_name=stored.display_name,
                            content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                            uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record("attachment.upload", actor=actor, obj=report,
                 after={"attachment": attachment.id, "name": attachment.display_name,
                        "type": attachment.content_type, "size": attachment.size,
                        "section": section, "field": field_key})
    return attachment


def delete_attachment(attachment: Attachment, *, actor: User) -> str:
    """Delete the row; returns the stored name so the caller removes the file after commit."""
    report = attachment.report
    if not workflow.is_editable(report):
        raise ServiceError(_("报表已提交或已锁定，附件不能删除。"))
    stored = attachment.stored_name
    audit.record("attachment.delete", actor=actor, obj=report,
                 before={"attachment": attachment.id, "name": attachment.display_name, "sha256": attachment.sha256})
    db.session.delete(attachment)
    db.session.flush()
    return stored


def record_download(attachment: Attachment, *, actor: User) -> None:
    audit.record("attachment.download", actor=actor, obj=attachment.report,
                 detail=f"附件 #{attachment.id}：{attachment.display_name}")


def explanation_label(code: str) -> str:
    """What a warning code is about (its field, or the cross-period figure), in the reader's language."""
    if code == "yoy_energy_intensity":
        return _("单位工业增加值能耗（同比）")
    key = code.split(".", 1)[0]
    kind = None
    if key == "yoy_output":
        key, kind = "gross_output_value", "yoy"
    elif key.startswith("yoy_"):
        key, kind = key[4:], "yoy"
    elif key.startswith("drop_"):
        key, kind = key[5:], "drop"
    spec = registry().get(key)
    if spec is None:
        return code
    if kind == "yoy":
        return _("%(field)s（同比）", field=spec.label)
    if kind == "drop":
        return _("%(field)s（环比下降）", field=spec.label)
    return spec.label


def attachment_label(attachment: Attachment) -> str:
    """What an attachment is evidence for (a field, a section, the report), in the reader's language."""
    if attachment.field_key and registry().get(attachment.field_key):
        return registry().field(attachment.field_key).label
    if attachment.section:
        for section in registry().sections:
            if section.key == attachment.section:
                return _("%(section)s（整节）", section=section.label)
    return _("整份报表")
