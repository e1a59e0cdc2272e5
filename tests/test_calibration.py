"""The verdicts against simulated series with a known truth, through the workbook's own statistics, gaps and
assessment (a small version of scripts/calibrate_verdicts.py). The goals come from the stuurgroep's worst case: an
alderman reading "op koers" or "doel bereikt" for a gap that did not move."""

import pytest

from trendbreuk.indicators.calibration import Scenario, calibrate, run_scenario, scenarios


@pytest.fixture(scope="module")
def table():
    return calibrate(full=False, runs=300, seed=11).set_index("scenario")


def test_the_small_set_covers_every_statistic_and_truth(table):
    assert set(table["statistic"]) == {"proportion", "survey"}
    assert set(table["level"]) == {"gemeente", "regio"}
    assert set(table["true_closure"]) == {0.0, 0.10, 0.40}


def test_false_reassurance_is_at_most_five_percent_in_every_scenario(table):
    # The old rule (P >= 80% on the line, "doel bereikt" on the last observed point) gave 13-17% here.
    assert (table["false_reassurance"].dropna() <= 0.05).all(), table["false_reassurance"].dropna()


def test_a_small_real_gap_is_not_called_no_gap(table):
    # The old rule looked at the single observed baseline and said "geen achterstand" 15-19% of the time.
    assert (table["false_no_gap"].dropna() <= 0.05).all(), table["false_no_gap"].dropna()


def test_a_region_register_closing_forty_percent_is_mostly_on_track(table):
    register = table[table.index.str.startswith("registratie, regio") & (table["true_closure"] == 0.40)]
    assert register["sensitivity"].item() >= 0.80


def test_small_numbers_get_no_verdict_and_say_why():
    """A gemeente with 1.000 births a year: whatever the truth, nearly always "onvoldoende gegevens", with a reason
    that says how long it would take, or that its numbers are too small for any year before 2040."""
    gemeente = next(s for s in scenarios(full=False) if s.level == "gemeente" and s.statistic == "proportion")
    results = run_scenario(gemeente, runs=200, seed=3)
    undecided = results[results["verdict"] == "onvoldoende_gegevens"]
    assert len(undecided) / len(results) > 0.9
    how_long = "oordeel te verwachten met cijfers tot en met|de aantallen zijn te klein"
    no_clear_gap = "bij de start geen duidelijke achterstand"  # then there is no 25% to close: nothing to power
    assert undecided["verdict_reason"].str.contains(f"{how_long}|{no_clear_gap}").all()
    assert undecided["verdict_reason"].str.contains(how_long).mean() > 0.8


def test_the_truth_is_what_the_scenario_says():
    s = Scenario(name="x", statistic="proportion", level="regio", size=10_000, base=0.07, gap=1.0, closure=0.25)
    import numpy as np

    assert s.truth(np.array([2018.0, 2024.0, 2030.0])).tolist() == pytest.approx([1.0, 0.875, 0.75])
    # One year's gap SE: 100 x sqrt(0.07 x 0.93 x (1/10.000 + 1/2.000.000)) = 0.25578 percentage point.
    assert Scenario(
        name="y", statistic="proportion", level="regio", size=10_000, base=0.07, gap=None, closure=0.0
    ).true_gap == pytest.approx(0.25578, abs=1e-5)
