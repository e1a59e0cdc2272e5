"""The interrupted time series (indicators.segmented): the published Sicily reference, hand-worked cases, the
categories the stuurgroep reads, and the calibration goal on simulated series with a known truth."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from trendbreuk.indicators.calibration import break_scenarios, calibrate_breaks
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.segmented import gap_break, gap_breaks, harmonics, segmented_regression

SICILY = Path(__file__).resolve().parents[2] / "shared" / "data" / "its" / "sicily.csv"
needs_sicily = pytest.mark.skipif(not SICILY.exists(), reason=f"the tutorial's data is not at {SICILY}")


@pytest.fixture(scope="module")
def sicily():
    return pd.read_csv(SICILY)


@needs_sicily
def test_the_tutorials_main_model_gives_the_published_rate_ratio(sicily):
    # Lopez Bernal, Cummins & Gasparrini 2017: quasi-Poisson, offset log(stdpop), level change, linear time, two
    # harmonic pairs for season: rate ratio for the ban 0.885 (95% CI 0.839-0.933).
    fit = segmented_regression(
        sicily["time"],
        start=37,
        outcome=sicily["aces"],
        exposure=sicily["stdpop"],
        extra=harmonics(sicily["month"]),
        slope_change=False,
    )
    ban = fit.estimate("level_change")
    assert round(ban["ratio"], 3) == 0.885
    assert round(ban["ratio_lower"], 3) == 0.839
    assert round(ban["ratio_upper"], 3) == 0.933
    assert (fit.n_before, fit.n_after) == (36, 23)


@needs_sicily
def test_the_tutorials_model_with_a_change_of_slope(sicily):
    # The tutorial writes the slope model as aces ~ offset(log(stdpop)) + smokban*time + harmonic(month, 2, 12):
    # the interaction is the change of slope, and smokban the change of level at time 0. Fitted here through a
    # formula (patsy) as R would, the workbook's parameterisation must give the same slope change, the level change
    # at the ban (smokban + 37 x interaction), and the dispersion as Pearson's X2 / (n - p) by hand.
    data = sicily.join(harmonics(sicily["month"]))
    reference = smf.glm(
        "aces ~ smokban * time + sin1 + cos1 + sin2 + cos2",
        data=data,
        family=sm.families.Poisson(),
        offset=np.log(data["stdpop"]),
    ).fit(scale="X2")
    fit = segmented_regression(
        sicily["time"],
        start=37,
        outcome=sicily["aces"],
        exposure=sicily["stdpop"],
        extra=harmonics(sicily["month"]),
        slope_change=True,
    )
    b = reference.params
    assert fit.estimate("slope_change")["estimate"] == pytest.approx(b["smokban:time"], rel=1e-6)
    assert fit.estimate("level_change")["estimate"] == pytest.approx(b["smokban"] + 37 * b["smokban:time"], rel=1e-6)
    assert fit.estimate("slope_change")["se"] == pytest.approx(reference.bse["smokban:time"], rel=1e-6)
    mu = reference.fittedvalues
    assert fit.dispersion == pytest.approx(float((((data["aces"] - mu) ** 2) / mu).sum()) / (59 - 8), rel=1e-6)
    # and the counterfactual at the last month is the course before continued, on the rate scale
    course = fit.course([59.0])
    level, slope = fit.estimate("level")["estimate"], fit.estimate("slope")["estimate"]
    assert course["counterfactual"].iloc[0] == pytest.approx(np.exp(level + slope * (59 - 37)))


def _broken_line(years, *, start=2018, level=2.0, slope=0.1, jump=-0.5, bend=-0.2):
    x = np.asarray(years, dtype=float) - start
    after = x >= 0
    return level + slope * x + jump * after + bend * x * after


def test_a_series_exactly_on_a_broken_line_gives_its_coefficients_and_the_hand_worked_interval():
    # 4 points before (2014-2017) and 4 from 2018 on (2018-2021), each with standard error 0.1. The four
    # coefficients amount to two separate straight lines, so var(slope change) = s^2 (1/Sxx_before + 1/Sxx_after)
    # = 0.01 (1/5 + 1/5) = 0.004 (Sxx of four consecutive years is 5); with no residual spread the interval is
    # +- t(0.975; 8 - 4 = 4 df) x sqrt(0.004) = 2.7764 x 0.063246 = 0.17560.
    years = np.arange(2014, 2022)
    fit = segmented_regression(years + 0.0, start=2018, outcome=_broken_line(years), se=np.full(8, 0.1))
    table = fit.estimates.set_index("term")
    assert table["estimate"].to_dict() == pytest.approx(
        {"level": 2.0, "slope": 0.1, "level_change": -0.5, "slope_change": -0.2}, abs=1e-10
    )
    assert table.loc["slope_change", "se"] == pytest.approx(np.sqrt(0.004), rel=1e-9)
    half = table.loc["slope_change", "upper"] - table.loc["slope_change", "estimate"]
    assert half == pytest.approx(2.776445 * 0.0632456, rel=1e-5)
    assert half == pytest.approx(stats.t.ppf(0.975, 4) * np.sqrt(0.004), rel=1e-12)


def _indicator(**changes) -> Indicator:
    base = dict(
        id="x",
        title="x",
        unit="%",
        polarity="lower_is_better",
        life_phase="Kansrijke Start",
        statistic="proportion",
        ci_method="wilson",
        source={},
        publication_lag=1,
    )
    return Indicator(**(base | changes))


def _gap_rows(years, gaps, se=0.1, **columns) -> pd.DataFrame:
    years = np.asarray(years)
    return pd.DataFrame(
        {
            "region": "ZL",
            "indicator": "x",
            "area_code": "GM0917",
            "area_name": "Heerlen",
            "benchmark": "rest_nl",
            "year_start": years,
            "year_end": years,
            "t": years + 0.0,
            "gap": gaps,
            "gap_lower": np.asarray(gaps) - 1.959964 * se,
            "gap_upper": np.asarray(gaps) + 1.959964 * se,
            **columns,
        }
    )


def test_categories_follow_the_direction_of_the_gaps_slope_change():
    years = np.arange(2012, 2025)
    closing = gap_break(_gap_rows(years, _broken_line(years, bend=-0.2)), _indicator())
    assert closing["category"] == "zichtbaar"
    assert closing["slope_after"] == pytest.approx(-0.1, abs=1e-9)
    widening = gap_break(_gap_rows(years, _broken_line(years, bend=+0.2)), _indicator())
    assert widening["category"] == "verslechterd"
    straight = gap_break(_gap_rows(years, _broken_line(years, bend=0.0, jump=-0.5)), _indicator())
    assert straight["category"] == "onveranderd"  # a jump alone is not a break of the trend
    # For an indicator where higher is better the gap is already oriented (positive = behind): same rule.
    assert (
        gap_break(_gap_rows(years, _broken_line(years, bend=-0.2)), _indicator(polarity="higher_is_better"))["category"]
        == "zichtbaar"
    )


def test_too_few_years_says_what_is_missing_and_when_it_comes():
    # 4 yearly points before 2018 and 2 from it on (2018, 2019): two more are needed, the figures up to 2021,
    # published a year later (publication_lag 1).
    rows = _gap_rows(range(2014, 2020), _broken_line(range(2014, 2020)))
    result = gap_break(rows, _indicator())
    assert result["category"] == "te_weinig"
    assert (result["points_before"], result["points_after"]) == (4, 2)
    assert (result["data_until"], result["known_in"]) == (2021, 2022)
    # Survey rounds every 4 years: 2012 and 2016 before the start can never become 4.
    survey = gap_break(
        _gap_rows([2012, 2016, 2020, 2022], [1.0, 1.0, 1.0, 1.0]),
        _indicator(statistic="survey", ci_method="source", survey_interval=2),
    )
    assert survey["category"] == "te_weinig" and np.isnan(survey["data_until"])


def test_the_comparable_year_and_a_wijks_series_start_drop_earlier_points():
    years = np.arange(2012, 2025)
    rows = _gap_rows(years, _broken_line(years))
    assert gap_break(rows, _indicator(comparable_from=2015))["points_before"] == 3
    assert gap_break(rows.assign(series_start=2016), _indicator())["points_before"] == 2


def test_gap_breaks_runs_over_areas_and_leaves_out_indicators_outside_the_catalogue():
    years = np.arange(2012, 2025)
    rows = pd.concat(
        [
            _gap_rows(years, _broken_line(years)),
            _gap_rows(years, _broken_line(years, bend=0.0)).assign(area_code="GM0935", area_name="Maastricht"),
            _gap_rows(years, _broken_line(years)).assign(indicator="unknown"),
        ]
    )
    table = gap_breaks(rows, {"x": _indicator()})
    assert table.set_index("area_code")["category"].to_dict() == {"GM0917": "zichtbaar", "GM0935": "onveranderd"}


def test_estimates_need_standard_errors_or_counts_an_exposure():
    with pytest.raises(ValueError, match="either exposure"):
        segmented_regression([1, 2, 3, 4, 5, 6], start=4, outcome=[1, 2, 3, 4, 5, 6])
    with pytest.raises(ValueError, match="more points than terms"):
        segmented_regression([1, 2, 3, 4], start=3, outcome=[1, 2, 3, 4], se=[1, 1, 1, 1])


@pytest.fixture(scope="module")
def calibration():
    return calibrate_breaks(full=False, runs=300, seed=7).set_index("scenario")


def test_a_false_trendbreuk_when_nothing_changed_is_at_most_five_percent(calibration):
    nulls = calibration[calibration["slope_change"] == 0]
    assert len(nulls) == 4  # two sizes, with and without a fluctuation between years
    assert (nulls["zichtbaar"] <= 0.05).all(), nulls["zichtbaar"]
    assert (nulls["verslechterd"] <= 0.05).all(), nulls["verslechterd"]


def test_a_real_break_is_seen_where_the_counts_allow_it(calibration):
    # A register indicator of 40.000 inhabitants (standard error of a year's gap about 0,13 point) whose gap turns
    # 0,2 point a year faster from 2018: with the figures up to 2024 it is seen most of the time, and the estimate
    # is unbiased; at 1.000 births a year (standard error about 0,8 point) it mostly is not, and the reports say so.
    register = calibration.loc[[n for n in calibration.index if n.startswith("registratie") and "-0,2" in n]]
    births = calibration.loc[[n for n in calibration.index if n.startswith("geboorten") and "-0,2" in n]]
    assert register["zichtbaar"].iloc[0] >= 0.8
    assert register["mean_estimate"].iloc[0] == pytest.approx(-0.2, abs=0.02)
    assert births["zichtbaar"].iloc[0] < 0.2
    assert (calibration["coverage"] >= 0.9).all()


def test_the_scenarios_cover_both_sizes_and_years():
    full = break_scenarios(full=True)
    assert {s.level for s in full} == {"gemeente", "regio"}
    assert {max(s.years) for s in full} == {2021, 2024, 2027}


def test_the_sentences_for_the_stuurgroep():
    from trendbreuk.reports.breaks import break_sentence

    base = {
        "start": 2018,
        "level": 1.2,
        "slope": 0.05,
        "slope_after": -0.25,
        "slope_change": -0.30,
        "slope_change_lower": -0.45,
        "slope_change_upper": -0.15,
        "category": "zichtbaar",
    }
    assert break_sentence(base, _indicator(), "Heerlen", "de rest van Nederland") == (
        "Sinds 2018 verloopt de achterstand van Heerlen op de rest van Nederland gunstiger dan daarvoor: vóór 2018 "
        "groeide hij met 0,05 procentpunt per jaar, sinds 2018 krimpt hij met 0,25 procentpunt per jaar. Die "
        "verbetering van 0,30 procentpunt per jaar (marge 0,15 tot 0,45) is groter dan toeval."
    )
    unchanged = base | {
        "category": "onveranderd",
        "slope_after": 0.0,
        "slope_change": -0.05,
        "slope_change_lower": -0.2,
        "slope_change_upper": 0.1,
    }
    assert break_sentence(unchanged, _indicator(), "Heerlen", "de rest van Nederland").endswith(
        "sinds 2018 blijft hij ongeveer gelijk. De verandering ligt ergens tussen 0,20 procentpunt per jaar gunstiger "
        "en 0,10 procentpunt per jaar ongunstiger; dat kan toeval zijn."
    )
    few = {
        "start": 2018,
        "category": "te_weinig",
        "points_before": 4,
        "points_after": 1,
        "needed_before": 4,
        "needed_after": 4,
        "data_until": 2024,
        "known_in": 2025,
    }
    assert break_sentence(few, _indicator(), "Heerlen", "de rest van Nederland") == (
        "Er zijn 4 metingen van vóór 2018 en 1 meting vanaf 2018; voor een oordeel over een trendbreuk zijn er minstens "
        "4 vóór en 4 vanaf 2018 nodig. Met de cijfers tot en met 2024, die naar verwachting in 2025 verschijnen, kan het "
        "wel."
    )


def test_an_areas_own_value_follows_the_indicators_polarity():
    from trendbreuk.indicators.segmented import value_break

    years = np.arange(2012, 2025)
    rising = 50 + _broken_line(years, level=0.0, slope=0.0, jump=0.0, bend=+0.5)  # faster up from 2018
    rows = pd.DataFrame(
        {
            "year_start": years,
            "year_end": years,
            "period": years.astype(str),
            "value": rising,
            "lower_ci": rising - 1.96 * 0.2,
            "upper_ci": rising + 1.96 * 0.2,
            "numerator": np.nan,
            "denominator": np.nan,
        }
    )
    survey = dict(statistic="survey", ci_method="source")
    assert value_break(rows, _indicator(polarity="higher_is_better", **survey))["category"] == "zichtbaar"
    assert value_break(rows, _indicator(**survey))["category"] == "verslechterd"
    assert value_break(rows, _indicator(**survey))["slope_change"] == pytest.approx(0.5, abs=1e-9)
