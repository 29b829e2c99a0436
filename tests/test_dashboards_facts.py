"""facts: the window aggregates follow every change in the same transaction, equal a rebuild from
the reports, and decode back to what the indicator formulas read."""
from __future__ import annotations

import math
import random

import factories
import numpy as np
import pytest
from sqlalchemy import func, insert, select

from portal.dashboards import facts, queries
from portal.dashboards.indicators import PeriodSpec
from portal.extensions import db
from portal.models import Report, ReportStatus, ScorecardReview, WindowFact
from portal.models.dashboard import LAYOUT, LAYOUT_ID

AT = {name: i for i, name in enumerate(LAYOUT)}


def rows(enterprise_id: int | None = None) -> dict[str, np.ndarray]:
    """{window code: packed values} of the stored aggregates (of one enterprise when given)."""
    statement = select(WindowFact.window, WindowFact.vector).order_by(WindowFact.window)
    if enterprise_id is not None:
        statement = statement.where(WindowFact.enterprise_id == enterprise_id)
    return {window: facts.unpack([vector])[0] for window, vector in db.session.execute(statement)}


def all_rows() -> dict[tuple[str, int], bytes]:
    return {(w, e): bytes(v) for w, e, v in db.session.execute(
        select(WindowFact.window, WindowFact.enterprise_id, WindowFact.vector))}


def test_approving_a_report_writes_its_windows_in_the_same_commit(app):
    ent = factories.enterprise()
    q1, q2 = factories.period(2025, 1), factories.period(2025, 2)
    factories.report(ent, q1, status="approved", revenue=100.0, employees=50)
    second = factories.report(ent, q2, status="submitted", revenue=40.0, employees=60)
    db.session.commit()
    stored = rows(ent.id)
    # Q1 alone; the years to date and the full year hold Q1 only (one of their quarters).
    assert set(stored) == {"2025Q1", "2025YTD2", "2025YTD3", "2025"}
    assert stored["2025YTD2"][AT["n_quarters"]] == 1
    assert math.isnan(stored["2025YTD2"][AT["revenue"]])       # a flow needs every quarter
    second.status = ReportStatus.APPROVED
    db.session.commit()
    stored = rows(ent.id)
    assert set(stored) == {"2025Q1", "2025Q2", "2025YTD2", "2025YTD3", "2025"}
    ytd = stored["2025YTD2"]
    assert (ytd[AT["n_quarters"]], ytd[AT["quarter"]], ytd[AT["report_id"]]) == (2, 2, second.id)
    assert ytd[AT["revenue"]] == 140.0                          # summed
    assert ytd[AT["employees"]] == 60.0                         # a stock: the latest report's


def test_a_report_leaving_approved_leaves_the_aggregates(app):
    ent = factories.enterprise()
    report = factories.report(ent, factories.period(2025, 3), status="approved", revenue=10.0)
    db.session.commit()
    assert "2025Q3" in rows(ent.id)
    report.status = ReportStatus.RETURNED
    db.session.commit()
    assert rows(ent.id) == {}


def test_a_rolled_back_approval_writes_nothing(app):
    ent = factories.enterprise()
    report = factories.report(ent, factories.period(2025, 3), status="submitted", revenue=10.0)
    db.session.commit()
    version = queries.data_version()
    report.status = ReportStatus.APPROVED
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert rows(ent.id) == {}
    assert queries.data_version() == version


def test_snapshot_flags_are_kept_for_both_review_bases(app):
    ent = factories.enterprise()
    report = factories.report(ent, factories.period(2025, 4), status="approved", revenue=10.0)
    card = factories.scorecard(report, family="smart", grade="智能工厂", review_state="pending")
    db.session.commit()
    q4 = rows(ent.id)["2025Q4"]
    assert q4[AT["smart_factory_open"]] == 1.0
    assert math.isnan(q4[AT["smart_factory_confirmed"]])
    reviewer = factories.user("reviewer")
    card.review_state = "confirmed"
    db.session.add(ScorecardReview(scorecard_id=card.id, reviewer_id=reviewer.id, decision="confirmed"))
    db.session.commit()
    q4 = rows(ent.id)["2025Q4"]
    assert q4[AT["smart_factory_confirmed"]] == 1.0
    frame = queries.load_windows(PeriodSpec.of_quarter(2025, 4))
    assert frame.loc[frame["window"] == "2025Q4", "smart_factory"].tolist() == [1.0]


def test_a_rejected_snapshot_never_counts(app):
    ent = factories.enterprise()
    report = factories.report(ent, factories.period(2025, 4), status="approved", revenue=10.0)
    factories.scorecard(report, family="green", passed=True, review_state="rejected")
    db.session.commit()
    q4 = rows(ent.id)["2025Q4"]
    assert math.isnan(q4[AT["green_factory_open"]]) and math.isnan(q4[AT["green_factory_confirmed"]])


def test_data_version_moves_with_profiles_and_periods(app):
    ent = factories.enterprise()
    db.session.commit()
    before = queries.data_version()
    ent.cluster = "electronics"
    db.session.commit()
    after_profile = queries.data_version()
    assert after_profile != before
    factories.period(2026, 1)
    db.session.commit()
    assert queries.data_version() != after_profile


def test_a_bulk_insert_of_reports_rebuilds_at_commit(app):
    ent = factories.enterprise()
    period = factories.period(2025, 2)
    db.session.execute(insert(Report), [dict(enterprise_id=ent.id, period_id=period.id, status=ReportStatus.APPROVED,
                                             revision=1, version=1, revenue=5.0)])
    db.session.commit()
    assert rows(ent.id)["2025Q2"][AT["revenue"]] == 5.0


def _random_history(rng: random.Random) -> list[Report]:
    periods = [factories.period(y, q) for y in (2024, 2025) for q in (1, 2, 3, 4)]
    enterprises = [factories.enterprise(is_above_scale=rng.random() < 0.7) for _ in range(6)]
    reports = []
    for ent in enterprises:
        for period in periods:
            if rng.random() < 0.8:
                reports.append(factories.report(
                    ent, period, status=rng.choice(["approved", "approved", "submitted"]),
                    revenue=rng.choice([None, rng.uniform(10, 1000)]), rd_expenditure=rng.uniform(0, 30),
                    employees=rng.randint(5, 500), cloud_level=rng.choice([None, "none", "platform", "odd"]),
                    design_tools=rng.choice([None, [], ["none"], ["cad2d", "cae"], ["mystery"]]),
                    certifications=rng.choice([None, [], ["iso14001", "iso50001"]]),
                    systems=rng.choice([None, {}, {"erp": "full", "mes": rng.choice(["none", "partial", "odd"])}]),
                    industrial_internet=rng.choice([None, True, False])))
    db.session.commit()
    return reports


def test_incremental_aggregates_equal_a_rebuild_after_a_history_of_changes(app):
    rng = random.Random(11)
    reports = _random_history(rng)
    for report in rng.sample(reports, 12):
        report.status = rng.choice([ReportStatus.APPROVED, ReportStatus.RETURNED])
        report.set_values({"revenue": rng.uniform(1, 50)})
        if rng.random() < 0.4:
            factories.scorecard(report, family=rng.choice(["smart", "green", "sts"]),
                                review_state=rng.choice(["pending", "confirmed", "rejected"]))
        db.session.commit()
    incremental = all_rows()
    assert incremental
    facts.rebuild(db.session)
    db.session.commit()
    assert all_rows() == incremental


def test_windows_decode_to_the_reports_values(app):
    ent = factories.enterprise()
    factories.report(ent, factories.period(2025, 1), status="approved", cloud_level="odd", rd_institution_level="national",
                     design_tools=["cad2d", "mystery"], certifications=[], industrial_internet=False,
                     systems={"erp": "full", "mes": "odd"})
    db.session.commit()
    frame = queries.load_windows(PeriodSpec.ytd(2025, 1))
    row = frame.iloc[0]
    assert row["window"] == "2025YTD1"          # stored under 2025Q1, given the code asked for
    assert row["rd_institution_level"] == "national" and row["cloud_level"] == "other"
    assert row["design_tools"] == ["cad2d", "other"] and row["certifications"] == []
    assert row["industrial_internet"] is False or row["industrial_internet"] == False  # noqa: E712
    assert row["systems.erp"] == "full" and row["systems.mes"] == "other"
    assert isinstance(row["systems.plm"], float) and math.isnan(row["systems.plm"])


def test_stale_layout_is_detected_and_rebuilt_by_the_cli(app, runner):
    ent = factories.enterprise()
    factories.report(ent, factories.period(2025, 1), status="approved", revenue=1.0)
    db.session.commit()
    assert not facts.is_stale(db.session)
    db.session.execute(WindowFact.__table__.update().values(layout=LAYOUT_ID ^ 1))
    db.session.commit()
    assert facts.is_stale(db.session)
    result = runner.invoke(args=["dashboards", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "已重建看板汇总" in result.output
    db.session.expire_all()
    assert not facts.is_stale(db.session)
    assert db.session.scalar(select(func.count()).select_from(WindowFact)) == 4   # Q1, Q1-Q2, Q1-Q3, the year


@pytest.mark.parametrize("values", [[None, "none", "platform", "odd"]])
def test_enum_codes_round_trip(values):
    codes = facts._codes()["cloud_level"]
    packed = facts._enum_codes(values, codes)
    decoded = list(facts.decode_enum(packed, "cloud_level"))
    assert decoded[1:] == ["none", "platform", "other"] and isinstance(decoded[0], float)


def test_flows_and_numeric_stocks_are_neighbours_in_the_layout():
    """``queries.load_window_rows`` takes them as one slice of the matrix."""
    from portal.models.dashboard import NUMERIC_STOCKS, WINDOW_FLOWS

    numbers = [*WINDOW_FLOWS, *NUMERIC_STOCKS]
    first = LAYOUT.index(numbers[0])
    assert list(LAYOUT[first:first + len(numbers)]) == numbers
