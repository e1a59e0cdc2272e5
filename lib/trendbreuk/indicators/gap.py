"""The gap to the benchmark, its movement since the baseline, and the linear target path to 2030.

Definitions (also in docs/methode.md):
- gap = orientation x (area value - benchmark value), in the indicator's unit (percentage points for
  percentages); orientation is +1 when lower is better, -1 when higher is better, so a positive gap always
  means the area is behind ("achterstand").
- The confidence interval of a gap between two independent proportions is Newcombe's hybrid score interval
  (Newcombe 1998, Stat Med 17:873-890, method 10; statsmodels confint_proportions_2indep, method='newcomb').
  The rest of Nederland is independent of the region by construction. Against Nederland as a whole (which
  contains the area) the interval ignores the positive covariance and is therefore slightly too wide.
- Baseline: the period that contains the indicator's baseline year (default 2018, config/regions.yaml); when no
  period contains it (a survey in 2016 and 2020), the last period that ends before it. A period stands for its
  midpoint in time (2016-2018 -> 2017).
- For estimates that are not counted proportions (survey percentages, rates), the gap's interval is the normal
  approximation with standard errors recovered from both intervals (Altman & Bland 2011, BMJ 343:d2090).
- Target path: the gap falls linearly from the baseline gap to (1 - 0.25) x baseline gap in 2030:
  target_gap(t) = baseline_gap x (1 - share x (t - t_baseline) / (2030 - t_baseline)).
- Share of the gap closed: (baseline_gap - gap) / baseline_gap, only when the baseline gap is positive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from trendbreuk.indicators.aggregate import period_midpoint
from trendbreuk.indicators.catalogue import Indicator, per_indicator

GAP_METHOD = "Newcombe hybrid score (verschil van twee onafhankelijke proporties)"


def target_gap(
    baseline_gap: float, t_baseline: float, t: np.ndarray | float, *, target_year: float = 2030, share: float = 0.25
) -> np.ndarray:
    """The gap the linear target path asks for at time t (t may run past the target year: it stays level)."""
    if target_year <= t_baseline:
        raise ValueError(f"target year {target_year} must lie after the baseline {t_baseline}")
    if not 0 < share <= 1:
        raise ValueError(f"share of the gap to close must be in (0, 1], not {share}")
    progress = np.clip((np.asarray(t, dtype=float) - t_baseline) / (target_year - t_baseline), 0, 1)
    return baseline_gap * (1 - share * progress)


def difference_ci(num1, den1, num2, den2, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe hybrid score interval of p1 - p2 (as fractions); NaN where a count is missing or zero-sized."""
    num1, den1, num2, den2 = (np.asarray(x, dtype=float) for x in (num1, den1, num2, den2))
    lower = np.full(num1.shape, np.nan)
    upper = np.full(num1.shape, np.nan)
    ok = np.isfinite(num1) & np.isfinite(den1) & np.isfinite(num2) & np.isfinite(den2) & (den1 > 0) & (den2 > 0)
    if ok.any():
        lo, hi = confint_proportions_2indep(
            num1[ok], den1[ok], num2[ok], den2[ok], method="newcomb", compare="diff", alpha=1 - confidence
        )
        lower[ok], upper[ok] = lo, hi
    return lower, upper


def _wald_difference(value1, lower1, upper1, value2, lower2, upper2, confidence: float = 0.95):
    from scipy.stats import norm

    z = norm.ppf(1 - (1 - confidence) / 2)
    se = np.sqrt(
        ((np.asarray(upper1) - np.asarray(lower1)) / (2 * z)) ** 2
        + ((np.asarray(upper2) - np.asarray(lower2)) / (2 * z)) ** 2
    )
    d = np.asarray(value1) - np.asarray(value2)
    return d - z * se, d + z * se


def baseline_periods(frame: pd.DataFrame, baseline_year_of) -> pd.DataFrame:
    """One baseline period per indicator: the period containing its baseline year, else the last one that ends
    before it. frame: indicator, period, year_start, year_end (any number of areas)."""
    periods = frame[["indicator", "period", "year_start", "year_end"]].drop_duplicates()
    chosen = []
    for indicator, rows in periods.groupby("indicator"):
        year = baseline_year_of(indicator)
        containing = rows[(rows["year_start"] <= year) & (rows["year_end"] >= year)]
        before = rows[rows["year_end"] < year].sort_values("year_end")
        pick = containing.head(1) if not containing.empty else before.tail(1)
        chosen.append(pick)
    return (
        pd.concat(chosen)[["indicator", "period"]].rename(columns={"period": "baseline_period"})
        if chosen
        else pd.DataFrame(columns=["indicator", "baseline_period"])
    )


# The areas whose gap is computed and judged (the benchmarks themselves are not).
JUDGED_LEVELS = ("gemeente", "subregio", "regio", "wijk", "buurt", "focus")


def calculate_gaps(
    values: pd.DataFrame,
    indicators: dict[str, Indicator],
    benchmark: str,
    *,
    baseline_year: int = 2018,
    target_year: int = 2030,
    share: float = 0.25,
) -> pd.DataFrame:
    """Gap of every area of JUDGED_LEVELS to `benchmark` ('rest_nl' or 'NL01'), per period, with the
    baseline, the target path at that period and the share of the gap closed."""
    keys = ["region", "indicator", "period", "year_start", "year_end"]
    areas = values[values["area_level"].isin(JUDGED_LEVELS)]
    bench = values[values["area_code"] == benchmark][
        keys + ["value", "lower_ci", "upper_ci", "numerator", "denominator"]
    ]
    if bench.empty:
        raise ValueError(f"no rows for benchmark '{benchmark}' in the indicator values")
    frame = areas.merge(bench, on=keys, suffixes=("", "_benchmark"))
    frame["benchmark"] = benchmark
    orientation, multiplier = (per_indicator(indicators, frame["indicator"], a) for a in ("orientation", "multiplier"))
    frame["gap"] = orientation * (frame["value"] - frame["value_benchmark"])
    lo, hi = difference_ci(
        frame["numerator"], frame["denominator"], frame["numerator_benchmark"], frame["denominator_benchmark"]
    )
    lo, hi = lo * multiplier, hi * multiplier
    # Counts of areas that CBS rounded (wijken, buurten) have intervals that include the rounding: their gap combines
    # the two intervals, as for estimates, rather than Newcombe's interval on the published counts.
    rounded = frame["rounding_share"].notna().to_numpy() if "rounding_share" in frame.columns else False
    counted = (per_indicator(indicators, frame["indicator"], "statistic") == "proportion") & ~rounded
    w_lo, w_hi = _wald_difference(
        frame["value"],
        frame["lower_ci"],
        frame["upper_ci"],
        frame["value_benchmark"],
        frame["lower_ci_benchmark"],
        frame["upper_ci_benchmark"],
    )
    lo, hi = np.where(counted, lo, w_lo), np.where(counted, hi, w_hi)
    frame["gap_lower"] = np.where(orientation > 0, lo, -hi)
    frame["gap_upper"] = np.where(orientation > 0, hi, -lo)
    frame["relative_gap"] = orientation * (frame["value"] / frame["value_benchmark"] - 1)
    wald = "normale benadering met standaardfouten uit de intervallen"
    methods = np.array([GAP_METHOD, wald + " (inclusief afronding)", wald], dtype=object)  # one string object each
    frame["gap_method"] = methods[np.where(counted, 0, np.where(rounded, 1, 2))]
    frame["t"] = period_midpoint(frame["year_start"], frame["year_end"])

    group = ["region", "indicator", "area_code"]
    chosen = baseline_periods(frame, lambda i: indicators[i].baseline_year or baseline_year)
    baseline = frame.merge(chosen, left_on=["indicator", "period"], right_on=["indicator", "baseline_period"])
    baseline = baseline[group + ["baseline_period", "t", "gap"]].rename(
        columns={"t": "t_baseline", "gap": "baseline_gap"}
    )
    frame = frame.merge(baseline.drop_duplicates(group), on=group, how="left")
    has_gap = frame["baseline_gap"] > 0
    after = frame["t"] >= frame["t_baseline"]
    progress = np.clip((frame["t"] - frame["t_baseline"]) / (target_year - frame["t_baseline"]), 0, 1)
    frame["target_gap"] = np.where(has_gap & after, frame["baseline_gap"] * (1 - share * progress), np.nan)
    frame["share_closed"] = np.where(
        has_gap & after, (frame["baseline_gap"] - frame["gap"]) / frame["baseline_gap"], np.nan
    )
    frame["target_share_closed"] = np.where(has_gap & after, share * progress, np.nan)
    columns = [
        "region",
        "indicator",
        "area_level",
        "area_code",
        "area_name",
        "benchmark",
        "period",
        "year_start",
        "year_end",
        "t",
        "value",
        "value_benchmark",
        "gap",
        "gap_lower",
        "gap_upper",
        "relative_gap",
        "gap_method",
        "baseline_period",
        "t_baseline",
        "baseline_gap",
        "target_gap",
        "share_closed",
        "target_share_closed",
    ]
    return frame[columns].sort_values(
        ["region", "indicator", "area_code", "benchmark", "year_start"], ignore_index=True
    )


def gaps_to_benchmarks(values: pd.DataFrame, indicators: dict[str, Indicator], regions, *, present_only: bool = False):
    """The gaps of every area in `values` to each benchmark of `regions` (a RegionsConfig: its benchmarks, baseline
    and target year, and the share of the gap to close), as `trendbreuk build` makes them. A benchmark without rows in
    `values` is an error, or with `present_only` left out (comparing builds that lack one)."""
    benchmarks = [b for b in regions.benchmarks if not present_only or (values["area_code"] == b).any()]
    return pd.concat(
        [
            calculate_gaps(
                values,
                indicators,
                benchmark,
                baseline_year=regions.baseline_year,
                target_year=regions.target_year,
                share=regions.target_share_closed,
            )
            for benchmark in benchmarks
        ],
        ignore_index=True,
    )
