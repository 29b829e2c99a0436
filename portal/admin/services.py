"""Admin services. They add and flush; the route or CLI command commits."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import Enterprise, ReportingPeriod, Role, User


class ServiceError(ValueError):
    """A business-rule refusal with a user-facing message; ``field`` names the input.

    The message is in the reader's language (Chinese unless the request is in English); a lazy
    string is resolved here, so ``message`` is always plain text.
    """

    def __init__(self, message: str, field: str | None = None):
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


def create_enterprise(data: dict, *, actor) -> Enterprise:
    if db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == data["uscc"])) is not None:
        raise ServiceError(_("该统一社会信用代码已被其他企业使用。"), field="uscc")
    enterprise = Enterprise(**data)
    db.session.add(enterprise)
    db.session.flush()
    audit.record("enterprise.create", actor=actor, obj=enterprise, after=data)
    return enterprise


def update_enterprise(enterprise: Enterprise, data: dict, *, actor) -> Enterprise:
    clash = db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == data["uscc"], Enterprise.id != enterprise.id))
    if clash is not None:
        raise ServiceError(_("该统一社会信用代码已被其他企业使用。"), field="uscc")
    before = {k: getattr(enterprise, k) for k in data if getattr(enterprise, k) != data[k]}
    after = {k: data[k] for k in before}
    for key, value in data.items():
        setattr(enterprise, key, value)
    db.session.flush()
    if before:
        audit.record("enterprise.update", actor=actor, obj=enterprise, before=before, after=after)
    return enterprise


def create_user(*, login: str, display_name: str, role: str, password: str, enterprise: Enterprise | None,
                email: str | None = None, actor=None, hash_method: str = "scrypt") -> User:
    if db.session.scalar(select(User.id).where(User.login == login)) is not None:
        raise ServiceError(_("该用户名已存在。"), field="login")
    role_enum = Role(role)
    if role_enum == Role.ENTERPRISE and enterprise is None:
        raise ServiceError(_("企业用户必须指定所属企业。"), field="enterprise_uscc")
    user = User(login=login, display_name=display_name, role=role_enum, email=email,
                enterprise=enterprise if role_enum == Role.ENTERPRISE else None, active=True)
    user.set_password(password, method=hash_method)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor=actor, obj=user, enterprise_id=user.enterprise_id,
                 after={"login": login, "role": role})
    return user


def update_user(user: User, *, display_name: str, role: str, enterprise: Enterprise | None, email: str | None,
                active: bool, password: str | None, actor, hash_method: str) -> User:
    role_enum = Role(role)
    if role_enum == Role.ENTERPRISE and enterprise is None:
        raise ServiceError(_("企业用户必须指定所属企业。"), field="enterprise_uscc")
    before = {"role": str(user.role), "active": user.active, "enterprise_id": user.enterprise_id}
    user.display_name = display_name
    user.role = role_enum
    user.enterprise = enterprise if role_enum == Role.ENTERPRISE else None
    user.email = email
    if user.active and not active or password or before["role"] != role:
        user.end_sessions()      # a deactivated or re-roled user must log in again
    user.active = active
    if password:
        user.set_password(password, method=hash_method)
    db.session.flush()
    audit.record("user.update", actor=actor, obj=user, enterprise_id=user.enterprise_id, before=before,
                 after={"role": role, "active": active, "enterprise_id": user.enterprise_id,
                        "password_reset": bool(password)})
    return user


def find_enterprise_by_uscc(uscc: str | None) -> Enterprise | None:
    if not uscc:
        return None
    return db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc.strip().upper()))


def open_period(*, year: int, quarter: int, opens_on, due_on, actor) -> ReportingPeriod:
    exists = db.session.scalar(select(ReportingPeriod.id).where(ReportingPeriod.year == year,
                                                               ReportingPeriod.quarter == quarter))
    if exists is not None:
        raise ServiceError(_("%(period)s的填报期已存在。", period=_("%(year)s年第%(quarter)s季度", year=year, quarter=quarter)),
                           field="quarter")
    period = ReportingPeriod(year=year, quarter=quarter, opens_on=opens_on, due_on=due_on, locked=False)
    db.session.add(period)
    db.session.flush()
    audit.record("period.open", actor=actor, obj=period,
                 after={"period": period.label, "opens_on": opens_on, "due_on": due_on})
    return period


def set_period_locked(period: ReportingPeriod, locked: bool, *, actor) -> None:
    if period.locked == locked:
        return
    period.locked = locked
    audit.record("period.lock" if locked else "period.unlock", actor=actor, obj=period,
                 after={"period": period.label})
