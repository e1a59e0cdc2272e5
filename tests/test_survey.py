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


def test_several_regions_at_once_by_hand():
    import pandas as pd

    from trendbreuk.geography.areas import Gemeente, Region, Subregio
    from trendbreuk.indicators.survey import aggregate_estimates

    p = Region(
        "p",
        "P",
        "Pee",
        (Subregio("PS", "Pee-sub", (Gemeente("GM0001", "Een", "PS"), Gemeente("GM0002", "Twee", "PS"))),),
    )
    q = Region("q", "Q", "Kuu", (Subregio("QS", "Kuu-sub", (Gemeente("GM0003", "Drie", "QS"),)),))
    rows = pd.DataFrame(
        [
            ("x", "GM0001", "2020", 2020, 2020, 20.0, 16.0, 24.0, 500),
            ("x", "GM0002", "2020", 2020, 2020, 30.0, 28.0, 32.0, 400),
            ("x", "GM0003", "2020", 2020, 2020, 10.0, 8.0, 12.0, 600),
            ("x", "GM0003", "2016", 2016, 2016, 12.0, 10.0, 14.0, 600),
            ("x", "NL01", "2020", 2020, 2020, 20.0, 19.6, 20.4, 90000),
        ],
        columns=[
            "indicator",
            "area_code",
            "period",
            "year_start",
            "year_end",
            "value",
            "lower_ci",
            "upper_ci",
            "respondents",
        ],
    )
    weights = pd.DataFrame(
        {
            "area_code": ["GM0001", "GM0002", "GM0003", "NL01"],
            "year": 2020,
            "weight": [30_000, 10_000, 60_000, 1_000_000],
        }
    )
    out = aggregate_estimates(rows, [p, q], weights).set_index(["region", "area_code", "period"])
    # Pee: the two gemeenten combined as in test_combining_two_gemeenten_by_hand: 22.5 (19.459 to 25.541).
    assert out.loc[("p", "P", "2020"), "value"] == pytest.approx(22.5)
    assert out.loc[("p", "P", "2020"), "lower_ci"] == pytest.approx(19.459, abs=1e-3)
    # Rest without Pee: (1e6 x 20 - 4e4 x 22.5) / 9.6e5 = 19.8958; without Kuu (one gemeente, 10%):
    # (1e6 x 20 - 6e4 x 10) / 9.4e5 = 20.6383.
    assert out.loc[("p", "rest_nl", "2020"), "value"] == pytest.approx(19.8958, abs=1e-4)
    assert out.loc[("q", "rest_nl", "2020"), "value"] == pytest.approx(20.6383, abs=1e-4)
    assert out.loc[("q", "rest_nl", "2020"), "area_name"] == "Rest van Nederland (zonder Kuu)"
    assert out.loc[("q", "Q", "2020"), ["value", "lower_ci", "upper_ci"]].tolist() == pytest.approx([10, 8, 12])
    # 2016: no inhabitants for GM0003 (the weights hold 2020 only) and no national row: no aggregate, no rest.
    assert ("q", "Q", "2016") not in out.index and ("q", "rest_nl", "2016") not in out.index
    assert out.reset_index()["region"].tolist() == ["p"] * 6 + ["q"] * 6  # region by region, in the order given
