"""Survey estimates with their own interval: combination and subtraction, worked by hand."""

import pytest

from trendbreuk.indicators.survey import combine_estimates, se_from_interval, subtract_estimate


def test_se_from_a_95_interval():
    # (24 - 16) / (2 x 1.959964) = 2.0408
    assert se_from_interval(16, 24) == pytest.approx(2.0408, abs=1e-4)


def test_combining_two_gemeenten_by_hand():
    # 20% (SE 2.0408, from 16-24) with 30.000 inhabitants, 30% (SE 1.0204, from 28-32) with 10.000:
    # p = 0.75 x 20 + 0.25 x 30 = 22.5; var = 0.75^2 x 2.0408^2 + 0.25^2 x 1.0204^2 = 2.3428 + 0.0651 = 2.4079;
    # SE = 1.5517; 95% interval 22.5 -/+ 1.959964 x 1.5517 = 19.459 to 25.541.
    value, lower, upper = combine_estimates([20, 30], [16, 28], [24, 32], [30_000, 10_000])
    assert value == pytest.approx(22.5)
    assert lower == pytest.approx(19.459, abs=1e-3) and upper == pytest.approx(25.541, abs=1e-3)


def test_rest_of_nederland_by_hand():
    # NL 20% (SE 0.2041, from 19.6-20.4) over 1.000.000; region 25% (SE 1.0204, from 23-27) over 100.000:
    # rest = (1e6 x 20 - 1e5 x 25) / 9e5 = 19.4444.
    # var = (1e12 x 0.041649 - 1e10 x 1.041233) / 8.1e11 = (4.1649e10 - 1.0412e10) / 8.1e11 = 0.038564 -> floored at
    # var_NL = 0.041649 (SE 0.2041), interval 19.4444 -/+ 0.4 = 19.0444 to 19.8444.
    value, lower, upper = subtract_estimate((20, 19.6, 20.4), 1_000_000, (25, 23, 27), 100_000)
    assert value == pytest.approx(19.4444, abs=1e-4)
    assert lower == pytest.approx(19.0444, abs=1e-3) and upper == pytest.approx(19.8444, abs=1e-3)


def test_subtraction_refuses_impossible_weights():
    with pytest.raises(ValueError, match="weights must satisfy"):
        subtract_estimate((20, 19, 21), 100, (25, 23, 27), 100)
