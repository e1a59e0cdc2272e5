"""Indicator values of wijken, buurten and focus areas (a Pluswijk: a set of wijken or buurten) from CBS's
small-area figures, with honest intervals.

- **Rounding.** CBS rounds small-area counts before it publishes them (uitkeringen to tens, inhabitants per age band
  to fives; the catalogue says per indicator, `rounding`). A published count c stands for any true count in
  [c - u/2, c + u/2], and a sum of k rounded terms for anything within k * u/2 of it. The interval of a proportion is
  the Wilson score interval widened over that range: its lower end is Wilson's lower bound for the smallest numerator
  over the largest denominator, its upper end Wilson's upper bound for the largest numerator over the smallest
  denominator (interval arithmetic over the rounding ranges, then the sampling interval at each end).
  `rounding_share` is the part of the interval's width that the rounding adds; above one half, a report says that
  the interval is mostly rounding.
- **Suppressed and impossible cells.** A cell CBS leaves empty stays missing, with the reason; a numerator above its
  denominator (possible after rounding, in the smallest buurten) gives no value either.
- **Indeling changes.** The KWB flags every wijk and buurt: 1 when it is the same area as the year before, 2 or 3 when
  its code or boundary changed. A series runs only across unchanged years: each row carries the first year of its
  run (`series_start`), the first row after a change is marked (`series_break`), and only the latest run is judged.
  A focus area is followed while all its wijken or buurten stay unchanged.
- **Focus areas** are the sums of their members' counts (with the members' rounding added up), for the years in
  which every member has counts; survey estimates are not combined (they would need the members' populations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trendbreuk.geography.areas import RegionsConfig, gemeenten_of, level_of
from trendbreuk.geography.small_areas import SmallAreaRegister
from trendbreuk.indicators.aggregate import memberships
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.intervals import intervals_for, survey_intervals

METHOD_ROUNDED = "Wilson score, verbreed met de afronding door CBS"
SUPPRESSED = "niet gepubliceerd door CBS (geheim of te klein)"
IMPOSSIBLE = "te klein: door de afronding van CBS is de teller groter dan de noemer"
NOT_PUBLISHED = "niet gepubliceerd: CBS heeft deze kolom in deze tabel (nog) niet gevuld"
MOSTLY_ROUNDING = 0.5  # rounding_share above which a report says the interval is mostly rounding
COLUMNS = [
    "region",
    "indicator",
    "area_level",
    "area_code",
    "area_name",
    "gemeente_code",
    "period",
    "year_start",
    "year_end",
    "numerator",
    "denominator",
    "value",
    "lower_ci",
    "upper_ci",
    "lower_ci_998",
    "upper_ci_998",
    "confidence",
    "statistic",
    "method",
    "missing_reason",
    "unit",
    "source",
    "rounding_share",
    "series_start",
    "series_break",
]


def _terms(spec) -> int:
    """How many published counts a numerator or denominator adds up (a list in the catalogue, or one key)."""
    if spec is None:
        return 0
    return len(spec) if isinstance(spec, (list, tuple)) else 1


def rounding_halves(indicator: Indicator, members: int | np.ndarray = 1) -> tuple[float, float]:
    """The largest error CBS's rounding can put in an area's numerator and denominator: half the rounding unit
    times the number of rounded counts summed (terms of the measure, times the members of a focus area)."""
    rounding = indicator.rounding or {}
    source = indicator.source
    numerator = rounding.get("numerator", 0) / 2 * _terms(source.get("numerator"))
    denominator = rounding.get("denominator", 0) / 2 * _terms(source.get("denominator"))
    return numerator * members, denominator * members


def percentage_denominator_half(numerator, denominator, numerator_half, percentage_half):
    """The largest error in a denominator CBS does not publish but that is computed back as 100 x count /
    percentage from a rounded count (within numerator_half) and a percentage rounded to one decimal (within
    percentage_half): the distance to the smallest and largest denominators the published pair allows, plus half a
    person for rounding it to whole. Infinite when the percentage may be zero (no upper bound)."""
    n, d = np.asarray(numerator, float), np.asarray(denominator, float)
    step = 2 * percentage_half  # the published percentage, recovered: 100 x count / denominator to its last digit
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.round(100 * n / d / step) * step
        low = 100 * np.maximum(n - numerator_half, 0) / (p + percentage_half)
        high = np.where(p - percentage_half > 0, 100 * (n + numerator_half) / (p - percentage_half), np.inf)
    return np.fmax(high - d, d - low) + 0.5


def percentage_rounding(indicator: Indicator) -> tuple[float, float] | None:
    """(half CBS's rounding of the count, half its rounding of the percentage) for an indicator whose denominator is
    computed back from a published count and percentage (source: percentage; rounding: {numerator: 5, percentage:
    0.1}); None for the others."""
    rounding = indicator.rounding or {}
    if not (indicator.source.get("percentage") and rounding.get("percentage")):
        return None
    return rounding.get("numerator", 0) / 2, rounding["percentage"] / 2


def with_denominator_halves(rows: pd.DataFrame, indicators: dict[str, Indicator]) -> pd.DataFrame:
    """`denominator_half` per row for the indicators whose denominator is computed back from a published percentage
    and whose catalogue entry says how CBS rounds the count and the percentage (rounding: {numerator: 5,
    percentage: 0.1}); missing for the others."""
    out = rows.assign(denominator_half=np.nan)
    for ident, indicator in indicators.items():
        halves = percentage_rounding(indicator)
        mine = (out["indicator"] == ident).to_numpy()
        if halves is not None and mine.any():
            part = out.loc[mine]
            out.loc[mine, "denominator_half"] = percentage_denominator_half(
                part["numerator"], part["denominator"], *halves
            )
    return out


def rounded_intervals(values: pd.DataFrame, indicator: Indicator, numerator_half, denominator_half) -> pd.DataFrame:
    """Proportions of `values` (numerator, denominator) with intervals that include a rounding error of at most
    numerator_half and denominator_half, at 95% and 99.8%; `rounding_share` says how much of the 95% interval's
    width is rounding. Rows whose numerator exceeds the denominator get no value (IMPOSSIBLE)."""
    out = values.copy()
    num, den = out["numerator"].to_numpy(float), out["denominator"].to_numpy(float)
    impossible = num > den
    num = np.where(impossible, np.nan, num)
    h_n = np.broadcast_to(np.asarray(numerator_half, float), num.shape)
    h_d = np.broadcast_to(np.asarray(denominator_half, float), num.shape)
    exact = intervals_for(out.assign(numerator=num, denominator=den), indicator)
    small_den = np.maximum(den - h_d, 0)
    low = intervals_for(out.assign(numerator=np.maximum(num - h_n, 0), denominator=den + h_d), indicator)
    high = intervals_for(out.assign(numerator=np.minimum(num + h_n, small_den), denominator=small_den), indicator)
    for column in ("value", "confidence", "statistic", "missing_reason"):
        out[column] = exact[column]
    full = indicator.multiplier
    for lower, upper in (("lower_ci", "upper_ci"), ("lower_ci_998", "upper_ci_998")):
        out[lower] = np.fmin(exact[lower], low[lower])
        out[upper] = np.where(small_den > 0, np.fmax(exact[upper], high[upper]), full)
        out.loc[out["value"].isna(), [lower, upper]] = np.nan
    sampling = (exact["upper_ci"] - exact["lower_ci"]).to_numpy()
    total = (out["upper_ci"] - out["lower_ci"]).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rounding_share"] = np.where(total > 0, 1 - sampling / total, np.nan) if indicator.rounding else np.nan
    out["method"] = METHOD_ROUNDED if indicator.rounding else exact["method"]
    out.loc[impossible, "missing_reason"] = IMPOSSIBLE
    return out


def series_runs(rows: pd.DataFrame) -> pd.DataFrame:
    """`series_start` (the first year of the run of unchanged years a row belongs to) and `series_break` (the first
    row after a change) for rows with indicator, area_code, year_start and indeling_change."""
    rows = rows.sort_values(["indicator", "area_code", "year_start"]).copy()
    first = ~rows.duplicated(["indicator", "area_code"])
    changed = ~first & (rows["indeling_change"] != 1)
    run = (first | changed).cumsum()
    rows["series_start"] = rows.groupby(run)["year_start"].transform("min").astype(int)
    rows["series_break"] = changed.to_numpy()
    return rows


def latest_runs(values: pd.DataFrame) -> pd.DataFrame:
    """The rows that are judged: for wijken, buurten and focus areas only the latest run of unchanged years."""
    if "series_start" not in values.columns:
        return values
    latest = values.groupby(["region", "indicator", "area_code"])["series_start"].transform("max")
    return values[values["series_start"].isna() | (values["series_start"] == latest)]


def focus_area_counts(rows: pd.DataFrame, regions: RegionsConfig) -> pd.DataFrame:
    """Counts of every focus area of every region: the sum over its members per indicator and year, for the years in
    which every member has both counts; changed when any member changed (or its flag is unknown); `members`; the
    members' denominator_half summed where rows have one."""
    parts = []
    for region in regions.regions.values():
        for area in region.focus_areas:
            members = rows[rows["area_code"].isin(area.codes)]
            if members.empty:
                continue
            halves = {"denominator_half": ("denominator_half", "sum")} if "denominator_half" in members.columns else {}
            grouped = members.groupby(["indicator", "year_start"], as_index=False).agg(
                numerator=("numerator", lambda s: s.sum(min_count=len(area.codes))),
                denominator=("denominator", lambda s: s.sum(min_count=len(area.codes))),
                **halves,
                present=("area_code", "nunique"),
                unchanged=("indeling_change", lambda s: bool((s == 1).all())),
            )
            grouped = grouped[grouped["present"] == len(area.codes)]
            grouped = grouped.assign(
                area_code=area.code,
                area_name=area.name,
                area_level="focus",
                region=region.key,
                gemeente_code=",".join(area.gemeente_codes),
                members=len(area.codes),
                indeling_change=np.where(grouped["unchanged"], 1, 2),
            )
            parts.append(grouped.drop(columns=["present", "unchanged"]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def small_area_values(
    rows: pd.DataFrame, indicators: dict[str, Indicator], regions: RegionsConfig, register: SmallAreaRegister
) -> pd.DataFrame:
    """Values of every wijk and buurt of the configured regions' gemeenten, and of every focus area, for the
    indicators whose source publishes them (rows from sources.statline with small_areas), in the layout of
    indicator_values plus gemeente_code, rounding_share, series_start and series_break."""
    if rows is None or rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rows[rows["indicator"].isin([i for i, ind in indicators.items() if ind.lowest_level != "gemeente"])].copy()
    codes = rows["area_code"].unique()  # per area once, not per row (hundreds of thousands of rows nationally)
    rows["area_level"] = rows["area_code"].map({c: level_of(c) for c in codes})
    rows = rows[rows["area_level"].notna()]
    rows["gemeente_code"] = gemeenten_of(rows["area_code"])
    members = memberships(regions.regions.values())[["region", "area_code"]].rename(
        columns={"area_code": "gemeente_code"}
    )
    rows = rows.merge(members, on="gemeente_code")
    pairs = rows[["indicator", "area_level"]].drop_duplicates()
    published = [
        (i, level) for i, level in zip(pairs["indicator"], pairs["area_level"]) if indicators[i].has_level(level)
    ]
    rows = rows.merge(pd.DataFrame(published, columns=["indicator", "area_level"]), on=["indicator", "area_level"])
    rows["area_name"] = rows["area_code"].map({c: register.name(c) for c in rows["area_code"].unique()})
    rows["members"] = 1
    rows = with_denominator_halves(rows, indicators)
    counted = rows[rows["indicator"].isin([i for i, ind in indicators.items() if ind.statistic != "survey"])]
    focus = focus_area_counts(counted, regions)
    rows = pd.concat([rows, focus], ignore_index=True) if not focus.empty else rows
    rows["year_end"] = rows["year_start"]
    rows["period"] = rows["year_start"].astype(int).astype(str)
    rows = series_runs(rows)
    parts = []
    for indicator_id, part in rows.groupby("indicator", sort=False):
        indicator = indicators[indicator_id]
        if indicator.statistic == "survey":
            values = survey_intervals(
                part.assign(
                    statistic="survey",
                    confidence=0.95,
                    method="schatting van de bron met marge (RIVM, kleine-gebiedsschatting)",
                )
            )
            values["missing_reason"] = np.where(values["value"].isna(), SUPPRESSED, None)
            values["rounding_share"] = np.nan
        else:
            numerator_half, denominator_half = rounding_halves(indicator, part["members"].to_numpy())
            if percentage_rounding(indicator) is not None:  # a denominator computed back from a percentage
                denominator_half = part["denominator_half"].fillna(0).to_numpy()
            values = rounded_intervals(part, indicator, numerator_half, denominator_half)
            unpublished = (part["numerator"].isna() | part["denominator"].isna()).to_numpy()
            values.loc[unpublished, "missing_reason"] = SUPPRESSED
            # a column CBS left empty for every area of a year is not a secret cell: the table does not have it yet
            empty = pd.Series(unpublished, index=part.index).groupby(part["year_start"]).transform("all").to_numpy()
            values.loc[empty, "missing_reason"] = NOT_PUBLISHED
        values["unit"], values["source"] = indicator.unit, indicator.source["provider"]
        parts.append(values)
    out = pd.concat(parts, ignore_index=True)
    out["year_start"] = out["year_start"].astype(int)
    out["year_end"] = out["year_end"].astype(int)
    return out[COLUMNS]
