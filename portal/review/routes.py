"""The commission's review pages: queue, submission board, report page, reminders, bulk import, audit.

Every view of this blueprint requires a reviewer or admin (checked in ``before_request``, so a
forgotten decorator fails closed), except the enterprise users' own notices, listed by name in
``ENTERPRISE_ENDPOINTS`` and checked for the enterprise role instead.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import audit
from portal.admin.services import ServiceError
from portal.auth.decorators import check_roles
from portal.auth.scope import get_scoped_or_404, scoped
from portal.extensions import db
from portal.forms.review import (
    AllowAmendmentForm,
    ApproveForm,
    AuditFilterForm,
    BulkUploadForm,
    ConfirmForm,
    GroupFilterForm,
    QueueFilterForm,
    ReturnForm,
)
from portal.models import BulkImport, Notice, ReportingPeriod, Role
from portal.reporting.scope import report_for
from portal.reporting.spreadsheet import export_rows
from portal.review import queries, services, workflow

bp = Blueprint("review", __name__, url_prefix="/review")

ENTERPRISE_ENDPOINTS = frozenset({"review.my_notices", "review.read_notice"})
EXPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "csv": "text/csv; charset=utf-8"}


@bp.before_request
def _check_role():
    if request.endpoint in ENTERPRISE_ENDPOINTS:
        check_roles(Role.ENTERPRISE)
    else:
        check_roles(Role.REVIEWER, Role.ADMIN)


def _page() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), queries.MAX_PAGE)


def _per_page() -> int:
    return current_app.config["PAGE_SIZE"]


def _period_from_args() -> ReportingPeriod | None:
    """``?period=``: absent -> the latest period, empty -> every period, unknown -> 404."""
    raw = request.args.get("period")
    if raw is None:
        return queries.latest_period()
    if raw == "":
        return None
    return _period_or_404(raw)


def _period_or_404(raw) -> ReportingPeriod:
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        abort(404)
    return db.get_or_404(ReportingPeriod, int(text))


def _valid_filters(form) -> bool:
    """Validate a GET filter form; invalid fields fall back to their defaults (never an error page)."""
    if form.validate():
        return True
    for name in form.errors:
        field = form[name]
        field.data = field.default
    return False


def _download(data: bytes, name: str, fmt: str):
    return send_file(io.BytesIO(data), mimetype=EXPORT_TYPES[fmt], as_attachment=True, download_name=name)


def _export_columns(columns) -> list[tuple[str, str]]:
    return [(key, str(header)) for key, header in columns]


# --------------------------------------------------------------------------- queue


def _queue_filters() -> tuple[queries.QueueFilters, QueueFilterForm, bool]:
    period = _period_from_args()
    form = QueueFilterForm(request.args if request.args else None)
    valid = _valid_filters(form) if request.args else True
    status = form.status.data if form.status.data in queries.STATUSES else None
    filters = queries.QueueFilters(period=period, status=status, cluster=form.cluster.data or None,
                                   park=form.park.data or None, has_warnings=bool(form.has_warnings.data),
                                   late=bool(form.late.data), q=(form.q.data or "").strip() or None,
                                   sort=form.sort.data if form.sort.data in queries.SORTS else "submitted_desc")
    return filters, form, valid


@bp.route("/")
@bp.route("/queue")
def queue():
    filters, form, valid = _queue_filters()
    page = queries.queue_page(filters, _page(), _per_page())
    return render_template("review/queue.html", page=page, form=form, filters=filters, valid=valid,
                           periods=queries.periods())


@bp.route("/queue/export.<fmt>")
def export_queue(fmt: str):
    if fmt not in EXPORT_TYPES:
        abort(404)
    filters, _form, _valid = _queue_filters()
    data = export_rows(queries.queue_export_rows(filters), _export_columns(queries.QUEUE_EXPORT_COLUMNS), fmt)
    audit.record("review.export_queue", actor=current_user, detail=f"{fmt} {filters.args()}")
    db.session.commit()
    label = filters.period.label if filters.period else "all"
    return _download(data, f"review-queue-{label}.{fmt}", fmt)


# --------------------------------------------------------------------------- board


@bp.route("/board")
@bp.route("/board/<int:period_id>")
def board(period_id: int | None = None):
    period = _period_or_404(period_id) if period_id is not None else queries.latest_period()
    if period is None:
        return render_template("review/board.html", period=None, periods=[])
    form = GroupFilterForm(request.args if request.args else None)
    valid = _valid_filters(form) if request.args else True
    missing = queries.missing_page(period, _page(), _per_page(), cluster=form.cluster.data or None,
                                   park=form.park.data or None)
    return render_template("review/board.html", period=period, periods=queries.periods(),
                           counts=queries.board_counts(period), missing=missing, form=form, valid=valid,
                           confirm=ConfirmForm())


@bp.route("/board/<int:period_id>/missing.<fmt>")
def export_missing(period_id: int, fmt: str):
    period = _period_or_404(period_id)
    if fmt not in EXPORT_TYPES:
        abort(404)
    form = GroupFilterForm(request.args if request.args else None)
    if request.args:
        _valid_filters(form)
    rows = queries.missing_export_rows(period, cluster=form.cluster.data or None, park=form.park.data or None)
    data = export_rows(rows, _export_columns(queries.MISSING_EXPORT_COLUMNS), fmt)
    audit.record("review.export_missing", actor=current_user, obj=period, detail=f"{fmt} {period.label} {len(rows)}")
    db.session.commit()
    return _download(data, f"missing-{period.label}.{fmt}", fmt)


@bp.route("/board/<int:period_id>/remind", methods=["POST"])
def send_reminders(period_id: int):
    period = _period_or_404(period_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = services.send_reminders(period, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("review.board", period_id=period.id))
    db.session.commit()
    failed = services.deliver(result.mails)
    flash(_("已向 %(n)s 家企业发送站内催报通知，邮件 %(m)s 封。", n=result.n_enterprises, m=len(result.mails)),
          "success")
    if failed:
        flash(_("%(n)s 封邮件发送失败（已记录日志），站内通知不受影响。", n=failed), "warning")
    return redirect(url_for("review.board", period_id=period.id))


# --------------------------------------------------------------------------- report page and workflow


def _render_report(report, status: int = 200, **forms):
    forms.setdefault("return_form", ReturnForm(formdata=None, version=report.version))
    forms.setdefault("approve_form", ApproveForm(formdata=None, version=report.version))
    forms.setdefault("amend_form", AllowAmendmentForm(formdata=None, version=report.version))
    context = queries.report_context(report)
    return render_template("review/view_report.html", report=report, **context, **forms,
                           actions=workflow.available_actions(report, current_user),
                           download_endpoint=_attachment_endpoint()), status


def _attachment_endpoint() -> str | None:
    for endpoint in ("reporting.download_attachment", "reporting.attachment"):
        if endpoint in current_app.view_functions:
            return endpoint
    return None


@bp.route("/reports/<int:report_id>")
def view_report(report_id: int):
    return _render_report(report_for(current_user, report_id))


def _act(report_id: int, form, name: str, do, done: str):
    """The shape of every workflow POST: load, validate, call workflow, commit, redirect."""
    report = report_for(current_user, report_id)
    if form.validate_on_submit():
        try:
            do(report, form)
        except ServiceError as exc:
            db.session.rollback()
            report = report_for(current_user, report_id)
            field = getattr(form, exc.field, None) if exc.field else None
            if field is not None:
                field.errors = [*field.errors, exc.message]
            else:
                flash(exc.message, "danger")
            form.version.data = str(report.version)
            return _render_report(report, 409 if isinstance(exc, workflow.ConflictError) else 400, **{name: form})
        db.session.commit()
        flash(done, "success")
        return redirect(url_for("review.view_report", report_id=report.id))
    return _render_report(report, 400, **{name: form})


@bp.route("/reports/<int:report_id>/return", methods=["POST"])
def return_report(report_id: int):
    return _act(report_id, ReturnForm(), "return_form",
                lambda r, f: workflow.return_report(r, f.comment.data, actor=current_user,
                                                    expected_version=f.expected_version),
                _("报表已退回企业修改。"))


@bp.route("/reports/<int:report_id>/approve", methods=["POST"])
def approve_report(report_id: int):
    return _act(report_id, ApproveForm(), "approve_form",
                lambda r, f: workflow.approve(r, actor=current_user, expected_version=f.expected_version),
                _("报表已审核通过。"))


@bp.route("/reports/<int:report_id>/allow-amendment", methods=["POST"])
def allow_amendment(report_id: int):
    return _act(report_id, AllowAmendmentForm(), "amend_form",
                lambda r, f: workflow.allow_amendment(r, actor=current_user, expected_version=f.expected_version),
                _("已同意更正，企业可以修改并重新提交（原版本已存档）。"))


# --------------------------------------------------------------------------- bulk import


@bp.route("/bulk/<int:period_id>", methods=["GET", "POST"])
def bulk_import(period_id: int):
    period = _period_or_404(period_id)
    form = BulkUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            bulk = services.preview_bulk(period, upload.read() if upload else b"",
                                         upload.filename if upload else None, actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            form.file.errors = [*form.file.errors, exc.message]
        else:
            db.session.commit()
            return redirect(url_for("review.bulk_preview", import_id=bulk.id))
    return render_template("review/bulk_import.html", period=period, form=form,
                           imports=queries.bulk_imports(period))


@bp.route("/bulk/<int:period_id>/template.xlsx")
def bulk_template(period_id: int):
    period = _period_or_404(period_id)
    data = services.bulk_template(period)
    audit.record("review.bulk_template", actor=current_user, obj=period, detail=period.label)
    db.session.commit()
    return _download(data, f"bulk-{period.label}.xlsx", "xlsx")


@bp.route("/bulk/imports/<int:import_id>")
def bulk_preview(import_id: int):
    bulk = db.get_or_404(BulkImport, import_id)
    plan = services.bulk_plan(bulk) if bulk.state == "preview" else None
    return render_template("review/bulk_preview.html", bulk=bulk, plan=plan, confirm=ConfirmForm(),
                           touched=queries.bulk_touched(bulk), field_title=queries.field_title,
                           show=queries.show_value)


def _bulk_action(import_id: int, do, done: str):
    bulk = db.get_or_404(BulkImport, import_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        do(bulk)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("review.bulk_preview", import_id=import_id))


@bp.route("/bulk/imports/<int:import_id>/apply", methods=["POST"])
def apply_bulk(import_id: int):
    return _bulk_action(import_id, lambda b: services.apply_bulk(b, actor=current_user),
                        _("批量导入已执行。如需撤销，可在本页点击“撤销导入”。"))


@bp.route("/bulk/imports/<int:import_id>/undo", methods=["POST"])
def undo_bulk(import_id: int):
    return _bulk_action(import_id, lambda b: services.undo_bulk(b, actor=current_user),
                        _("批量导入已撤销，相关报表已恢复为导入前的数值。"))


# --------------------------------------------------------------------------- audit search


@bp.route("/audit", endpoint="audit")
def audit_log():
    form = AuditFilterForm(request.args if request.args else None)
    valid = _valid_filters(form) if request.args else True
    stmt = queries.audit_statement(action=(form.action.data or "").strip() or None,
                                   login=(form.login.data or "").strip() or None,
                                   enterprise=(form.enterprise.data or "").strip() or None,
                                   date_from=form.date_from.data, date_to=form.date_to.data)
    page = db.paginate(stmt, page=_page(), per_page=_per_page(), error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("review/audit.html", page=page, form=form, valid=valid, args=args,
                           names=queries.enterprise_names(e.enterprise_id for e in page.items))


# --------------------------------------------------------------------------- notices (enterprise users)


@bp.route("/notices")
def my_notices():
    stmt = scoped(select(Notice), Notice).order_by(Notice.created_at.desc(), Notice.id.desc())
    page = db.paginate(stmt, page=_page(), per_page=_per_page(), error_out=False)
    return render_template("review/my_notices.html", page=page, confirm=ConfirmForm())


@bp.route("/notices/<int:notice_id>/read", methods=["POST"])
def read_notice(notice_id: int):
    notice = get_scoped_or_404(Notice, notice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_notice_read(notice, actor=current_user)
    db.session.commit()
    return redirect(url_for("review.my_notices", page=request.args.get("page", 1, type=int)))
