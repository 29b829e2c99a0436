"""The version-keyed cache: views recompute after an approval, not on every page view."""
from __future__ import annotations

import re

import factories
import pytest

from portal.dashboards import cache, indicators, queries
from portal.extensions import db
from portal.review import workflow


@pytest.fixture
def counted(monkeypatch):
    """Count calls of the indicator table and of the frame loaders behind every view (the
    overview reads its window through ``load_windows``; trends read ``load_window_rows`` per quarter)."""
    calls = {"table": 0, "load": 0, "version": 0}
    real_table, real_version = indicators.indicator_table, queries.data_version
    real_loads = {name: getattr(queries, name) for name in ("load_reports", "load_windows")}

    def table(*args, **kwargs):
        calls["table"] += 1
        return real_table(*args, **kwargs)

    def loader(name):
        def load(*args, **kwargs):
            calls["load"] += 1
            return real_loads[name](*args, **kwargs)
        return load

    def version():
        calls["version"] += 1
        return real_version()

    monkeypatch.setattr(indicators, "indicator_table", table)
    for name in real_loads:
        monkeypatch.setattr(queries, name, loader(name))
    monkeypatch.setattr(queries, "data_version", version)
    return calls


@pytest.fixture
def setup(app):
    period = factories.period(2025, 4)
    first = factories.report(factories.enterprise(), period, status="approved", gross_output_value=10000.0)
    pending = factories.report(factories.enterprise(), period, status="submitted", gross_output_value=30000.0)
    reviewer = factories.user("reviewer")
    db.session.commit()
    return {"first": first, "pending": pending, "reviewer": reviewer}


def _output_cell(html: str) -> str:
    """The overview's value cell of 规上先进制造业工业总产值 (亿元)."""
    return re.search(r'data-code="advanced_mfg_output".*?class="num value">([^<]*)<', html, re.S).group(1)


def test_two_views_without_change_compute_once(client, auth, setup, counted):
    auth.login_as(setup["reviewer"])
    first = client.get("/dashboards/").get_data(as_text=True)
    second = client.get("/dashboards/").get_data(as_text=True)
    assert first == second
    assert counted["table"] == 1 and counted["load"] == 1
    assert counted["version"] == 2          # one cheap version query per request


def test_approving_a_report_changes_the_version_and_the_next_view(client, auth, setup, counted):
    auth.login_as(setup["reviewer"])
    before_version = queries.data_version()
    assert _output_cell(client.get("/dashboards/").get_data(as_text=True)) == "1"      # 10000 万元 = 1 亿元
    workflow.approve(setup["pending"], actor=setup["reviewer"])
    db.session.commit()
    assert queries.data_version() != before_version
    assert _output_cell(client.get("/dashboards/").get_data(as_text=True)) == "4"      # + 30000 万元
    assert counted["table"] == 2 and counted["load"] == 2


def test_amending_an_approved_report_drops_it_from_the_next_view(client, auth, setup):
    auth.login_as(setup["reviewer"])
    enterprise_user = factories.user("enterprise", enterprise_obj=setup["first"].enterprise)
    workflow.approve(setup["pending"], actor=setup["reviewer"])
    db.session.commit()
    assert _output_cell(client.get("/dashboards/").get_data(as_text=True)) == "4"
    workflow.request_amendment(setup["first"], "数据录入有误需要更正", actor=enterprise_user)
    workflow.allow_amendment(setup["first"], actor=setup["reviewer"])
    db.session.commit()
    assert _output_cell(client.get("/dashboards/").get_data(as_text=True)) == "3"    # only the other one


def test_each_app_has_its_own_cache(make_app, setup):
    one, two = make_app(), make_app()
    assert one.extensions[cache.EXTENSION_KEY] is not two.extensions[cache.EXTENSION_KEY]


def test_lru_cache_is_bounded_and_evicts_least_recently_used():
    lru = cache.LRUCache(2)
    computed = []

    def value(key):
        def compute():
            computed.append(key)
            return key * 10
        return compute

    assert lru.get_or_compute("a", value("a")) == "a" * 10
    lru.get_or_compute("b", value("b"))
    lru.get_or_compute("a", value("a"))        # a is now the most recent
    lru.get_or_compute("c", value("c"))        # evicts b
    assert len(lru) == 2 and "b" not in lru and "a" in lru
    lru.get_or_compute("b", value("b"))
    assert computed == ["a", "b", "c", "b"]
    assert (lru.hits, lru.misses) == (1, 4)


def test_lru_cache_size_must_be_positive():
    with pytest.raises(ValueError):
        cache.LRUCache(0)


def test_cache_size_comes_from_config(make_app):
    app = make_app(DASHBOARD_CACHE_SIZE=3)
    assert app.extensions[cache.EXTENSION_KEY].tables.maxsize == 3
