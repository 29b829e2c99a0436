"""Home page per role and the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from portal.main import services

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/home")
@login_required
def home():
    if current_user.is_enterprise:
        return render_template("main/home_enterprise.html", **services.enterprise_home(current_user))
    if current_user.is_admin:
        return render_template("main/home_admin.html", **services.admin_home())
    return render_template("main/home_reviewer.html", **services.reviewer_home())


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.form.get("next") or url_for("main.index")
    # A tab or newline is dropped by browsers ("/\t/evil" -> "//evil"): only printable local paths.
    if not target.startswith("/") or target.startswith("//") or not target.isprintable() or "\\" in target:
        target = url_for("main.index")
    return redirect(target)
