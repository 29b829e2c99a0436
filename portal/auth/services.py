"""Login, logout, throttling and password changes. Services flush; the caller commits."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit
from portal.extensions import db
from portal.models import LoginAttempt, User, utcnow


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    throttled: bool = False


def is_throttled(login: str, ip: str | None, *, max_failures: int, window_minutes: int) -> bool:
    """True when the account or the IP has ``max_failures`` failures within the window.

    Counted in the database, so every worker process sees the same count.
    """
    since = utcnow() - timedelta(minutes=window_minutes)
    conditions = [LoginAttempt.login == login]
    if ip:
        conditions.append(LoginAttempt.ip == ip)
    failures = db.session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False), or_(*conditions)))
    return failures >= max_failures


def authenticate(login: str, password: str, ip: str | None, *, max_failures: int,
                 window_minutes: int) -> LoginOutcome:
    """Check credentials unless throttled; record the attempt and an audit row either way."""
    login = login.strip()
    if is_throttled(login, ip, max_failures=max_failures, window_minutes=window_minutes):
        db.session.add(LoginAttempt(login=login, ip=ip, success=False))
        audit.record("login.throttled", actor_login=login, detail=f"ip={ip}")
        return LoginOutcome(None, throttled=True)
    user = db.session.scalar(select(User).where(User.login == login))
    if user is None or not user.active:
        _check_dummy(password)      # as slow as a wrong password: the timing does not reveal the account
    ok = user is not None and user.active and user.check_password(password)
    db.session.add(LoginAttempt(login=login, ip=ip, success=ok))
    if not ok:
        if user is not None:
            user.failed_logins += 1
        audit.record("login.failed", actor_login=login, enterprise_id=getattr(user, "enterprise_id", None))
        return LoginOutcome(None)
    user.failed_logins = 0
    user.last_login_at = utcnow()
    audit.record("login.ok", actor=user, obj=user, enterprise_id=user.enterprise_id)
    return LoginOutcome(user)


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def _check_dummy(password: str) -> None:
    check_password_hash(_dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password)


def end_session(user: User) -> None:
    """Invalidate every cookie issued to ``user`` (logout)."""
    user.end_sessions()
    audit.record("logout", actor=user, obj=user, enterprise_id=user.enterprise_id)


def change_password(user: User, current: str, new: str, *, method: str) -> bool:
    if not user.check_password(current):
        audit.record("password.change_failed", actor=user, obj=user, enterprise_id=user.enterprise_id)
        return False
    user.set_password(new, method=method)
    user.end_sessions()
    audit.record("password.changed", actor=user, obj=user, enterprise_id=user.enterprise_id)
    return True
