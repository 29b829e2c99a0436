"""Scoring a report and keeping the results as snapshots.

The engine (``portal.assessments``) is pure; this service gathers its input from the database
(the enterprise profile, the report and the same enterprise's earlier reports, for growth rates),
runs it, and stores each framework's result as a ``Scorecard`` row with its criteria version.
Certificates and dashboards read these rows and never recompute. Re-scoring after a criteria
change adds new rows and keeps the old ones (``current`` moves to the newest).
Services flush; the route or CLI command commits.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal import assessments, audit
from portal.admin.services import ServiceError
from portal.assessments import loader
from portal.extensions import db
from portal.models import Report, ReportingPeriod, ReportStatus, Scorecard, ScorecardReview

HISTORY_YEARS = 3   # earlier years the engine needs for growth rates (two-year averages)
SCORED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


@cache
def family_of() -> dict[str, str]:
    """Framework code -> family, from the shipped criteria files."""
    return {c.code: c.family for c in loader.load_all()}


def report_dict(report: Report) -> dict:
    """A report as the engine's input row: ``period`` plus the data-dictionary keys."""
    values = {k: v for k, v in report.values().items() if v is not None}
    values["period"] = report.period.label
    return values


def engine_input(report: Report, overrides: dict | None = None) -> tuple[dict, list[dict]]:
    """The profile and the reports (this one plus earlier approved ones) for the engine.

    ``overrides`` replaces values of this report only (the what-if panel); nothing is saved.
    """
    period = report.period
    earlier = db.session.scalars(
        select(Report).join(ReportingPeriod)
        .where(Report.enterprise_id == report.enterprise_id, Report.status == ReportStatus.APPROVED,
               Report.id != report.id, ReportingPeriod.year >= period.year - HISTORY_YEARS,
               (ReportingPeriod.year * 4 + ReportingPeriod.quarter) < period.year * 4 + period.quarter)
    ).all()
    current = report_dict(report)
    if overrides:
        current.update({k: v for k, v in overrides.items() if v is not None})
    profile = {k: v for k, v in report.enterprise.profile().items() if v is not None}
    return profile, [*(report_dict(r) for r in earlier), current]


def assess_report(report: Report, *, frameworks: Iterable[str] | None = None, overrides: dict | None = None,
                  as_of: date | None = None) -> list[assessments.Result]:
    profile, reports = engine_input(report, overrides)
    return assessments.assess(profile, reports, frameworks=frameworks, as_of=as_of)


def snapshot_report(report: Report, *, actor=None, frameworks: Iterable[str] | None = None,
                    only_if_changed: bool = False) -> list[Scorecard]:
    """Score ``report`` and store one snapshot per framework; earlier snapshots stay as history."""
    results = assess_report(report, frameworks=frameworks)
    families = family_of()
    created = []
    for result in results:
        family = families.get(result.framework, result.framework)
        data = result.to_dict()
        previous = db.session.scalar(select(Scorecard).where(
            Scorecard.report_id == report.id, Scorecard.family == family, Scorecard.current.is_(True)))
        if only_if_changed and previous is not None and previous.report_revision == report.revision \
                and previous.criteria_version == result.criteria_version and previous.result == data:
            continue
        if previous is not None:
            db.session.execute(update(Scorecard).where(
                Scorecard.report_id == report.id, Scorecard.family == family).values(current=False))
        card = Scorecard(report_id=report.id, report_revision=report.revision, enterprise_id=report.enterprise_id,
                         period_id=report.period_id, family=family, framework=result.framework,
                         criteria_version=result.criteria_version, total=result.total, max_total=result.max_total,
                         grade=result.grade, passed=result.passed, provisional=result.provisional, result=data,
                         current=True, review_state="pending")
        db.session.add(card)
        created.append(card)
    db.session.flush()
    if created:
        audit.record("scorecard.snapshot", actor=actor, obj=report,
                     after={c.framework: {"total": c.total, "grade": c.grade, "passed": c.passed,
                                          "criteria_version": c.criteria_version} for c in created})
    return created


def rescore_period(period: ReportingPeriod, *, frameworks: Iterable[str] | None = None, actor=None,
                   progress: Callable[[int], object] | None = None) -> tuple[int, int]:
    """Re-score every submitted or approved report of ``period``; returns (reports, new snapshots).

    A snapshot is added only where the result or the criteria version changed.
    """
    reports = db.session.scalars(select(Report).where(Report.period_id == period.id,
                                                      Report.status.in_(SCORED_STATUSES))
                                 .order_by(Report.id)).all()
    added = 0
    for report in reports:
        added += len(snapshot_report(report, actor=actor, frameworks=frameworks, only_if_changed=True))
        if progress:
            progress(1)
    return len(reports), added


def current_scorecards(report: Report) -> list[Scorecard]:
    return db.session.scalars(select(Scorecard).where(Scorecard.report_id == report.id, Scorecard.current.is_(True))
                              .order_by(Scorecard.family)).all()


def review_scorecard(card: Scorecard, decision: str, note: str | None, *, actor) -> ScorecardReview:
    """A reviewer confirms or rejects a snapshot; only a confirmed one can lead to a certificate."""
    if decision not in ("confirmed", "rejected"):
        raise ServiceError(_("无效的审核结论。"), field="decision")
    if not card.current:
        raise ServiceError(_("该评价结果已被新的评价取代，请审核最新结果。"))
    if card.report.status != ReportStatus.APPROVED and decision == "confirmed":
        raise ServiceError(_("报表尚未审核通过，不能确认评价结果。"))
    note = (note or "").strip() or None
    if decision == "rejected" and not note:
        raise ServiceError(_("驳回评价结果时请填写说明。"), field="note")
    before = card.review_state
    card.review_state = decision
    row = ScorecardReview(scorecard_id=card.id, reviewer_id=actor.id, decision=decision, note=note)
    db.session.add(row)
    db.session.flush()
    audit.record(f"scorecard.{'confirm' if decision == 'confirmed' else 'reject'}", actor=actor, obj=card,
                 before={"review_state": before}, after={"review_state": decision, "framework": card.framework},
                 detail=note)
    return row
