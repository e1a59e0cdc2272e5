"""Age standardisation (trendbreuk.indicators.standardise) against a published example and small cases worked out
by hand."""

import numpy as np
import pandas as pd
import pytest

from trendbreuk.indicators.standardise import (
    age_part_of_gap,
    ageing_change,
    direct_standardised_rate,
    indirectly_standardised_ratio,
    standard_weights,
    standardised_estimate,
    standardised_estimates,
)


def test_the_directly_standardised_rate_of_a_published_example():
    """Fleiss (1981), Table 14.4, also Fay & Feuer (1997) Table II: Down's syndrome among births of birth order 5+,
    Michigan 1950-1964, by maternal age, standardised to all births. Published: 75.52901 per 100,000 (the
    estimate dsrTest's vignette prints for this example)."""
    cases = [0, 8, 63, 112, 262, 295]
    births_order_5 = [327, 30666, 123419, 149919, 104088, 34392]
    all_births = [319933, 931318, 786511, 488235, 237863, 61313]
    result = direct_standardised_rate(cases, births_order_5, all_births, multiplier=1e5)
    assert result.value == pytest.approx(75.52901, abs=5e-6)
    assert result.lower < result.value < result.upper


def test_dobsons_interval_by_hand():
    """Two age bands: 20 events in 1000 people and 30 in 500; standard 600 and 400.
    DSR = (0.6 x 0.02 + 0.4 x 0.06) = 0.036 -> 3.6 per 100.
    var = (0.6/1000)^2 x 20 + (0.4/500)^2 x 30 = 7.2e-6 + 19.2e-6 = 26.4e-6; O = 50, sqrt(var/O) = 7.26636e-4.
    Byar for O = 50: lower 50 (1 - 1/450 - 1.959964/(3 sqrt 50))^3 = 37.1081, upper 51 (1 - 1/459 + 1.959964/(3 sqrt
    51))^3 = 65.9202. Limits 0.036 + 7.26636e-4 x (37.1081 - 50) = 0.026632 and 0.036 + 7.26636e-4 x 15.9202 =
    0.047568: 2.663 to 4.757 per 100."""
    result = direct_standardised_rate([20, 30], [1000, 500], [600, 400], multiplier=100)
    assert result.value == pytest.approx(3.6)
    assert result.lower == pytest.approx(2.6632, abs=1e-4)
    assert result.upper == pytest.approx(4.7568, abs=1e-4)


def test_with_a_standard_proportional_to_the_area_dobson_is_the_crude_rates_own_interval():
    """Dobson et al. (1991): the interval is exact when the standard population is proportional to the study
    population; the DSR is then the crude rate and its limits those of the count (here Byar's) over the population.
    Byar for 120 events (Breslow & Day): 120 (1 - 1/1080 - 1.959964/(3 sqrt 120))^3 = 99.49."""
    result = direct_standardised_rate([40, 80], [2000, 1000], [4, 2], multiplier=1)
    assert result.value == pytest.approx(120 / 3000)
    z = 1.959964
    lower = 120 * (1 - 1 / 1080 - z / (3 * np.sqrt(120))) ** 3
    assert lower == pytest.approx(99.49, abs=0.01)
    assert result.lower == pytest.approx(lower / 3000, rel=1e-6)


def test_below_ten_events_there_is_no_standardised_rate():
    result = direct_standardised_rate([3, 4], [1000, 1000], [1, 1])
    assert np.isnan(result.value) and "minder dan 10" in result.reason


def test_a_survey_estimate_standardised_over_two_age_strata_by_hand():
    """18-64: 30% (25-35), 65+: 20% (16-24); standard shares 0.7 and 0.3.
    p = 0.7 x 30 + 0.3 x 20 = 27. SE from the margins: 10 / 3.919928 = 2.5511 and 8 / 3.919928 = 2.0409;
    SE = sqrt(0.49 x 2.5511^2 + 0.09 x 2.0409^2) = 1.8878; 27 -/+ 1.959964 x 1.8878 = 23.30 to 30.70."""
    result = standardised_estimate([30, 20], [25, 16], [35, 24], [0.7, 0.3])
    assert (result.value, round(result.lower, 2), round(result.upper, 2)) == (pytest.approx(27.0), 23.30, 30.70)
    assert np.isnan(standardised_estimate([30, np.nan], [25, np.nan], [35, np.nan], [0.7, 0.3]).value)


def test_many_areas_at_once_give_the_same_as_one_at_a_time():
    strata = pd.DataFrame(
        {
            "area_code": ["A", "A", "B", "B", "C"],
            "stratum": ["jong", "oud"] * 2 + ["jong"],
            "value": [30, 20, 10, 40, 12],
            "lower_ci": [25, 16, 8, 30, 10],
            "upper_ci": [35, 24, 12, 50, 14],
        }
    )
    out = standardised_estimates(strata, {"jong": 0.7, "oud": 0.3}, ["area_code"]).set_index("area_code")
    assert out.loc["A", "value"] == pytest.approx(27.0) and round(out.loc["A", "lower_ci"], 2) == 23.30
    assert out.loc["B", "value"] == pytest.approx(0.7 * 10 + 0.3 * 40)
    assert (
        np.isnan(out.loc["C", "value"])
        and out.loc["C", "missing_reason"] == "niet voor elke leeftijdsgroep een schatting"
    )


def test_the_indirectly_standardised_ratio_by_hand():
    """30 events where the reference's rates (1% and 0.5%) expect 1000 x 0.01 + 2000 x 0.005 = 20: ratio 150.
    Byar's limits for 30 are 20.24 and 42.83 (the exact Poisson limits in published tables are 20.24 and 42.83),
    so 101.2 to 214.1."""
    result, expected = indirectly_standardised_ratio(30, [1000, 2000], [0.01, 0.005])
    assert expected == pytest.approx(20.0) and result.value == pytest.approx(150.0)
    assert (round(result.lower, 1), round(result.upper, 1)) == (101.2, 214.1)


def test_standard_weights_add_single_years_of_age_into_bands():
    ages = pd.Series({17: 10, 18: 20, 64: 30, 65: 40, 95: 50})  # 95 stands for "95 jaar of ouder"
    weights = standard_weights(ages, {"18-64": (18, 65), "65+": (65, None)})
    assert weights == {"18-64": pytest.approx(50 / 140), "65+": pytest.approx(90 / 140)}
    with pytest.raises(ValueError, match="nobody aged 100"):
        standard_weights(ages, {"100+": (100, None)})


def test_the_part_of_a_gap_that_is_age():
    """The issue's sentence: 0,8 instead of 1,3 points, so (1,3 - 0,8) / 1,3 = 38% ("ongeveer 40%"); a gap that
    the correction turns around has no such share."""
    share = age_part_of_gap([1.3, 1.3, -0.1, 0.0], [0.8, -0.2, 0.2, 0.5])
    assert share[0] == pytest.approx(0.5 / 1.3)
    assert np.isnan(share[1:]).all()


def test_ageing_moves_a_crude_value_by_the_shift_in_age_shares():
    """18-64: 20%, 65+: 10%; the 65+ share of adults goes from 30% to 40%: the crude value falls from 17 to 16."""
    assert ageing_change([20, 10], [0.7, 0.3], [0.6, 0.4]) == pytest.approx(-1.0)


def test_age_groups_are_split_in_proportion_to_their_years():
    """KWB groups 0-15: 100, 15-25: 50, 25-45: 200, 45-65: 150, 65+: 120. Adults 18-64 take 7 of the 10 years of
    15-25: 35 + 200 + 150 = 385; 65+: 120."""
    from trendbreuk.indicators.standardise import regroup_ages

    groups = pd.DataFrame(
        {
            "area": "A",
            "age_from": [0, 15, 25, 45, 65],
            "age_to": [15, 25, 45, 65, np.nan],
            "inhabitants": [100, 50, 200, 150, 120],
        }
    )
    out = regroup_ages(groups, {"18-64": (18, 65), "65+": (65, None)}, ["area"]).set_index("stratum")["inhabitants"]
    assert out.to_dict() == {"18-64": pytest.approx(385.0), "65+": pytest.approx(120.0)}
    with pytest.raises(ValueError, match="cuts an open age group"):
        regroup_ages(groups, {"80+": (80, None)}, ["area"])


def test_a_share_is_projected_on_its_recent_straight_line():
    """Shares 0.20, 0.21, 0.22 in 2020-2022 rise 0.01 a year: 0.30 in 2030. Two years are too few."""
    from trendbreuk.indicators.standardise import project_shares

    shares = pd.DataFrame(
        {"area": ["A"] * 3 + ["B"] * 2, "year": [2020, 2021, 2022, 2021, 2022], "share": [0.20, 0.21, 0.22, 0.3, 0.3]}
    )
    out = project_shares(shares, ["area"], 2030)
    assert list(out["area"]) == ["A"] and out["share"].iloc[0] == pytest.approx(0.30)
    assert out["basis"].iloc[0] == "trend 2020-2022 doorgetrokken"
