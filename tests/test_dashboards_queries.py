"""queries: the reports and expected frames from factory rows, recognition flags, data version."""
from __future__ import annotations

import math
from datetime import date

import factories
import pandas as pd
import pytest
from sqlalchemy import event

from portal.dashboards import queries
from portal.dashboards.indicators import FLOW_FIELDS, PROFILE_COLUMNS, indicator_table
from portal.extensions import db
from portal.models import Scorecard


def scorecard(report, family, *, grade=None, passed=None, review_state="pending", current=True):
    card = Scorecard(report_id=report.id, report_revision=report.revision, enterprise_id=report.enterprise_id,
                     period_id=report.period_id, family=family, framework=f"{family}_test", criteria_version="t1",
                     total=None, max_total=100.0, grade=grade, passed=passed, result={}, current=current,
                     review_state=review_state)
    db.session.add(card)
    db.session.flush()
    return card


def test_only_approved_reports_are_loaded(app):
    period = factories.period(2025, 3)
    approved = factories.report(factories.enterprise(), period, status="approved", revenue=100.0)
    for status in ("draft", "submitted", "returned"):
        factories.report(factories.enterprise(), period, status=status, revenue=999.0)
    frame = queries.load_reports()
    assert list(frame["report_id"]) == [approved.id]
    assert frame.loc[0, "revenue"] == 100.0


def test_reports_frame_has_profile_values_and_decoded_json(app):
    ent = factories.enterprise(cluster="electronics", park="town", town="巴川街道", land_area_mu=12.5,
                               high_tech_cert_until=date(2027, 1, 1), is_above_scale=False)
    period = factories.period(2025, 2)
    factories.report(ent, period, status="approved", gross_output_value=1200.5, employees=80,
                     design_tools=["cad", "cae"], systems={"erp": "full", "mes": "partial"},
                     certifications=["iso14001"], industrial_internet=True, cloud_level="basic")
    frame = queries.load_reports()
    row = frame.iloc[0]
    assert set(PROFILE_COLUMNS) <= set(frame.columns)
    assert set(FLOW_FIELDS) <= set(frame.columns)
    assert set(queries.STOCK_FIELDS) <= set(frame.columns)
    assert (row["enterprise_id"], row["year"], row["quarter"]) == (ent.id, 2025, 2)
    assert (row["cluster"], row["park"], row["town"]) == ("electronics", "town", "巴川街道")
    assert row["land_area_mu"] == 12.5 and not row["is_above_scale"]
    assert row["gross_output_value"] == 1200.5 and row["employees"] == 80.0
    assert row["design_tools"] == ["cad", "cae"]
    assert row["systems"] == {"erp": "full", "mes": "partial"}
    assert row["certifications"] == ["iso14001"]
    assert bool(row["industrial_internet"]) is True
    # An empty field is NaN, never 0.
    assert math.isnan(row["revenue"])
    assert frame["revenue"].dtype == float


def test_unselected_report_fields_are_not_loaded(app):
    factories.report(factories.enterprise(), factories.period(2025, 1), status="approved", total_assets=5.0)
    frame = queries.load_reports()
    assert "total_assets" not in frame.columns and "explanations" not in frame.columns


def test_reports_frame_is_one_sql_statement(app):
    period = factories.period(2025, 1)
    for _ in range(3):
        rep = factories.report(factories.enterprise(), period, status="approved", revenue=1.0)
        scorecard(rep, "green", passed=True)
    db.session.commit()
    statements = []

    def count(*args):
        statements.append(args[2])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        frame = queries.load_reports()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(frame) == 3
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_recognition_flags_from_current_scorecards(app):
    period = factories.period(2025, 4)
    smart = factories.report(factories.enterprise(), period, status="approved")
    workshop = factories.report(factories.enterprise(), period, status="approved")
    unknown = factories.report(factories.enterprise(), period, status="approved")
    none = factories.report(factories.enterprise(), period, status="approved")
    scorecard(smart, "smart", grade="智能工厂", passed=True)
    scorecard(smart, "green", passed=True)
    scorecard(smart, "sts", passed=False)
    scorecard(workshop, "smart", grade="数字化车间", passed=True)
    scorecard(workshop, "green", passed=True, current=False)     # history does not count
    scorecard(unknown, "smart", grade="资料不全，无法判定", passed=None)
    scorecard(unknown, "sts", passed=None)
    frame = queries.load_reports().set_index("report_id")
    assert frame.loc[smart.id, ["smart_factory", "green_factory", "sts"]].tolist() == [1.0, 1.0, 0.0]
    assert frame.loc[workshop.id, "smart_factory"] == 0.0
    assert math.isnan(frame.loc[workshop.id, "green_factory"])
    assert math.isnan(frame.loc[unknown.id, "smart_factory"]) and math.isnan(frame.loc[unknown.id, "sts"])
    assert frame.loc[none.id, ["smart_factory", "green_factory", "sts"]].isna().all()


def test_once_a_family_has_a_confirmed_scorecard_only_confirmed_ones_count(app):
    period = factories.period(2025, 4)
    confirmed = factories.report(factories.enterprise(), period, status="approved")
    pending = factories.report(factories.enterprise(), period, status="approved")
    rejected = factories.report(factories.enterprise(), period, status="approved")
    scorecard(confirmed, "green", passed=True, review_state="confirmed")
    scorecard(pending, "green", passed=True, review_state="pending")
    scorecard(rejected, "green", passed=True, review_state="rejected")
    scorecard(pending, "sts", passed=True, review_state="pending")    # sts: nothing confirmed yet
    frame = queries.load_reports().set_index("report_id")
    assert frame.loc[confirmed.id, "green_factory"] == 1.0
    assert math.isnan(frame.loc[pending.id, "green_factory"])
    assert math.isnan(frame.loc[rejected.id, "green_factory"])
    assert frame.loc[pending.id, "sts"] == 1.0
    assert queries.recognition_basis() == {"smart": None, "green": "confirmed", "sts": "pending"}


def test_rejected_scorecard_never_counts_even_without_confirmed_ones(app):
    rep = factories.report(factories.enterprise(), factories.period(2025, 4), status="approved")
    scorecard(rep, "sts", passed=True, review_state="rejected")
    assert math.isnan(queries.load_reports().loc[0, "sts"])


def test_expected_frame_is_active_enterprises_founded_by_each_period(app):
    old = factories.enterprise(cluster="health", founded_on=date(2010, 1, 1))
    new = factories.enterprise(founded_on=date(2025, 5, 10))
    factories.enterprise(active=False)
    factories.period(2025, 1)
    factories.period(2025, 2)
    exp = queries.load_expected()
    assert set(exp.columns) >= {"enterprise_id", "year", "quarter", "cluster", "park", "is_above_scale", "town",
                                "sub_direction"}
    pairs = set(zip(exp["enterprise_id"], exp["quarter"], strict=True))
    assert pairs == {(old.id, 1), (old.id, 2), (new.id, 2)}
    assert exp.loc[exp["enterprise_id"] == old.id, "cluster"].unique().tolist() == ["health"]


def test_expected_frame_is_empty_without_periods(app):
    factories.enterprise()
    exp = queries.load_expected()
    assert exp.empty and "enterprise_id" in exp.columns


def test_frames_feed_the_indicator_table(app):
    period = factories.period(2025, 4)
    ents = [factories.enterprise() for _ in range(3)]
    factories.report(ents[0], period, status="approved", rd_expenditure=3.0, revenue=100.0)
    factories.report(ents[1], period, status="approved", rd_expenditure=1.0, revenue=100.0)
    factories.report(ents[2], period, status="returned", rd_expenditure=50.0, revenue=100.0)
    table = indicator_table(queries.load_reports(), queries.load_expected(), "2025Q4", codes=["rd_intensity"])
    row = table.iloc[0]
    assert row["value"] == pytest.approx(2.0)           # (3 + 1) / (100 + 100) x 100; returned excluded
    assert (row["n_used"], row["n_expected"], row["n_missing"]) == (2, 3, 1)


def test_data_version_changes_on_approval_and_scorecard(app):
    period = factories.period(2025, 4)
    rep = factories.report(factories.enterprise(), period, status="submitted", revenue=1.0)
    db.session.commit()
    before = queries.data_version()
    assert before == queries.data_version()
    rep.status = factories.ReportStatus.APPROVED
    db.session.commit()
    approved = queries.data_version()
    assert approved != before
    scorecard(rep, "green", passed=True)
    db.session.commit()
    assert queries.data_version() != approved


def test_enterprise_names_for_a_page(app):
    a, b = factories.enterprise(name="甲公司"), factories.enterprise(name="乙公司")
    assert queries.enterprise_names([b.id, a.id, a.id]) == {a.id: "甲公司", b.id: "乙公司"}
    assert queries.enterprise_names([]) == {}


def test_load_reports_on_empty_database(app):
    frame = queries.load_reports()
    assert frame.empty and isinstance(frame, pd.DataFrame)


# ---------------------------------------------------------------------------------------------
# Window frames summed by the database (load_windows) give the same indicators as the full frame
# ---------------------------------------------------------------------------------------------


def _varied_district():
    """Two years of quarters with gaps, empty flows, partial system maps, lists, flags."""
    import random

    from portal.dashboards.indicators import SYSTEM_KEYS

    rng = random.Random(11)
    periods = {(y, q): factories.period(y, q) for y in (2024, 2025) for q in (1, 2, 3, 4)}
    clusters, parks = ("equipment", "electronics", "health", "other"), ("hitech_core", "damiao", "town")
    for i in range(24):
        ent = factories.enterprise(cluster=clusters[i % 4], park=parks[i % 3], is_above_scale=i % 5 != 0,
                                   land_area_mu=None if i % 7 == 0 else 10.0 + i,
                                   high_tech_cert_until=date(2025, 6, 30) if i % 4 == 0 else None)
        for period in periods.values():
            if rng.random() < 0.15:
                continue                                   # a missing quarter
            status = "approved" if rng.random() < 0.9 else "submitted"
            total = rng.randint(2, 40)
            values = dict(
                gross_output_value=rng.uniform(100, 90000), revenue=rng.uniform(100, 60000),
                value_added=rng.uniform(10, 5000), taxes_paid=rng.uniform(1, 900),
                rd_expenditure=None if rng.random() < 0.1 else rng.uniform(0, 900),
                fixed_asset_investment=rng.uniform(0, 500), electricity_kwh=rng.uniform(1e4, 1e6),
                natural_gas_m3=None if rng.random() < 0.1 else rng.uniform(0, 1e4),
                diesel_t=rng.choice([None, 3.5]), water_withdrawal_m3=rng.uniform(100, 9000),
                water_recycled_m3=rng.choice([None, 700.0]), solid_waste_generated_t=rng.uniform(1, 90),
                solid_waste_utilised_t=rng.uniform(0, 50), employees=rng.randint(5, 1500),
                key_processes_total=total, key_processes_nc=rng.randint(0, total), equipment_total=total * 2,
                equipment_digital=rng.randint(0, total), equipment_networked=rng.randint(0, total),
                recognised_digital_workshops=rng.choice([None, 0, 1]),
                rd_institution_level=rng.choice([None, "none", "municipal", "national"]),
                design_tools=rng.choice([None, [], ["none"], ["cad"], ["cad", "cae"]]),
                systems=rng.choice([None, {}, {k: rng.choice(["none", "partial", "full"])
                                               for k in rng.sample(SYSTEM_KEYS, 4)}]),
                certifications=rng.choice([None, [], ["iso50001"], ["iso14001", "iso50001"]]),
                cloud_level=rng.choice([None, "none", "basic"]), industrial_internet=rng.choice([None, True, False]),
            )
            rep = factories.report(ent, period, status=status, **values)
            if rng.random() < 0.3:
                family = rng.choice(["smart", "green", "sts"])
                scorecard(rep, family, grade=rng.choice(["智能工厂", "数字化车间", None]),
                          passed=rng.choice([True, False, None]))
    factories.enterprise(cluster="health")                 # expected, never reported
    db.session.commit()


@pytest.mark.parametrize("period", ["2025Q4", "2025Q2", "2025YTD3", "2025", "2024Q1"])
def test_window_frames_give_the_same_indicators_as_every_report(app, period):
    from portal.dashboards.indicators import PeriodSpec, select_period
    from portal.dashboards.land import land_efficiency

    _varied_district()
    spec = PeriodSpec.parse(period)
    reports, expected = queries.load_reports(), queries.load_expected()
    windows = queries.load_windows(spec)
    # Two windows (this one and the same one last year), one row per enterprise each.
    assert set(windows[queries.WINDOW_COLUMN]) <= {spec.code, spec.previous_year().code}
    assert not windows.duplicated(["enterprise_id", queries.WINDOW_COLUMN]).any()
    for window in (spec, spec.previous_year()):
        full, summed = select_period(reports, window), select_period(windows, window)
        assert list(summed.index) == list(full.index)
        for column in ("report_id", "n_quarters", "complete", *queries.WINDOW_FLOWS):
            pd.testing.assert_series_equal(summed[column], full[column], check_dtype=False, check_names=False,
                                           rtol=1e-9)
    pd.testing.assert_frame_equal(indicator_table(windows, expected, spec), indicator_table(reports, expected, spec),
                                  rtol=1e-9)
    pd.testing.assert_frame_equal(land_efficiency(windows, spec), land_efficiency(reports, spec), rtol=1e-9)


def test_window_frame_of_a_window_without_periods_is_empty(app):
    from portal.dashboards.indicators import PeriodSpec

    factories.report(factories.enterprise(), factories.period(2025, 4), status="approved", revenue=1.0)
    frame = queries.load_windows(PeriodSpec.of_quarter(2030, 1))
    assert frame.empty and "revenue" in frame.columns
