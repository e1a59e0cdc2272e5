"""Calibration of the verdicts on simulated series with a known truth.

Every scenario draws many series of one area against the rest of Nederland, with a true baseline gap (in 2018) and
a true share of it closed by 2030 (linearly), and runs them through the workbook's own code: the statistic with its
intervals (Wilson, Byar/exact Poisson, or a survey estimate with its published interval), pooling, the gaps
(`calculate_gaps`) and the assessment with its verdict (`assess`). Per scenario it reports how often each verdict is
given, and:

- false reassurance: the truth closes 0% or 10% of the gap by 2030, and the verdict says "op koers" or "doel bereikt";
- sensitivity: the truth closes 40% or more, and the verdict says "op koers" or "doel bereikt";
- false "geen achterstand": the true gap is one standard error of a single year's observed gap (small, but real),
  and the verdict says there was none.

Seeded: the same seed gives the same table. `scripts/calibrate_verdicts.py` runs the full set and writes
docs/kalibratie.md; tests/test_calibration.py runs a small version against the goals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trendbreuk.indicators.aggregate import pool_years
from trendbreuk.indicators.assess import assess
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.gap import calculate_gaps
from trendbreuk.indicators.intervals import intervals_for, survey_intervals
from trendbreuk.indicators.segmented import gap_breaks
from trendbreuk.indicators.verdict import VERDICTS

BASELINE_YEAR, TARGET_YEAR, SHARE = 2018, 2030, 0.25
REASSURING = ("op_koers", "doel_bereikt")


@dataclass(frozen=True)
class Scenario:
    """One kind of series. Sizes are per year: the denominator (proportion, rate) or the respondents (survey)."""

    name: str
    statistic: str  # proportion | rate | survey
    level: str  # gemeente | subregio | regio
    size: float  # denominator or respondents of the area, per year (per survey round)
    base: float  # the benchmark's level: a fraction (proportion, survey) or events per person (rate)
    gap: float | None  # true baseline gap in the indicator's unit; None: one standard error of a year's gap
    closure: float  # true share of the baseline gap closed by 2030
    years: tuple[int, ...] = tuple(range(2016, 2025))
    pool_years: int = 1
    benchmark_size: float = 2_000_000
    design_effect: float = 1.3  # surveys: variance inflation of a weighted sample

    @property
    def multiplier(self) -> float:
        return 1000.0 if self.statistic == "rate" else 100.0

    def single_year_se(self) -> float:
        """The standard error of one period's observed gap, in the indicator's unit."""
        n, m = self.size * self.pool_years, self.benchmark_size * self.pool_years
        if self.statistic == "rate":
            return self.multiplier * np.sqrt(self.base / n + self.base / m)
        variance = self.base * (1 - self.base) * (self.design_effect if self.statistic == "survey" else 1.0)
        return self.multiplier * np.sqrt(variance / n + variance / m)

    @property
    def true_gap(self) -> float:
        return self.single_year_se() if self.gap is None else self.gap

    def truth(self, years: np.ndarray) -> np.ndarray:
        """The true gap in each year: linear from the baseline to (1 - closure) x baseline gap in 2030."""
        return self.true_gap * (1 - self.closure * (years - BASELINE_YEAR) / (TARGET_YEAR - BASELINE_YEAR))

    def true_gaps(self, years: np.ndarray, runs: int, rng: np.random.Generator) -> np.ndarray:
        """The true gap per year (the same in every run here; see BreakScenario for a truth that wanders)."""
        return self.truth(years)


def _indicator(scenario: Scenario, ident: str) -> Indicator:
    survey = scenario.statistic == "survey"
    return Indicator(
        id=ident,
        title=ident,
        unit="%" if scenario.multiplier == 100 else "per 1.000",
        polarity="lower_is_better",
        life_phase="Kansrijke Start",
        statistic=scenario.statistic,
        ci_method={"proportion": "wilson", "rate": "byar", "survey": "source"}[scenario.statistic],
        source={},
        multiplier=scenario.multiplier,
        pool_years=scenario.pool_years,
        survey_interval=2 if survey else None,
        publication_lag=1,
        min_count=0,
        target_basket=True,
        baseline_year=BASELINE_YEAR,
    )


def simulate_values(
    scenario: Scenario, runs: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, Indicator]]:
    """The indicator values of `runs` simulated series (one indicator id per run) for the area and the rest of
    Nederland, with intervals computed by the workbook's own statistics."""
    years = np.array(scenario.years, dtype=float)
    ids = [f"s{i:05d}" for i in range(runs)]
    indicators = {i: _indicator(scenario, i) for i in ids}
    bench = np.full(len(years), scenario.base)
    area = bench + scenario.true_gaps(years, runs, rng) / scenario.multiplier
    if not ((area > 0).all() and (scenario.statistic == "rate" or (area < 1).all())):
        raise ValueError(f"scenario {scenario.name}: the true level leaves its range")
    shape = (runs, len(years))
    frames = []
    for code, level, level_size, truth in (
        ("A", scenario.level, scenario.size, area),
        ("rest_nl", "rest_nl", scenario.benchmark_size, bench),
    ):
        if scenario.statistic == "survey":
            se = np.sqrt(scenario.design_effect * truth * (1 - truth) / level_size)
            estimate = np.clip(truth + rng.normal(0, 1, shape) * se, 0.001, 0.999)
            observed_se = np.sqrt(scenario.design_effect * estimate * (1 - estimate) / level_size)
            columns = {
                "value": 100 * estimate,
                "lower_ci": 100 * (estimate - 1.959964 * observed_se),
                "upper_ci": 100 * (estimate + 1.959964 * observed_se),
                "numerator": np.nan,
                "denominator": float(level_size),
            }
        else:
            draws = (
                rng.poisson(level_size * truth, shape)
                if scenario.statistic == "rate"
                else rng.binomial(int(level_size), np.broadcast_to(truth, shape))
            )
            columns = {"numerator": draws.astype(float), "denominator": float(level_size)}
        frame = pd.DataFrame(
            {
                "indicator": np.repeat(ids, len(years)),
                "year_start": np.tile(years.astype(int), runs),
                **{k: (np.ravel(v) if isinstance(v, np.ndarray) else v) for k, v in columns.items()},
            }
        )
        frame["year_end"], frame["area_code"] = frame["year_start"], code
        frame["area_level"], frame["area_name"] = level, code
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    rows["period"] = rows["year_start"].astype(str)
    if scenario.statistic == "survey":
        values = survey_intervals(rows.assign(statistic="survey", method="simulatie", confidence=0.95))
    else:
        if scenario.pool_years > 1:
            levels = rows[["area_code", "area_level", "area_name"]].drop_duplicates()
            rows = pool_years(
                rows[["indicator", "area_code", "period", "year_start", "year_end", "numerator", "denominator"]],
                scenario.pool_years,
            ).merge(levels, on="area_code")
        values = intervals_for(rows, indicators[ids[0]])
    values["region"] = "simulatie"
    return values, indicators


def run_scenario(scenario: Scenario, runs: int = 1000, seed: int = 2030) -> pd.DataFrame:
    """One row per simulated series: its verdict (as `assess` gives it) and the truth behind it."""
    rng = np.random.default_rng(seed)
    values, indicators = simulate_values(scenario, runs, rng)
    gaps = calculate_gaps(
        values, indicators, "rest_nl", baseline_year=BASELINE_YEAR, target_year=TARGET_YEAR, share=SHARE
    )
    assessed = assess(values, gaps, indicators, target_year=TARGET_YEAR, share=SHARE)
    assessed = assessed[assessed["area_code"] == "A"]
    return assessed.assign(scenario=scenario.name, truth_gap=scenario.true_gap, truth_closure=scenario.closure)


def summarise(results: pd.DataFrame, scenario: Scenario) -> dict:
    """The calibration row of a scenario: share per verdict and the error rates that apply to its truth."""
    shares = results["verdict"].value_counts(normalize=True)
    reassured = float(results["verdict"].isin(REASSURING).mean())
    row = {
        "scenario": scenario.name,
        "statistic": scenario.statistic,
        "level": scenario.level,
        "size": scenario.size,
        "true_gap": scenario.true_gap,
        "true_closure": scenario.closure,
        "runs": len(results),
        **{key: float(shares.get(key, 0.0)) for key in VERDICTS},
    }
    row["false_reassurance"] = reassured if scenario.closure <= 0.10 else np.nan
    row["sensitivity"] = reassured if scenario.closure >= 0.40 else np.nan
    row["false_no_gap"] = float((results["verdict"] == "geen_achterstand").mean()) if scenario.gap is None else np.nan
    if "verdict_data_until" in results.columns:
        needed = results.loc[results["verdict"] == "onvoldoende_gegevens", "verdict_data_until"]
        row["median_data_until"] = float(needed.median()) if needed.notna().any() else np.nan
    return row


def scenarios(full: bool = True) -> list[Scenario]:
    """The scenario set: proportions (births 7% with a 1-point gap; a register indicator with hundreds of
    thousands), a rate and survey estimates, at gemeente, subregio and region sizes, each with truths that close 0%,
    10% and 40% of the gap, plus a small real gap (one standard error) that does not close."""
    births, adults = 165_000, 13_000_000  # the rest of Nederland per year: births, inhabitants of 15 and over
    kinds = [
        ("vroeggeboorte-achtig, gemeente (1.000 geboorten)", "proportion", "gemeente", 1_000, 0.07, 1.0, 1, births),
        ("vroeggeboorte-achtig, gemeente, 3 jaar samen", "proportion", "gemeente", 1_000, 0.07, 1.0, 3, births),
        ("vroeggeboorte-achtig, subregio (2.500 geboorten)", "proportion", "subregio", 2_500, 0.07, 1.0, 1, births),
        ("vroeggeboorte-achtig, regio (5.500 geboorten)", "proportion", "regio", 5_500, 0.07, 1.0, 1, births),
        ("registratie, gemeente (40.000 inwoners)", "proportion", "gemeente", 40_000, 0.07, 1.0, 1, adults),
        ("registratie, regio (480.000 inwoners)", "proportion", "regio", 480_000, 0.07, 1.0, 1, adults),
        ("sterfte-achtig, regio (5.500 geboorten)", "rate", "regio", 5_500, 0.005, 1.0, 1, births),
        ("enquête, gemeente (700 respondenten)", "survey", "gemeente", 700, 0.20, 3.0, 1, 400_000),
        ("enquête, regio (8.000 respondenten)", "survey", "regio", 8_000, 0.20, 3.0, 1, 400_000),
    ]
    if not full:
        kinds = [kinds[0], kinds[5], kinds[7]]
    out = []
    for name, statistic, level, size, base, gap, pool, benchmark in kinds:
        survey_years = (2016, 2020, 2022, 2024)
        common = dict(
            statistic=statistic,
            level=level,
            size=size,
            base=base,
            pool_years=pool,
            benchmark_size=benchmark,
            years=survey_years if statistic == "survey" else tuple(range(2016, 2025)),
        )
        for closure in (0.0, 0.10, 0.40):
            out.append(Scenario(name=f"{name}; {closure:.0%} ingelopen", gap=gap, closure=closure, **common))
        out.append(Scenario(name=f"{name}; kleine echte achterstand (1 SE), blijft", gap=None, closure=0.0, **common))
    return out


def calibrate(full: bool = True, runs: int = 1000, seed: int = 2030) -> pd.DataFrame:
    """The calibration table over `scenarios(full)`."""
    rows = []
    for i, scenario in enumerate(scenarios(full)):
        rows.append(summarise(run_scenario(scenario, runs, seed + i), scenario))
    return pd.DataFrame(rows)


# --- the trend-break analysis (indicators.segmented) ---------------------------------------------------------------


@dataclass(frozen=True)
class BreakScenario(Scenario):
    """A gap on a straight course before the programme's start that changes level and slope from then on, in the
    indicator's unit: gap(t) = gap + slope_before (t - 2018) + level_change after + slope_change (t - 2018) after.
    `fluctuation`: the standard deviation of true year-to-year deviations beyond sampling error (AR(1) with
    correlation `rho`), as real gaps have (a cold winter, a change in registration practice)."""

    closure: float = 0.0
    slope_before: float = 0.0
    level_change: float = 0.0
    slope_change: float = 0.0
    fluctuation: float = 0.0
    rho: float = 0.5
    years: tuple[int, ...] = tuple(range(2012, 2025))

    def truth(self, years: np.ndarray) -> np.ndarray:
        x = years - BASELINE_YEAR
        after = (x >= 0).astype(float)
        return self.true_gap + self.slope_before * x + self.level_change * after + self.slope_change * x * after

    def true_gaps(self, years: np.ndarray, runs: int, rng: np.random.Generator) -> np.ndarray:
        line = self.truth(years)
        if not self.fluctuation:
            return line
        rho, shocks = self.rho, rng.normal(0, self.fluctuation, (runs, len(years)))
        wander = np.empty_like(shocks)
        wander[:, 0] = shocks[:, 0]
        for j in range(1, len(years)):
            wander[:, j] = rho * wander[:, j - 1] + np.sqrt(1 - rho**2) * shocks[:, j]
        return line + wander


def run_break_scenario(scenario: BreakScenario, runs: int = 1000, seed: int = 2018) -> pd.DataFrame:
    """One row per simulated series: the category `gap_breaks` gives it, and its estimates."""
    rng = np.random.default_rng(seed)
    values, indicators = simulate_values(scenario, runs, rng)
    gaps = calculate_gaps(
        values, indicators, "rest_nl", baseline_year=BASELINE_YEAR, target_year=TARGET_YEAR, share=SHARE
    )
    found = gap_breaks(gaps[gaps["area_code"] == "A"], indicators, start=BASELINE_YEAR)
    return found.assign(scenario=scenario.name)


def summarise_breaks(results: pd.DataFrame, scenario: BreakScenario) -> dict:
    shares = results["category"].value_counts(normalize=True)
    estimated = results["slope_change"].dropna()
    covered = (
        (results["slope_change_lower"] <= scenario.slope_change)
        & (scenario.slope_change <= results["slope_change_upper"])
    )[results["slope_change"].notna()]
    return {
        "scenario": scenario.name,
        "level": scenario.level,
        "size": scenario.size,
        "last_year": max(scenario.years),
        "slope_before": scenario.slope_before,
        "level_change": scenario.level_change,
        "slope_change": scenario.slope_change,
        "fluctuation": scenario.fluctuation,
        "runs": len(results),
        **{key: float(shares.get(key, 0.0)) for key in ("zichtbaar", "onveranderd", "verslechterd", "te_weinig")},
        "mean_estimate": float(estimated.mean()) if len(estimated) else np.nan,
        "coverage": float(covered.mean()) if len(covered) else np.nan,
    }


def break_scenarios(full: bool = True) -> list[BreakScenario]:
    """Gaps of 1 percentage point (births 7%, a register indicator of 7%) at gemeente and region sizes: no change
    (with and without a change of level, a rising course before, and year-to-year fluctuation beyond sampling), and
    breaks of the slope by 0.1, 0.2 and 0.4 percentage point a year, with data up to 2021, 2024 and 2027."""
    births, adults = 165_000, 13_000_000
    kinds = [
        ("geboorten, gemeente (1.000 per jaar)", "gemeente", 1_000, births),
        ("geboorten, regio (5.500 per jaar)", "regio", 5_500, births),
        ("registratie, gemeente (40.000 inwoners)", "gemeente", 40_000, adults),
    ]
    if not full:
        kinds = kinds[:1] + kinds[2:]
    out = []
    for name, level, size, benchmark in kinds:
        common = dict(statistic="proportion", level=level, size=size, base=0.07, gap=1.0, benchmark_size=benchmark)
        nulls = [
            ("geen verandering", {}),
            ("alleen een sprong (-0,5)", {"level_change": -0.5}),
            ("stijgend vóór 2018, onveranderd", {"slope_before": 0.1}),
            ("geen verandering, schommelend (0,3)", {"fluctuation": 0.3}),
            ("geen verandering, sterk schommelend (0,6; rho 0,8)", {"fluctuation": 0.6, "rho": 0.8}),
        ]
        for label, change in nulls if full else [nulls[0], nulls[3]]:
            out.append(BreakScenario(name=f"{name}; {label}", **common, **change))
        for last in (2021, 2024, 2027) if full else (2024,):
            for slope in (-0.1, -0.2, -0.4) if full else (-0.2,):
                label = f"{slope:+.1f}".replace(".", ",")
                out.append(
                    BreakScenario(
                        name=f"{name}; helling {label} per jaar; t/m {last}",
                        slope_change=slope,
                        years=tuple(range(2012, last + 1)),
                        **common,
                    )
                )
        if full:
            out.append(
                BreakScenario(name=f"{name}; helling +0,2 per jaar (slechter); t/m 2024", slope_change=0.2, **common)
            )
            out.append(
                BreakScenario(
                    name=f"{name}; helling -0,2 per jaar, schommelend (0,3); t/m 2024",
                    slope_change=-0.2,
                    fluctuation=0.3,
                    **common,
                )
            )
    return out


def calibrate_breaks(full: bool = True, runs: int = 1000, seed: int = 2018) -> pd.DataFrame:
    """The calibration table of the trend-break categories over `break_scenarios(full)`."""
    return pd.DataFrame(
        [summarise_breaks(run_break_scenario(s, runs, seed + i), s) for i, s in enumerate(break_scenarios(full))]
    )
