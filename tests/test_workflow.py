"""The report workflow: every transition per role, return comments, immutability, amendments, conflicts."""
from __future__ import annotations

import itertools
import threading

import factories
import pytest

from portal.admin.services import ServiceError
from portal.extensions import db
from portal.models import AuditEvent, Report, ReportRevision, ReportStatus, Role
from portal.review import workflow
from portal.review.workflow import ConflictError, TransitionError

S = ReportStatus
ACTORS = ("own_enterprise", "other_enterprise", "reviewer", "admin")

# Who may move a report from one status to another; every pair not listed is forbidden for everyone.
ALLOWED = {
    (S.DRAFT, S.SUBMITTED): {"own_enterprise"},
    (S.RETURNED, S.SUBMITTED): {"own_enterprise"},
    (S.SUBMITTED, S.RETURNED): {"reviewer", "admin"},
    (S.SUBMITTED, S.APPROVED): {"reviewer", "admin"},
}
CASES = [(frm, to, who, who in ALLOWED.get((frm, to), set()))
         for frm, to in itertools.product(S, S) for who in ACTORS]


def _setup(status: ReportStatus):
    enterprise = factories.enterprise()
    period = factories.period(2026, 3)
    report = factories.report(enterprise, period, status=status.value)
    actors = {
        "own_enterprise": factories.user("enterprise", enterprise_obj=enterprise),
        "other_enterprise": factories.user("enterprise"),
        "reviewer": factories.user("reviewer"),
        "admin": factories.user("admin"),
    }
    db.session.commit()
    return report, actors


def _do(report, to, actor, **kw):
    if to == S.SUBMITTED:
        workflow.submit(report, actor=actor, **kw)
    elif to == S.RETURNED:
        workflow.return_report(report, "请核实营业收入。", actor=actor, **kw)
    elif to == S.APPROVED:
        workflow.approve(report, actor=actor, **kw)
    else:
        workflow._move(report, to, actor=actor, expected_version=kw.get("expected_version"))


def test_transition_table_names_only_the_documented_moves():
    assert {k: {r.value for r in v} for k, v in workflow.TRANSITIONS.items()} == {
        (S.DRAFT, S.SUBMITTED): {"enterprise"}, (S.RETURNED, S.SUBMITTED): {"enterprise"},
        (S.SUBMITTED, S.RETURNED): {"reviewer", "admin"}, (S.SUBMITTED, S.APPROVED): {"reviewer", "admin"}}


@pytest.mark.parametrize("frm, to, who, allowed", CASES,
                         ids=[f"{f.value}->{t.value}-{w}" for f, t, w, _ in CASES])
def test_each_transition_is_allowed_only_for_its_roles(app, frm, to, who, allowed):
    report, actors = _setup(frm)
    actor = actors[who]
    assert workflow.can_transition(report, to, actor) is allowed
    events_before = db.session.query(AuditEvent).filter_by(object_type="Report").count()
    if allowed:
        _do(report, to, actor)
        assert report.status == to
        event = db.session.query(AuditEvent).filter_by(object_type="Report", object_id=report.id).one()
        assert event.action == f"report.{workflow.ACTION[to]}"
        assert event.before["status"] == frm.value and event.after["status"] == to.value
        assert event.actor_id == actor.id
    else:
        with pytest.raises(TransitionError):
            _do(report, to, actor)
        db.session.rollback()
        assert db.session.get(Report, report.id).status == frm
        assert db.session.query(AuditEvent).filter_by(object_type="Report").count() == events_before


@pytest.mark.parametrize("comment", ["", "   ", "\n\t "])
def test_return_needs_a_comment(app, comment):
    report, actors = _setup(S.SUBMITTED)
    with pytest.raises(ServiceError) as info:
        workflow.return_report(report, comment, actor=actors["reviewer"])
    assert info.value.field == "comment" and "退回意见" in info.value.message
    assert report.status == S.SUBMITTED


def test_return_comment_is_stored_trimmed_and_cleared_on_resubmission(app):
    report, actors = _setup(S.SUBMITTED)
    workflow.return_report(report, "  请补充研发费用说明。 ", actor=actors["reviewer"])
    assert report.review_comment == "请补充研发费用说明。"
    event = db.session.query(AuditEvent).filter_by(action="report.return").one()
    assert event.detail == "请补充研发费用说明。"
    workflow.submit(report, actor=actors["own_enterprise"])
    assert report.status == S.SUBMITTED and report.review_comment is None
    assert report.submitted_by_id == actors["own_enterprise"].id and report.submitted_at is not None


def test_an_overlong_return_comment_is_refused(app):
    report, actors = _setup(S.SUBMITTED)
    with pytest.raises(ServiceError):
        workflow.return_report(report, "长" * (workflow.MAX_COMMENT_CHARS + 1), actor=actors["reviewer"])


def test_approval_records_who_and_when_in_one_version_step(app):
    report, actors = _setup(S.SUBMITTED)
    version = report.version
    workflow.approve(report, actor=actors["reviewer"], expected_version=version)
    assert report.approved_by_id == actors["reviewer"].id and report.approved_at is not None
    assert report.version == version + 1


@pytest.mark.parametrize("to", [S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED])
@pytest.mark.parametrize("who", ACTORS)
def test_an_approved_report_is_immutable(app, to, who):
    report, actors = _setup(S.APPROVED)
    assert not workflow.is_editable(report)
    with pytest.raises(TransitionError):
        _do(report, to, actors[who])


def test_a_locked_period_refuses_a_first_submission(app):
    report, actors = _setup(S.DRAFT)
    report.period.locked = True
    assert not workflow.is_editable(report)
    with pytest.raises(TransitionError, match="锁定"):
        workflow.submit(report, actor=actors["own_enterprise"])
    assert "submit" not in workflow.available_actions(report, actors["own_enterprise"])


def test_available_actions_follow_status_and_role(app):
    report, actors = _setup(S.SUBMITTED)
    assert workflow.available_actions(report, actors["reviewer"]) == {"return", "approve"}
    assert workflow.available_actions(report, actors["own_enterprise"]) == set()
    report.status = S.APPROVED
    report.amendment_reason = "营业收入填报有误，需更正。"
    assert workflow.available_actions(report, actors["admin"]) == {"allow_amendment"}
    assert workflow.available_actions(report, actors["own_enterprise"]) == set()


def test_amendment_request_allow_opens_a_new_revision_and_archives_the_old(app):
    report, actors = _setup(S.SUBMITTED)
    report.set_values({"revenue": 9500.0, "employees": 200})
    workflow.approve(report, actor=actors["reviewer"])
    approved_at = report.approved_at
    with pytest.raises(ServiceError):
        workflow.request_amendment(report, "短", actor=actors["own_enterprise"])
    with pytest.raises(TransitionError):
        workflow.request_amendment(report, "营业收入填报有误。", actor=actors["other_enterprise"])
    with pytest.raises(TransitionError):
        workflow.allow_amendment(report, actor=actors["reviewer"])        # nothing requested yet
    workflow.request_amendment(report, "营业收入填报有误，需更正。", actor=actors["own_enterprise"])
    with pytest.raises(TransitionError):
        workflow.allow_amendment(report, actor=actors["own_enterprise"])  # enterprises cannot allow
    archived = workflow.allow_amendment(report, actor=actors["reviewer"], expected_version=report.version)
    db.session.commit()

    assert report.status == S.DRAFT and report.revision == 2 and workflow.is_editable(report)
    assert report.approved_at is None and report.submitted_at is None
    stored = db.session.query(ReportRevision).filter_by(report_id=report.id).one()
    assert stored.id == archived.id and stored.revision == 1 and stored.status == "approved"
    assert stored.values["revenue"] == 9500.0 and stored.values["employees"] == 200
    assert stored.approved_at == approved_at
    actions = [e.action for e in db.session.query(AuditEvent).filter_by(object_id=report.id).order_by(AuditEvent.id)]
    assert actions == ["report.approve", "report.amendment_requested", "report.amendment_allowed"]
    # The new revision goes through the workflow again, and history is kept.
    workflow.submit(report, actor=actors["own_enterprise"])
    workflow.approve(report, actor=actors["admin"])
    assert report.status == S.APPROVED and report.revision == 2


def test_a_stale_form_version_is_a_conflict(app):
    report, actors = _setup(S.SUBMITTED)
    seen = report.version
    workflow.approve(report, actor=actors["reviewer"], expected_version=seen)
    db.session.commit()
    with pytest.raises(ConflictError, match="已被他人修改"):
        workflow.return_report(report, "请核实。", actor=actors["admin"], expected_version=seen)


def test_two_sessions_the_version_column_turns_a_lost_update_into_a_conflict(app):
    """Reviewer A loaded the report before reviewer B approved it; A's write must not win."""
    report, actors = _setup(S.SUBMITTED)
    db.session.commit()
    report_id, reviewer_id, admin_id = report.id, actors["reviewer"].id, actors["admin"].id

    with app.app_context():                       # reviewer A: its own session
        session_a = db.session()
        session_a.expire_on_commit = False        # keep what A saw after its read transaction ended
        report_a = session_a.get(Report, report_id)
        reviewer_a = session_a.get(type(actors["reviewer"]), reviewer_id)
        session_a.commit()
        with app.app_context():                   # reviewer B, another session, approves first
            report_b = db.session.get(Report, report_id)
            workflow.approve(report_b, actor=db.session.get(type(actors["admin"]), admin_id))
            db.session.commit()
        assert report_a.version == 1 and report_a.status == S.SUBMITTED   # A still holds the old state
        with pytest.raises(ConflictError, match="已被他人修改"):
            workflow.return_report(report_a, "请核实。", actor=reviewer_a)
        db.session.rollback()

    db.session.rollback()                         # end the outer read transaction: see the others
    stored = db.session.get(Report, report_id)
    assert stored.status == S.APPROVED and stored.approved_by_id == admin_id
    assert db.session.query(AuditEvent).filter_by(object_id=report_id, action="report.return").count() == 0


def test_two_reviewers_racing_to_approve_exactly_one_wins(app):
    """Two threads, each with its own app context and session, approve the version both saw."""
    from portal.web.sqlite import immediate_transactions

    report, actors = _setup(S.SUBMITTED)
    db.session.commit()
    report_id, seen = report.id, report.version
    reviewer_ids = [actors["reviewer"].id, actors["admin"].id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user_id: int) -> None:
        with app.app_context(), immediate_transactions():
            barrier.wait()
            try:
                r = db.session.get(Report, report_id)
                workflow.approve(r, actor=db.session.get(type(actors["reviewer"]), user_id), expected_version=seen)
                db.session.commit()
                outcomes.append("won")
            except ConflictError as exc:
                db.session.rollback()
                outcomes.append(exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(uid,)) for uid in reviewer_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes, key=lambda o: o != "won") == ["won", workflow.CONFLICT_MESSAGE]
    db.session.rollback()                         # end the outer read transaction: see the others
    assert db.session.get(Report, report_id).status == S.APPROVED
    assert db.session.query(AuditEvent).filter_by(object_id=report_id, action="report.approve").count() == 1


def test_role_values_cover_every_actor():
    assert {Role.ENTERPRISE, Role.REVIEWER, Role.ADMIN} == set(Role)
