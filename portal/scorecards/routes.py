"""Scorecard pages: the enterprise's results, the what-if panel, and the reviewers' confirmation."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.admin.services import ServiceError
from portal.auth.decorators import check_roles
from portal.auth.scope import get_scoped_or_404, scoped
from portal.extensions import db
from portal.forms.scorecards import WHAT_IF_KEYS, ScorecardDecisionForm, what_if_form
from portal.models import Report, ReportingPeriod, Role, Scorecard, ScorecardReview
from portal.scorecards import services
from portal.scorecards.names import display_grade, display_result

bp = Blueprint("scorecards", __name__, url_prefix="/scorecards")
# Stored results stay Chinese; these show their names in the reader's language (see names.py).
bp.add_app_template_filter(display_result, "scorecard_names")
bp.add_app_template_global(display_grade, "scorecard_grade")


@bp.route("/")
@login_required
def my_scorecards():
    check_roles(Role.ENTERPRISE)
    history_stmt = scoped(select(Scorecard), Scorecard).join(ReportingPeriod).order_by(
        ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc(), Scorecard.family, Scorecard.id.desc())
    page = db.paginate(history_stmt, page=max(request.args.get("page", 1, type=int) or 1, 1),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    latest = db.session.scalar(scoped(select(Report), Report).join(ReportingPeriod)
                               .where(Report.status.in_(services.SCORED_STATUSES))
                               .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc()).limit(1))
    cards = services.current_scorecards(latest) if latest else []
    return render_template("scorecards/my_scorecards.html", latest=latest, cards=cards, page=page)


@bp.route("/<int:scorecard_id>")
@login_required
def view_scorecard(scorecard_id: int):
    card = get_scoped_or_404(Scorecard, scorecard_id)
    reviews = db.session.scalars(select(ScorecardReview).where(ScorecardReview.scorecard_id == card.id)
                                 .order_by(ScorecardReview.id)).all()
    return render_template("scorecards/view_scorecard.html", card=card, result=display_result(card.result),
                           reviews=reviews, form=ScorecardDecisionForm())


@bp.route("/what-if/<int:report_id>", methods=["GET", "POST"])
@login_required
def what_if(report_id: int):
    report = get_scoped_or_404(Report, report_id)
    form = what_if_form(report.values(), formdata=request.form if request.method == "POST" else None)
    baseline = services.current_scorecards(report)
    trial = None
    if form.validate_on_submit():
        overrides = {key: float(form[key].data) for key in WHAT_IF_KEYS if form[key].data is not None}
        trial = [display_result(r.to_dict()) for r in services.assess_report(report, overrides=overrides)]
    return render_template("scorecards/what_if.html", report=report, form=form, baseline=baseline, trial=trial,
                           keys=WHAT_IF_KEYS)


@bp.route("/review")
@login_required
def review_list():
    check_roles(Role.REVIEWER, Role.ADMIN)
    periods = db.session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.year.desc(),
                                                                  ReportingPeriod.quarter.desc())).all()
    period_id = request.args.get("period", type=int) or (periods[0].id if periods else None)
    family = request.args.get("family") or ""
    state = request.args.get("state") or "pending"
    stmt = select(Scorecard).where(Scorecard.current.is_(True), Scorecard.period_id == period_id)
    if family:
        stmt = stmt.where(Scorecard.family == family)
    if state in ("pending", "confirmed", "rejected"):
        stmt = stmt.where(Scorecard.review_state == state)
    stmt = stmt.order_by(Scorecard.passed.desc(), Scorecard.total.desc(), Scorecard.id)
    page = db.paginate(stmt, page=max(request.args.get("page", 1, type=int) or 1, 1),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    families = sorted(set(services.family_of().values()))
    return render_template("scorecards/review_list.html", page=page, periods=periods, period_id=period_id,
                           family=family, state=state, families=families, form=ScorecardDecisionForm())


@bp.route("/<int:scorecard_id>/review", methods=["POST"])
@login_required
def review(scorecard_id: int):
    check_roles(Role.REVIEWER, Role.ADMIN)
    card = db.get_or_404(Scorecard, scorecard_id)
    form = ScorecardDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.review_scorecard(card, form.decision.data, form.note.data, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已确认评价结果。") if form.decision.data == "confirmed" else _("已驳回评价结果。"), "success")
    target = request.form.get("next") or url_for("scorecards.view_scorecard", scorecard_id=card.id)
    # A tab or newline is dropped by browsers ("/\t/evil" -> "//evil"): only printable local paths.
    if not target.startswith("/") or target.startswith("//") or not target.isprintable() or "\\" in target:
        target = url_for("scorecards.view_scorecard", scorecard_id=card.id)
    return redirect(target)
