"""One assessment row per region, indicator, area and benchmark: where the area stands now, the recent trend,
the gap since the baseline and its decomposition, the projection to 2030 with the probability of meeting the
target, the verdict, and the year in which the 2030 figure will be known. Plus the summary over the target
basket. Pure functions of the indicator values and gaps tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.verdict import (VERDICTS, compare_with_benchmark, decompose, project_gap, recent_trend,
                                           verdict, year_known, years_needed)

Z95 = norm.ppf(0.975)


def _se(lower, upper) -> np.ndarray:
    return (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / (2 * Z95)


def _arrays(frame: pd.DataFrame, columns: list[str]) -> dict[str, np.ndarray]:
    return {c: frame[c].to_numpy() for c in columns}


def assess(values: pd.DataFrame, gaps: pd.DataFrame, indicators: dict[str, Indicator], *, target_year: int = 2030,
           share: float = 0.25) -> pd.DataFrame:
    """The assessments table (see module docstring)."""
    rows = []
    last_years = values.dropna(subset=["value"]).groupby("indicator")["year_end"].max().to_dict()
    value_columns = ["area_name", "area_level", "period", "year_start", "year_end", "numerator", "value", "lower_ci",
                     "upper_ci", "lower_ci_998", "upper_ci_998"]
    values_by = {key: _arrays(group.sort_values("year_end"), value_columns)
                 for key, group in values.groupby(["region", "indicator", "area_code"], sort=False)}
    gap_columns = ["period", "t", "gap", "gap_lower", "gap_upper", "baseline_period", "value", "value_benchmark",
                   "share_closed", "target_share_closed"]
    for (region, indicator_id, area, benchmark), group in gaps.groupby(["region", "indicator", "area_code", "benchmark"],
                                                                      sort=False):
        indicator = indicators[indicator_id]
        g = _arrays(group.sort_values("t"), gap_columns)
        v = values_by[(region, indicator_id, area)]
        record = {"region": region, "indicator": indicator_id, "area_code": area, "area_name": v["area_name"][0],
                  "area_level": v["area_level"][0], "benchmark": benchmark, "life_phase": indicator.life_phase,
                  "target_basket": indicator.target_basket}
        # Where the area stands now: its latest value against the benchmark in the same period.
        with_value = np.flatnonzero(pd.notna(v["value"]))
        with_gap = np.flatnonzero(pd.notna(g["gap"]))
        if len(with_value) == 0 or len(with_gap) == 0:
            record.update(latest_period=None, comparison="niet_te_beoordelen", comparison_level="")
        else:
            i, j = with_value[-1], with_gap[-1]
            numerator = v["numerator"][i]
            enough = not (indicator.min_count and pd.notna(numerator) and numerator < indicator.min_count)
            comparison, level = compare_with_benchmark(
                v["value"][i], v["lower_ci"][i], v["upper_ci"][i], v["lower_ci_998"][i], v["upper_ci_998"][i],
                g["value_benchmark"][j], higher_is_better=indicator.higher_is_better,
                enough_data=enough and g["period"][j] == v["period"][i])
            record.update(latest_period=v["period"][i], value=v["value"][i], lower_ci=v["lower_ci"][i],
                          upper_ci=v["upper_ci"][i], benchmark_value=g["value_benchmark"][j], comparison=comparison,
                          comparison_level=level)
        # Recent trend of the value itself.
        trend = recent_trend((v["year_start"] + v["year_end"]) / 2, v["value"], _se(v["lower_ci"], v["upper_ci"]))
        meaning = ({"stijgend": "verbetert", "dalend": "verslechtert"} if indicator.higher_is_better
                   else {"stijgend": "verslechtert", "dalend": "verbetert"})
        record.update(trend=trend.direction, trend_meaning=meaning.get(trend.direction, trend.direction),
                      trend_points=trend.points)
        # Gap since the baseline, its decomposition, the projection and the verdict.
        base = np.flatnonzero((g["period"] == g["baseline_period"]) & pd.notna(g["gap"]))
        baseline_gap, projection, since = None, None, np.array([], dtype=int)
        if len(base):
            b = base[0]
            baseline_gap = float(g["gap"][b])
            since = np.flatnonzero((g["t"] >= g["t"][b]) & pd.notna(g["gap"]))
            n = since[-1]
            change, due_area, due_bench = decompose(g["value"][b], g["value"][n], g["value_benchmark"][b],
                                                    g["value_benchmark"][n], indicator.orientation)
            projection = project_gap(g["t"][since], g["gap"][since], _se(g["gap_lower"][since], g["gap_upper"][since]),
                                     t_baseline=g["t"][b], share=share, target_year=target_year)
            record.update(baseline_period=g["period"][b], baseline_gap=baseline_gap,
                          baseline_gap_lower=g["gap_lower"][b], baseline_gap_upper=g["gap_upper"][b], latest_gap=g["gap"][n],
                          latest_gap_lower=g["gap_lower"][n], latest_gap_upper=g["gap_upper"][n],
                          target_gap_2030=(1 - share) * baseline_gap if baseline_gap > 0 else np.nan,
                          share_closed=g["share_closed"][n], target_share_closed_now=g["target_share_closed"][n],
                          gap_change=change, change_due_to_area=due_area, change_due_to_benchmark=due_bench)
        data_until = known_in = None
        beyond_reach = False
        if len(since):
            start = projection.baseline_fit if projection else baseline_gap
            middle = years_needed(g["t"][since], _se(g["gap_lower"][since], g["gap_upper"][since]),
                                  t_baseline=g["t"][since[0]], baseline_gap=start, step=indicator.step_years,
                                  share=share, target_year=target_year, scale=projection.scale if projection else 1.0)
            if middle is not None:  # a period stands for its midpoint; its data run to the end of the period
                data_until = int(round(middle + (indicator.pool_years - 1) / 2))
                known_in = data_until + indicator.publication_lag
            beyond_reach = middle is None and start is not None and start > 0
        key, reason = verdict(baseline_gap, projection, baseline_upper=record.get("baseline_gap_upper"),
                              data_until=data_until, known_in=known_in, beyond_reach=beyond_reach)
        record.update(verdict=key, verdict_label=VERDICTS[key], verdict_reason=reason,
                      projected_gap_2030=projection.gap_2030 if projection else np.nan,
                      projected_gap_2030_se=projection.se if projection else np.nan,
                      baseline_fit=projection.baseline_fit if projection else np.nan,
                      baseline_fit_se=projection.baseline_se if projection else np.nan,
                      probability_target=projection.probability if projection else np.nan,
                      probability_now=projection.probability_now if projection else np.nan,
                      projection_points=projection.points if projection else len(since),
                      verdict_data_until=data_until if key == "onvoldoende_gegevens" else None,
                      verdict_known_in=known_in if key == "onvoldoende_gegevens" else None)
        record["year_known"] = year_known(int(last_years[indicator_id]), indicator.step_years, indicator.publication_lag,
                                          target_year)
        rows.append(record)
    frame = pd.DataFrame(rows)
    for column in OPTIONAL_COLUMNS:  # present even when no area has a value or a baseline yet
        if column not in frame.columns:
            frame[column] = np.nan
    return frame


OPTIONAL_COLUMNS = ("value", "lower_ci", "upper_ci", "benchmark_value", "baseline_period", "baseline_gap",
                    "baseline_gap_lower", "baseline_gap_upper", "latest_gap", "latest_gap_lower", "latest_gap_upper",
                    "target_gap_2030", "share_closed", "target_share_closed_now", "gap_change", "change_due_to_area",
                    "change_due_to_benchmark", "verdict_data_until", "verdict_known_in")


def summarise_basket(assessments: pd.DataFrame, *, benchmark: str = "rest_nl") -> pd.DataFrame:
    """Per region area (the region and each subregio and gemeente) and life phase, over the target basket:
    verdict counts, the median share of the gap closed, the number of clear differences from the benchmark, and
    how many such differences chance alone would give (5% of comparisons at 95%, 0.2% at 99.8%)."""
    basket = assessments[assessments["target_basket"] & (assessments["benchmark"] == benchmark)]
    groups = []
    for (region, area), rows in basket.groupby(["region", "area_code"]):
        for phase, part in [("Alle levensfasen", rows), *rows.groupby("life_phase")]:
            judged = part[part["comparison"] != "niet_te_beoordelen"]
            counts = part["verdict"].value_counts()
            groups.append({
                "region": region, "area_code": area, "area_name": part["area_name"].iloc[0],
                "area_level": part["area_level"].iloc[0], "life_phase": phase, "indicators": len(part),
                **{f"n_{v}": int(counts.get(v, 0)) for v in VERDICTS},
                "median_share_closed": float(part.loc[part["baseline_gap"] > 0, "share_closed"].median())
                if (part.get("baseline_gap", pd.Series(dtype=float)) > 0).any() else np.nan,
                "n_differences_95": int((judged["comparison"] != "gelijk").sum()),
                "expected_by_chance_95": 0.05 * len(judged),
                "n_differences_998": int((judged["comparison_level"] == "99,8%").sum()),
                "expected_by_chance_998": 0.002 * len(judged),
            })
    return pd.DataFrame(groups)
