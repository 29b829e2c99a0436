"""The audit service: one call records one event; the caller's transaction commits it."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from portal.extensions import db
from portal.models import AuditEvent


def client_ip() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def record(action: str, *, actor=None, obj=None, enterprise_id: int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           detail: str | None = None, actor_login: str | None = None) -> AuditEvent:
    """Add an audit row (flushed with the caller's transaction, never committed here)."""
    if enterprise_id is None and obj is not None:
        enterprise_id = getattr(obj, "enterprise_id", None)
        if enterprise_id is None and obj.__class__.__name__ == "Enterprise":
            enterprise_id = obj.id
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_login=getattr(actor, "login", None) or actor_login,
        role=str(actor.role) if getattr(actor, "role", None) else None,
        enterprise_id=enterprise_id,
        object_type=obj.__class__.__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        before=_jsonable(before),
        after=_jsonable(after),
        ip=client_ip(),
        detail=detail,
    )
    db.session.add(event)
    return event


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    out = {}
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value") and not isinstance(value, (int, float, str)):
            value = value.value
        out[key] = value
    return out
