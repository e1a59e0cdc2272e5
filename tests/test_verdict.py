"""Comparison, trend, projection and verdict: hand-worked cases and simulated series with known truths."""

import math

import numpy as np
import pytest

from trendbreuk.indicators.verdict import (Projection, compare_with_benchmark, decompose, project_gap, recent_trend,
                                           verdict, year_known)


@pytest.mark.parametrize("benchmark, expected", [
    (10.0, ("gelijk", "")), (7.5, ("slechter", "95%")), (5.0, ("slechter", "99,8%")), (14.0, ("beter", "99,8%")),
])
def test_compare_with_benchmark_lower_is_better(benchmark, expected):
    # Area 10% with 95% interval 8-12 and 99.8% interval 6.8-13.2.
    assert compare_with_benchmark(10, 8, 12, 6.8, 13.2, benchmark, higher_is_better=False) == expected


def test_compare_respects_polarity_and_thin_data():
    assert compare_with_benchmark(10, 8, 12, 6.8, 13.2, 5.0, higher_is_better=True) == ("beter", "99,8%")
    assert compare_with_benchmark(10, 8, 12, 6.8, 13.2, 5.0, higher_is_better=True, enough_data=False)[0] == "niet_te_beoordelen"
    assert compare_with_benchmark(math.nan, 8, 12, 6.8, 13.2, 5.0, higher_is_better=True)[0] == "niet_te_beoordelen"


def test_projection_of_an_exact_line_by_hand():
    # Gap 2.0 at 2017, 1.7 at 2020, 1.4 at 2023 (slope -0.1/yr): 2030 -> 0.7; target 1.5 -> certainly met.
    p = project_gap([2017, 2020, 2023], [2.0, 1.7, 1.4], [0.1, 0.1, 0.1], t_baseline=2017)
    assert p.gap_2030 == pytest.approx(0.7)
    assert p.baseline_fit == pytest.approx(2.0)
    assert p.slope == pytest.approx(-0.1)
    # No lack of fit: SE from sampling only. Var(a) at 2030 = sum(w(t-2030)^2)/(sum w sum w(t-2030)^2 - (sum w(t-2030))^2)
    # with w = 100: t-2030 = -13, -10, -7 -> S0 = 300, S1 = -3000, S2 = 31800 -> var = 31800/(300*31800 - 9e6) = 0.05889
    assert p.se == pytest.approx(math.sqrt(0.0588888), abs=1e-6)
    assert p.probability > 0.99


def test_too_few_points_give_no_projection():
    assert project_gap([2017, 2020], [2.0, 1.7], [0.1, 0.1], t_baseline=2017) is None
    assert verdict(2.0, 1.7, 1.5, None) == ("onvoldoende_gegevens", "minder dan 3 meetpunten vanaf de start")


def test_verdict_edges():
    assert verdict(None, 1.0, None, None)[0] == "onvoldoende_gegevens"
    assert verdict(-0.5, 0.2, None, None)[0] == "geen_achterstand"
    on = Projection(gap_2030=0.5, se=0.1, baseline_fit=2.0, slope=-0.1, slope_se=0.01, probability=0.99, points=5)
    assert verdict(2.0, 1.0, 1.5, on)[0] == "doel_bereikt"
    assert verdict(2.0, 1.8, 1.5, on)[0] == "op_koers"
    growing = Projection(gap_2030=3.0, se=0.2, baseline_fit=2.0, slope=0.1, slope_se=0.02, probability=0.0, points=5)
    assert verdict(2.0, 2.5, 1.5, growing)[0] == "achterstand_groeit"
    flat = Projection(gap_2030=2.0, se=0.1, baseline_fit=2.0, slope=0.0, slope_se=0.02, probability=0.0, points=5)
    assert verdict(2.0, 2.0, 1.5, flat)[0] == "versnelling_nodig"
    unsure = Projection(gap_2030=1.5, se=1.0, baseline_fit=2.0, slope=-0.04, slope_se=0.05, probability=0.5, points=3)
    assert verdict(2.0, 1.8, 1.5, unsure)[0] == "onvoldoende_gegevens"


def _simulate(share_closed_by_2030, rng, *, baseline_gap=2.5, se=0.1, years=range(2018, 2025)):
    t = np.array(list(years), dtype=float)
    truth = baseline_gap * (1 - share_closed_by_2030 * (t - 2018) / 12)
    observed = truth + rng.normal(0, se, len(t))
    return t, observed, np.full(len(t), se)


def test_a_series_closing_forty_percent_is_mostly_on_track():
    # Yearly points 2018-2024 with SE 0.1 pp (a region of ~90.000 children, p ~ 8%), truth closing 40% by 2030.
    rng = np.random.default_rng(1)
    results = []
    for _ in range(300):
        t, gap, se = _simulate(0.40, rng)
        target = 0.75 * gap[0]
        results.append(verdict(gap[0], gap[-1], target, project_gap(t, gap, se, t_baseline=t[0]))[0])
    on_track = sum(r in ("op_koers", "doel_bereikt") for r in results) / len(results)
    assert on_track > 0.7


def test_a_widening_series_is_never_on_track():
    rng = np.random.default_rng(2)
    results = []
    for _ in range(300):
        t, gap, se = _simulate(-0.30, rng)  # gap grows by 30% by 2030
        target = 0.75 * gap[0]
        results.append(verdict(gap[0], gap[-1], target, project_gap(t, gap, se, t_baseline=t[0]))[0])
    assert sum(r in ("op_koers", "doel_bereikt") for r in results) / len(results) < 0.02
    assert sum(r == "achterstand_groeit" for r in results) / len(results) > 0.5


def test_thin_data_is_not_called_on_track():
    # Three pooled points with SE 1 pp (a small gemeente): the same 40% truth must mostly be "too uncertain".
    rng = np.random.default_rng(3)
    results = []
    for _ in range(300):
        t, gap, se = _simulate(0.40, rng, se=1.0, years=(2017, 2020, 2023))
        target = 0.75 * gap[0]
        results.append(verdict(gap[0], gap[-1], target, project_gap(t, gap, se, t_baseline=t[0]))[0])
    assert sum(r == "onvoldoende_gegevens" for r in results) / len(results) > 0.6


def test_probability_uses_the_fitted_baseline_by_hand():
    # Exact line 2.0, 1.7, 1.4 at 2017/2020/2023: c = 0.25 x 0.7 - 0.75 x (-0.1) x (-13) = 0.175 - 0.975 = -0.8.
    # v = (0.25, 9.75); Cov = inv(X'WX) with S0 = 300, S1 = -3000, S2 = 31800 (w = 100):
    # det = 300 x 31800 - 9e6 = 540000; Cov = [[31800, 3000], [3000, 300]] / 540000
    # var(c) = (0.0625 x 31800 + 2 x 0.25 x 9.75 x 3000 + 95.0625 x 300) / 540000 = (1987.5 + 14625 + 28518.75) / 540000
    #        = 0.083576; SE 0.28910; P = Phi(0.8 / 0.28910) = Phi(2.7672) = 0.99717.
    p = project_gap([2017, 2020, 2023], [2.0, 1.7, 1.4], [0.1, 0.1, 0.1], t_baseline=2017)
    assert p.probability == pytest.approx(0.99717, abs=1e-4)


def test_observed_baseline_gap_that_the_line_does_not_confirm():
    # Observed gap 0.1 at baseline, but the line through 0.1, -1.0, -1.0 (equal weights) has slope -0.55 and
    # starts at mean + 0.55 = -0.6333 + 0.55 = -0.0833: no disadvantage by the line, so no probability.
    p = project_gap([2018, 2019, 2020], [0.1, -1.0, -1.0], [0.3] * 3, t_baseline=2018)
    assert p.baseline_fit == pytest.approx(-0.08333, abs=1e-4) and math.isnan(p.probability)
    assert verdict(0.1, -1.0, 0.075, p)[0] == "onvoldoende_gegevens"


def test_a_gap_that_changes_sign_reaches_the_target():
    p = project_gap([2018, 2019, 2020, 2021, 2022], [1.0, 0.5, 0.0, -0.5, -1.0], [0.1] * 5, t_baseline=2018)
    assert verdict(1.0, -1.0, 0.75, p)[0] == "doel_bereikt"


def test_recent_trend_marks_only_robust_trends():
    t = np.arange(2018, 2025, dtype=float)
    assert recent_trend(t, 10 - 0.5 * (t - 2018), np.full(7, 0.1)).direction == "dalend"
    assert recent_trend(t, np.full(7, 10.0), np.full(7, 0.1)).direction == "geen"
    # One outlying last point drives an apparent rise: leaving it out removes the trend -> not marked.
    jumpy = np.array([10, 10, 10, 10, 13.0, 10.0, 10.0])
    assert recent_trend(t[:5], jumpy[:5], np.full(5, 0.2)).direction == "geen"
    assert recent_trend(t[:2], [1, 2], [0.1, 0.1]).direction == "niet_te_beoordelen"


def test_decomposition_by_hand():
    # Lower is better. Area 9.0 -> 8.0 (improved 1.0), benchmark 7.0 -> 6.5 (improved 0.5):
    # gap 2.0 -> 1.5: change -0.5 = -1.0 (area) + 0.5 (benchmark).
    assert decompose(9.0, 8.0, 7.0, 6.5, orientation=1) == (-0.5, -1.0, 0.5)


@pytest.mark.parametrize("last, step, lag, expected", [(2024, 1, 1, 2031), (2024, 3, 2, 2032), (2022, 4, 1, 2031)])
def test_year_known(last, step, lag, expected):
    # 2024 yearly, 1 year lag -> 2030 data in 2031; 3-year blocks end 2027, 2030 -> +2 = 2032;
    # a survey every 4 years after 2022 -> 2026, 2030 -> +1 = 2031.
    assert year_known(last, step, lag) == expected


def test_closed_form_wls_agrees_with_statsmodels():
    import statsmodels.api as sm

    from trendbreuk.indicators.verdict import _wls

    rng = np.random.default_rng(5)
    t = np.arange(2016, 2025, dtype=float)
    se = rng.uniform(0.1, 0.5, len(t))
    y = 3 - 0.2 * (t - 2016) + rng.normal(0, se * 2)  # over-dispersed: the scale factor applies
    a, b, cov = _wls(t, y, se, 2030.0)
    fit = sm.WLS(y, sm.add_constant(t - 2030.0), weights=1 / se**2).fit()
    assert (a, b) == pytest.approx(tuple(fit.params))
    # statsmodels scales by the residual variance always; ours only when it exceeds 1 (here it does).
    assert fit.scale > 1
    assert cov == pytest.approx(fit.cov_params(), rel=1e-9)


def test_chances_are_never_written_as_certain():
    from trendbreuk.indicators.verdict import chance_percent

    assert [chance_percent(p) for p in (0.0, 0.004, 0.005, 0.37, 0.994, 0.995, 1.0)] == \
        ["<1%", "<1%", "1%", "37%", "99%", ">99%", ">99%"]
