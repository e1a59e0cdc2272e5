"""Programme registrations as the reports use them: yearly totals per gemeente, subregio and region, reach
against an expected number, and the shareable table after disclosure control.

- Quarterly registrations are summed into years; a status is the last one reported in the year.
- Subregio and region totals of gemeente-level counts are sums, only when every gemeente reported.
- Reach (seed 004: Knooppunt and prenatal home visits stay below what the share of vulnerable pregnancies
  predicts): expected = births x expected_share (config/programmes.yaml); reach = count / expected, and the count
  per 1,000 births. Births: the Perined denominators ("alle geboorten") of the same dataset, or else CBS's live
  births (Kerncijfers wijken en buurten).
- `shared_registrations` is the only registrations table a report may read: suppressed counts carry no value,
  and every rate computed from a suppressed count is hidden with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trendbreuk import formatting as fmt
from trendbreuk.geography.areas import Region
from trendbreuk.indicators.disclosure import display_count, suppress_table
from trendbreuk.sources.programmes import ProgrammeCatalogue

BIRTHS_PERINED = "Perined, alle geboorten (noemer van vroeggeboorte)"
BIRTHS_CBS = "CBS, levend geborenen (Kerncijfers wijken en buurten)"


def yearly_totals(rows: pd.DataFrame) -> pd.DataFrame:
    keys = ["area_level", "area_code", "area_name", "programme", "measure", "unit", "year"]
    counts = rows[rows["unit"] != "status"]
    summed = counts.groupby(keys, as_index=False).agg(
        value=("value", "sum"), denominator=("denominator", "max"), periods=("period", "nunique")
    )
    status = (
        rows[rows["unit"] == "status"]
        .sort_values("period")
        .groupby(keys, as_index=False)
        .agg(status=("status", "last"))
    )
    return pd.concat([summed, status], ignore_index=True)


def add_aggregates(totals: pd.DataFrame, region: Region) -> pd.DataFrame:
    """Subregio and region sums of gemeente-level counts (only for years in which every gemeente reported)."""
    gemeenten = totals[(totals["area_level"] == "gemeente") & (totals["unit"] != "status")]
    parts = [totals]
    groups = [(s.code, s.name, "subregio", {g.code for g in s.gemeenten}) for s in region.subregios]
    groups.append((region.code, region.name, "regio", {g.code for g in region.gemeenten}))
    for (programme, measure, unit, year), rows in gemeenten.groupby(["programme", "measure", "unit", "year"]):
        for code, name, level, members in groups:
            part = rows[rows["area_code"].isin(members)]
            if len(part) == len(members):
                parts.append(
                    pd.DataFrame(
                        [
                            {
                                "area_level": level,
                                "area_code": code,
                                "area_name": name,
                                "programme": programme,
                                "measure": measure,
                                "unit": unit,
                                "year": year,
                                "value": part["value"].sum(),
                                "denominator": part["denominator"].sum(min_count=1),
                            }
                        ]
                    )
                )
    return pd.concat(parts, ignore_index=True)


def add_reach(
    totals: pd.DataFrame, births: pd.DataFrame, births_source: str, programmes: ProgrammeCatalogue
) -> pd.DataFrame:
    """births: area_code, year, births (gemeenten, subregio's and region); births_source says where they come from."""
    out = totals.merge(births, on=["area_code", "year"], how="left")
    share = {(p.id, m.id): (m.reach or {}).get("expected_share") for p in programmes.programmes for m in p.measures}
    out["expected_share"] = [share.get((p, m)) for p, m in zip(out["programme"], out["measure"])]
    has = out["expected_share"].notna() & (out["births"] > 0)
    out["expected"] = np.where(has, out["births"] * out["expected_share"].astype(float), np.nan)
    out["reach"] = np.where(has, out["value"] / out["expected"], np.nan)
    out["per_1000_births"] = np.where(has, out["value"] / out["births"] * 1000, np.nan)
    out["births_source"] = np.where(has, births_source, "")
    return out


def births_by_area(perined: pd.DataFrame, region: Region) -> pd.DataFrame:
    """Births per gemeente, subregio and region and year, from the Perined denominators."""
    rows = perined[(perined["indicator"] == "vroeggeboorte") & (perined["year_start"] == perined["year_end"])]
    rows = rows[["area_code", "year_start", "denominator"]].rename(
        columns={"year_start": "year", "denominator": "births"}
    )
    return add_area_sums(rows, region, "births")


def add_area_sums(rows: pd.DataFrame, region: Region, column: str) -> pd.DataFrame:
    """Gemeente rows (area_code, year, column) plus the sums per subregio and for the region, for the years in which
    every gemeente of that area has a number."""
    parts = [rows]
    for code, members in [(s.code, {g.code for g in s.gemeenten}) for s in region.subregios] + [
        (region.code, {g.code for g in region.gemeenten})
    ]:
        part = rows[rows["area_code"].isin(members)].dropna(subset=[column])
        complete = part.groupby("year")["area_code"].nunique() == len(members)
        part = part[part["year"].isin(complete[complete].index)]
        parts.append(part.groupby("year", as_index=False)[column].sum().assign(area_code=code))
    return pd.concat(parts, ignore_index=True)


def shared_registrations(totals: pd.DataFrame, region: Region, programmes: ProgrammeCatalogue) -> pd.DataFrame:
    """The shareable table: display strings, suppression flags, and numbers only where they may be shown."""
    threshold = programmes.disclosure_threshold
    parent = {g.code: g.subregio_code for g in region.gemeenten}
    parent.update({s.code: region.code for s in region.subregios})
    protected = {(p.id, m.id) for p in programmes.programmes for m in p.measures if m.disclosure}
    titles = {(p.id, m.id): (p.title, m.title) for p in programmes.programmes for m in p.measures}
    tables = []
    for (programme, measure, year), rows in totals.groupby(["programme", "measure", "year"]):
        rows = rows.copy()
        if rows["unit"].iloc[0] == "status":
            rows["suppressed"] = ""
        elif (programme, measure) in protected:
            cells = pd.DataFrame(
                {"code": rows["area_code"], "parent": rows["area_code"].map(parent), "value": rows["value"]}
            )
            rows["suppressed"] = suppress_table(cells, threshold)["suppressed"].to_numpy()
        else:
            rows["suppressed"] = ""
        tables.append(rows)
    table = pd.concat(tables, ignore_index=True)
    hidden = table["suppressed"] != ""
    table["display_value"] = [
        s if u == "status" else display_count(v, h, threshold)
        for v, h, u, s in zip(table["value"], table["suppressed"], table["unit"], table["status"])
    ]
    table["display_reach"] = [
        fmt.MISSING if h or not np.isfinite(r) else fmt.share(r) for r, h in zip(table["reach"], table["suppressed"])
    ]
    table["display_per_1000_births"] = [
        fmt.MISSING if h or not np.isfinite(r) else fmt.number(r, 1)
        for r, h in zip(table["per_1000_births"], table["suppressed"])
    ]
    for column in ("value", "reach", "per_1000_births", "expected"):
        table.loc[hidden, column] = np.nan  # a hidden count leaves no trace in the shared table
    table["programme_title"] = [titles[(p, m)][0] for p, m in zip(table["programme"], table["measure"])]
    table["measure_title"] = [titles[(p, m)][1] for p, m in zip(table["programme"], table["measure"])]
    table["region"] = region.key
    columns = [
        "region",
        "area_level",
        "area_code",
        "area_name",
        "programme",
        "programme_title",
        "measure",
        "measure_title",
        "unit",
        "year",
        "display_value",
        "value",
        "denominator",
        "suppressed",
        "display_reach",
        "reach",
        "display_per_1000_births",
        "per_1000_births",
        "births",
        "births_source",
    ]
    return table[columns]
