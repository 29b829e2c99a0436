"""Certificate services: issue (number, sign, persist), revoke, verify, batch issue, PDF inputs.

Rules:

- A certificate is issued by a reviewer or admin from a stored scorecard snapshot (never a
  re-computation) that is the current snapshot of an APPROVED report's latest revision, PASSES
  and was confirmed by a reviewer (``review_state == "confirmed"``). One live (not revoked)
  certificate per enterprise, framework and report; a revoked one may be replaced.
- What is recognised follows the scorecard's family and grade (:func:`recognition_for`).
- Validity: ``CERT_VALIDITY_YEARS`` (family -> years, merged over :data:`VALIDITY_YEARS`); the
  certificate is valid up to the day before the same date N years later. Three years for every
  family is a provisional choice: MIIT's 专精特新中小企业, 创新型中小企业 and “小巨人” recognitions
  run three years; the Chongqing 数字化车间/智能工厂 and GB/T 36132 绿色工厂 rules fix no term for
  a district certificate, and CMMM assessment certificates are commonly issued for three years.
  The commission should confirm the terms; they are configuration, not code.
- The signature is HMAC-SHA256 (:mod:`.signing`) over ``CertificateData.signed_payload()``,
  stored verbatim in ``payload``. The key is ``CERT_SIGNING_KEY``; in debug or testing a key
  derived from ``SECRET_KEY`` is used when it is unset; in production nothing is issued without it.
- Verification recomputes the signature over the stored payload and checks the row's columns
  against it: a changed row or payload is ``invalid``. Expiry is derived from ``valid_until``.

Services add and flush; the route or CLI command commits. Every state change is audited.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from flask import current_app
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.admin.services import ServiceError
from portal.assessments import derive_frame
from portal.assessments.derived import FLOW_FIELDS, INDICATORS, PROFILE_FIELDS, STOCK_FIELDS
from portal.assessments.peers import MAIN_INDICATORS
from portal.certificates import numbering, signing
from portal.certificates.pdf import CertificateData, ScorecardData, render_certificate, render_scorecard
from portal.extensions import db
from portal.fields import registry
from portal.models import (
    Certificate,
    Enterprise,
    Report,
    ReportingPeriod,
    ReportStatus,
    Scorecard,
    User,
    utcnow,
)
from portal.models.certificate import STATUS_ISSUED, STATUS_REVOKED


def _(message: str, **values: Any) -> str:
    """A service message: a Chinese literal with %(name)s values.

    Services also run in CLI commands, outside any request and its locale, so they do not call
    Flask-Babel here (``portal.admin.services`` does the same); the marker keeps the messages
    in the extracted catalogue.
    """
    return message % values if values else message


#: Default validity in years per framework family (see the module docstring; provisional).
VALIDITY_YEARS: dict[str, int] = {"smart": 3, "green": 3, "sts": 3, "innovative": 3, "giant": 3, "cmmm": 3}

#: Family -> what a reviewer picks in a batch run (the order of the family select).
FAMILY_LABELS: dict[str, str] = {
    "smart": "数字化车间 / 智能工厂",
    "green": "绿色工厂",
    "sts": "专精特新中小企业",
    "innovative": "创新型中小企业",
    "giant": "专精特新“小巨人”企业",
    "cmmm": "智能制造能力成熟度",
}

_FIXED_RECOGNITION = {
    "green": "绿色工厂",
    "sts": "专精特新中小企业",
    "innovative": "创新型中小企业",
    "giant": "专精特新“小巨人”企业",
}
_SMART_LEVELS = ("数字化车间", "智能工厂")
_CN_LEVEL = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}
_CMMM_GRADE = re.compile(r"^L([1-5])\s*(.*)$")

MIN_PEERS = 5                        # fewer peers: no quartiles (they would expose single peers)
LOCAL_OFFSET = timedelta(hours=8)   # Asia/Shanghai (no daylight saving time); timestamps are naive UTC

VERIFY_STATUSES = ("valid", "expired", "revoked", "unknown", "invalid")
LIST_STATUSES = ("valid", "expired", "revoked")

# Indicators over which the scorecard's quarterly trend is drawn: name -> (unit, function of a report row).
TREND_UNITS = {"营业收入": "万元", "研发费用": "万元", "研发投入强度": "%", "数字化生产设备占比": "%"}


# --------------------------------------------------------------------------------------------
# Keys, recognition, validity
# --------------------------------------------------------------------------------------------


def signing_key() -> bytes | None:
    """``CERT_SIGNING_KEY``; in debug/testing a key derived from ``SECRET_KEY``; else None."""
    key = current_app.config.get("CERT_SIGNING_KEY")
    if key:
        return key if isinstance(key, bytes) else str(key).encode("utf-8")
    if current_app.debug or current_app.testing:
        secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
        return hashlib.sha256(b"tongliang-portal/certificate-signing/v1/" + secret).digest()
    return None


def validity_years(family: str) -> int | None:
    years = {**VALIDITY_YEARS, **(current_app.config.get("CERT_VALIDITY_YEARS") or {})}
    return years.get(family)


def valid_until_for(family: str, issued_on: date) -> date | None:
    """The last valid day: the day before the same date ``years`` later (29 Feb -> 28 Feb)."""
    years = validity_years(family)
    if not years:
        return None
    try:
        same_day = issued_on.replace(year=issued_on.year + years)
    except ValueError:
        same_day = issued_on.replace(year=issued_on.year + years, day=28) + timedelta(days=1)
    return same_day - timedelta(days=1)


def formal_period_label(period: ReportingPeriod) -> str:
    """The period as printed on a certificate: 2026年第三季度."""
    return f"{period.year}年第{_CN_LEVEL[period.quarter]}季度"


def recognition_for(family: str, grade: str | None) -> tuple[str, str | None]:
    """``(recognition, level)`` printed for a passing scorecard of ``family`` with ``grade``.

    smart: the grade names the level (铜梁区数字化车间 / 铜梁区智能工厂); cmmm: "L2 规范级" gives
    智能制造能力成熟度二级 with level 规范级; the other families recognise one fixed title.
    """
    if family == "smart":
        if grade in _SMART_LEVELS:
            return f"铜梁区{grade}", grade
        raise ServiceError(_("评价等级“%(g)s”未达到数字化车间或智能工厂认定条件。", g=grade or "—"))
    if family == "cmmm":
        match = _CMMM_GRADE.match((grade or "").strip())
        if not match:
            raise ServiceError(_("评价等级“%(g)s”未达到智能制造能力成熟度一级。", g=grade or "—"))
        return f"智能制造能力成熟度{_CN_LEVEL[int(match.group(1))]}级", match.group(2).strip() or None
    if family in _FIXED_RECOGNITION:
        return _FIXED_RECOGNITION[family], None
    raise ServiceError(_("评价体系“%(f)s”不签发证书。", f=family))


# --------------------------------------------------------------------------------------------
# Scoping: the one place that decides which certificates and reports a user may see
# --------------------------------------------------------------------------------------------


def certificates_visible_to(user: User) -> Select:
    """All certificates for reviewers and admins; an enterprise user's own only; nothing otherwise."""
    stmt = select(Certificate)
    if user.is_reviewer:
        return stmt
    if user.is_enterprise and user.enterprise_id is not None:
        return stmt.where(Certificate.enterprise_id == user.enterprise_id)
    return stmt.where(false())


def reports_visible_to(user: User) -> Select:
    stmt = select(Report)
    if user.is_reviewer:
        return stmt
    if user.is_enterprise and user.enterprise_id is not None:
        return stmt.where(Report.enterprise_id == user.enterprise_id)
    return stmt.where(false())


def scorecard_reports_for(user: User) -> Select:
    """The user's reports that have a current, not rejected scorecard, newest period first."""
    scored = select(Scorecard.id).where(Scorecard.report_id == Report.id, Scorecard.current.is_(True),
                                        Scorecard.review_state != "rejected").exists()
    return (reports_visible_to(user).join(ReportingPeriod, ReportingPeriod.id == Report.period_id).where(scored)
            .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc(), Report.id))


def get_certificate(user: User, serial: str) -> Certificate | None:
    normal = numbering.normalise_serial(serial)
    if normal is None:
        return None
    return db.session.scalar(certificates_visible_to(user).where(Certificate.serial == normal))


def get_report(user: User, report_id: int) -> Report | None:
    return db.session.scalar(reports_visible_to(user).where(Report.id == report_id))


# --------------------------------------------------------------------------------------------
# Issue and revoke
# --------------------------------------------------------------------------------------------


def check_eligible(scorecard: Scorecard) -> tuple[str, str | None]:
    """Raise ServiceError unless a certificate may be issued from ``scorecard``; else (recognition, level)."""
    report = scorecard.report
    if report is None or report.status != ReportStatus.APPROVED:
        raise ServiceError(_("该报表尚未审核通过，不能签发证书。"))
    if not scorecard.current or scorecard.report_revision != report.revision:
        raise ServiceError(_("该评价结果不是报表最新版本的当前评价快照，不能据此签发证书。"))
    if scorecard.review_state != "confirmed":
        raise ServiceError(_("该评价结果尚未经审核确认，不能签发证书。"))
    if scorecard.passed is not True:
        raise ServiceError(_("该评价结果未达到认定条件，不能签发证书。"))
    return recognition_for(scorecard.family, scorecard.grade)


def live_certificate(enterprise_id: int, framework: str, report_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.enterprise_id == enterprise_id, Certificate.framework == framework,
        Certificate.report_id == report_id, Certificate.status == STATUS_ISSUED))


def _score(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 2)


def issue_certificate(scorecard: Scorecard, *, actor: User, today: date) -> Certificate:
    """Number, sign and store a certificate for ``scorecard``, issued on ``today``."""
    if actor is None or not getattr(actor, "is_reviewer", False):
        raise ServiceError(_("只有审核人员或管理员可以签发证书。"))
    recognition, level = check_eligible(scorecard)
    key = signing_key()
    if key is None:
        raise ServiceError(_("未配置证书签名密钥（CERT_SIGNING_KEY），生产环境下不能签发证书。"))
    existing = live_certificate(scorecard.enterprise_id, scorecard.framework, scorecard.report_id)
    if existing is not None:
        raise ServiceError(_("该企业本期报表的此项评价已签发有效证书（%(s)s），不能重复签发。", s=existing.serial))

    enterprise = scorecard.enterprise
    result = scorecard.result or {}
    max_score = _score(scorecard.max_total) or None
    score = _score(scorecard.total) if max_score else None
    valid_until = valid_until_for(scorecard.family, today)
    try:
        with db.session.begin_nested():
            serial, code, sequence = numbering.next_serial(scorecard.family, today.year)
            data = CertificateData(
                serial=serial, enterprise_name=enterprise.name, uscc=enterprise.uscc, recognition=recognition,
                framework_name=str(result.get("framework_name") or scorecard.framework),
                criteria_version=scorecard.criteria_version, score=score, max_score=max_score, level=level,
                issue_date=today, valid_until=valid_until, verify_url="", check_code="",
                provisional=bool(scorecard.provisional), period_label=formal_period_label(scorecard.period),
            )
            payload = data.signed_payload()
            cert = Certificate(
                serial=serial, family_code=code, year=today.year, sequence=sequence,
                enterprise_id=scorecard.enterprise_id, scorecard_id=scorecard.id, report_id=scorecard.report_id,
                period_id=scorecard.period_id, family=scorecard.family, framework=scorecard.framework,
                criteria_version=scorecard.criteria_version, recognition=recognition, level=level,
                score=score, max_score=max_score, issued_on=today, valid_until=valid_until,
                issued_by_id=actor.id, signature=signing.sign(payload, key), payload=payload,
                status=STATUS_ISSUED,
            )
            db.session.add(cert)
            db.session.flush()
    except IntegrityError:
        existing = live_certificate(scorecard.enterprise_id, scorecard.framework, scorecard.report_id)
        if existing is not None:
            raise ServiceError(_("该企业本期报表的此项评价已签发有效证书（%(s)s），不能重复签发。",
                                 s=existing.serial)) from None
        raise ServiceError(_("证书编号分配冲突，请重试。")) from None
    audit.record("certificate.issue", actor=actor, obj=cert, after={
        "serial": cert.serial, "scorecard_id": scorecard.id, "family": cert.family, "recognition": recognition,
        "issued_on": today, "valid_until": valid_until})
    return cert


def revoke_certificate(cert: Certificate, reason: str, *, actor: User) -> Certificate:
    """Revoke ``cert`` with a reason (required); it then verifies as revoked."""
    if actor is None or not getattr(actor, "is_reviewer", False):
        raise ServiceError(_("只有审核人员或管理员可以撤销证书。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写撤销原因。"), field="reason")
    if cert.status == STATUS_REVOKED:
        raise ServiceError(_("该证书已于 %(d)s 撤销。", d=cert.revoked_at.date().isoformat() if cert.revoked_at else "—"))
    cert.status = STATUS_REVOKED
    cert.revoked_at = utcnow()
    cert.revoked_by_id = actor.id
    cert.revoke_reason = reason
    db.session.flush()
    audit.record("certificate.revoke", actor=actor, obj=cert, before={"status": STATUS_ISSUED},
                 after={"status": STATUS_REVOKED, "reason": reason})
    return cert


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show; only the status when not valid/expired/revoked."""

    status: str                         # valid | expired | revoked | unknown | invalid
    serial: str | None
    enterprise_name: str | None = None
    recognition: str | None = None
    issued_on: date | None = None
    valid_until: date | None = None
    revoked_on: date | None = None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    return a == b


def is_intact(cert: Certificate, key: bytes) -> bool:
    """The stored signature matches the stored payload and the row's columns match the payload."""
    payload = cert.payload
    if not isinstance(payload, dict) or not signing.verify(payload, cert.signature or "", key):
        return False
    expected = {
        "serial": cert.serial, "recognition": cert.recognition, "level": cert.level, "score": cert.score,
        "max_score": cert.max_score, "criteria_version": cert.criteria_version,
        "issue_date": cert.issued_on.isoformat() if cert.issued_on else None,
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
        "uscc": cert.enterprise.uscc if cert.enterprise is not None else None,
    }
    return all(_same(payload.get(name), value) for name, value in expected.items())


def verify_serial(serial: str | None, *, today: date) -> Verification:
    """The public verdict on ``serial`` on ``today``."""
    normal = numbering.normalise_serial(serial)
    if normal is None:
        return Verification("unknown", (serial or "").strip()[:40] or None)
    cert = db.session.scalar(select(Certificate).where(Certificate.serial == normal))
    if cert is None:
        return Verification("unknown", normal)
    key = signing_key()
    if key is None:
        raise ServiceError(_("证书核验服务暂不可用，请稍后再试。"))
    if not is_intact(cert, key):
        return Verification("invalid", normal)
    payload = cert.payload
    return Verification(
        status=cert.state_on(today), serial=normal, enterprise_name=payload.get("enterprise_name"),
        recognition=payload.get("recognition"), issued_on=cert.issued_on, valid_until=cert.valid_until,
        revoked_on=(cert.revoked_at + LOCAL_OFFSET).date() if cert.status == STATUS_REVOKED and cert.revoked_at else None,
    )


def verify_url_for(serial: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/verify/" + serial


# --------------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------------


def status_condition(status: str, today: date):
    if status == "revoked":
        return Certificate.status == STATUS_REVOKED
    if status == "expired":
        return and_(Certificate.status == STATUS_ISSUED, Certificate.valid_until < today)
    if status == "valid":
        return and_(Certificate.status == STATUS_ISSUED,
                    or_(Certificate.valid_until.is_(None), Certificate.valid_until >= today))
    raise ValueError(status)


def list_certificates(user: User, *, today: date, period_id: int | None = None, family: str | None = None,
                      status: str | None = None) -> Select:
    """Certificates the user may see, filtered, newest first (the caller paginates)."""
    stmt = certificates_visible_to(user)
    if period_id:
        stmt = stmt.where(Certificate.period_id == period_id)
    if family:
        stmt = stmt.where(Certificate.family == family)
    if status in LIST_STATUSES:
        stmt = stmt.where(status_condition(status, today))
    return stmt.order_by(Certificate.issued_on.desc(), Certificate.id.desc())


def issuable_scorecards(*, period_id: int | None = None, family: str | None = None) -> Select:
    """Current, confirmed, passing scorecards of approved reports without a live certificate."""
    live = select(Certificate.id).where(
        Certificate.enterprise_id == Scorecard.enterprise_id, Certificate.framework == Scorecard.framework,
        Certificate.report_id == Scorecard.report_id, Certificate.status == STATUS_ISSUED).exists()
    stmt = (select(Scorecard).join(Report, Report.id == Scorecard.report_id)
            .where(Scorecard.current.is_(True), Scorecard.review_state == "confirmed", Scorecard.passed.is_(True),
                   Scorecard.family.in_(tuple(FAMILY_LABELS)), Report.status == ReportStatus.APPROVED,
                   Scorecard.report_revision == Report.revision, ~live))
    if period_id:
        stmt = stmt.where(Scorecard.period_id == period_id)
    if family:
        stmt = stmt.where(Scorecard.family == family)
    return stmt.order_by(Scorecard.period_id.desc(), Scorecard.family, Scorecard.enterprise_id)


def periods() -> list[ReportingPeriod]:
    return list(db.session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.year.desc(),
                                                                   ReportingPeriod.quarter.desc())))


def find_period(label: str) -> ReportingPeriod | None:
    match = re.fullmatch(r"(\d{4})\s*[Qq]([1-4])", (label or "").strip())
    if not match:
        return None
    return db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.year == int(match.group(1)),
                                                          ReportingPeriod.quarter == int(match.group(2))))


# --------------------------------------------------------------------------------------------
# Batch issue
# --------------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    period: ReportingPeriod
    family: str
    total: int = 0
    issued: list[Certificate] = field(default_factory=list)
    skipped: list[tuple[Scorecard, str]] = field(default_factory=list)

    def reasons(self) -> list[tuple[str, int]]:
        """Skip reasons with their counts, most frequent first."""
        return Counter(reason for _, reason in self.skipped).most_common()


ProgressCallback = Callable[[int, int, Scorecard, str], object]


def batch_issue(period: ReportingPeriod, family: str, *, actor: User, today: date,
                progress: ProgressCallback | None = None) -> BatchResult:
    """Issue a certificate for every eligible current scorecard of ``period`` and ``family``.

    Ineligible scorecards are skipped with the refusal's reason. ``progress(done, total,
    scorecard, outcome)`` is called after each one (outcome: the serial or the reason).
    Each issue runs in a SAVEPOINT, so one refusal never spoils the others; the caller commits.
    """
    if actor is None or not getattr(actor, "is_reviewer", False):
        raise ServiceError(_("只有审核人员或管理员可以签发证书。"))
    if family not in FAMILY_LABELS:
        raise ServiceError(_("请选择评价体系。"), field="family")
    if signing_key() is None:
        raise ServiceError(_("未配置证书签名密钥（CERT_SIGNING_KEY），生产环境下不能签发证书。"))
    scorecards = list(db.session.scalars(
        select(Scorecard).where(Scorecard.period_id == period.id, Scorecard.family == family,
                                Scorecard.current.is_(True))
        .order_by(Scorecard.enterprise_id, Scorecard.id)))
    result = BatchResult(period=period, family=family, total=len(scorecards))
    for done, scorecard in enumerate(scorecards, start=1):
        try:
            cert = issue_certificate(scorecard, actor=actor, today=today)
        except ServiceError as exc:
            result.skipped.append((scorecard, exc.message))
            outcome = exc.message
        else:
            result.issued.append(cert)
            outcome = cert.serial
        if progress is not None:
            progress(done, result.total, scorecard, outcome)
    audit.record("certificate.batch_issue", actor=actor, detail=f"{period.label} {family}", after={
        "period": period.label, "family": family, "issued": len(result.issued), "skipped": len(result.skipped)})
    return result


# --------------------------------------------------------------------------------------------
# PDF inputs and downloads
# --------------------------------------------------------------------------------------------


def build_certificate_data(cert: Certificate, verify_url: str) -> CertificateData:
    """What pdf.render_certificate prints: exactly the signed payload, plus the link and check code."""
    p = cert.payload
    return CertificateData(
        serial=p["serial"], enterprise_name=p["enterprise_name"], uscc=p["uscc"], recognition=p["recognition"],
        framework_name=p["framework_name"], criteria_version=p["criteria_version"], score=p.get("score"),
        max_score=p.get("max_score"), level=p.get("level"), issue_date=date.fromisoformat(p["issue_date"]),
        valid_until=date.fromisoformat(p["valid_until"]) if p.get("valid_until") else None,
        verify_url=verify_url, check_code=signing.check_code(cert.signature),
        provisional=bool(p.get("provisional")), issuer=p.get("issuer") or CertificateData.issuer,
        period_label=p.get("period_label"),
    )


def certificate_pdf(cert: Certificate) -> bytes:
    return render_certificate(build_certificate_data(cert, verify_url_for(cert.serial)))


def certificate_filenames(cert: Certificate) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback) for a download."""
    name = cert.payload.get("enterprise_name") or ""
    return f"{name}{cert.recognition}证书_{cert.serial}.pdf", f"certificate-{cert.serial}.pdf"


def scorecard_filenames(report: Report) -> tuple[str, str]:
    return (f"{report.enterprise.name}_{report.period.label_zh}_评分报告.pdf",
            f"scorecard-{report.enterprise.uscc}-{report.period.label}.pdf")


def record_download(obj: Any, *, actor: User, kind: str) -> None:
    audit.record(f"{kind}.download", actor=actor, obj=obj,
                 detail=getattr(obj, "serial", None) or f"report {getattr(obj, 'id', '')}")


def report_scorecards(report: Report) -> list[Scorecard]:
    """Current, not rejected scorecard snapshots of ``report``, in the engine's family order."""
    order = {family: i for i, family in enumerate(FAMILY_LABELS)}
    rows = db.session.scalars(select(Scorecard).where(
        Scorecard.report_id == report.id, Scorecard.current.is_(True), Scorecard.review_state != "rejected"))
    return sorted(rows, key=lambda s: (order.get(s.family, len(order)), s.framework))


def build_scorecard_data(report: Report | None = None, *, enterprise: Enterprise | None = None,
                         period: ReportingPeriod | None = None, generated_at: datetime | None = None) -> ScorecardData:
    """The scorecard report of one enterprise and period, from stored snapshots and approved reports."""
    if report is None:
        if enterprise is None or period is None:
            raise ValueError("give a report, or an enterprise and a period")
        report = db.session.scalar(select(Report).where(Report.enterprise_id == enterprise.id,
                                                        Report.period_id == period.id))
        if report is None:
            raise ServiceError(_("该企业在 %(p)s 没有报表。", p=period.label_zh))
    enterprise, period = report.enterprise, report.period
    cluster = registry().field("cluster").label_for(enterprise.cluster) if enterprise.cluster else None
    trend, units = trend_points(enterprise, period)
    return ScorecardData(
        enterprise_name=enterprise.name, uscc=enterprise.uscc, period_label=period.label_zh,
        generated_at=generated_at or _local_now(),
        frameworks=[s.result for s in report_scorecards(report)],
        peer_stats=peer_stats(enterprise, period, report), trend=trend, trend_units=units,
        cluster_label=f"{cluster}产业集群" if cluster else None,
    )


def scorecard_pdf(report: Report) -> bytes:
    return render_scorecard(build_scorecard_data(report))


def local_today() -> date:
    return _local_now().date()


def _local_now() -> datetime:
    return utcnow() + LOCAL_OFFSET


def _period_filter(year: int, quarter: int, years_back: int):
    """Periods from ``years_back`` calendar years before ``year`` up to (year, quarter)."""
    return and_(ReportingPeriod.year >= year - years_back,
                or_(ReportingPeriod.year < year, ReportingPeriod.quarter <= quarter))


def peer_stats(enterprise: Enterprise, period: ReportingPeriod, report: Report | None = None) -> list[dict]:
    """Quartiles of the main indicators among the enterprise's cluster, with its own value.

    Indicators are derived by the scoring engine's batch path (``derive_frame``) from approved
    reports of the cluster up to ``period`` (three calendar years, for growth rates); the
    enterprise's own report of the period counts even before approval. Quartiles are shown only
    with at least ``MIN_PEERS`` values, so that no single peer's figure can be read off them.
    """
    fields = [k for k in (*FLOW_FIELDS, *STOCK_FIELDS) if hasattr(Report, k)]
    own = report.id if report is not None else -1
    rows = db.session.execute(
        select(Report.enterprise_id, ReportingPeriod.year, ReportingPeriod.quarter, *[getattr(Report, k) for k in fields])
        .join(ReportingPeriod, ReportingPeriod.id == Report.period_id)
        .join(Enterprise, Enterprise.id == Report.enterprise_id)
        .where(Enterprise.cluster == enterprise.cluster, _period_filter(period.year, period.quarter, 2),
               or_(Report.status == ReportStatus.APPROVED, Report.id == own))).all()
    if not rows:
        return []
    quarters = pd.DataFrame([dict(zip(["enterprise_id", "_y", "_q", *fields], row, strict=True)) for row in rows])
    quarters["period"] = quarters["_y"].astype(str) + "Q" + quarters["_q"].astype(str)
    quarters = quarters.drop(columns=["_y", "_q"])
    ids = sorted(set(quarters["enterprise_id"]))
    profiles = pd.DataFrame([
        {"enterprise_id": e.id, **{k: getattr(e, k, None) for k in PROFILE_FIELDS}}
        for e in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))])
    frame = derive_frame(profiles, quarters, as_of=period.ends_on)
    # Peers whose latest report is from an earlier year are compared on stale figures: drop them.
    frame = frame[frame["year"] == period.year]
    return peer_rows(frame, enterprise.id)


def peer_rows(frame: pd.DataFrame, own_key: int) -> list[dict]:
    """Cluster quartiles of the main indicators from a derived frame indexed by enterprise.

    Quartiles appear only with at least ``MIN_PEERS`` values; the own value is ``own_key``'s row.
    """
    out = []
    for name in MAIN_INDICATORS:
        if name not in frame.columns:
            continue
        values = pd.to_numeric(frame[name], errors="coerce").astype(float)
        own = values.get(own_key) if own_key in values.index else None
        own = None if own is None or math.isnan(own) else round(float(own), 2)
        peers = values.dropna()
        label, unit = INDICATORS.get(name, (name, None))
        if len(peers) < MIN_PEERS:
            q1 = med = q3 = None
        else:
            q1, med, q3 = (round(float(peers.quantile(q)), 2) for q in (0.25, 0.5, 0.75))
        if own is None and med is None:
            continue
        out.append({"name": label, "unit": unit, "value": own, "p25": q1, "median": med, "p75": q3,
                    "peers": int(len(peers))})
    return out


def _ratio(a: Any, b: Any) -> float | None:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return None
    return round(a * 100 / b, 2) if b else None


def trend_points(enterprise: Enterprise, period: ReportingPeriod, limit: int = 8) -> tuple[list[dict], dict]:
    """The enterprise's approved reports up to ``period`` (at most ``limit`` quarters), oldest first."""
    reports = list(db.session.scalars(
        select(Report).join(ReportingPeriod, ReportingPeriod.id == Report.period_id)
        .where(Report.enterprise_id == enterprise.id, Report.status == ReportStatus.APPROVED,
               _period_filter(period.year, period.quarter, 100))
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc()).limit(limit)))
    points = []
    for r in reversed(reports):
        points.append({"period": r.period.label, "values": {
            "营业收入": r.revenue,
            "研发费用": r.rd_expenditure,
            "研发投入强度": _ratio(r.rd_expenditure, r.revenue),
            "数字化生产设备占比": _ratio(r.equipment_digital, r.equipment_total),
        }})
    return points, dict(TREND_UNITS)


# --------------------------------------------------------------------------------------------
# Demo seeding
# --------------------------------------------------------------------------------------------

DEMO_REVOKE_REASON = "经复核，企业申报的研发费用数据与税务汇算清缴数据不一致，依据认定管理办法撤销该证书。"


def seed_certificates(today: date, actor: User, *, issue_lag_days: int = 45) -> dict[str, int]:
    """Issue the demo's certificates from confirmed passing scorecards; the caller commits.

    Per enterprise and family the first eligible report is certified, issued ``issue_lag_days``
    after its period ended (never after ``today``); when that certificate has expired by
    ``today`` the latest eligible report is certified again (a renewal). When the data starts
    too recently for any certificate to have expired, the three certificates of the oldest
    period are issued with an earlier issue date, one validity term before ``today``, so the
    demo shows expired certificates. The most recent certificate is then revoked with a reason.
    Returns counts by state.
    """
    rows = list(db.session.scalars(issuable_scorecards()))
    by_pair: dict[tuple[int, str], list[Scorecard]] = {}
    for s in rows:
        by_pair.setdefault((s.enterprise_id, s.family), []).append(s)
    firsts, renewals = [], []
    for cards in by_pair.values():
        cards.sort(key=lambda s: (s.period.year, s.period.quarter))
        first = cards[0]
        firsts.append(first)
        until = valid_until_for(first.family, _seed_issue_day(first, today, issue_lag_days))
        if until is not None and until < today and len(cards) > 1:
            renewals.append(cards[-1])
    firsts.sort(key=lambda s: (s.period.year, s.period.quarter, s.family, s.enterprise_id))
    backdate = set()
    if not renewals:
        oldest = [s for s in firsts if (s.period.year, s.period.quarter) == (firsts[0].period.year,
                                                                              firsts[0].period.quarter)] if firsts else []
        backdate = {s.id for s in oldest[:3]}
    issued = []
    for s in firsts + renewals:
        day = _seed_issue_day(s, today, issue_lag_days)
        if s.id in backdate:
            years = validity_years(s.family) or 3
            day = today.replace(year=today.year - years) - timedelta(days=30)
        issued.append(issue_certificate(s, actor=actor, today=day))
    live = [c for c in issued if c.state_on(today) == "valid"]
    if live:
        latest = max(live, key=lambda c: (c.issued_on, c.id))
        revoke_certificate(latest, DEMO_REVOKE_REASON, actor=actor)
    counts = Counter(c.state_on(today) for c in issued)
    return {"issued": len(issued), **{k: counts.get(k, 0) for k in LIST_STATUSES}}


def _seed_issue_day(scorecard: Scorecard, today: date, lag: int) -> date:
    return min(scorecard.period.ends_on + timedelta(days=lag), today)
