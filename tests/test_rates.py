"""Rates: Byar and exact Poisson intervals against hand calculation and published table values."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from trendbreuk.indicators.rates import byar_interval, calculate_rate, exact_poisson_interval


def test_byar_by_hand_for_ten_events():
    # O = 10, z = 1.959964: lower = 10 (1 - 1/90 - 1.959964/(3 sqrt 10))^3 = 10 x 0.782292^3 = 4.7874
    #                        upper = 11 (1 - 1/99 + 1.959964/(3 sqrt 11))^3 = 11 x 1.186882^3 = 18.3915
    lower, upper = byar_interval(np.array([10]))
    assert lower[0] == pytest.approx(4.7874, abs=1e-3)
    assert upper[0] == pytest.approx(18.3915, abs=1e-3)


@pytest.mark.parametrize("events, lower, upper", [(0, 0.0, 3.689), (1, 0.0253, 5.572), (5, 1.6235, 11.668)])
def test_exact_poisson_matches_published_tables(events, lower, upper):
    # Garwood intervals as tabulated in e.g. Ulm (1990) Am J Epidemiol 131:373.
    lo, hi = exact_poisson_interval(np.array([events]))
    assert lo[0] == pytest.approx(lower, abs=1e-3)
    assert hi[0] == pytest.approx(upper, abs=1e-3)


def test_exact_poisson_interval_has_its_defining_tail_probabilities():
    # Cross-check against the definition: P(X >= O | lower) = 2.5% and P(X <= O | upper) = 2.5%.
    lo, hi = exact_poisson_interval(np.array([7]))
    assert poisson.sf(6, lo[0]) == pytest.approx(0.025, abs=1e-9)
    assert poisson.cdf(7, hi[0]) == pytest.approx(0.025, abs=1e-9)


def test_byar_is_close_to_exact_for_many_events():
    b_lo, b_hi = byar_interval(np.array([200]))
    e_lo, e_hi = exact_poisson_interval(np.array([200]))
    assert b_lo[0] == pytest.approx(e_lo[0], rel=2e-3) and b_hi[0] == pytest.approx(e_hi[0], rel=2e-3)


def test_rate_switches_method_at_ten_events_and_scales():
    out = calculate_rate(pd.DataFrame({"numerator": [5, 10, 0], "denominator": [1000, 2000, 0]}), multiplier=1000)
    assert out["method"].tolist()[:2] == ["exact Poisson (Garwood)", "Byar"]
    assert out["value"].iloc[0] == pytest.approx(5.0)  # 5 per 1.000
    assert out["upper_ci"].iloc[0] == pytest.approx(11.668, abs=1e-3)  # 11.668 events per 1000 people
    assert out["lower_ci"].iloc[1] == pytest.approx(4.7874 / 2, abs=1e-3)
    assert np.isnan(out["value"].iloc[2]) and out["missing_reason"].iloc[2] == "noemer is 0"


def test_rates_refuse_negative_counts_and_bad_confidence():
    with pytest.raises(ValueError, match="negative counts in rows \\[1\\]"):
        calculate_rate(pd.DataFrame({"numerator": [1, -2], "denominator": [10, 10]}))
    with pytest.raises(ValueError, match="confidence must be between 0 and 1, not 95"):
        calculate_rate(pd.DataFrame({"numerator": [1], "denominator": [10]}), confidence=95)


def test_byar_lower_limit_is_never_negative():
    # A count of 1 at 99.8%: Byar's base 1 - 1/9 - 3.0902/3 is negative, so the cube would give a negative limit.
    # The exact lower limit for 1 event is chi2(0.001; 2 df)/2 = -ln(1 - 0.001) = 0.0010005003 (by hand).
    lower, upper = byar_interval(np.array([1.0, 400.0]), confidence=0.998)
    assert lower[0] == pytest.approx(-np.log(0.999), rel=1e-9)
    assert lower[1] > 0 and upper[0] > 1
