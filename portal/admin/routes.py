"""Admin pages: enterprises, users, reporting periods, audit log."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal.admin import services
from portal.admin.services import ServiceError
from portal.auth.decorators import check_roles
from portal.extensions import db
from portal.forms.admin import ConfirmForm, EnterpriseForm, PeriodForm, UserForm
from portal.models import AuditEvent, Enterprise, ReportingPeriod, Role, User
from portal.review.queries import audit_statement

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    check_roles(Role.ADMIN)


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/enterprises")
def list_enterprises():
    q = (request.args.get("q") or "").strip()
    stmt = select(Enterprise).order_by(Enterprise.id)
    if q:
        stmt = stmt.where(or_(Enterprise.name.contains(q), Enterprise.uscc.contains(q.upper())))
    page = db.paginate(stmt, page=_page(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/list_enterprises.html", page=page, q=q)


@bp.route("/enterprises/new", methods=["GET", "POST"])
def create_enterprise():
    form = EnterpriseForm()
    if form.validate_on_submit():
        try:
            enterprise = services.create_enterprise(form.profile_data(), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            flash(_("企业“%(name)s”已创建。", name=enterprise.name), "success")
            return redirect(url_for("admin.list_enterprises"))
    return render_template("admin/edit_enterprise.html", form=form, enterprise=None)


@bp.route("/enterprises/<int:enterprise_id>", methods=["GET", "POST"])
def edit_enterprise(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    form = EnterpriseForm(obj=enterprise)
    if form.validate_on_submit():
        try:
            services.update_enterprise(enterprise, form.profile_data(), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            flash(_("企业信息已保存。"), "success")
            return redirect(url_for("admin.edit_enterprise", enterprise_id=enterprise.id))
    return render_template("admin/edit_enterprise.html", form=form, enterprise=enterprise)


@bp.route("/users")
def list_users():
    stmt = select(User).order_by(User.role, User.login)
    page = db.paginate(stmt, page=_page(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/list_users.html", page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int | None = None):
    user = db.get_or_404(User, user_id) if user_id else None
    form = UserForm(obj=user)
    if request.method == "GET" and user is not None:
        form.enterprise_uscc.data = user.enterprise.uscc if user.enterprise else ""
        form.role.data = str(user.role)
    if form.validate_on_submit():
        enterprise = services.find_enterprise_by_uscc(form.enterprise_uscc.data)
        method = current_app.config["PASSWORD_HASH_METHOD"]
        try:
            if form.role.data == "enterprise" and enterprise is None:
                raise ServiceError(_("未找到该统一社会信用代码对应的企业。"), field="enterprise_uscc")
            if user is None:
                if not form.password.data:
                    raise ServiceError(_("新用户必须设置初始密码。"), field="password")
                user = services.create_user(login=form.login.data.strip(), display_name=form.display_name.data,
                                            role=form.role.data, password=form.password.data,
                                            enterprise=enterprise, email=form.email.data or None,
                                            actor=current_user, hash_method=method)
            else:
                services.update_user(user, display_name=form.display_name.data, role=form.role.data,
                                     enterprise=enterprise, email=form.email.data or None,
                                     active=form.active.data, password=form.password.data or None,
                                     actor=current_user, hash_method=method)
        except ServiceError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            flash(_("用户已保存。"), "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/edit_user.html", form=form, user=user)


@bp.route("/periods", methods=["GET", "POST"])
def list_periods():
    form = PeriodForm()
    if form.validate_on_submit():
        try:
            services.open_period(year=form.year.data, quarter=int(form.quarter.data), opens_on=form.opens_on.data,
                                 due_on=form.due_on.data, actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            db.session.commit()
            flash(_("填报期已开放。"), "success")
            return redirect(url_for("admin.list_periods"))
    periods = db.session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.year.desc(),
                                                                  ReportingPeriod.quarter.desc())).all()
    return render_template("admin/list_periods.html", form=form, periods=periods, confirm=ConfirmForm())


@bp.route("/periods/<int:period_id>/lock", methods=["POST"])
def lock_period(period_id: int):
    period = db.get_or_404(ReportingPeriod, period_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_period_locked(period, not period.locked, actor=current_user)
    db.session.commit()
    if period.locked:
        flash(_("填报期 %(p)s 已锁定。", p=period.label), "success")
    else:
        flash(_("填报期 %(p)s 已解锁。", p=period.label), "success")
    return redirect(url_for("admin.list_periods"))


@bp.route("/audit")
def list_audit():
    action = (request.args.get("action") or "").strip()
    login = (request.args.get("login") or "").strip()
    stmt = audit_statement(action=action or None, login=login or None)
    page = db.paginate(stmt, page=_page(), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return render_template("admin/list_audit.html", page=page, action=action, login=login, total=total)


def _attach(form, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")
