"""Enterprise intake pages: periods, the report form, live figures, spreadsheets, evidence files.

Every view loads its report through :mod:`portal.reporting.scope` (enterprise users see only
their own enterprise's; anything else is a 404), calls one service and commits once.
"""
from __future__ import annotations

import os
from urllib.parse import quote

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.admin.services import ServiceError
from portal.auth.decorators import enterprise_required
from portal.extensions import db
from portal.fields import registry
from portal.forms.reporting import (
    AmendmentForm,
    AttachmentForm,
    ConfirmForm,
    SpreadsheetForm,
    build_report_form,
    display_value,
    field_help,
    map_keys,
    report_form_class,
)
from portal.models import ReportingPeriod
from portal.reporting import attachments as storage
from portal.reporting import scope, services
from portal.review import workflow

bp = Blueprint("reporting", __name__, url_prefix="/reports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.errorhandler(413)
def _too_large(error):
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 1048576
    return render_template("reporting/too_large.html", limit=limit), 413


# --------------------------------------------------------------------------- periods


@bp.route("/")
@enterprise_required
def list_reports():
    today = services.local_today()
    pagination, rows = services.period_rows(current_user, _page(), current_app.config["PAGE_SIZE"], today)
    return render_template("reporting/list_reports.html", page=pagination, rows=rows, today=today,
                           form=ConfirmForm())


@bp.route("/periods/<int:period_id>/start", methods=["POST"])
@enterprise_required
def start_report(period_id: int):
    period = db.get_or_404(ReportingPeriod, period_id)
    try:
        report = services.start_report(period, actor=current_user, today=services.local_today())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("reporting.list_reports"))
    db.session.commit()
    return redirect(url_for("reporting.edit_draft", report_id=report.id))


# --------------------------------------------------------------------------- the form


def _render_edit(report, form, *, result=None, parse_errors=None, blocking=None, status=200):
    values = report.values()
    if result is None:
        result = services.validate(report, values, for_submit=False)
    messages = services.field_messages(result, parse_errors)
    posted = form.explanations()
    explanations = {**(report.explanations or {}), **posted}
    sections = [(section, [(spec, form[spec.key], field_help(spec), messages.get(spec.key, []),
                            map_keys(spec) if spec.type == "map" else ())
                           for spec in section.fields])
                for section in registry().sections]
    return render_template(
        "reporting/edit_draft.html", report=report, form=form, sections=sections, result=result,
        explanations=explanations, blocking=blocking or [], parse_errors=parse_errors or {},
        figures=services.derived_figures(report, values), attachments=services.attachments_of(report),
        attachment_form=AttachmentForm(formdata=None), spreadsheet_form=SpreadsheetForm(formdata=None),
        uploads=services.recent_uploads(report), confirm=ConfirmForm(formdata=None),
        attachment_label=services.attachment_label, today=services.local_today()), status


def _conflict(report_id: int, form):
    """Another tab or a reviewer changed the report: keep the user's input, show the message."""
    db.session.rollback()
    report = scope.report_for(current_user, report_id)
    if not workflow.is_editable(report):
        flash(_("该报表已在其他窗口被修改，当前状态不能再编辑。"), "danger")
        return redirect(url_for("reporting.view_report", report_id=report.id))
    flash(services.CONFLICT_MESSAGE, "danger")
    form.version.data = str(report.version)
    return _render_edit(report, form, parse_errors=form.parse_errors, status=409)


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@enterprise_required
def edit_draft(report_id: int):
    report = scope.report_for(current_user, report_id)
    if request.method == "GET":
        if not workflow.is_editable(report):
            return redirect(url_for("reporting.view_report", report_id=report.id))
        return _render_edit(report, build_report_form(report.values(), report.version))
    form = report_form_class()()
    form.validate()
    outcome, refusal = _attempt(report_id, form, services.save_draft, report)
    if refusal is not None:
        return refusal
    db.session.commit()
    if outcome.parse_errors:
        flash(_("已保存可识别的内容；有 %(n)s 项无法识别，未保存（原值保留），请按提示修改。",
                n=len(outcome.parse_errors)), "warning")
        form.version.data = str(report.version)
        return _render_edit(report, form, result=outcome.result, parse_errors=outcome.parse_errors)
    flash(_("草稿已保存。") if outcome.changed else _("没有需要保存的修改。"), "success")
    return redirect(url_for("reporting.edit_draft", report_id=report.id))


def _attempt(report_id: int, form, service, report):
    """Run save or submit with the form's values; a conflict or a refusal becomes the response."""
    try:
        outcome = service(report, form.parsed, form.parse_errors, form.explanations(),
                          actor=current_user, expected_version=form.expected_version())
    except Exception as exc:
        if services.is_conflict(exc):
            return None, _conflict(report_id, form)
        if not isinstance(exc, ServiceError):
            raise
        db.session.rollback()
        flash(exc.message, "danger")
        return None, redirect(url_for("reporting.view_report", report_id=report_id))
    return outcome, None


@bp.route("/<int:report_id>/submit", methods=["POST"])
@enterprise_required
def submit_report(report_id: int):
    report = scope.report_for(current_user, report_id)
    form = report_form_class()()
    form.validate()
    outcome, refusal = _attempt(report_id, form, services.submit_report, report)
    if refusal is not None:
        return refusal
    db.session.commit()
    if not outcome.submitted:
        flash(_("报表未提交：请先处理下列问题（填写内容已保存为草稿）。"), "danger")
        form.version.data = str(report.version)
        return _render_edit(report, form, result=outcome.result, parse_errors=outcome.parse_errors,
                            blocking=outcome.blocking, status=422)
    if report.is_late:
        flash(_("报表已提交，等待审核。本次提交晚于截止日期，已标记为逾期。"), "warning")
    else:
        flash(_("报表已提交，等待审核。"), "success")
    return redirect(url_for("reporting.view_report", report_id=report.id))


@bp.route("/<int:report_id>/preview", methods=["POST"])
@enterprise_required
def preview(report_id: int):
    report = scope.report_for(current_user, report_id)
    form = report_form_class()()
    form.validate()
    return jsonify(services.preview(report, form.parsed, form.parse_errors))


@bp.route("/<int:report_id>")
@login_required
def view_report(report_id: int):
    report = scope.report_for(current_user, report_id)
    values = report.values()
    return render_template(
        "reporting/view_report.html", report=report, values=values, sections=registry().sections,
        figures=services.derived_figures(report, values), attachments=services.attachments_of(report),
        attachment_label=services.attachment_label, editable=workflow.is_editable(report),
        amendment_form=AmendmentForm(formdata=None), display_value=display_value,
        explanation_label=services.explanation_label, today=services.local_today())


@bp.route("/<int:report_id>/amendment", methods=["POST"])
@enterprise_required
def request_amendment(report_id: int):
    report = scope.report_for(current_user, report_id)
    form = AmendmentForm()
    if form.validate_on_submit():
        try:
            services.request_amendment(report, form.reason.data, actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("更正申请已提交，审核人员同意后即可修改报表。"), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("reporting.view_report", report_id=report.id))


# --------------------------------------------------------------------------- spreadsheets


@bp.route("/<int:report_id>/template.xlsx")
@enterprise_required
def download_template(report_id: int):
    report = scope.report_for(current_user, report_id)
    data, filename = services.template_for(report, actor=current_user)
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = _disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:report_id>/spreadsheet", methods=["POST"])
@enterprise_required
def upload_spreadsheet(report_id: int):
    report = scope.report_for(current_user, report_id)
    form = SpreadsheetForm()
    file = request.files.get("file")
    if not form.validate_on_submit() or file is None or not file.filename:
        flash(_("请选择要上传的 .xlsx 文件。"), "danger")
        return redirect(url_for("reporting.edit_draft", report_id=report.id))
    limit = services.spreadsheet_max_bytes(current_app.config)
    try:
        upload = services.create_upload(report, file.stream.read(limit + 1), file.filename,
                                        actor=current_user, max_bytes=limit)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("reporting.edit_draft", report_id=report.id))
    db.session.commit()
    return redirect(url_for("reporting.show_upload", report_id=report.id, upload_id=upload.id))


@bp.route("/<int:report_id>/spreadsheet/<int:upload_id>")
@enterprise_required
def show_upload(report_id: int, upload_id: int):
    report = scope.report_for(current_user, report_id)
    upload = scope.upload_for(current_user, report, upload_id)
    return render_template("reporting/show_upload.html", report=report, upload=upload,
                           changes=services.upload_changes(upload, report), form=ConfirmForm(formdata=None),
                           editable=workflow.is_editable(report), fields=registry(),
                           display_value=display_value)


def _upload_action(report_id: int, upload_id: int, action, done: str):
    report = scope.report_for(current_user, report_id)
    upload = scope.upload_for(current_user, report, upload_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("reporting.show_upload", report_id=report.id, upload_id=upload.id))
    try:
        changed = action(upload, report, actor=current_user)
    except Exception as exc:
        db.session.rollback()
        if services.is_conflict(exc):
            flash(services.CONFLICT_MESSAGE, "danger")
        elif isinstance(exc, ServiceError):
            flash(exc.message, "danger")
        else:
            raise
        return redirect(url_for("reporting.show_upload", report_id=report_id, upload_id=upload_id))
    db.session.commit()
    flash(done % {"n": len(changed)}, "success")
    return redirect(url_for("reporting.edit_draft", report_id=report.id))


@bp.route("/<int:report_id>/spreadsheet/<int:upload_id>/apply", methods=["POST"])
@enterprise_required
def apply_upload(report_id: int, upload_id: int):
    return _upload_action(report_id, upload_id, services.apply_upload,
                          _("已导入电子表格，更新了 %(n)s 项；如需恢复，可在导入记录中撤销。"))


@bp.route("/<int:report_id>/spreadsheet/<int:upload_id>/undo", methods=["POST"])
@enterprise_required
def undo_upload(report_id: int, upload_id: int):
    return _upload_action(report_id, upload_id, services.undo_upload,
                          _("已撤销导入，草稿恢复到导入前的状态（恢复 %(n)s 项）。"))


# --------------------------------------------------------------------------- attachments


@bp.route("/<int:report_id>/attachments", methods=["POST"])
@enterprise_required
def upload_attachment(report_id: int):
    report = scope.report_for(current_user, report_id)
    form = AttachmentForm()
    file = request.files.get("file")
    if not form.validate_on_submit():
        flash(_("请选择附件关联的部分或指标。"), "danger")
        return redirect(url_for("reporting.edit_draft", report_id=report.id, _anchor="attachments"))
    try:
        attachment = services.add_attachment(report, file.stream if file and file.filename else None,
                                             file.filename if file else None, form.target.data,
                                             actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("reporting.edit_draft", report_id=report.id, _anchor="attachments"))
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        storage.remove(attachment.stored_name)
        raise
    flash(_("附件“%(name)s”已上传。", name=attachment.display_name), "success")
    return redirect(url_for("reporting.edit_draft", report_id=report.id, _anchor="attachments"))


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download_attachment(attachment_id: int):
    attachment = scope.attachment_for(current_user, attachment_id)
    try:
        path = storage.path_of(attachment.stored_name)
    except storage.AttachmentError:
        path = None
    if path is None or not _exists(path):
        flash(_("附件文件不存在，请联系管理员。"), "danger")
        return redirect(url_for("reporting.view_report", report_id=attachment.report_id))
    with open(path, "rb") as fh:      # at most ATTACHMENT_MAX_BYTES; read whole so the file is closed
        data = fh.read()
    services.record_download(attachment, actor=current_user)
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = attachment.content_type
    response.headers["Content-Disposition"] = _disposition(attachment.display_name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@enterprise_required
def delete_attachment(attachment_id: int):
    attachment = scope.attachment_for(current_user, attachment_id)
    report_id = attachment.report_id
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("reporting.edit_draft", report_id=report_id, _anchor="attachments"))
    try:
        stored = services.delete_attachment(attachment, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("reporting.view_report", report_id=report_id))
    db.session.commit()
    storage.remove(stored)
    flash(_("附件已删除。"), "success")
    return redirect(url_for("reporting.edit_draft", report_id=report_id, _anchor="attachments"))


def _exists(path: str) -> bool:
    return os.path.isfile(path)


def _disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the real (Chinese) name as RFC 5987 ``filename*``."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
