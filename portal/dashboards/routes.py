"""District dashboards: the commission's indicator pages, an enterprise's own position, exports
and a JSON endpoint for other government systems.

Every page is for reviewers and admins (checked in ``before_request``, so a new view fails
closed) except ``my_position`` (enterprise users, their own enterprise only), ``export`` (the
enterprise may export only its own position) and ``api_indicators`` (reviewer session or
``Authorization: Bearer <token>`` from ``API_TOKENS``).
"""
from __future__ import annotations

import hmac
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.auth.decorators import check_roles, deny
from portal.extensions import csrf, db
from portal.models import Role, utcnow

from . import cache, export, facts, services
from .charts import fmt

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")
bp.record_once(lambda state: cache.init_app(state.app))
bp.record_once(lambda state: facts.init_app(state.app))
bp.add_app_template_filter(services.period_label, "window_label")

REVIEWERS = (Role.REVIEWER, Role.ADMIN)
# Endpoints that do their own access check (everything else is commission-only).
SELF_CHECKED = frozenset({"dashboards.my_position", "dashboards.export", "dashboards.api_indicators"})
RANKING_PAGE_SIZE = 50


@bp.before_request
def _commission_only():
    if request.endpoint not in SELF_CHECKED:
        check_roles(*REVIEWERS)


@bp.app_template_filter("dash_num")
def _dash_num(value, digits: int = 2) -> str:
    return fmt(services._num(value), digits)


@bp.app_template_filter("dash_pct")
def _dash_pct(fraction, digits: int = 1) -> str:
    v = services._num(fraction)
    return "—" if v is None else f"{v * 100:.{digits}f}%"


def _generated_at() -> str:
    local = utcnow().replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    return _("%(at)s（北京时间）", at=local.strftime("%Y-%m-%d %H:%M"))


def _period():
    """The requested window (or the default); a bad one is flashed and the default shown."""
    spec, error, choices = services.resolve_period(request.args.get("period"))
    if error:
        flash(error, "warning")
    return spec, choices


def _indicator(default: str = "advanced_mfg_output", enterprise_level: bool = False) -> str:
    try:
        return services.check_indicator(request.args.get("indicator"), default, enterprise_level)
    except ValueError as exc:
        flash(str(exc), "warning")
        return default


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _report_endpoint() -> str | None:
    return "review.view_report" if "review.view_report" in current_app.view_functions else None


@bp.route("/")
def overview():
    spec, choices = _period()
    view = services.overview(spec) if spec else None
    return render_template("dashboards/overview.html", spec=spec, choices=choices, view=view,
                           low_coverage=services.LOW_COVERAGE)


@bp.route("/breakdown")
def breakdown():
    spec, choices = _period()
    by = request.args.get("by") or "cluster"
    if by not in services.BREAKDOWN_LABELS:
        flash(_("未知的分组方式，请从列表中选择。"), "warning")
        by = "cluster"
    code = _indicator()
    view = services.breakdown_view(spec, by, code) if spec else None
    return render_template("dashboards/breakdown.html", spec=spec, choices=choices, view=view, by=by, code=code,
                           by_labels=services.BREAKDOWN_LABELS, options=services.indicator_options())


@bp.route("/trends")
def trends():
    code = _indicator()
    view = services.trend_view(code)
    return render_template("dashboards/trends.html", view=view, code=code, options=services.indicator_options())


@bp.route("/ranking")
def ranking():
    spec, choices = _period()
    code = _indicator(enterprise_level=True)
    page = services.ranking_page(spec, code, _page(), RANKING_PAGE_SIZE) if spec else None
    return render_template("dashboards/ranking.html", spec=spec, choices=choices, page=page, code=code,
                           defn=services.localized_def(services.INDICATORS[code]), options=services.position_options(),
                           report_endpoint=_report_endpoint())


@bp.route("/land")
def land():
    spec, choices = _period()
    view = services.land_view(spec, _page(), RANKING_PAGE_SIZE) if spec else None
    return render_template("dashboards/land.html", spec=spec, choices=choices, view=view,
                           report_endpoint=_report_endpoint())


@bp.route("/definitions")
def definitions():
    groups, plan = services.definitions()
    return render_template("dashboards/definitions.html", groups=groups, plan=plan,
                           energy=services.energy_coefficients())


def _own_enterprise_id() -> int:
    """The enterprise an enterprise user may see: their own, and only that (one place)."""
    check_roles(Role.ENTERPRISE)
    if current_user.enterprise_id is None:
        deny()
    return int(current_user.enterprise_id)


@bp.route("/my-position")
def my_position():
    enterprise_id = _own_enterprise_id()
    spec, choices = _period()
    code = _indicator(enterprise_level=True)
    view = services.position_view(enterprise_id, spec, code) if spec else None
    return render_template("dashboards/my_position.html", spec=spec, choices=choices, view=view, code=code,
                           options=services.position_options())


@bp.route("/export/<view>.xlsx", endpoint="export")
def export_xlsx(view: str):
    if view == "position":
        enterprise_id = _own_enterprise_id()
    else:
        check_roles(*REVIEWERS)
        enterprise_id = None
    if view not in export.VIEWS:
        abort(404)
    spec, _choices = _period()
    if spec is None:
        flash(_("暂无已审核通过的报表，无法导出。"), "warning")
        return render_template("dashboards/overview.html", spec=None, choices=[], view=None,
                               low_coverage=services.LOW_COVERAGE)
    by = request.args.get("by") or "cluster"
    if by not in services.BREAKDOWN_LABELS:
        by = "cluster"
    code = _indicator(enterprise_level=view in ("ranking", "position"))
    filename, data = export.build(view, spec, generated_at=_generated_at(), by=by, code=code,
                                  enterprise_id=enterprise_id)
    audit.record("dashboards.export", actor=current_user, enterprise_id=enterprise_id,
                 detail=f"{view} {spec.code} {code if view not in ('indicators', 'land', 'definitions') else ''}".strip())
    db.session.commit()
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _token_index() -> int | None:
    """Index of the configured API token the request carries, else None (constant-time compare)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    given = token.strip().encode("utf-8")
    found = None
    for i, candidate in enumerate(current_app.config.get("API_TOKENS") or ()):
        if candidate and hmac.compare_digest(given, str(candidate).encode("utf-8")):
            found = i
    return found


@bp.route("/api/indicators.json")
@csrf.exempt
def api_indicators():
    token = _token_index()
    if token is None:
        if not current_user.is_authenticated:
            response = jsonify(error=_("需要登录或有效的 API 令牌。"))
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="dashboards"'
            return response
        if current_user.role not in REVIEWERS:
            deny()
    spec, error, _choices = services.resolve_period(request.args.get("period"))
    if error:
        return jsonify(error=error), 400
    if spec is None:
        return jsonify(error=_("暂无已审核通过的报表。"), indicators=[]), 404
    payload = services.api_payload(spec, _generated_at())
    audit.record("dashboards.api", actor=current_user if token is None else None,
                 actor_login=f"api-token-{token + 1}" if token is not None else None, detail=spec.code)
    db.session.commit()
    return jsonify(payload)
