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


# Grades and maxima per family for scorecard snapshots built without the scoring engine.
_SCORECARD_DEFAULTS = {
    "smart": ("smart_cq", "重庆市数字化车间和智能工厂认定", "渝 2018 试行 r1", 100.0, "智能工厂"),
    "green": ("green2025", "绿色工厂评价（GB/T 36132-2025）", "GB/T 36132-2025 r1", 100.0, "达到绿色工厂评价要求"),
    "sts": ("sts2026", "专精特新中小企业认定（2026）", "工信部企业〔2026〕2号", 100.0, "专精特新中小企业"),
    "innovative": ("innovative2022", "创新型中小企业评价（2022）", "工信部企业〔2022〕63号 附件1", 100.0, "创新型中小企业"),
    "giant": ("giant2026", "专精特新“小巨人”企业认定（2026）", "工信部企业〔2026〕2号", 0.0, "专精特新“小巨人”企业"),
    "cmmm": ("cmmm2020", "智能制造能力成熟度（GB/T 39116/39117-2020）", "GB/T 39116-2020 r1", 5.0, "L2 规范级"),
}


def scorecard(report_obj: Report, *, family: str = "smart", total: float | None = 82.5, grade: str | None = None,
              passed: bool | None = True, review_state: str = "confirmed", current: bool = True,
              provisional: bool = False):
    """A stored scorecard snapshot with a plausible ``Result.to_dict()`` result (no engine run)."""
    from portal.models import Scorecard

    framework, name, version, max_total, default_grade = _SCORECARD_DEFAULTS[family]
    grade = default_grade if grade is None else grade
    period_obj = report_obj.period or db.session.get(ReportingPeriod, report_obj.period_id)
    result = {
        "framework": framework, "framework_name": name, "criteria_version": version,
        "effective_from": "2018-04-01", "effective_to": None, "as_of": period_obj.ends_on.isoformat(),
        "total": total, "max_total": max_total, "grade": grade, "passed": passed,
        "gates": [{"code": "g1", "name": "数字化（数控）生产设备占比", "passed": passed, "value": 68.0,
                   "required": "≥ 65%", "shortfall": None, "unit": "%", "detail": None, "source": "[S]",
                   "provisional": False}],
        "items": [{"code": "digital_equipment", "name": "数字化设备占比", "value": 68.0, "unit": "%",
                   "band": "≥65%", "points": 20.0, "max_points": 20.0, "dimension": "装备数字化", "source": "[S]",
                   "provisional": False, "available": True, "note": None},
                  {"code": "mes", "name": "制造执行系统（MES）", "value": "full", "unit": None, "band": "全面应用",
                   "points": 10.0, "max_points": 10.0, "dimension": "信息系统", "source": "[R]",
                   "provisional": True, "available": True, "note": None}],
        "recommendations": [{"code": "aps", "text": "全面应用高级计划排程（APS）可增加 3 分", "points_gain": 3.0,
                             "target_value": "full", "current_value": "none", "unit": None, "clears_gate": False,
                             "changes_grade": False, "effort": 1.0, "rank": 1}],
        "routes": [], "provisional": provisional, "notes": [], "extra": {},
    }
    obj = Scorecard(report_id=report_obj.id, report_revision=report_obj.revision or 1,
                    enterprise_id=report_obj.enterprise_id, period_id=report_obj.period_id, family=family,
                    framework=framework, criteria_version=version, total=total, max_total=max_total, grade=grade,
                    passed=passed, provisional=provisional, result=result, current=current,
                    review_state=review_state)
    db.session.add(obj)
    db.session.flush()
    return obj


SYSTEMS = ("erp", "mes", "plm", "scm", "crm", "wms", "aps", "qms", "ems", "scada_dcs")


def complete_form(**overrides) -> dict:
    """Every required field filled with consistent values (as the browser would post them)."""
    data = {
        "gross_output_value": "10,000", "revenue": "9000", "main_business_revenue": "8500", "value_added": "2500",
        "total_profit": "800", "net_profit": "600", "taxes_paid": "300", "employees": "200",
        "total_assets": "20000", "total_liabilities": "8000",
        "rd_expenditure": "400", "rd_personnel": "30", "ip_class1_count": "5", "rd_institution_level": "municipal",
        "key_processes_total": "20", "key_processes_nc": "15", "equipment_total": "100", "equipment_digital": "60",
        "equipment_networked": "50", "design_tools": ["cad3d", "cam"], "cloud_level": "platform",
        "industrial_internet": "1",
        "electricity_kwh": "1000000", "natural_gas_m3": "50000", "water_withdrawal_m3": "20000",
        "solid_waste_generated_t": "100", "solid_waste_utilised_t": "80", "certifications": ["iso9001"],
        "violations_3y": "0",
    }
    data.update({f"systems-k_{k}": "partial" for k in SYSTEMS})
    data.update(overrides)
    return data
