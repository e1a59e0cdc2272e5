"""Counts over areas and periods: gemeenten -> subregio's -> region, Nederland, and the rest of Nederland.

Aggregates are sums of numerators and of denominators, never averages of percentages. The rest of Nederland
is Nederland minus the region, and exists only for a period in which every gemeente of the region has counts
(otherwise the subtraction would mix areas).
"""

from __future__ import annotations

from collections.abc import Iterable

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
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        numerators=("numerator", "count"),
        denominators=("denominator", "count"),
        rows=("year_start", "size"),
        years=("year_start", "nunique"),
    )
    # A sum with a missing year is missing, not the sum of the other years.
    grouped.loc[grouped["numerators"] < grouped["rows"], "numerator"] = np.nan
    grouped.loc[grouped["denominators"] < grouped["rows"], "denominator"] = np.nan
    grouped = grouped[grouped["years"] == block].drop(columns=["numerators", "denominators", "rows"])
    grouped["year_end"] = grouped["block_end"].astype(int)
    grouped["year_start"] = grouped["year_end"] - block + 1
    grouped["period"] = grouped["year_start"].astype(str) + "-" + grouped["year_end"].astype(str)
    return grouped.drop(columns=["block_end", "years"])


def memberships(regions: Iterable[Region]) -> pd.DataFrame:
    """One row per region and gemeente: the region's key, code and name, the gemeente's subregio and name, and
    how many gemeenten the subregio and the region have (an aggregate needs all of them)."""
    rows = [
        (r.key, r.code, r.name, s.code, s.name, len(s.gemeenten), len(r.gemeenten), g.code, g.name)
        for r in regions
        for s in r.subregios
        for g in s.gemeenten
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "region",
            "region_code",
            "region_name",
            "subregio_code",
            "subregio_name",
            "subregio_size",
            "region_size",
            "area_code",
            "area_name",
        ],
    )


def aggregate_areas(counts: pd.DataFrame, region: Region | Iterable[Region]) -> pd.DataFrame:
    """Rows for every gemeente of `region`, its subregio's, the region, Nederland and the rest of Nederland; for
    several regions, those rows for each region in turn, from one grouped pass over all of them.

    `counts` has gemeente rows (GMxxxx) and national rows (NL01) with indicator, period, year_start, year_end,
    numerator and denominator. Returns the same columns plus region, area_level and area_name.
    """
    regions = [region] if isinstance(region, Region) else list(region)
    cols = ["indicator", "period", "year_start", "year_end"]
    members = memberships(regions)
    gemeenten = counts.drop(columns=["area_name"], errors="ignore").merge(members, on="area_code")
    gemeenten["area_level"] = "gemeente"
    counted = gemeenten.dropna(subset=["numerator", "denominator"])

    def _sum(by: list[str], size: str, code: str, name: str, level: str) -> pd.DataFrame:
        """Sums over the gemeenten of each group (subregio or region) and period in which all of them have counts."""
        summed = counted.groupby(by + cols, as_index=False, sort=False).agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            present=("area_code", "nunique"),
            size=(size, "first"),
            area_code=(code, "first"),
            area_name=(name, "first"),
        )
        summed = summed[summed["present"] == summed["size"]].drop(columns=["present", "size"])
        summed["area_level"] = level
        return summed

    subregios = _sum(["region", "subregio_code"], "subregio_size", "subregio_code", "subregio_name", "subregio")
    region_rows = _sum(["region"], "region_size", "region_code", "region_name", "regio")

    national = counts[counts["area_code"] == NATIONAL][cols + ["numerator", "denominator"]]
    national = members[["region"]].drop_duplicates().merge(national, how="cross")
    national["area_code"], national["area_name"], national["area_level"] = NATIONAL, "Nederland", "nederland"

    rest = national.merge(region_rows, on=["region", *cols], suffixes=("", "_region"))
    rest["numerator"] = rest["numerator"] - rest["numerator_region"]
    rest["denominator"] = rest["denominator"] - rest["denominator_region"]
    if (rest["numerator"] < 0).any() or (rest["denominator"] < 0).any():
        bad = rest[(rest["numerator"] < 0) | (rest["denominator"] < 0)].iloc[0]
        raise ValueError(
            f"{bad['indicator']} {bad['period']} ({bad['area_name_region']}): the region's counts exceed Nederland's; "
            "check that the national row (NL01) and the gemeenten come from the same source and indeling"
        )
    rest = rest[["region", *cols, "numerator", "denominator"]].assign(
        area_code="rest_nl",
        area_level="rest_nl",
        area_name=rest["area_name_region"].map(lambda name: f"Rest van Nederland (zonder {name})"),
    )

    out = pd.concat([gemeenten, subregios, region_rows, national, rest], ignore_index=True)
    out["numerator"] = out["numerator"].astype(float)
    out["denominator"] = out["denominator"].astype(float)
    order = {r.key: i for i, r in enumerate(regions)}
    out["region_order"] = out["region"].map(order)
    return out.sort_values(["region_order", "indicator", "area_level", "area_code", "year_start"], ignore_index=True)[
        [
            "region",
            "indicator",
            "area_level",
            "area_code",
            "area_name",
            "period",
            "year_start",
            "year_end",
            "numerator",
            "denominator",
        ]
    ]


def period_midpoint(year_start: pd.Series | int, year_end: pd.Series | int) -> pd.Series | float:
    """The time point a period stands for: the middle of its years (2016-2018 -> 2017.0)."""
    return (np.asarray(year_start) + np.asarray(year_end)) / 2
