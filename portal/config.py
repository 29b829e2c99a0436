"""Configuration defaults (no secrets) and the test configuration.

Order of precedence (ARCHITECTURE.md): these defaults -> ``instance/config.py`` (silent if
missing) -> environment variables prefixed ``PORTAL_`` plus ``DATABASE_URL`` and ``SECRET_KEY``
-> the ``test_config`` dict given to ``create_app``.
"""
from __future__ import annotations

from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class Config:
    SECRET_KEY = DEFAULT_SECRET_KEY
    CERT_SIGNING_KEY: str | None = None      # falls back to SECRET_KEY-derived key in dev only
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: sqlite:///<instance>/portal.db
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh": "中文", "en": "English"}

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None               # the token lives as long as the session

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False            # True in production (see ProductionConfig)
    SESSION_COOKIE_NAME = "portal_session"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    IDLE_TIMEOUT_MINUTES = {"reviewer": 30, "admin": 30, "enterprise": 120}

    LOGIN_THROTTLE_MAX_FAILURES = 5          # the 6th failure within the window is throttled
    LOGIN_THROTTLE_WINDOW_MINUTES = 15

    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 10

    MAX_CONTENT_LENGTH = 20 * 1024 * 1024    # request bodies above this get 413
    PAGE_SIZE = 50
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"  # used in certificate QR codes
    HSTS = False

    # Certificates (docs/certificates.md): validity per framework family in years (provisional
    # default 3 for every family), and the public verification page's per-IP rate limit.
    CERT_VALIDITY_YEARS: dict = {}
    VERIFY_RATE_LIMIT = 30
    VERIFY_RATE_WINDOW_SECONDS = 60

    # Evidence attachments: stored under UPLOAD_FOLDER (default <instance>/uploads), never in static/.
    UPLOAD_FOLDER: str | None = None
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

    # Reminder e-mail: "log" writes to the application log (development); "smtp" sends.
    MAIL_BACKEND = "log"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "noreply@tongliang.local"

    # Bearer tokens accepted by the JSON indicator API (dashboards.api_indicators).
    API_TOKENS: tuple = ()
    # Dashboard caches per worker process (entries), keyed by the approved-data version.
    DASHBOARD_CACHE_SIZE = 128
    DASHBOARD_FRAME_CACHE_SIZE = 2


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"   # cheap hash: tests create many users
    SERVER_NAME = None
