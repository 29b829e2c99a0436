"""Scorecard snapshots, history, the what-if panel, reviewer confirmation and the CLI contract."""
from __future__ import annotations

import json

import factories
import pytest
from sqlalchemy import func, select

from portal.demo.generator import generate
from portal.extensions import db
from portal.models import AuditEvent, Report, Scorecard
from portal.scorecards import services


@pytest.fixture(scope="module")
def demo():
    return generate(seed=7, n_enterprises=3)


def _approved_report(demo, index: int = 0, status: str = "approved"):
    sample = demo.enterprises[index]
    ent = factories.enterprise(**sample.profile)
    last = [r for r in demo.reports if r.enterprise_index == index][-1]
    period = factories.period(last.year, last.quarter)
    report = factories.report(ent, period, status=status, **last.values)
    return report


def test_snapshot_stores_one_current_scorecard_per_family(app, demo):
    report = _approved_report(demo)
    cards = services.snapshot_report(report)
    db.session.commit()
    families = {c.family for c in cards}
    assert {"sts", "giant", "green", "smart"} <= families
    for card in cards:
        assert card.current and card.criteria_version and card.result["framework"] == card.framework
        assert card.result["max_total"] == card.max_total
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "scorecard.snapshot")) is not None


def test_rescoring_keeps_history_and_moves_current(app, demo):
    report = _approved_report(demo)
    first = {c.family: c.id for c in services.snapshot_report(report)}
    report.rd_expenditure = (report.rd_expenditure or 0) * 3 + 500
    second = services.snapshot_report(report)
    db.session.commit()
    assert len(second) == len(first)
    old = db.session.get(Scorecard, first["sts"])
    assert old is not None and old.current is False           # history is never overwritten
    current = db.session.scalars(select(Scorecard).where(Scorecard.report_id == report.id,
                                                         Scorecard.current.is_(True))).all()
    assert len(current) == len(first)


def test_rescore_without_change_adds_nothing(app, demo):
    report = _approved_report(demo)
    services.snapshot_report(report)
    n_reports, added = services.rescore_period(report.period)
    assert (n_reports, added) == (1, 0)


def test_enterprise_cannot_see_another_enterprises_scorecard(app, client, auth, demo):
    report = _approved_report(demo)
    card = services.snapshot_report(report)[0]
    other = factories.user("enterprise")
    db.session.commit()
    auth.login_as(other)
    assert client.get(f"/scorecards/{card.id}").status_code == 404
    assert client.get(f"/scorecards/what-if/{report.id}").status_code == 404


def test_enterprise_sees_its_scorecards_with_breakdown_and_advice(app, client, auth, demo):
    report = _approved_report(demo)
    cards = services.snapshot_report(report)
    owner = factories.user("enterprise", enterprise_obj=report.enterprise)
    db.session.commit()
    auth.login_as(owner)
    overview = client.get("/scorecards/").get_data(as_text=True)
    assert "评价结果" in overview and cards[0].result["framework_name"] in overview
    sts = next(c for c in cards if c.family == "sts")
    page = client.get(f"/scorecards/{sts.id}").get_data(as_text=True)
    assert "评分明细" in page and "标准版本" in page
    if sts.result["recommendations"]:
        assert sts.result["recommendations"][0]["text"] in page


def test_what_if_changes_nothing_in_the_database(app, client, auth, demo):
    report = _approved_report(demo)
    services.snapshot_report(report)
    owner = factories.user("enterprise", enterprise_obj=report.enterprise)
    db.session.commit()
    auth.login_as(owner)
    before = db.session.scalar(select(func.count()).select_from(Scorecard))
    rd_before = report.rd_expenditure
    response = client.post(f"/scorecards/what-if/{report.id}", data={"rd_expenditure": "99999", "revenue": "100000"})
    assert response.status_code == 200 and "试算结果" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Scorecard)) == before
    assert db.session.get(Report, report.id).rd_expenditure == rd_before


def test_what_if_rejects_negative_figures_with_a_chinese_message(app, client, auth, demo):
    report = _approved_report(demo)
    owner = factories.user("enterprise", enterprise_obj=report.enterprise)
    db.session.commit()
    auth.login_as(owner)
    response = client.post(f"/scorecards/what-if/{report.id}", data={"revenue": "-5"})
    assert "不能为负数" in response.get_data(as_text=True)


def test_reviewer_confirms_and_rejects_with_a_note(app, client, auth, demo):
    report = _approved_report(demo)
    cards = services.snapshot_report(report)
    reviewer = factories.user("reviewer")
    db.session.commit()
    auth.login_as(reviewer)
    assert client.get("/scorecards/review").status_code == 200
    client.post(f"/scorecards/{cards[0].id}/review", data={"decision": "confirmed"})
    response = client.post(f"/scorecards/{cards[1].id}/review", data={"decision": "rejected", "note": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Scorecard, cards[0].id).review_state == "confirmed"
    assert db.session.get(Scorecard, cards[1].id).review_state == "pending"   # a rejection needs a note
    client.post(f"/scorecards/{cards[1].id}/review", data={"decision": "rejected", "note": "研发费用口径需核实"})
    db.session.expire_all()
    assert db.session.get(Scorecard, cards[1].id).review_state == "rejected"


def test_scorecard_of_a_submitted_report_cannot_be_confirmed(app, demo):
    report = _approved_report(demo, status="submitted")
    card = services.snapshot_report(report)[0]
    from portal.admin.services import ServiceError
    with pytest.raises(ServiceError):
        services.review_scorecard(card, "confirmed", None, actor=factories.user("reviewer"))


def test_enterprise_cannot_confirm_scorecards(app, client, auth, demo):
    report = _approved_report(demo)
    card = services.snapshot_report(report)[0]
    owner = factories.user("enterprise", enterprise_obj=report.enterprise)
    db.session.commit()
    auth.login_as(owner)
    assert client.post(f"/scorecards/{card.id}/review", data={"decision": "confirmed"}).status_code == 403
    assert client.get("/scorecards/review").status_code == 403


def _input_file(tmp_path, demo, index=0):
    sample = demo.enterprises[index]
    reports = []
    for r in demo.reports:
        if r.enterprise_index == index:
            reports.append({"period": f"{r.year}Q{r.quarter}", **{k: v for k, v in r.values.items() if v is not None}})
    profile = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in sample.profile.items() if v is not None}
    path = tmp_path / "input.json"
    path.write_text(json.dumps({"profile": profile, "reports": reports}, ensure_ascii=False), encoding="utf-8")
    return path


def test_assess_command_prints_the_contract_keys(runner, tmp_path, demo):
    path = _input_file(tmp_path, demo)
    result = runner.invoke(args=["assess", str(path), "--framework", "sts", "--framework", "green2018",
                                 "--as-of", "2025-12-31"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["framework"] for d in data] == ["sts2022", "green2018"]
    for d in data:
        assert {"framework", "criteria_version", "total", "max_total", "grade", "passed", "gates", "items",
                "recommendations"} <= set(d)
        for item in d["items"]:
            assert {"code", "value", "points", "max_points", "provisional"} <= set(item)
        for rec in d["recommendations"]:
            assert {"code", "points_gain", "target_value", "text"} <= set(rec)


def test_assess_command_picks_the_2026_rules_after_april(runner, tmp_path, demo):
    path = _input_file(tmp_path, demo)
    result = runner.invoke(args=["assess", str(path), "--framework", "sts", "--as-of", "2026-04-01"])
    assert json.loads(result.output)[0]["framework"] == "sts2026"


@pytest.mark.parametrize(("content", "fragment"), [
    ('{"profile": {}, "reports": [{"period": "2025Q5"}]}', "reports[0].period"),
    ('{"profile": {"cluster": "nope"}, "reports": []}', "profile.cluster"),
    ("not json", "JSON"),
])
def test_assess_command_rejects_bad_input_without_a_traceback(runner, tmp_path, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["assess", str(path)])
    assert result.exit_code != 0
    assert fragment in result.output and "Traceback" not in result.output


def test_rescore_command_reports_progress(app, runner, demo):
    report = _approved_report(demo)
    db.session.commit()
    result = runner.invoke(args=["rescore", "--period", report.period.label])
    assert result.exit_code == 0, result.output
    assert "新增" in result.output
    assert db.session.scalar(select(func.count()).select_from(Scorecard)) > 0
    bad = runner.invoke(args=["rescore", "--period", "2099Q9"])
    assert bad.exit_code != 0 and "格式" in bad.output


@pytest.mark.parametrize("value", ["2E306", "-2E306", "1e14"])
def test_what_if_refuses_absurdly_large_figures(app, client, auth, demo, value):
    report = _approved_report(demo)
    owner = factories.user("enterprise", enterprise_obj=report.enterprise)
    db.session.commit()
    auth.login_as(owner)
    response = client.post(f"/scorecards/what-if/{report.id}", data={"equipment_total": value, "net_profit": value})
    assert response.status_code == 200 and "数值超出合理范围" in response.get_data(as_text=True)


def test_assess_command_refuses_absurdly_large_figures(runner, tmp_path, demo):
    path = _input_file(tmp_path, demo)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["reports"][-1]["equipment_total"] = 2e306
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["assess", str(path)])
    assert result.exit_code != 0 and "超出合理范围" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- English names

_ZH_NAMES = ("重庆市数字化车间和智能工厂认定", "数字化设备占比", "制造执行系统（MES）", "装备数字化", "全面应用并集成",
             "数字化（数控）生产设备占比")
_EN_NAMES = ("Chongqing digital workshop and smart factory recognition", "Share of digital equipment",
             "Manufacturing execution system (MES)", "Equipment digitalisation", "Fully used and integrated",
             "Share of digital (NC) production equipment", "Smart factory")


def _smart_card(status: str = "approved"):
    """A stored smart-factory snapshot whose codes and labels are those of the shipped smart_cq set."""
    ent = factories.enterprise(name="Acme Machinery")
    report = factories.report(ent, factories.period(2026, 1), status=status)
    card = factories.scorecard(report, family="smart", review_state="pending")
    result = dict(card.result)
    result["gates"] = [{**result["gates"][0], "code": "sf_digital_equipment"}]
    result["items"] = [result["items"][0], {**result["items"][1], "band": "全面应用并集成"}]
    card.result = result
    return report, card


def _as(client, user, lang: str | None) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        if lang:
            session["lang"] = lang


def test_scorecard_page_in_english_shows_the_engines_english_names(app, client):
    report, card = _smart_card()
    owner = factories.user("enterprise", enterprise_obj=report.enterprise)
    db.session.commit()
    _as(client, owner, "en")
    page = client.get(f"/scorecards/{card.id}").get_data(as_text=True)
    for name in _EN_NAMES:
        assert name in page
    assert "≥ 65%" in page                                 # the gate's requirement, English form
    for name in _ZH_NAMES + (">智能工厂<",):
        assert name not in page
    # Sentences the engine composes (advice, details) have no English form: shown as stored.
    assert card.result["recommendations"][0]["text"] in page
    assert card.result["framework_name"] == "重庆市数字化车间和智能工厂认定"     # the snapshot is unchanged
    overview = client.get("/scorecards/").get_data(as_text=True)
    assert _EN_NAMES[0] in overview and "Smart factory" in overview and _ZH_NAMES[0] not in overview


def test_scorecard_page_in_chinese_is_unchanged(app, client):
    report, card = _smart_card()
    owner = factories.user("enterprise", enterprise_obj=report.enterprise)
    db.session.commit()
    _as(client, owner, None)
    page = client.get(f"/scorecards/{card.id}").get_data(as_text=True)
    for name in _ZH_NAMES + ("智能工厂", "≥ 65%"):
        assert name in page
    for name in _EN_NAMES:
        assert name not in page


def test_reviewer_pages_in_english_show_english_framework_and_grade(app, client):
    report, card = _smart_card()
    reviewer = factories.user("reviewer")
    db.session.commit()
    _as(client, reviewer, "en")
    listing = client.get(f"/scorecards/review?period={report.period_id}&state=all").get_data(as_text=True)
    assert _EN_NAMES[0] in listing and "Smart factory" in listing
    assert _ZH_NAMES[0] not in listing and ">智能工厂<" not in listing
    review_page = client.get(f"/review/reports/{report.id}").get_data(as_text=True)
    assert "Smart factory" in review_page and ">智能工厂<" not in review_page


def test_unknown_framework_snapshot_keeps_its_chinese_names(app):
    from portal.scorecards.names import english_result

    stored = {"framework": "retired2010", "framework_name": "旧标准", "grade": "通过", "items": [], "gates": []}
    assert english_result(stored) is stored


def test_what_if_in_english_names_the_frameworks_in_english(app, client, demo):
    from portal.assessments import english_names

    report = _approved_report(demo)
    cards = services.snapshot_report(report)
    owner = factories.user("enterprise", enterprise_obj=report.enterprise)
    db.session.commit()
    _as(client, owner, "en")
    page = client.post(f"/scorecards/what-if/{report.id}", data={"rd_expenditure": "99999"}).get_data(as_text=True)
    for card in cards:
        assert english_names(card.framework).framework in page
        # (a gate's detail sentence may still quote the Chinese name: engine sentences stay as stored)
        assert f"<td>{card.result['framework_name']}</td>" not in page
        assert f"<summary>{card.result['framework_name']} " not in page
