"""The words a factsheet uses for a gap's movement and its standing now, on hand-made gap rows."""

import math

import pandas as pd
import pytest

from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.reports.factsheet import compare_now, describe_movement

IND = Indicator(id="x", title="Vroeggeboorte", short_title="vroeggeboorte", unit="%", polarity="lower_is_better",
                life_phase="p", statistic="proportion", ci_method="wilson", source={})


def _gaps(*rows):
    frame = pd.DataFrame(rows, columns=["period", "t", "gap", "gap_lower", "gap_upper"])
    frame["baseline_period"] = "2016-2018"
    base = frame[frame["period"] == "2016-2018"]
    b = base["gap"].iloc[0] if not base.empty else math.nan
    frame["share_closed"] = (b - frame["gap"]) / b
    frame["target_share_closed"] = 0.25 * (frame["t"] - 2017) / 13
    return frame


def test_clearly_smaller_gap_reports_share_closed_and_target():
    # 2.0 (1.5-2.5) -> 1.0 (0.5-1.5): SE 0.2551 each, z = -1/0.3608 = -2.77, p = 0.006 < 0.05.
    # Share closed (2-1)/2 = 50%; target at 2023 = 0.25 x 6/13 = 11.5% -> "sneller dan het doelpad".
    move = describe_movement(_gaps(("2016-2018", 2017, 2.0, 1.5, 2.5), ("2022-2024", 2023, 1.0, 0.5, 1.5)),
                             IND, "Vaals", "de rest van Nederland", 2030)
    assert move.status == "kleiner"
    assert "50% van de achterstand ingelopen" in move.sentence
    assert "12% moeten zijn (sneller dan het doelpad)" in move.sentence
    assert "2,0 procentpunt" in move.sentence and "1,0 procentpunt" in move.sentence


def test_change_within_chance_is_called_unclear():
    # 2.0 (0-4) -> 1.0 (-1-3): z = -1/1.443 = -0.69, p = 0.49.
    move = describe_movement(_gaps(("2016-2018", 2017, 2.0, 0.0, 4.0), ("2022-2024", 2023, 1.0, -1.0, 3.0)),
                             IND, "Vaals", "de rest van Nederland", 2030)
    assert move.status == "onduidelijk"
    assert "binnen de toevalsmarge" in move.sentence


def test_growing_gap():
    move = describe_movement(_gaps(("2016-2018", 2017, 1.0, 0.8, 1.2), ("2022-2024", 2023, 2.0, 1.8, 2.2)),
                             IND, "Vaals", "de rest van Nederland", 2030)
    assert move.status == "groter"
    assert "+1,0 procentpunt" in move.sentence


def test_no_disadvantage_at_baseline():
    move = describe_movement(_gaps(("2016-2018", 2017, -0.5, -1.0, 0.0), ("2022-2024", 2023, 0.2, -0.3, 0.7)),
                             IND, "Vaals", "de rest van Nederland", 2030)
    assert move.status == "geen_achterstand"


def test_no_baseline_period():
    move = describe_movement(_gaps(("2019-2021", 2020, 1.0, 0.5, 1.5), ("2022-2024", 2023, 0.9, 0.4, 1.4)),
                             IND, "Vaals", "de rest van Nederland", 2030)
    assert move.status == "geen_startwaarde"


@pytest.mark.parametrize("lower, upper, expected", [(0.1, 2.0, "slechter"), (-2.0, -0.1, "beter"),
                                                    (-0.5, 0.5, "gelijk"), (math.nan, math.nan, "onbekend")])
def test_compare_now(lower, upper, expected):
    assert compare_now(pd.Series({"gap_lower": lower, "gap_upper": upper})) == expected
