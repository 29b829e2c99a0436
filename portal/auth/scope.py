"""Tenant scoping: the one place that restricts queries to the current user's enterprise.

Every model that belongs to an enterprise has an ``enterprise_id`` column. Enterprise users
see only rows of their own enterprise; reviewers and admins see all. A row outside the user's
scope is answered with 404, so its existence is not revealed.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select

from portal.extensions import db


def scoped(stmt: Select, model) -> Select:
    """Add the enterprise restriction for enterprise users to ``stmt`` over ``model``."""
    if not current_user.is_authenticated:
        abort(404)
    if current_user.is_enterprise:
        return stmt.where(model.enterprise_id == current_user.enterprise_id)
    return stmt


def get_scoped_or_404(model, ident: int):
    """Load ``model`` by primary key within the current user's scope, or 404."""
    obj = db.session.get(model, ident)
    if obj is None or not current_user.is_authenticated:
        abort(404)
    if current_user.is_enterprise and obj.enterprise_id != current_user.enterprise_id:
        abort(404)
    return obj
