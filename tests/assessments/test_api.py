"""Public API: family resolution by the report's period end, options, peers, JSON output."""
import json
from datetime import date

import pandas as pd
import pytest

from portal.assessments import (
    FAMILIES,
    InputError,
    assess,
    criteria_for,
    derive,
    framework_codes,
    peer_percentiles,
)
from portal.assessments.peers import size_class


def reports(last_period: str, n: int = 4):
    year, q = int(last_period[:4]), int(last_period[-1])
    out = []
    for _ in range(n):
        out.append({"period": f"{year}Q{q}", "revenue": 1000, "main_business_revenue": 900, "rd_expenditure": 40,
                    "total_assets": 5000, "total_liabilities": 2000, "employees": 80, "rd_personnel": 10})
        q -= 1
        if q == 0:
            year, q = year - 1, 4
    return out


@pytest.mark.parametrize("last, expected", [("2026Q1", {"sts2022", "giant2022"}), ("2026Q2", {"sts2026", "giant2026"})])
def test_the_criteria_in_force_at_the_latest_period_end_are_used(last, expected):
    got = {r.framework for r in assess({}, reports(last), ["sts", "giant"])}
    assert got == expected


@pytest.mark.parametrize("as_of, expected", [(date(2026, 3, 31), "sts2022"), (date(2026, 4, 1), "sts2026")])
def test_explicit_as_of_overrides_the_period_end(as_of, expected):
    [r] = assess({}, reports("2025Q4"), ["sts"], as_of=as_of)
    assert r.framework == expected and r.as_of == as_of


def test_explicit_code_is_used_even_when_not_in_force():
    [r] = assess({}, reports("2026Q3"), ["sts2022"])
    assert r.framework == "sts2022"


def test_no_frameworks_means_every_family_in_force():
    got = {r.framework for r in assess({}, reports("2025Q4"))}
    assert {"sts2022", "innovative2022", "giant2022"} <= got


@pytest.mark.parametrize("name", ["nonsense", "sts1999"])
def test_unknown_framework_is_an_input_error(name):
    with pytest.raises(InputError):
        assess({}, reports("2025Q4"), [name])


def test_family_without_a_set_in_force_is_an_input_error_when_asked_for():
    with pytest.raises(InputError):
        assess({}, reports("2026Q3"), ["innovative"])


def test_families_and_codes_are_listed():
    assert set(FAMILIES) == {"sts", "innovative", "giant", "green", "smart", "cmmm"}
    assert {"sts2022", "sts2026", "innovative2022", "giant2022", "giant2026"} <= set(framework_codes())
    assert criteria_for("giant", date(2026, 4, 1)).code == "giant2026"


def test_incomplete_year_adds_a_note_to_the_result():
    [r] = assess({}, reports("2025Q3", 3), ["sts2022"])
    assert any("折算为全年" in n for n in r.notes)


def test_result_to_dict_is_plain_json():
    results = assess({"cluster": "other"}, reports("2025Q4"))
    text = json.dumps([r.to_dict() for r in results], ensure_ascii=False, allow_nan=False)
    assert "NaN" not in text


def test_assess_does_not_mutate_its_input():
    reps = reports("2025Q4")
    before = json.dumps(reps, sort_keys=True)
    assess({"cluster": "other"}, reps)
    assert json.dumps(reps, sort_keys=True) == before


def test_grid_factor_option_changes_co2():
    a = derive({}, [{"period": "2025Q4", "electricity_kwh": 1000, "natural_gas_m3": 0}])["co2_t"]
    b = derive({}, [{"period": "2025Q4", "electricity_kwh": 1000, "natural_gas_m3": 0}], options={"grid_factor": 0.2268})["co2_t"]
    assert a == pytest.approx(4 * 0.5366) and b == pytest.approx(4 * 0.2268)


@pytest.mark.parametrize("revenue, employees, expected", [
    (50000, 1200, "large"), (50000, 900, "medium"), (2000, 300, "medium"), (1999, 300, "small"),
    (300, 20, "small"), (299, 500, "micro"), (5000, 19, "micro"), (None, 10, None),
])
def test_size_class_follows_the_nbs_industrial_rule(revenue, employees, expected):
    got = size_class(pd.Series([revenue], dtype=float), pd.Series([employees], dtype=float)).iloc[0]
    assert got == expected


def test_peer_percentiles_rank_within_cluster_and_size_class_higher_is_better():
    frame = pd.DataFrame({
        "cluster": ["equipment"] * 4 + ["health"],
        "revenue": [1000, 1000, 1000, 1000, 1000], "employees": [50] * 5,
        "rd_intensity_pct": [1.0, 2.0, 3.0, None, 9.0],
        "debt_ratio_pct": [40.0, 50.0, 60.0, 70.0, 10.0],
    }, index=list("abcde"))
    out = peer_percentiles(frame, ["rd_intensity_pct", "debt_ratio_pct"])
    assert list(out["size_class"]) == ["small"] * 5
    assert out.loc["c", "rd_intensity_pct_pctile"] == 100.0
    assert out.loc["a", "rd_intensity_pct_pctile"] == pytest.approx(33.33, abs=0.01)
    assert pd.isna(out.loc["d", "rd_intensity_pct_pctile"])
    assert out.loc["a", "debt_ratio_pct_pctile"] == 100.0      # lowest debt is best
    assert out.loc["e", "peer_count"] == 1 and out.loc["a", "peer_count"] == 4
