"""Load the generated demo data into the database (the ``seed-demo`` command).

The generator (``portal.demo.generator``) is pure; this module only writes rows. Reports are
inserted in bulk (executemany) rather than one ORM object at a time.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select

from portal import audit
from portal.extensions import db
from portal.models import Enterprise, Report, ReportingPeriod, ReportStatus, Role, User

DEMO_PASSWORD = "tongliang-2025"
DEMO_USERS = (
    # login, display name, role, enterprise login key
    ("admin", "系统管理员", Role.ADMIN, None),
    ("reviewer", "经信委审核员", Role.REVIEWER, None),
    ("ent_a", None, Role.ENTERPRISE, "ent_a"),
    ("ent_b", None, Role.ENTERPRISE, "ent_b"),
)


def load_demo(*, seed: int = 2025, n_enterprises: int = 350, hash_method: str = "scrypt",
              echo: Callable[[str], object] = lambda _msg: None) -> str:
    """Insert the demo data set; the caller commits. Returns a one-line summary."""
    from portal.demo.generator import generate

    data = generate(seed=seed, n_enterprises=n_enterprises)
    echo(f"生成 {len(data.enterprises)} 家企业、{len(data.reports)} 份季度报表……")

    enterprise_ids = _insert_enterprises(data)
    period_ids = _insert_periods(data)
    users = _insert_users(data, enterprise_ids, hash_method)
    reviewer = users["reviewer"]
    _insert_reports(data, enterprise_ids, period_ids, users, reviewer)
    n_cards = _score_recent(period_ids, reviewer, echo)
    certificates = _issue_certificates(users["admin"], echo)
    audit.record("demo.seed", detail=f"seed={seed} enterprises={len(data.enterprises)} reports={len(data.reports)}")
    db.session.flush()
    return (f"演示数据已装入：{len(data.enterprises)} 家企业，{len(period_ids)} 个填报期，"
            f"{len(data.reports)} 份报表，{n_cards} 条评价快照，{certificates} 张证书。"
            f"演示账号密码均为 {DEMO_PASSWORD}")


def _insert_enterprises(data) -> list[int]:
    rows = [dict(e.profile, active=True) for e in data.enterprises]
    db.session.execute(insert(Enterprise), rows)
    by_uscc = dict(db.session.execute(select(Enterprise.uscc, Enterprise.id)).all())
    return [by_uscc[e.profile["uscc"]] for e in data.enterprises]


def _insert_periods(data) -> dict[tuple[int, int], int]:
    ids = {}
    for year, quarter, opens_on, due_on in data.periods:
        period = ReportingPeriod(year=year, quarter=quarter, opens_on=opens_on, due_on=due_on, locked=False)
        db.session.add(period)
        db.session.flush()
        ids[(year, quarter)] = period.id
    # Every period but the last two is closed for editing: only an amendment can change it now.
    for key in sorted(ids)[:-2]:
        db.session.get(ReportingPeriod, ids[key]).locked = True
    return ids


def _insert_users(data, enterprise_ids, hash_method) -> dict[str, User]:
    logins = {e.login: i for i, e in enumerate(data.enterprises) if e.login}
    users = {}
    for login, name, role, ent_key in DEMO_USERS:
        enterprise_id = enterprise_ids[logins[ent_key]] if ent_key else None
        display = name or data.enterprises[logins[ent_key]].profile["name"][:20] + "填报员"
        user = User(login=login, display_name=display, role=role, enterprise_id=enterprise_id, active=True)
        user.set_password(DEMO_PASSWORD, method=hash_method)
        db.session.add(user)
        users[login] = user
    db.session.flush()
    return users


def _at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour))


def _insert_reports(data, enterprise_ids, period_ids, users, reviewer) -> None:
    owner_by_enterprise = {u.enterprise_id: u.id for u in users.values() if u.enterprise_id}
    rows = []
    for r in data.reports:
        enterprise_id = enterprise_ids[r.enterprise_index]
        submitted_at = _at(r.submitted_on) if r.submitted_on else None
        status = ReportStatus(r.status)
        approved_at = submitted_at + timedelta(days=3) if status == ReportStatus.APPROVED and submitted_at else None
        row = dict(r.values)
        row.update(
            enterprise_id=enterprise_id,
            period_id=period_ids[(r.year, r.quarter)],
            status=status,
            revision=1,
            version=1,
            explanations=dict(r.warnings_explained) or None,
            review_comment="请核对工业增加值与能源消费数据后重新提交。" if status == ReportStatus.RETURNED else None,
            created_at=submitted_at or _at(data.periods[-1][2]),
            updated_at=approved_at or submitted_at or _at(data.periods[-1][2]),
            submitted_at=submitted_at,
            submitted_by_id=owner_by_enterprise.get(enterprise_id),
            approved_at=approved_at,
            approved_by_id=reviewer.id if approved_at else None,
        )
        rows.append(row)
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(Report), rows[start:start + 1000])


SCORED_PERIODS = 2   # the latest two quarters: each report is scored on every framework, with advice


def _score_recent(period_ids, reviewer, echo) -> int:
    """Snapshot scorecards for the latest quarters; the reviewer confirms those of approved reports."""
    from portal.scorecards.services import SCORED_STATUSES, snapshot_report

    recent = [period_ids[key] for key in sorted(period_ids)[-SCORED_PERIODS:]]
    reports = db.session.scalars(select(Report).where(Report.period_id.in_(recent),
                                                      Report.status.in_(SCORED_STATUSES))
                                 .order_by(Report.period_id, Report.id)).all()
    echo(f"计算最近 {SCORED_PERIODS} 个季度 {len(reports)} 份报表的评价结果……")
    n = 0
    for report in reports:
        for card in snapshot_report(report, actor=None):
            n += 1
            if report.status == ReportStatus.APPROVED and card.passed is not None:
                card.review_state = "confirmed"
    db.session.flush()
    return n


def _issue_certificates(actor, echo) -> int:
    """Certificates for confirmed passing scorecards; some expired and one revoked (see the service)."""
    from datetime import date

    from portal.certificates.services import seed_certificates

    echo("签发演示证书……")
    counts = seed_certificates(date.today(), actor)
    db.session.flush()
    return counts["issued"]
