"""Statistics, aggregation, gap and target path. Expected values are worked out by hand or taken from the
published examples named at each test, never from this code's output."""

import pandas as pd
import pytest

from tests.conftest import ROOT
from trendbreuk.geography.areas import Gemeente, Region, Subregio
from trendbreuk.indicators.aggregate import aggregate_areas, pool_years
from trendbreuk.indicators.catalogue import CatalogueError, Indicator, load_catalogue
from trendbreuk.indicators.gap import calculate_gaps, difference_ci, target_gap
from trendbreuk.indicators.proportions import calculate_proportion

# Proportions -------------------------------------------------------------------------------------------


def test_wilson_matches_newcombe_1998_example():
    # Newcombe RG (1998) Stat Med 17:857-872, Table II: 81/263 -> Wilson 0.2553 to 0.3662.
    out = calculate_proportion(pd.DataFrame({"numerator": [81], "denominator": [263]}), multiplier=1)
    assert out["value"].item() == pytest.approx(81 / 263)
    assert out["lower_ci"].item() == pytest.approx(0.2553, abs=5e-5)
    assert out["upper_ci"].item() == pytest.approx(0.3662, abs=5e-5)
    assert out["method"].item() == "Wilson score"


def test_wilson_with_zero_events_by_hand():
    # 0/20: lower 0, upper z^2/(n+z^2) = 3.8415/23.8415 = 0.16113 (z = 1.95996).
    out = calculate_proportion(pd.DataFrame({"numerator": [0], "denominator": [20]}), multiplier=100)
    assert out["lower_ci"].item() == pytest.approx(0, abs=1e-9)
    assert out["upper_ci"].item() == pytest.approx(16.113, abs=1e-3)


def test_zero_or_missing_denominator_gives_no_value_and_says_why():
    out = calculate_proportion(pd.DataFrame({"numerator": [0, 3, None], "denominator": [0, None, 10]}))
    assert out["value"].isna().all()
    assert out["missing_reason"].tolist() == ["noemer is 0", "noemer ontbreekt", "teller ontbreekt"]


def test_numerator_above_denominator_is_an_error_naming_the_row():
    frame = pd.DataFrame(
        {"indicator": ["x"], "area_code": ["GM0981"], "period": ["2018"], "numerator": [12], "denominator": [10]}
    )
    with pytest.raises(ValueError, match="numerator 12 exceeds denominator 10 .*area_code=GM0981"):
        calculate_proportion(frame)


# Aggregation ------------------------------------------------------------------------------------------

REGION = Region(
    key="r",
    code="R",
    name="Regio",
    subregios=(
        Subregio("A", "Sub A", (Gemeente("GM0001", "Een", "A"), Gemeente("GM0002", "Twee", "A"))),
        Subregio("B", "Sub B", (Gemeente("GM0003", "Drie", "B"),)),
    ),
)


def _counts(rows):
    return pd.DataFrame(
        rows, columns=["indicator", "area_code", "period", "year_start", "year_end", "numerator", "denominator"]
    )


def test_aggregation_sums_counts_not_percentages():
    counts = _counts(
        [
            ("x", "GM0001", "2018", 2018, 2018, 10, 100),  # 10%
            ("x", "GM0002", "2018", 2018, 2018, 30, 200),  # 15%
            ("x", "GM0003", "2018", 2018, 2018, 5, 50),  # 10%
            ("x", "NL01", "2018", 2018, 2018, 1000, 10000),
        ]
    )
    out = aggregate_areas(counts, REGION).set_index("area_code")
    # Sub A: (10+30)/(100+200) = 40/300 = 13.33%, not the mean of 10% and 15% (12.5%).
    assert out.loc["A", ["numerator", "denominator"]].tolist() == [40, 300]
    assert out.loc["R", ["numerator", "denominator"]].tolist() == [45, 350]
    # Rest of NL = NL minus the region: 1000-45 = 955 of 10000-350 = 9650.
    assert out.loc["rest_nl", ["numerator", "denominator"]].tolist() == [955, 9650]
    assert out.loc["rest_nl", "area_level"] == "rest_nl"


def test_no_region_or_rest_when_a_gemeente_is_missing():
    counts = _counts(
        [
            ("x", "GM0001", "2018", 2018, 2018, 10, 100),
            ("x", "GM0003", "2018", 2018, 2018, 5, 50),
            ("x", "NL01", "2018", 2018, 2018, 1000, 10000),
        ]
    )
    out = aggregate_areas(counts, REGION)
    assert set(out["area_code"]) == {"GM0001", "GM0003", "B", "NL01"}


def test_region_larger_than_nederland_is_an_error():
    counts = _counts(
        [
            ("x", "GM0001", "2018", 2018, 2018, 10, 100),
            ("x", "GM0002", "2018", 2018, 2018, 30, 200),
            ("x", "GM0003", "2018", 2018, 2018, 5, 50),
            ("x", "NL01", "2018", 2018, 2018, 40, 10000),
        ]
    )
    with pytest.raises(ValueError, match="exceed Nederland"):
        aggregate_areas(counts, REGION)


OTHER = Region(
    key="o",
    code="O",
    name="Ander",
    subregios=(Subregio("C", "Sub C", (Gemeente("GM0004", "Vier", "C"), Gemeente("GM0005", "Vijf", "C"))),),
)


def test_several_regions_in_one_pass_each_with_its_own_rest_of_nederland():
    counts = _counts(
        [
            ("x", "GM0001", "2018", 2018, 2018, 10, 100),
            ("x", "GM0002", "2018", 2018, 2018, 30, 200),
            ("x", "GM0003", "2018", 2018, 2018, 5, 50),
            ("x", "GM0004", "2018", 2018, 2018, 20, 400),
            ("x", "GM0005", "2018", 2018, 2018, 7, 70),
            ("x", "GM0005", "2019", 2019, 2019, 8, 80),
            ("x", "NL01", "2018", 2018, 2018, 1000, 10000),
            ("x", "NL01", "2019", 2019, 2019, 1100, 11000),
        ]
    )
    out = aggregate_areas(counts, [REGION, OTHER])
    assert out["region"].tolist() == ["r"] * 9 + ["o"] * 8  # region by region, in the order given
    other = out[out["region"] == "o"].set_index(["area_code", "period"])
    # Ander 2018: 20+7 = 27 of 400+70 = 470; rest 1000-27 = 973 of 10000-470 = 9530. In 2019 GM0004 is missing:
    # no region and no rest that year, but Nederland is there.
    assert other.loc[("O", "2018"), ["numerator", "denominator"]].tolist() == [27, 470]
    assert other.loc[("rest_nl", "2018"), ["numerator", "denominator"]].tolist() == [973, 9530]
    assert other.loc[("rest_nl", "2018"), "area_name"] == "Rest van Nederland (zonder Ander)"
    assert ("O", "2019") not in other.index and ("NL01", "2019") in other.index
    # The first region's rows are those it gets on its own (rest 1000-45 = 955 of 9650, as above).
    alone = aggregate_areas(counts, REGION)
    pd.testing.assert_frame_equal(out[out["region"] == "r"].reset_index(drop=True), alone)


def test_pooling_in_blocks_ending_at_the_last_year():
    years = range(2012, 2025)
    counts = _counts([("x", "GM0001", str(y), y, y, 1, 10) for y in years])
    pooled = pool_years(counts, 3)
    assert pooled["period"].tolist() == ["2013-2015", "2016-2018", "2019-2021", "2022-2024"]  # 2012 left over
    assert pooled["numerator"].tolist() == [3, 3, 3, 3]
    assert pooled["denominator"].tolist() == [30, 30, 30, 30]


def test_pooling_drops_a_block_with_a_missing_year():
    counts = _counts([("x", "GM0001", str(y), y, y, 1, 10) for y in (2016, 2018, 2019, 2020, 2021)])
    assert pool_years(counts, 3)["period"].tolist() == ["2019-2021"]


# Gap and target path ----------------------------------------------------------------------------------


def test_target_path_by_hand():
    # Baseline gap 2.0 at 2017 (midpoint of 2016-2018); 25% less by 2030 -> 1.5.
    # At 2023.5 (midpoint of 2022-2024): 2.0 x (1 - 0.25 x 6.5/13) = 1.75.
    assert target_gap(2.0, 2017, [2017, 2023.5, 2030, 2032]) == pytest.approx([2.0, 1.75, 1.5, 1.5])


def test_newcombe_difference_matches_published_example():
    # Newcombe RG (1998) Stat Med 17:873-890, example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339.
    lower, upper = difference_ci([56], [70], [48], [80])
    assert lower[0] == pytest.approx(0.0524, abs=5e-5)
    assert upper[0] == pytest.approx(0.3339, abs=5e-5)


def _indicator(polarity="lower_is_better"):
    return {
        "x": Indicator(
            id="x",
            title="X",
            unit="%",
            polarity=polarity,
            life_phase="p",
            statistic="proportion",
            ci_method="wilson",
            source={},
            multiplier=100,
        )
    }


def _values(area_rates, bench_rates, n=10_000):
    rows = []
    for (period, ys, ye), (a, b) in zip(
        [("2016-2018", 2016, 2018), ("2022-2024", 2022, 2024)], zip(area_rates, bench_rates)
    ):
        for code, level, rate in (("GM0001", "gemeente", a), ("rest_nl", "rest_nl", b)):
            rows.append(
                {
                    "region": "r",
                    "indicator": "x",
                    "area_level": level,
                    "area_code": code,
                    "area_name": code,
                    "period": period,
                    "year_start": ys,
                    "year_end": ye,
                    "numerator": rate * n,
                    "denominator": n,
                }
            )
    return calculate_proportion(pd.DataFrame(rows))


def test_gap_baseline_target_and_share_closed_by_hand():
    # 12% vs 10% at baseline (gap 2.0 pp), 11.5% vs 10% now (gap 1.5 pp): 25% of the gap closed.
    # Target at 2023 (midpoint 2022-2024) from 2017: 2.0 x (1 - 0.25 x 6/13) = 1.76923.
    gaps = calculate_gaps(_values([0.12, 0.115], [0.10, 0.10]), _indicator(), "rest_nl").set_index("period")
    assert gaps.loc["2016-2018", "gap"] == pytest.approx(2.0)
    assert gaps.loc["2022-2024", "gap"] == pytest.approx(1.5)
    assert gaps.loc["2022-2024", "baseline_period"] == "2016-2018"
    assert gaps.loc["2022-2024", "share_closed"] == pytest.approx(0.25)
    assert gaps.loc["2022-2024", "target_gap"] == pytest.approx(1.769231, abs=1e-6)
    assert gaps.loc["2022-2024", "target_share_closed"] == pytest.approx(0.25 * 6 / 13)
    assert gaps.loc["2022-2024", "relative_gap"] == pytest.approx(0.15)


def test_gap_is_oriented_so_positive_means_behind():
    # Higher is better: 60% vs 70% means 10 pp behind.
    gaps = calculate_gaps(_values([0.60, 0.65], [0.70, 0.70]), _indicator("higher_is_better"), "rest_nl")
    first = gaps.iloc[0]
    assert first["gap"] == pytest.approx(10.0)
    assert first["gap_lower"] < 10 < first["gap_upper"]


def test_no_target_without_a_disadvantage_at_baseline():
    gaps = calculate_gaps(_values([0.09, 0.11], [0.10, 0.10]), _indicator(), "rest_nl")
    assert gaps["target_gap"].isna().all()
    assert gaps["share_closed"].isna().all()


# Catalogue --------------------------------------------------------------------------------------------


def test_catalogue_loads_and_every_indicator_is_complete():
    catalogue = load_catalogue(ROOT / "config" / "indicators.yaml")
    assert {"vroeggeboorte", "big2", "kinderen_uitkeringsgezin"} <= set(catalogue)
    assert all(i.title and i.life_phase and i.polarity for i in catalogue.values())


def test_catalogue_refuses_an_unknown_polarity(tmp_path):
    path = tmp_path / "indicators.yaml"
    path.write_text(
        "indicators:\n  - {id: a, title: A, unit: '%', polarity: up, life_phase: p, statistic: proportion,"
        " ci_method: wilson, source: {provider: x}}\n"
    )
    with pytest.raises(CatalogueError, match="indicator 'a': polarity 'up'"):
        load_catalogue(path)


def test_indicator_values_for_every_indicator_in_one_pass_and_a_reason_for_one_without_rows():
    """Two WSJG indicators through calculate_indicator_values: one with rows for the region's gemeenten and
    Nederland, one whose rows are all outside the region (and no Nederland): that one is skipped with a reason."""
    from trendbreuk.geography.areas import RegionsConfig
    from trendbreuk.indicators.values import calculate_indicator_values

    catalogue = load_catalogue(ROOT / "config" / "indicators.yaml")
    indicators = {k: catalogue[k] for k in ("peuters_vve", "werkloosheid")}
    rows = [
        ("peuters_vve", c, "2020", 2020, 2020, n, d)
        for c, n, d in [("GM0001", 10, 100), ("GM0002", 30, 200), ("GM0003", 5, 50), ("NL01", 1000, 10000)]
    ]
    rows += [("werkloosheid", "GM0999", "2020", 2020, 2020, 7, 70)]
    frames = {
        "wsjg": pd.DataFrame(
            rows, columns=["indicator", "area_code", "period", "year_start", "year_end", "numerator", "denominator"]
        )
    }
    regions = RegionsConfig(
        regions={"r": REGION},
        default_region="r",
        benchmarks={"rest_nl": "Rest van Nederland"},
        default_benchmark="rest_nl",
        baseline_year=2018,
        target_year=2030,
        target_share_closed=0.25,
    )
    missing = {}
    values = calculate_indicator_values(frames, indicators, regions, missing=missing)
    assert set(values["indicator"]) == {"peuters_vve"}
    # Region R: 45 / 350 = 12,857%; the rest of Nederland 955 / 9650 = 9,896%.
    by_code = values.set_index("area_code")
    assert by_code.loc["R", "value"] == pytest.approx(100 * 45 / 350)
    assert by_code.loc["rest_nl", "value"] == pytest.approx(100 * 955 / 9650)
    assert missing["werkloosheid"].reason.startswith("geen rijen voor de gemeenten")
