"""Application-wide request plumbing: blueprints, locale, security headers, sessions, errors."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, has_request_context, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from portal.extensions import login_manager
from portal.fields import join_clauses, join_items
from portal.models import Role, utcnow
from portal.web import sqlite  # noqa: F401  (registers the SQLite BEGIN IMMEDIATE listeners)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def select_locale() -> str:
    if not has_request_context():
        # CLI commands and other app-context work: the default language (there is no session).
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    from portal.admin.routes import bp as admin_bp
    from portal.auth.routes import bp as auth_bp
    from portal.certificates.routes import bp as certificates_bp
    from portal.dashboards.routes import bp as dashboards_bp
    from portal.main.routes import bp as main_bp
    from portal.reporting.routes import bp as reporting_bp
    from portal.review.routes import bp as review_bp
    from portal.scorecards.routes import bp as scorecards_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(reporting_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(scorecards_bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)

    app.before_request(_enforce_idle_timeout)
    app.after_request(_security_headers)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    app.context_processor(_template_globals)
    app.jinja_env.globals.update(_jinja_helpers())
    app.jinja_env.filters["period_name"] = _period_name


def _load_user(user_id: str):
    from portal.extensions import db
    from portal.models import User

    try:
        ident, version = (int(part) for part in user_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, ident)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def _enforce_idle_timeout():
    if not current_user.is_authenticated:
        return None
    limits = current_app.config["IDLE_TIMEOUT_MINUTES"]
    minutes = limits.get(str(current_user.role), 30)
    now = utcnow()
    last = session.get("last_seen")
    if last is not None and now.timestamp() - float(last) > timedelta(minutes=minutes).total_seconds():
        logout_user()
        session.clear()
        g.idle_logged_out = True
        from flask import flash, redirect, url_for
        flash(_l("长时间未操作，已自动退出，请重新登录。"), "warning")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    session["last_seen"] = now.timestamp()
    return None


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user.is_authenticated and not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    return response


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    if code == 500:
        from portal.extensions import db
        db.session.rollback()
    return render_template("errors/error.html", code=code, error=error), code


NAV = (
    ("reporting.list_reports", _l("季度填报"), (Role.ENTERPRISE,)),
    ("scorecards.my_scorecards", _l("评价结果"), (Role.ENTERPRISE,)),
    ("certificates.my_certificates", _l("证书"), (Role.ENTERPRISE,)),
    ("dashboards.my_position", _l("对标分析"), (Role.ENTERPRISE,)),
    ("review.my_notices", _l("通知"), (Role.ENTERPRISE,)),
    ("review.queue", _l("审核队列"), (Role.REVIEWER, Role.ADMIN)),
    ("review.board", _l("报送进度"), (Role.REVIEWER, Role.ADMIN)),
    ("scorecards.review_list", _l("评价审核"), (Role.REVIEWER, Role.ADMIN)),
    ("certificates.list_certificates", _l("证书管理"), (Role.REVIEWER, Role.ADMIN)),
    ("dashboards.overview", _l("全区指标"), (Role.REVIEWER, Role.ADMIN)),
    ("review.audit", _l("审计日志"), (Role.REVIEWER,)),
    ("admin.list_enterprises", _l("企业管理"), (Role.ADMIN,)),
    ("admin.list_users", _l("用户管理"), (Role.ADMIN,)),
    ("admin.list_periods", _l("填报期"), (Role.ADMIN,)),
    ("admin.list_audit", _l("审计日志"), (Role.ADMIN,)),
)

ROLE_LABELS = {Role.ENTERPRISE: _l("企业用户"), Role.REVIEWER: _l("审核人员"), Role.ADMIN: _l("系统管理员")}
STATUS_LABELS = {"draft": _l("草稿"), "submitted": _l("已提交"), "returned": _l("已退回"), "approved": _l("已通过"),
                 "missing": _l("未报送"), "late": _l("逾期")}
REVIEW_STATE_LABELS = {"pending": _l("待审核"), "confirmed": _l("已确认"), "rejected": _l("已驳回"), "all": _l("全部")}
FAMILY_LABELS = {"sts": _l("专精特新中小企业"), "innovative": _l("创新型中小企业"), "giant": _l("专精特新“小巨人”"),
                 "green": _l("绿色工厂"), "smart": _l("数字化车间/智能工厂"), "cmmm": _l("智能制造能力成熟度")}
ERROR_MESSAGES = {
    400: _l("请求无效，请刷新页面后重试。"),
    403: _l("您没有权限访问该页面。"),
    404: _l("页面不存在或您无权查看。"),
    405: _l("不支持该请求方式。"),
    413: _l("上传的内容过大。"),
    429: _l("请求过于频繁，请稍后再试。"),
    500: _l("系统出现错误，请稍后再试。我们已记录该问题。"),
}


def _nav_items():
    return [item for item in NAV if item[0] in current_app.view_functions]


def _template_globals():
    """Per-request values for templates (helpers shared with imported macros live in jinja globals)."""
    return {"languages": current_app.config["LANGUAGES"], "current_locale": select_locale()}


def _jinja_helpers() -> dict:
    return {
        "nav_items": _nav_items,
        "role_label": lambda role: ROLE_LABELS.get(Role(str(role)), str(role)),
        "status_label": lambda status: STATUS_LABELS.get(str(status), str(status)),
        "error_message": lambda code: ERROR_MESSAGES.get(code, ERROR_MESSAGES[500]),
        "field_label": _field_label,
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        "review_state_label": lambda state: REVIEW_STATE_LABELS.get(str(state), str(state)),
        "family_label": lambda family: FAMILY_LABELS.get(str(family), str(family)),
        "join_items": join_items,
        "join_clauses": join_clauses,
    }


def _period_name(period) -> str:
    """A reporting period in the reader's language: 2026年第3季度 / Q3 2026."""
    from flask_babel import gettext

    return gettext("%(year)s年第%(quarter)s季度", year=period.year, quarter=period.quarter)


def _field_label(key: str, value) -> str:
    """A choice value of a registry field (cluster, park ...) in the reader's language."""
    from portal.fields import registry

    spec = registry().get(key)
    if spec is None or value is None:
        return "—" if value is None else str(value)
    return spec.value_label(str(value))
