"""Row builders that insert directly into the database (no HTTP needed to set up data)."""
from __future__ import annotations

import itertools
from datetime import date

from portal.extensions import db
from portal.fields.uscc import check_char
from portal.models import Enterprise, Report, ReportingPeriod, ReportStatus, Role, User

PASSWORD = "correct-horse-1"
_seq = itertools.count(1)


def make_uscc(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    body = f"91500151MA{n:07d}"
    return body + check_char(body)


def enterprise(**overrides) -> Enterprise:
    n = next(_seq)
    data = dict(uscc=make_uscc(n), name=f"重庆铜梁测试机械有限公司{n}", industry_code="3484", cluster="equipment",
                sub_direction="汽车和电动摩托车零部件", park="hitech_core", town=None, founded_on=date(2010, 5, 1),
                niche_since_year=2012, land_area_mu=50.0, is_above_scale=True)
    data.update(overrides)
    obj = Enterprise(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


def user(role: str = "enterprise", *, enterprise_obj: Enterprise | None = None, login: str | None = None,
         password: str = PASSWORD, active: bool = True) -> User:
    role_enum = Role(role)
    if role_enum == Role.ENTERPRISE and enterprise_obj is None:
        enterprise_obj = enterprise()
    obj = User(login=login or f"{role}{next(_seq)}", display_name=f"测试{role}", role=role_enum,
               enterprise=enterprise_obj if role_enum == Role.ENTERPRISE else None, active=active)
    obj.set_password(password, method="pbkdf2:sha256:1000")
    db.session.add(obj)
    db.session.flush()
    return obj


def period(year: int = 2025, quarter: int = 4, **overrides) -> ReportingPeriod:
    month = quarter * 3 + 1
    opens = date(year + (month > 12), (month - 1) % 12 + 1, 1)
    data = dict(year=year, quarter=quarter, opens_on=opens, due_on=opens.replace(day=20), locked=False)
    data.update(overrides)
    obj = ReportingPeriod(**data)
    db.session.add(obj)
    db.session.flush()
    return obj


def report(enterprise_obj: Enterprise, period_obj: ReportingPeriod, *, status: str = "draft", **values) -> Report:
    obj = Report(enterprise_id=enterprise_obj.id, period_id=period_obj.id, status=ReportStatus(status))
    obj.set_values(values)
    db.session.add(obj)
    db.session.flush()
    return obj
