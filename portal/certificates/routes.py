"""Certificate pages: the enterprise's certificates, the commission's register, downloads and
the public verification page.

Access is decided in ``before_request`` (fails closed): the verification page is public, the
enterprise's own page needs an enterprise user, downloads need a login (the service scopes them
to the user's enterprise, a foreign id gives 404), and every other endpoint needs a reviewer or
admin, including any endpoint added later without thinking about it.

Verification is rate-limited per client IP with an in-process sliding window (default 30
lookups a minute, ``VERIFY_RATE_LIMIT``/``VERIFY_RATE_WINDOW_SECONDS``). In-process rather than
in the database because the page is public and anonymous: recording every lookup would turn a
flood of GETs into a flood of writes contending for the database's write lock with the
commission's work. The limit is per worker process (N workers allow N x 30); that bound is
enough to slow down walking the sequential serials, which is all the page has to protect.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from datetime import date
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin.services import ServiceError
from portal.auth.decorators import check_roles
from portal.certificates import services
from portal.extensions import db
from portal.forms.certificates import BatchIssueForm, FilterForm, IssueForm, RevokeForm, VerifyForm
from portal.models import Role, Scorecard

bp = Blueprint("certificates", __name__, url_prefix="/certificates")

PUBLIC_ENDPOINTS = frozenset({"certificates.verify"})
ENTERPRISE_ENDPOINTS = frozenset({"certificates.my_certificates"})
SIGNED_IN_ENDPOINTS = frozenset({"certificates.download", "certificates.scorecard_pdf"})


@bp.record_once
def _setup(state):
    app = state.app
    # The QR target lives at the site root (PUBLIC_BASE_URL + /verify/<serial>), outside the prefix.
    app.add_url_rule("/verify", endpoint="certificates.verify", view_func=verify)
    app.add_url_rule("/verify/<serial>", endpoint="certificates.verify", view_func=verify)
    app.extensions["certificates.verify_limiter"] = SlidingWindowLimiter()


@bp.before_request
def _check_access():
    endpoint = request.endpoint
    if endpoint in PUBLIC_ENDPOINTS:
        return
    if endpoint in ENTERPRISE_ENDPOINTS:
        check_roles(Role.ENTERPRISE)
    elif endpoint in SIGNED_IN_ENDPOINTS:
        check_roles(Role.ENTERPRISE, Role.REVIEWER, Role.ADMIN)
    else:
        check_roles(Role.REVIEWER, Role.ADMIN)


def _today() -> date:
    return services.local_today()


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _pdf_response(data: bytes, filename: str, fallback: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(filename, safe="")}')
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------------------------
# Enterprise
# --------------------------------------------------------------------------------------------


@bp.route("/mine")
def my_certificates():
    certificates = db.session.scalars(services.list_certificates(current_user, today=_today())).all()
    reports = db.session.scalars(services.scorecard_reports_for(current_user).limit(12)).all()
    return render_template("certificates/my_certificates.html", certificates=certificates, reports=reports,
                           today=_today())


@bp.route("/<serial>/download")
def download(serial: str):
    cert = services.get_certificate(current_user, serial)
    if cert is None:
        abort(404)
    pdf = services.certificate_pdf(cert)
    services.record_download(cert, actor=current_user, kind="certificate")
    db.session.commit()
    return _pdf_response(pdf, *services.certificate_filenames(cert))


@bp.route("/reports/<int:report_id>/scorecard.pdf")
def scorecard_pdf(report_id: int):
    report = services.get_report(current_user, report_id)
    if report is None or not services.report_scorecards(report):
        abort(404)
    pdf = services.scorecard_pdf(report)
    services.record_download(report, actor=current_user, kind="scorecard")
    db.session.commit()
    return _pdf_response(pdf, *services.scorecard_filenames(report))


# --------------------------------------------------------------------------------------------
# Commission
# --------------------------------------------------------------------------------------------


@bp.route("/")
def list_certificates():
    periods = services.periods()
    filters = FilterForm(periods, services.FAMILY_LABELS, formdata=request.args)
    args = {k: v for k, v in request.args.items() if k in ("period", "family", "status") and v}
    if args and not filters.validate():
        args = {}
    stmt = services.list_certificates(current_user, today=_today(), period_id=int(args.get("period", 0)) or None,
                                      family=args.get("family"), status=args.get("status"))
    page = db.paginate(stmt, page=_page(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    pending = db.paginate(services.issuable_scorecards(period_id=int(args.get("period", 0)) or None,
                                                       family=args.get("family")),
                          page=request.args.get("pending_page", 1, type=int) or 1, per_page=20, error_out=False)
    return render_template("certificates/list_certificates.html", page=page, filters=filters, args=args,
                           pending=pending, today=_today(), issue_form=IssueForm(),
                           batch_form=BatchIssueForm(periods, services.FAMILY_LABELS))


@bp.route("/scorecards/<int:scorecard_id>/issue", methods=["POST"])
def issue(scorecard_id: int):
    scorecard = db.get_or_404(Scorecard, scorecard_id)
    if not IssueForm().validate_on_submit():
        abort(400)
    try:
        cert = services.issue_certificate(scorecard, actor=current_user, today=_today())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("certificates.list_certificates"))
    db.session.commit()
    flash(_("已签发证书 %(s)s。", s=cert.serial), "success")
    return redirect(url_for("certificates.detail", serial=cert.serial))


@bp.route("/batch", methods=["POST"])
def batch_issue():
    periods = services.periods()
    form = BatchIssueForm(periods, services.FAMILY_LABELS)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for("certificates.list_certificates"))
    period = services.find_period(form.period.data)
    try:
        result = services.batch_issue(period, form.family.data, actor=current_user, today=_today())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("certificates.list_certificates"))
    db.session.commit()
    return render_template("certificates/batch_issue.html", result=result,
                           family_label=services.FAMILY_LABELS[result.family])


@bp.route("/<serial>")
def detail(serial: str):
    cert = services.get_certificate(current_user, serial)
    if cert is None:
        abort(404)
    return render_template("certificates/detail.html", cert=cert, form=RevokeForm(), today=_today(),
                           verify_url=services.verify_url_for(cert.serial))


@bp.route("/<serial>/revoke", methods=["POST"])
def revoke(serial: str):
    cert = services.get_certificate(current_user, serial)
    if cert is None:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(cert, form.reason.data, actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, exc.message]
        else:
            db.session.commit()
            flash(_("证书 %(s)s 已撤销。", s=cert.serial), "success")
            return redirect(url_for("certificates.detail", serial=cert.serial))
    return render_template("certificates/detail.html", cert=cert, form=form, today=_today(),
                           verify_url=services.verify_url_for(cert.serial)), 422


# --------------------------------------------------------------------------------------------
# Public verification
# --------------------------------------------------------------------------------------------


class SlidingWindowLimiter:
    """At most ``limit`` hits per key in any ``window`` seconds, in this process (thread-safe)."""

    MAX_KEYS = 10000

    def __init__(self):
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: float, now: float | None = None) -> float:
        """Record a hit; 0 if allowed, else the seconds until the next hit would be allowed."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > self.MAX_KEYS:
                self._hits = {k: q for k, q in self._hits.items() if q and q[-1] > now - window}
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return max(hits[0] + window - now, 0.001)
            hits.append(now)
            return 0.0


def _rate_limited() -> Response | None:
    limiter: SlidingWindowLimiter = current_app.extensions["certificates.verify_limiter"]
    window = float(current_app.config.get("VERIFY_RATE_WINDOW_SECONDS", 60))
    wait = limiter.hit(request.remote_addr or "-", int(current_app.config.get("VERIFY_RATE_LIMIT", 30)), window)
    if not wait:
        return None
    response = Response(render_template("certificates/rate_limited.html", wait=int(wait) + 1), status=429)
    response.headers["Retry-After"] = str(int(wait) + 1)
    return response


def verify(serial: str | None = None):
    form = VerifyForm(formdata=request.args if "serial" in request.args else None)
    if serial is None and "serial" in request.args:
        if form.validate():
            normal = services.numbering.normalise_serial(form.serial.data)
            if normal is not None:
                return redirect(url_for("certificates.verify", serial=normal))
            serial = form.serial.data
        else:
            return render_template("certificates/verify.html", form=form, result=None)
    if serial is None:
        return render_template("certificates/verify.html", form=form, result=None)
    limited = _rate_limited()
    if limited is not None:
        return limited
    try:
        result = services.verify_serial(serial, today=_today())
    except ServiceError as exc:
        return render_template("certificates/verify.html", form=form, result=None, error=exc.message), 503
    form.serial.data = result.serial or ""
    return render_template("certificates/verify.html", form=form, result=result)
