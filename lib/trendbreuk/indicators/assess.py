"""One assessment row per region, indicator, area and benchmark: where the area stands now, the recent trend,
the gap since the baseline and its decomposition, the projection to 2030 with the probability of meeting the
target, the verdict, and the year in which the 2030 figure will be known. Plus the summary over the target
basket. Pure functions of the indicator values and gaps tables; all series are assessed at once, as arrays
(one row per series), with the functions of trendbreuk.indicators.verdict."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trendbreuk.indicators import catalogue
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.survey import se_from_interval
from trendbreuk.indicators.verdict import (
    VERDICTS,
    ZERO,
    compare_with_benchmarks,
    decompose,
    project_gaps,
    recent_trends,
    verdicts,
    year_known,
    years_needed_all,
)

COLUMNS = [
    "region",
    "indicator",
    "area_code",
    "area_name",
    "area_level",
    "benchmark",
    "life_phase",
    "target_basket",
    "latest_period",
    "value",
    "lower_ci",
    "upper_ci",
    "benchmark_value",
    "comparison",
    "comparison_level",
    "trend",
    "trend_meaning",
    "trend_points",
    "baseline_period",
    "baseline_gap",
    "baseline_gap_lower",
    "baseline_gap_upper",
    "latest_gap",
    "latest_gap_lower",
    "latest_gap_upper",
    "target_gap_2030",
    "share_closed",
    "target_share_closed_now",
    "gap_change",
    "change_due_to_area",
    "change_due_to_benchmark",
    "verdict",
    "verdict_label",
    "verdict_reason",
    "projected_gap_2030",
    "projected_gap_2030_se",
    "baseline_fit",
    "baseline_fit_se",
    "probability_target",
    "probability_now",
    "projection_points",
    "verdict_data_until",
    "verdict_known_in",
    "year_known",
]


@dataclass(frozen=True)
class Series:
    """The rows of a long table as one series per row of 2-D arrays (series x points, in time order), padded with
    NaN (numbers) or None (text): `keys` holds each series' key columns, in order of first appearance."""

    keys: pd.DataFrame
    columns: dict[str, np.ndarray]

    @classmethod
    def of(cls, frame: pd.DataFrame, by: list[str], time: str, columns: list[str]) -> Series:
        ids = frame.groupby(by, sort=False).ngroup().to_numpy()
        order = np.lexsort((frame[time].to_numpy(), ids))
        ids = ids[order]
        starts = np.r_[0, np.flatnonzero(np.diff(ids)) + 1] if len(ids) else np.zeros(0, dtype=int)
        position = np.arange(len(ids)) - np.repeat(starts, np.diff(np.r_[starts, len(ids)]))
        shape = (len(starts), int(position.max()) + 1 if len(ids) else 0)
        arrays = {}
        for column in columns:
            data = frame[column].to_numpy()[order]
            numeric = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
            array = np.full(shape, np.nan) if numeric else np.full(shape, None, dtype=object)
            array[ids, position] = data.astype(float) if numeric else data
            arrays[column] = array
        keys = frame.iloc[order[starts]][by].reset_index(drop=True)
        return cls(keys, arrays)

    def __getitem__(self, column: str) -> np.ndarray:
        return self.columns[column]


def _at(array: np.ndarray, index: np.ndarray) -> np.ndarray:
    """array[row, index[row]] per row; NaN (or None) where index is -1."""
    rows = np.arange(len(index))
    picked = array[rows, np.maximum(index, 0)]
    return np.where(index >= 0, picked, np.nan if picked.dtype.kind == "f" else None)


def _first(mask: np.ndarray) -> np.ndarray:
    """Per row, the index of the first True, -1 when none."""
    if mask.shape[1] == 0:
        return np.full(mask.shape[0], -1)
    return np.where(mask.any(axis=1), np.argmax(mask, axis=1), -1)


def _last(mask: np.ndarray) -> np.ndarray:
    """Per row, the index of the last True, -1 when none."""
    from_end = _first(mask[:, ::-1])
    return np.where(from_end >= 0, mask.shape[1] - 1 - from_end, -1)


def assess(
    values: pd.DataFrame,
    gaps: pd.DataFrame,
    indicators: dict[str, Indicator],
    *,
    target_year: int = 2030,
    share: float = 0.25,
    baseline_year: int = 2018,
) -> pd.DataFrame:
    """The assessments table (see module docstring): every series of every region, indicator, area and benchmark
    at once, as arrays. `baseline_year`: the programme's start, for indicators without one of their own (as for
    the gaps), named in the reason when a series has no figure for it."""
    breaks = ["series_break"] if "series_break" in values.columns else []  # wijken and buurten
    v = Series.of(
        values.assign(**{c: values[c].astype(float) for c in breaks}),
        ["region", "indicator", "area_code"],
        "year_end",
        [
            "area_name",
            "area_level",
            "period",
            "year_start",
            "year_end",
            "numerator",
            "value",
            "lower_ci",
            "upper_ci",
            "lower_ci_998",
            "upper_ci_998",
            *breaks,
        ],
    )
    g = Series.of(
        gaps,
        ["region", "indicator", "area_code", "benchmark"],
        "t",
        [
            "period",
            "t",
            "gap",
            "gap_lower",
            "gap_upper",
            "baseline_period",
            "value",
            "value_benchmark",
            "share_closed",
            "target_share_closed",
        ],
    )
    out = g.keys.copy()
    vid = out.merge(v.keys.reset_index(), on=["region", "indicator", "area_code"], how="left")["index"].to_numpy()
    if np.isnan(vid.astype(float)).any():
        raise ValueError("gaps without indicator values: build the gaps from the same values")
    vid = vid.astype(int)

    def per_indicator(attribute: str) -> np.ndarray:
        return catalogue.per_indicator(indicators, out["indicator"], attribute)

    higher_is_better = per_indicator("higher_is_better").astype(bool)
    out["area_name"], out["area_level"] = v["area_name"][vid, 0], v["area_level"][vid, 0]
    out["life_phase"], out["target_basket"] = per_indicator("life_phase"), per_indicator("target_basket").astype(bool)

    # Where the area stands now: its latest value against the benchmark in the same period.
    i = _last(np.isfinite(v["value"]))[vid]
    j = _last(np.isfinite(g["gap"]))
    stands = (i >= 0) & (j >= 0)
    i, j = np.where(stands, i, -1), np.where(stands, j, -1)
    latest = {
        c: _at(v[c][vid], i)
        for c in ("period", "numerator", "value", "lower_ci", "upper_ci", "lower_ci_998", "upper_ci_998")
    }
    min_count = per_indicator("min_count").astype(float)
    with np.errstate(invalid="ignore"):
        few = (min_count > 0) & np.isfinite(latest["numerator"]) & (latest["numerator"] < min_count)
    benchmark_value = _at(g["value_benchmark"], j)
    out["comparison"], out["comparison_level"] = compare_with_benchmarks(
        latest["value"],
        latest["lower_ci"],
        latest["upper_ci"],
        latest["lower_ci_998"],
        latest["upper_ci_998"],
        benchmark_value,
        higher_is_better=higher_is_better,
        enough_data=~few & (_at(g["period"], j) == latest["period"]),
    )
    out["latest_period"] = latest["period"]
    for column in ("value", "lower_ci", "upper_ci"):
        out[column] = latest[column]
    out["benchmark_value"] = benchmark_value

    # Recent trend of the value itself.
    direction, _, points = recent_trends(
        (v["year_start"] + v["year_end"]) / 2, v["value"], se_from_interval(v["lower_ci"], v["upper_ci"])
    )
    out["trend"], out["trend_points"] = direction[vid], points[vid]
    meaning = np.where(
        higher_is_better,
        out["trend"].map({"stijgend": "verbetert", "dalend": "verslechtert"}),
        out["trend"].map({"stijgend": "verslechtert", "dalend": "verbetert"}),
    )
    out["trend_meaning"] = np.where(pd.isna(meaning), out["trend"], meaning)

    # Gap since the baseline, its decomposition, the projection and the verdict.
    b = _first((g["period"] == g["baseline_period"]) & np.isfinite(g["gap"]))
    based = b >= 0
    t_base = _at(g["t"], b)
    with np.errstate(invalid="ignore"):
        since = based[:, None] & (g["t"] >= t_base[:, None]) & np.isfinite(g["gap"])
    n = np.where(based, j, -1)  # the last point since the baseline is the latest gap
    baseline_gap = _at(g["gap"], b)
    out["baseline_period"] = _at(g["period"], b)
    out["baseline_gap"], out["baseline_gap_lower"], out["baseline_gap_upper"] = (
        baseline_gap,
        _at(g["gap_lower"], b),
        _at(g["gap_upper"], b),
    )
    out["latest_gap"], out["latest_gap_lower"], out["latest_gap_upper"] = (
        _at(g["gap"], n),
        _at(g["gap_lower"], n),
        _at(g["gap_upper"], n),
    )
    with np.errstate(invalid="ignore"):
        out["target_gap_2030"] = np.where(baseline_gap > 0, (1 - share) * baseline_gap, np.nan)
    out["share_closed"], out["target_share_closed_now"] = _at(g["share_closed"], n), _at(g["target_share_closed"], n)
    out["gap_change"], out["change_due_to_area"], out["change_due_to_benchmark"] = decompose(
        _at(g["value"], b),
        _at(g["value"], n),
        _at(g["value_benchmark"], b),
        _at(g["value_benchmark"], n),
        per_indicator("orientation"),
    )

    t_since = np.where(since, g["t"], np.nan)
    se_since = se_from_interval(g["gap_lower"], g["gap_upper"])
    projection = project_gaps(t_since, g["gap"], se_since, t_baseline=t_base, share=share, target_year=target_year)
    line = projection.points >= 3
    start = np.where(line, projection.baseline_fit, baseline_gap)
    middle = years_needed_all(
        t_since,
        se_since,
        t_baseline=t_base,
        baseline_gap=np.where(based, start, np.nan),
        step=per_indicator("step_years"),
        share=share,
        target_year=target_year,
        scale=np.where(line, projection.scale, 1.0),
    )
    # A period stands for its midpoint; its data run to the end of the period.
    data_until = np.round(middle + (per_indicator("pool_years") - 1) / 2)
    known_in = data_until + per_indicator("publication_lag")
    with np.errstate(invalid="ignore"):
        beyond_reach = based & np.isnan(middle) & (start > ZERO)
    keys, reasons = verdicts(
        baseline_gap,
        projection,
        baseline_upper=out["baseline_gap_upper"].to_numpy(dtype=float),
        data_until=data_until,
        known_in=known_in,
        beyond_reach=beyond_reach,
    )
    no_start = (keys == "onvoldoende_gegevens") & ~based
    baseline_years = np.array([float(y or baseline_year) for y in per_indicator("baseline_year")])
    out["verdict"], out["verdict_reason"] = keys, reasons
    if no_start.any():
        out.loc[no_start, "verdict_reason"] = _why_no_start(v, vid[no_start], baseline_years[no_start])
    out["verdict_label"] = out["verdict"].map(VERDICTS)
    out["projected_gap_2030"], out["projected_gap_2030_se"] = projection.gap_2030, projection.se
    out["baseline_fit"], out["baseline_fit_se"] = projection.baseline_fit, projection.baseline_se
    out["probability_target"], out["probability_now"] = projection.probability, projection.probability_now
    out["projection_points"] = np.where(line, projection.points, since.sum(axis=1))
    waiting = keys == "onvoldoende_gegevens"
    out["verdict_data_until"] = np.where(waiting, data_until, np.nan)
    out["verdict_known_in"] = np.where(waiting, known_in, np.nan)
    # the last year with a figure sets the publication rhythm; an indicator that has rows but no figure anywhere
    # (a column CBS left empty for every wijk) counts from its last row
    last_years = values.dropna(subset=["value"]).groupby("indicator")["year_end"].max()
    last_years = last_years.combine_first(values.groupby("indicator")["year_end"].max())
    out["year_known"] = (
        out["indicator"]
        .map(
            {
                k: year_known(int(last_years[k]), i.step_years, i.publication_lag, target_year)
                for k, i in indicators.items()
                if k in last_years.index
            }
        )
        .astype(int)
    )
    return out[COLUMNS]


def _why_no_start(v: Series, vid: np.ndarray, baseline_years: np.ndarray) -> np.ndarray:
    """Per series, why there is no gap at the baseline: the figures start after the baseline year (for a wijk or
    buurt perhaps anew, after a change of the indeling), or there is no figure for the baseline year itself."""
    first = _first(np.isfinite(v["value"]))[vid]
    first_period, first_start = _at(v["period"][vid], first), _at(v["year_start"][vid], first)
    earliest = v["year_start"][vid, 0]  # the first row, with or without a figure
    anew = np.zeros(len(vid), dtype=bool)
    if "series_break" in v.columns:  # wijken and buurten: the run judged started at a change of the indeling
        anew = _at(v["series_break"][vid], first) == 1
    reasons = []
    for period, start, row_start, year, is_new in zip(first_period, first_start, earliest, baseline_years, anew):
        if period is None or not np.isfinite(start):
            reasons.append("geen startwaarde: geen cijfers")
        elif row_start > year:
            reasons.append(
                f"geen startwaarde: de reeks begint pas in {period}, na het startjaar {int(year)}"
                + (" (nieuwe reeks na een wijziging van de wijk- of buurtindeling)" if is_new else "")
            )
        else:
            reasons.append(f"geen startwaarde: geen cijfer over het startjaar {int(year)}")
    return np.array(reasons, dtype=object)


def summarise_basket(assessments: pd.DataFrame, *, benchmark: str = "rest_nl") -> pd.DataFrame:
    """Per region area (the region and each subregio and gemeente) and life phase, over the target basket:
    verdict counts, the median share of the gap closed (over indicators with a clear gap at the start, the lower limit of
    its interval above zero), the number of clear differences from the benchmark, and
    how many such differences chance alone would give (5% of comparisons at 95%, 0.2% at 99.8%)."""
    basket = assessments[assessments["target_basket"] & (assessments["benchmark"] == benchmark)]
    # Every row once for "Alle levensfasen" and once for its own life phase, which follow it in alphabetical order.
    rows = pd.concat(
        [basket.assign(life_phase=ALL_PHASES, phase_order=0), basket.assign(phase_order=1)], ignore_index=True
    )
    judged = rows["comparison"] != "niet_te_beoordelen"
    rows = rows.assign(
        judged=judged,
        differs_95=judged & (rows["comparison"] != "gelijk"),
        differs_998=judged & (rows["comparison_level"] == "99,8%"),
        # the share closed means something only where the gap at the start was clearly there (as the reports chart it)
        closed=rows["share_closed"].where(rows["baseline_gap_lower"] > 0),
        **{f"n_{v}": rows["verdict"] == v for v in VERDICTS},
    )
    keys = ["region", "area_code", "phase_order", "life_phase"]
    summary = (
        rows.groupby(keys, sort=True)
        .agg(
            area_name=("area_name", "first"),
            area_level=("area_level", "first"),
            indicators=("verdict", "size"),
            **{f"n_{v}": (f"n_{v}", "sum") for v in VERDICTS},
            median_share_closed=("closed", "median"),
            n_differences_95=("differs_95", "sum"),
            judged=("judged", "sum"),
            n_differences_998=("differs_998", "sum"),
        )
        .reset_index()
    )
    summary["expected_by_chance_95"] = 0.05 * summary["judged"]
    summary["expected_by_chance_998"] = 0.002 * summary["judged"]
    return summary[
        [
            "region",
            "area_code",
            "area_name",
            "area_level",
            "life_phase",
            "indicators",
            *(f"n_{v}" for v in VERDICTS),
            "median_share_closed",
            "n_differences_95",
            "expected_by_chance_95",
            "n_differences_998",
            "expected_by_chance_998",
        ]
    ]


ALL_PHASES = "Alle levensfasen"
