"""Login, logout and password change."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth import services
from portal.extensions import db
from portal.forms.auth import LoginForm, PasswordChangeForm
from portal.models import utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = services.authenticate(
            form.login.data, form.password.data, request.remote_addr,
            max_failures=current_app.config["LOGIN_THROTTLE_MAX_FAILURES"],
            window_minutes=current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"])
        db.session.commit()
        if outcome.throttled:
            flash(_("登录失败次数过多，请 %(n)s 分钟后再试。",
                    n=current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"]), "danger")
            return render_template("auth/login.html", form=form), 429
        if outcome.user is None:
            flash(_("用户名或密码不正确。"), "danger")
            return render_template("auth/login.html", form=form), 200
        lang = session.get("lang")
        session.clear()           # a fresh session at login (no fixation)
        if lang:
            session["lang"] = lang
        login_user(outcome.user)
        session["last_seen"] = utcnow().timestamp()
        return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        ok = services.change_password(user, form.current.data, form.new.data,
                                      method=current_app.config["PASSWORD_HASH_METHOD"])
        db.session.commit()
        if ok:
            # Every other session of this user has ended; keep this one alive under the new version.
            login_user(user)
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("main.home"))
        form.current.errors.append(_("当前密码不正确。"))
    return render_template("auth/change_password.html", form=form)
