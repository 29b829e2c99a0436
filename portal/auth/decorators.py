"""Role checks. A denied access is audited and answered with 403."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from portal.models import Role


def deny() -> None:
    from portal import audit
    from portal.extensions import db

    audit.record("access.denied", actor=current_user if current_user.is_authenticated else None,
                 detail=_describe_request())
    db.session.commit()
    abort(403)


def _describe_request() -> str:
    from flask import request
    return f"{request.method} {request.path}"


def check_roles(*roles: Role) -> None:
    """Abort unless the current user has one of ``roles`` (login required)."""
    from portal.extensions import login_manager

    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if current_user.role not in roles:
        deny()


def roles_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            check_roles(*roles)
            return view(*args, **kwargs)
        return wrapped
    return decorator


enterprise_required = roles_required(Role.ENTERPRISE)
reviewer_required = roles_required(Role.REVIEWER, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)
