"""The workbook's statistics against PHEindicatormethods' own test expectations (UK Health Security Agency; read in
place from ../shared/data/phe, see its README): proportions with Wilson intervals, rates with exact and Byar
intervals, Byar and Wilson limits, directly standardised rates (Dobson) and indirectly standardised ratios and
rates, at 95% and 99.8%, with the multipliers each case states. Every case must match to 1e-9 relative (they
match to about 1e-12); a case PHE leaves empty (fewer than 10 events for a DSR) must be empty here too."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from trendbreuk.indicators.proportions import calculate_proportion
from trendbreuk.indicators.rates import byar_interval, calculate_rate
from trendbreuk.indicators.standardise import direct_standardised_rate, indirectly_standardised_ratio

PHE = Path(__file__).resolve().parents[2] / "shared" / "data" / "phe"
pytestmark = pytest.mark.skipif(
    not (PHE / "cases.csv").exists(), reason=f"PHEindicatormethods' reference cases are not at {PHE}"
)


def _cases() -> pd.DataFrame:
    return pd.read_csv(PHE / "cases.csv", comment="#") if (PHE / "cases.csv").exists() else pd.DataFrame()


def _bands() -> pd.DataFrame:
    # PHE counts a band without a count as 0 events (testdata_tiny band 3); the workbook's function refuses a
    # missing count, so the test fills it as PHE does
    bands = pd.read_csv(PHE / "age_bands.csv", comment="#")
    return bands.assign(count=bands["count"].fillna(0))


CASES = _cases()
IDS = list(CASES["case_id"]) if len(CASES) else []


def _compute(case: pd.Series) -> tuple[float, float, float]:
    kind, conf, mult = case["statistic"], float(case["confidence"]), float(case["multiplier"])
    frame = pd.DataFrame({"numerator": [case["numerator"]], "denominator": [case["denominator"]]})
    if kind == "proportion":
        out = calculate_proportion(frame, multiplier=mult, confidence=conf).iloc[0]
        return out["value"], out["lower_ci"], out["upper_ci"]
    if kind == "rate":
        out = calculate_rate(frame, multiplier=mult, confidence=conf).iloc[0]
        return out["value"], out["lower_ci"], out["upper_ci"]
    if kind == "byar_limits":
        lower, upper = byar_interval(np.array([case["numerator"]]), conf)
        return np.nan, lower[0], upper[0]
    if kind == "wilson_limits":
        lower, upper = proportion_confint(case["numerator"], case["denominator"], alpha=1 - conf, method="wilson")
        return np.nan, lower, upper
    bands = _bands()
    bands = bands[(bands["dataset"] == case["dataset"]) & (bands["area"] == case["area"])].sort_values("band")
    if kind == "dsr":
        result = direct_standardised_rate(
            bands["count"], bands["pop"], bands["stdpop"], multiplier=mult, confidence=conf
        )
        return result.value, result.lower, result.upper
    reference = _bands()
    reference = reference[(reference["dataset"] == case["dataset"]) & (reference["area"] == case["area"])]
    rates = (reference["refcount"] / reference["refpop"]).to_numpy()
    observed = float(bands["count"].sum())
    if kind == "isr":
        result, _ = indirectly_standardised_ratio(observed, bands["pop"], rates, confidence=conf, multiplier=mult)
        return result.value, result.lower, result.upper
    if kind == "israte":
        # the indirectly standardised rate: the ratio times the reference's crude rate (PHE's calculate_ISRate)
        ratio, _ = indirectly_standardised_ratio(observed, bands["pop"], rates, confidence=conf, multiplier=1)
        crude = reference["refcount"].sum() / reference["refpop"].sum() * mult
        return ratio.value * crude, ratio.lower * crude, ratio.upper * crude
    raise AssertionError(f"unknown statistic {kind}")


def test_every_kind_of_statistic_is_covered():
    assert len(CASES) >= 130
    assert set(CASES["statistic"]) == {"proportion", "rate", "byar_limits", "wilson_limits", "dsr", "isr", "israte"}


@pytest.mark.parametrize("case_id", IDS)
def test_matches_phe(case_id):
    case = CASES.set_index("case_id").loc[case_id]
    got = _compute(case)
    for name, value, expected in zip(("value", "lower", "upper"), got, case[["exp_value", "exp_lower", "exp_upper"]]):
        if pd.isna(expected):
            if name == "value" and case["statistic"] in ("byar_limits", "wilson_limits"):
                continue
            assert pd.isna(value), f"{case_id}: PHE gives no {name}, the workbook gives {value}"
        else:
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), f"{case_id}: {name}"
    if pd.notna(case.get("exp_expected")) and case["statistic"] in ("isr", "israte"):
        bands = _bands()
        bands = bands[(bands["dataset"] == case["dataset"]) & (bands["area"] == case["area"])]
        _, expected = indirectly_standardised_ratio(
            float(bands["count"].sum()), bands["pop"], (bands["refcount"] / bands["refpop"]).to_numpy()
        )
        assert expected == pytest.approx(case["exp_expected"], rel=1e-9)
