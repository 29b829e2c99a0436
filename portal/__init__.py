"""Tongliang manufacturing assessment portal (铜梁区先进制造业企业评价门户)."""
from __future__ import annotations

import os

from flask import Flask

from portal.config import DEFAULT_SECRET_KEY, Config

ENV_KEYS = ("SECRET_KEY", "CERT_SIGNING_KEY", "PUBLIC_BASE_URL")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config -> init_app -> blueprints -> cli. Nothing else."""
    app = Flask(__name__, instance_relative_config=True)
    _configure(app, test_config)

    from portal import web
    from portal.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale)
    web.init_app(app)

    from portal import cli
    cli.init_app(app)
    return app


def _configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    for key in ENV_KEYS:
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(os.environ["DATABASE_URL"])
    if os.environ.get("PORTAL_PRODUCTION") == "1":
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, HSTS=True)
    if test_config:
        app.config.from_mapping(test_config)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + os.path.join(app.instance_path, "portal.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(uri)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Write transactions start with BEGIN IMMEDIATE (see portal/web/sqlite.py): several
        # writers then queue on the lock instead of failing with "database is locked".
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 30, "check_same_thread": False}, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if not (app.debug or app.testing) and app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError(
            "SECRET_KEY is the built-in development default. Set SECRET_KEY in instance/config.py "
            "or the environment before running in production (make run writes one for you).")
    if os.environ.get("PORTAL_PRODUCTION") == "1" and (app.debug or app.testing):
        raise RuntimeError("Refusing to run in production with debug or testing mode on.")


def _normalise_db_url(url: str) -> str:
    # Heroku-style postgres:// and plain postgresql:// both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
