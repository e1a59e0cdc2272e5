"""Comparison, trend, projection and verdict: hand-worked cases and simulated series with known truths."""

import math

import numpy as np
import pytest

from trendbreuk.indicators.verdict import (
    compare_with_benchmark,
    decompose,
    project_gap,
    recent_trend,
    verdict,
    year_known,
    years_needed,
)


@pytest.mark.parametrize(
    "benchmark, expected",
    [
        (10.0, ("gelijk", "")),
        (7.5, ("slechter", "95%")),
        (5.0, ("slechter", "99,8%")),
        (14.0, ("beter", "99,8%")),
    ],
)
def test_compare_with_benchmark_lower_is_better(benchmark, expected):
    # Area 10% with 95% interval 8-12 and 99.8% interval 6.8-13.2.
    assert compare_with_benchmark(10, 8, 12, 6.8, 13.2, benchmark, higher_is_better=False) == expected


def test_compare_respects_polarity_and_thin_data():
    assert compare_with_benchmark(10, 8, 12, 6.8, 13.2, 5.0, higher_is_better=True) == ("beter", "99,8%")
    assert (
        compare_with_benchmark(10, 8, 12, 6.8, 13.2, 5.0, higher_is_better=True, enough_data=False)[0]
        == "niet_te_beoordelen"
    )
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
    assert verdict(2.0, None) == ("onvoldoende_gegevens", "minder dan 3 meetpunten vanaf de start")
    # Without a line, "geen achterstand" still needs the observed baseline's 95% interval below zero.
    assert verdict(-0.5, None, baseline_upper=-0.1)[0] == "geen_achterstand"
    assert verdict(-0.5, None, baseline_upper=0.3)[0] == "onvoldoende_gegevens"


def _line(gaps, se=0.1, years=None):
    years = years or list(range(2018, 2018 + len(gaps)))
    return project_gap(years, gaps, [se] * len(gaps), t_baseline=years[0])


def test_verdict_edges_on_exact_lines():
    assert verdict(None, None)[0] == "onvoldoende_gegevens"
    # 2.0 -> 1.4 in 2018-2024 (slope -0.1): 2030 at 0.8, 60% closed; 2024 at 1.4 = 30% closed already.
    assert verdict(2.0, _line([2.0, 1.9, 1.8, 1.7, 1.6, 1.5, 1.4]))[0] == "doel_bereikt"
    # 2.0 -> 1.88 (slope -0.02): 2030 at 1.76 = 12% closed, below the 25% path: off track, and surely under 40%.
    key, reason = verdict(2.0, _line([2.0, 1.98, 1.96, 1.94, 1.92, 1.90, 1.88], se=0.02))
    assert key == "versnelling_nodig" and reason.startswith("trendlijn door 7 meetpunten (2018–2024)")
    # 2.0 -> 1.76 (slope -0.04): 2030 at 1.52 = 24% closed, 2024 at 12% closed: not yet, but near the path...
    near = _line([2.0, 1.96, 1.92, 1.88, 1.84, 1.80, 1.76], se=0.01)
    assert verdict(2.0, near)[0] == "versnelling_nodig"  # ...with this precision, below 25% for sure is off track
    # 2.0 -> 1.70 (slope -0.05): 2030 at 1.40 = 30% closed, but only 15% by 2024: on track, target not yet reached.
    assert verdict(2.0, _line([2.0, 1.95, 1.90, 1.85, 1.80, 1.75, 1.70], se=0.02))[0] == "op_koers"
    assert verdict(2.0, _line([2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6]))[0] == "achterstand_groeit"
    # The same 30% line measured with SE 1.0 (a small gemeente): no verdict, and it says until when.
    key, reason = verdict(2.0, _line([2.0, 1.95, 1.90, 1.85, 1.80, 1.75, 1.70], se=1.0), data_until=2033, known_in=2034)
    assert key == "onvoldoende_gegevens"
    assert reason.endswith("oordeel te verwachten met cijfers tot en met 2033 (bekend in 2034)")
    # A line that lies clearly below zero at the start: no disadvantage to close.
    assert verdict(0.1, _line([-1.0, -1.1, -0.9, -1.0]))[0] == "geen_achterstand"


def test_the_thresholds_by_hand():
    """On an exact line with equal SEs the contrast's SE can be worked out: gaps at 2018..2020 (t - 2030 = -12, -11,
    -10), SE 0.1 (w = 100): S0 = 300, S1 = -3300, S2 = 36500; det = 300 x 36500 - 3300^2 = 60000;
    Cov = [[36500, 3300], [3300, 300]] / 60000 (a = gap in 2030, b = slope).
    For share s the contrast is v = (s, -(1 - s) x -12) = (s, 12 (1 - s)):
    - s = 0.10: v = (0.1, 10.8); var = (0.01 x 36500 + 2 x 0.1 x 10.8 x 3300 + 116.64 x 300) / 60000
      = (365 + 7128 + 34992) / 60000 = 0.70808, SE 0.84147."""
    p = _line([2.0, 1.9, 1.8])  # slope -0.1: 2030 at 0.8
    c, se = p.contrast(0.10)
    assert se == pytest.approx(0.84147, abs=1e-5)
    # c = 0.8 - 0.9 x 2.0 = -1.0; the 95% interval reaches -1.0 + 1.96 x 0.84147 = 0.649 > 0: no evidence of progress.
    assert c == pytest.approx(-1.0) and not p.closes_more_than(0.10)
    assert verdict(2.0, p)[0] == "onvoldoende_gegevens"


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
    assert verdict(0.1, p)[0] == "onvoldoende_gegevens"


def test_a_gap_that_changes_sign_reaches_the_target():
    p = project_gap([2018, 2019, 2020, 2021, 2022], [1.0, 0.5, 0.0, -0.5, -1.0], [0.1] * 5, t_baseline=2018)
    assert verdict(1.0, p)[0] == "doel_bereikt"


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

    from trendbreuk.indicators.verdict import fit_lines

    rng = np.random.default_rng(5)
    t = np.arange(2016, 2025, dtype=float)
    se = rng.uniform(0.1, 0.5, len(t))
    y = 3 - 0.2 * (t - 2016) + rng.normal(0, se * 2)  # over-dispersed: the scale factor applies
    line = fit_lines(t, y, se, 2030.0)
    fit = sm.WLS(y, sm.add_constant(t - 2030.0), weights=1 / se**2).fit()
    assert (line.a[0], line.b[0]) == pytest.approx(tuple(fit.params))
    # statsmodels scales by the residual variance always; ours only when it exceeds 1 (here it does).
    assert fit.scale > 1
    cov = np.array([[line.var_a[0], line.cov_ab[0]], [line.cov_ab[0], line.var_b[0]]])
    assert cov == pytest.approx(fit.cov_params(), rel=1e-9)


def test_many_series_at_once_agree_with_statsmodels_one_by_one():
    """fit_lines fits one line per row; a missing point (NaN) or an SE of zero leaves that point out of its row only."""
    import statsmodels.api as sm

    from trendbreuk.indicators.verdict import fit_lines

    rng = np.random.default_rng(11)
    t = np.tile(np.arange(2012, 2024, dtype=float), (6, 1))
    se = rng.uniform(0.1, 0.6, t.shape)
    y = 2 + rng.normal(0, 0.1, (6, 1)) * (t - 2012) + rng.normal(0, se * rng.uniform(0.5, 2, (6, 1)))
    y[1, [0, 5]] = np.nan
    se[2, 3] = 0.0
    t[3, 8:] = np.nan
    lines = fit_lines(t, y, se, 2030.0)
    for row in range(6):
        use = np.isfinite(t[row]) & np.isfinite(y[row]) & (se[row] > 0)
        fit = sm.WLS(y[row, use], sm.add_constant(t[row, use] - 2030.0), weights=1 / se[row, use] ** 2).fit()
        scale = max(fit.scale, 1.0)
        assert lines.n[row] == use.sum()
        assert (lines.a[row], lines.b[row]) == pytest.approx(tuple(fit.params), rel=1e-9)
        assert lines.var_b[row] == pytest.approx(fit.cov_params()[1, 1] / fit.scale * scale, rel=1e-9)


def test_chances_are_never_written_as_certain():
    from trendbreuk.indicators.verdict import chance_percent

    assert [chance_percent(p) for p in (0.0, 0.004, 0.005, 0.37, 0.994, 0.995, 1.0)] == [
        "<1%",
        "<1%",
        "1%",
        "37%",
        "99%",
        ">99%",
        ">99%",
    ]


def test_years_needed_by_hand():
    """Yearly points with SE 0.2 from 2018 on, baseline gap 1.0: a verdict needs SE(c) <= 0.3 x 1.0 / (1.96 + 0.8416)
    = 0.10707 for c = g(2030) - 0.9 g(2018). With n yearly points from 2018 (u = t - 2030 = -12 ... -13 + n), equal
    weights, var(c) = 0.04 x v' inv(X'X) v, v = (0.1, 10.8)."""
    import numpy as np

    def se_c(n):
        u = np.arange(-12, -12 + n, dtype=float)
        x = np.column_stack([np.ones(n), u])
        v = np.array([0.1, 10.8])
        return float(np.sqrt(0.04 * v @ np.linalg.inv(x.T @ x) @ v))

    first = next(n for n in range(3, 30) if se_c(n) <= 0.3 / (1.959964 + 0.841621))
    t = np.arange(2018, 2025, dtype=float)  # data 2018-2024 so far (7 points)
    assert years_needed(t, np.full(7, 0.2), t_baseline=2018, baseline_gap=1.0) == 2018 + first - 1
    assert years_needed(t, np.full(7, 5.0), t_baseline=2018, baseline_gap=1.0) is None  # beyond 2040
    assert years_needed(t, np.full(7, 0.2), t_baseline=2018, baseline_gap=-0.2) is None  # nothing to close


def test_many_series_at_once_give_each_series_its_own_answer():
    """The hand-worked series above, stacked into one array (shorter ones padded with NaN): each row gets the answer
    it gets alone."""
    from trendbreuk.indicators.verdict import project_gaps, recent_trends, years_needed_all

    t = np.full((3, 7), np.nan)
    gaps = np.full((3, 7), np.nan)
    t[0, :3], gaps[0, :3] = [2017, 2020, 2023], [2.0, 1.7, 1.4]  # test_projection_of_an_exact_line_by_hand
    t[1, :2], gaps[1, :2] = [2017, 2020], [2.0, 1.7]  # too few points
    t[2, :], gaps[2, :] = np.arange(2018, 2025), [2.0, 1.9, 1.8, 1.7, 1.6, 1.5, 1.4]
    lines = project_gaps(t, gaps, np.full((3, 7), 0.1), t_baseline=np.array([2017.0, 2017.0, 2018.0]))
    assert lines.gap_2030[0] == pytest.approx(0.7) and lines.probability[0] == pytest.approx(0.99717, abs=1e-4)
    assert lines.points.tolist() == [3, 2, 7] and np.isnan(lines.gap_2030[1])
    assert lines.gap_2030[2] == pytest.approx(0.8) and lines.t_last.tolist()[::2] == [2023, 2024]

    years = np.tile(np.arange(2018, 2025, dtype=float), (3, 1))
    direction, _, points = recent_trends(
        years, np.vstack([10 - 0.5 * (years[0] - 2018), np.full(7, 10.0), [1, 2] + [np.nan] * 5]), np.full((3, 7), 0.1)
    )
    assert direction.tolist() == ["dalend", "geen", "niet_te_beoordelen"] and points.tolist() == [5, 5, 2]

    # years_needed per series: SE 0.2 (as test_years_needed_by_hand), SE 5 (never), and nothing to close.
    middle = years_needed_all(
        years, np.array([[0.2] * 7, [5.0] * 7, [0.2] * 7]), t_baseline=2018, baseline_gap=np.array([1.0, 1.0, -0.2])
    )
    assert middle[0] == years_needed(years[0], np.full(7, 0.2), t_baseline=2018, baseline_gap=1.0)
    assert np.isnan(middle[1:]).all()


def test_a_line_through_zero_at_the_start_has_no_gap_to_close():
    """A baseline on the line of 1e-15 is rounding noise of an exact zero: no chance of closing it, and no claim
    that the counts are too small to ever judge it."""
    from trendbreuk.indicators.verdict import Projection

    noise = Projection(1.8e-15, 0.0, 0.01, 0.0, 0.001, 2018.0, 2030.0, 0.25, 5, 2018.0, 2022.0, 1.0)
    assert noise.baseline_fit > 0 and math.isnan(noise.probability)
    assert (
        years_needed(
            np.arange(2018, 2023, dtype=float), np.full(5, 0.2), t_baseline=2018, baseline_gap=noise.baseline_fit
        )
        is None
    )
