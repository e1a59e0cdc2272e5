"""Counts over areas and periods: gemeenten -> subregio's -> region, Nederland, and the rest of Nederland.

Aggregates are sums of numerators and of denominators, never averages of percentages. The rest of Nederland
is Nederland minus the region, and exists only for a period in which every gemeente of the region has counts
(otherwise the subtraction would mix areas).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trendbreuk.geography.areas import Region

KEYS = ["indicator", "area_code", "year_start", "year_end"]
NATIONAL = "NL01"


def pool_years(counts: pd.DataFrame, block: int, last_year: int | None = None) -> pd.DataFrame:
    """Sum yearly counts into non-overlapping blocks of `block` years, ending at `last_year` (default: the last
    year in the data). Incomplete blocks at the start are dropped, and so is a block in which an area misses a
    year: a pooled rate must cover the same years everywhere.

    Input: one row per indicator, area_code and single year (year_start == year_end).
    """
    if block == 1:
        return counts.copy()
    if (counts["year_start"] != counts["year_end"]).any():
        raise ValueError("pool_years needs yearly rows; this data is already pooled")
    last = int(last_year if last_year is not None else counts["year_end"].max())
    frame = counts.copy()
    frame["block_end"] = last - ((last - frame["year_start"]) // block) * block
    frame = frame[frame["year_start"] <= last]
    grouped = frame.groupby(["indicator", "area_code", "block_end"], as_index=False).agg(
        numerator=("numerator", lambda s: s.sum(min_count=len(s))),
        denominator=("denominator", lambda s: s.sum(min_count=len(s))),
        years=("year_start", "nunique"),
    )
    grouped = grouped[grouped["years"] == block]
    grouped["year_end"] = grouped["block_end"].astype(int)
    grouped["year_start"] = grouped["year_end"] - block + 1
    grouped["period"] = grouped["year_start"].astype(str) + "-" + grouped["year_end"].astype(str)
    return grouped.drop(columns=["block_end", "years"])


def aggregate_areas(counts: pd.DataFrame, region: Region) -> pd.DataFrame:
    """Rows for every gemeente of `region`, its subregio's, the region, Nederland and the rest of Nederland.

    `counts` has gemeente rows (GMxxxx) and national rows (NL01) with indicator, period, year_start, year_end,
    numerator and denominator. Returns the same columns plus region, area_level and area_name.
    """
    cols = ["indicator", "period", "year_start", "year_end"]
    members = {g.code: g for g in region.gemeenten}
    gemeente_rows = counts[counts["area_code"].isin(members)].copy()
    gemeente_rows["area_level"] = "gemeente"
    gemeente_rows["area_name"] = gemeente_rows["area_code"].map({c: g.name for c, g in members.items()})

    parts = [gemeente_rows]
    complete = (
        gemeente_rows.dropna(subset=["numerator", "denominator"]).groupby(cols)["area_code"].nunique()
        == len(members)
    )
    complete_periods = complete[complete].reset_index()[cols]

    def _sum(rows: pd.DataFrame, code: str, name: str, level: str) -> pd.DataFrame:
        summed = rows.groupby(cols, as_index=False)[["numerator", "denominator"]].sum(min_count=1)
        summed["area_code"], summed["area_name"], summed["area_level"] = code, name, level
        return summed

    for subregio in region.subregios:
        codes = {g.code for g in subregio.gemeenten}
        rows = gemeente_rows[gemeente_rows["area_code"].isin(codes)].dropna(subset=["numerator", "denominator"])
        full = rows.groupby(cols)["area_code"].nunique() == len(codes)
        full_periods = full[full].reset_index()[cols]
        parts.append(_sum(rows.merge(full_periods, on=cols), subregio.code, subregio.name, "subregio"))
    region_rows = _sum(gemeente_rows.merge(complete_periods, on=cols), region.code, region.name, "regio")
    parts.append(region_rows)

    national = counts[counts["area_code"] == NATIONAL].copy()
    national["area_name"], national["area_level"] = "Nederland", "nederland"
    parts.append(national)

    rest = national.merge(region_rows, on=cols, suffixes=("", "_region"))
    rest["numerator"] = rest["numerator"] - rest["numerator_region"]
    rest["denominator"] = rest["denominator"] - rest["denominator_region"]
    if (rest["numerator"] < 0).any() or (rest["denominator"] < 0).any():
        bad = rest[(rest["numerator"] < 0) | (rest["denominator"] < 0)].iloc[0]
        raise ValueError(
            f"{bad['indicator']} {bad['period']}: the region's counts exceed Nederland's; "
            "check that the national row (NL01) and the gemeenten come from the same source and indeling"
        )
    rest = rest[cols + ["numerator", "denominator"]]
    rest["area_code"], rest["area_name"], rest["area_level"] = "rest_nl", f"Rest van Nederland (zonder {region.name})", "rest_nl"
    parts.append(rest)

    out = pd.concat(parts, ignore_index=True)
    out["region"] = region.key
    out["numerator"] = out["numerator"].astype(float)
    out["denominator"] = out["denominator"].astype(float)
    return out[["region", "indicator", "area_level", "area_code", "area_name", "period", "year_start", "year_end",
                "numerator", "denominator"]].sort_values(["indicator", "area_level", "area_code", "year_start"],
                                                         ignore_index=True)


def period_midpoint(year_start: pd.Series | int, year_end: pd.Series | int) -> pd.Series | float:
    """The time point a period stands for: the middle of its years (2016-2018 -> 2017.0)."""
    return (np.asarray(year_start) + np.asarray(year_end)) / 2
