"""assess() and summarise_basket() on a hand-made series whose outcome is known."""

import pandas as pd
import pytest

from trendbreuk.indicators.assess import assess, summarise_basket
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.gap import calculate_gaps
from trendbreuk.indicators.proportions import calculate_proportion

IND = {
    "x": Indicator(
        id="x",
        title="X",
        unit="%",
        polarity="lower_is_better",
        life_phase="Kansrijke Start",
        statistic="proportion",
        ci_method="wilson",
        source={},
        multiplier=100,
        target_basket=True,
        publication_lag=1,
        min_count=5,
    )
}


def _values(area_rates, bench_rate=0.10, n=1_000_000):
    rows = []
    for year, rate in zip(range(2018, 2025), area_rates):
        for code, level, r in (("ZL", "regio", rate), ("rest_nl", "rest_nl", bench_rate)):
            rows.append(
                {
                    "region": "r",
                    "indicator": "x",
                    "area_level": level,
                    "area_code": code,
                    "area_name": code,
                    "period": str(year),
                    "year_start": year,
                    "year_end": year,
                    "numerator": round(r * n),
                    "denominator": n,
                }
            )
    frame = pd.DataFrame(rows)
    values = calculate_proportion(frame)
    strict = calculate_proportion(frame, confidence=0.998)
    values["lower_ci_998"], values["upper_ci_998"] = strict["lower_ci"], strict["upper_ci"]
    return values


def _assess(area_rates):
    values = _values(area_rates)
    return assess(values, calculate_gaps(values, IND, "rest_nl"), IND).set_index("area_code").loc["ZL"]


def test_a_gap_closing_fast_with_large_numbers():
    # 12.0% -> 11.4% in steps of 0.1 pp against a flat 10%: gap 2.0 -> 1.4 pp, 30% closed (target 25% by 2030).
    row = _assess([0.120, 0.119, 0.118, 0.117, 0.116, 0.115, 0.114])
    assert row["baseline_period"] == "2018" and row["baseline_gap"] == pytest.approx(2.0)
    assert row["latest_gap"] == pytest.approx(1.4) and row["share_closed"] == pytest.approx(0.3)
    assert row["target_gap_2030"] == pytest.approx(1.5)
    assert row["gap_change"] == pytest.approx(-0.6)
    assert row["change_due_to_area"] == pytest.approx(-0.6) and row["change_due_to_benchmark"] == pytest.approx(0)
    assert row["projected_gap_2030"] == pytest.approx(0.8, abs=1e-6)  # 2.0 - 0.1 x 12
    assert row["verdict"] == "doel_bereikt"
    assert row["comparison"] == "slechter" and row["comparison_level"] == "99,8%"
    assert row["trend"] == "dalend" and row["trend_meaning"] == "verbetert"
    assert row["year_known"] == 2031  # yearly data up to 2024, 1 year lag


def test_a_widening_gap():
    row = _assess([0.120, 0.121, 0.122, 0.123, 0.124, 0.125, 0.126])
    assert row["verdict"] == "achterstand_groeit"
    assert row["trend_meaning"] == "verslechtert"


def test_basket_summary_counts_and_expected_chance_flags():
    values = _values([0.120, 0.119, 0.118, 0.117, 0.116, 0.115, 0.114])
    assessments = assess(values, calculate_gaps(values, IND, "rest_nl"), IND)
    summary = summarise_basket(assessments).set_index(["area_code", "life_phase"])
    overall = summary.loc[("ZL", "Alle levensfasen")]
    assert overall["indicators"] == 1 and overall["n_doel_bereikt"] == 1
    assert overall["n_differences_95"] == 1 and overall["expected_by_chance_95"] == pytest.approx(0.05)
    assert overall["median_share_closed"] == pytest.approx(0.3)


def test_without_a_figure_for_the_start_the_reason_says_why():
    """Baseline 2018. A series that begins in 2020 says so; one whose 2018 figure is missing (a hidden cell) names
    the start year; with no figure at all it says that."""
    late = _values([0.120] * 7)
    late = late[~((late["area_code"] == "ZL") & late["year_start"].isin([2018, 2019]))]
    row = assess(late, calculate_gaps(late, IND, "rest_nl"), IND).set_index("area_code").loc["ZL"]
    assert row["verdict"] == "onvoldoende_gegevens"
    assert row["verdict_reason"] == "geen startwaarde: de reeks begint pas in 2020, na het startjaar 2018"
    hidden = _values([0.120] * 7)
    start = (hidden["area_code"] == "ZL") & (hidden["year_start"] == 2018)
    hidden.loc[start, ["value", "lower_ci", "upper_ci", "lower_ci_998", "upper_ci_998"]] = float("nan")
    row = assess(hidden, calculate_gaps(hidden, IND, "rest_nl"), IND).set_index("area_code").loc["ZL"]
    assert row["verdict_reason"] == "geen startwaarde: geen cijfer over het startjaar 2018"
    empty = _values([0.120] * 7)
    empty.loc[empty["area_code"] == "ZL", ["value", "lower_ci", "upper_ci", "lower_ci_998", "upper_ci_998"]] = float(
        "nan"
    )
    row = assess(empty, calculate_gaps(empty, IND, "rest_nl"), IND).set_index("area_code").loc["ZL"]
    assert row["verdict_reason"] == "geen startwaarde: geen cijfers"
